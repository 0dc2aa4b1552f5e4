"""Fixed points, Jacobian eigenvalues and stability, continuation (SPEC 5.2, 10).

Fixed points are found by damped Newton iterations with the exact Jacobian (first order) or
central differences of the exact-derivative right-hand side (second order), started from a
grid of points covering a box of the (nu_e, nu_i) plane, all in one compiled call; distinct
converged points inside the box are returned, each with the eigenvalues of its Jacobian.
Second-order fixed points are continued from the first-order ones (covariances starting at
zero). With adaptation, W starts at its stationary value for the starting rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import AdexmfError, ParameterError
from ..layouts import FL_E_L, MF_A, MF_B, MF_T, MF_TAU_W, N_STATE, S_NU_E, S_NU_I, S_W
from ..theory.fluctuations import (
    MAX_RATE,
    admissible_rate,
    membrane_moments,
    stationary_adaptation,
)
from .model import STATE_NAMES, ColumnModel, check_inputs
from .node import active_indices, isolated_column_jacobian, isolated_column_rhs, route_inputs

#: Default box of the search (Hz): rates per population from 0 to 200 Hz.
DEFAULT_BOX = ((0.0, 200.0), (0.0, 200.0))
#: Scaled-residual tolerance of a converged fixed point (Hz, Hz^2 or pA).
RESIDUAL_TOLERANCE = 1e-10


# ----------------------------------------------------------------------------- kernels
@njit(cache=True, error_model="numpy")
def _scaled_residual(mp, pe, pi, order, adaptation, y, drive, afferent, idx, f):
    """Norm of the right-hand side in state units: T dy/dt (Hz, Hz^2), tau_w dW/dt (pA)."""
    isolated_column_rhs(mp, pe, pi, order, adaptation, y, drive, afferent, f)
    total = 0.0
    for j in idx:
        scale = mp[MF_TAU_W] * 1e12 if j == S_W else mp[MF_T]
        total += (f[j] * scale) ** 2
    return np.sqrt(total)


@njit(cache=True, error_model="numpy")
def _solve(A, b, x):
    """Solve A x = b by Gaussian elimination with partial pivoting; False if singular."""
    n = b.size
    M = A.copy()
    r = b.copy()
    for k in range(n):
        p = k
        for i in range(k + 1, n):
            if abs(M[i, k]) > abs(M[p, k]):
                p = i
        if M[p, k] == 0.0 or not np.isfinite(M[p, k]):
            return False
        if p != k:
            for j in range(n):
                M[k, j], M[p, j] = M[p, j], M[k, j]
            r[k], r[p] = r[p], r[k]
        for i in range(k + 1, n):
            factor = M[i, k] / M[k, k]
            for j in range(k, n):
                M[i, j] -= factor * M[k, j]
            r[i] -= factor * r[k]
    for k in range(n - 1, -1, -1):
        s = r[k]
        for j in range(k + 1, n):
            s -= M[k, j] * x[j]
        x[k] = s / M[k, k]
    return True


@njit(cache=True, error_model="numpy")
def newton_multistart(
    mp, pe, pi, order, adaptation, starts, drive, afferent, max_iter, roots, residuals
):
    """Damped Newton iterations from each row of ``starts`` (n, 6); results in place.

    ``residuals[s]`` is the final scaled residual (inf when the iteration failed). Rates are
    kept non-negative (projection).
    """
    idx = active_indices(order, adaptation)
    n = idx.size
    J = np.empty((N_STATE, N_STATE))
    f = np.empty(N_STATE)
    A = np.empty((n, n))
    b = np.empty(n)
    step = np.empty(n)
    trial = np.empty(N_STATE)
    for s in range(starts.shape[0]):
        y = starts[s].copy()
        r = _scaled_residual(mp, pe, pi, order, adaptation, y, drive, afferent, idx, f)
        for _ in range(max_iter):
            if r <= 1e-13:
                break
            isolated_column_jacobian(mp, pe, pi, order, adaptation, y, drive, afferent, J)
            isolated_column_rhs(mp, pe, pi, order, adaptation, y, drive, afferent, f)
            for i in range(n):
                b[i] = -f[idx[i]]
                for j in range(n):
                    A[i, j] = J[idx[i], idx[j]]
            if not _solve(A, b, step):
                r = np.inf
                break
            lam = 1.0
            rt = np.inf
            for _ls in range(40):
                trial[:] = y
                for i in range(n):
                    trial[idx[i]] = y[idx[i]] + lam * step[i]
                trial[S_NU_E] = admissible_rate(trial[S_NU_E])
                trial[S_NU_I] = admissible_rate(trial[S_NU_I])
                rt = _scaled_residual(mp, pe, pi, order, adaptation, trial, drive, afferent, idx, f)
                if rt < (1.0 - 1e-4 * lam) * r:
                    break
                lam *= 0.5
            if not rt < r:
                break  # no decrease possible: converged to rounding or stuck
            y[:] = trial
            r = rt
        roots[s] = y
        residuals[s] = r if np.isfinite(r) else np.inf


@njit(cache=True, error_model="numpy")
def rhs_on_states(mp, pe, pi, order, adaptation, states, drive, afferent, out):
    """Right-hand side at each row of ``states`` (n, 6), into ``out`` (n, 6)."""
    dy = np.empty(N_STATE)
    for k in range(states.shape[0]):
        isolated_column_rhs(mp, pe, pi, order, adaptation, states[k], drive, afferent, dy)
        out[k] = dy


@njit(cache=True, error_model="numpy")
def _stationary_adaptation(mp, pe, y, drive, afferent):
    """W (A) solving dW/dt = 0 at the rates of ``y`` (:func:`stationary_adaptation`)."""
    in_ee, _, in_i = route_inputs(mp, y[S_NU_E], y[S_NU_I], drive, afferent)
    moments = membrane_moments(pe, admissible_rate(in_ee), admissible_rate(in_i), 0.0)
    mu_G, mu_V = moments[0][0], moments[1][0]
    return stationary_adaptation(
        mp[MF_A], mp[MF_B], mp[MF_TAU_W], y[S_NU_E], mu_V, mu_G, pe[FL_E_L]
    )


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class FixedPoint:
    """A fixed point of a mean-field model with its linear stability.

    Attributes
    ----------
    state : dict of str to float
        Active state entries in SI units (nu_e, nu_i in Hz; c_ee, c_ei, c_ii in Hz^2; W in A).
    drive, afferent : float
        Inputs (Hz).
    eigenvalues : ndarray of complex
        Eigenvalues of the Jacobian (1/s), sorted by decreasing real part.
    stable : bool
        Whether every eigenvalue has a negative real part.
    residual : float
        Final scaled residual (Hz, Hz^2 or pA).
    """

    state: dict[str, float]
    drive: float
    afferent: float
    eigenvalues: np.ndarray
    stable: bool
    residual: float

    @property
    def vector(self) -> np.ndarray:
        """The full 6-entry state vector (SI)."""
        y = np.zeros(N_STATE)
        for k, name in enumerate(STATE_NAMES):
            y[k] = self.state.get(name, 0.0)
        return y

    def to_dict(self) -> dict:
        """JSON-safe mapping (SI units): state entries, ``stable``, and ``eigenvalues`` as
        ``[re, im]`` pairs in 1/s."""
        return {
            **{k: float(v) for k, v in self.state.items()},
            "drive": self.drive,
            "afferent": self.afferent,
            "stable": bool(self.stable),
            "eigenvalues": [[float(z.real), float(z.imag)] for z in self.eigenvalues],
        }


def _check_box(box) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (e0, e1), (i0, i1) = box
        e0, e1, i0, i1 = (float(v) for v in (e0, e1, i0, i1))
    except (TypeError, ValueError):
        raise ParameterError(
            f"box = {box!r}; give ((nu_e_min, nu_e_max), (nu_i_min, nu_i_max)) in Hz"
        ) from None
    for name, lo, hi in (("nu_e", e0, e1), ("nu_i", i0, i1)):
        if not (0.0 <= lo < hi <= MAX_RATE):
            raise ParameterError(
                f"box for {name} = [{lo:g}, {hi:g}] Hz is not admissible; allowed: "
                f"0 <= min < max <= {MAX_RATE:g} Hz"
            )
    return (e0, e1), (i0, i1)


def _grid(lo: float, hi: float, n: int) -> np.ndarray:
    """Starting rates: denser near the low end (rates of cortical interest), both ends in."""
    u = np.linspace(0.0, 1.0, n)
    return lo + (hi - lo) * u**3


def _stability(model: ColumnModel, y: np.ndarray, drive: float, afferent: float):
    J = model.jacobian(y, drive, afferent)
    eig = np.linalg.eigvals(J)
    eig = eig[np.lexsort((-eig.imag, -eig.real))]
    return eig, bool(np.all(eig.real < 0.0))


def find_fixed_points(
    model: ColumnModel,
    drive: float = 0.0,
    afferent: float = 0.0,
    *,
    box=DEFAULT_BOX,
    n_starts: int = 12,
    max_iter: int = 100,
) -> list[FixedPoint]:
    """All fixed points of ``model`` with rates inside ``box``, sorted by nu_e.

    Parameters
    ----------
    model : ColumnModel
    drive, afferent : float
        Constant input rates (Hz), >= 0.
    box : ((float, float), (float, float))
        Ranges of nu_e and nu_i (Hz) searched (starting points) and kept (roots).
    n_starts : int
        Starting points per axis (n_starts^2 in all), denser at low rates.
    max_iter : int
        Newton iterations per start.

    Returns
    -------
    list of FixedPoint
        Distinct fixed points (second order: continued from each first-order one).

    Raises
    ------
    InputRangeError
        For a negative or non-finite input rate.
    ParameterError
        For a malformed box or a non-positive ``n_starts``.
    """
    check_inputs(drive, afferent)
    (e0, e1), (i0, i1) = _check_box(box)
    if not (2 <= int(n_starts) <= 200):
        raise ParameterError(f"n_starts = {n_starts!r} is out of range; allowed: [2, 200]")
    drive, afferent = float(drive), float(afferent)
    first = model if model.order == 1 else model.replace(order=1)
    mp1 = first.packed
    pe, pi = model.packed_transfer
    flags1 = first.flags
    E, I = np.meshgrid(_grid(e0, e1, n_starts), _grid(i0, i1, n_starts), indexing="ij")
    starts = np.zeros((E.size, N_STATE))
    starts[:, S_NU_E] = E.ravel()
    starts[:, S_NU_I] = I.ravel()
    if model.adaptation:
        for k in range(starts.shape[0]):
            starts[k, S_W] = _stationary_adaptation(mp1, pe, starts[k], drive, afferent)
    roots = _newton(mp1, pe, pi, flags1, starts, drive, afferent, max_iter)
    if model.order == 2:
        roots = _newton(model.packed, pe, pi, model.flags, roots, drive, afferent, max_iter)
    kept: list[np.ndarray] = []
    for y in roots:
        if not (e0 - 1e-9 <= y[S_NU_E] <= e1 + 1e-9 and i0 - 1e-9 <= y[S_NU_I] <= i1 + 1e-9):
            continue
        if any(_same(y, z) for z in kept):
            continue
        kept.append(y)
    kept.sort(key=lambda y: (y[S_NU_E], y[S_NU_I]))
    names = model.state_names
    result = []
    for y in kept:
        eig, stable = _stability(model, y, drive, afferent)
        res = _residual(model, y, drive, afferent)
        result.append(
            FixedPoint(
                state={n: float(y[STATE_NAMES.index(n)]) for n in names},
                drive=drive,
                afferent=afferent,
                eigenvalues=eig,
                stable=stable,
                residual=res,
            )
        )
    return result


def _newton(mp, pe, pi, flags, starts, drive, afferent, max_iter) -> np.ndarray:
    """Run the compiled Newton iterations; return the converged rows."""
    roots = np.empty_like(starts)
    residuals = np.empty(starts.shape[0])
    newton_multistart(mp, pe, pi, *flags, starts, drive, afferent, int(max_iter), roots, residuals)
    ok = residuals <= RESIDUAL_TOLERANCE
    return roots[ok]


def _same(y: np.ndarray, z: np.ndarray) -> bool:
    typical = np.array([1.0, 1.0, 1e-2, 1e-2, 1e-2, 1e-12])
    return bool(np.all(np.abs(y - z) <= 1e-6 * (np.abs(y) + typical)))


def _residual(model: ColumnModel, y, drive, afferent) -> float:
    pe, pi = model.packed_transfer
    idx = active_indices(*model.flags)
    return float(
        _scaled_residual(
            model.packed, pe, pi, *model.flags, y, drive, afferent, idx, np.empty(N_STATE)
        )
    )


def relevant_fixed_point(model: ColumnModel, points: Sequence[FixedPoint]) -> FixedPoint:
    """The relevant fixed point among ``points``: the stable one of lowest network rate.

    The network rate is ``nu = (1 - g) nu_e + g nu_i`` (SPEC 2.3); ties go to the lower
    nu_e. Without a stable point, the point of lowest network rate. Ranking by nu_e alone
    would pick states such as (nu_e = 0, nu_i = 185 Hz), which a transfer function
    extrapolated far outside its fitted domain can create (the "corrected" preset does).
    """
    if not points:
        raise AdexmfError(f"no fixed point of the {model.label} model to choose from")
    network = model.preset.network

    def activity(p: FixedPoint) -> tuple[float, float]:
        return (network.population_average(p.state["nu_e"], p.state["nu_i"]), p.state["nu_e"])

    stable = [p for p in points if p.stable]
    return min(stable or points, key=activity)


def relevant_and_all_fixed_points(
    model: ColumnModel, drive: float = 0.0, afferent: float = 0.0, **kwargs
) -> tuple[FixedPoint, list[FixedPoint]]:
    """The relevant fixed point (:func:`relevant_fixed_point`) and every fixed point found
    in the search box. Keyword arguments go to :func:`find_fixed_points`.

    Raises
    ------
    AdexmfError
        If no fixed point lies in the box.
    """
    points = find_fixed_points(model, drive, afferent, **kwargs)
    if not points:
        raise AdexmfError(
            f"no fixed point of the {model.label} model found at drive = {drive:g} Hz, "
            f"afferent = {afferent:g} Hz in the search box; widen the box"
        )
    return relevant_fixed_point(model, points), points


def fixed_point(
    model: ColumnModel, drive: float = 0.0, afferent: float = 0.0, **kwargs
) -> FixedPoint:
    """The relevant fixed point: the stable one of lowest network rate
    (:func:`relevant_fixed_point`).

    Time courses start from it (ARCHITECTURE: starting elsewhere can swing the second order
    to negative rates). Keyword arguments go to :func:`find_fixed_points`.

    Raises
    ------
    AdexmfError
        If no fixed point lies in the box.
    """
    return relevant_and_all_fixed_points(model, drive, afferent, **kwargs)[0]


def refine_fixed_point(
    model: ColumnModel, start, drive: float = 0.0, afferent: float = 0.0
) -> FixedPoint | None:
    """Newton iterations from one starting state (6 entries, SI); None if they fail.

    Used to continue a known fixed point to nearby inputs (cheaper than a full search).
    """
    check_inputs(drive, afferent)
    y0 = np.ascontiguousarray(np.asarray(start, dtype=np.float64).reshape(1, N_STATE))
    pe, pi = model.packed_transfer
    roots = _newton(model.packed, pe, pi, model.flags, y0, float(drive), float(afferent), 100)
    if roots.shape[0] == 0:
        return None
    y = roots[0]
    eig, stable = _stability(model, y, drive, afferent)
    return FixedPoint(
        state={n: float(y[STATE_NAMES.index(n)]) for n in model.state_names},
        drive=float(drive),
        afferent=float(afferent),
        eigenvalues=eig,
        stable=stable,
        residual=_residual(model, y, drive, afferent),
    )


def continued_fixed_points(
    models: Sequence[ColumnModel], drives: np.ndarray, afferents: np.ndarray
) -> np.ndarray:
    """Stable fixed points (B, 6) for many (model, drive, afferent) members.

    Members are visited model by model in order of increasing inputs; each starts from a
    full search (:func:`fixed_point`) only when continuing the previous member's stable
    fixed point by Newton iterations fails, so a batch of 1000 drives costs about as much
    as a handful of searches. Where several stable states coexist the continued branch is
    kept (a full search picks the one of lowest network rate).
    """
    B = len(models)
    out = np.empty((B, N_STATE))
    order = sorted(range(B), key=lambda b: (id(models[b]), drives[b], afferents[b]))
    previous: FixedPoint | None = None
    previous_model = None
    for b in order:
        m, d, a = models[b], float(drives[b]), float(afferents[b])
        fp = None
        if previous is not None and previous_model is m:
            if previous.drive == d and previous.afferent == a:
                fp = previous
            else:
                fp = refine_fixed_point(m, previous.vector, d, a)
                fp = fp if fp is not None and fp.stable else None
        if fp is None:
            fp = fixed_point(m, d, a)
        out[b] = fp.vector
        previous, previous_model = fp, m
    return out
