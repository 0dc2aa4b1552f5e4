"""VSDi stages: fit the ring to recordings (``adexmf vsdi fit`` and the study's vsdi stage),
the summary of a folder of fits, the figure of a recording. Every input is checked and
every destination probed before the expensive work starts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import ParameterError
from ..figures.fig10_vsdi import plot_figure10, plot_vsdi_fit, plot_vsdi_recording
from ..figures.style import figure_paths
from ..netcdf import json_attr, write_netcdf
from ..store import check_destination, check_folder, check_readable_file
from ..vsdi.fit import FitSettings, fit_recording
from ..vsdi.io import load_recording
from ..vsdi.scan import ScanSettings, run_scan
from ..vsdi.summary import FIT_SUFFIX, summarize, table_paths, write_table
from .config import EXAMPLE_RECORDING, VsdiSettings
from .stage import StageContext, StageResult

#: The example recording shipped with the package (Monkey 1, 10 ms stimuli 50 ms apart).
EXAMPLE_FILE = "matx2_wa071017b_NL_up_1050.mat"
#: Default results folder of :func:`fit_files`.
DEFAULT_OUT = Path("vsdi-fits")
#: Name of the summary figure written by :func:`summary_stage`.
SUMMARY_FIGURE = "vsdi_summary.png"


def fit_outputs(session: str, duration_s: float, out: str | Path) -> tuple[Path, Path]:
    """The fit file and the figure :func:`fit_files` writes for one recording:
    ``<out>/<session>_<duration in ms>ms.fit.nc`` and ``.fit.png`` (with its ``.fit.svg``)."""
    stem = f"{session}_{duration_s * 1e3:g}ms"
    out = Path(out)
    return out / f"{stem}{FIT_SUFFIX}", out / f"{stem}.fit.png"


def fit_files(
    paths: Sequence[str | Path],
    *,
    n_points: int = 5,
    n_units: int = 60,
    scheduler: str | None = None,
    n_workers: int | None = None,
    scan_folder: str | Path | None = None,
    out: str | Path = DEFAULT_OUT,
    figure: bool = True,
    progress: bool | Callable[[int, int], None] = False,
    fit: FitSettings | None = None,
    report: Callable[[str], None] | None = None,
) -> list[xr.Dataset]:
    """Fit the ring to each recording and write the fits (and their figures).

    Every recording is read (a missing or foreign file fails here), and every destination
    is checked, before the scan starts; the scan is computed once, or loaded from its task
    store, and serves every recording.

    Parameters
    ----------
    paths : sequence of str or Path
        VSDI recordings (``.mat``, :func:`adexmf.vsdi.load_recording`).
    n_points, n_units : int
        Grid points per parameter and columns of the scan (:class:`ScanSettings`).
    scheduler : str, optional
        Address of a Dask scheduler for the scan (default: a LocalCluster).
    n_workers : int, optional
        Workers of the LocalCluster.
    scan_folder : str or Path, optional
        Task store of the scan (default: the user cache, by settings).
    out : str or Path
        Results folder.
    figure : bool
        Draw :func:`adexmf.figures.fig10_vsdi.plot_vsdi_fit` for each recording (PNG and
        SVG).
    progress : bool or callable
        Progress display of the scan (:func:`adexmf.sweep.run_tasks`).
    fit : FitSettings, optional
        Choices of the fit.
    report : callable, optional
        Receives one line of text per finished fit (for a progress display).

    Returns
    -------
    list of xarray.Dataset
        The fits (:func:`adexmf.vsdi.fit.fit_recording`), in the order of ``paths``; the
        files are at :func:`fit_outputs`.

    Raises
    ------
    ParameterError
        No file given, bad scan settings, or two recordings with the same session and
        stimulus duration (they would write the same file).
    InputFileError
        A recording that is missing or not a VSDI recording.
    OutputError
        A results folder or file that cannot be written.
    """
    settings = ScanSettings(n_points=n_points, n_units=n_units)
    fit = fit or FitSettings()
    if not paths:
        raise ParameterError("no VSDI recording given; give one or more .mat files")
    recordings = [load_recording(p) for p in paths]
    _check_fit_outputs(recordings, out, figure)
    scan = run_scan(settings, folder=scan_folder, scheduler=scheduler, n_workers=n_workers,
                    progress=progress)  # fmt: skip
    fits = []
    for k, rec in enumerate(recordings, 1):
        start = time.perf_counter()
        fits.append(_fit_one(rec, scan, fit, out, figure))
        if report is not None:
            report(
                f"fit {k}/{len(recordings)}: {rec.attrs['session']} "
                f"({rec.attrs['duration_s'] * 1e3:g} ms) in {time.perf_counter() - start:.1f} s"
            )
    return fits


def fit_stage(paths: Sequence[str | Path], *, out: str | Path = DEFAULT_OUT,
              figure: bool = True, **options: Any) -> StageResult:
    """:func:`fit_files` as a stage: the fits, their files and one summary row per fit.

    Returns
    -------
    StageResult
        Files (each fit's NetCDF, then its figure's PNG and SVG); summary ``fits``: per
        recording the fit's summary (SI units) with ``out`` and ``figure`` (None without
        figures); data ``fit<k>`` per recording, in the order of ``paths``.
    """
    fits = fit_files(paths, out=out, figure=figure, **options)
    result = StageResult(summary={"fits": []})
    for k, ds in enumerate(fits):
        nc, png = fit_outputs(ds.attrs["session"], ds.attrs["duration_s"], out)
        result.files += [nc, png, png.with_suffix(".svg")] if figure else [nc]
        row = {**json_attr(ds, "summary", source=str(nc)), "out": str(nc),
               "figure": str(png) if figure else None}  # fmt: skip
        result.summary["fits"].append(row)
        result.data[f"fit{k}"] = ds
    return result


def _check_fit_outputs(recordings: Sequence[xr.Dataset], out: str | Path, figure: bool) -> None:
    """Every destination of the fits checked before the scan; two recordings that would
    write the same file are refused."""
    check_folder(out)
    targets: dict[Path, str] = {}
    for rec in recordings:
        nc, png = fit_outputs(rec.attrs["session"], rec.attrs["duration_s"], out)
        if nc in targets:
            raise ParameterError(
                f"{rec.attrs['file']!r} and {targets[nc]!r} are both session "
                f"{rec.attrs['session']} with {rec.attrs['duration_s'] * 1e3:g} ms stimuli: "
                f"they would both be written to {str(nc)!r}; give each recording once"
            )
        targets[nc] = rec.attrs["file"]
        check_destination(nc)
        if figure:
            figure_paths(png)


def _fit_one(rec: xr.Dataset, scan: Any, fit: FitSettings, out: str | Path,
             figure: bool) -> xr.Dataset:
    """Fit one recording, write its fit (and figure)."""
    ds = fit_recording(rec, scan, fit=fit)
    nc, png = fit_outputs(rec.attrs["session"], rec.attrs["duration_s"], out)
    write_netcdf(ds, nc)
    if figure:
        plot_vsdi_fit(ds, png)
    return ds


def summary_stage(folder: str | Path, out: str | Path | None = None) -> StageResult:
    """The table of the fits in ``folder`` (``*.fit.nc``), written with its summary figure.

    Parameters
    ----------
    folder : str or Path
        Folder of the fits (:func:`fit_files`).
    out : str or Path, optional
        Results folder (default: ``folder``): ``vsdi_fits.nc``, ``vsdi_fits.csv`` and
        ``vsdi_summary.png`` and ``.svg``.

    Returns
    -------
    StageResult
        The files written; summary ``statistics`` (across recordings, SI units) and
        ``recordings``; data ``table`` (:func:`adexmf.vsdi.summary.fit_table`).
    """
    out = Path(folder if out is None else out)
    check_folder(out)
    for path in table_paths(out):
        check_destination(path)
    figure_paths(out / SUMMARY_FIGURE)
    table = summarize(folder)
    written = write_table(table, out)
    written += plot_figure10(table, out / SUMMARY_FIGURE)
    summary = {"statistics": json.loads(table.attrs["statistics"]),
               "recordings": [str(r) for r in table.recording.values]}  # fmt: skip
    return StageResult(written, summary, data={"table": table})


def show_recording(path: str | Path, out: str | Path | None = None) -> list[Path]:
    """Draw the four maps of a recording (:func:`adexmf.figures.fig10_vsdi.plot_vsdi_recording`).

    Parameters
    ----------
    path : str or Path
        The recording (``.mat``).
    out : str or Path, optional
        Figure file (default ``<file name>.png`` in the current folder); PNG and SVG are
        written (:func:`adexmf.figures.style.save_figure`).

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    target = Path(Path(path).stem + ".png") if out is None else Path(out)
    figure_paths(target)
    return plot_vsdi_recording(load_recording(path), target)


