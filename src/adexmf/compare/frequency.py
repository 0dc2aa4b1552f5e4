"""Frequency response: the mean field against the spiking network (SPEC 7 row 6, Fig. 6).

Protocol: drive 4 Hz (100 ms ramp, as Fig. 4); from t0 = 500 ms a sinusoidal afferent input
``A (1 - cos(2 pi f (t - t0))) / 2`` on the excitatory population, A = 4.5 Hz ([code]; 5 Hz
[text] with ``stimulus="text"``), at 20 frequencies log-spaced 1-300 Hz; dt 0.05 ms on both
sides; each run lasts t0 + max(1 s, 2 periods). The response ``nu(t) = B + A'(1 - cos(2 pi f
(t - t0) + phi)) / 2`` is fitted from t0 on, as the paper did
(:func:`adexmf.compare.metrics.fit_sinusoid_response`) on the network's rate per time step
(no binning, so 300 Hz is not attenuated) and on the mean field's rate at the same step.
phi < 0: the response lags the input. Three signals are fitted, each on its own: the
population signal ``nu = (1 - g) nu_e + g nu_i`` (SPEC 2.3; what the paper's Fig. 6 and the
authors' code fit, the default of summaries and figures), ``nu_e`` and ``nu_i``.

Each (frequency, seed) network run is a Dask task (:func:`adexmf.sweep.run_tasks`); ``quick``
runs 8 of the 20 frequencies (both ends kept) with 2 seeds, ``paper`` all 20 with 3 seeds
(SPEC 7). The quick frequencies are a subset of the paper's, so their runs are reused.
Mean-field variants run at first order (the paper's Fig. 6) unless ``order=2``. Next to each
simulated response the Dataset holds the variant's analytic linear response around the fixed
point at the mean input A/2 (:func:`adexmf.meanfield.response.linear_response`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputRangeError, ParameterError, ValidityWarning
from ..meanfield.response import linear_response
from ..meanfield.variants import Variant, get_variant, shipped_preset
from ..network.run_spec import NetworkRun
from ..params.network import population_average
from ..stimuli import Stimulus
from ..store import provenance
from .metrics import (
    band_mean_abs_error,
    circular_mean,
    cycle_average,
    fit_sinusoid_response,
    resonance,
    wrapped_phase_difference,
)
from .protocol import (
    DEFAULT_VARIANTS,
    DRIVE,
    Scale,
    check_request,
    get_scale,
    run_network_tasks,
    scale_name,
    simulate_run,
    task_spec,
)

#: The 20 frequencies of SPEC 7 row 6 (Hz).
FREQUENCIES = np.geomspace(1.0, 300.0, 20)
#: Indices of the quick scale's 8 frequencies: both ends, and 49.5 Hz near the network's
#: resonance (the quick suite must stay within 5 min on 2 cores).
QUICK_INDICES = np.array([0, 3, 6, 9, 11, 13, 15, 19])
#: Network seeds per scale (SPEC 7: 3 seeds for Fig. 6).
SEEDS = {"quick": 2, "paper": 3}
#: Amplitude A (Hz) of the [code] and [text] protocols.
AMPLITUDES = {"code": 4.5, "text": 5.0}
#: Onset of the sinusoid (s), time step of both sides (s), drive ramp (s).
T0 = 0.5
DT = 5e-5
DRIVE_RAMP = 0.1
#: Part of each network run kept before t0 (s): the stored rate starts there.
PRE_STIMULUS = 0.1
#: Mean-field order unless given (the paper's Fig. 6: first).
ORDER = 1
CYCLE_BINS = 24
#: The fitted signals: the population signal nu = (1 - g) nu_e + g nu_i (SPEC 2.3), then each
#: population's rate.
SIGNALS = ("nu", "nu_e", "nu_i")
#: The signal summaries and figures show unless asked: the paper's (Fig. 6 fits nu).
DEFAULT_SIGNAL = "nu"
FIT_FIELDS = ("amplitude", "phase", "baseline", "residual_rms")
BANDS = ((1.0, 10.0), (10.0, 50.0), (50.0, 300.0))


def run_duration(frequency: float) -> float:
    """Length of the run at ``frequency`` (s): t0 + max(1 s, 2 periods), rounded up to a
    whole millisecond (a whole number of steps)."""
    return T0 + max(1.0, np.ceil(2000.0 / float(frequency)) / 1000.0)


def sinusoid_input(amplitude: float, frequency: float) -> Stimulus:
    """The protocol's input at ``frequency`` (Hz): ``A (1 - cos(2 pi f (t - t0))) / 2`` from
    t0, A = ``amplitude`` (Hz)."""
    return Stimulus("sinusoid", {"amplitude": amplitude, "frequency": frequency, "t0": T0})


def protocol_frequencies(scale: str | Scale, frequencies: Sequence[float] | None) -> np.ndarray:
    """The frequencies of a run (Hz): given ones (checked), else the scale's."""
    if frequencies is not None:
        f = np.asarray(frequencies, dtype=np.float64).ravel()
        if f.size == 0 or not np.all(np.isfinite(f) & (f > 0) & (f <= 1000.0)):
            raise ParameterError(f"frequencies = {frequencies!r}; allowed: a non-empty list of "
                                 "rates in (0, 1000] Hz")  # fmt: skip
        return np.unique(f)
    return FREQUENCIES[QUICK_INDICES] if scale == "quick" else FREQUENCIES


