"""Bifurcations of a mean-field branch along the drive, by pseudo-arclength continuation.

The branch of fixed points through the relevant state at 4 Hz is followed in (state,
drive) space with a tangent predictor and a Newton corrector on the augmented system
``[rhs(y, d) = 0, t . (x - x_pred) = 0]``, so it passes folds where the drive turns back.
Along it:

- a **fold** (saddle-node) is where the drive component of the tangent changes sign; it is
  located by a parabola through the three points around the turn;
- a **Hopf** point is where the largest real part among the complex eigenvalues of the exact
  Jacobian changes sign; it is located by secant iterations on the drive with a Newton
  correction of the state.

State entries are scaled (Hz, Hz^2, 100 pA) so that one arclength step weighs each alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layouts import S_W
from .fixedpoints import fixed_point, refine_fixed_point
from .model import ColumnModel
from .node import active_indices

#: Scale of each state entry in the arclength: 1 Hz, 1 Hz^2, and 100 pA for W.
W_SCALE = 1e-10
DRIVE_STEP = 1e-4


@dataclass(frozen=True)
class BifurcationPoint:
    """A bifurcation of the branch: ``kind`` ("fold" or "hopf"), the drive (Hz), the rates
    (Hz) and, for a Hopf point, the frequency of the emerging oscillation (Hz)."""

    kind: str
    drive: float
    nu_e: float
    nu_i: float
    frequency: float


@dataclass(frozen=True)
class Branch:
    """Points of a continued branch, in order of arclength: ``drive`` (Hz), ``states``
    (active entries, SI), ``tangent_drive`` (drive component of the unit tangent) and
    ``hopf_test`` (largest real part among complex eigenvalues, 1/s; -inf if none)."""

    drive: np.ndarray
    states: np.ndarray
    tangent_drive: np.ndarray
    hopf_test: np.ndarray


class _System:
    """rhs and Jacobian of a model in scaled coordinates x = (y / scale, drive)."""

    def __init__(self, model: ColumnModel):
        self.model = model
        self.idx = active_indices(*model.flags)
        self.scale = np.where(self.idx == S_W, W_SCALE, 1.0)

    def full(self, z: np.ndarray) -> np.ndarray:
        y = np.zeros(6)
        y[self.idx] = z * self.scale
        return y

    def residual(self, x: np.ndarray) -> np.ndarray:
        return self.model.rhs(self.full(x[:-1]), max(x[-1], 0.0))[self.idx]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        y, d = self.full(x[:-1]), max(x[-1], 0.0)
        jy = self.model.jacobian(y, d) * self.scale[None, :]
        h = DRIVE_STEP
        jd = self.model.rhs(y, d + h)[self.idx] - self.model.rhs(y, max(d - h, 0.0))[self.idx]
        jd /= d + h - max(d - h, 0.0)
        return np.column_stack([jy, jd])

    def hopf_test(self, x: np.ndarray) -> float:
        ev = np.linalg.eigvals(self.model.jacobian(self.full(x[:-1]), max(x[-1], 0.0)))
        return hopf_test(ev)


def hopf_test(eigenvalues: np.ndarray) -> float:
    """The largest real part (1/s) among the complex eigenvalues (-inf without any): it
    changes sign at a Hopf point."""
    ev = eigenvalues
    complex_ = ev[np.abs(ev.imag) > 1e-9 * np.maximum(np.abs(ev), 1.0)]
    return float(complex_.real.max()) if complex_.size else -np.inf


def rotation_frequency(eigenvalues: np.ndarray) -> float:
    """Frequency (Hz) of the complex pair closest to the imaginary axis (NaN without one):
    at a Hopf point, that of the emerging oscillation."""
    pair = eigenvalues[np.abs(eigenvalues.imag) > 0]
    if not pair.size:
        return float("nan")
    return float(np.abs(pair[np.argmin(np.abs(pair.real))].imag) / (2 * np.pi))


def _tangent(J: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Unit null vector of the (n x n+1) Jacobian, oriented like ``previous``."""
    t = np.linalg.svd(J)[2][-1]
    if previous is not None and t @ previous < 0:
        t = -t
    return t


def _correct(system: _System, x_pred: np.ndarray, t: np.ndarray, tol: float = 1e-9):
    x = x_pred.copy()
    for _ in range(12):
        r = system.residual(x)
        g = np.append(r, t @ (x - x_pred))
        if not np.all(np.isfinite(g)):
            return None
        J = np.vstack([system.jacobian(x), t])
        try:
            dx = np.linalg.solve(J, -g)
        except np.linalg.LinAlgError:
            return None
        x = x + dx
        if np.max(np.abs(dx)) < tol * (1.0 + np.max(np.abs(x))):
            return x
    return None


