"""Network results as xarray Datasets: one layout whatever the simulator (SPEC 2.3).

Every engine hands back a :class:`~adexmf.engines.recording.RawRecording` (spike times and
indices per population, traces of sample cells on the grid ``t_k = k dt``);
:func:`dataset_from_recording` (:func:`make_dataset`) turns it into one Dataset layout, so that
all analysis (:mod:`adexmf.network.analysis`) is written once.

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
from typing import Any

import numpy as np
import xarray as xr

from ..engines.recording import RawRecording
from ..errors import ParameterError
from ..store import provenance
from .model import POPULATIONS, TRACE_UNITS, NetworkModel

#: Width of the bins of population rates (s), SPEC 2.3.
RATE_BIN = 5e-3


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


def dataset_from_recording(
    model: NetworkModel, duration: float, raw: RawRecording, *, seed: int
) -> xr.Dataset:
    """The Dataset of an engine's recording (:func:`make_dataset` with what the engine says).

    Parameters
    ----------
    model : NetworkModel
        The network given to the engine.
    duration : float
        Run duration (s).
    raw : RawRecording
        The engine's recording: its ``backend`` label, and the description, external rates
        and drive as simulated where the engine changed them.
    seed : int
        Seed of the run.

    Returns
    -------
    xarray.Dataset
        See :func:`make_dataset`.
    """
    return make_dataset(
        model if raw.simulated is None else raw.simulated,
        duration,
        raw,
        seed=seed,
        backend=raw.backend,
        external_rates=raw.external_rates,
        drive=raw.drive,
    )


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
    n_steps = model.n_steps(duration)
    if external_rates is None:
        external_rates = model.external_rates(duration)
    if drive is None:
        drive = model.drive_rates(duration)
    rates, spike_time, spike_neuron = _spikes(model, raw, n_steps)
    ds = _rate_dataset(model.dt, rates, spike_time, spike_neuron, drive, external_rates)
    ds = _add_traces(ds, model, raw, n_steps)
    ds.attrs.update(_run_attrs(model, duration, raw, seed=seed, backend=backend))
    return ds


def _spikes(
    model: NetworkModel, raw: RawRecording, n_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population rates per step (Hz, (n_steps, 2)) and the spikes on the grid, sorted by
    time then global neuron index (s, global index: excitatory cells first)."""
    dt = model.dt
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
    return rates, spike_time[order], spike_neuron[order]


def _rate_dataset(
    dt: float,
    rates: np.ndarray,
    spike_time: np.ndarray,
    spike_neuron: np.ndarray,
    drive: np.ndarray,
    external_rates: dict[str, np.ndarray],
) -> xr.Dataset:
    """Rates (per step and binned), inputs and spikes of a run, with their coordinates."""
    n_steps = rates.shape[0]
    steps_per_bin = int(round(RATE_BIN / dt))
    binned = bin_rates(rates, dt, axis=0)
    bin_centres = (np.arange(binned.shape[0]) + 0.5) * steps_per_bin * dt
    return xr.Dataset(
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
            "spike_time": ("spike", spike_time, {"units": "s", "long_name": "spike time"}),
            "spike_neuron": (
                "spike",
                spike_neuron,
                {"units": "1", "long_name": "global neuron index (excitatory first)"},
            ),
        },
        coords={
            "time": ("time", np.arange(n_steps) * dt, {"units": "s", "long_name": "time"}),
            "time_bin": (
                "time_bin",
                bin_centres,
                {"units": "s", "long_name": "bin centre", "bin_width_s": RATE_BIN},
            ),
            "population": ("population", list(POPULATIONS), {"long_name": "population"}),
        },
    )


def _add_traces(ds: xr.Dataset, model: NetworkModel, raw: RawRecording, n_steps: int) -> xr.Dataset:
    """Add the traced cells' coordinates and traces ``V(time, cell)``... (if any)."""
    traced = model.recorders.traced
    offsets = {"exc": 0, "inh": model.excitatory.size}
    cells = [(p, i, offsets[p] + i) for p in POPULATIONS for i in traced[p]]
    if not (cells and raw.traces):
        return ds
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
    return ds


def _run_attrs(
    model: NetworkModel, duration: float, raw: RawRecording, *, seed: int, backend: str
) -> dict[str, Any]:
    """Attrs of a run: sizes, grid, JSON protocol, parameters, backend details, timings."""
    protocol = {
        "duration_s": duration,
        "dt_s": model.dt,
        "drive_rate_Hz": model.drive.rate,
        "drive_ramp_s": model.drive.ramp,
        "drive_model": model.drive.model,
        "drive_events": model.drive.events,
        "afferent_population": "" if model.afferent is None else model.afferent.population,
    }
    return {
        "title": "spiking RS-FS network (Zerlaut et al. 2018, SPEC 2.3)",
        "backend": backend,
        "seed": int(seed),
        "n_exc": model.excitatory.size,
        "n_inh": model.inhibitory.size,
        "inhibitory_fraction": model.inhibitory_fraction,
        "t_ref_exc_s": model.excitatory.cell.t_ref,
        "t_ref_inh_s": model.inhibitory.cell.t_ref,
        "dt_s": model.dt,
        "duration_s": duration,
        "protocol": _json_attr(protocol),
        "parameters": _json_attr(model.parameters()),
        "backend_info": _json_attr(raw.info),
        "timings": _json_attr(raw.timings),
        **provenance(),
    }


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
            "simulate it again with this version (data model: docs/data-model.md)"
        )
