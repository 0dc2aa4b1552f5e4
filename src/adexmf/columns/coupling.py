"""Coupling tables of the network engine (:func:`adexmf.columns.engine.network_kernel`):
what a column receives from the others, as delayed rates split over the history rows.

Delays are interpolated linearly in time, never floored to steps: a delay of
``s = d / dt`` steps reads ``(1 - f) row(n - m) + f row(n - m - 1)`` with ``m = floor(s)``,
``f = s - m``. Each connection therefore gives two terms (one when ``f`` is 0); terms that
read the current row (``m = 0``, weight ``1 - f``) go to the "current" set, the others to the
"history" set. Two shapes of weights:

- :class:`CirculantTerms`: translation-invariant lateral weights (the ring's kernels, a
  column's own rates), the same offsets for every column, routed to both populations;
- :class:`SparseTerms`: any weight matrix (dense or SciPy sparse), one term per nonzero
  weight, routed to the external excitatory input (a connectome's long-range projections).

SI units: delays in s, steps in s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Delays within this many steps of a whole number of steps are read as that number (float
#: round-off in d / (v dt) must not add a term of weight ~1e-16 one row further back).
STEP_TOLERANCE = 1e-9


def interpolation_terms(steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split delays of ``steps`` (in steps, >= 0) over history rows.

    Returns
    -------
    which, back, share : ndarray
        For every term: the index of its delay, the rows back it reads, and its share of the
        weight (1 - f at floor(s), f at floor(s) + 1; the second omitted when f = 0).
    """
    s = np.asarray(steps, dtype=np.float64)
    m = np.floor(s + STEP_TOLERANCE).astype(np.int64)
    f = np.clip(s - m, 0.0, 1.0)
    f[f < STEP_TOLERANCE] = 0.0
    idx = np.arange(s.size, dtype=np.int64)
    later = f > 0.0
    which = np.concatenate([idx, idx[later]])
    back = np.concatenate([m, m[later] + 1])
    share = np.concatenate([1.0 - f, f[later]])
    return which, back, share


@dataclass(frozen=True, eq=False)
class CirculantTerms:
    """Lateral terms of a translation-invariant network: column i reads column i - m.

    ``t_*`` read the history (``t_back >= 1`` rows back), ``z_*`` the current state;
    ``*_ce``, ``*_ci`` are the excitatory and inhibitory coefficients; ``n_rows`` the history
    rows they need (> the largest ``t_back``).
    """

    t_m: np.ndarray
    t_back: np.ndarray
    t_ce: np.ndarray
    t_ci: np.ndarray
    z_m: np.ndarray
    z_ce: np.ndarray
    z_ci: np.ndarray
    n_rows: int

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The seven tables in the engine's argument order."""
        return self.t_m, self.t_back, self.t_ce, self.t_ci, self.z_m, self.z_ce, self.z_ci


def circulant_terms(
    delays: np.ndarray, w_e: np.ndarray, w_i: np.ndarray, dt: float
) -> CirculantTerms:
    """Lateral terms of offsets m = 0..N-1 with delays ``delays[m]`` (s) and excitatory and
    inhibitory weights ``w_e[m]``, ``w_i[m]`` (dimensionless), for a step ``dt`` (s)."""
    which, back, share = interpolation_terms(np.asarray(delays) / dt)
    ce = np.asarray(w_e, dtype=np.float64)[which] * share
    ci = np.asarray(w_i, dtype=np.float64)[which] * share
    used = (ce != 0.0) | (ci != 0.0)
    which, back, ce, ci = which[used], back[used], ce[used], ci[used]
    now = back == 0
    hist = ~now
    # rows in increasing order of age: neighbouring reads share cache lines
    order = np.lexsort((which[hist], back[hist]))
    return CirculantTerms(
        t_m=which[hist][order], t_back=back[hist][order],
        t_ce=ce[hist][order], t_ci=ci[hist][order],
        z_m=which[now], z_ce=ce[now], z_ci=ci[now],
        n_rows=int(back.max(initial=0)) + 1,
    )  # fmt: skip


def own_rates() -> CirculantTerms:
    """Lateral terms of uncoupled columns: each reads its own rates, without delay (the
    recurrent input of a region of a connectome), for any number of columns."""
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0)
    return CirculantTerms(
        empty_i, empty_i, empty_f, empty_f,
        np.zeros(1, dtype=np.int64), np.ones(1), np.ones(1), 1,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class SparseTerms:
    """Long-range terms in CSR order by target column: ``ptr``, ``src``, ``back``,
    ``coef`` read the history (``back >= 1``), ``zptr``, ``zsrc``, ``zcoef`` the current
    state; ``n_rows`` the history rows they need."""

    ptr: np.ndarray
    src: np.ndarray
    back: np.ndarray
    coef: np.ndarray
    zptr: np.ndarray
    zsrc: np.ndarray
    zcoef: np.ndarray
    n_rows: int

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The seven tables in the engine's argument order."""
        return self.ptr, self.src, self.back, self.coef, self.zptr, self.zsrc, self.zcoef


def _csr(n: int, target: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Row pointers (n + 1,) of ``target`` and ``columns`` sorted by target (stable)."""
    order = np.argsort(target, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, target + 1, 1)
    return (np.cumsum(ptr), *(c[order] for c in columns))


def sparse_terms(weights, delays: np.ndarray, gain: float, dt: float) -> SparseTerms:
    """Long-range terms of a weight matrix (target x source; a dense array or a SciPy sparse
    matrix; only its nonzero entries are used) with delays ``delays`` (s, same shape; read
    at the nonzero weights) scaled by ``gain``, for a step ``dt`` (s)."""
    if hasattr(weights, "tocoo"):
        coo = weights.tocoo()
        target, source, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        keep = w != 0
        target, source, w = target[keep], source[keep], w[keep]
    else:
        target, source = np.nonzero(weights)
        w = np.asarray(weights)[target, source]
    n = weights.shape[0]
    which, back, share = interpolation_terms(np.asarray(delays)[target, source] / dt)
    tgt, src = target[which].astype(np.int64), source[which].astype(np.int64)
    coef = (gain * w[which] * share).astype(np.float64)
    h = back > 0
    ptr, hsrc, hback, hcoef = _csr(n, tgt[h], src[h], back[h], coef[h])
    zptr, zsrc, zcoef = _csr(n, tgt[~h], src[~h], coef[~h])
    return SparseTerms(ptr, hsrc, hback.astype(np.int64), hcoef, zptr, zsrc, zcoef,
                       int(back.max(initial=0)) + 1)  # fmt: skip


def no_terms(n: int) -> SparseTerms:
    """No long-range input to any of ``n`` columns."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    empty_i = np.zeros(0, dtype=np.int64)
    return SparseTerms(ptr, empty_i, empty_i, np.zeros(0), ptr, empty_i, np.zeros(0), 1)