def continue_branch(
    model: ColumnModel,
    drive_min: float = 0.5,
    drive_max: float = 20.0,
    start_drive: float = 4.0,
    step: float = 0.2,
    max_steps: int = 600,
) -> Branch:
    """Follow the branch of the relevant fixed point at ``start_drive`` over
    [drive_min, drive_max] Hz, in both directions, through folds.

    The continuation stops at the ends of the interval, where the rates turn negative or
    where the corrector fails at the smallest step (1e-4).
    """
    system = _System(model)
    fp = fixed_point(model, start_drive)
    x0 = np.append(fp.vector[system.idx] / system.scale, start_drive)
    halves = []
    for direction in (1.0, -1.0):
        t = _tangent(system.jacobian(x0), None)
        t = t if np.sign(t[-1]) == direction else -t
        points, tangents = [x0], [t]
        h = step
        while len(points) < max_steps and h > 1e-4:
            x_new = _correct(system, points[-1] + h * t, t)
            if x_new is None or np.any(x_new[:2] < 0):
                h /= 2
                continue
            t = _tangent(system.jacobian(x_new), t)
            points.append(x_new)
            tangents.append(t)
            h = min(h * 1.3, 0.5)
            if not drive_min <= x_new[-1] <= drive_max:
                break
        halves.append((points, tangents))
    (up, tu), (down, td) = halves
    xs = np.array(down[::-1] + up[1:])
    ts = np.array(td[::-1] + tu[1:])
    # the tangents of the descending half point the other way along the arclength
    ts[: len(down)] *= -1
    tests = np.array([system.hopf_test(x) for x in xs])
    states = xs[:, :-1] * system.scale  # back to SI
    return Branch(drive=xs[:, -1], states=states, tangent_drive=ts[:, -1], hopf_test=tests)


def bifurcation_points(
    model: ColumnModel, drive_min: float = 0.5, drive_max: float = 20.0, **kwargs
) -> list[BifurcationPoint]:
    """Folds and Hopf points of the relevant branch (:func:`continue_branch`) inside
    [drive_min, drive_max] Hz, in order of arclength."""
    br = continue_branch(model, drive_min, drive_max, **kwargs)
    inside = (br.drive >= drive_min) & (br.drive <= drive_max)
    found: list[BifurcationPoint] = []
    for k in range(len(br.drive) - 1):
        if not (inside[k] and inside[k + 1]):
            continue
        if np.sign(br.tangent_drive[k]) != np.sign(br.tangent_drive[k + 1]):
            found.append(_fold(br, k))
        a, b = br.hopf_test[k], br.hopf_test[k + 1]
        if np.isfinite(a) and np.isfinite(b) and np.sign(a) != np.sign(b):
            hopf = _hopf(model, br, k)
            if hopf is not None:
                found.append(hopf)
    return found


def _fold(br: Branch, k: int) -> BifurcationPoint:
    j = min(max(k, 1), len(br.drive) - 2)
    s = np.arange(3.0)
    cd = np.polyfit(s, br.drive[j - 1 : j + 2], 2)
    s_turn = float(np.clip(-cd[1] / (2 * cd[0]), 0, 2)) if cd[0] != 0 else 1.0
    rates = [np.polyval(np.polyfit(s, br.states[j - 1 : j + 2, p], 2), s_turn) for p in (0, 1)]
    return BifurcationPoint("fold", float(np.polyval(cd, s_turn)), float(rates[0]),
                            float(rates[1]), float("nan"))  # fmt: skip


def _hopf(model: ColumnModel, br: Branch, k: int) -> BifurcationPoint | None:
    """Secant iterations on the drive for a zero of the Hopf test, the state corrected by
    Newton at each drive (no fold lies between two neighbouring points)."""
    system = _System(model)
    d0, d1 = br.drive[k], br.drive[k + 1]
    f0, f1 = br.hopf_test[k], br.hopf_test[k + 1]
    y = system.full(br.states[k] / system.scale)
    fp = None
    for _ in range(30):
        d = d1 - f1 * (d1 - d0) / (f1 - f0) if f1 != f0 else 0.5 * (d0 + d1)
        fp = refine_fixed_point(model, y, float(d))
        if fp is None:
            return None
        y = fp.vector
        f = system.hopf_test(np.append(y[system.idx] / system.scale, d))
        d0, f0, d1, f1 = d1, f1, d, f
        if abs(d1 - d0) < 1e-7:
            break
    return BifurcationPoint("hopf", float(d1), fp.state["nu_e"], fp.state["nu_i"],
                            rotation_frequency(fp.eigenvalues))
