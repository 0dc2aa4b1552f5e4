"""Brain stages (SPEC 11): a run of a network of columns on a connectome, its data, its
summary region by region and its figure. ``adexmf brain run`` and the study call this
function, and nothing else composes a brain run."""

from __future__ import annotations

import time
from pathlib import Path

from ..brain import BrainNetwork, OUNoise
from ..brain.summary import summarize_brain
from ..figures.brain import plot_brain_run
from ..figures.style import figure_paths
from ..netcdf import write_netcdf
from ..store import check_destination
from .stage import StageResult


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
    out = check_destination(Path(out))
    if draw:
        figure_paths(out.with_suffix(".png"))
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
