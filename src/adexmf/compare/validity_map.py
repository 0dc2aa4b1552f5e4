"""Validity map: stationary rates of the network and the mean field over drive x adaptation
(beyond the paper).

Grid: drive 1, 2, 4, 6, 8, 10 Hz x spike-triggered adaptation of the RS cells b = 0, 20,
40, 60 pA (the presets: 20 pA). Each (drive, b, seed) network run is a Dask task; runs last
3 s and statistics start at 1.5 s, because the adaptation current settles with tau_w =
500 ms (after the 500 ms of the paper's Fig. 4 protocol it is still ~1/e from its
stationary value). Per run: mean rates, the irregularity of the excitatory cells (mean CV
of their inter-spike intervals) and the synchrony of the excitatory population (Fano factor
of its spike count in 5 ms bins: 1 for independent Poisson cells). A point is
asynchronous-irregular (AI) when the network is active (nu_e >= 0.1 Hz), irregular
(CV >= :data:`AI_CV_MIN`) and asynchronous (Fano <= :data:`AI_FANO_MAX`).

Mean field: the second-order fixed point of each variant (Fig. 4), continued along the
drive from the paper's 4 Hz state; a variant with the adaptation variable takes each b, the
others have their transfer functions' b (20 pA, baked into the fit) whatever the network's.
The error map is ``100 (nu_mf - nu_net) / nu_net`` per point. The mean field's own
bifurcations of the same branch along drive and b (:mod:`adexmf.meanfield.bifurcations`)
are part of the Dataset (drawn on the map by
:func:`adexmf.figures.fig4_7_comparison.plot_validity`).

Regimes: the regime of every point, for the network and each variant (:mod:`.regimes`).

Where the error comes from: at each point, isolated RS and FS cells (free adaptation) are
also simulated under independent Poisson input at the network's own mean rates
(:func:`isolated_task`). That is exactly what a transfer function describes, so
``isolated_error_percent`` (isolated cells against the network) is the part of the mean
field's error that no transfer-function fit can remove: the network's own effects
(correlations of the inputs, heterogeneous in-degrees).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..meanfield.analysis import MeanFieldModel
from ..meanfield.bifurcations import bifurcation_points
from ..meanfield.fixedpoints import fixed_point, refine_fixed_point
from ..meanfield.variants import get_variant
from ..network import POPULATIONS
from ..network.run_spec import NetworkRun
from ..params import load_preset
from ..singlecell.simulate import simulate_cells
from ..store import file_digest, provenance
from ..sweep import run_tasks
from ..timeseries import REGIMES
from .metrics import largest_ai_error, relative_error_percent, split_scores, within_10_percent
from .protocol import (
    DRIVE,
    Scale,
    check_drive_events,
    check_request,
    get_scale,
    json_values,
    run_network_tasks,
    scale_name,
    simulate_run,
    task_spec,
)
from .regimes import (
    MF_REGIME_DURATION,
    MF_REGIME_START,
    REGIME_KEYS,
    REGIME_STATS_ATTRS,
    mean_field_regimes,
    population_rate,
    regime_grids,
    regime_statistics,
)

#: The grid: drives (Hz) and spike-triggered adaptation b of the RS cells (A).
DRIVES = (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)
B_VALUES = (0.0, 20e-12, 40e-12, 60e-12)
#: Allowed ranges of the grid: drives (Hz) and b (A).
DRIVE_RANGE = (0.5, 20.0)
B_RANGE = (0.0, 200e-12)
#: Network seeds per point and scale.
SEEDS = {"quick": 1, "paper": 3}
#: Run length (s) and start of the statistics (s): W settles with tau_w = 500 ms.
DURATION = 3.0
T_START = 1.5
#: Bin width (s) of the Fano factor of the excitatory spike count.
BIN = 5e-3
#: Asynchronous-irregular: CV of the ISIs at least, Fano factor at most, nu_e at least (Hz).
AI_CV_MIN = 0.5
AI_FANO_MAX = 10.0
ACTIVE_MIN = 0.1
#: The network drive's events per step unless given (the transfer functions' input).
DRIVE_EVENTS = "poisson"
#: The mean field: second order, branch of the state at ANCHOR_DRIVE (Hz), continued in
#: CONTINUATION_STEPS steps to each drive; bifurcations searched over BIFURCATION_DRIVES (Hz)
#: at BIFURCATION_B_POINTS values of b.
ORDER = 2
ANCHOR_DRIVE = DRIVE
CONTINUATION_STEPS = 20
BIFURCATION_DRIVES = (0.5, 20.0)
BIFURCATION_B_POINTS = 13
#: Isolated cells per population and point, their run (s) and the start of their statistics
#: (s), per scale: a standard error on the rate at 3 Hz of ~1 % (paper) or ~2 % (quick); W
#: settles within 3-4 tau_w.
ISOLATED = {"quick": (400, 4.0, 1.5), "paper": (1000, 6.0, 2.0)}
#: Variants of the map unless given.
MAP_VARIANTS = ("reference", "corrected", "adaptation", "adaptation-T")


def spike_statistics(
    spike_time: np.ndarray,
    spike_neuron: np.ndarray,
    n_cells: int,
    t_start: float,
    t_end: float,
    bin_width: float = BIN,
) -> dict[str, float]:
    """Irregularity and synchrony of a population from its spikes (neurons 0..n_cells-1).

    Returns ``cv_isi`` (mean over cells with >= 3 spikes of std/mean of their inter-spike
    intervals; NaN if none), ``fano`` (variance over mean of the population spike count in
    bins of ``bin_width`` s; NaN without spikes) and ``active_fraction`` (cells with a
    spike).
    """
    keep = (spike_time >= t_start) & (spike_time < t_end) & (spike_neuron < n_cells)
    t, i = spike_time[keep], spike_neuron[keep]
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    same = i[1:] == i[:-1]
    isi, owner = np.diff(t)[same], i[1:][same]
    n = np.bincount(owner, minlength=n_cells).astype(float)
    s1 = np.bincount(owner, weights=isi, minlength=n_cells)
    s2 = np.bincount(owner, weights=isi**2, minlength=n_cells)
    ok = n >= 2  # >= 3 spikes
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1[ok] / n[ok]
        var = np.maximum(s2[ok] / n[ok] - mean**2, 0.0) * n[ok] / np.maximum(n[ok] - 1, 1)
        cv = float(np.mean(np.sqrt(var) / mean)) if ok.any() else float("nan")
    n_bins = int(np.floor((t_end - t_start) / bin_width + 1e-9))
    counts = np.bincount(np.minimum(((t - t_start) / bin_width).astype(np.int64), n_bins - 1),
                         minlength=n_bins)  # fmt: skip
    fano = float(counts.var() / counts.mean()) if counts.sum() > 0 else float("nan")
    return {"cv_isi": cv, "fano": fano,
            "active_fraction": float(np.unique(i).size / n_cells)}  # fmt: skip


def network_task(spec: dict[str, Any]) -> xr.Dataset:
    """One (drive, b, seed) run: rates after t_start and the AI statistics (a Dask task;
    ``spec``: a :func:`~adexmf.compare.protocol.task_spec` mapping with ``t_start_s``, the
    start of the statistics, s)."""
    run = NetworkRun.from_mapping(spec)
    ds = simulate_run(run)
    after = ds.time.values >= spec["t_start_s"] - 1e-12
    rate = ds.rate.sel(population=list(POPULATIONS)).values[after].mean(axis=0)
    n_exc = int(ds.attrs["n_exc"])
    stats = spike_statistics(ds.spike_time.values, ds.spike_neuron.values, n_exc,
                             spec["t_start_s"], run.duration)  # fmt: skip
    series = population_rate(ds.spike_time.values, ds.spike_neuron.values, n_exc,
                             spec["t_start_s"], run.duration, spec["regime_bin_s"])  # fmt: skip
    stats.update(regime_statistics(series, 1.0 / spec["regime_bin_s"]))
    return xr.Dataset(
        {"rate": (("population",), rate, {"units": "Hz"}),
         **{k: ((), v) for k, v in stats.items()}},
        coords={"population": list(POPULATIONS)},
        attrs={k: ds.attrs[k] for k in ("seed", "timings") if k in ds.attrs},
    )  # fmt: skip


def network_specs(
    scale: Scale, seeds: Sequence[int], drives, b_values, drive_events: str = "bernoulli",
    preset: Path | None = None,
) -> list[dict[str, Any]]:
    """Task specifications, drive-major then b then seed; the paper's network, or that of
    the preset file ``preset`` (its digest in the task key)."""
    own = {} if preset is None else {"preset": str(preset), "preset_digest": file_digest(preset)}
    return [
        task_spec("validity", NetworkRun(n_total=scale.n_total, drive=d, rs_b=b,
                                         duration=DURATION, seed=s, drive_events=drive_events,
                                         **own),
                  t_start_s=T_START, regime_bin_s=BIN)
        for d in drives
        for b in b_values
        for s in seeds
    ]  # fmt: skip


def isolated_task(spec: dict[str, Any]) -> xr.Dataset:
    """Isolated RS (adaptation b) and FS cells under independent Poisson input at given
    per-synapse rates (a Dask task): their mean rates (Hz), population (exc, inh)."""
    preset = load_preset(spec["preset"])
    n = spec["n_cells"]
    nu_e, nu_i = np.full(n, spec["nu_e_Hz"]), np.full(n, spec["nu_i_Hz"])
    rates = [
        simulate_cells(cell, preset.synapses, nu_e, nu_i, duration=spec["duration_s"],
                       stats_start=spec["t_start_s"], network=preset.network,
                       seed=spec["seed"]).rate.mean()
        for cell in (preset.excitatory.replace(b=spec["rs_b_A"]), preset.inhibitory)
    ]  # fmt: skip
    return xr.Dataset({"rate": (("population",), np.array(rates), {"units": "Hz"})},
                      coords={"population": list(POPULATIONS)})  # fmt: skip


def isolated_specs(
    drives, b_values, network_rate: np.ndarray, scale: str = "paper"
) -> list[dict[str, Any]]:
    """Isolated-cell tasks of each (drive, b), drive-major, at the network's mean rates
    ``network_rate`` (drive, b, population; Hz): excitatory input nu_e + drive; sizes of
    :data:`ISOLATED` (a custom scale gets the paper's)."""
    n_cells, duration, start = ISOLATED.get(scale, ISOLATED["paper"])
    return [
        {
            "protocol": "validity-isolated", "preset": NetworkRun().preset, "rs_b_A": float(b),
            "nu_e_Hz": float(network_rate[i, j, 0] + d), "nu_i_Hz": float(network_rate[i, j, 1]),
            "n_cells": n_cells, "duration_s": duration, "t_start_s": start, "seed": 1,
        }
        for i, d in enumerate(drives)
        for j, b in enumerate(b_values)
    ]  # fmt: skip


def mean_field_branch(variant: str, drives, b_values, n_total: int) -> np.ndarray:
    """Second-order rates (drive, b, population; Hz) on the branch of the 4 Hz state,
    continued along the drive (NaN where it is lost)."""
    return branch_rates(get_variant(variant).model(order=ORDER, n_total=n_total), drives, b_values)


def branch_rates(base: MeanFieldModel, drives, b_values) -> np.ndarray:
    """:func:`mean_field_branch` of a model (each b replaces the model's if it has the
    adaptation variable)."""
    out = np.full((len(drives), len(b_values), 2), np.nan)
    order = np.argsort(np.abs(np.asarray(drives) - ANCHOR_DRIVE), kind="stable")
    for j, b in enumerate(b_values):
        model = base.replace(b=float(b)) if base.adaptation else base
        anchor = fixed_point(model, ANCHOR_DRIVE)
        known: dict[float, Any] = {}
        for i in order:
            d = float(drives[i])
            nearest = min(known, key=lambda x: abs(x - d)) if known else None
            start = anchor if nearest is None else known[nearest]
            fp = _walk(model, start, d)
            if fp is not None:
                known[d] = fp
                out[i, j] = (fp.state["nu_e"], fp.state["nu_i"])
    return out


def _walk(model, start, drive: float, steps: int = CONTINUATION_STEPS):
    """Continue ``start`` to ``drive`` in small steps of Newton iterations (None if lost or
    unstable at the end)."""
    fp = start
    for d in np.linspace(start.drive, drive, steps + 1)[1:]:
        fp = refine_fixed_point(model, fp.vector, float(d))
        if fp is None:
            return None
    return fp if fp.stable else None


def validity_map(
    variants: Sequence[str] = MAP_VARIANTS,
    *,
    scale: str | Scale = "quick",
    seeds: int | None = None,
    network: bool = True,
    out: str | Path = "adexmf-results/compare",
    scheduler: str | None = None,
    progress: bool = False,
    drives: Sequence[float] = DRIVES,
    b_values: Sequence[float] = B_VALUES,
    drive_events: str = DRIVE_EVENTS,
) -> xr.Dataset:
    """The validity map as one Dataset.

    Parameters
    ----------
    variants, scale, seeds, network, out, scheduler, progress
        As :func:`adexmf.compare.stationary.stationary_comparison` (default seeds: 1 quick,
        3 paper).
    drives : sequence of float
        Drive levels (Hz), 0.5-20.
    b_values : sequence of float
        Spike-triggered adaptation of the RS cells (A), 0-200 pA.
    drive_events : {"poisson", "bernoulli"}
        The network drive's events per step. Poisson by default: the authors' Bernoulli
        draw (at most one event per step, probability dt K_e nu) cuts the drive's variance
        by 1 - dt K_e nu, 0.6 at 10 Hz with dt = 0.1 ms, and lowers the network's nu_e by
        ~12 % there; it converges to the Poisson drive as dt -> 0, and the transfer
        functions are fitted on Poisson input (docs/paper-vs-code.md).

    Returns
    -------
    xarray.Dataset
        ``mf_rate`` (variant, drive, b, population; Hz); with the network ``network_rate``
        (seed, drive, b, population), ``network_rate_mean``, ``cv_isi``, ``fano`` (drive,
        b; mean over seeds), ``ai`` (drive, b; 1 where AI), ``error_percent`` (variant,
        drive, b, population), ``isolated_rate`` and ``isolated_error_percent`` (drive, b,
        population: isolated cells at the network's rates, :func:`isolated_task`).
        ``bifurcation_drive`` / ``bifurcation_b`` /
        ``bifurcation_kind`` (variant, point): the mean field's folds and Hopf points.
    """
    name = scale_name(scale)
    if seeds is None and name in SEEDS:
        seeds = SEEDS[name]
    variants, sc, n_seeds = check_request(variants, get_scale(scale), seeds)
    check_drive_events(drive_events)
    d, b = check_grid(drives, b_values)
    mf = np.stack([mean_field_branch(v, d, b, sc.n_total) for v in variants])
    regimes = np.stack([mean_field_regimes(v, d, b, sc.n_total, ORDER, ANCHOR_DRIVE)
                        for v in variants])  # fmt: skip
    dbp = ("drive", "b", "population")
    data: dict[str, Any] = {"mf_rate": (("variant", *dbp), mf, {"units": "Hz"}),
                            "mf_regime_stats": (("variant", "drive", "b", "regime_stat"),
                                                regimes, REGIME_STATS_ATTRS)}  # fmt: skip
    data.update(_bifurcation_variables(variants, b, sc.n_total))
    data["calibration_point"] = (("variant", "drive", "b"), np.stack(
        [calibration_mask(v, d, b) for v in variants]).astype(np.int8),
        {"long_name": "1 where the variant was calibrated on the network"})  # fmt: skip
    coords: dict[str, Any] = {
        "variant": variants, "drive": ("drive", d, {"units": "Hz"}),
        "b": ("b", b, {"units": "A", "long_name": "spike-triggered adaptation of RS cells"}),
        "population": list(POPULATIONS), "regime_stat": list(REGIME_KEYS),
    }  # fmt: skip
    if network:
        seed_list = list(range(1, n_seeds + 1))
        coords["seed"] = seed_list
        specs = network_specs(sc, seed_list, d, b, drive_events)
        runs = run_network_tasks(network_task, specs, out, scheduler, progress)
        data.update(network_grid(runs, d.size, b.size, n_seeds))
        mean = data["network_rate_mean"][1]
        data["error_percent"] = (("variant", *dbp), relative_error_percent(mf, mean),
                                 {"units": "%"})  # fmt: skip
        cells = run_tasks(isolated_task, isolated_specs(d, b, mean, name),
                          Path(out) / "tasks", scheduler=scheduler, progress=progress)  # fmt: skip
        isolated = np.array([c.rate.values for c in cells]).reshape(d.size, b.size, 2)
        data["isolated_rate"] = (dbp, isolated, {"units": "Hz", "long_name": "isolated cells"})
        data["isolated_error_percent"] = (dbp, relative_error_percent(isolated, mean),
                                          {"units": "%"})  # fmt: skip
    return xr.Dataset(data, coords=coords, attrs=_attrs(name, sc, network, drive_events))


def _attrs(name: str, sc: Scale, network: bool, drive_events: str) -> dict[str, Any]:
    """The map's settings and provenance, for its Dataset's attributes."""
    return {**provenance(), "protocol": "validity map (drive x b)", "scale": name,
            "n_total": sc.n_total, "duration_s": DURATION, "stationary_start_s": T_START,
            "order": ORDER, "network": int(network), "ai_cv_min": AI_CV_MIN,
            "ai_fano_max": AI_FANO_MAX, "active_min_Hz": ACTIVE_MIN,
            "drive_events": drive_events, "regimes": " ".join(REGIMES),
            "regime_bin_s": BIN, "mf_regime_duration_s": MF_REGIME_DURATION,
            "mf_regime_start_s": MF_REGIME_START}  # fmt: skip


def check_grid(drives: Sequence[float], b_values: Sequence[float], drive_range=DRIVE_RANGE,
               b_range=B_RANGE) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Drives (Hz) and b values (A) as arrays, checked against their ranges."""
    d = np.asarray(drives, dtype=float)
    b = np.asarray(b_values, dtype=float)
    if d.ndim != 1 or d.size == 0 or np.any((d < drive_range[0]) | (d > drive_range[1])):
        raise ParameterError(f"drives = {drives!r}; allowed: rates in [{drive_range[0]:g}, "
                             f"{drive_range[1]:g}] Hz")  # fmt: skip
    if b.ndim != 1 or b.size == 0 or np.any((b < b_range[0]) | (b > b_range[1])):
        raise ParameterError(f"b_values = {b_values!r}; allowed: currents in "
                             f"[{b_range[0] * 1e12:g}, {b_range[1] * 1e12:g}] pA")  # fmt: skip
    return d, b


def network_grid(runs: Sequence[xr.Dataset], n_drives: int, n_b: int, n_seeds: int
                 ) -> dict[str, Any]:  # fmt: skip
    """The network's rates, AI statistics and regimes on the grid (Dataset variables) from
    :func:`network_task` results, drive-major, then b, then seed."""
    shape = (n_drives, n_b, n_seeds)

    def grid(key):
        return np.array([r[key].values for r in runs]).reshape(*shape, *runs[0][key].shape)

    rate = np.moveaxis(grid("rate"), 2, 0)  # seed, drive, b, population
    mean = rate.mean(0)
    cv, fano = np.nanmean(grid("cv_isi"), 2), np.nanmean(grid("fano"), 2)
    ai = (mean[..., 0] >= ACTIVE_MIN) & (cv >= AI_CV_MIN) & (fano <= AI_FANO_MAX)
    dbp = ("drive", "b", "population")
    stats = np.stack([grid(k) for k in REGIME_KEYS], axis=-1)  # drive, b, seed, stat
    return {
        "network_regime_stats": (("seed", "drive", "b", "regime_stat"),
                                 np.moveaxis(stats, 2, 0), REGIME_STATS_ATTRS),
        "network_rate": (("seed", *dbp), rate, {"units": "Hz"}),
        "network_rate_mean": (dbp, mean, {"units": "Hz"}),
        "network_rate_std": (dbp, rate.std(0, ddof=1) if n_seeds > 1
                             else np.zeros_like(mean), {"units": "Hz"}),
        "cv_isi": (("drive", "b"), cv, {"long_name": "mean CV of exc ISIs"}),
        "fano": (("drive", "b"), fano, {"long_name": "Fano factor, exc count, 5 ms"}),
        "ai": (("drive", "b"), ai.astype(np.int8), {"long_name": "asynchronous irregular"}),
    }  # fmt: skip


def _bifurcation_variables(variants, b_values, n_total) -> dict[str, Any]:
    """The folds and Hopf points of each variant's active branch, for b on a fine grid
    spanning ``b_values`` (a variant without adaptation has one b: its own)."""
    fine = np.linspace(float(np.min(b_values)), float(np.max(b_values)), BIFURCATION_B_POINTS)
    rows = []
    for v in variants:
        base = get_variant(v).model(order=ORDER, n_total=n_total)
        found = []
        for b in fine if base.adaptation else [base.b]:
            model = base.replace(b=float(b)) if base.adaptation else base
            points = bifurcation_points(model, *BIFURCATION_DRIVES)
            found += [(p.drive, float(b), p.kind) for p in points]
        rows.append(found)
    n = max(1, max(len(r) for r in rows))
    drive = np.full((len(variants), n), np.nan)
    bval = np.full((len(variants), n), np.nan)
    kind = np.full((len(variants), n), "", dtype=object)
    for k, r in enumerate(rows):
        for m, (dd, bb, kk) in enumerate(r):
            drive[k, m], bval[k, m], kind[k, m] = dd, bb, kk
    vp = ("variant", "bifurcation")
    return {"bifurcation_drive": (vp, drive, {"units": "Hz"}),
            "bifurcation_b": (vp, bval, {"units": "A"}),
            "bifurcation_kind": (vp, kind.astype(str), {"long_name": "fold or hopf"})}  # fmt: skip


def validity_summary(ds: xr.Dataset) -> dict[str, Any]:
    """JSON-friendly summary (SI units; grids as nested lists, ``grid[drive][b]``):
    ``drive_Hz``, ``b_A``; ``network.nu_e``, ``network.nu_i``, ``network.ai``, ``network.cv_isi``,
    ``network.fano``; per variant ``mf[NAME].nu_e``, ``.nu_i``, the error grids
    ``error_nu_e_percent`` / ``error_nu_i_percent``, their largest magnitude over the AI
    points and the share of AI points where both errors are within 10 %, and the
    bifurcations found; the regimes of the network and of each variant
    (:func:`regime_grids`: ``regime``, ``oscillation_frequency_Hz``, ``up_rate_Hz``,
    ``duty_cycle``); for a variant calibrated on the network, ``split`` (:func:`_split_entry`)."""
    out: dict[str, Any] = {"drive_Hz": ds.drive.values.tolist(), "b_A": ds.b.values.tolist(),
                           "scale": ds.attrs["scale"],
                           "drive_events": ds.attrs.get("drive_events", "bernoulli")}  # fmt: skip
    ai = ds.ai.values.astype(bool) if "ai" in ds else None
    if "network_rate_mean" in ds:
        rate = ds.network_rate_mean
        out["network"] = {
            "nu_e": json_values(rate.sel(population="exc").values),
            "nu_i": json_values(rate.sel(population="inh").values),
            "ai": ds.ai.values.tolist(), "cv_isi": json_values(ds.cv_isi.values),
            "fano": json_values(ds.fano.values), "seeds": [int(s) for s in ds.seed.values],
        }  # fmt: skip
        if "network_regime_stats" in ds:
            out["network"].update(regime_grids(ds.network_regime_stats.values))
    if "isolated_rate" in ds:
        err = ds.isolated_error_percent
        ee, ei = err.sel(population="exc").values, err.sel(population="inh").values
        out["isolated"] = {
            "nu_e": json_values(ds.isolated_rate.sel(population="exc").values),
            "nu_i": json_values(ds.isolated_rate.sel(population="inh").values),
            "error_nu_e_percent": json_values(ee), "error_nu_i_percent": json_values(ei),
        }  # fmt: skip
        if ai is not None and ai.any():
            out["isolated"]["max_abs_error_ai_percent"] = largest_ai_error(ee, ei, ai)
    mf: dict[str, Any] = {}
    for k, v in enumerate(ds.variant.values):
        entry: dict[str, Any] = {
            "nu_e": json_values(ds.mf_rate.sel(variant=v, population="exc").values),
            "nu_i": json_values(ds.mf_rate.sel(variant=v, population="inh").values),
            "bifurcations": [
                {"kind": str(kind), "drive_Hz": float(d), "b_A": float(b)}
                for kind, d, b in zip(ds.bifurcation_kind.values[k], ds.bifurcation_drive.values[k],
                                      ds.bifurcation_b.values[k], strict=True)
                if str(kind)
            ],
        }  # fmt: skip
        if "mf_regime_stats" in ds:
            entry.update(regime_grids(ds.mf_regime_stats.values[k][None]))
        if "error_percent" in ds:
            err = ds.error_percent.sel(variant=v)
            ee, ei = err.sel(population="exc").values, err.sel(population="inh").values
            entry["error_nu_e_percent"] = json_values(ee)
            entry["error_nu_i_percent"] = json_values(ei)
            if ai is not None and ai.any():
                entry["max_abs_error_ai_percent"] = largest_ai_error(ee, ei, ai)
                entry["within_10_percent_ai_fraction"] = within_10_percent(ee, ei, ai)
                entry.update(_split_entry(k, ds, ai))
        mf[str(v)] = entry
    out["mf"] = mf
    return out


def calibration_mask(variant: str, drives, b_values) -> np.ndarray:
    """Boolean (drive, b) grid of the points a calibrated variant was calibrated on."""
    drive, b = np.meshgrid(drives, b_values, indexing="ij")
    used = np.zeros(drive.shape, dtype=bool)
    for d, bb in get_variant(variant).calibrated_on:
        used |= np.isclose(drive, d) & np.isclose(b, bb, rtol=0.0, atol=1e-15)
    return used


def _split_entry(k: int, ds: xr.Dataset, ai: np.ndarray) -> dict[str, Any]:
    """``split`` of the k-th variant if it was calibrated on points of the map
    (:func:`~adexmf.compare.metrics.split_scores`); nothing otherwise."""
    if "calibration_point" not in ds or not ds.calibration_point.values[k].any():
        return {}
    error = ds.error_percent.isel(variant=k).transpose("drive", "b", "population").values
    return {"split": split_scores(error, ai, ds.calibration_point.values[k].astype(bool))}
