"""Regime map of a network with UP-DOWN states (beyond the paper): where the spiking network
leaves the asynchronous state as its RS cells' adaptation b grows, and whether a mean field
places that boundary, the oscillation's frequency and its UP-state rate.

The network is any preset's (e.g. TVB-AdEx's, examples/tvb_adex_cells.toml, whose RS cells
alternate between UP and DOWN states at b = 60 pA); each (drive, b, seed) is a Dask task of
:data:`DURATION` s, statistics from :data:`T_START` s (4 tau_w after the drive's ramp for
tau_w = 500 ms), its excitatory rate in 5 ms bins classified by
:func:`adexmf.timeseries.classify_regime` (:func:`adexmf.compare.regimes.regime_statistics`).

The mean field is integrated like the network: from its silent state, the same drive ramp,
the same duration and window, and, where asked, an Ornstein-Uhlenbeck drive
(:class:`adexmf.noise.DriveNoise`; TVB-AdEx's way of giving the mean field the fluctuations
that a finite network has): seed k of the mean field reads the realization of the network's
seed k, so that where the network gets the same noise the two are driven identically. Or,
for a first-order model, with the finite-size noise of the network's cell counts in its
rates (:mod:`adexmf.meanfield.finite_size`; no parameter).

Scores (:func:`regime_scores`): per drive, the boundary (the smallest b whose most common
regime over the seeds is oscillating) in grid steps between network and mean field; where
both oscillate, the errors (%) of the oscillation frequency and the UP-state rate.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..meanfield.adaptation_branch import POINTS, adaptation_bifurcations, adaptation_branch
from ..meanfield.analysis import MeanFieldModel
from ..meanfield.finite_size import integrate_finite_size
from ..meanfield.fixedpoints import fixed_point
from ..meanfield.integrate import integrate
from ..meanfield.slow_fast import bistable_window, relaxation_cycle
from ..network import POPULATIONS
from ..network.drive import Drive
from ..network.run_spec import NetworkRun
from ..store import file_digest, provenance
from .metrics import relative_error_percent
from .protocol import json_values, run_network_tasks, task_spec
from .regimes import REGIME_KEYS, REGIME_STATS_ATTRS, regime_grids, regime_statistics
from .validity_map import BIN, check_grid, network_grid, network_task

#: Adaptation b of the RS cells (A) and drives (Hz per synapse) of the map; TVB-AdEx drives
#: its network at 0.35 Hz.
B_VALUES = (0.0, 20e-12, 40e-12, 60e-12, 90e-12, 120e-12, 150e-12)
DRIVES = (0.35, 1.0)
#: Run length and start of the statistics (s): several cycles of a ~0.5-1 Hz oscillation.
DURATION = 10.0
T_START = 2.0
SEEDS = 3
#: The mean field's time step and sampling (s): the network's bins.
MF_DT = 1e-4
#: Allowed drives (Hz) and b (A).
DRIVE_RANGE = (0.0, 20.0)
B_RANGE = (0.0, 300e-12)


def network_specs(
    preset: Path | str, drives, b_values, seeds: Sequence[int], noise_sigma: float = 0.0,
    noise_tau: float = 5e-3,
) -> list[dict[str, Any]]:  # fmt: skip
    """Task specifications of the network runs, drive-major then b then seed (Poisson drive
    events, the transfer functions' input)."""
    own: dict[str, Any] = {"preset": str(preset)}
    if Path(str(preset)).suffix == ".toml":
        own["preset_digest"] = file_digest(Path(preset))
    return [
        task_spec("updown", NetworkRun(drive=float(d), rs_b=float(b), duration=DURATION,
                                       seed=s, drive_events="poisson", noise_sigma=noise_sigma,
                                       noise_tau=noise_tau, **own),
                  t_start_s=T_START, regime_bin_s=BIN)
        for d in drives
        for b in b_values
        for s in seeds
    ]  # fmt: skip


def mean_field_course(model: MeanFieldModel, drive: float, b: float, seed: int,
                      noise_sigma: float = 0.0, noise_tau: float = 5e-3,
                      finite_size: bool = False) -> xr.Dataset:  # fmt: skip
    """One mean-field run like the network's (seed ``seed``), from its silent state, sampled
    in the network's bins: its Dataset (rates, W). ``finite_size``: a first-order model
    with the finite-size noise of the preset network's cell counts
    (:func:`adexmf.meanfield.finite_size.integrate_finite_size`, seeded by ``seed``)."""
    model = model.replace(b=float(b)) if model.adaptation else model
    run = NetworkRun(drive=drive, duration=DURATION, seed=seed, noise_sigma=noise_sigma,
                     noise_tau=noise_tau)  # the network's drive, with its seed's realization
    drive_of = Drive(rate=run.drive, ramp=run.ramp, noise=run.drive_noise())
    every = int(round(BIN / MF_DT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # out-of-domain flags: the rates are what is scored
        start = fixed_point(model, 0.0)
        if finite_size:
            net = model.preset.network
            return integrate_finite_size(model, DURATION, start, sizes=(net.n_exc, net.n_inh),
                                         seed=seed, dt=MF_DT, drive=drive_of.rate_at,
                                         record_every=every)  # fmt: skip
        return integrate(model, DURATION, start, dt=MF_DT, drive=drive_of.rate_at,
                         record_every=every, observables=False)  # fmt: skip


def mean_field_regime(model: MeanFieldModel, drive: float, b: float, seed: int,
                      noise_sigma: float = 0.0, noise_tau: float = 5e-3,
                      finite_size: bool = False) -> np.ndarray:  # fmt: skip
    """One mean-field run like the network's (:func:`mean_field_course`): its mean rates
    (Hz; exc, inh) from :data:`T_START`, then its :data:`REGIME_KEYS` statistics."""
    ds = mean_field_course(model, drive, b, seed, noise_sigma, noise_tau, finite_size)
    rate = ds.rate.sel(time=slice(T_START + 1e-9, None))
    means = [float(rate.sel(population=p).mean()) for p in POPULATIONS]
    stats = regime_statistics(rate.sel(population="exc").values, 1.0 / BIN)
    return np.array(means + [stats[k] for k in REGIME_KEYS])


def regime_map(
    preset: Path | str,
    models: Mapping[str, MeanFieldModel],
    *,
    drives: Sequence[float] = DRIVES,
    b_values: Sequence[float] = B_VALUES,
    seeds: int = SEEDS,
    noise_sigma: float = 0.0,
    mf_noise_sigma: float = 0.0,
    noise_tau: float = 5e-3,
    finite_size: bool = False,
    out: str | Path = "adexmf-results/updown",
    scheduler: str | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """The regime map of a preset's network and of mean-field models, as one Dataset.

    Parameters
    ----------
    preset : path or str
        The network's preset (name or TOML file; a file's digest enters the task keys).
    models : mapping of str to MeanFieldModel
        Mean fields to compare, by name (each b replaces a model's if it has W).
    drives : sequence of float
        Drive levels (Hz per synapse), in [0, 20].
    b_values : sequence of float
        RS adaptation b (A), in [0, 300 pA].
    seeds : int
        Network seeds per point (>= 1); the mean field runs once per seed where it has noise.
    noise_sigma, mf_noise_sigma : float
        Ornstein-Uhlenbeck fluctuation of the network's and of the mean field's drive (Hz).
    noise_tau : float
        Its correlation time (s).
    finite_size : bool
        Run the (first-order) models with the finite-size noise of the network's cell
        counts (:func:`mean_field_regime`).
    out, scheduler, progress
        Task store folder (``out/tasks``), Dask scheduler address, progress display.

    Returns
    -------
    xarray.Dataset
        The network's variables of :func:`~adexmf.compare.validity_map.network_grid`
        (``network_rate`` (seed, drive, b, population; Hz), ``network_regime_stats`` (seed,
        drive, b, regime_stat), the AI statistics), then ``mf_rate`` and ``mf_regime_stats``
        (model, seed, ...); :func:`regime_scores` summarises it.
    """
    d, b = _grid(drives, b_values)
    if not models:
        raise ParameterError("models is empty; allowed: at least one mean-field model")
    if int(seeds) < 1:
        raise ParameterError(f"seeds = {seeds!r}; allowed: an integer >= 1")
    seed_list = list(range(1, int(seeds) + 1))
    specs = network_specs(preset, d, b, seed_list, noise_sigma, noise_tau)
    runs = run_network_tasks(network_task, specs, out, scheduler, progress)
    data = network_grid(runs, d.size, b.size, len(seed_list))
    mf = np.stack([_mean_field_grid(m, d, b, seed_list, mf_noise_sigma, noise_tau, finite_size)
                   for m in models.values()])  # fmt: skip
    sdb = ("seed", "drive", "b")
    return xr.Dataset(
        {**data,
         "mf_rate": (("model", *sdb, "population"), mf[..., :2], {"units": "Hz"}),
         "mf_regime_stats": (("model", *sdb, "regime_stat"), mf[..., 2:], REGIME_STATS_ATTRS)},
        coords={"model": list(models), "seed": seed_list, "drive": ("drive", d, {"units": "Hz"}),
                "b": ("b", b, {"units": "A"}), "population": list(POPULATIONS),
                "regime_stat": list(REGIME_KEYS)},
        attrs={**provenance(), "preset": str(preset), "duration_s": DURATION,
               "t_start_s": T_START, "bin_s": BIN, "noise_sigma_Hz": noise_sigma,
               "mf_noise_sigma_Hz": mf_noise_sigma, "noise_tau_s": noise_tau,
               "mf_finite_size": int(finite_size),
               "drive_events": "poisson"},
    )  # fmt: skip


def _mean_field_grid(model, drives, b_values, seeds, sigma, tau, finite_size) -> np.ndarray:
    """(seed, drive, b, 2 + len(REGIME_KEYS)) of :func:`mean_field_regime`; without any
    noise the seeds are one deterministic run, repeated."""
    noisy = sigma > 0.0 or finite_size
    runs = seeds if noisy else seeds[:1]
    out = np.array([[[mean_field_regime(model, float(dd), float(bb), s, sigma, tau, finite_size)
                      for bb in b_values] for dd in drives] for s in runs])  # fmt: skip
    return out if noisy else np.repeat(out, len(seeds), axis=0)


#: Statistics of the W-slow cycle (:func:`w_slow_cycles`).
CYCLE_STATS = ("frequency", "up_rate", "duty_cycle")


def w_slow_cycles(models: Mapping[str, MeanFieldModel], drives: Sequence[float],
                  b_values: Sequence[float]) -> xr.Dataset:
    """The singular-limit UP-DOWN cycle of each first-order model with W
    (:func:`adexmf.meanfield.slow_fast.relaxation_cycle`) at every (drive, b): ``w_slow_cycle``
    (model, drive, b, cycle_stat: frequency Hz, UP rate Hz, duty cycle; NaN where there is no
    cycle or the model is not first order with W) and ``bistable_window`` (model, drive, end;
    A: the fast subsystem's folds in W, NaN without bistability)."""
    d, b = _grid(drives, b_values)
    cycle = np.full((len(models), d.size, b.size, len(CYCLE_STATS)), np.nan)
    window = np.full((len(models), d.size, 2), np.nan)
    for m, model in enumerate(models.values()):
        if model.order != 1 or not model.adaptation:
            continue
        for i, drive in enumerate(d):
            window[m, i] = bistable_window(model, float(drive))
            for j, bb in enumerate(b):
                c = relaxation_cycle(model.replace(b=float(bb)), float(drive),
                                     window=tuple(window[m, i]))  # fmt: skip
                if c.exists:
                    cycle[m, i, j] = (c.frequency, c.up_rate, c.duty_cycle)
    return xr.Dataset(
        {"w_slow_cycle": (("model", "drive", "b", "cycle_stat"), cycle,
                          {"long_name": "singular-limit W-slow cycle", "units": "Hz, Hz, 1"}),
         "bistable_window": (("model", "drive", "end"), window, {"units": "A"})},
        coords={"model": list(models), "drive": d, "b": b, "cycle_stat": list(CYCLE_STATS),
                "end": ["low", "high"]},
    )  # fmt: skip


#: Entries of the continuation's Hopf point (:func:`continuation`).
HOPF_STATS = ("b", "frequency")


def continuation(models: Mapping[str, MeanFieldModel], drives: Sequence[float]) -> xr.Dataset:
    """The fixed points of each first-order model with W along b at each drive
    (:func:`adexmf.meanfield.adaptation_branch.adaptation_branch`): ``branch_b`` (A),
    ``branch_nu_e`` (Hz) and ``branch_stable`` (model, drive, branch_point; NaN / False
    past a branch's end); ``hopf`` (model, drive, hopf_stat: b in A and frequency in Hz of
    the first Hopf point along the branch, NaN without one); ``relaxation_b`` (model, drive,
    end; A): the b where the fixed point passes the critical manifold's upper fold and its
    lower fold, the range where it sits on the middle branch and the W-slow system
    oscillates (NaN where not reached below 1 nA). Other models: all NaN."""
    d, _ = _grid(drives, [0.0])
    n = 3 * POINTS  # the longest branch: three of the manifold's branches
    shape = (len(models), d.size)
    b, nu_e = np.full((*shape, n), np.nan), np.full((*shape, n), np.nan)
    stable = np.zeros((*shape, n), dtype=bool)
    hopf, relax = np.full((*shape, len(HOPF_STATS)), np.nan), np.full((*shape, 2), np.nan)
    for m, model in enumerate(models.values()):
        if model.order != 1 or not model.adaptation:
            continue
        for i, drive in enumerate(d):
            br = adaptation_branch(model, float(drive))
            k = br.b.size
            b[m, i, :k], nu_e[m, i, :k], stable[m, i, :k] = br.b, br.nu_e, br.stable
            points = adaptation_bifurcations(model, float(drive), b_max=1e-9, branch=br)
            hopfs = [p for p in points if p.kind == "hopf"]
            if hopfs:
                hopf[m, i] = hopfs[0].b, hopfs[0].frequency
            for e, kind in enumerate(("upper fold", "lower fold")):
                relax[m, i, e] = next((p.b for p in points if p.kind == kind), np.nan)
    dims = ("model", "drive", "branch_point")
    return xr.Dataset(
        {"branch_b": (dims, b, {"units": "A"}), "branch_nu_e": (dims, nu_e, {"units": "Hz"}),
         "branch_stable": (dims, stable),
         "hopf": (("model", "drive", "hopf_stat"), hopf, {"units": "A, Hz"}),
         "relaxation_b": (("model", "drive", "end"), relax, {"units": "A"})},
        coords={"model": list(models), "drive": d, "hopf_stat": list(HOPF_STATS),
                "end": ["low", "high"]},
    )  # fmt: skip


def _grid(drives, b_values) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~adexmf.compare.validity_map.check_grid` with this map's ranges, each list
    increasing (the boundary is the first oscillating b)."""
    d, b = check_grid(drives, b_values, DRIVE_RANGE, B_RANGE)
    for name, v in (("drives", d), ("b_values", b)):
        if np.any(np.diff(v) <= 0):
            raise ParameterError(f"{name} = {v.tolist()}; allowed: increasing values")
    return d, b


def boundary_index(regimes: Sequence[str]) -> int | None:
    """Index of the first ``"oscillating"`` regime along b (None if none)."""
    hits = [k for k, r in enumerate(regimes) if r == "oscillating"]
    return hits[0] if hits else None


#: The first-order analyses a map may carry (:func:`w_slow_cycles`, :func:`continuation`),
#: as :func:`regime_scores` reports them: JSON key -> entry -> (variable, selection).
FIRST_ORDER_ANALYSES: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "w_slow_cycle": {"oscillation_frequency_Hz": ("w_slow_cycle", {"cycle_stat": "frequency"}),
                     "up_rate_Hz": ("w_slow_cycle", {"cycle_stat": "up_rate"}),
                     "bistable_window_A": ("bistable_window", {})},
    "continuation": {"hopf_b_A": ("hopf", {"hopf_stat": "b"}),
                     "hopf_frequency_Hz": ("hopf", {"hopf_stat": "frequency"}),
                     "relaxation_b_A": ("relaxation_b", {})},
}  # fmt: skip


def regime_scores(ds: xr.Dataset) -> dict[str, Any]:
    """JSON summary: the grids of :func:`adexmf.compare.regimes.regime_grids` for the network
    and each model, the boundary per drive (b in A, None where nothing oscillates), and per
    model the boundary error in grid steps (None where one side has no boundary: then
    ``boundary_agrees`` says whether both have none), the frequency and UP-rate errors
    (%) where both oscillate, and the first-order analyses the Dataset carries
    (:data:`FIRST_ORDER_ANALYSES`)."""
    b = ds.b.values
    net = regime_grids(ds.network_regime_stats.values)
    net["nu_e"] = ds.network_rate.sel(population="exc").mean("seed").values.tolist()
    net["boundary_b_A"] = _boundaries(net["regime"], b)
    out: dict[str, Any] = {"drive_Hz": ds.drive.values.tolist(), "b_A": b.tolist(),
                           "network": net, "mf": {}}  # fmt: skip
    for name in ds.model.values:
        mf = regime_grids(ds.mf_regime_stats.sel(model=name).values)
        mf["nu_e"] = ds.mf_rate.sel(model=name, population="exc").mean("seed").values.tolist()
        mf["boundary_b_A"] = _boundaries(mf["regime"], b)
        mf.update(_compare(net, mf))
        for key, entries in FIRST_ORDER_ANALYSES.items():
            if next(iter(entries.values()))[0] in ds:
                mf[key] = {k: json_values(ds[var].sel(model=name, **where).values)
                           for k, (var, where) in entries.items()}  # fmt: skip
        out["mf"][str(name)] = mf
    return out


def _boundaries(regime, b) -> list[float | None]:
    return [None if (k := boundary_index(row)) is None else float(b[k]) for row in regime]


def _compare(net: dict[str, Any], mf: dict[str, Any]) -> dict[str, Any]:
    steps, agrees = [], []
    for rn, rm in zip(net["regime"], mf["regime"], strict=True):
        kn, km = boundary_index(rn), boundary_index(rm)
        steps.append(None if kn is None or km is None else km - kn)
        agrees.append(kn == km if kn is None or km is None else abs(km - kn) <= 1)
    errors = {}
    for key in ("oscillation_frequency_Hz", "up_rate_Hz"):  # NaN unless both oscillate
        m, n = (np.array(x[key], dtype=float) for x in (mf, net))
        err = relative_error_percent(m, n)
        errors[f"error_{key.removesuffix('_Hz')}_percent"] = json_values(err)
    return {"boundary_step_error": steps, "boundary_within_one_step": agrees, **errors}
