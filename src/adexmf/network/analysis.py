"""Network results as xarray Datasets; binning and stationary statistics (SPEC 2.3).

Every backend returns a :class:`RawRecording` (spike times and indices per population, traces
of sample cells on the grid ``t_k = k dt``); :func:`make_dataset` turns it into one Dataset
layout whatever the simulator, so that all analysis below is written once.

Conventions: a spike emitted during step k is stamped ``k dt``; population rates per step are
spike counts / (N dt); binned rates average them in non-overlapping bins (5 ms by default).
The layout follows the data model of ``docs/data-model.md``, shared with the mean field: time
first (``rate(time, population)``, ``rate_binned(time_bin, population)``, ``V(time, cell)``),
``units`` on every variable and numeric coordinate, numeric attrs in SI with the unit in the
name (``dt_s``, ``duration_s``), so that ``mf.rate.interp(time=net.time_bin) -
net.rate_binned`` needs no renaming or transposition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputRangeError, ParameterError
from ..params import population_average
from ..store import json_attr, provenance
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


def bin_rates(rate: np.ndarray, dt: float, width: float = RATE_BIN, axis: int = -1) -> np.ndarray:
    """Average per-step rates in non-overlapping bins along one axis.

    Parameters
    ----------
    rate : ndarray
        Rates per step (Hz).
    dt : float
        Time step (s).
    width : float
        Bin width (s); a whole number of steps. An incomplete last bin is dropped.
    axis : int
        Time axis (default the last).

    Returns
    -------
    ndarray
        Binned rates (Hz), the time axis replaced by the bins.
    """
    steps = int(round(width / dt))
    if steps < 1 or abs(steps * dt - width) > 1e-9 * max(width, 1.0):
        raise ParameterError(
            f"rate bin width = {width:g} s must be a whole number (>= 1) of steps dt = {dt:g} s"
        )
    moved = np.moveaxis(np.asarray(rate), axis, -1)
    n_bins = moved.shape[-1] // steps
    trimmed = moved[..., : n_bins * steps]
    binned = trimmed.reshape(*moved.shape[:-1], n_bins, steps).mean(axis=-1)
    return np.moveaxis(binned, -1, axis)


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
        The network layout of ``docs/data-model.md``. Dims ``time`` (n_steps, s),
        ``time_bin`` (5 ms bins, coordinate = bin centres, s), ``population`` (exc, inh),
        ``spike`` and ``cell`` (traced sample cells). Variables: ``rate(time, population)``
        and ``rate_binned(time_bin, population)`` (Hz), ``drive(time)`` and
        ``external_rate(time, population)`` (Hz per synapse), ``spike_time(spike)`` (s),
        ``spike_neuron(spike)`` (global index: excitatory cells first), and the traces
        ``V(time, cell)`` (V), ``G_e``, ``G_i`` (S), ``w`` (A). Coordinates of ``cell``:
        ``cell`` (global index), ``cell_population``, ``cell_index`` (index within the
        population). Attrs: ``seed``, ``dt_s``, ``duration_s``, ``n_exc``, ``n_inh``,
        ``inhibitory_fraction``, ``t_ref_exc_s``, ``t_ref_inh_s``, ``backend``, JSON
        ``protocol`` (SI, unit-suffixed keys), ``parameters``, ``backend_info``,
        ``timings``, and the provenance of :func:`adexmf.store.provenance`.
    """
    dt = model.dt
    n_steps = model.n_steps(duration)
    times = np.arange(n_steps) * dt
    if external_rates is None:
        external_rates = model.external_rates(duration)
    if drive is None:
        drive = model.drive_rates(duration)

    rates = np.zeros((n_steps, 2))
    spike_time_parts, spike_neuron_parts = [], []
    offset = 0
    for k, pop in enumerate(model.populations):
        t = np.asarray(raw.spike_times.get(pop.name, ()), dtype=np.float64)
        i = np.asarray(raw.spike_neurons.get(pop.name, ()), dtype=np.int64)
        steps = np.rint(t / dt).astype(np.int64)
        keep = (steps >= 0) & (steps < n_steps)
        rates[:, k] = np.bincount(steps[keep], minlength=n_steps)[:n_steps] / (pop.size * dt)
        spike_time_parts.append(t[keep])
        spike_neuron_parts.append(i[keep] + offset)
        offset += pop.size
    spike_time = np.concatenate(spike_time_parts)
    spike_neuron = np.concatenate(spike_neuron_parts)
    order = np.lexsort((spike_neuron, spike_time))

    steps_per_bin = int(round(RATE_BIN / dt))
    binned = bin_rates(rates, dt, axis=0)
    bin_centres = (np.arange(binned.shape[0]) + 0.5) * steps_per_bin * dt

    ds = xr.Dataset(
        {
            "rate": (
                ("time", "population"),
                rates,
                {"units": "Hz", "long_name": "population rate per step"},
            ),
            "rate_binned": (
                ("time_bin", "population"),
                binned,
                {"units": "Hz", "long_name": f"population rate in {RATE_BIN * 1e3:g} ms bins"},
            ),
            "drive": (
                "time",
                np.asarray(drive, dtype=np.float64),
                {"units": "Hz", "long_name": "drive rate per synapse"},
            ),
            "external_rate": (
                ("time", "population"),
                np.stack([external_rates[p] for p in POPULATIONS], axis=1),
                {"units": "Hz", "long_name": "external (drive + afferent) rate per synapse"},
            ),
            "spike_time": ("spike", spike_time[order], {"units": "s", "long_name": "spike time"}),
            "spike_neuron": (
                "spike",
                spike_neuron[order],
                {"units": "1", "long_name": "global neuron index (excitatory first)"},
            ),
        },
        coords={
            "time": ("time", times, {"units": "s", "long_name": "time"}),
            "time_bin": (
                "time_bin",
                bin_centres,
                {"units": "s", "long_name": "bin centre", "bin_width_s": RATE_BIN},
            ),
            "population": ("population", list(POPULATIONS), {"long_name": "population"}),
        },
    )

    traced = model.recorders.traced
    offsets = {"exc": 0, "inh": model.excitatory.size}
    cells = [(p, i, offsets[p] + i) for p in POPULATIONS for i in traced[p]]
    if cells and raw.traces:
        ds = ds.assign_coords(
            cell=(
                "cell",
                np.array([g for _, _, g in cells], dtype=np.int64),
                {"units": "1", "long_name": "global neuron index of a traced cell"},
            ),
            cell_population=(
                "cell",
                np.array([p for p, _, _ in cells]),
                {"long_name": "population of the traced cell"},
            ),
            cell_index=(
                "cell",
                np.array([i for _, i, _ in cells], dtype=np.int64),
                {"units": "1", "long_name": "index within the population"},
            ),
        )
        for var in model.recorders.variables:
            parts = [
                np.asarray(raw.traces[var][p], dtype=np.float64).reshape(len(traced[p]), n_steps)
                for p in POPULATIONS
                if traced[p]
            ]
            ds[var] = (
                ("time", "cell"),
                np.ascontiguousarray(np.concatenate(parts).T),
                {"units": TRACE_UNITS[var], "long_name": f"{var} of the traced cells"},
            )

    protocol = {
        "duration_s": duration,
        "dt_s": dt,
        "drive_rate_Hz": model.drive.rate,
        "drive_ramp_s": model.drive.ramp,
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
            "t_ref_exc_s": model.excitatory.cell.t_ref,
            "t_ref_inh_s": model.inhibitory.cell.t_ref,
            "dt_s": dt,
            "duration_s": duration,
            "protocol": _json_attr(protocol),
            "parameters": _json_attr(model.parameters()),
            "backend_info": _json_attr(raw.info),
            "timings": _json_attr(raw.timings),
            **provenance(),
        }
    )
    return ds


