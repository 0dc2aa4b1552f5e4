"""Brain stages (SPEC 11): a run of a network of columns on a connectome, its data, its
summary region by region and its figure. ``adexmf brain run`` and the study call this
function, and nothing else composes a brain run."""

from __future__ import annotations

import time
from pathlib import Path

from ..brain import BrainNetwork, OUNoise, brain_column
from ..brain.summary import summarize_brain
from ..brain.sweep import SweepSettings, brain_sweep
from ..figures.brain import plot_brain_run, plot_brain_sweep
from ..netcdf import write_netcdf
from .config import BrainSettings
from .stage import StageContext, StageResult, check_outputs


def brain_run_stage(
    network: BrainNetwork,
    duration: float,
    *,
    out: Path,
    drive: float = 4.0,
    dt: float = 1e-4,
    method: str = "heun",
    noise: OUNoise | None = None,
    seed: int = 0,
    analysis_start: float | None = None,
    bold: bool = False,
    draw: bool = True,
) -> StageResult:
    """Run ``network`` for ``duration`` (s), write its series (NetCDF) and figure, and
    summarise it region by region (:func:`adexmf.brain.summary.summarize_brain`).

    Returns
    -------
    StageResult
        Files; summary with the run's settings, ``wall_s`` (the integration) and the
        per-region numbers; data ``brain``.
    """
    out = check_outputs(Path(out), draw)
    start = time.perf_counter()
    ds = network.run(duration, drive=drive, dt=dt, method=method, noise=noise, seed=seed)
    wall = time.perf_counter() - start
    summary = summarize_brain(ds, analysis_start, bold=bold)
    if summary.bold is not None:
        ds["bold"] = summary.bold
    files = [write_netcdf(ds, out)]
    if draw:
        files += plot_brain_run(ds, out.with_suffix(".png"), summary.matrices)
    settings = {
        "column": ds.attrs["column"], "connectome": ds.attrs["connectome"],
        "coupling": ds.attrs["coupling"], "b_pA": ds.attrs["b_A"] * 1e12,
        "conduction_velocity_m_per_s": ds.attrs["conduction_velocity_m_per_s"],
        "duration_s": float(duration), "dt_s": float(dt), "wall_s": wall,
        "max_stiffness_dt": ds.attrs["max_stiffness_dt"],
    }  # fmt: skip
    return StageResult(files, {**settings, **summary.numbers}, data={"brain": ds})


def brain_sweep_stage(
    settings: SweepSettings,
    couplings: list[float],
    bs: list[float],
    *,
    out: Path,
    scheduler: str | None = None,
    progress: bool = True,
    draw: bool = True,
) -> StageResult:
    """A coupling x b sweep (:func:`adexmf.brain.sweep.brain_sweep`): tasks stored in
    ``out.parent / "tasks"``, the map written as NetCDF and drawn.

    Returns
    -------
    StageResult
        Files; summary: grid sizes, the share of (G, b) points where most regions are in slow
        oscillation, the mean rate range; data ``brain_sweep``.
    """
    out = check_outputs(Path(out), draw)
    ds = brain_sweep(settings, couplings, bs, out.parent, scheduler=scheduler, progress=progress)
    files = [write_netcdf(ds, out)]
    if draw:
        files += plot_brain_sweep(ds, out.with_suffix(".png"))
    mean = ds.nu_e.mean("region")
    summary = {
        "points": int(ds.sizes["coupling"] * ds.sizes["b"]),
        "regions": int(ds.sizes["region"]),
        "slow_oscillation_points": int((ds.slow_oscillation_fraction > 0.5).sum()),
        "nu_e_mean_min_Hz": float(mean.min()), "nu_e_mean_max_Hz": float(mean.max()),
    }  # fmt: skip
    return StageResult(files, summary, data={"brain_sweep": ds})


#: The study's sweep at paper scale: couplings and b (A).
STUDY_COUPLINGS = (0.0, 0.25, 0.5, 0.75, 1.0)
STUDY_B_VALUES = (0.0, 30e-12, 60e-12, 90e-12, 120e-12, 150e-12)


def brain_study_stage(settings: BrainSettings, folder: Path, ctx: StageContext) -> StageResult:
    """The study's brain stage: one run with noise and BOLD on the connectome, and at paper
    scale the coupling x b sweep (30 points of 10 s on Dask)."""
    net = BrainNetwork(settings.connectome, brain_column(settings.variant),
                       coupling=settings.coupling)  # fmt: skip
    noise = OUNoise(settings.noise) if settings.noise > 0 else None
    run = brain_run_stage(net, settings.duration, out=folder / "brain_run.nc",
                          drive=settings.drive, noise=noise, bold=True)  # fmt: skip
    for key in ("region_labels", "nu_e_Hz", "nu_i_Hz", "w_pA", "regime",
                "dominant_frequency_Hz", "up_state_rate_Hz", "bold_fc"):  # fmt: skip
        run.summary.pop(key)  # per-region lists stay in the NetCDF file, not in the report
    result = StageResult().add(run, "run")
    if settings.sweep:
        sweep = SweepSettings(connectome=settings.connectome, column=settings.variant,
                              drive=settings.drive, noise_sigma=settings.noise)  # fmt: skip
        result.add(brain_sweep_stage(sweep, list(STUDY_COUPLINGS), list(STUDY_B_VALUES),
                                     out=folder / "sweep" / "brain_sweep.nc",
                                     scheduler=ctx.scheduler, progress=ctx.progress), "sweep")
    return result
