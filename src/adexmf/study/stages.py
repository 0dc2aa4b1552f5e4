"""The stages of a study: each runs one part of the toolkit into its own folder.

Every stage is ``stage(config, folder, context) -> StageResult``: ``config`` is the whole
study (:mod:`adexmf.study.config`, human units), ``folder`` the stage's results folder, and
the result lists the files written and a JSON-friendly summary (SI units) that the report
turns into tables. The stages call the same library functions as the sub-commands
(``adexmf tf``, ``mf``, ``network``, ``compare``, ``ring``, ``vsdi``): one physics.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..units import parse_quantity

#: The example recording shipped with the package (Monkey 1, 10 ms stimuli 50 ms apart).
EXAMPLE_FILE = "matx2_wa071017b_NL_up_1050.mat"


@dataclass
class StageContext:
    """What a stage gets besides its settings.

    Attributes
    ----------
    scheduler : str or None
        Address of a Dask scheduler (None: a LocalCluster).
    progress : bool
        Show progress bars of the long parts (network tasks, scans).
    echo : callable
        Receives one line of progress text.
    """

    scheduler: str | None = None
    progress: bool = True
    echo: Callable[[str], None] = print


@dataclass
class StageResult:
    """What a stage wrote and what it found.

    Attributes
    ----------
    files : list of Path
        Every file written (data first, then figures).
    summary : dict
        Numbers for the report (SI units, unit in the key).
    """

    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def example_recording() -> Path:
    """Path of the VSDi recording shipped with the package (``adexmf/data``)."""
    return Path(str(resources.files("adexmf") / "data" / EXAMPLE_FILE))


def recording_path(config: dict[str, Any]) -> Path:
    """The recording the vsdi stage fits: the shipped example, or the user's file."""
    from ..store import check_readable_file
    from .config import EXAMPLE_RECORDING

    name = config["vsdi"]["recording"]
    if name == EXAMPLE_RECORDING:
        return example_recording()
    return check_readable_file(name, what="[vsdi] recording", hint="give a VSDi .mat file")


def _q(config: dict[str, Any], stage: str, key: str, unit: str) -> float:
    return parse_quantity(config[stage][key], unit, name=f"[{stage}] {key}")


def transfer_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """Transfer functions of the preset on a rate grid; at paper scale also the single-cell
    characterisation of each cell and the two-step fit, chained into one fitted preset."""
    from ..params import load_preset
    from ..pipeline import transfer_function_table
    from ..plotting import plot_transfer_functions
    from ..store import write_netcdf

    preset = load_preset(config["preset"])
    ds = transfer_function_table(preset)
    result = StageResult([write_netcdf(ds, folder / "transfer_functions.nc")])
    result.files += plot_transfer_functions(ds, folder / "transfer_functions.png")
    result.summary["max_rate_Hz"] = {c: float(ds.rate.sel(cell=c).max()) for c in ds.cell.values}
    if config["transfer"]["characterize"]:
        result.files, result.summary["fits"] = _characterize(config, folder, ctx, result.files)
    return result


def _characterize(config, folder: Path, ctx: StageContext, files: list[Path]):
    from ..build import characterize_and_fit

    _, fits, written = characterize_and_fit(
        config["preset"], config["transfer"]["cells"], folder,
        seeds=config["transfer"]["seeds"], duration=_q(config, "transfer", "duration", "s"),
        progress=ctx.progress, echo=ctx.echo,
    )  # fmt: skip
    return files + written, fits


def meanfield_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """Fixed points vs drive (first and second order), a time course under the configured
    stimulus and phase planes at no drive and at the configured drive."""
    from ..meanfield import MeanFieldModel
    from ..meanfield.analysis import scan_summary
    from ..pipeline import drive_scan_stage, phase_plane_stage, time_course_stage
    from ..stimuli import parse_stimulus

    max_drive = _q(config, "meanfield", "max_drive", "Hz")
    drive = _q(config, "meanfield", "drive", "Hz")
    duration = _q(config, "meanfield", "duration", "s")
    stimulus = parse_stimulus(config["meanfield"]["stimulus"])
    ds, files = drive_scan_stage(config["preset"], folder / "fixed_points_vs_drive.nc",
                                 np.linspace(0.0, max_drive, 41))  # fmt: skip
    scan = scan_summary(ds)
    model = MeanFieldModel(config["preset"], order=2)
    run, path, figures = time_course_stage(model, duration, [stimulus], drive=drive,
                                           out=folder / "time_course.nc")  # fmt: skip
    first = MeanFieldModel(config["preset"], order=1)
    ranges = {"nu_e_range": (0.0, 30.0), "nu_i_range": (0.0, 60.0)}
    _, planes, _ = phase_plane_stage(first, [0.0, drive], out=folder / "phase_plane.png",
                                     **ranges)  # fmt: skip
    nu_e = run["rate"].sel(population="exc").values
    return StageResult(
        [*files, path, *figures, *planes],
        {
            "n_drives": scan["n_drives"],
            "n_unstable": scan["n_unstable"],
            "drive_Hz": drive,
            "time_course_peak_nu_e_Hz": float(np.nanmax(nu_e)),
        },
    )


