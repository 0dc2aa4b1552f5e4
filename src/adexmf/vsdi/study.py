"""The VSDI study as stages, one function per command of ``adexmf vsdi``.

- :func:`fit_files`: check the recordings and the results folder, run (or reuse) the scan,
  fit each recording, write ``<session>_<duration>ms.fit.nc`` and its figure;
- :func:`summary_stage`: the table, its statistics and the summary figure of a folder of fits;
- :func:`show_recording`: the figure of a raw recording's four maps.

Every input is checked and every destination probed before the expensive work starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import xarray as xr

from ..errors import ParameterError
from ..store import check_destination, check_folder, write_netcdf
from .fit import FitSettings, fit_recording
from .io import load_recording
from .scan import ScanSettings, run_scan
from .summary import (
    FIT_SUFFIX,
    figure_fit,
    figure_path,
    figure_recording,
    figure_summary,
    summarize,
    table_paths,
    write_table,
)

__all__ = [
    "DEFAULT_OUT",
    "SUMMARY_FIGURE",
    "fit_files",
    "fit_outputs",
    "show_recording",
    "summary_stage",
]

#: Default results folder of :func:`fit_files`.
DEFAULT_OUT = Path("vsdi-fits")
#: Name of the summary figure written by :func:`summary_stage`.
SUMMARY_FIGURE = "vsdi_summary.png"


def fit_outputs(session: str, duration_s: float, out: str | Path) -> tuple[Path, Path]:
    """The fit file and the figure :func:`fit_files` writes for one recording:
    ``<out>/<session>_<duration in ms>ms.fit.nc`` and ``.fit.png``."""
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
        Draw :func:`adexmf.vsdi.summary.figure_fit` for each recording.
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
            figure_path(png)
    scan = run_scan(settings, folder=scan_folder, scheduler=scheduler, n_workers=n_workers,
                    progress=progress)  # fmt: skip
    fits = []
    for k, rec in enumerate(recordings, 1):
        start = time.perf_counter()
        ds = fit_recording(rec, scan, fit=fit)
        nc, png = fit_outputs(rec.attrs["session"], rec.attrs["duration_s"], out)
        write_netcdf(ds, nc)
        if figure:
            figure_fit(ds, png)
        fits.append(ds)
        if report is not None:
            report(
                f"fit {k}/{len(recordings)}: {rec.attrs['session']} "
                f"({rec.attrs['duration_s'] * 1e3:g} ms) in {time.perf_counter() - start:.1f} s"
            )
    return fits


def summary_stage(
    folder: str | Path, out: str | Path | None = None
) -> tuple[xr.Dataset, list[Path]]:
    """The table of the fits in ``folder`` (``*.fit.nc``), written with its summary figure.

    Parameters
    ----------
    folder : str or Path
        Folder of the fits (:func:`fit_files`).
    out : str or Path, optional
        Results folder (default: ``folder``): ``vsdi_fits.nc``, ``vsdi_fits.csv`` and
        ``vsdi_summary.png``.

    Returns
    -------
    (xarray.Dataset, list of Path)
        The table (:func:`adexmf.vsdi.summary.fit_table`) and the files written.
    """
    out = Path(folder if out is None else out)
    check_folder(out)
    for path in table_paths(out):
        check_destination(path)
    figure = figure_path(out / SUMMARY_FIGURE)
    table = summarize(folder)
    written = write_table(table, out)
    written.append(figure_summary(table, figure))
    return table, written


def show_recording(path: str | Path, out: str | Path | None = None) -> Path:
    """Draw the four maps of a recording (:func:`adexmf.vsdi.summary.figure_recording`).

    Parameters
    ----------
    path : str or Path
        The recording (``.mat``).
    out : str or Path, optional
        Figure file (default ``<file name>.png`` in the current folder); the suffix chooses
        the format.

    Returns
    -------
    Path
        The figure written.
    """
    target = figure_path(Path(Path(path).stem + ".png") if out is None else out)
    return figure_recording(load_recording(path), target)
