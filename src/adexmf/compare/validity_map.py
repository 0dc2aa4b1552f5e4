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
are drawn on the map.

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
from ..meanfield.bifurcations import bifurcation_points
from ..meanfield.fixedpoints import fixed_point, refine_fixed_point
from ..store import provenance
from .metrics import relative_error_percent
from .protocol import (
    Scale,
    check_drive_events,
    check_request,
    get_scale,
    json_values,
    run_network_tasks,
    with_drive_events,
)
from .stationary import POPULATIONS
from .variants import get_variant

DRIVES = (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)
B_VALUES = (0.0, 20e-12, 40e-12, 60e-12)
SEEDS = {"quick": 1, "paper": 3}
DURATION = 3.0
T_START = 1.5
BIN = 5e-3
AI_CV_MIN = 0.5
AI_FANO_MAX = 10.0
ACTIVE_MIN = 0.1
#: Isolated cells per population and point, their run (s) and the start of their statistics
#: (s), per scale: a standard error on the rate at 3 Hz of ~1 % (paper) or ~2 % (quick); W
#: settles within 3-4 tau_w.
ISOLATED = {"quick": (400, 4.0, 1.5), "paper": (1000, 6.0, 2.0)}


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
    """One (drive, b, seed) run: rates after t_start and the AI statistics (a Dask task)."""
    from ..network import NetworkModel, simulate
    from ..params import load_preset

    preset = load_preset(spec["preset"])
    rs = preset.excitatory.replace(b=spec["rs_b_A"])
    preset = preset.replace(cells={**preset.cells, rs.name: rs})
    model = NetworkModel.from_preset(
        preset, n_total=spec["n_total"], keep_in_degrees=True, drive_rate=spec["drive_Hz"],
        ramp=spec["ramp_s"], dt=spec["dt_s"], traced_cells=0,
        drive_events=spec.get("drive_events", "bernoulli"),
    )  # fmt: skip
    ds = simulate(model, spec["duration_s"], spec["seed"])
    after = ds.time.values >= spec["t_start_s"] - 1e-12
    rate = ds.rate.sel(population=list(POPULATIONS)).values[after].mean(axis=0)
    n_exc = model.excitatory.size
    stats = spike_statistics(ds.spike_time.values, ds.spike_neuron.values, n_exc,
                             spec["t_start_s"], spec["duration_s"])  # fmt: skip
    return xr.Dataset(
        {"rate": (("population",), rate, {"units": "Hz"}),
         **{k: ((), v) for k, v in stats.items()}},
        coords={"population": list(POPULATIONS)},
        attrs={k: ds.attrs[k] for k in ("seed", "timings") if k in ds.attrs},
    )  # fmt: skip


def network_specs(scale: Scale, seeds: Sequence[int], drives, b_values) -> list[dict[str, Any]]:
    """Task specifications, drive-major then b then seed."""
    return [
        {
            "protocol": "validity", "preset": "zerlaut2018", "n_total": scale.n_total,
            "keep_in_degrees": True, "drive_Hz": float(d), "rs_b_A": float(b), "ramp_s": 0.1,
            "dt_s": 1e-4, "duration_s": DURATION, "t_start_s": T_START, "seed": int(s),
            "backend": "brian2",
        }
        for d in drives
        for b in b_values
        for s in seeds
    ]  # fmt: skip


def isolated_task(spec: dict[str, Any]) -> xr.Dataset:
    """Isolated RS (adaptation b) and FS cells under independent Poisson input at given
    per-synapse rates (a Dask task): their mean rates (Hz), population (exc, inh)."""
    from ..params import load_preset
    from ..singlecell.simulate import simulate_cells

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
            "protocol": "validity-isolated", "preset": "zerlaut2018", "rs_b_A": float(b),
            "nu_e_Hz": float(network_rate[i, j, 0] + d), "nu_i_Hz": float(network_rate[i, j, 1]),
            "n_cells": n_cells, "duration_s": duration, "t_start_s": start, "seed": 1,
        }
        for i, d in enumerate(drives)
        for j, b in enumerate(b_values)
    ]  # fmt: skip