def network_task(spec: dict[str, Any]) -> xr.Dataset:
    """One (frequency, seed) run: the population rates per time step from t0 - 100 ms
    (float32, Hz; a Dask task). ``spec``: a :func:`~adexmf.compare.protocol.task_spec`
    mapping with ``keep_from_s``, the start of the stored rates (s)."""
    ds = simulate_run(NetworkRun.from_mapping(spec))
    rate = ds["rate"].sel(time=slice(spec["keep_from_s"], None)).astype(np.float32)
    return xr.Dataset(
        {"rate": rate}, attrs={k: ds.attrs[k] for k in ("seed", "timings") if k in ds.attrs}
    )


def network_specs(
    scale: Scale, seeds: Sequence[int], frequencies: np.ndarray, drive: float, amplitude: float
) -> list[dict[str, Any]]:
    """Task specifications (everything that determines a run), frequency-major."""
    return [
        task_spec("frequency", NetworkRun(n_total=scale.n_total, drive=drive, ramp=DRIVE_RAMP,
                                          dt=DT, duration=run_duration(f), seed=s,
                                          stimulus=sinusoid_input(amplitude, float(f))),
                  keep_from_s=T0 - PRE_STIMULUS)
        for f in frequencies
        for s in seeds
    ]  # fmt: skip


def signals(rate: np.ndarray, inhibitory_fraction: float) -> np.ndarray:
    """The :data:`SIGNALS` of population rates ``rate`` (..., 2: nu_e, nu_i) as (..., 3)."""
    nu = population_average(rate[..., 0], rate[..., 1], inhibitory_fraction)
    return np.stack([nu, rate[..., 0], rate[..., 1]], axis=-1)


def check_signal(signal: str) -> str:
    """``signal`` if it is one of :data:`SIGNALS`, else a ParameterError."""
    if signal not in SIGNALS:
        raise ParameterError(f"signal = {signal!r}; allowed: {', '.join(SIGNALS)}",
                             parameters=("signal",))  # fmt: skip
    return signal


