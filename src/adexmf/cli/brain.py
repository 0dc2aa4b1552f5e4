"""``adexmf brain``: networks of columns on a connectome (SPEC 11)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError
from .common import emit_json, fail, quantity

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text
    help=(
        "Networks of mean-field columns on a connectome: delayed long-range coupling, "
        "noise, BOLD, functional connectivity, regimes (wake-like / sleep-like)."
    ),
    no_args_is_help=True,
)


@app.command("run")
def run_cmd(
    variant: str = typer.Option(
        "adaptation-W", help="Column of every region: a mean-field variant (adexmf compare "
        "--help lists them) or tvb_zerlaut (TVB's ZerlautAdaptationFirstOrder and its "
        "conventions)."),
    order: int = typer.Option(1, help="Order of the column's mean field: 1 or 2."),
    connectome: str = typer.Option(
        "synthetic68", help="Connectome: synthetic68 (embedded), a tvb-data name "
        "(connectivity_76...; optional extra) or the path of a TVB zip or folder."),
    regions: str | None = typer.Option(
        None, help="Comma-separated region labels or indices to keep (default all)."),
    normalisation: str | None = typer.Option(
        None, help="Weights: none, max or in_degree (default: in_degree; none for "
        "tvb_zerlaut, TVB's convention)."),
    coupling: float = typer.Option(0.3, help="Global coupling G (TVB's Linear a), >= 0."),
    conduction_velocity: str = typer.Option("4m/s", help="Conduction velocity (TVB's speed)."),
    b: str | None = typer.Option(None, "--b", help="Adaptation b of the excitatory cells "
                                 "(default the column's; TVB's b_e)."),
    drive: str = typer.Option("4Hz", help="External drive of every region."),
    noise: str = typer.Option("0Hz", help="Std of the OU noise on the long-range input."),
    noise_tau: str = typer.Option("5ms", help="Correlation time of the noise."),
    seed: int = typer.Option(0, help="Seed of the noise."),
    duration: str = typer.Option("10s", help="Biological time simulated."),
    analysis_start: str | None = typer.Option(
        None, help="Start of the window the summary averages over (default half the run)."),
    dt: str = typer.Option("0.1ms", "--dt", help="Time step."),
    method: str = typer.Option("heun", help="Integration scheme: heun or euler."),
    bold: bool = typer.Option(False, "--bold/--no-bold", help="Also compute BOLD and its FC."),
    out: Path = typer.Option(Path("adexmf-results/brain_run.nc"), help="NetCDF file of the run."),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not draw the figure."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (SI units)."),
) -> None:
    """Integrate a network of columns on a connectome; write the series, the figure and a
    summary per region (mean rates, W, regime, dominant frequency, FC)."""
    from ..brain import BrainNetwork, OUNoise, brain_column, load_connectome
    from ..workflows.brain import brain_run_stage
    from ..workflows.stage import run_stage

    try:
        conn = load_connectome(connectome)
        if regions:
            conn = conn.subset([int(r) if r.strip().isdigit() else r.strip()
                                for r in regions.split(",")])  # fmt: skip
        net = BrainNetwork(
            conn, brain_column(variant, order), coupling=coupling,
            conduction_velocity=quantity(conduction_velocity, "m/s", "--conduction-velocity"),
            normalisation=normalisation, b=None if b is None else quantity(b, "A", "--b"),
        )  # fmt: skip
        ou = OUNoise(quantity(noise, "Hz", "--noise"), quantity(noise_tau, "s", "--noise-tau"))
        result = run_stage(
            brain_run_stage, net, quantity(duration, "s", "--duration"), out=out,
            drive=quantity(drive, "Hz", "--drive"), dt=quantity(dt, "s", "--dt"),
            method=method, seed=seed, bold=bold, draw=not no_figure,
            noise=ou if ou.sigma > 0 else None,
            analysis_start=None if analysis_start is None else quantity(
                analysis_start, "s", "--analysis-start"),
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc, {"column": "variant", "noise_sigma": "noise", "noise_tau": "noise_tau"})
    s = result.summary
    if as_json:
        emit_json({**s, "out": str(result.files[0]), "figures": [str(f) for f in result.files[1:]]})
        return
    _print_summary(s, result.files)


def _print_summary(s: dict, files: list) -> None:
    import numpy as np

    from ..brain.analysis import REGIMES

    rates = np.array(s["nu_e_Hz"])
    counts = {r: s["regime"].count(r) for r in REGIMES if r in s["regime"]}
    typer.echo(
        f"brain: {s['regions']} regions of {s['connectome']}, {s['column']}, G = "
        f"{s['coupling']:g}, b = {s['b_pA']:g} pA, v = {s['conduction_velocity_m_per_s']:g} "
        f"m/s, {s['duration_s']:g} s in {s['wall_s']:.2f} s"
    )
    typer.echo(
        f"  nu_e from {s['analysis_start_s']:g} s: {rates.min():.3f}-{rates.max():.3f} Hz "
        f"(median {np.median(rates):.3f}); regimes: "
        + ", ".join(f"{n} {r}" for r, n in counts.items())
    )
    if s.get("bold_fc_sc") is not None:
        typer.echo(f"  BOLD FC vs weights: r = {s['bold_fc_sc']:.3f}")
    typer.echo(f"  data: {files[0]}")
    for f in files[1:]:
        typer.echo(f"  figure: {f}")