def mean_field_branch(variant: str, drives, b_values, n_total: int) -> np.ndarray:
    """Second-order rates (drive, b, population; Hz) on the branch of the 4 Hz state,
    continued along the drive (NaN where it is lost)."""
    base = get_variant(variant).model(order=2, n_total=n_total)
    out = np.full((len(drives), len(b_values), 2), np.nan)
    order = np.argsort(np.abs(np.asarray(drives) - 4.0), kind="stable")
    for j, b in enumerate(b_values):
        model = base.replace(b=float(b)) if base.adaptation else base
        anchor = fixed_point(model, 4.0)
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


def _walk(model, start, drive: float, steps: int = 20):
    """Continue ``start`` to ``drive`` in small steps of Newton iterations (None if lost or
    unstable at the end)."""
    fp = start
    for d in np.linspace(start.drive, drive, steps + 1)[1:]:
        fp = refine_fixed_point(model, fp.vector, float(d))
        if fp is None:
            return None
    return fp if fp.stable else None


def validity_map(
    variants: Sequence[str] = ("reference", "corrected", "adaptation", "adaptation-T"),
    *,
    scale: str | Scale = "quick",
    seeds: int | None = None,
    network: bool = True,
    out: str | Path = "adexmf-results/compare",
    scheduler: str | None = None,
    progress: bool = False,
    drives: Sequence[float] = DRIVES,
    b_values: Sequence[float] = B_VALUES,
    drive_events: str = "poisson",
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
    scale_name = scale if isinstance(scale, str) else "custom"
    if seeds is None and scale_name in SEEDS:
        seeds = SEEDS[scale_name]
    variants, sc, n_seeds = check_request(variants, get_scale(scale), seeds)
    check_drive_events(drive_events)
    d = np.asarray(drives, dtype=float)
    b = np.asarray(b_values, dtype=float)
    if d.size == 0 or np.any((d < 0.5) | (d > 20.0)):
        raise ParameterError(f"drives = {drives!r}; allowed: rates in [0.5, 20] Hz")
    if b.size == 0 or np.any((b < 0.0) | (b > 200e-12)):
        raise ParameterError(f"b_values = {b_values!r}; allowed: currents in [0, 200] pA")
    mf = np.stack([mean_field_branch(v, d, b, sc.n_total) for v in variants])
    dbp = ("drive", "b", "population")
    data: dict[str, Any] = {"mf_rate": (("variant", *dbp), mf, {"units": "Hz"})}
    data.update(_bifurcation_variables(variants, b, sc.n_total))
    coords: dict[str, Any] = {
        "variant": variants, "drive": ("drive", d, {"units": "Hz"}),
        "b": ("b", b, {"units": "A", "long_name": "spike-triggered adaptation of RS cells"}),
        "population": list(POPULATIONS),
    }  # fmt: skip
    if network:
        seed_list = list(range(1, n_seeds + 1))
        specs = with_drive_events(network_specs(sc, seed_list, d, b), drive_events)
        runs = run_network_tasks(network_task, specs, out, scheduler, progress)
        shape = (d.size, b.size, n_seeds)

        def grid(key):
            return np.array([r[key].values for r in runs]).reshape(*shape, *runs[0][key].shape)

        rate = np.moveaxis(grid("rate"), 2, 0)  # seed, drive, b, population
        mean = rate.mean(0)
        cv, fano = np.nanmean(grid("cv_isi"), 2), np.nanmean(grid("fano"), 2)
        ai = (mean[..., 0] >= ACTIVE_MIN) & (cv >= AI_CV_MIN) & (fano <= AI_FANO_MAX)
        coords["seed"] = seed_list
        data.update({
            "network_rate": (("seed", *dbp), rate, {"units": "Hz"}),
            "network_rate_mean": (dbp, mean, {"units": "Hz"}),
            "network_rate_std": (dbp, rate.std(0, ddof=1) if n_seeds > 1
                                 else np.zeros_like(mean), {"units": "Hz"}),
            "cv_isi": (("drive", "b"), cv, {"long_name": "mean CV of exc ISIs"}),
            "fano": (("drive", "b"), fano, {"long_name": "Fano factor, exc count, 5 ms"}),
            "ai": (("drive", "b"), ai.astype(np.int8), {"long_name": "asynchronous irregular"}),
            "error_percent": (("variant", *dbp), relative_error_percent(mf, mean),
                              {"units": "%"}),
        })  # fmt: skip
        from ..sweep import run_tasks

        cells = run_tasks(isolated_task, isolated_specs(d, b, mean, scale_name),
                          Path(out) / "tasks", scheduler=scheduler, progress=progress)  # fmt: skip
        isolated = np.array([c.rate.values for c in cells]).reshape(d.size, b.size, 2)
        data["isolated_rate"] = (dbp, isolated, {"units": "Hz", "long_name": "isolated cells"})
        data["isolated_error_percent"] = (dbp, relative_error_percent(isolated, mean),
                                          {"units": "%"})  # fmt: skip
    return xr.Dataset(
        data, coords=coords,
        attrs={**provenance(), "protocol": "validity map (drive x b)", "scale": scale_name,
               "n_total": sc.n_total, "duration_s": DURATION, "stationary_start_s": T_START,
               "order": 2, "network": int(network), "ai_cv_min": AI_CV_MIN,
               "ai_fano_max": AI_FANO_MAX, "active_min_Hz": ACTIVE_MIN,
               "drive_events": drive_events},
    )  # fmt: skip


def _bifurcation_variables(variants, b_values, n_total) -> dict[str, Any]:
    """The folds and Hopf points of each variant's active branch, for b on a fine grid
    spanning ``b_values`` (a variant without adaptation has one b: its own)."""
    fine = np.linspace(float(np.min(b_values)), float(np.max(b_values)), 13)
    rows = []
    for v in variants:
        base = get_variant(v).model(order=2, n_total=n_total)
        found = []
        for b in fine if base.adaptation else [base.b]:
            model = base.replace(b=float(b)) if base.adaptation else base
            found += [(p.drive, float(b), p.kind) for p in bifurcation_points(model, 0.5, 20.0)]
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
    """JSON-friendly summary (SI units; grids as lists [drive][b]): ``drive_Hz``, ``b_A``;
    ``network.nu_e``, ``network.nu_i``, ``network.ai``, ``network.cv_isi``,
    ``network.fano``; per variant ``mf[NAME].nu_e``, ``.nu_i``, the error grids
    ``error_nu_e_percent`` / ``error_nu_i_percent``, their largest magnitude over the AI
    points and the share of AI points where both errors are within 10 %, and the
    bifurcations found."""
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
    if "isolated_rate" in ds:
        err = ds.isolated_error_percent
        ee, ei = err.sel(population="exc").values, err.sel(population="inh").values
        out["isolated"] = {
            "nu_e": json_values(ds.isolated_rate.sel(population="exc").values),
            "nu_i": json_values(ds.isolated_rate.sel(population="inh").values),
            "error_nu_e_percent": json_values(ee), "error_nu_i_percent": json_values(ei),
        }  # fmt: skip
        if ai is not None and ai.any():
            out["isolated"]["max_abs_error_ai_percent"] = _largest_error(ee, ei, ai)
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
        if "error_percent" in ds:
            err = ds.error_percent.sel(variant=v)
            ee, ei = err.sel(population="exc").values, err.sel(population="inh").values
            entry["error_nu_e_percent"] = json_values(ee)
            entry["error_nu_i_percent"] = json_values(ei)
            if ai is not None and ai.any():
                within = (np.abs(ee) <= 10.0) & (np.abs(ei) <= 10.0)
                entry["max_abs_error_ai_percent"] = _largest_error(ee, ei, ai)
                entry["within_10_percent_ai_fraction"] = float(within[ai].mean())
        mf[str(v)] = entry
    out["mf"] = mf
    return out


def _largest_error(error_e: np.ndarray, error_i: np.ndarray, ai: np.ndarray) -> float:
    """Largest |error| (%) of either population over the AI points."""
    return float(np.nanmax(np.maximum(np.abs(error_e), np.abs(error_i))[ai]))


def _edges(x: np.ndarray) -> np.ndarray:
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])


