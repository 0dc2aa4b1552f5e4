"""Network results as xarray Datasets; binning and stationary statistics (SPEC 2.3).

Every backend returns a :class:`RawRecording` (spike times and indices per population, traces
of sample cells on the grid ``t_k = k dt``); :func:`make_dataset` turns it into one Dataset
layout whatever the simulator, so that all analysis below is written once.

Conventions: a spike emitted during step k is stamped ``k dt``; population rates per step are
spike counts / (N dt); binned rates average them in non-overlapping bins (5 ms by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputRangeError, ParameterError
from ..store import provenance
from .model import POPULATIONS, TRACE_UNITS, NetworkModel

#: Width of the bins of population rates (s), SPEC 2.3.
RATE_BIN = 5e-3
#: Transient discarded by the stationary statistics (s), SPEC 2.3.
STATIONARY_START = 0.5


@dataclass
class RawRecording:
    """What a backend hands back (SI units).

    Attributes
    ----------
    spike_times : dict of str to ndarray
        Spike times per population (s), stamped on the grid ``k dt``.
    spike_neurons : dict of str to ndarray
        Index within the population of each spike's neuron.
    traces : dict of str to dict of str to ndarray
        ``traces[variable][population]`` of shape (n_cells, n_steps), on the grid ``k dt``
        (the value at the start of each step).
    timings : dict of str to float
        Wall-clock and CPU times (s), e.g. ``construction_s``, ``simulation_s``.
    info : dict
        Backend details recorded in the attrs (simulator version, integrator, ...).
    """

    spike_times: dict[str, np.ndarray]
    spike_neurons: dict[str, np.ndarray]
    traces: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def bin_rates(rate: np.ndarray, dt: float, width: float = RATE_BIN) -> np.ndarray:
    """Average per-step rates in non-overlapping bins along the last axis.

    Parameters
    ----------
    rate : ndarray
        Rates per step (Hz), time along the last axis.
    dt : float
        Time step (s).
    width : float
        Bin width (s); a whole number of steps. An incomplete last bin is dropped.

    Returns
    -------
    ndarray
        Binned rates (Hz).
    """
    steps = int(round(width / dt))
    if steps < 1 or abs(steps * dt - width) > 1e-9 * max(width, 1.0):
        raise ParameterError(
            f"rate bin width = {width:g} s must be a whole number (>= 1) of steps dt = {dt:g} s"
        )
    n_bins = rate.shape[-1] // steps
    trimmed = rate[..., : n_bins * steps]
    return trimmed.reshape(*rate.shape[:-1], n_bins, steps).mean(axis=-1)


def _json_attr(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def make_dataset(
    model: NetworkModel,
    duration: float,
    raw: RawRecording,
    *,
    seed: int,
    backend: str,
    external_rates: dict[str, np.ndarray] | None = None,
    drive: np.ndarray | None = None,
) -> xr.Dataset:
    """Assemble the result Dataset of a network run.

    Parameters
    ----------
    model : NetworkModel
        The simulated network.
    duration : float
        Run duration (s).
    raw : RawRecording
        Output of a backend.
    seed : int
        Seed of the run.
    backend : str
        Backend label (``"brian2-runtime"``, ``"brian2-standalone"``, ``"nest"``).
    external_rates : dict of str to ndarray, optional
        Total external rate per synapse of each population on the grid (Hz); defaults to the
        model's drive plus afferent input.
    drive : ndarray, optional
        Drive rate per synapse on the grid (Hz); defaults to the model's.

    Returns
    -------
    xarray.Dataset
        Dims ``time`` (n_steps), ``time_bin`` (5 ms bins), ``population`` (exc, inh),
        ``spike`` and ``cell``. Variables: ``rate`` and ``rate_binned`` (Hz), ``drive`` and
        ``external_rate`` (Hz per synapse), ``spike_time`` (s), ``spike_neuron`` (global
        index: excitatory cells first), and the traces ``V`` (V), ``G_e``, ``G_i`` (S),
        ``w`` (A) of the sample cells. Attrs: protocol, parameters (JSON), backend, seed,
        timings and provenance.
    """
    dt = model.dt
    n_steps = model.n_steps(duration)
    times = np.arange(n_steps) * dt
    if external_rates is None:
        external_rates = model.external_rates(duration)
    if drive is None:
        drive = model.drive_rates(duration)

    rates = np.zeros((2, n_steps))
    spike_time_parts, spike_neuron_parts = [], []
    offset = 0
    for k, pop in enumerate(model.populations):
        t = np.asarray(raw.spike_times.get(pop.name, ()), dtype=np.float64)
        i = np.asarray(raw.spike_neurons.get(pop.name, ()), dtype=np.int64)
        steps = np.rint(t / dt).astype(np.int64)
        keep = (steps >= 0) & (steps < n_steps)
        rates[k] = np.bincount(steps[keep], minlength=n_steps)[:n_steps] / (pop.size * dt)
        spike_time_parts.append(t[keep])
        spike_neuron_parts.append(i[keep] + offset)
        offset += pop.size
    spike_time = np.concatenate(spike_time_parts)
    spike_neuron = np.concatenate(spike_neuron_parts)
    order = np.lexsort((spike_neuron, spike_time))

    steps_per_bin = int(round(RATE_BIN / dt))
    binned = bin_rates(rates, dt)
    bin_centres = (np.arange(binned.shape[-1]) + 0.5) * steps_per_bin * dt

    ds = xr.Dataset(
        {
            "rate": (
                ("population", "time"),
                rates,
                {"units": "Hz", "long_name": "population rate per step"},
            ),
            "rate_binned": (
                ("population", "time_bin"),
                binned,
                {"units": "Hz", "long_name": f"population rate in {RATE_BIN * 1e3:g} ms bins"},
            ),
            "drive": (
                "time",
                np.asarray(drive, dtype=np.float64),
                {"units": "Hz", "long_name": "drive rate per synapse"},
            ),
            "external_rate": (
                ("population", "time"),
                np.stack([external_rates[p] for p in POPULATIONS]),
                {"units": "Hz", "long_name": "external (drive + afferent) rate per synapse"},
            ),
            "spike_time": ("spike", spike_time[order], {"units": "s"}),
            "spike_neuron": (
                "spike",
                spike_neuron[order],
                {"long_name": "global neuron index (excitatory first)"},
            ),
        },
        coords={
            "time": ("time", times, {"units": "s"}),
            "time_bin": ("time_bin", bin_centres, {"units": "s", "long_name": "bin centre"}),
            "population": ("population", list(POPULATIONS)),
        },
    )

    traced = model.recorders.traced
    offsets = {"exc": 0, "inh": model.excitatory.size}
    cells = [(p, i, offsets[p] + i) for p in POPULATIONS for i in traced[p]]
    if cells and raw.traces:
        ds = ds.assign_coords(
            cell=("cell", np.array([g for _, _, g in cells], dtype=np.int64)),
            cell_population=("cell", np.array([p for p, _, _ in cells])),
            cell_index=("cell", np.array([i for _, i, _ in cells], dtype=np.int64)),
        )
        for var in model.recorders.variables:
            parts = [
                np.asarray(raw.traces[var][p], dtype=np.float64).reshape(len(traced[p]), n_steps)
                for p in POPULATIONS
                if traced[p]
            ]
            ds[var] = (("cell", "time"), np.concatenate(parts), {"units": TRACE_UNITS[var]})

    protocol = {
        "duration": duration,
        "dt": dt,
        "drive_rate": model.drive.rate,
        "drive_ramp": model.drive.ramp,
        "drive_model": model.drive.model,
        "drive_events": model.drive.events,
        "afferent_population": "" if model.afferent is None else model.afferent.population,
    }
    ds.attrs.update(
        {
            "title": "spiking RS-FS network (Zerlaut et al. 2018, SPEC 2.3)",
            "backend": backend,
            "seed": int(seed),
            "n_exc": model.excitatory.size,
            "n_inh": model.inhibitory.size,
            "inhibitory_fraction": model.inhibitory_fraction,
            "t_ref_exc": model.excitatory.cell.t_ref,
            "t_ref_inh": model.inhibitory.cell.t_ref,
            "dt": dt,
            "duration": duration,
            "protocol": _json_attr(protocol),
            "parameters": _json_attr(model.parameters()),
            "backend_info": _json_attr(raw.info),
            "timings": _json_attr(raw.timings),
            **provenance(),
        }
    )
    return ds


def _cell_masks(ds: xr.Dataset, population: str, t_start: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells of ``population`` and a (cell, time) mask of samples after ``t_start`` that lie
    outside spikes and refractory periods."""
    sel = np.flatnonzero(ds["cell_population"].values == population)
    times = ds["time"].values
    dt = float(ds.attrs["dt"])
    t_ref = float(ds.attrs[f"t_ref_{population}"])
    mask = np.broadcast_to(times >= t_start - 1e-12, (sel.size, times.size)).copy()
    spike_t = ds["spike_time"].values
    spike_n = ds["spike_neuron"].values
    # Samples from the spike step to the end of the refractory period are discarded.
    n_ref = int(np.ceil(t_ref / dt - 1e-9)) + 1
    for row, c in enumerate(ds["cell"].values[sel]):
        steps = np.rint(spike_t[spike_n == c] / dt).astype(np.int64)
        for s in steps:
            mask[row, s : s + n_ref] = False
    return sel, mask


