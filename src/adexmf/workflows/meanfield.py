"""Mean-field stages: fixed points vs drive, a time course, phase planes (``adexmf mf``).

Each stage checks every destination before any work, computes through
:mod:`adexmf.meanfield`, writes NetCDF, draws through :mod:`adexmf.figures` and returns a
:class:`~adexmf.workflows.stage.StageResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..figures.meanfield import plot_fixed_points_vs_drive, plot_phase_planes, plot_time_course
from ..figures.style import figure_paths
from ..meanfield import MeanFieldModel, drive_scan, phase_plane
from ..meanfield.analysis import (
    check_run_size,
    estimate_run_seconds,
    scan_summary,
    stimulus_response,
    time_course_summary,
)
from ..meanfield.model import ColumnModel
from ..netcdf import write_netcdf
from ..params import Preset
from ..stimuli import Stimulus
from ..store import check_destination
from ..validity import flags_summary
from .config import MeanFieldSettings
from .stage import StageResult


def drive_scan_stage(
    preset: Preset | str, out: Path, drives: np.ndarray, adaptation: bool = False
) -> StageResult:
    """Mean-field fixed points (first and second order) vs drive: NetCDF + figure.

    Parameters
    ----------
    preset : Preset or str
    out : Path
        NetCDF file (dims order, drive, fixed_point; SI units); the figure (PNG and SVG) is
        written next to it.
    drives : ndarray
        Drive rates (Hz).
    adaptation : bool
        Use the adaptation variant.

    Returns
    -------
    StageResult
        Files (data first), :func:`~adexmf.meanfield.analysis.scan_summary` with
        ``outside_fit_domain`` (states flagged), data ``scan``.
    """
    path = check_destination(out, option="out", suffixes=(".nc",))
    figure_paths(path.with_suffix(".png"), option="out")  # before the scan
    ds = drive_scan(preset, drives, adaptation=adaptation)
    path = write_netcdf(ds, path, option="out")
    figures = plot_fixed_points_vs_drive(ds, path.with_suffix(".png"))
    summary = {**scan_summary(ds), "outside_fit_domain": int(ds.attrs.get("outside_fit_domain", 0))}
    return StageResult([path, *figures], summary, data={"scan": ds})


def time_course_stage(
    model: ColumnModel,
    duration: float,
    stimuli: Sequence[Stimulus] = (),
    *,
    out: Path,
    figure: Path | None = None,
    draw: bool = True,
    drive: float = 0.0,
    dt: float = 1e-4,
    method: str = "heun",
    record_every: int = 1,
    compress: bool = False,
    notify: Callable[[str], None] | None = None,
) -> StageResult:
    """A mean-field time course under stimuli, written as NetCDF and drawn (``mf run``).

    Every destination and the size of the run are checked before any work; a run estimated
    to take more than a few seconds is announced through ``notify``.

    Parameters
    ----------
    model : ColumnModel
    duration : float
        Biological time (s).
    stimuli : sequence of Stimulus
        Afferent stimuli (Hz) onto the excitatory population.
    out : Path
        NetCDF file (``.nc``).
    figure : Path, optional
        Figure file (PNG and SVG written); default ``out`` with ``.png``.
    draw : bool
        Draw the figure.
    drive, dt, method, record_every
        As in :func:`adexmf.meanfield.analysis.stimulus_response` (Hz, s).
    compress : bool
        Compress the float series of ``out`` (gzip level 1, byte shuffle): files 3-7x
        smaller for a run under a stimulus, but deflate costs about as much as the
        integration. Default False: stored plain, written at memory speed (about 2 MB per
        biological second at dt = 0.1 ms, second order); the values are the same either way
        (:func:`adexmf.netcdf.write_netcdf`).
    notify : callable, optional
        Receives a line announcing a long run (the command line prints it on stderr).

    Returns
    -------
    StageResult
        Files (data first), the run's summary (:func:`time_course_summary`, flags), data
        ``time_course``.
    """
    out = check_destination(out, option="out", suffixes=(".nc",))
    fig_path = Path(figure) if figure is not None else out.with_suffix(".png")
    if draw:
        figure_paths(fig_path, option="figure" if figure is not None else "out")
    check_run_size(duration, dt, record_every, model)
    seconds = estimate_run_seconds(model, duration, dt, method)
    if notify is not None and seconds > 5.0:
        notify(
            f"mean field: {duration / dt:.3g} steps of dt = {dt * 1e3:g} ms, estimated "
            f"{seconds:.0f} s (interrupt with Ctrl-C)"
        )
    ds = stimulus_response(
        model, duration, stimuli, drive=drive, dt=dt, method=method, record_every=record_every
    )
    path = write_netcdf(ds, out, option="out", compress_floats=compress)
    figures = plot_time_course(ds, fig_path) if draw else []
    summary = {
        "model": model.label,
        "preset": model.preset.name,
        "drive": drive,
        "stimulus": ds.attrs["stimulus"],
        **time_course_summary(ds),
        **flags_summary(ds.attrs),
    }
    return StageResult([path, *figures], summary, data={"time_course": ds})


def phase_plane_stage(
    model: ColumnModel,
    drives: Sequence[float],
    *,
    nu_e_range: tuple[float, float],
    nu_i_range: tuple[float, float],
    out: Path,
    data: Path | None = None,
) -> StageResult:
    """First-order phase planes at several drives: one figure, optional NetCDF per panel.

    Every destination is checked before the panels are computed.

    Returns
    -------
    StageResult
        Files (the panels' data ``DATA_drive<d>Hz.nc`` first, then the figure); summary
        ``fixed_points`` (per drive: nu_e, nu_i in Hz, stable) and ``data_files``; data
        ``drive<d>Hz`` per panel.
    """
    figure_paths(out, option="out")
    targets = []
    if data is not None:
        data = check_destination(data, option="data", suffixes=(".nc", ""))  # the stem
        targets = [data.with_name(f"{data.stem}_drive{d:g}Hz.nc") for d in drives]
        for target in targets:
            check_destination(target, option="data")
    planes = [phase_plane(model, d, nu_e_range=nu_e_range, nu_i_range=nu_i_range) for d in drives]
    figures = plot_phase_planes(planes, out)
    written = [write_netcdf(ds, t, option="data") for ds, t in zip(planes, targets, strict=False)]
    points = [
        {
            "drive_Hz": float(d),
            "nu_e_Hz": ds.fixed_point_nu_e.values.tolist(),
            "nu_i_Hz": ds.fixed_point_nu_i.values.tolist(),
            "stable": [bool(s) for s in ds.fixed_point_stable.values],
        }
        for d, ds in zip(drives, planes, strict=True)
    ]
    summary = {"fixed_points": points, "data_files": [str(p) for p in written]}
    data_sets = {f"drive{d:g}Hz": ds for d, ds in zip(drives, planes, strict=True)}
    return StageResult([*written, *figures], summary, data=data_sets)


def meanfield_study_stage(
    settings: MeanFieldSettings, preset: Preset, folder: Path
) -> StageResult:
    """The study's mean-field stage: fixed points vs drive (first and second order, 41 drives
    up to ``max_drive``), a second-order time course under the stimulus, and first-order phase
    planes at no drive and at the drive."""
    result = drive_scan_stage(preset, folder / "fixed_points_vs_drive.nc",
                              np.linspace(0.0, settings.max_drive, 41))  # fmt: skip
    scan = result.summary
    run = time_course_stage(MeanFieldModel(preset, order=2), settings.duration,
                            [settings.afferent], drive=settings.drive,
                            out=folder / "time_course.nc")  # fmt: skip
    # The planes span the preset's fit domain (the inputs nu_e + drive, nu_i of every cell
    # stay inside it), so that nothing drawn is an extrapolation of the fitted threshold.
    top_e = min(t.domain_nu_e[1] for t in preset.transfer.values()) - settings.drive
    top_i = min(t.domain_nu_i[1] for t in preset.transfer.values())
    planes = phase_plane_stage(MeanFieldModel(preset, order=1), [0.0, settings.drive],
                               nu_e_range=(0.0, max(top_e, 1.0)), nu_i_range=(0.0, top_i),
                               out=folder / "phase_plane.png")  # fmt: skip
    nu_e = run.data["time_course"]["rate"].sel(population="exc").values
    result.files += run.files + planes.files
    result.summary = {
        "n_drives": scan["n_drives"],
        "n_unstable": scan["n_unstable"],
        "drive_Hz": settings.drive,
        "time_course_peak_nu_e_Hz": float(np.nanmax(nu_e)),
    }
    return result