def _fit(time: np.ndarray, rate: np.ndarray, frequency: float,
         inhibitory_fraction: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """FIT_FIELDS (rows) x signals, and the cycle averages (signal, bin), of the population
    rates ``rate`` (time, 2)."""
    x = signals(rate, inhibitory_fraction)
    fits = [fit_sinusoid_response(time, x[:, k], frequency, T0) for k in range(len(SIGNALS))]
    table = np.array([[getattr(fit, k) for fit in fits] for k in FIT_FIELDS])
    cycles = np.stack([cycle_average(time, x[:, k], frequency, T0, CYCLE_BINS)
                       for k in range(len(SIGNALS))])  # fmt: skip
    return table, cycles


def mean_field_responses(
    variant: str | Variant,
    frequencies: np.ndarray,
    drive: float,
    amplitude: float,
    n_total: int,
    order: int = ORDER,
) -> dict[str, np.ndarray]:
    """A variant's simulated and linear responses at each frequency.

    Returns ``fit`` (frequency, field, signal), ``cycle`` (frequency, signal, bin),
    ``linear`` (frequency, signal; complex gain) and ``outside_fit_domain`` (frequency:
    samples whose transfer-function inputs leave the fit domain); signals as
    :data:`SIGNALS`.
    """
    model = get_variant(variant).model(order=order, n_total=n_total)
    g = model.preset.network.inhibitory_fraction
    fits, cycles, outside = [], [], []
    for f in frequencies:
        stim = sinusoid_input(amplitude, float(f))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidityWarning)  # counted below instead
            ds = model.run(run_duration(f), dt=DT, drive=drive, afferent=stim,
                           observables=False)  # fmt: skip
        table, cycle = _fit(ds.time.values, ds.rate.values, float(f), g)
        fits.append(table)
        cycles.append(cycle)
        outside.append(int(ds.attrs["outside_fit_domain"]))
    # NaN where no linear response exists: an unstable state at the mean input, or a
    # synaptic filter at second order (its linear response is first order only).
    gain = np.full((frequencies.size, 2), np.nan + 0j)
    if order == 1 or not model.synaptic_filter:
        try:
            gain = linear_response(model, frequencies, drive, afferent=amplitude / 2.0)
        except InputRangeError:
            pass
    gain = signals(gain, g)  # the average of the gains: the response is linear in them
    return {"fit": np.stack(fits), "cycle": np.stack(cycles), "linear": gain,
            "outside_fit_domain": np.array(outside)}  # fmt: skip


def frequency_comparison(
    variants: Sequence[str] = DEFAULT_VARIANTS,
    *,
    scale: str | Scale = "quick",
    seeds: int | None = None,
    drive: float = DRIVE,
    network: bool = True,
    out: str | Path = "adexmf-results/compare",
    scheduler: str | None = None,
    progress: bool = False,
    stimulus: str = "code",
    frequencies: Sequence[float] | None = None,
    order: int = ORDER,
    signal: str = DEFAULT_SIGNAL,
) -> xr.Dataset:
    """The frequency-response comparison of SPEC 7 row 6 as one Dataset.

    Parameters
    ----------
    variants, scale, seeds, drive, network, out, scheduler, progress
        As :func:`adexmf.compare.stationary.stationary_comparison` (default seeds: 2 quick,
        3 paper).
    stimulus : {"code", "text"}
        A = 4.5 Hz (the authors' code) or 5 Hz (the paper's text).
    frequencies : sequence of float, optional
        Input frequencies (Hz); default the scale's (8 or 20 of the 1-300 Hz grid).
    order : {1, 2}
        Order of the mean field (the paper's Fig. 6: first).
    signal : {"nu", "nu_e", "nu_i"}
        The signal that summaries, figures and the time-constant fit read (attribute
        ``signal``); every signal is fitted and stored whatever this is.

    Returns
    -------
    xarray.Dataset
        Per :data:`SIGNALS` (dimension ``signal``): ``mf_fit`` (variant, frequency, fit,
        signal): fitted amplitude A' (Hz), phase phi (rad), baseline B (Hz), residual RMS
        (Hz); ``mf_cycle`` (variant, frequency, signal, cycle_phase; Hz);
        ``mf_linear_amplitude`` / ``mf_linear_phase`` (variant, frequency, signal): the
        linear response (A |H|, Hz; arg H, rad). With the network: ``network_fit`` (seed,
        frequency, fit, signal), ``network_cycle`` (frequency, signal, cycle_phase; mean over
        seeds), ``network_amplitude``, ``network_amplitude_std``, ``network_phase``
        (frequency, signal; mean and std over seeds, circular mean), ``amplitude_ratio`` and
        ``phase_difference`` (variant, frequency, signal; mean field over network, mean
        field minus network).
    """
    if stimulus not in AMPLITUDES:
        raise ParameterError(f"stimulus = {stimulus!r}; allowed: {', '.join(AMPLITUDES)}")
    if order not in (1, 2):
        raise ParameterError(f"order = {order!r}; allowed: 1 or 2")
    check_signal(signal)
    name = scale_name(scale)
    if seeds is None and isinstance(scale, str) and scale in SEEDS:
        seeds = SEEDS[scale]
    variants, sc, n_seeds = check_request(variants, get_scale(scale), seeds)
    freqs = protocol_frequencies(name, frequencies)
    amplitude = AMPLITUDES[stimulus]
    data = _mean_field_part(variants, freqs, drive, amplitude, sc.n_total, order)
    coords: dict[str, Any] = {
        "variant": variants,
        "frequency": ("frequency", freqs, {"units": "Hz"}),
        "signal": ("signal", list(SIGNALS),
                   {"long_name": "nu = (1 - g) nu_e + g nu_i (SPEC 2.3), nu_e, nu_i"}),
        "fit": ("fit", list(FIT_FIELDS), {"units": "Hz, rad for phase"}),
        "cycle_phase": ("cycle_phase", (np.arange(CYCLE_BINS) + 0.5) / CYCLE_BINS,
                        {"units": "1", "long_name": "phase of the input cycle (cycles)"}),
    }  # fmt: skip
    if network:
        data.update(_network_part(sc, n_seeds, freqs, drive, amplitude, out, scheduler,
                                  progress, data["mf_fit"][1], coords))  # fmt: skip
    return xr.Dataset(
        data, coords=coords,
        attrs={**provenance(), "protocol": "frequency response (SPEC 7 row 6)",
               "scale": name, "n_total": sc.n_total, "drive_Hz": float(drive),
               "order": int(order), "stimulus": stimulus, "amplitude_Hz": amplitude,
               "t0_s": T0, "dt_s": DT, "fit_start_s": T0, "network": int(network),
               "signal": signal,
               "linear_response": "around the fixed point at afferent A/2 (the mean input)"},
    )  # fmt: skip


