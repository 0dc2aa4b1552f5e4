"""Fixed points, folds and Hopf points of the first-order adaptation mean field along b
(issue 26, item 4: the continuation drawn on the UP-DOWN map).

Every fixed point of the full model (nu_e, nu_i, W) lies on the critical manifold of its
fast subsystem (:mod:`adexmf.meanfield.slow_fast`), which does not depend on b: b enters
only the adaptation equation, linearly, through ``b nu_e``. So each point of the manifold is
the fixed point of exactly one b,

    b* = -(dW/dt at b = 0) / nu_e,

and the manifold, walked from its UP end (W = 0) through its folds to its DOWN end, is the
branch of fixed points parametrised by its own arclength instead of by b. Along it, with b
set to b* at each point, the exact Jacobian of the full model gives the stability; a Hopf
point is where the largest real part among its complex eigenvalues changes sign (located
by linear interpolation between manifold points), a fold in b where b* turns back. No
Newton iteration in b, hence no failure at the folds where the branch turns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .bifurcations import hopf_test, rotation_frequency
from .model import ColumnModel
from .slow_fast import W_MAX, critical_manifold, slow_flow

#: Points of the critical manifold sampled along W in [0, W_MAX] (A); the Hopf and fold
#: values of b are interpolated linearly between neighbours (W spacing 0.67 pA).
POINTS = 301
#: The largest b (A) a ColumnModel accepts; manifold points of larger b* are left out.
B_LIMIT = 1e-9


@dataclass(frozen=True)
class AdaptationBranch:
    """The full model's fixed points along the critical manifold, in order of arclength from
    the UP end: ``b`` (A, the b whose fixed point each is; NaN where b* < 0 or b* >
    :data:`B_LIMIT`), ``nu_e``, ``nu_i`` (Hz), ``W`` (A), ``stable`` (bool), ``hopf_test``
    (1/s: largest real part among complex eigenvalues, -inf without any) and ``segment``
    (the manifold's branch each point lies on: 2 UP, 1 middle, 0 DOWN)."""

    b: np.ndarray
    nu_e: np.ndarray
    nu_i: np.ndarray
    W: np.ndarray
    stable: np.ndarray
    hopf_test: np.ndarray
    segment: np.ndarray


@dataclass(frozen=True)
class AdaptationBifurcation:
    """A point of interest along b: ``kind`` is "fold" (b turns back: fixed points appear or
    vanish in pairs), "hopf", or "upper fold" / "lower fold" (the fixed point passes a fold
    of the critical manifold: between the two it sits on the middle branch, a saddle of the
    fast subsystem, and the W-slow system has a relaxation cycle); b (A), the rates (Hz) and
    W (A) there, and for a Hopf point the frequency of the emerging oscillation (Hz)."""

    kind: str
    b: float
    nu_e: float
    nu_i: float
    W: float
    frequency: float


def adaptation_branch(model: ColumnModel, drive: float, points: int = POINTS) -> AdaptationBranch:
    """The branch of fixed points over b at ``drive`` (Hz) of a first-order model with
    adaptation (:class:`AdaptationBranch`; the model's own b is ignored), from ``points``
    (>= 10) manifold points along W."""
    if points < 10:
        raise ParameterError(f"points = {points}; allowed: >= 10")
    W = np.linspace(0.0, W_MAX, points)
    # At b = 0 the manifold's slow flow is dW/dt without the b nu_e term.
    m = critical_manifold(model.replace(b=0.0), drive, W)
    # UP branch with W rising, middle branch back, DOWN branch rising again: one curve.
    order = [(2, slice(None)), (1, slice(None, None, -1)), (0, slice(None))]
    e, i, flow = (np.concatenate([x[s, k] for k, s in order]) for x in (m.nu_e, m.nu_i, m.dW))
    w = np.concatenate([W[s] for _, s in order])
    seg = np.concatenate([np.full(W.size, k) for k, _ in order])
    keep = np.isfinite(e)
    e, i, flow, w, seg = e[keep], i[keep], flow[keep], w[keep], seg[keep]
    b = -flow / e
    b = np.where((b >= 0.0) & (b <= B_LIMIT), b, np.nan)
    stable, test = np.zeros(e.size, dtype=bool), np.full(e.size, -np.inf)
    for n in np.nonzero(np.isfinite(b))[0]:
        ev = _eigenvalues(model.replace(b=float(b[n])), e[n], i[n], w[n], drive)
        stable[n] = bool(np.all(ev.real < 0.0))
        test[n] = hopf_test(ev)
    return AdaptationBranch(b, e, i, w, stable, test, seg)


def adaptation_bifurcations(model: ColumnModel, drive: float, b_max: float = 300e-12,
                            points: int = POINTS, branch: AdaptationBranch | None = None,
                            ) -> list[AdaptationBifurcation]:  # fmt: skip
    """Folds and Hopf points of the fixed points along b in [0, ``b_max``] (A) at ``drive``
    (Hz), in order of arclength from the UP end; ``branch``: the model's
    :func:`adaptation_branch` at ``drive`` if already computed."""
    br = adaptation_branch(model, drive, points) if branch is None else branch
    found = []
    for n in range(br.b.size - 1):
        pair = slice(n, n + 2)
        if not np.all(np.isfinite(br.b[pair])) or np.all(br.b[pair] > b_max):
            continue
        if 0 < n and np.isfinite(br.b[n - 1]):
            db0, db1 = br.b[n] - br.b[n - 1], br.b[n + 1] - br.b[n]
            if db0 * db1 < 0.0:
                found.append(_at(model, br, n, 0.0, "fold", drive))
        passes = {(2, 1): "upper fold", (1, 0): "lower fold"}.get(tuple(br.segment[pair]))
        if passes:
            found.append(_manifold_fold(model, br, n, passes, drive))
        t0, t1 = br.hopf_test[pair]
        if np.isfinite(t0) and np.isfinite(t1) and np.sign(t0) != np.sign(t1):
            found.append(_at(model, br, n, t0 / (t0 - t1), "hopf", drive))
    return [p for p in found if p.b <= b_max]


def _at(model: ColumnModel, br: AdaptationBranch, n: int, s: float, kind: str,
        drive: float) -> AdaptationBifurcation:  # fmt: skip
    """The bifurcation a fraction ``s`` of the way from point n to point n + 1."""

    def lerp(x: np.ndarray) -> float:
        return float(x[n] + s * (x[n + 1] - x[n]))

    b, e, i, w = lerp(br.b), lerp(br.nu_e), lerp(br.nu_i), lerp(br.W)
    frequency = float("nan")
    if kind == "hopf":
        frequency = rotation_frequency(_eigenvalues(model.replace(b=b), e, i, w, drive))
    return AdaptationBifurcation(kind, b, e, i, w, frequency)


def _manifold_fold(model: ColumnModel, br: AdaptationBranch, n: int, kind: str,
                   drive: float) -> AdaptationBifurcation:  # fmt: skip
    """Where the branch turns in W between points n and n + 1: the vertex of a parabola of
    W in log nu_e through the points n - 1 ... n + 2 (near a fold W is quadratic in the
    rate; the grid in W is coarse there because the rate changes fast)."""
    k = slice(max(n - 1, 0), n + 3)
    x, w = np.log(br.nu_e[k]), br.W[k]
    c = np.polyfit(x, w, 2)
    x_fold = -c[1] / (2 * c[0]) if c[0] < 0 else 0.5 * (x[0] + x[-1])
    x_fold = float(np.clip(x_fold, min(x), max(x)))
    e, w_fold = float(np.exp(x_fold)), float(np.polyval(c, x_fold))
    rising = np.argsort(x)
    i = float(np.interp(x_fold, x[rising], br.nu_i[k][rising]))
    b = -slow_flow(model.replace(b=0.0), e, i, w_fold, drive) / e
    return AdaptationBifurcation(kind, b, e, i, w_fold, float("nan"))


def _eigenvalues(model, nu_e, nu_i, W, drive) -> np.ndarray:
    """Eigenvalues (1/s) of the full model's Jacobian (rates and W) at a state."""
    J = model.jacobian(model.state_vector(nu_e=nu_e, nu_i=nu_i, W=W), drive)
    return np.linalg.eigvals(J)
