"""Integrative properties of the mean field (SPEC 7 row 7, Fig. 7).

Mean field only (the paper has no network counterpart). Drive 4 Hz; a double-Gaussian
afferent input on the excitatory population at t0 = 250 ms, tau1 = 50 ms, tau2 = 70 ms
([code]; 60/100 ms [text] with ``stimulus="text"``), 800 ms from the fixed point, dt 0.1 ms:

- (A) amplitude A = 0, 1, ..., 15 Hz: the peak of the population rate
  ``nu = (1 - g) nu_e + g nu_i`` (not baseline-subtracted) grows about linearly with A, the
  peak VSD signal dV/V0 (SPEC 5.4) strongly sub-linearly;
- (B) A = 1 Hz on an extra background drive of 0, 1, ..., 15 Hz (added to the drive of both
  populations, as the drive itself): the rate response (its peak minus its value at the
  start) stays flat while dV/V0 is suppressed (the paper: by ~60 %). Added to the afferent
  input of the excitatory population alone instead, the background would raise the rates
  and suppress dV/V0 by ~90 %, which is not the paper's figure.

The reference variant runs at the first order, as the paper's Fig. 7 (``order=2`` for the
second).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError, ValidityWarning
from ..meanfield.variants import get_variant
from ..stimuli import Stimulus
from ..store import provenance
from .protocol import DEFAULT_VARIANTS, DRIVE, check_request

#: Time constants tau1, tau2 (s) of the [code] and [text] protocols.
STIMULI = {"code": (0.05, 0.07), "text": (0.06, 0.1)}
#: Peak of the stimulus (s), run length (s) and time step (s).
T0 = 0.25
DURATION = 0.8
DT = 1e-4
#: (A) stimulus amplitudes and (B) background drives (Hz), and the amplitude of (B) (Hz).
AMPLITUDES = np.arange(16.0)
BACKGROUNDS = np.arange(16.0)
BACKGROUND_AMPLITUDE = 1.0
#: Allowed range of the levels of (A) and (B) (Hz).
LEVEL_RANGE = (0.0, 30.0)
#: Mean-field order unless given (the paper's Fig. 7: first).
ORDER = 1
#: Time courses are stored every RECORD_EVERY steps (1 ms): enough for the figure.
RECORD_EVERY = 10


def _response(model, drive: float, amplitude: float, taus) -> dict:
    """Population rate and dV/V0 of one run, their peaks and the rate at the start."""
    stim = Stimulus("double-gaussian", {"amplitude": amplitude, "t0": T0, "tau1": taus[0],
                                        "tau2": taus[1]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # counted in outside_fit_domain
        ds = model.run(DURATION, dt=DT, drive=drive, afferent=stim)
    rate = model.preset.network.population_average(
        ds.rate.sel(population="exc").values, ds.rate.sel(population="inh").values
    )
    vsd = ds.vsd.values
    return {"rate": rate[::RECORD_EVERY], "vsd": vsd[::RECORD_EVERY], "peak_rate": rate.max(),
            "start_rate": rate[0], "peak_vsd": vsd.max(),
            "outside": int(ds.attrs["outside_fit_domain"])}  # fmt: skip


def _scan(model, drive, levels, taus, *, background: bool) -> dict[str, np.ndarray]:
    runs = [_response(model, drive + x, BACKGROUND_AMPLITUDE, taus) if background
            else _response(model, drive, x, taus) for x in levels]  # fmt: skip
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


def integrative_properties(
    variants: Sequence[str] = DEFAULT_VARIANTS,
    *,
    drive: float = DRIVE,
    stimulus: str = "code",
    order: int = ORDER,
    amplitudes: Sequence[float] | None = None,
    backgrounds: Sequence[float] | None = None,
) -> xr.Dataset:
    """The integrative-properties protocol of SPEC 7 row 7 as one Dataset.

    Parameters
    ----------
    variants : sequence of str
        Mean-field variants.
    drive : float
        Drive onto both populations (Hz).
    stimulus : {"code", "text"}
        tau1, tau2 = 50, 70 ms (the authors' code) or 60, 100 ms (the paper's text).
    order : {1, 2}
        Order of the mean field (the paper's Fig. 7: first).
    amplitudes, backgrounds : sequence of float, optional
        Levels of (A): stimulus amplitude, and (B): background drive added to ``drive``
        (Hz, 0-30); default 0, 1, ..., 15 Hz.

    Returns
    -------
    xarray.Dataset
        (A), dim ``amplitude`` (Hz): ``peak_rate`` (Hz), ``peak_vsd`` (percent), ``rate`` and
        ``vsd`` time courses (variant, amplitude, time; 1 ms). (B), dim ``background`` (Hz):
        ``background_peak_rate``, ``background_rate_change`` (peak minus the start, Hz),
        ``background_vsd`` (percent), ``background_rate``, ``background_vsd_time``.
        ``outside_fit_domain`` counts per variant the samples whose transfer-function inputs
        leave the fit domain.
    """
    if stimulus not in STIMULI:
        raise ParameterError(f"stimulus = {stimulus!r}; allowed: {', '.join(STIMULI)}")
    if order not in (1, 2):
        raise ParameterError(f"order = {order!r}; allowed: 1 or 2")
    variants, _, _ = check_request(variants, "quick", None)
    amps = _levels("amplitudes", AMPLITUDES if amplitudes is None else amplitudes)
    bgs = _levels("backgrounds", BACKGROUNDS if backgrounds is None else backgrounds)
    taus = STIMULI[stimulus]
    a_runs, b_runs = [], []
    for v in variants:
        model = get_variant(v).model(order=order)
        a_runs.append(_scan(model, drive, amps, taus, background=False))
        b_runs.append(_scan(model, drive, bgs, taus, background=True))

    def stack(runs, key, scale=1.0):
        return np.stack([r[key] for r in runs]) * scale

    va, vb = ("variant", "amplitude"), ("variant", "background")
    data = {
        "peak_rate": (va, stack(a_runs, "peak_rate"), {"units": "Hz"}),
        "peak_vsd": (va, stack(a_runs, "peak_vsd", 100.0), {"units": "%"}),
        "rate": ((*va, "time"), stack(a_runs, "rate"), {"units": "Hz"}),
        "vsd": ((*va, "time"), stack(a_runs, "vsd", 100.0), {"units": "%"}),
        "background_peak_rate": (vb, stack(b_runs, "peak_rate"), {"units": "Hz"}),
        "background_rate_change": (vb, stack(b_runs, "peak_rate") - stack(b_runs, "start_rate"),
                                   {"units": "Hz"}),
        "background_vsd": (vb, stack(b_runs, "peak_vsd", 100.0), {"units": "%"}),
        "background_rate": ((*vb, "time"), stack(b_runs, "rate"), {"units": "Hz"}),
        "background_vsd_time": ((*vb, "time"), stack(b_runs, "vsd", 100.0), {"units": "%"}),
        "outside_fit_domain": ("variant", stack(a_runs, "outside").sum(1)
                               + stack(b_runs, "outside").sum(1)),
    }  # fmt: skip
    time = np.arange(a_runs[0]["rate"].shape[1]) * DT * RECORD_EVERY
    return xr.Dataset(
        data,
        coords={"variant": variants, "amplitude": ("amplitude", amps, {"units": "Hz"}),
                "background": ("background", bgs, {"units": "Hz"}),
                "time": ("time", time, {"units": "s"})},
        attrs={**provenance(), "protocol": "integrative properties (SPEC 7 row 7)",
               "drive_Hz": float(drive), "order": int(order), "stimulus": stimulus,
               "t0_s": T0, "tau1_s": taus[0], "tau2_s": taus[1], "dt_s": DT,
               "duration_s": DURATION, "background_amplitude_Hz": BACKGROUND_AMPLITUDE,
               "n_total": int(model.preset.network.n_total),
               "network": 0},
    )  # fmt: skip


def _levels(name: str, values) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    low, high = LEVEL_RANGE
    if x.size == 0 or not np.all(np.isfinite(x) & (x >= low) & (x <= high)):
        raise ParameterError(f"{name} = {values!r}; allowed: a non-empty list of rates in "
                             f"[{low:g}, {high:g}] Hz")  # fmt: skip
    return x


def integrative_summary(ds: xr.Dataset) -> dict[str, Any]:
    """JSON-friendly summary (SI units, lists in protocol order) for the first variant:
    ``amplitude_Hz``, ``peak_rate_Hz``, ``peak_vsd_percent``, ``background_Hz``,
    ``background_rate_change_Hz``, ``background_vsd_percent``; the same per variant under
    ``mf[NAME]``, with ``vsd_suppression_percent`` (1 - dV/V0 at the largest background over
    dV/V0 at the smallest)."""
    per = {}
    for v in ds.variant.values:
        s = ds.sel(variant=v)
        bvsd = s.background_vsd.values
        per[str(v)] = {
            "peak_rate_Hz": s.peak_rate.values.tolist(),
            "peak_vsd_percent": s.peak_vsd.values.tolist(),
            "background_rate_change_Hz": s.background_rate_change.values.tolist(),
            "background_vsd_percent": bvsd.tolist(),
            "vsd_suppression_percent": float(100.0 * (1.0 - bvsd[-1] / bvsd[0]))
            if bvsd[0] > 0
            else float("nan"),
        }
    first = per[str(ds.variant.values[0])]
    return {
        "variant": str(ds.variant.values[0]), "order": int(ds.attrs["order"]),
        "stimulus": ds.attrs["stimulus"], "amplitude_Hz": ds.amplitude.values.tolist(),
        "peak_rate_Hz": first["peak_rate_Hz"], "peak_vsd_percent": first["peak_vsd_percent"],
        "background_Hz": ds.background.values.tolist(),
        "background_rate_change_Hz": first["background_rate_change_Hz"],
        "background_vsd_percent": first["background_vsd_percent"], "mf": per,
    }  # fmt: skip
