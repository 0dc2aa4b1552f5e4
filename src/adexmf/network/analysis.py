"""Stationary statistics of network runs and their summaries (SPEC 2.3).

Everything here reads the one Dataset layout of :func:`adexmf.network.dataset.make_dataset`,
whatever the simulator: rates and their fluctuations after a transient, membrane and
conductance statistics of the traced cells, their storage in a Dataset's attrs (SI, unit in
the name) and the summary of a run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputRangeError, ParameterError
from ..netcdf import json_attr
from ..params import population_average
from .model import POPULATIONS

#: Transient discarded by the stationary statistics (s), SPEC 2.3.
STATIONARY_START = 0.5


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
        Result of a network run (:func:`~adexmf.network.dataset.make_dataset`).
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