def example_recording() -> Path:
    """Path of the VSDi recording shipped with the package (``adexmf/data``)."""
    return Path(str(resources.files("adexmf") / "data" / EXAMPLE_FILE))


def recording_path(recording: str) -> Path:
    """The recording a study fits: the shipped example (``"example"``), or the user's file."""
    if recording == EXAMPLE_RECORDING:
        return example_recording()
    return check_readable_file(recording, what="[vsdi] recording", hint="give a VSDi .mat file")


def vsdi_study_stage(settings: VsdiSettings, folder: Path, ctx: StageContext) -> StageResult:
    """The ring fitted to the study's recording: its figure, the fit (NetCDF) and the fit's
    figure; the summary is the fit's (:mod:`adexmf.vsdi.fit`) with the recording's name."""
    path = recording_path(settings.recording)
    shown = show_recording(path, folder / "recording.png")  # PNG and SVG
    fits = fit_stage([path], n_points=settings.n_points, n_units=settings.n_units,
                     scheduler=ctx.scheduler, out=folder, progress=ctx.progress,
                     report=ctx.echo)  # fmt: skip
    summary = {k: v for k, v in fits.summary["fits"][0].items() if k not in ("out", "figure")}
    fits.files += shown
    fits.summary = {**summary, "recording": path.name}
    return fits