def plot_validity(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """The validity map: the network's nu_e (AI points marked) and, per variant, the error
    of nu_e (%), with the mean field's folds and Hopf points; PNG + SVG."""
    from ..figures.style import new_figure, panel_label, save_figure, style

    has_net = "network_rate_mean" in ds
    has_isolated = "isolated_error_percent" in ds
    n = len(ds.variant) + (1 if has_net else 0) + (1 if has_isolated else 0)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    d, b = ds.drive.values, ds.b.values * 1e12
    de, be = _edges(d), _edges(b)
    with style():
        fig, axes = new_figure(3.6 * ncols, 3.0 * nrows, nrows=nrows, ncols=ncols)
        flat = list(axes.ravel())
        if has_net:
            ax = flat.pop(0)
            rate = ds.network_rate_mean.sel(population="exc").values.T
            mesh = ax.pcolormesh(de, be, rate, cmap="viridis", shading="flat")
            fig.colorbar(mesh, ax=ax, label="network nu_e (Hz)")
            _annotate(ax, d, b, rate, "{:.2f}", ds.ai.values.T)
            ax.set_title("network (x: not AI)", fontsize=8)
        if has_isolated:
            ax = flat.pop(0)
            err = ds.isolated_error_percent.sel(population="exc").values.T
            mesh = ax.pcolormesh(de, be, err, cmap="RdBu_r", vmin=-60, vmax=60)
            fig.colorbar(mesh, ax=ax, label="isolated cells - network, nu_e (%)")
            _annotate(ax, d, b, err, "{:+.0f}", ds.ai.values.T)
            ax.set_title("isolated cells at the network's rates", fontsize=8)
        for k, v in enumerate(ds.variant.values):
            ax = flat.pop(0)
            if "error_percent" in ds:
                err = ds.error_percent.sel(variant=v, population="exc").values.T
                mesh = ax.pcolormesh(de, be, err, cmap="RdBu_r", vmin=-60, vmax=60)
                fig.colorbar(mesh, ax=ax, label="error of nu_e (%)")
                _annotate(ax, d, b, err, "{:+.0f}", ds.ai.values.T)
            else:
                rate = ds.mf_rate.sel(variant=v, population="exc").values.T
                mesh = ax.pcolormesh(de, be, rate, cmap="viridis")
                fig.colorbar(mesh, ax=ax, label="mean-field nu_e (Hz)")
            kinds = ds.bifurcation_kind.values[k]
            for kind, marker in (("fold", "v"), ("hopf", "*")):
                sel = kinds == kind
                ax.plot(ds.bifurcation_drive.values[k][sel], ds.bifurcation_b.values[k][sel] * 1e12,
                        marker, color="k", ms=7, ls="-", label=kind)  # fmt: skip
            none = not np.any(kinds != "")
            ax.set_title(f"{v}" + (" (branch: no fold, no Hopf)" if none else ""), fontsize=8)
        for ax in axes.ravel()[:n]:
            ax.set_xlabel("drive (Hz)")
            ax.set_ylabel("RS adaptation b (pA)")
            ax.set_xlim(de[0], de[-1])
            ax.set_ylim(be[0], be[-1])
        for ax in flat:
            ax.set_visible(False)
        for ax, letter in zip(axes.ravel()[:n], "ABCDEFGH", strict=False):
            panel_label(ax, letter)
        fig.suptitle(f"validity map: stationary rates, network ({ds.attrs['n_total']} neurons, "
                     f"{ds.attrs.get('drive_events', 'bernoulli')} drive) vs second-order "
                     "mean field")  # fmt: skip
        return save_figure(fig, path)


def _annotate(ax, d, b, values, fmt, ai) -> None:
    for i, x in enumerate(d):
        for j, y in enumerate(b):
            v = values[j, i]
            text = "-" if not np.isfinite(v) else (">999" if abs(v) >= 999.5 else fmt.format(v))
            ax.text(x, y, text + ("" if ai[j, i] else "\nx"), ha="center", va="center",
                    fontsize=6)  # fmt: skip
