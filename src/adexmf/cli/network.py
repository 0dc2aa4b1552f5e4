"""``adexmf network``: spiking-network simulations (Brian2 or NEST) and the Fig. 3 protocol."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError, ParameterError, check_range
from .common import emit_json, fail, quantity

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help="Spiking-network ground truth: run the RS-FS network on Brian2 or NEST.",
    no_args_is_help=True,
)

_BACKEND = typer.Option("brian2", help="Simulator: brian2 (default) or nest.")
_MODE = typer.Option(
    "runtime", help="Brian2 mode: runtime, or standalone (C++, compiled once and cached)."
)
_TARGET = typer.Option(
    None,
    help="Brian2 runtime code target: cython (the default: fast, compiled once) or numpy. "
    "Runtime mode only: refused with --mode standalone and --backend nest.",
)
_SEED = typer.Option(5, help="Seed of connectivity and drive (integer >= 0).")
_N_TOTAL = typer.Option(
    10_000, "--n-total", help="Number of neurons (20% inhibitory); 10,000 in the paper."
)
_KEEP = typer.Option(
    False,
    "--keep-in-degrees",
    help="Scale p so a smaller network keeps the in-degrees K_e = 400, K_i = 100.",
)
_DRIVE = typer.Option("4Hz", help="External drive per synapse, e.g. 4Hz.")
_RAMP = typer.Option("100ms", help="Duration of the linear ramp of the drive, e.g. 100ms.")
_DRIVE_MODEL = typer.Option(
    "independent",
    "--drive-model",
    help="independent (per-neuron Bernoulli trains, the reference) or population.",
)
_DRIVE_EVENTS = typer.Option(
    "bernoulli",
    "--drive-events",
    help="independent drive: bernoulli (one event per step at most, the reference) or "
    "poisson (Poisson count per step, as NEST's generators).",
)
_PRESET = typer.Option("zerlaut2018", help="Preset name or path of a TOML file.")
_THREADS = typer.Option(1, help="NEST threads or OpenMP threads of Brian2 standalone.")

#: Library parameters named otherwise by these commands' options.
_ALIASES = {"t_start": "stationary_start", "rate": "drive"}


def _model(
    preset: str,
    n_total: int,
    keep: bool,
    drive: str,
    ramp: str,
    drive_model: str,
    drive_events: str = "bernoulli",
):
    """Build the network description from command-line options (human units -> SI)."""
    from ..network import NetworkModel

    return NetworkModel.from_preset(
        preset,
        n_total=n_total,
        keep_in_degrees=keep,
        drive_rate=quantity(drive, "Hz", "--drive"),
        ramp=quantity(ramp, "s", "--ramp"),
        drive_model=drive_model,  # type: ignore[arg-type]
        drive_events=drive_events,
    )


@app.command("run")
def run(
    backend: str = _BACKEND,
    mode: str = _MODE,
    target: str | None = _TARGET,
    duration: str = typer.Option("1.5s", help="Biological duration, e.g. 1.5s."),
    drive: str = _DRIVE,
    ramp: str = _RAMP,
    drive_model: str = _DRIVE_MODEL,
    drive_events: str = _DRIVE_EVENTS,
    seed: int = _SEED,
    n_total: int = _N_TOTAL,
    keep_in_degrees: bool = _KEEP,
    preset: str = _PRESET,
    threads: int = _THREADS,
    stationary_start: str = typer.Option(
        "500ms", help="Transient discarded by the stationary statistics."
    ),
    out: Path | None = typer.Option(None, help="Write the result Dataset to this NetCDF file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object in SI units."),
) -> None:
    """Simulate the network (drive ramp, then constant) and report stationary statistics.

    Rates are per neuron (Hz); V statistics exclude spikes and refractory periods.
    """
    from ..workflows.network import network_run_stage
    from ..workflows.stage import run_stage

    try:
        if seed < 0:
            raise ParameterError(f"--seed = {seed}; allowed: an integer >= 0")
        model = _model(preset, n_total, keep_in_degrees, drive, ramp, drive_model, drive_events)
        T = check_range("--duration", quantity(duration, "s", "--duration"), 0.0, 1e5,
                        unit="s", low_inclusive=False)  # fmt: skip
        t0 = quantity(stationary_start, "s", "--stationary-start")
        if not 0 <= t0 < T:
            raise ParameterError(
                f"--stationary-start = {t0:g} s must lie in [0, --duration = {T:g} s); "
                "lengthen --duration (the paper uses 1.5 s) or shorten --stationary-start"
            )
        result = run_stage(
            network_run_stage, model, T, seed, out=out, t_start=t0, backend=backend, mode=mode,
            target=target, threads=threads,
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc, _ALIASES)
    summary = result.summary
    if as_json:
        emit_json({**summary, "out": str(out) if out is not None else None})
        return
    lines = [
        f"{summary['backend']}: {summary['n_total']} neurons, {T:g} s, drive "
        f"{summary['drive']:g} Hz ({summary['drive_model']}), seed {seed}",
        f"  nu_e = {summary['nu_e']:.3f} Hz   nu_i = {summary['nu_i']:.3f} Hz"
        f"   (after {t0 * 1e3:g} ms)",
    ]
    for pop in ("exc", "inh"):
        if f"mu_V_{pop}" in summary:
            lines.append(
                f"  {pop}: mu_V = {summary[f'mu_V_{pop}'] * 1e3:.2f} mV, "
                f"sigma_V = {summary[f'sigma_V_{pop}'] * 1e3:.2f} mV, "
                f"mu_Ge = {summary[f'mu_Ge_{pop}'] * 1e9:.2f} nS, "
                f"mu_Gi = {summary[f'mu_Gi_{pop}'] * 1e9:.2f} nS"
            )
    lines.append(
        f"  wall time {summary['wall_time_s']:.1f} s (construction "
        f"{summary['construction_s']:.1f} s, simulation {summary['simulation_s']:.1f} s)"
    )
    if out is not None:
        lines.append(f"  written {out}")
    typer.echo("\n".join(lines))


@app.command("figure3")
def figure3(
    out: Path = typer.Option(Path("adexmf-results/figure3"), help="Output folder (PNG + SVG)."),
    backend: str = _BACKEND,
    mode: str = _MODE,
    seed: int = _SEED,
    n_total: int = _N_TOTAL,
    keep_in_degrees: bool = _KEEP,
    drive: str = _DRIVE,
    drive_model: str = _DRIVE_MODEL,
    preset: str = _PRESET,
    data: Path | None = typer.Option(
        None, help="Plot this NetCDF result of `network run` instead of simulating."
    ),
) -> None:
    """Fig. 3: spontaneous activity (1.5 s, drive ramp 0 -> 4 Hz in 100 ms).

    Raster of 400 excitatory and 100 inhibitory cells, 5 ms-binned rates with the drive, V
    and conductances of 3 + 3 cells. Writes figure3.png, figure3.svg and figure3.nc.
    """
    from ..workflows.network import figure3_stage
    from ..workflows.stage import run_stage

    try:
        model = None
        if data is None:
            model = _model(preset, n_total, keep_in_degrees, drive, "100ms", drive_model)
        result = run_stage(figure3_stage, out, model=model, data=data, seed=seed,
                           backend=backend, mode=mode)  # fmt: skip
    except AdexmfError as exc:
        fail(exc, _ALIASES)
    paths = result.files
    typer.echo("\n".join(f"written {p}" for p in paths))


@app.command("cache")
def cache(
    clear: bool = typer.Option(False, "--clear", help="Delete the compiled code."),
) -> None:
    """Show (or clear) Brian2's compiled code for adexmf in the user's cache directory.

    Cython extensions of the runtime mode and one C++ project per standalone network
    structure and duration; everything is rebuilt on demand.
    """
    from ..engines.brian2_cells import cache_dir, clear_cache

    root = cache_dir()
    if clear:
        clear_cache()
        typer.echo(f"cleared {root}")
        return
    for sub in ("cython", "standalone"):
        folder = root / sub
        files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
        size = sum(p.stat().st_size for p in files) / 1e6
        typer.echo(f"{folder}: {size:.0f} MB")