def network_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """The 10,000-neuron network of the preset: raster, rates, traced cells (Fig. 3)."""
    from ..experiments.figure3 import figure3_stage
    from ..network import NetworkModel
    from ..network.analysis import stationary_statistics
    from ..store import read_netcdf

    model = NetworkModel.from_preset(config["preset"])
    files = figure3_stage(folder, model=model, seed=config["network"]["seed"])
    stats = stationary_statistics(read_netcdf(files[0]))
    return StageResult(files, {"seed": config["network"]["seed"], **stats})


def compare_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """The comparison protocols (Figs 4-7, validity map) at the study's scale."""
    from ..compare.stages import comparison_stage

    settings = config["compare"]
    drive = _q(config, "compare", "drive", "Hz")
    result = StageResult()
    network = {"scale": config["scale"], "scheduler": ctx.scheduler, "progress": ctx.progress}
    options = {
        "stationary": {**network, "drive": drive},
        "transient": {**network, "drive": drive},
        "frequency": {**network, "drive": drive, "stimulus": settings["stimulus"]},
        "integrative": {"drive": drive, "stimulus": settings["stimulus"]},
        "validity": network,
    }
    for protocol in settings["protocols"]:
        ctx.echo(f"    {protocol}")
        summary = comparison_stage(protocol, settings["variants"], folder, **options[protocol])
        result.files += [Path(summary.pop("out")), *map(Path, summary.pop("figures"))]
        result.summary[protocol] = summary
    return result


def ring_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """The ring of first-order columns (SPEC 8) after a local stimulus (Fig. 9) and apparent
    motion (Fig. 11)."""
    from ..experiments.ring_figures import plot_figure9, plot_figure11
    from ..meanfield import MeanFieldModel
    from ..params import Ring
    from ..ring import RingModel, centred_stimulus
    from ..ring.analysis import apparent_motion, summarize_motion, summarize_run
    from ..store import write_netcdf

    ring = dataclasses.replace(
        Ring(), n_units=config["ring"]["n_units"],
        v_c=_q(config, "ring", "conduction_velocity", "m/s"),
    )  # fmt: skip
    duration = _q(config, "ring", "duration", "s")
    model = RingModel(ring, MeanFieldModel(config["preset"], order=1))  # SPEC 8: first order
    stimulus = centred_stimulus(ring, "code")
    ds = model.run(duration, [stimulus])
    result = StageResult([write_netcdf(ds, folder / "ring_run.nc")])
    result.files += plot_figure9(ds, folder / "ring_run.png")
    result.summary["run"] = summarize_run(ds)
    motion = apparent_motion(model, duration, stimulus)
    result.files.append(write_netcdf(motion, folder / "apparent_motion.nc"))
    result.files += plot_figure11(motion, folder / "apparent_motion.png")
    result.summary["apparent_motion"] = summarize_motion(motion)
    return result


def vsdi_stage(config: dict[str, Any], folder: Path, ctx: StageContext) -> StageResult:
    """The ring fitted to a VSDi recording (scan, refinement, uncertainty, predictions)."""
    from ..store import json_attr
    from ..vsdi.study import fit_files, fit_outputs, show_recording

    path = recording_path(config)
    shown = show_recording(path, folder / "recording.png")
    fits = fit_files([path], n_points=config["vsdi"]["n_points"],
                     n_units=config["vsdi"]["n_units"], scheduler=ctx.scheduler, out=folder,
                     progress=ctx.progress, report=ctx.echo)  # fmt: skip
    fit = fits[0]
    nc, png = fit_outputs(fit.attrs["session"], fit.attrs["duration_s"], folder)
    summary = json_attr(fit, "summary", source=str(nc))
    return StageResult([nc, png, shown], {**summary, "recording": path.name})


#: Stage name -> function, in the order a study runs them.
STAGE_FUNCTIONS: dict[str, Callable[[dict[str, Any], Path, StageContext], StageResult]] = {
    "transfer": transfer_stage,
    "meanfield": meanfield_stage,
    "network": network_stage,
    "compare": compare_stage,
    "ring": ring_stage,
    "vsdi": vsdi_stage,
}