def check_layout(ds: xr.Dataset) -> None:
    """Check that ``ds`` is a network Dataset in the layout of :func:`make_dataset`.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset to check (e.g. read back from a NetCDF file).

    Raises
    ------
    ParameterError
        If a variable, dimension order or attribute of the data model is missing (a file
        from an older adexmf, or not a network run); the message says what to do.
    """
    problems = []
    for var, dims in (
        ("rate", ("time", "population")),
        ("rate_binned", ("time_bin", "population")),
    ):
        if var not in ds:
            problems.append(f"no variable {var!r}")
        elif ds[var].dims != dims:
            problems.append(f"{var} has dims {ds[var].dims}, expected {dims}")
    for var in TRACE_UNITS:
        if var in ds and ds[var].dims != ("time", "cell"):
            problems.append(f"{var} has dims {ds[var].dims}, expected ('time', 'cell')")
    for key in ("dt_s", "duration_s", "protocol"):
        if key not in ds.attrs:
            problems.append(f"no attribute {key!r}")
    if problems:
        raise ParameterError(
            "not a network Dataset of this adexmf version (" + "; ".join(problems) + "); "
            "write it again with `adexmf network run --out` (data model: docs/data-model.md)"
        )


def _cell_masks(ds: xr.Dataset, population: str, t_start: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells of ``population`` and a (cell, time) mask of samples after ``t_start`` that lie
    outside spikes and refractory periods."""
    sel = np.flatnonzero(ds["cell_population"].values == population)
    times = ds["time"].values
    dt = float(ds.attrs["dt_s"])
    t_ref = float(ds.attrs[f"t_ref_{population}_s"])
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


def statistic_unit(name: str) -> str:
    """SI unit of a stationary statistic of :func:`stationary_statistics`.

    Parameters
    ----------
    name : str
        Key such as ``"nu_e"``, ``"sigma_V_exc"``, ``"mu_Gi_inh"``.

    Returns
    -------
    str
        ``"Hz"`` (rates), ``"V"`` (potentials), ``"S"`` (conductances) or ``"A"`` (w).
    """
    units = {"nu": "Hz", "V": "V", "Ge": "S", "Gi": "S", "w": "A"}
    parts = name.split("_")
    if name in ("nu", "nu_e", "nu_i"):
        return "Hz"
    if len(parts) >= 3 and parts[0] in ("mu", "sigma") and parts[1] in units:
        return units[parts[1]]
    raise ParameterError(f"unknown statistic {name!r}; see stationary_statistics")


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
        ``nu_e``, ``nu_i`` (mean rates, Hz), ``nu`` = (1-g) nu_e + g nu_i (Hz,
        :func:`adexmf.params.population_average`), ``sigma_nu_e``, ``sigma_nu_i`` (std of
        the 5 ms-binned rates, Hz) and, for each population ``pop`` with traced cells:
        ``mu_V_pop``, ``sigma_V_pop`` (V; samples in spikes and refractory periods excluded;
        sigma is the mean over cells of each cell's std), ``mu_Ge_pop``, ``sigma_Ge_pop``,
        ``mu_Gi_pop``, ``sigma_Gi_pop`` (S), ``mu_w_pop`` (A). NaN where a quantity cannot
        be computed. Units: :func:`statistic_unit`.
    """
    duration = float(ds.attrs["duration_s"])
    if not 0.0 <= t_start < duration:
        raise InputRangeError(
            f"t_start = {t_start:g} s must lie in [0, {duration:g}) s (the run's duration)"
        )
    after = ds["time"].values >= t_start - 1e-12
    rate = ds["rate"].sel(population=list(POPULATIONS)).values[after].mean(axis=0)
    binned = ds["rate_binned"].sel(time_bin=slice(t_start, None), population=list(POPULATIONS))
    binned_values = binned.values
    g = float(ds.attrs["inhibitory_fraction"])
    has_bins = binned_values.shape[0] > 0
    out: dict[str, float] = {
        "nu_e": float(rate[0]),
        "nu_i": float(rate[1]),
        "nu": float(population_average(rate[0], rate[1], g)),
        "sigma_nu_e": float(binned_values[:, 0].std()) if has_bins else float("nan"),
        "sigma_nu_i": float(binned_values[:, 1].std()) if has_bins else float("nan"),
    }
    if "cell" not in ds.coords:
        return out
    for pop in POPULATIONS:
        sel, mask = _cell_masks(ds, pop, t_start)
        if sel.size == 0:
            continue
        if "V" in ds:
            v = ds["V"].transpose("cell", "time").values[sel]
            means = [v[r][mask[r]].mean() if mask[r].any() else np.nan for r in range(sel.size)]
            stds = [v[r][mask[r]].std() if mask[r].any() else np.nan for r in range(sel.size)]
            out[f"mu_V_{pop}"] = float(np.nanmean(means))
            out[f"sigma_V_{pop}"] = float(np.nanmean(stds))
        for var, short in (("G_e", "Ge"), ("G_i", "Gi"), ("w", "w")):
            if var not in ds:
                continue
            x = ds[var].transpose("cell", "time").values[sel][:, after]
            out[f"mu_{short}_{pop}"] = float(x.mean())
            if var != "w":
                out[f"sigma_{short}_{pop}"] = float(x.std(axis=1).mean())
    return out


#: Prefix of the stationary statistics stored in a Dataset's attrs.
STATIONARY_PREFIX = "stationary_"


def statistics_attrs(statistics: dict[str, float], t_start: float) -> dict[str, float]:
    """Stationary statistics as Dataset attrs, SI with the unit in the name.

    Parameters
    ----------
    statistics : dict of str to float
        Output of :func:`stationary_statistics`.
    t_start : float
        Transient discarded (s).

    Returns
    -------
    dict of str to float
        ``stationary_start_s`` and ``stationary_<name>_<unit>`` for each statistic, e.g.
        ``stationary_nu_e_Hz``, ``stationary_mu_V_exc_V``.
    """
    out = {f"{STATIONARY_PREFIX}start_s": float(t_start)}
    for name, value in statistics.items():
        out[f"{STATIONARY_PREFIX}{name}_{statistic_unit(name)}"] = float(value)
    return out


def statistics_from_attrs(ds: xr.Dataset) -> dict[str, float]:
    """Read back the statistics stored by :func:`statistics_attrs` (names without units).

    Parameters
    ----------
    ds : xarray.Dataset
        A network Dataset with ``stationary_*`` attrs.

    Returns
    -------
    dict of str to float
        Statistic name (as in :func:`stationary_statistics`) to SI value; empty if none.
    """
    out = {}
    for key, value in ds.attrs.items():
        if not key.startswith(STATIONARY_PREFIX) or key == f"{STATIONARY_PREFIX}start_s":
            continue
        name, _, unit = key[len(STATIONARY_PREFIX) :].rpartition("_")
        try:
            known = statistic_unit(name) == unit
        except ParameterError:
            known = False
        if known:
            out[name] = float(value)
    return out


def run_summary(ds: xr.Dataset) -> dict[str, Any]:
    """A JSON-friendly summary of a network run, SI units (what ``adexmf network run`` prints).

    Parameters
    ----------
    ds : xarray.Dataset
        A network Dataset, with stationary statistics in its attrs
        (:func:`adexmf.network.run_stationary`) or without them.

    Returns
    -------
    dict
        ``backend``, ``seed``, ``n_total``, ``duration`` (s), ``drive`` (plateau, Hz),
        ``drive_model``, ``drive_events``, ``stationary_start`` (s, NaN if none), the
        statistics of :func:`stationary_statistics` (SI), every timing of
        ``attrs["timings"]`` (s; ``wall_time_s`` is the whole run seen by the caller, NaN if
        not measured) and ``cpu_s_per_biological_s``.
    """
    protocol = json_attr(ds, "protocol", source="network result")
    timings = {k: float(v) for k, v in json_attr(ds, "timings", source="network result").items()}
    duration = float(ds.attrs["duration_s"])
    cpu = timings.get("simulation_cpu_s", float("nan"))
    return {
        "backend": ds.attrs["backend"],
        "seed": int(ds.attrs["seed"]),
        "n_total": int(ds.attrs["n_exc"]) + int(ds.attrs["n_inh"]),
        "duration": duration,
        "drive": float(protocol["drive_rate_Hz"]),
        "drive_model": protocol["drive_model"],
        "drive_events": protocol["drive_events"],
        "stationary_start": float(ds.attrs.get(f"{STATIONARY_PREFIX}start_s", float("nan"))),
        **statistics_from_attrs(ds),
        "wall_time_s": timings.pop("wall_s", float("nan")),
        **timings,
        "cpu_s_per_biological_s": cpu / duration,
    }
