"""Lateral coupling of the ring: distances the shortest way round, Gaussian kernels
normalised over the grid, and the interpolated-delay tables the compiled kernels read
(:func:`adexmf.ring.kernels.ring_kernel`). SI units (m, m/s, s)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Ring


def ring_distances(length: float, n_units: int) -> np.ndarray:
    """Distance (m) from unit 0 to unit m = 0..N-1, the shortest way round the ring."""
    m = np.arange(n_units)
    return np.minimum(m, n_units - m) * (length / n_units)


def gaussian_kernel(distance: np.ndarray, width: float) -> np.ndarray:
    """Gaussian weights of the given distances (m) for a standard deviation ``width`` (m),
    normalised to sum 1 over the grid (so that the homogeneous state is the column's)."""
    w = np.exp(-0.5 * (np.asarray(distance) / width) ** 2)
    return w / w.sum()


def delay_terms(
    distance: np.ndarray, w_e: np.ndarray, w_i: np.ndarray, v_c: float, dt: float
) -> dict[str, np.ndarray | int]:
    """Interpolated-delay tables of the kernels (see :func:`adexmf.ring.kernels.ring_kernel`).

    The delay of offset m is ``u = d_m / (v_c dt)`` steps, split as ``s + f``: its rate is
    read as ``(1 - f)`` x row n - s plus ``f`` x row n - s - 1. Terms that read the current
    row (s = 0, weight 1 - f) go to the ``z_*`` arrays, the others to the ``t_*`` arrays.
    """
    u = np.asarray(distance) / (v_c * dt)
    s = np.floor(u).astype(np.int64)
    f = u - s
    m = np.arange(u.size, dtype=np.int64)
    now = s == 0
    # (1 - f) at s rows back, for s >= 1; f at s + 1 rows back, always
    t_m = np.concatenate([m[~now], m])
    t_back = np.concatenate([s[~now], s + 1])
    t_ce = np.concatenate([(w_e * (1 - f))[~now], w_e * f])
    t_ci = np.concatenate([(w_i * (1 - f))[~now], w_i * f])
    keep = (t_ce != 0.0) | (t_ci != 0.0)
    # rows in increasing order of age: neighbouring reads share cache lines
    order = np.lexsort((t_m[keep], t_back[keep]))
    return {
        "t_m": t_m[keep][order],
        "t_back": t_back[keep][order],
        "t_ce": t_ce[keep][order],
        "t_ci": t_ci[keep][order],
        "z_m": m[now],
        "z_ce": (w_e * (1 - f))[now],
        "z_ci": (w_i * (1 - f))[now],
        "n_rows": int(s.max()) + 3,
    }


def ring_delay_tables(ring: Ring, dt: float) -> dict[str, Any]:
    """The delay tables (:func:`delay_terms`) of a ring's excitatory and inhibitory kernels
    for a step ``dt`` (s)."""
    d = ring_distances(ring.length, ring.n_units)
    return delay_terms(
        d, gaussian_kernel(d, ring.l_exc), gaussian_kernel(d, ring.l_inh), ring.v_c, dt
    )
