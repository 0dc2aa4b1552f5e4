"""Finite-size fluctuations of the first-order mean field (beyond the paper; issue 26 item 4).

The Markov first order ``T dnu/dt = F - nu`` describes infinitely many cells. Its finite-size
counterpart gives each rate the white noise whose source is the second order's (SPEC 5.2,
El Boustani & Destexhe 2009), ``A = F (1/T - F) / N`` for N cells at rate F::

    dnu = (F - nu) / T dt + sqrt(A / T) dB

so that, linearised around a fixed point, the rates' covariance obeys the second order's
covariance equations (a Lyapunov equation with the source A / T): the second order follows
the moments, this one draws the fluctuations themselves, and can go extinct. No parameter: N
is the population's size. Integrated by Euler-Maruyama at fixed steps, rates clipped at 0;
the adaptation variable keeps its deterministic equation. One seeded Generator draws all the
noise, so the same seed gives the same run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from numba import njit

from ..errors import ParameterError
from ..layouts import N_STATE, S_NU_E, S_NU_I
from ..stimuli import Waveform
from .integrate import run_arrays
from .model import ColumnModel, check_unfiltered
from .node import finite_size_source, isolated_column_rhs
from .timecourse import to_dataset


@njit(cache=True, error_model="numpy")
def finite_size_kernel(mp, pe, pi, adaptation, y0, drive, afferent, dt, T, sizes, noise, every,
                       out):  # fmt: skip
    """Euler-Maruyama steps of the first-order column with finite-size noise.

    ``drive``/``afferent``: inputs (Hz) at the n_steps + 1 grid times; ``sizes`` (2,): N_e,
    N_i; ``noise`` (n_steps, 2): standard normal draws; records every ``every`` steps into
    ``out`` (n_records, N_STATE).
    """
    y = y0.copy()
    dy = np.empty(N_STATE)
    out[0] = y
    root_dt = np.sqrt(dt)
    for n in range(drive.size - 1):
        isolated_column_rhs(mp, pe, pi, 1, adaptation, y, drive[n], afferent[n], dy)
        f_e = y[S_NU_E] + T * dy[S_NU_E]  # F = nu + T dnu/dt
        f_i = y[S_NU_I] + T * dy[S_NU_I]
        a_e = max(finite_size_source(T, f_e, sizes[0]), 0.0)
        a_i = max(finite_size_source(T, f_i, sizes[1]), 0.0)
        for k in range(N_STATE):
            y[k] += dt * dy[k]
        y[S_NU_E] += np.sqrt(a_e / T) * root_dt * noise[n, 0]
        y[S_NU_I] += np.sqrt(a_i / T) * root_dt * noise[n, 1]
        y[S_NU_E] = max(y[S_NU_E], 0.0)
        y[S_NU_I] = max(y[S_NU_I], 0.0)
        if (n + 1) % every == 0:
            out[(n + 1) // every] = y


def integrate_finite_size(
    model: ColumnModel,
    duration: float,
    initial,
    *,
    sizes: tuple[int, int],
    seed: int | np.random.Generator,
    dt: float = 1e-4,
    drive: Waveform = 0.0,
    afferent: Waveform = 0.0,
    record_every: int = 1,
) -> xr.Dataset:
    """Integrate a first-order mean field with the finite-size noise of ``sizes`` cells.

    Parameters
    ----------
    model : ColumnModel
        First order, with or without adaptation.
    duration : float
        Biological time (s), a whole number of steps.
    initial : FixedPoint, dict, array of 6, or callable
        Start state, as :func:`adexmf.meanfield.integrate.integrate`.
    sizes : (int, int)
        Numbers of excitatory and inhibitory cells, >= 1.
    seed : int or numpy.random.Generator
        Seed of the noise.
    dt : float
        Time step (s), in (0, T/2].
    drive, afferent : float, ndarray or callable
        Inputs (Hz), as :func:`~adexmf.meanfield.integrate.integrate`.
    record_every : int
        Store every n-th step.

    Returns
    -------
    xarray.Dataset
        As :func:`~adexmf.meanfield.integrate.integrate` without observables; attrs add
        ``finite_size_cells`` and ``seed``.

    Raises
    ------
    ParameterError
        For a second-order model, sizes below 1, or a bad step, duration or input.
    """
    if model.order != 1:
        raise ParameterError(f"model order = {model.order}; allowed: 1 (the second order's "
                             "covariances are already its finite-size moments)")  # fmt: skip
    check_unfiltered(model, "integrate_finite_size")
    n_cells = _check_sizes(sizes)
    t, d, a, every, y0, out = run_arrays(model, duration, dt, initial, drive, afferent,
                                         record_every)  # fmt: skip
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    noise = rng.standard_normal((t.size - 1, 2))
    pe, pi = model.packed_transfer
    finite_size_kernel(model.packed, pe, pi, model.flags[1], y0, d, a, float(dt), model.T,
                       n_cells, noise, every, out)  # fmt: skip
    attrs: dict[str, Any] = {"method": "euler-maruyama", "dt_s": float(dt),
                             "duration_s": float(t[-1]), "record_every": every,
                             "finite_size_cells": [float(x) for x in n_cells],
                             "seed": seed if isinstance(seed, int) else "generator"}  # fmt: skip
    return to_dataset(model, t[::every], out, d[::every], a[::every], attrs, observables=False)


def _check_sizes(sizes) -> np.ndarray:
    values = np.asarray(sizes, dtype=np.float64)
    if values.shape != (2,) or not np.all(np.isfinite(values) & (values >= 1.0)):
        raise ParameterError(f"sizes = {sizes!r}; allowed: two cell counts (N_e, N_i) >= 1")
    return values
