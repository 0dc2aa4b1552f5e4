"""The W-slow reduction of the first-order adaptation mean field (issue 26, item 4).

The adaptation current W evolves on tau_w (hundreds of ms), the rates on T (ms). Frozen at a
value of W, the rates form the *fast subsystem*; its fixed points, followed along W, are the
critical manifold. Where it is S-shaped (a DOWN and an UP branch over a window of W, joined
by an unstable middle branch) the slow flow of W on it, ``dW/dt`` of the model evaluated on
the branch, makes a relaxation cycle: W climbs on the UP branch to its fold, the rates drop
to the DOWN branch, W decays to that branch's fold and the rates jump back up. In the
singular limit T / tau_w -> 0 this is the model's UP-DOWN oscillation: its period is the
time W takes on each branch, its UP-state rate the mean of nu_e over the UP phase. Where the
critical manifold is single-valued there is no such cycle.

Everything is evaluated by the model's own right-hand side (the compiled kernel) on arrays
of states: for each (W, nu_e) the inhibitory rate is the lowest root of its own equation
(bracketed on a grid, refined by bisection), and the roots of ``F_e - nu_e`` along a
log-spaced nu_e grid are refined by bisection. Rates in Hz, W in A, times in s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..layouts import N_STATE, S_NU_E, S_NU_I, S_W
from .fixedpoints import rhs_on_states
from .model import ColumnModel, check_inputs

#: The nu_e grid on which roots of the fast subsystem are bracketed (Hz, log-spaced: DOWN
#: states sit at 1e-3-1e-2 Hz, UP states at 1-30 Hz).
NU_E_GRID = np.geomspace(1e-5, 100.0, 500)
#: The inhibitory rate is bracketed on NU_I_GRID (Hz) and refined by BISECTIONS halvings.
NU_I_GRID = np.concatenate([[0.0], np.geomspace(1e-5, 100.0, 60)])
BISECTIONS = 36
#: The window of bistability is looked for on WINDOW_GRID values of W in [0, W_MAX] (A).
WINDOW_GRID = 81
W_MAX = 200e-12


@dataclass(frozen=True)
class CriticalManifold:
    """Fixed points of the fast subsystem along W.

    ``W`` (A, shape (n,)); ``nu_e``, ``nu_i`` (Hz, shape (n, 3): the DOWN, middle and UP
    branch, NaN where a branch does not exist; a single fixed point is stored as DOWN when
    below ``split`` Hz and as UP otherwise); ``stable`` (bool, shape (n, 3)); ``dW`` (A/s,
    the slow flow on each branch); ``split``: the rate (Hz) separating DOWN from UP."""

    W: np.ndarray
    nu_e: np.ndarray
    nu_i: np.ndarray
    stable: np.ndarray
    dW: np.ndarray
    split: float

    @property
    def bistable(self) -> np.ndarray:
        """Where a stable DOWN and a stable UP branch coexist (bool, shape (n,))."""
        return self.stable[:, 0] & self.stable[:, 2]


@dataclass(frozen=True)
class RelaxationCycle:
    """The singular-limit UP-DOWN cycle: durations of the phases (s), frequency (Hz), mean
    nu_e of the UP phase (Hz), duty cycle, and the folds it jumps at (A). ``exists`` is False
    (and the numbers NaN) where the slow flow has a stable fixed point on a branch."""

    exists: bool
    up_duration: float
    down_duration: float
    up_rate: float
    W_down_fold: float
    W_up_fold: float

    @property
    def frequency(self) -> float:
        """Cycles per second (Hz)."""
        return 1.0 / (self.up_duration + self.down_duration)

    @property
    def duty_cycle(self) -> float:
        """Fraction of the cycle spent UP."""
        return self.up_duration / (self.up_duration + self.down_duration)


def _check(model: ColumnModel, drive: float) -> None:
    if model.order != 1 or not model.adaptation:
        raise ParameterError(
            f"the W-slow reduction needs a first-order model with adaptation (order = 1, "
            f"adaptation = True), got order = {model.order}, adaptation = {model.adaptation}"
        )
    check_inputs(drive)


def _states(nu_e: np.ndarray, nu_i: np.ndarray, W: np.ndarray) -> np.ndarray:
    y = np.zeros((nu_e.size, N_STATE))
    y[:, S_NU_E], y[:, S_NU_I], y[:, S_W] = nu_e, nu_i, W
    return y


def _rhs(model: ColumnModel, y: np.ndarray, drive: float) -> np.ndarray:
    out = np.empty_like(y)
    pe, pi = model.packed_transfer
    rhs_on_states(model.packed, pe, pi, 1, 1, y, float(drive), 0.0, out)
    return out


def inhibitory_rate(model: ColumnModel, nu_e, W, drive: float) -> np.ndarray:
    """The lowest inhibitory rate (Hz) at which the inhibitory equation is stationary, for
    each (nu_e Hz, W A) pair (broadcast): the first fall of ``F_i - nu_i`` through zero on
    :data:`NU_I_GRID`, refined by bisection. (The equation has a second root near 185 Hz in
    fitted presets, where F_i's template bends up again: not the network's state.)"""
    e, w = (np.ravel(a).astype(float) for a in np.broadcast_arrays(nu_e, W))
    grid = NU_I_GRID
    values = np.stack([_rhs(model, _states(e, np.full(e.size, g), w), drive)[:, S_NU_I]
                       for g in grid], axis=1)  # fmt: skip
    k = np.argmax(values <= 0.0, axis=1)  # first grid rate at or past the root
    found = values[np.arange(e.size), k] <= 0.0
    lo, hi = grid[np.maximum(k - 1, 0)], grid[k]
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        rising = _rhs(model, _states(e, mid, w), drive)[:, S_NU_I] > 0.0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    return np.where(found, 0.5 * (lo + hi), np.nan)  # NaN: no root below the grid's top


def _excitatory_residual(model, nu_e, W, drive):
    nu_i = inhibitory_rate(model, nu_e, W, drive)
    r = _rhs(model, _states(nu_e, np.nan_to_num(nu_i), W), drive)[:, S_NU_E]
    return np.where(np.isfinite(nu_i), r, np.nan), nu_i


def _sign_changes(r: np.ndarray) -> np.ndarray:
    """Where the residual changes sign between neighbouring grid rates (last axis), both
    values finite: the brackets of the fast subsystem's fixed points."""
    valid = np.isfinite(r[..., :-1]) & np.isfinite(r[..., 1:])
    return valid & (np.sign(r[..., :-1]) != np.sign(r[..., 1:]))


