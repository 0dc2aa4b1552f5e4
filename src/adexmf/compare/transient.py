"""Response to a transient: the mean field against the spiking network (SPEC 7 row 5, Fig. 5).

Protocol: drive 4 Hz reached by a 20 ms ramp; a double-Gaussian afferent input on the
excitatory population (A = 2 Hz, t0 = 800 ms, tau1 = 60 ms, tau2 = 100 ms); 1.2 s; 5 ms-binned
rates; window 500-1200 ms. Network seeds are Dask tasks (:func:`adexmf.sweep.run_tasks`);
the mean field of each variant (second order, as the paper's Fig. 5) runs the same afferent
input from its fixed point at the plateau drive, and is averaged over the same 5 ms bins, so
that both sides are compared on the network's ``time_bin`` grid. Metrics per side
(:func:`adexmf.compare.metrics.transient_metrics`): baseline before the stimulus
(500-600 ms), peak and its time, and the post-stimulus trough and its depth below the
baseline (the undershoot that adaptation produces, SPEC 5.3).

The network's adaptation (tau_w = 500 ms) has not settled at 500-600 ms after the protocol's
20 ms drive ramp, so its pre-stimulus baseline is still falling and the depth below it
overstates the undershoot. Each seed therefore also runs a paired control without the
stimulus, and ``undershoot_control`` measures the dip against it (the mean field's control is
its own run without the stimulus, which stays at its fixed point).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..meanfield.variants import get_variant
from ..network import POPULATIONS, RATE_BIN
from ..network.run_spec import NetworkRun
from ..stimuli import Stimulus
from ..store import provenance
from ..units import format_quantity
from .metrics import transient_metrics
from .protocol import (
    DEFAULT_VARIANTS,
    DRIVE,
    Scale,
    check_request,
    run_network_tasks,
    scale_name,
    simulate_run,
    task_spec,
)

#: The stimulus of SPEC 7 row 5 (SI units), on the excitatory population.
STIMULUS = Stimulus("double-gaussian", {"amplitude": 2.0, "t0": 0.8, "tau1": 0.06, "tau2": 0.1})
#: Run length (s), drive ramp (s) and time step (s) of both sides.
DURATION = 1.2
DRIVE_RAMP = 0.02
DT = 1e-4
#: Window of the metrics and of the figure, and the baseline before the stimulus (s).
WINDOW = (0.5, 1.2)
BASELINE = (0.5, 0.6)
#: Bin width (s): the network's rate bins, on which both sides are compared.
BIN = RATE_BIN
#: Mean-field order (the paper's Fig. 5: second).
ORDER = 2
METRICS = ("baseline", "peak", "t_peak", "trough", "t_trough", "undershoot",
           "undershoot_control", "t_undershoot_control")  # fmt: skip


def stimulus_text(stimulus: Stimulus = STIMULUS) -> str:
    """The stimulus in words and human units ("double Gaussian A = 2 Hz, t0 = 800 ms...")."""
    p = stimulus.params
    return (f"double Gaussian A = {format_quantity(p['amplitude'], 'Hz')}, "
            f"t0 = {format_quantity(p['t0'], 's')}, tau1 = {format_quantity(p['tau1'], 's')}, "
            f"tau2 = {format_quantity(p['tau2'], 's')}")  # fmt: skip


def network_task(spec: dict[str, Any]) -> xr.Dataset:
    """One seed of the transient protocol: the 5 ms-binned rates (a Dask task; ``spec``: a
    :func:`~adexmf.compare.protocol.task_spec` mapping)."""
    ds = simulate_run(NetworkRun.from_mapping(spec))
    return xr.Dataset(
        {"rate_binned": ds["rate_binned"]},
        attrs={k: ds.attrs[k] for k in ("seed", "timings") if k in ds.attrs},
    )


def network_specs(
    scale: Scale, seeds: Sequence[int], drive: float, control: bool = False
) -> list[dict[str, Any]]:
    """Task specifications of the network runs (everything that determines a result);
    ``control``: the same runs without the stimulus, whose specification says so
    (``stimulus: None``, as the runs stored before the typed run)."""
    paired = {"stimulus": None} if control else {}
    return [
        task_spec("transient", NetworkRun(n_total=scale.n_total, drive=drive, ramp=DRIVE_RAMP,
                                          dt=DT, duration=DURATION, seed=s,
                                          stimulus=None if control else STIMULUS), **paired)
        for s in seeds
    ]  # fmt: skip


def bin_average(t: np.ndarray, values: np.ndarray, width: float = BIN) -> tuple:
    """Average samples ``values(t)`` (time on axis 0) over non-overlapping bins [k w, (k+1) w).

    Returns the bin centres (s) and the averages; the last, incomplete bin is dropped.
    """
    edges = np.floor(t / width + 1e-9).astype(np.int64)
    n = int(np.floor(t[-1] / width + 1e-9))
    keep = edges < n
    sums = np.zeros((n, *values.shape[1:]))
    counts = np.bincount(edges[keep], minlength=n).astype(float)
    np.add.at(sums, edges[keep], values[keep])
    return (np.arange(n) + 0.5) * width, sums / counts.reshape(-1, *([1] * (values.ndim - 1)))


def mean_field_response(
    variant: str, drive: float, n_total: int, order: int = ORDER, stimulus: bool = True
) -> xr.Dataset:
    """A variant's response to the protocol, averaged in 5 ms bins: ``rate`` and, at second
    order, ``rate_std`` (time_bin, population; Hz); ``stimulus=False``: the control run."""
    model = get_variant(variant).model(order=order, n_total=n_total)
    stim = STIMULUS if stimulus else 0.0
    # From the fixed point at the plateau drive: the network's 20 ms ramp is over long before
    # the window (500 ms), and a second-order mean field ramped up from rest can fall into a
    # spurious state of an extrapolated transfer function (the corrected FS fit has one at
    # high nu_i, docs/paper-vs-code.md).
    ds = model.run(DURATION, dt=DT, drive=drive, afferent=stim, observables=False)
    t = ds.time.values
    centres, rate = bin_average(t, ds.rate.values)
    out = {"rate": (("time_bin", "population"), rate, {"units": "Hz"})}
    if "rate_std" in ds:
        out["rate_std"] = (("time_bin", "population"), bin_average(t, ds.rate_std.values)[1],
                           {"units": "Hz"})  # fmt: skip
    return xr.Dataset(out, coords={"time_bin": ("time_bin", centres, {"units": "s"}),
                                   "population": list(POPULATIONS)})  # fmt: skip


def _metrics(time_bin: np.ndarray, rate: np.ndarray, control: np.ndarray) -> np.ndarray:
    """METRICS (rows) x populations (columns) of binned rates (time_bin, population), with
    the paired control run's rates (same shape)."""
    cols = [transient_metrics(time_bin, rate[:, p], BASELINE, WINDOW, control[:, p])
            for p in range(2)]  # fmt: skip
    return np.array([[getattr(c, m) for c in cols] for m in METRICS])


