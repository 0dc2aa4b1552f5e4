"""Lateral coupling of the ring: distances the shortest way round, Gaussian kernels
normalised over the grid, and their interpolated-delay tables for the network engine
(:func:`adexmf.columns.coupling.circulant_terms`). SI units (m, m/s, s)."""

from __future__ import annotations

import numpy as np

from ..columns.coupling import CirculantTerms, circulant_terms
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


def ring_delay_tables(ring: Ring, dt: float) -> CirculantTerms:
    """The lateral terms of a ring's excitatory and inhibitory kernels, delays distance /
    v_c, for a step ``dt`` (s)."""
    d = ring_distances(ring.length, ring.n_units)
    return circulant_terms(
        d / ring.v_c, gaussian_kernel(d, ring.l_exc), gaussian_kernel(d, ring.l_inh), dt
    )