def _roots(model: ColumnModel, W: np.ndarray, drive: float):
    """Fixed points of the fast subsystem at every W of an array (A), in one batch: the
    index of their W, nu_e and nu_i (Hz), in increasing nu_e for each W."""
    grid = NU_E_GRID
    r, _ = _excitatory_residual(model, np.tile(grid, W.size), np.repeat(W, grid.size), drive)
    r = r.reshape(W.size, grid.size)
    iw, k = np.nonzero(_sign_changes(r))
    lo, hi, r_lo, w = grid[k], grid[k + 1], r[iw, k], W[iw]
    for _ in range(BISECTIONS):
        mid = np.sqrt(lo * hi)
        r_mid, _ = _excitatory_residual(model, mid, w, drive)
        same = np.sign(r_mid) == np.sign(r_lo)
        lo, r_lo, hi = np.where(same, mid, lo), np.where(same, r_mid, r_lo), np.where(same, hi, mid)
    nu_e = np.sqrt(lo * hi)
    _, nu_i = _excitatory_residual(model, nu_e, w, drive)
    return iw, nu_e, nu_i


def fast_fixed_points(model: ColumnModel, W: float, drive: float) -> list[tuple[float, float]]:
    """Every fixed point (nu_e, nu_i) (Hz) of the fast subsystem at a frozen W (A), in
    increasing nu_e, bracketed on :data:`NU_E_GRID` and refined by bisection."""
    _check(model, drive)
    _, nu_e, nu_i = _roots(model, np.array([float(W)]), drive)
    return list(zip(nu_e.tolist(), nu_i.tolist(), strict=True))


def _fixed_points_along(model: ColumnModel, W: np.ndarray, drive: float) -> list[list]:
    """:func:`fast_fixed_points` at each W of an array (one batch)."""
    iw, nu_e, nu_i = _roots(model, W, drive)
    rows: list[list] = [[] for _ in W]
    for n, e, i in zip(iw, nu_e, nu_i, strict=True):
        rows[n].append((float(e), float(i)))
    return rows


def _stable(model: ColumnModel, nu_e: float, nu_i: float, W: float, drive: float) -> bool:
    """Whether the fixed point is stable for the fast subsystem (W frozen)."""
    J = model.jacobian(model.state_vector(nu_e=nu_e, nu_i=nu_i, W=W), drive)[:2, :2]
    return bool(np.all(np.linalg.eigvals(J).real < 0.0))


def critical_manifold(model: ColumnModel, drive: float, W_values) -> CriticalManifold:
    """The fast subsystem's fixed points at each frozen W of ``W_values`` (A) and drive (Hz),
    sorted into DOWN / middle / UP branches (:class:`CriticalManifold`)."""
    _check(model, drive)
    W = np.asarray(W_values, dtype=float)
    shape = (W.size, 3)
    nu_e, nu_i, dW = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    stable = np.zeros(shape, dtype=bool)
    points = _fixed_points_along(model, W, drive)
    # One fixed point: DOWN or UP by its rate against the geometric middle of all rates found.
    rates = [point[0] for row in points for point in row]
    split = float(np.sqrt(min(rates) * max(rates))) if rates else 1.0
    for n, row in enumerate(points):
        slots = [0, 1, 2] if len(row) == 3 else ([0 if row[0][0] < split else 2] if row else [])
        if len(row) not in (0, 1, 3):  # tangencies on the grid: keep the extreme two
            row, slots = [row[0], row[-1]], [0, 2]
        for slot, (e, i) in zip(slots, row, strict=True):
            nu_e[n, slot], nu_i[n, slot] = e, i
            stable[n, slot] = _stable(model, e, i, float(W[n]), drive)
            dW[n, slot] = slow_flow(model, e, i, float(W[n]), drive)
    return CriticalManifold(W, nu_e, nu_i, stable, dW, split)