def _mean_field_part(variants: Sequence[str], freqs: np.ndarray, drive: float, amplitude: float,
                     n_total: int, order: int) -> dict[str, Any]:  # fmt: skip
    """The variants' fits, cycle averages and linear responses (the ``mf_`` variables)."""
    responses = [mean_field_responses(v, freqs, drive, amplitude, n_total, order)
                 for v in variants]  # fmt: skip
    vfp = ("variant", "frequency", "signal")
    linear = np.stack([r["linear"] for r in responses])
    return {
        "mf_fit": (("variant", "frequency", "fit", "signal"),
                   np.stack([r["fit"] for r in responses])),
        "mf_cycle": (("variant", "frequency", "signal", "cycle_phase"),
                     np.stack([r["cycle"] for r in responses]), {"units": "Hz"}),
        "mf_linear_amplitude": (vfp, amplitude * np.abs(linear), {"units": "Hz"}),
        "mf_linear_phase": (vfp, np.angle(linear), {"units": "rad"}),
        "mf_outside_fit_domain": (("variant", "frequency"),
                                  np.stack([r["outside_fit_domain"] for r in responses])),
    }  # fmt: skip


def _network_part(sc, n_seeds, freqs, drive, amplitude, out, scheduler, progress, mf_fit,
                  coords) -> dict[str, Any]:  # fmt: skip
    """Network runs, their fits, and the mean field's errors against them."""
    seeds = list(range(1, n_seeds + 1))
    specs = network_specs(sc, seeds, freqs, drive, amplitude)
    runs = run_network_tasks(network_task, specs, out, scheduler, progress)
    g = shipped_preset(NetworkRun().preset).network.inhibitory_fraction
    fits = np.empty((n_seeds, freqs.size, len(FIT_FIELDS), len(SIGNALS)))
    cycles = np.empty((n_seeds, freqs.size, len(SIGNALS), CYCLE_BINS))
    for k, run in enumerate(runs):
        i, s = divmod(k, n_seeds)
        rate = run.rate.transpose("time", "population").values.astype(np.float64)
        fits[s, i], cycles[s, i] = _fit(run.time.values, rate, float(freqs[i]), g)
    coords["seed"] = seeds
    amp = fits[:, :, FIT_FIELDS.index("amplitude")]
    phase = circular_mean(fits[:, :, FIT_FIELDS.index("phase")], axis=0)
    mf_amp = mf_fit[:, :, FIT_FIELDS.index("amplitude")]
    mf_phase = mf_fit[:, :, FIT_FIELDS.index("phase")]
    fp = ("frequency", "signal")
    vfp = ("variant", "frequency", "signal")
    return {
        "network_fit": (("seed", "frequency", "fit", "signal"), fits),
        "network_cycle": (("frequency", "signal", "cycle_phase"), cycles.mean(0),
                          {"units": "Hz"}),
        "network_amplitude": (fp, amp.mean(0), {"units": "Hz"}),
        "network_amplitude_std": (fp, amp.std(0, ddof=1) if n_seeds > 1
                                  else np.zeros(amp.shape[1:]), {"units": "Hz"}),
        "network_phase": (fp, phase, {"units": "rad", "long_name": "circular mean"}),
        "amplitude_ratio": (vfp, mf_amp / amp.mean(0), {"units": "1"}),
        "phase_difference": (vfp, wrapped_phase_difference(mf_phase, phase), {"units": "rad"}),
    }  # fmt: skip


