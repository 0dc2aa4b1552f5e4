"""``adexmf brain``: networks of columns on a connectome (SPEC 11)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError, ParameterError
from .common import emit_json, fail, quantity, quantity_list

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text
    help=(
        "Networks of mean-field columns on a connectome: delayed long-range coupling, "
        "noise, BOLD, functional connectivity, regimes (wake-like / sleep-like)."
    ),
    no_args_is_help=True,
)

VARIANT = typer.Option(
    "adaptation-W", help="Column of every region: a mean-field variant (adexmf compare --help "
    "lists them) or tvb_zerlaut (TVB's ZerlautAdaptationFirstOrder and its conventions).")
ORDER = typer.Option(1, help="Order of the column's mean field: 1 or 2.")
CONNECTOME = typer.Option(
    "synthetic68", help="Connectome: synthetic68 (embedded), a tvb-data name "
    "(connectivity_76...; optional extra) or the path of a TVB zip or folder.")
REGIONS = typer.Option(None, help="Comma-separated region labels or indices to keep (default all).")
NORMALISATION = typer.Option(
    None, help="Weights: none, max or in_degree (default: in_degree; none for tvb_zerlaut, "
    "TVB's convention).")
VELOCITY = typer.Option("4m/s", help="Conduction velocity (TVB's speed).")
DRIVE = typer.Option("4Hz", help="External drive of every region.")
NOISE = typer.Option("0Hz", help="Std of the OU noise on the long-range input.")
NOISE_TAU = typer.Option("5ms", help="Correlation time of the noise.")
SEED = typer.Option(0, help="Seed of the noise.")
DURATION = typer.Option("10s", help="Biological time simulated.")
ANALYSIS_START = typer.Option(
    None, help="Start of the window the summary averages over (default half the run).")
DT = typer.Option("0.1ms", "--dt", help="Time step.")
NO_FIGURE = typer.Option(False, "--no-figure", help="Do not draw the figure.")
JSON = typer.Option(False, "--json", help="Print a JSON summary (SI units).")
#: The library's names of what the command's options give, where they differ.
ALIASES = {"column": "variant", "noise_sigma": "noise"}


def _regions(regions: str | None) -> list[str | int] | None:
    """The regions of ``--regions`` (labels, or indices where a number); None for all."""
    if regions is None:
        return None
    names = [r.strip() for r in regions.split(",") if r.strip()]
    return [int(r) if r.isdigit() else r for r in names]


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"{option}: {text.strip()!r} is not a number") from None


def _time(text: str | None, option: str) -> float | None:
    return None if text is None else quantity(text, "s", option)


@app.command("run")
def run_cmd(
    variant: str = VARIANT,
    order: int = ORDER,
    connectome: str = CONNECTOME,
    regions: str | None = REGIONS,
    normalisation: str | None = NORMALISATION,
    coupling: float = typer.Option(0.3, help="Global coupling G (TVB's Linear a), >= 0."),
    conduction_velocity: str = VELOCITY,
    b: str | None = typer.Option(None, "--b", help="Adaptation b of the excitatory cells "
                                 "(default the column's; TVB's b_e)."),
    drive: str = DRIVE,
    noise: str = NOISE,
    noise_tau: str = NOISE_TAU,
    seed: int = SEED,
    duration: str = DURATION,
    analysis_start: str | None = ANALYSIS_START,
    dt: str = DT,
    method: str = typer.Option("heun", help="Integration scheme: heun or euler."),
    bold: bool = typer.Option(False, "--bold/--no-bold", help="Also compute BOLD and its FC."),
    out: Path = typer.Option(Path("adexmf-results/brain_run.nc"), help="NetCDF file of the run."),
    no_figure: bool = NO_FIGURE,
    as_json: bool = JSON,
) -> None:
    """Integrate a network of columns on a connectome; write the series, the figure and a
    summary per region (mean rates, W, regime, dominant frequency, FC)."""
    from ..brain import BrainNetwork, OUNoise, brain_column, load_connectome
    from ..workflows.brain import brain_run_stage
    from ..workflows.stage import run_stage

    try:
        conn = load_connectome(connectome)
        if regions is not None:
            conn = conn.subset(_regions(regions))
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
            analysis_start=_time(analysis_start, "--analysis-start"),
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc, ALIASES)
    s = result.summary
    if as_json:
        emit_json({**s, "out": str(result.files[0]), "figures": [str(f) for f in result.files[1:]]})
        return
    _print_run(s, result.files)


@app.command("sweep")
def sweep_cmd(
    couplings: str = typer.Option("0,0.25,0.5,0.75,1", help="Comma-separated couplings G."),
    b_values: str = typer.Option("0pA,30pA,60pA,90pA,120pA,150pA",
                                 help="Comma-separated adaptation b of the excitatory cells."),
    variant: str = VARIANT,
    order: int = ORDER,
    connectome: str = CONNECTOME,
    regions: str | None = REGIONS,
    normalisation: str | None = NORMALISATION,
    conduction_velocity: str = VELOCITY,
    drive: str = DRIVE,
    noise: str = NOISE,
    noise_tau: str = NOISE_TAU,
    seed: int = SEED,
    duration: str = DURATION,
    analysis_start: str | None = ANALYSIS_START,
    dt: str = DT,
    method: str = typer.Option("heun", help="Integration scheme: heun or euler."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address (default: local)."),
    out: Path = typer.Option(Path("adexmf-results/brain_sweep/brain_sweep.nc"),
                             help="NetCDF file of the map; tasks are stored next to it."),
    no_figure: bool = NO_FIGURE,
    as_json: bool = JSON,
) -> None:
    """Sweep global coupling x adaptation b (wake-like to sleep-like) on Dask, every point
    stored as it finishes (a rerun skips them); write the regime map."""
    from ..brain.sweep import SweepSettings
    from ..workflows.brain import brain_sweep_stage
    from ..workflows.stage import run_stage

    try:
        g = [_number(x, "--couplings") for x in couplings.split(",") if x.strip()]
        bs = quantity_list(b_values, "A", "--b-values")
        picked = _regions(regions)
        settings = SweepSettings(
            connectome=connectome, regions=None if picked is None else tuple(picked),
            column=variant, order=order, normalisation=normalisation,
            conduction_velocity=quantity(conduction_velocity, "m/s", "--conduction-velocity"),
            drive=quantity(drive, "Hz", "--drive"), noise_sigma=quantity(noise, "Hz", "--noise"),
            noise_tau=quantity(noise_tau, "s", "--noise-tau"), seed=seed,
            duration=quantity(duration, "s", "--duration"),
            analysis_start=_time(analysis_start, "--analysis-start"), dt=quantity(dt, "s", "--dt"),
            method=method,
        )  # fmt: skip
        result = run_stage(brain_sweep_stage, settings, g, bs, out=out, scheduler=scheduler,
                           progress=not as_json, draw=not no_figure)  # fmt: skip
    except AdexmfError as exc:
        fail(exc, ALIASES)
    s = result.summary
    if as_json:
        emit_json({**s, "out": str(result.files[0]), "figures": [str(f) for f in result.files[1:]]})
        return
    typer.echo(f"brain sweep: {s['points']} points x {s['regions']} regions; mean nu_e "
               f"{s['nu_e_mean_min_Hz']:.3f}-{s['nu_e_mean_max_Hz']:.3f} Hz; "
               f"{s['slow_oscillation_points']} points with most regions in slow oscillation")
    for f in result.files:
        typer.echo(f"  {f}")


def _print_run(s: dict, files: list) -> None:
    import numpy as np

    from ..timeseries import REGIMES

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