def _count(model: ColumnModel, W: float, drive: float) -> int:
    """Number of fixed points at W: sign changes of the residual on :data:`NU_E_GRID` (two
    roots closer than a grid step, 2 %, right at a fold, count as none)."""
    r, _ = _excitatory_residual(model, NU_E_GRID, np.full(NU_E_GRID.size, W), drive)
    return int(np.count_nonzero(_sign_changes(r)))


def bistable_window(model: ColumnModel, drive: float, W_max: float = W_MAX,
                    tol: float = 1e-15) -> tuple[float, float]:
    """The window of W (A) where the fast subsystem has three fixed points (DOWN, middle,
    UP): its ends, the folds, located on a grid of :data:`WINDOW_GRID` points in
    [0, ``W_max``] and refined by bisection to ``tol`` (A); (NaN, NaN) without one."""
    _check(model, drive)
    W = np.linspace(0.0, W_max, WINDOW_GRID)
    three = np.array([_count(model, float(w), drive) >= 3 for w in W])
    if not three.any():
        return float("nan"), float("nan")
    first, last = np.nonzero(three)[0][[0, -1]]

    def refine(inside: float, outside: float) -> float:
        while abs(outside - inside) > tol:
            mid = 0.5 * (inside + outside)
            inside, outside = (mid, outside) if _count(model, mid, drive) >= 3 else (inside, mid)
        return 0.5 * (inside + outside)

    low = refine(W[first], W[first - 1]) if first > 0 else 0.0
    high = refine(W[last], W[last + 1]) if last < W.size - 1 else float(W_max)
    return low, high


def relaxation_cycle(model: ColumnModel, drive: float, points: int = 100,
                     window: tuple[float, float] | None = None) -> RelaxationCycle:
    """The singular-limit UP-DOWN cycle of ``model`` at ``drive`` (Hz)
    (:class:`RelaxationCycle`). It exists where the fast subsystem is bistable over a window
    of W and the slow flow rises all along the UP branch up to the window's top fold and
    decays all along the DOWN branch down to its bottom fold; the time on each branch is
    the integral of dW / (dW/dt) over ``points`` W inside the window. ``window``: the
    model's :func:`bistable_window` if already known (it does not depend on b or tau_w)."""
    w_down, w_up = bistable_window(model, drive) if window is None else window
    none = RelaxationCycle(False, np.nan, np.nan, np.nan, w_down, w_up)
    if not w_down < w_up:  # False for NaN too
        return none
    # Gauss-Chebyshev-like clustering at the folds, where the branches bend sharply.
    W = w_down + (w_up - w_down) * 0.5 * (1.0 - np.cos(np.linspace(0.0, np.pi, points)))
    W = W[1:-1]
    ends = _fixed_points_along(model, W, drive)
    # Right at a fold two roots may fall between grid rates and go unseen: keep the W where
    # all three are resolved (the clustering leaves the lost ends tiny).
    keep = np.array([len(r) == 3 for r in ends])
    if keep.sum() < 2:
        return none
    W, ends = W[keep], [r for r, k in zip(ends, keep, strict=True) if k]
    flows = np.array([[slow_flow(model, *r[0], w, drive), slow_flow(model, *r[-1], w, drive)]
                      for r, w in zip(ends, W, strict=True)])  # fmt: skip
    if np.any(flows[:, 1] <= 0.0) or np.any(flows[:, 0] >= 0.0):
        return none  # a fixed point of the slow flow on a branch: no cycle
    up_rate = np.array([r[-1][0] for r in ends])
    t_up = float(np.trapezoid(1.0 / flows[:, 1], W))
    t_down = float(np.trapezoid(-1.0 / flows[:, 0], W))
    # time-averaged rate: the integral of nu_e dt is the integral of nu_e / (dW/dt) dW
    mean_up = float(np.trapezoid(up_rate / flows[:, 1], W)) / t_up
    return RelaxationCycle(True, t_up, t_down, mean_up, w_down, w_up)


def slow_flow(model: ColumnModel, nu_e: float, nu_i: float, W: float, drive: float) -> float:
    """dW/dt (A/s) of the model at (nu_e, nu_i Hz, W A): on a fixed point of the fast
    subsystem, the slow flow."""
    return float(model.rhs(model.state_vector(nu_e=nu_e, nu_i=nu_i, W=W), drive)[S_W])