def frequency_summary(ds: xr.Dataset) -> dict[str, Any]:
    """JSON-friendly summary (SI units) of the response of the Dataset's ``signal`` (the
    population signal nu unless chosen otherwise): ``frequency_Hz``, ``signal``; per variant
    ``mf[NAME].amplitude_Hz``, ``mf[NAME].phase_rad`` (and the
    linear response); with the network ``network.amplitude_Hz``, ``network.amplitude_std_Hz``,
    ``network.phase_rad``, its resonance, and per variant the phase error per band (rad)."""
    chosen = {"signal": ds.attrs["signal"]}
    f = ds.frequency.values
    out: dict[str, Any] = {"frequency_Hz": f.tolist(), "signal": ds.attrs["signal"],
                           "drive_Hz": float(ds.attrs["drive_Hz"]),
                           "amplitude_Hz": float(ds.attrs["amplitude_Hz"]),
                           "scale": ds.attrs["scale"], "order": int(ds.attrs["order"])}  # fmt: skip
    mf: dict[str, Any] = {}
    for v in ds.variant.values:
        fit = ds.mf_fit.sel(variant=v, **chosen)
        entry = {
            "amplitude_Hz": fit.sel(fit="amplitude").values.tolist(),
            "phase_rad": fit.sel(fit="phase").values.tolist(),
            "linear_amplitude_Hz": ds.mf_linear_amplitude.sel(variant=v, **chosen).values.tolist(),
            "linear_phase_rad": ds.mf_linear_phase.sel(variant=v, **chosen).values.tolist(),
        }
        if f.size >= 3:
            r = resonance(f, fit.sel(fit="amplitude").values)
            entry["peak_frequency_Hz"], entry["peak_gain"] = r.frequency, r.gain
        if "phase_difference" in ds:
            diff = ds.phase_difference.sel(variant=v, **chosen).values
            entry["phase_error_rad_by_band"] = band_mean_abs_error(f, diff, BANDS)
            ratio = ds.amplitude_ratio.sel(variant=v, **chosen).values
            entry["amplitude_ratio"] = ratio.tolist()
        mf[str(v)] = entry
    if "network_amplitude" in ds:
        amp = ds.network_amplitude.sel(**chosen).values
        out["network"] = {
            "amplitude_Hz": amp.tolist(),
            "amplitude_std_Hz": ds.network_amplitude_std.sel(**chosen).values.tolist(),
            "phase_rad": ds.network_phase.sel(**chosen).values.tolist(),
            "seeds": [int(s) for s in ds.seed.values],
        }
        if f.size >= 3:
            r = resonance(f, amp)
            out["network"].update(peak_frequency_Hz=r.frequency, peak_gain=r.gain)
    out["mf"] = mf
    return out