def stationary_statistics(ds: xr.Dataset, t_start: float = STATIONARY_START) -> dict[str, float]:
    """Stationary statistics of a network run (SPEC 2.3): everything after ``t_start``.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of a network run (:func:`make_dataset`).
    t_start : float
        Transient discarded (s); 500 ms by default.

    Returns
    -------
    dict of str to float
        ``nu_e``, ``nu_i`` (mean rates, Hz), ``nu`` = (1-g) nu_e + g nu_i (Hz),
        ``sigma_nu_e``, ``sigma_nu_i`` (std of the 5 ms-binned rates, Hz) and, for each
        population ``pop`` with traced cells: ``mu_V_pop``, ``sigma_V_pop`` (V; samples in
        spikes and refractory periods excluded; sigma is the mean over cells of each cell's
        std), ``mu_Ge_pop``, ``sigma_Ge_pop``, ``mu_Gi_pop``, ``sigma_Gi_pop`` (S),
        ``mu_w_pop`` (A). NaN where a quantity cannot be computed.
    """
    duration = float(ds.attrs["duration"])
    if not 0.0 <= t_start < duration:
        raise InputRangeError(
            f"t_start = {t_start:g} s must lie in [0, {duration:g}) s (the run's duration)"
        )
    after = ds["time"].values >= t_start - 1e-12
    rate = ds["rate"].values[:, after].mean(axis=1)
    binned = ds["rate_binned"].sel(time_bin=slice(t_start, None)).values
    g = float(ds.attrs["inhibitory_fraction"])
    out: dict[str, float] = {
        "nu_e": float(rate[0]),
        "nu_i": float(rate[1]),
        "nu": float((1 - g) * rate[0] + g * rate[1]),
        "sigma_nu_e": float(binned[0].std()) if binned.shape[1] else float("nan"),
        "sigma_nu_i": float(binned[1].std()) if binned.shape[1] else float("nan"),
    }
    if "cell" not in ds.coords:
        return out
    for pop in POPULATIONS:
        sel, mask = _cell_masks(ds, pop, t_start)
        if sel.size == 0:
            continue
        if "V" in ds:
            v = ds["V"].values[sel]
            means = [v[r][mask[r]].mean() if mask[r].any() else np.nan for r in range(sel.size)]
            stds = [v[r][mask[r]].std() if mask[r].any() else np.nan for r in range(sel.size)]
            out[f"mu_V_{pop}"] = float(np.nanmean(means))
            out[f"sigma_V_{pop}"] = float(np.nanmean(stds))
        for var, short in (("G_e", "Ge"), ("G_i", "Gi"), ("w", "w")):
            if var not in ds:
                continue
            x = ds[var].values[sel][:, after]
            out[f"mu_{short}_{pop}"] = float(x.mean())
            if var != "w":
                out[f"sigma_{short}_{pop}"] = float(x.std(axis=1).mean())
    return out
