"""The mean field with synaptic filtering of its inputs (beyond the paper; issue 26, item 3).

The Markov closure hands the input rates to the transfer functions instantly; in the
network they arrive through conductances that decay with tau_e = tau_i. This variant puts a
low-pass filter of time constant tau_s between every input rate (the recurrent nu_e, nu_i,
the drive and the afferent input) and the transfer functions::

    T dnu/dt = F(nu~, W) - nu,    tau_s dnu~/dt = nu - nu~

The adaptation current keeps its equation (its spike-triggered part driven by nu itself, the
subthreshold part by mu_V of the filtered inputs). At second order the covariance equations
and the second-order term of the rate equations are evaluated at the filtered rates too,
including their ``(F - nu)`` drift terms (an approximation: those terms are second order
in the deviation and matter only during fast transients). Fixed points are those of the
unfiltered model. Its first-order linear response is
:func:`adexmf.meanfield.response.linear_response` (``synaptic_filter``); this module
integrates it in time (Euler steps; a separate small kernel, so the column's state layout
and compiled kernels are untouched) and defines :class:`FilteredMeanFieldModel`, the model
of a variant with a filter, whose ``run`` integrates it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from numba import njit

from ..errors import ParameterError, check_range
from ..layouts import MF_B, N_STATE, S_NU_E, S_NU_I, S_W
from ..stimuli import Waveform
from .analysis import MeanFieldModel, check_run_size, flag_time_course, from_fixed_point
from .integrate import run_arrays
from .model import ColumnModel
from .node import isolated_column_rhs
from .timecourse import to_dataset


@njit(cache=True, error_model="numpy")
def filtered_kernel(mp, pe, pi, order, adaptation, y0, drive, afferent, dt, T, tau_s, every,
                    out):  # fmt: skip
    """Euler steps of the filtered column (see the module docstring); the filters start at
    the initial rates and inputs (a steady state). Records every ``every`` steps into
    ``out`` (n_records, N_STATE)."""
    y = y0.copy()
    z = y0.copy()  # the state with the filtered rates, which the transfer functions see
    dy = np.empty(N_STATE)
    fd, fa = drive[0], afferent[0]
    out[0] = y
    k = dt / tau_s if tau_s > 0.0 else 1.0
    for n in range(drive.size - 1):
        isolated_column_rhs(mp, pe, pi, order, adaptation, z, fd, fa, dy)
        f_e = z[S_NU_E] + T * dy[S_NU_E]  # F (and its second-order term) at the filtered rates
        f_i = z[S_NU_I] + T * dy[S_NU_I]
        for j in range(N_STATE):  # covariances (second order) and W, evaluated at z
            if j != S_NU_E and j != S_NU_I:
                y[j] += dt * dy[j]
        if adaptation:  # W's spike-triggered part is driven by the rate itself
            y[S_W] += dt * mp[MF_B] * (y[S_NU_E] - z[S_NU_E])
        y[S_NU_E] = max(y[S_NU_E] + dt * (f_e - y[S_NU_E]) / T, 0.0)
        y[S_NU_I] = max(y[S_NU_I] + dt * (f_i - y[S_NU_I]) / T, 0.0)
        z_e, z_i = z[S_NU_E] + k * (y[S_NU_E] - z[S_NU_E]), z[S_NU_I] + k * (y[S_NU_I] - z[S_NU_I])
        z[:] = y
        z[S_NU_E], z[S_NU_I] = z_e, z_i
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
    """Integrate a mean field whose inputs are filtered with ``tau_s``.

    Parameters
    ----------
    model : ColumnModel
        Either order, with or without adaptation.
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
        For a bad tau_s, step, duration or input.
    """
    tau_s = check_range("tau_s", tau_s, 0.0, 1.0, unit="s")
    if 0.0 < tau_s < 5.0 * dt:
        raise ParameterError(f"dt = {dt:g} s is too coarse for tau_s = {tau_s:g} s; allowed: "
                             f"dt <= tau_s / 5 = {tau_s / 5:g} s")  # fmt: skip
    t, d, a, every, y0, out = run_arrays(model, duration, dt, initial, drive, afferent,
                                         record_every)  # fmt: skip
    pe, pi = model.packed_transfer
    filtered_kernel(model.packed, pe, pi, *model.flags, y0, d, a, float(dt), model.T, tau_s,
                    every, out)  # fmt: skip
    attrs = {"method": "euler", "dt_s": float(dt), "duration_s": float(t[-1]),
             "record_every": every, "synaptic_filter_s": tau_s}  # fmt: skip
    return to_dataset(model, t[::every], out, d[::every], a[::every], attrs, observables=False)


@dataclass(frozen=True, eq=False)
class FilteredMeanFieldModel(MeanFieldModel):
    """A :class:`~adexmf.meanfield.analysis.MeanFieldModel` with a synaptic filter of time
    constant ``synaptic_filter`` (s, in [0, 1]) on its inputs: fixed points as the model
    without it, ``run`` by :func:`integrate_filtered`, the linear response
    (:func:`adexmf.meanfield.response.linear_response`) with the filter."""

    synaptic_filter: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        tau_s = check_range("synaptic_filter", self.synaptic_filter, 0.0, 1.0, unit="s")
        object.__setattr__(self, "synaptic_filter", tau_s)

    def run(self, duration: float, *, initial=None, dt: float = 5e-5, drive: Waveform = 0.0,
            afferent: Waveform = 0.0, method: str = "euler", record_every: int = 1,
            observables: bool = False) -> xr.Dataset:  # fmt: skip
        """Integrate from the relevant fixed point (or ``initial``) with
        :func:`integrate_filtered`; validity flags as :meth:`MeanFieldModel.run`.

        Raises
        ------
        ParameterError
            For a method other than "euler" (the filtered kernel's) or observables (the
            transfer functions' inputs are filtered: the unfiltered observables would not
            be what the cells see).
        """
        if method != "euler":
            raise ParameterError(f"method = {method!r}; allowed: 'euler' (a model with a "
                                 "synaptic filter)")  # fmt: skip
        if observables:
            raise ParameterError("observables = True; allowed: False (a model with a "
                                 "synaptic filter)")  # fmt: skip
        check_run_size(duration, dt, record_every, self)
        start = from_fixed_point(self) if initial is None else initial
        ds = integrate_filtered(self, duration, start, tau_s=self.synaptic_filter, dt=dt,
                                drive=drive, afferent=afferent, record_every=record_every)
        return flag_time_course(self, ds)
