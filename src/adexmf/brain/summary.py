"""What a brain run says, region by region: time-averaged rates and W over the analysis
window, the regime of each region (:func:`adexmf.timeseries.classify_regime`), its
dominant frequency and UP-state rate, and, when asked, BOLD and the functional connectivity
(rates and BOLD) with their correlation with the structural weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..timeseries import classify_regime
from .analysis import fc_sc_correlation, functional_connectivity
from .bold import bold_signal, downsample, neural_input

#: BOLD is computed from the rates averaged over this period (s): the balloon's time
#: scales are ~1 s, and its integrator steps at most 10 ms.
BOLD_INPUT_PERIOD = 0.01
#: BOLD sampling period (s), a typical fMRI repetition time.
BOLD_TR = 1.0
#: The BOLD series' first seconds are its response to the start of the input: left out of
#: the BOLD FC.
BOLD_TRANSIENT = 10.0


@dataclass
class BrainSummary:
    """Per-region numbers (JSON-friendly, SI units, unit in the key) and the matrices."""

    numbers: dict[str, Any]
    matrices: dict[str, np.ndarray] = field(default_factory=dict)
    bold: xr.DataArray | None = None


def analysis_window(ds: xr.Dataset, analysis_start: float | None) -> xr.Dataset:
    """The samples from ``analysis_start`` (s; default half the run) to the end."""
    t_end = float(ds.time.values[-1])
    start = 0.5 * t_end if analysis_start is None else float(analysis_start)
    if not 0.0 <= start < t_end:
        raise ParameterError(
            f"analysis_start = {start:g} s is out of range; allowed: [0, {t_end:g}) s "
            "(within the run)",
            parameters=("analysis_start",),
        )
    return ds.sel(time=slice(start, None))


def summarize_brain(
    ds: xr.Dataset, analysis_start: float | None = None, bold: bool = False
) -> BrainSummary:
    """Summarise a run of :meth:`adexmf.brain.BrainNetwork.run`.

    Parameters
    ----------
    ds : xarray.Dataset
        The run.
    analysis_start : float, optional
        Start of the analysis window (s); default half the run.
    bold : bool
        Also compute BOLD (from the whole run, :data:`BOLD_TR` sampling) and its FC.

    Returns
    -------
    BrainSummary
        ``numbers``: regions, region_labels, nu_e_Hz, nu_i_Hz, w_pA, regime,
        dominant_frequency_Hz, up_state_rate_Hz (per region, the connectome's order),
        rate_fc_sc (and bold_fc_sc); ``matrices``: rate_fc (and bold_fc).
    """
    window = analysis_window(ds, analysis_start)
    fs = 1.0 / float(ds.attrs["record_period_s"])
    nu_e = window.nu_e.values
    regime = classify_regime(nu_e, fs)
    weights = ds.weights.values  # the weights the run used (source -> region)
    rate_fc = functional_connectivity(nu_e)
    numbers = {
        "regions": int(ds.sizes["region"]),
        "region_labels": [str(r) for r in ds.region.values],
        "analysis_start_s": float(window.time.values[0]),
        "nu_e_Hz": nu_e.mean(axis=0).tolist(),
        "nu_i_Hz": window.nu_i.values.mean(axis=0).tolist(),
        "w_pA": (window.W.values.mean(axis=0) * 1e12).tolist(),
        "regime": [str(x) for x in regime.labels],
        "dominant_frequency_Hz": regime.dominant_frequency.tolist(),
        "up_state_rate_Hz": regime.up_rate.tolist(),
        "rate_fc_sc": fc_sc_correlation(rate_fc, weights),
    }
    summary = BrainSummary(numbers, {"rate_fc": rate_fc})
    if bold:
        summary.bold = bold_series(ds)
        kept = summary.bold.sel(bold_time=slice(BOLD_TRANSIENT, None)).values
        if kept.shape[0] < 3:
            raise ParameterError(
                f"duration = {float(ds.time.values[-1]):g} s is too short for BOLD; allowed: "
                f"more than {BOLD_TRANSIENT + 3 * BOLD_TR:g} s (its first "
                f"{BOLD_TRANSIENT:g} s are the response to the start)",
                parameters=("duration",),
            )
        bold_fc = functional_connectivity(kept)
        summary.matrices["bold_fc"] = bold_fc
        numbers["bold_fc"] = bold_fc.tolist()
        numbers["bold_fc_sc"] = fc_sc_correlation(bold_fc, weights)
    return summary


def bold_series(ds: xr.Dataset) -> xr.DataArray:
    """BOLD of every region (dimensionless) at :data:`BOLD_TR`, from the excitatory rates
    averaged over :data:`BOLD_INPUT_PERIOD`, relative to each region's mean rate."""
    dt = float(ds.attrs["record_period_s"])
    period = max(BOLD_INPUT_PERIOD, dt)
    rates = downsample(ds.nu_e.values, dt, period, method="mean")
    floor = 1e-3  # Hz: a silent region's relative change is measured against 1 mHz
    signal = bold_signal(neural_input(np.maximum(rates, floor)), period)
    every = downsample(signal, period, BOLD_TR, method="sample")
    times = np.arange(every.shape[0]) * BOLD_TR
    return xr.DataArray(
        every, dims=("bold_time", "region"),
        coords={"bold_time": ("bold_time", times, {"units": "s"}), "region": ds.region.values},
        attrs={"units": "1", "long_name": "BOLD (Balloon-Windkessel, Friston et al. 2003)"},
    )  # fmt: skip
