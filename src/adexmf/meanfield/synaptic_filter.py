"""The first-order mean field with synaptic filtering of its inputs (beyond the paper; issue
26, item 3).

The Markov closure hands the input rates to the transfer functions instantly; in the
network they arrive through conductances that decay with tau_e = tau_i. This variant puts a
low-pass filter of time constant tau_s between every input rate (the recurrent nu_e, nu_i,
the drive and the afferent input) and the transfer functions::

    T dnu/dt = F(nu~, W) - nu,    tau_s dnu~/dt = nu - nu~

The adaptation current keeps its equation (its spike-triggered part driven by nu itself, the
subthreshold part by mu_V of the filtered inputs). Its linear response is
:func:`adexmf.meanfield.response.linear_response` with ``synaptic_filter``; this module
integrates it in time (Euler steps; a separate small kernel, so the column's state layout
and compiled kernels are untouched).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numba import njit

from ..errors import ParameterError, check_range
from ..layouts import MF_B, N_STATE, S_NU_E, S_NU_I, S_W
from ..stimuli import Waveform
from .integrate import run_arrays
from .model import ColumnModel
from .node import isolated_column_rhs
from .timecourse import to_dataset


@njit(cache=True, error_model="numpy")
def filtered_kernel(mp, pe, pi, adaptation, y0, drive, afferent, dt, T, tau_s, every, out):
    """Euler steps of the filtered first-order column (see the module docstring); the
    filters start at the initial rates and inputs (a steady state). Records every ``every``
    steps into ``out`` (n_records, N_STATE)."""
    y = y0.copy()
    z = y0.copy()  # the state with the filtered rates, which the transfer functions see
    dy = np.empty(N_STATE)
    fd, fa = drive[0], afferent[0]
    out[0] = y
    k = dt / tau_s if tau_s > 0.0 else 1.0
    for n in range(drive.size - 1):
        isolated_column_rhs(mp, pe, pi, 1, adaptation, z, fd, fa, dy)
        f_e = z[S_NU_E] + T * dy[S_NU_E]  # F at the filtered inputs
        f_i = z[S_NU_I] + T * dy[S_NU_I]
        dw = dy[S_W] + mp[MF_B] * (y[S_NU_E] - z[S_NU_E]) if adaptation else 0.0
        y[S_NU_E] += dt * (f_e - y[S_NU_E]) / T
        y[S_NU_I] += dt * (f_i - y[S_NU_I]) / T
        y[S_W] += dt * dw
        y[S_NU_E] = max(y[S_NU_E], 0.0)
        y[S_NU_I] = max(y[S_NU_I], 0.0)
        z[S_W] = y[S_W]
        z[S_NU_E] += k * (y[S_NU_E] - z[S_NU_E])
        z[S_NU_I] += k * (y[S_NU_I] - z[S_NU_I])
        fd += k * (drive[n + 1] - fd)
        fa += k * (afferent[n + 1] - fa)
        if (n + 1) % every == 0:
            out[(n + 1) // every] = y


def integrate_filtered(
    model: ColumnModel,
    duration: float,
    initial,
    *,
    tau_s: float,
    dt: float = 5e-5,
    drive: Waveform = 0.0,
    afferent: Waveform = 0.0,
    record_every: int = 1,
) -> xr.Dataset:
    """Integrate a first-order mean field whose inputs are filtered with ``tau_s``.

    Parameters
    ----------
    model : ColumnModel
        First order, with or without adaptation.
    duration : float
        Biological time (s), a whole number of steps.
    initial : FixedPoint, dict, array of 6, or callable
        Start state, as :func:`adexmf.meanfield.integrate.integrate` (a fixed point: the
        filters start in equilibrium with it).
    tau_s : float
        Filter time constant (s), in [0, 1]; 0 is the model as it is (Euler steps).
    dt : float
        Time step (s), in (0, T/2] and at most tau_s / 5 when tau_s > 0.
    drive, afferent : float, ndarray or callable
        Inputs (Hz), as :func:`~adexmf.meanfield.integrate.integrate`.
    record_every : int
        Store every n-th step.

    Returns
    -------
    xarray.Dataset
        As :func:`~adexmf.meanfield.integrate.integrate` without observables; attrs add
        ``synaptic_filter_s``.

    Raises
    ------
    ParameterError
        For a second-order model, a bad tau_s, step, duration or input.
    """
    if model.order != 1:
        raise ParameterError(f"model order = {model.order}; allowed: 1")
    tau_s = check_range("tau_s", tau_s, 0.0, 1.0, unit="s")
    if 0.0 < tau_s < 5.0 * dt:
        raise ParameterError(f"dt = {dt:g} s is too coarse for tau_s = {tau_s:g} s; allowed: "
                             f"dt <= tau_s / 5 = {tau_s / 5:g} s")  # fmt: skip
    t, d, a, every, y0, out = run_arrays(model, duration, dt, initial, drive, afferent,
                                         record_every)  # fmt: skip
    pe, pi = model.packed_transfer
    filtered_kernel(model.packed, pe, pi, model.flags[1], y0, d, a, float(dt), model.T, tau_s,
                    every, out)  # fmt: skip
    attrs = {"method": "euler", "dt_s": float(dt), "duration_s": float(t[-1]),
             "record_every": every, "synaptic_filter_s": tau_s}  # fmt: skip
    return to_dataset(model, t[::every], out, d[::every], a[::every], attrs, observables=False)
