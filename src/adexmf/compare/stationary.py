"""Stationary state: the mean field against the spiking network (SPEC 7 row 4, Fig. 4).

Protocol: the network under a constant drive (ramp 0 -> drive in 100 ms), statistics after
500 ms: mean rates, the distribution of 5 ms-binned population rates, and the mean and std
of V, G_e, G_i in traced cells (SPEC 2.3). Each seed is one task on Dask
(:func:`adexmf.sweep.run_tasks`), stored as it finishes. The mean field's prediction is the
second-order fixed point of each variant (rates nu*, covariances c*: binned rates ~
N(nu*, sqrt(c*))) with the membrane and conductance statistics of SPEC 5.4 at it. The
finite-size term of the covariances uses the simulated network's size (in-degrees kept), so
a scaled-down network is compared with the mean field of its own size.

Scales: both run the 10,000-neuron network of SPEC 2.3 for 1.5 s (a scaled-down network with
the in-degrees kept is not a faithful proxy: 2,000 neurons with K_e = 400 settle at
nu_e = 1.37 Hz against 1.70 Hz for 10,000, shared input being five times denser); ``quick``
runs 2 seeds with 20 traced cells per population, ``paper`` 5 seeds with 50.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..layouts import S_C_EE, S_C_II, S_NU_E, S_NU_I, S_W
from ..meanfield import population_observables
from ..meanfield.variants import get_variant
from ..network import POPULATIONS, STATIONARY_START, run_stationary, statistics_from_attrs
from ..network.run_spec import NetworkRun
from ..store import provenance
from .metrics import relative_error_percent
from .protocol import (
    DEFAULT_VARIANTS,
    DRIVE,
    Scale,
    check_drive_events,
    check_request,
    run_network_tasks,
    scale_name,
    task_spec,
)

#: Cell statistics compared (name in the network statistics and the mean-field observables).
CELL_STATISTICS = ("mu_V", "sigma_V", "mu_Ge", "sigma_Ge", "mu_Gi", "sigma_Gi")
_UNITS = {"mu_V": "V", "sigma_V": "V", "mu_Ge": "S", "sigma_Ge": "S", "mu_Gi": "S",
          "sigma_Gi": "S"}  # fmt: skip


#: Transient left out of the statistics (s), SPEC 2.3.
T_START = STATIONARY_START


def network_task(spec: dict[str, Any]) -> xr.Dataset:
    """One seed of the stationary protocol: the binned rates after the transient and the
    stationary statistics (a task of :func:`adexmf.sweep.run_tasks`; spikes are dropped).

    ``spec``: a :func:`~adexmf.compare.protocol.task_spec` mapping of a
    :class:`~adexmf.network.run_spec.NetworkRun` with ``t_start_s``, the start of the
    statistics (s).
    """
    run = NetworkRun.from_mapping(spec)
    ds = run_stationary(run.network_model(), run.duration, run.seed, t_start=spec["t_start_s"],
                        backend=run.backend)  # fmt: skip
    binned = ds["rate_binned"].sel(time_bin=slice(spec["t_start_s"], None))
    keep = {k: v for k, v in ds.attrs.items() if k.startswith("stationary_")}
    keep.update({k: ds.attrs[k] for k in ("seed", "timings", "backend") if k in ds.attrs})
    return xr.Dataset({"rate_binned": binned}, attrs=keep)


def network_specs(
    scale: Scale, seeds: Sequence[int], drive: float, drive_events: str = "bernoulli"
) -> list[dict[str, Any]]:
    """Task specifications of the network runs (everything that determines a result)."""
    return [
        task_spec("stationary", NetworkRun(n_total=scale.n_total, drive=drive,
                                           duration=scale.duration,
                                           traced_cells=scale.traced_cells, seed=s,
                                           drive_events=drive_events),
                  t_start_s=T_START)
        for s in seeds
    ]  # fmt: skip


def mean_field_prediction(variant: str, drive: float, n_total: int) -> dict[str, np.ndarray]:
    """Second-order fixed point of a variant and its observables (SI units).

    Returns
    -------
    dict
        ``nu`` and ``rate_std`` = sqrt(c) (Hz), and each of :data:`CELL_STATISTICS`, as arrays
        over (exc, inh).
    """
    model = get_variant(variant).model(order=2, n_total=n_total)
    fp = model.fixed_point(drive)
    y = fp.vector
    obs = population_observables(model, y[S_NU_E], y[S_NU_I], drive, 0.0, y[S_W])
    out = {
        "nu": np.array([y[S_NU_E], y[S_NU_I]]),
        "rate_std": np.sqrt(np.maximum([y[S_C_EE], y[S_C_II]], 0.0)),
    }
    out.update({k: np.asarray(obs[k], dtype=float) for k in CELL_STATISTICS})
    return out


def stationary_comparison(
    variants: Sequence[str] = DEFAULT_VARIANTS,
    *,
    scale: str | Scale = "quick",
    seeds: int | None = None,
    drive: float = DRIVE,
    network: bool = True,
    out: str | Path = "adexmf-results/compare",
    scheduler: str | None = None,
    progress: bool = False,
    drive_events: str = "bernoulli",
) -> xr.Dataset:
    """The stationary comparison of SPEC 7 row 4 as one Dataset.

    Parameters
    ----------
    variants : sequence of str
        Mean-field variants (:data:`adexmf.meanfield.variants.VARIANTS`).
    scale : {"quick", "paper"} or Scale
        Network size, duration and seeds (:data:`adexmf.compare.protocol.SCALES`).
    seeds : int, optional
        Number of network seeds (default: the scale's).
    drive : float
        Drive (Hz) per synapse.
    network : bool
        Run the network (False: the mean-field predictions alone, in seconds).
    out : str or Path
        Folder; network runs are stored in ``out/tasks``.
    scheduler : str, optional
        Dask scheduler address (default: a LocalCluster).
    progress : bool
        Show a progress bar over the network runs.
    drive_events : {"bernoulli", "poisson"}
        The network drive's events per step
        (:attr:`adexmf.network.run_spec.NetworkRun.drive_events`): the authors' Bernoulli
        (the paper's Fig. 4) or Poisson.

    Returns
    -------
    xarray.Dataset
        Mean field: ``mf_rate``, ``mf_rate_std`` (variant, population; Hz) and
        ``mf_<statistic>``; network (with ``network=True``): ``network_rate``,
        ``network_rate_std`` (seed, population; Hz), ``network_<statistic>``,
        ``network_rate_binned`` (seed, time_bin, population; Hz), and the metrics
        ``error_rate_percent``, ``rate_std_ratio`` (network std / sqrt(c)) and
        ``error_<statistic>_percent`` (variant, population).
    """
    variants, sc, n_seeds = check_request(variants, scale, seeds)
    check_drive_events(drive_events)
    data = _mean_field_variables(variants, drive, sc.n_total)
    coords: dict[str, Any] = {"variant": list(variants), "population": list(POPULATIONS)}
    if network:
        specs = network_specs(sc, range(1, n_seeds + 1), drive, drive_events)
        runs = run_network_tasks(network_task, specs, out, scheduler, progress)
        data.update(_network_variables(runs))
        coords["seed"] = [int(r.attrs["seed"]) for r in runs]
        coords["time_bin"] = runs[0].time_bin.values
        data.update(_error_variables(data))
    return xr.Dataset(
        data,
        coords=coords,
        attrs={
            **provenance(), "protocol": "stationary (SPEC 7 row 4)", "scale": scale_name(scale),
            "n_total": sc.n_total, "duration_s": sc.duration, "stationary_start_s": T_START,
            "drive_Hz": float(drive), "network": int(network), "drive_events": drive_events,
        },
    )  # fmt: skip


def _mean_field_variables(variants: Sequence[str], drive: float, n_total: int) -> dict[str, Any]:
    """``mf_rate``, ``mf_rate_std`` and ``mf_<statistic>`` (variant, population) of the
    variants' second-order fixed points at ``drive`` (Hz)."""
    pred = [mean_field_prediction(v, drive, n_total) for v in variants]
    vp = ("variant", "population")
    data: dict[str, Any] = {
        "mf_rate": (vp, np.stack([p["nu"] for p in pred]), {"units": "Hz"}),
        "mf_rate_std": (vp, np.stack([p["rate_std"] for p in pred]),
                        {"units": "Hz", "long_name": "sqrt(c) of the second-order fixed point"}),
    }  # fmt: skip
    for k in CELL_STATISTICS:
        data[f"mf_{k}"] = (vp, np.stack([p[k] for p in pred]), {"units": _UNITS[k]})
    return data


def _error_variables(data: dict[str, Any]) -> dict[str, Any]:
    """The mean field's errors against the network's means over seeds (variant, population):
    ``error_rate_percent``, ``rate_std_ratio`` and ``error_<statistic>_percent``."""
    vp = ("variant", "population")
    net_rate = data["network_rate"][1].mean(axis=0)
    net_std = data["network_rate_std"][1].mean(axis=0)
    out: dict[str, Any] = {
        "error_rate_percent": (vp, relative_error_percent(data["mf_rate"][1], net_rate),
                               {"units": "%"}),
        "rate_std_ratio": (vp, net_std / data["mf_rate_std"][1],
                           {"units": "1", "long_name": "network binned-rate std / sqrt(c)"}),
    }  # fmt: skip
    for k in CELL_STATISTICS:
        reference = np.nanmean(data[f"network_{k}"][1], axis=0)
        out[f"error_{k}_percent"] = (
            vp, relative_error_percent(data[f"mf_{k}"][1], reference), {"units": "%"},
        )  # fmt: skip
    return out


def _network_variables(runs: Sequence[xr.Dataset]) -> dict[str, Any]:
    """The network's statistics per seed (seed, population) and binned rates."""
    stats = [statistics_from_attrs(r) for r in runs]
    sp = ("seed", "population")

    def per_pop(name: str) -> np.ndarray:
        return np.array([[s.get(f"{name}_{p}", np.nan) for p in POPULATIONS] for s in stats])

    n_bins = min(r.sizes["time_bin"] for r in runs)
    binned = np.stack(
        [r["rate_binned"].transpose("time_bin", "population").values[:n_bins] for r in runs]
    )
    out: dict[str, Any] = {
        "network_rate": (sp, np.array([[s["nu_e"], s["nu_i"]] for s in stats]), {"units": "Hz"}),
        "network_rate_std": (sp, np.array([[s["sigma_nu_e"], s["sigma_nu_i"]] for s in stats]),
                             {"units": "Hz", "long_name": "std of 5 ms-binned rates"}),
        "network_rate_binned": (("seed", "time_bin", "population"), binned, {"units": "Hz"}),
    }  # fmt: skip
    for k in CELL_STATISTICS:
        out[f"network_{k}"] = (sp, per_pop(k), {"units": _UNITS[k]})
    return out


def stationary_summary(ds: xr.Dataset) -> dict[str, Any]:
    """JSON-friendly summary (SI units) of :func:`stationary_comparison`.

    Keys: ``network.nu_e``, ``network.nu_i`` (means over seeds), ``network.nu_e_std`` (std
    over seeds) when the network ran, and per variant ``mf[NAME].nu_e``, ``mf[NAME].nu_i``,
    ``mf[NAME].error_nu_e_percent``, ``mf[NAME].error_nu_i_percent``.
    """
    out: dict[str, Any] = {"drive_Hz": float(ds.attrs["drive_Hz"]), "scale": ds.attrs["scale"],
                           "drive_events": ds.attrs.get("drive_events", "bernoulli")}  # fmt: skip
    if "network_rate" in ds:
        rate = ds.network_rate
        out["network"] = {
            "nu_e": float(rate.sel(population="exc").mean()),
            "nu_i": float(rate.sel(population="inh").mean()),
            "nu_e_std": float(rate.sel(population="exc").std()),
            "nu_i_std": float(rate.sel(population="inh").std()),
            "seeds": [int(s) for s in ds.seed.values],
        }
    out["mf"] = {}
    for v in ds.variant.values:
        entry = {
            "nu_e": float(ds.mf_rate.sel(variant=v, population="exc")),
            "nu_i": float(ds.mf_rate.sel(variant=v, population="inh")),
        }
        if "error_rate_percent" in ds:
            err = ds.error_rate_percent.sel(variant=v)
            entry["error_nu_e_percent"] = float(err.sel(population="exc"))
            entry["error_nu_i_percent"] = float(err.sel(population="inh"))
        out["mf"][str(v)] = entry
    return out
