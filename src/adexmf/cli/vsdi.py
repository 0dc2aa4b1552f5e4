"""``adexmf vsdi``: the ring fitted to monkey V1 VSDI recordings (SPEC 9, Fig. 10)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import typer

from ..errors import AdexmfError
from ..sweep import check_scheduler
from .common import emit_json, fail

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help=(
        "Monkey V1 voltage-sensitive-dye recordings: show them, scan the ring's maps over "
        "its six parameters, fit each recording and summarise the fits (Fig. 10)."
    ),
    no_args_is_help=True,
)

POINTS = typer.Option(5, "--points", help="Scan grid points per parameter (n^6 maps), >= 2.")
N_UNITS = typer.Option(
    60, "--n-units", help="Columns of the scan's ring (even; 60 as the paper, 20 for a quick try)."
)
SCHEDULER = typer.Option(None, help="Address of a running Dask scheduler (default: local).")
WORKERS = typer.Option(None, "--workers", help="Workers of the local Dask cluster.")

#: Scan fields -> the options that set them, for error messages.
_OPTIONS = {"ScanSettings.n_points": "--points", "ScanSettings.n_units": "--n-units"}


def _fail(exc: AdexmfError) -> None:
    """``fail`` with the scan's fields named by their options."""
    text = str(exc)
    for field, option in _OPTIONS.items():
        text = text.replace(field, option)
    fail(type(exc)(text) if text != str(exc) else exc)


