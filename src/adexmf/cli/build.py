"""``adexmf build CELL.toml``: a user's cells to a fitted preset, checked against its network."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError
from ..sweep import check_scheduler
from .common import emit_json, fail, quantity


def build(
    cell_file: Path = typer.Argument(..., help="Preset TOML of the cells (no [transfer])."),
    out: Path = typer.Option(Path("adexmf-build"), help="Results folder."),
    seeds: int = typer.Option(4, help="Seeds per grid point of the characterisation (>= 4)."),
    duration: str = typer.Option("5s", help="Simulated time per seed and grid point."),
    drive: str = typer.Option("4Hz", help="External drive of the network check."),
    network_seeds: int = typer.Option(2, help="Seeds of the network check (1.5 s each)."),
    seed: int = typer.Option(0, help="User seed of the characterisation."),
    calibrate: bool = typer.Option(
        False, "--calibrate",
        help="Also calibrate the threshold on the network over drive 2-10 Hz (x 3 b for an "
        "adapting cell) and score it on held-out points (about 2-5 min on 2 cores).",
    ),
    low_rates: bool = typer.Option(
        False, "--low-rates",
        help="Also count the excitatory cell at 0.005-1 Hz (150 cells x 30 s per point) and "
        "refit it with the Poisson loss: for networks with DOWN states (about 1 min).",
    ),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address (default: local)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (SI units)."),
) -> None:
    """Characterise both cells, fit their transfer functions into one preset, compute its
    fixed points and compare its mean field with its spiking network.

    CELL_FILE has the sections of a shipped preset ([meta], [network], [synapses],
    [cells.<E>], [cells.<I>]). A cell the grid cannot characterise (silent under the
    strongest input, or above the grid's top rate, 33 Hz, under its weakest input without
    inhibition: a cell that fires on its own) is refused before the work, saying what to
    change. An adapting excitatory cell (a or b > 0) is characterised at 5 clamped
    adaptation currents and gets the adaptation mean field (W).
    """
    from ..workflows.build import BuildSettings, build_preset
    from ..workflows.stage import run_stage

    try:
        check_scheduler(scheduler)
        settings = BuildSettings(seeds=seeds, duration=quantity(duration, "s", "--duration"),
                                 drive=quantity(drive, "Hz", "--drive"),
                                 network_seeds=network_seeds, seed=seed,
                                 calibrate=calibrate, low_rates=low_rates)  # fmt: skip
        echo = (lambda s: None) if as_json else typer.echo
        result = run_stage(build_preset, cell_file, out, settings, scheduler=scheduler,
                           progress=not as_json, echo=echo)  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    summary = result.summary
    if as_json:
        keys = ("preset", "fits", "check", "adaptation", "calibration")
        emit_json({**{k: summary[k] for k in keys if k in summary},
                   "files": [str(f) for f in result.files]})  # fmt: skip
        return
    check = summary["check"]
    net, mf = check["network"], check["mean_field"]
    typer.echo(f"preset: {summary['preset']}")
    for cell, fit in summary["fits"].items():
        typer.echo(f"  fit {cell}: RMS {fit['rmse_Hz']:.3f} Hz, max {fit['max_error_Hz']:.3f} Hz "
                   f"on {fit['n_points']} points")  # fmt: skip
    typer.echo(f"  network (drive {check['drive_Hz']:g} Hz): nu_e = {net['nu_e']:.3f} +- "
               f"{net['nu_e_std']:.3f} Hz, nu_i = {net['nu_i']:.3f} +- "
               f"{net['nu_i_std']:.3f} Hz")  # fmt: skip
    err = [mf.get(f"error_{k}_percent") for k in ("nu_e", "nu_i")]
    text = ", ".join("n/a" if e is None else f"{e:+.1f} %" for e in err)
    typer.echo(f"  mean field (second order): nu_e = {mf['nu_e']:.3f} Hz, nu_i = {mf['nu_i']:.3f}"
               f" Hz; errors {text}")  # fmt: skip
    if "calibration" in summary:
        cal = summary["calibration"]
        typer.echo(f"  calibrated preset: {cal['preset']}")
        for label in ("before", "after"):
            text = "; ".join(
                f"{half.replace('_', '-')} {100 * m['within_10_percent_fraction']:.0f} % within "
                f"10 %, max {m['max_abs_error_percent']:.1f} % ({m['n_ai']} points)"
                for half, m in cal[label].items() if m["n_ai"]
            )  # fmt: skip
            typer.echo(f"    {label} calibration: {text}")