def transient_comparison(
    variants: Sequence[str] = DEFAULT_VARIANTS,
    *,
    scale: str | Scale = "quick",
    seeds: int | None = None,
    drive: float = DRIVE,
    network: bool = True,
    out: str | Path = "adexmf-results/compare",
    scheduler: str | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """The transient comparison of SPEC 7 row 5 as one Dataset.

    Parameters as :func:`adexmf.compare.stationary.stationary_comparison`.

    Returns
    -------
    xarray.Dataset
        ``mf_rate``, ``mf_rate_std``, ``mf_control_rate`` (variant, time_bin, population; Hz);
        with the network ``network_rate`` and ``network_control_rate`` (seed, time_bin,
        population; Hz); metrics ``mf_metric`` (variant, metric, population) and
        ``network_metric`` (metric, population; of the means over seeds), in Hz (times in s).
    """
    variants, sc, n_seeds = check_request(variants, scale, seeds)
    responses = [mean_field_response(v, drive, sc.n_total) for v in variants]
    controls = [mean_field_response(v, drive, sc.n_total, stimulus=False) for v in variants]
    time_bin = responses[0].time_bin.values
    vtp = ("variant", "time_bin", "population")
    mf_rate = np.stack([r.rate.values for r in responses])
    mf_std = np.stack([r.rate_std.values for r in responses])
    mf_control = np.stack([r.rate.values for r in controls])
    data: dict[str, Any] = {
        "mf_rate": (vtp, mf_rate, {"units": "Hz"}),
        "mf_rate_std": (vtp, mf_std, {"units": "Hz", "long_name": "sqrt(c)"}),
        "mf_control_rate": (vtp, mf_control, {"units": "Hz", "long_name": "without stimulus"}),
        "mf_metric": (("variant", "metric", "population"),
                      np.stack([_metrics(time_bin, r, c) for r, c in zip(mf_rate, mf_control,
                                                                          strict=True)])),
    }  # fmt: skip
    coords: dict[str, Any] = {
        "variant": variants,
        "time_bin": ("time_bin", time_bin, {"units": "s"}),
        "population": list(POPULATIONS),
        "metric": ("metric", list(METRICS), {"units": "Hz, or s for the t_ metrics"}),
    }
    if network:
        data.update(_network_part(sc, n_seeds, drive, time_bin, out, scheduler, progress,
                                  coords))  # fmt: skip
    return xr.Dataset(
        data, coords=coords,
        attrs={**provenance(), "protocol": "transient (SPEC 7 row 5)",
               "scale": scale_name(scale), "n_total": sc.n_total, "duration_s": DURATION,
               "drive_Hz": float(drive), "order": ORDER, "stimulus": stimulus_text(),
               "network": int(network)},
    )  # fmt: skip


def _network_part(sc: Scale, n_seeds: int, drive: float, time_bin: np.ndarray, out, scheduler,
                  progress, coords: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The network runs with the stimulus and their paired controls, on the mean field's bins
    ``time_bin`` (s); adds the ``seed`` coordinate to ``coords``."""
    seed_list = range(1, n_seeds + 1)
    specs = network_specs(sc, seed_list, drive) + network_specs(sc, seed_list, drive, True)
    runs = run_network_tasks(network_task, specs, out, scheduler, progress)
    rates = np.stack([r.rate_binned.transpose("time_bin", "population").values for r in runs])
    net, net_control = rates[:n_seeds], rates[n_seeds:]
    net_time = runs[0].time_bin.values
    if net.shape[1] != time_bin.size or not np.allclose(net_time, time_bin):
        raise ParameterError("network and mean-field bins differ; this is a bug")
    coords["seed"] = [int(r.attrs["seed"]) for r in runs[:n_seeds]]
    sp = ("seed", "time_bin", "population")
    control = {"units": "Hz", "long_name": "without stimulus"}
    return {
        "network_rate": (sp, net, {"units": "Hz"}),
        "network_control_rate": (sp, net_control, control),
        "network_metric": (("metric", "population"),
                           _metrics(time_bin, net.mean(0), net_control.mean(0))),
    }  # fmt: skip


def transient_summary(ds: xr.Dataset) -> dict[str, Any]:
    """JSON-friendly summary (SI units): ``network.peak_nu_e``, ``network.t_peak_nu_e``,
    ``network.trough_nu_e``, ``network.baseline_nu_e`` (and ``undershoot_nu_e``, and
    ``undershoot_control_nu_e`` with its time: the dip against the paired control run), the
    same per variant under ``mf[NAME]``."""

    def keys(metric: xr.DataArray) -> dict[str, float]:
        exc = metric.sel(population="exc")
        return {
            "baseline_nu_e": float(exc.sel(metric="baseline")),
            "peak_nu_e": float(exc.sel(metric="peak")),
            "t_peak_nu_e": float(exc.sel(metric="t_peak")),
            "trough_nu_e": float(exc.sel(metric="trough")),
            "t_trough_nu_e": float(exc.sel(metric="t_trough")),
            "undershoot_nu_e": float(exc.sel(metric="undershoot")),
            "undershoot_control_nu_e": float(exc.sel(metric="undershoot_control")),
            "t_undershoot_control_nu_e": float(exc.sel(metric="t_undershoot_control")),
        }

    out: dict[str, Any] = {"drive_Hz": float(ds.attrs["drive_Hz"]), "scale": ds.attrs["scale"]}
    if "network_metric" in ds:
        out["network"] = {**keys(ds.network_metric), "seeds": [int(s) for s in ds.seed.values]}
    out["mf"] = {str(v): keys(ds.mf_metric.sel(variant=v)) for v in ds.variant.values}
    return out
