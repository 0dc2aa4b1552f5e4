"""Region-level analysis of simulated brain time series (SPEC 11): functional connectivity
and its agreement with the structural weights. Dominant frequencies and the regime of each
region (silent, asynchronous, slow oscillation of UP and DOWN states, saturated) are the
analyses of any rate series, in :mod:`adexmf.timeseries`.

Every series is time-first: shape (n_time, n_regions) (a 1-D series is one region).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError
from ..timeseries import as_series, flat_columns


def _square(m: Any, name: str) -> np.ndarray:
    a = np.asarray(m, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ParameterError(f"{name} has shape {a.shape}; allowed: a square matrix (n, n), "
                             "n >= 2", parameters=(name,))  # fmt: skip
    return a


# ------------------------------------------------------------------ connectivity
def functional_connectivity(x: Any) -> np.ndarray:
    """Pearson correlation matrix of the regions' time series.

    Parameters
    ----------
    x : array_like
        Time series, shape (n_time, n_regions), n_time >= 3 (any unit).

    Returns
    -------
    numpy.ndarray
        (n_regions, n_regions), symmetric, in [-1, 1]. The row and column of a constant
        (zero-variance) series are NaN, as its correlation is undefined, except the
        diagonal, which is 1 for every region (a series is identical to itself).
    """
    a = as_series(x, "x", min_time=3, two_d=True)
    flat = flat_columns(a)
    d = a - a.mean(axis=0)
    norm = np.sqrt((d * d).sum(axis=0))
    norm[flat] = np.nan
    d = d / norm
    fc = np.clip(d.T @ d, -1.0, 1.0)
    np.fill_diagonal(fc, 1.0)
    return fc


def fc_sc_correlation(fc: Any, sc: Any, *, log_weights: bool = False) -> float:
    """Pearson correlation between functional connectivity and structural weights.

    Both matrices are symmetrised ((M + M^T) / 2: FC is symmetric, a directed weight matrix
    W[k, j] is not, and both directions of a pair count) and their off-diagonal upper
    triangles compared, leaving out the pairs where either is NaN.

    Parameters
    ----------
    fc : array_like
        Functional connectivity (n, n), e.g. :func:`functional_connectivity`.
    sc : array_like
        Structural weights (n, n), non-negative (any unit).
    log_weights : bool
        Correlate with log(weights) instead, over the pairs with a positive weight only (the
        weights of a tractography connectome span orders of magnitude).

    Returns
    -------
    float
        Pearson r; NaN when fewer than 3 pairs remain or either side is constant on them.
    """
    f = _square(fc, "fc")
    s = _square(sc, "sc")
    if f.shape != s.shape:
        raise ParameterError(f"fc has shape {f.shape} and sc {s.shape}; allowed: the same "
                             "shape", parameters=("fc", "sc"))  # fmt: skip
    if np.any(np.isinf(f)) or np.any(np.isinf(s)) or np.nanmin(s, initial=0.0) < 0.0:
        raise ParameterError("sc must be non-negative and fc, sc free of infinities",
                             parameters=("fc", "sc"))  # fmt: skip
    iu = np.triu_indices(f.shape[0], k=1)
    a = ((f + f.T) / 2.0)[iu]
    b = ((s + s.T) / 2.0)[iu]
    keep = np.isfinite(a) & np.isfinite(b)
    if log_weights:
        keep &= b > 0.0
        b = np.log(np.where(keep, b, 1.0))
    a, b = a[keep], b[keep]
    if a.size < 3 or np.ptp(a) == 0.0 or np.ptp(b) == 0.0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