def _finite(obj: Any) -> Any:
    """JSON-safe copy: non-finite numbers (an unconstrained uncertainty is inf) -> null."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@app.command("show")
def show_cmd(
    file: Path = typer.Argument(..., help="VSDI recording (.mat)."),
    out: Path | None = typer.Option(
        None, "--out", help="Figure file (default <file name>.png here; PNG and SVG written)."
    ),
) -> None:
    """Draw the four maps of a recording: stim1, stim2, both, non-linearity (x mm, t ms)."""
    from ..workflows.vsdi import show_recording

    try:
        paths = show_recording(file, out)
    except AdexmfError as exc:
        fail(exc)
    typer.echo("\n".join(f"figure: {path}" for path in paths))


@app.command("scan")
def scan_cmd(
    points: int = POINTS,
    n_units: int = N_UNITS,
    scheduler: str | None = SCHEDULER,
    workers: int | None = WORKERS,
    folder: Path | None = typer.Option(
        None, "--folder", help="Task store of the scan (default: the user cache, by settings)."
    ),
) -> None:
    """Compute (or load) the scan of the ring's dV/V0 maps over the n^6 parameter grid.

    Tasks are stored as they finish; a rerun loads them and computes only the missing ones.
    """
    from ..vsdi.scan import ScanSettings, default_folder, run_scan

    start = time.perf_counter()
    try:
        check_scheduler(scheduler)
        settings = ScanSettings(n_points=points, n_units=n_units)
        scan = run_scan(settings, folder=folder, scheduler=scheduler, n_workers=workers,
                        progress=True)  # fmt: skip
    except AdexmfError as exc:
        _fail(exc)
    elapsed = time.perf_counter() - start
    where = folder if folder is not None else default_folder(settings)
    typer.echo(
        f"scan: {scan.sizes['point']} points ({points}^6), N = {n_units} columns, "
        f"{scan.sizes['time']} times x {scan.sizes['r']} distances"
    )
    typer.echo(f"  folder: {where}")
    typer.echo(f"  time: {elapsed:.1f} s")


def _fit_line(summary: dict[str, Any]) -> str:
    from ..vsdi.scan import NAMES, human

    parts = []
    for name in NAMES:
        key, unit, _ = human(name)
        v, sd = summary["parameters"][key], summary["uncertainty"][key]
        sd_text = f"{sd:.2g}" if math.isfinite(sd) else "inf"
        bound = " (at its range limit)" if key in summary.get("at_bound", ()) else ""
        parts.append(f"{name} {v:.3g} ± {sd_text} {unit}{bound}")
    return (
        f"{summary['session']} ({summary['duration_ms']:g} ms): residual "
        f"{summary['residual']:.4g} (default {summary['default_residual']:.4g}); "
        + ", ".join(parts)
        + f"; predicted stim2 {summary['stim2_residual']:.4g}, both "
        f"{summary['both_residual']:.4g}"
    )


@app.command("fit")
def fit_cmd(
    files: list[Path] = typer.Argument(..., help="VSDI recordings (.mat)."),
    points: int = POINTS,
    n_units: int = N_UNITS,
    scheduler: str | None = SCHEDULER,
    workers: int | None = WORKERS,
    scan_folder: Path | None = typer.Option(
        None, "--scan-folder", help="Task store of the scan (default: the user cache)."
    ),
    out: Path = typer.Option(Path("vsdi-fits"), "--out", help="Results folder."),
    as_json: bool = typer.Option(
        False, "--json", help="Print a JSON list, one object per file (null: unconstrained)."
    ),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not draw the figures."),
) -> None:
    """Fit the ring to each recording's stim1 response and predict stim2 and both.

    Runs (or reuses) the scan, then writes OUT/<session>_<duration>ms.fit.nc and its
    figure (.fit.png) per file.
    """
    from ..workflows.stage import run_stage
    from ..workflows.vsdi import fit_stage

    try:
        check_scheduler(scheduler)
        result = run_stage(
            fit_stage, files, n_points=points, n_units=n_units, scheduler=scheduler,
            n_workers=workers, scan_folder=scan_folder, out=out, figure=not no_figure,
            progress=True, report=lambda line: typer.echo(line, err=True),
        )  # fmt: skip
    except AdexmfError as exc:
        _fail(exc)
    rows = result.summary["fits"]
    if as_json:
        typer.echo(json.dumps(_finite(rows), allow_nan=False))
        return
    for row in rows:
        typer.echo(_fit_line(row))
        typer.echo(
            f"  data: {row['out']}" + (f"; figure: {row['figure']}" if row["figure"] else "")
        )


def _p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.3g}"


def _statistics_lines(stats: dict[str, Any]) -> list[str]:
    def spread(key: str, factor: float, unit: str, label: str) -> str:
        s = stats[key]
        if s["mean"] is None:
            return f"{label}: n/a"
        sd = "" if s["sd"] is None else f" ± {s['sd'] * factor:.3g}"
        return f"{label} = {s['mean'] * factor:.3g}{sd} {unit} (mean ± sd, n = {s['n']})"

    pair = stats["l_exc_vs_l_inh"]
    diff = pair["mean_difference_m"]
    lines = [
        spread("v_c_m_per_s", 1e3, "mm/s", "v_c"),
        spread("l_stim_m", 1e3, "mm", "l_stim"),
        f"l_exc - l_inh = {'n/a' if diff is None else f'{diff * 1e3:.3g} mm'} (mean, n = "
        f"{pair['n']}): Wilcoxon W = {_p(pair['wilcoxon']['statistic'])}, p = "
        f"{_p(pair['wilcoxon']['p_value'])}; paired t = {_p(pair['t_test']['statistic'])}, "
        f"p = {_p(pair['t_test']['p_value'])}",
    ]
    for name in ("tau1", "tau2"):
        s = stats[f"{name}_vs_duration"]
        lines.append(
            f"{name} vs stimulus duration: Spearman rho = {_p(s['rho'])}, p = "
            f"{_p(s['p_value'])} (n = {s['n']})"
        )
    frac = stats["fraction_below_default"]
    lines.append(
        f"fitted residual below the default's: {stats['n_below_default']}/"
        f"{stats['n_recordings']}" + ("" if frac is None else f" ({frac:.0%})")
    )
    return lines


@app.command("summary")
def summary_cmd(
    folder: Path = typer.Argument(..., help="Folder of the fits (*.fit.nc)."),
    out: Path | None = typer.Option(None, "--out", help="Results folder (default: FOLDER)."),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON (SI)."),
) -> None:
    """Table (NetCDF + CSV), statistics and summary figure of the fits in FOLDER.

    Statistics across recordings: mean ± sd of v_c and l_stim, l_exc vs l_inh (paired
    Wilcoxon and t-test), tau1 and tau2 vs stimulus duration (Spearman), and how often the
    fit beats the default parameters.
    """
    from ..workflows.stage import run_stage
    from ..workflows.vsdi import summary_stage

    try:
        result = run_stage(summary_stage, folder, out)
    except AdexmfError as exc:
        fail(exc)
    stats, written = result.summary["statistics"], result.files
    if as_json:
        emit_json({"statistics": stats, "files": [str(p) for p in written]})
        return
    recordings = result.summary["recordings"]
    typer.echo(f"{len(recordings)} recording(s): {', '.join(recordings)}")
    for line in _statistics_lines(stats):
        typer.echo(f"  {line}")
    for path in written:
        typer.echo(f"  written: {path}")
