"""``adexmf compare``: the mean field against the spiking network (SPEC 7 rows 4-7)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..compare import frequency, validity_map
from ..compare.protocol import DRIVE as PAPER_DRIVE
from ..compare.protocol import SCALES
from ..errors import AdexmfError
from ..meanfield.variants import VARIANTS
from ..sweep import check_scheduler
from .common import emit_json, fail, quantity, quantity_list

_VARIANT_HELP = "; ".join(f"{v.name}: {v.description}" for v in VARIANTS.values())

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help=(
        "The mean field against the spiking network. Mean-field variants (--variant, "
        f"repeatable): {_VARIANT_HELP}."
    ),
    no_args_is_help=True,
)


VARIANT = typer.Option(list(VARIANTS), "--variant", help="Mean-field variant (repeatable).")
SEEDS = typer.Option(None, help="Network seeds (default: the scale's).")
SCALE = typer.Option(
    "quick",
    help=" or ".join(f"{name} ({sc.n_total:,} neurons, {sc.seeds} seeds)"
                     for name, sc in SCALES.items()) + ".",
)  # fmt: skip


def _per_scale(values: dict[str, int]) -> str:
    """``{"quick": 2, "paper": 3}`` -> ``"2 quick, 3 paper"``."""
    return ", ".join(f"{n} {name}" for name, n in values.items())


DRIVE = typer.Option(f"{PAPER_DRIVE:g}Hz", help="External drive onto both populations.")
NETWORK = typer.Option(
    True, "--network/--no-network", help="Run the network (--no-network: the mean field)."
)
SCHEDULER = typer.Option(
    None, help="Address of a running Dask scheduler (default: a local cluster)."
)
OUT = typer.Option(Path("adexmf-results/compare"), help="Results folder.")
JSON = typer.Option(False, "--json", help="Print one JSON object (SI units).")


def _drive_events(default: str) -> typer.models.OptionInfo:
    return typer.Option(
        default,
        "--drive-events",
        help="Network drive events per step: bernoulli (the authors' code, at most one per "
        "step) or poisson (its dt -> 0 limit, the input the transfer functions were fitted on).",
    )


@app.command("stationary")
def stationary_cmd(
    variant: list[str] = VARIANT,
    seeds: int | None = SEEDS,
    scale: str = SCALE,
    drive: str = DRIVE,
    network: bool = NETWORK,
    scheduler: str | None = SCHEDULER,
    out: Path = OUT,
    as_json: bool = JSON,
    drive_events: str = _drive_events("bernoulli"),
) -> None:
    """Stationary state (Fig. 4): rates, binned-rate distributions, V and G statistics.

    Network runs are tasks on Dask, stored in OUT/tasks as they finish; a rerun skips
    them. Writes OUT/stationary.nc and the figure OUT/stationary.png/.svg.
    """
    summary = _stage(
        "stationary",
        variant,
        out,
        as_json,
        scale=scale,
        seeds=seeds,
        drive=drive,
        network=network,
        scheduler=scheduler,
        progress=not as_json,
        drive_events=drive_events,
    )
    if summary is None:
        return
    if "network" in summary:
        n = summary["network"]
        typer.echo(
            f"network ({summary['n_total']} neurons, {len(n['seeds'])} seeds): nu_e = "
            f"{n['nu_e']:.3f} +- {n['nu_e_std']:.3f} Hz, nu_i = {n['nu_i']:.3f} +- "
            f"{n['nu_i_std']:.3f} Hz"
        )
    for name, m in summary["mf"].items():
        errors = (
            f" (error {m['error_nu_e_percent']:+.1f} %, {m['error_nu_i_percent']:+.1f} %)"
            if "error_nu_e_percent" in m
            else ""
        )
        typer.echo(f"mean field {name:10s}: nu_e = {m['nu_e']:.3f} Hz, nu_i = {m['nu_i']:.3f} Hz"
                   f"{errors}")  # fmt: skip
    _echo_files(summary)


@app.command("transient")
def transient_cmd(
    variant: list[str] = VARIANT,
    seeds: int | None = SEEDS,
    scale: str = SCALE,
    drive: str = DRIVE,
    network: bool = NETWORK,
    scheduler: str | None = SCHEDULER,
    out: Path = OUT,
    as_json: bool = JSON,
) -> None:
    """Response to a transient (Fig. 5): double Gaussian A = 2 Hz at 800 ms on the
    excitatory population; peak, its time and the post-stimulus undershoot.

    The mean field runs at second order (the paper's Fig. 5). Network runs are tasks on
    Dask, stored in OUT/tasks; writes OUT/transient.nc and OUT/transient.png/.svg.
    """
    summary = _stage(
        "transient",
        variant,
        out,
        as_json,
        scale=scale,
        seeds=seeds,
        drive=drive,
        network=network,
        scheduler=scheduler,
        progress=not as_json,
    )
    if summary is None:
        return
    rows = _rows(summary)
    for name, m in rows:
        typer.echo(
            f"{name:10s}: nu_e baseline {m['baseline_nu_e']:.3f} Hz, peak {m['peak_nu_e']:.3f} Hz "
            f"at {m['t_peak_nu_e'] * 1e3:.1f} ms, trough {m['trough_nu_e']:.3f} Hz at "
            f"{m['t_trough_nu_e'] * 1e3:.1f} ms (undershoot {m['undershoot_nu_e']:.3f} Hz; "
            f"against the control run {m['undershoot_control_nu_e']:.3f} Hz at "
            f"{m['t_undershoot_control_nu_e'] * 1e3:.1f} ms)"
        )
    _echo_files(summary)


STIMULUS = typer.Option(
    "code",
    help="code: the authors' code (A = 4.5 Hz; tau1/tau2 = 50/70 ms), text: the paper's "
    "text (5 Hz; 60/100 ms).",
)


@app.command("frequency")
def frequency_cmd(
    variant: list[str] = VARIANT,
    seeds: int | None = typer.Option(
        None, help=f"Network seeds (default: {_per_scale(frequency.SEEDS)})."
    ),
    scale: str = typer.Option(
        "quick",
        help=f"quick ({frequency.QUICK_INDICES.size} of the {frequency.FREQUENCIES.size} "
        f"frequencies, {frequency.SEEDS['quick']} seeds) or paper "
        f"({frequency.FREQUENCIES.size}, {frequency.SEEDS['paper']} seeds).",
    ),
    drive: str = DRIVE,
    network: bool = NETWORK,
    scheduler: str | None = SCHEDULER,
    out: Path = OUT,
    stimulus: str = STIMULUS,
    order: int = typer.Option(1, help="Mean-field order (the paper's Fig. 6: 1)."),
    signal: str = typer.Option(
        frequency.DEFAULT_SIGNAL,
        help="Signal summarised and drawn: nu = (1-g) nu_e + g nu_i (the paper's), nu_e or "
        "nu_i; all three are in OUT/frequency.nc.",
    ),
    as_json: bool = JSON,
) -> None:
    """Frequency response (Fig. 6): amplitude and phase vs input frequency.

    Sinusoidal input on the excitatory population from 500 ms, 1-300 Hz log-spaced, dt
    0.05 ms; amplitude and phase of the population signal nu (as the paper), nu_e and nu_i
    fitted after t0.

    Each (frequency, seed) network run is a Dask task stored in OUT/tasks; writes
    OUT/frequency.nc and OUT/frequency.png/.svg.
    """
    summary = _stage(
        "frequency",
        variant,
        out,
        as_json,
        scale=scale,
        seeds=seeds,
        drive=drive,
        network=network,
        scheduler=scheduler,
        progress=not as_json,
        stimulus=stimulus,
        order=order,
        signal=signal,
    )
    if summary is None:
        return
    rows = _rows(summary)
    typer.echo(f"signal: {summary['signal']}")
    typer.echo("f (Hz)      " + " ".join(f"{f:7.3g}" for f in summary["frequency_Hz"]))
    for name, m in rows:
        typer.echo(f"{name:12s} A'" + " ".join(f"{a:7.2f}" for a in m["amplitude_Hz"]))
        typer.echo(f"{'':12s} phi" + " ".join(f"{p:7.2f}" for p in m["phase_rad"])[1:])
    for name, m in rows:
        if "peak_frequency_Hz" in m:
            typer.echo(f"{name:10s}: amplitude peak at {m['peak_frequency_Hz']:.3g} Hz "
                       f"(gain {m['peak_gain']:.2f} over 1 Hz)")  # fmt: skip
        if "phase_error_rad_by_band" in m:
            bands = ", ".join(f"{k} {v:.2f}" for k, v in m["phase_error_rad_by_band"].items())
            typer.echo(f"{'':10s}  mean |phase error| (rad): {bands}")
    _echo_files(summary)


@app.command("integrative")
def integrative_cmd(
    variant: list[str] = VARIANT,
    drive: str = DRIVE,
    stimulus: str = STIMULUS,
    order: int = typer.Option(1, help="Mean-field order (the paper's Fig. 7: 1)."),
    out: Path = OUT,
    as_json: bool = JSON,
) -> None:
    """Integrative properties of the mean field (Fig. 7; no network).

    (A) double Gaussian of amplitude 0-15 Hz at 250 ms, (B) 1 Hz on an extra background
    drive of 0-15 Hz.

    Writes OUT/integrative.nc and OUT/integrative.png/.svg.
    """
    summary = _stage(
        "integrative",
        variant,
        out,
        as_json,
        drive=drive,
        stimulus=stimulus,
        order=order,
    )
    if summary is None:
        return
    typer.echo("(A) A (Hz)         " + " ".join(f"{a:6.1f}" for a in summary["amplitude_Hz"]))
    for name, m in summary["mf"].items():
        typer.echo(f"{name:10s} peak nu " + " ".join(f"{x:6.2f}" for x in m["peak_rate_Hz"]))
        typer.echo(f"{'':10s} dV/V0 % " + " ".join(f"{x:6.2f}" for x in m["peak_vsd_percent"]))
    typer.echo("(B) bg (Hz)        " + " ".join(f"{a:6.1f}" for a in summary["background_Hz"]))
    for name, m in summary["mf"].items():
        typer.echo(
            f"{name:10s} d nu    " + " ".join(f"{x:6.2f}" for x in m["background_rate_change_Hz"])
        )
        typer.echo(f"{'':10s} dV/V0 % " + " ".join(f"{x:6.2f}" for x in m["background_vsd_percent"])
                   + f"   (suppressed by {m['vsd_suppression_percent']:.0f} %)")  # fmt: skip
    _echo_files(summary)


@app.command("fit-time-constant")
def fit_time_constant_cmd(
    frequency_file: Path = typer.Argument(..., help="OUT/frequency.nc of a run with the network."),
    variant: str = typer.Option("adaptation", help="Mean-field variant whose T is fitted."),
    as_json: bool = JSON,
) -> None:
    """Fit the Markov time constant T of a variant to the network's frequency response.

    Minimises mean(ln(A'_mf / A'_net)^2) + mean(dphi^2) over the frequencies of the file
    (excitatory rate, the file's protocol), T in 1-40 ms.
    """
    from ..compare.timing import fit_time_constant

    try:
        result = fit_time_constant(variant, frequency_file)
    except AdexmfError as exc:
        fail(exc)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"{result['variant']}: T = {result['T_s'] * 1e3:.2f} ms "
               f"(default {result['T_default_s'] * 1e3:g} ms)")  # fmt: skip
    for label in ("default", "fitted"):
        m = result[label]
        bands = ", ".join(f"{k} {v:.2f}" for k, v in m["phase_error_by_band"].items())
        typer.echo(f"  {label:8s} mismatch {m['loss']:.3f}: ln-amplitude RMS "
                   f"{m['log_amplitude_rms']:.3f}, phase RMS {m['phase_rms']:.3f} rad; "
                   f"mean |phase error| {bands}")  # fmt: skip


MAP_DRIVES = typer.Option(
    None, "--drive",
    help="Drives of the map, comma-separated, each with its unit (e.g. 3Hz,5Hz,7Hz); "
    f"allowed {validity_map.DRIVE_RANGE[0]:g}-{validity_map.DRIVE_RANGE[1]:g} Hz; "
    "default 1,2,4,6,8,10 Hz.",
)
MAP_B = typer.Option(
    None, "--b",
    help="Spike-triggered adaptation b of the RS cells, comma-separated with units (e.g. "
    f"10pA,30pA); allowed 0-{validity_map.B_RANGE[1] * 1e12:g} pA; default 0,20,40,60 pA.",
)


@app.command("validity")
def validity_cmd(
    variant: list[str] = VARIANT,
    seeds: int | None = typer.Option(
        None, help=f"Network seeds per point (default: {_per_scale(validity_map.SEEDS)})."
    ),
    scale: str = typer.Option(
        "quick",
        help=f"quick ({validity_map.SEEDS['quick']} seed per point) or paper "
        f"({validity_map.SEEDS['paper']} seeds).",
    ),
    network: bool = NETWORK,
    scheduler: str | None = SCHEDULER,
    out: Path = OUT,
    as_json: bool = JSON,
    drive_events: str = _drive_events("poisson"),
    drives: str | None = MAP_DRIVES,
    b_values: str | None = MAP_B,
) -> None:
    """Validity map (beyond the paper): stationary rates over drive x RS adaptation b.

    Default grid: drive 1-10 Hz (6 levels) x b = 0, 20, 40, 60 pA (--drive and --b choose
    any points; stored network runs are reused); 3 s runs, statistics after 1.5 s, with
    Poisson drive events by default; the network's asynchronous-irregular points (CV of
    ISIs, Fano factor); the error of each variant's second-order fixed point, and its folds
    and Hopf points by continuation; isolated cells at the network's own rates (the error no
    transfer function can remove); the regime of every point (silent, asynchronous or
    oscillating, with frequency, UP-state rate and duty cycle) for the network and each
    variant. Writes OUT/validity.nc and OUT/validity.png/.svg.
    """
    grid = {"drives": drives, "b_values": b_values}
    summary = _stage(
        "validity",
        variant,
        out,
        as_json,
        scale=scale,
        seeds=seeds,
        network=network,
        scheduler=scheduler,
        progress=not as_json,
        drive_events=drive_events,
        **{k: v for k, v in grid.items() if v is not None},
    )
    if summary is None:
        return
    drives, bs = summary["drive_Hz"], summary["b_A"]
    header = "b (pA) \\ drive (Hz)" + "".join(f"{d:8.3g}" for d in drives)
    if "network" in summary:
        net = summary["network"]
        typer.echo("network nu_e (Hz; * not asynchronous-irregular)")
        typer.echo(header)
        for j, b in enumerate(bs):
            row = "".join(f"{_cell(net['nu_e'][i][j], 7, 2)}{' ' if net['ai'][i][j] else '*'}"
                          for i in range(len(drives)))  # fmt: skip
            typer.echo(f"{b * 1e12:19.0f}{row}")
    if "isolated" in summary:
        iso = summary["isolated"]
        typer.echo("isolated cells at the network's input vs the network: error of nu_e (%)")
        typer.echo(header)
        for j, b in enumerate(bs):
            typer.echo(f"{b * 1e12:19.0f}"
                       + "".join(_cell(iso["error_nu_e_percent"][i][j], 8, 1)
                                 for i in range(len(drives))))  # fmt: skip
    _echo_variants(summary["mf"], header, len(drives), bs)
    _echo_files(summary)


@app.command("calibrate")
def calibrate_cmd(
    validity_file: Path = typer.Argument(..., help="OUT/validity.nc of a map with the network."),
    variant: str = typer.Option("adaptation-W", help="Variant calibrated (with adaptation)."),
    half: str = typer.Option("even", help="Calibration half of the checkerboard: even or odd."),
    preset_out: Path = typer.Option(
        None, help="Preset TOML written (default: next to VALIDITY_FILE, <preset>_calibrated.toml)."
    ),
    as_json: bool = JSON,
) -> None:
    """Calibrate a variant's threshold on the network's stationary rates (beyond the paper).

    Shifts the P0, P1 and P2 coefficients of both transfer functions so that the
    second-order fixed points meet the network at the AI points of one half of the map (a
    checkerboard of its grid), writes the calibrated preset, and reports the variant before
    and after on the calibration half and on the held-out half.
    """
    from ..compare.calibration import calibrate_file
    from ..meanfield.variants import get_variant
    from ..params import save_preset
    from ..store import check_destination

    try:
        name = f"{get_variant(variant).parameters.name}_calibrated"
        path = preset_out or validity_file.with_name(f"{name}.toml")
        check_destination(path, option="--preset-out")  # before the work
        cal, summary = calibrate_file(validity_file, variant, half)
        summary["preset"] = str(save_preset(cal.preset, path, option="--preset-out"))
    except AdexmfError as exc:
        fail(exc)
    if as_json:
        emit_json(summary)
        return
    n = len(summary["points"])
    typer.echo(f"{summary['variant']}: calibrated on the {half} half ({n} AI points), "
               f"RMS log-ratio {cal.rms_log_ratio:.3f}, ridge {cal.ridge:g} per mV")  # fmt: skip
    for cell, shifts in summary["shifts_V"].items():
        typer.echo(f"  {cell}: P0, P1, P2 shifted by "
                   + ", ".join(f"{s * 1e3:+.3f}" for s in shifts) + " mV")  # fmt: skip
    for label in ("before", "after"):
        for key, m in summary[label].items():
            if m["n_ai"]:
                w10, w15 = m["within_10_percent_fraction"], m["within_15_percent_fraction"]
                typer.echo(f"  {label:6s} {key:11s}: {100 * w10:3.0f} % within 10 %, "
                           f"{100 * w15:3.0f} % within 15 %, max "
                           f"{m['max_abs_error_percent']:.1f} % ({m['n_ai']} points)")  # fmt: skip
    typer.echo(f"  {summary['preset']}")


def _echo_variants(mf: dict, header: str, n_drives: int, bs: list[float]) -> None:
    """Each variant's error map (or rates without the network), its scores and bifurcations."""
    for name, m in mf.items():
        key = "error_nu_e_percent" if "error_nu_e_percent" in m else "nu_e"
        typer.echo(f"{name}: {'error of nu_e (%)' if key != 'nu_e' else 'nu_e (Hz)'}")
        typer.echo(header)
        for j, b in enumerate(bs):
            typer.echo(
                f"{b * 1e12:19.0f}" + "".join(f"{m[key][i][j]:8.1f}" for i in range(n_drives))
            )
        if "max_abs_error_ai_percent" in m:
            share = 100 * m["within_10_percent_ai_fraction"]
            typer.echo(f"  over the AI points: max |error| {m['max_abs_error_ai_percent']:.1f} %, "
                       f"{share:.0f} % of points within 10 %")  # fmt: skip
        for half, h in m.get("split", {}).items():
            if h["n_ai"]:
                share = 100 * h["within_10_percent_fraction"]
                typer.echo(f"  {half} points: {share:.0f} % within 10 %, max "
                           f"{h['max_abs_error_percent']:.1f} % ({h['n_ai']} points)")  # fmt: skip
        bif = ", ".join(f"{p['kind']} at {p['drive_Hz']:.3g} Hz, b {p['b_A'] * 1e12:.0f} pA"
                        for p in m["bifurcations"]) or "none"  # fmt: skip
        typer.echo(f"  bifurcations of the branch (0.5-20 Hz): {bif}")


def _echo_files(summary: dict) -> None:
    """The files a comparison wrote: its data, then its figures."""
    for f in (summary["out"], *summary["figures"]):
        typer.echo(f"  {f}")


def _cell(value: float | None, width: int, digits: int) -> str:
    """A table cell: the number, or '-' where it is undefined (None in the JSON)."""
    return f"{'-':>{width}s}" if value is None else f"{value:{width}.{digits}f}"


def _stage(protocol: str, variant: list[str], out: Path, as_json: bool, **options):
    """Run a comparison stage; print its JSON and return None with --json, else the summary.
    A user error ends the command with its one-line message."""
    from ..workflows.compare import comparison_stage
    from ..workflows.stage import run_stage

    try:
        check_scheduler(options.get("scheduler"))
        # parsed here, so that a bad unit is a clean error too
        if "drive" in options:
            options["drive"] = quantity(options["drive"], "Hz", "--drive")
        if "drives" in options:
            options["drives"] = quantity_list(options["drives"], "Hz", "--drive")
        if "b_values" in options:
            options["b_values"] = quantity_list(options["b_values"], "A", "--b")
        result = run_stage(comparison_stage, protocol, variant, out, **options)
    except AdexmfError as exc:
        fail(exc)
    summary = {**result.summary, "out": str(result.files[0]),
               "figures": [str(f) for f in result.files[1:]]}  # fmt: skip
    if as_json:
        emit_json(summary)
        return None
    return summary


def _rows(summary: dict) -> list[tuple[str, dict]]:
    """(name, entry) of the network (if run) and of each variant, in order."""
    network = [("network", summary["network"])] if "network" in summary else []
    return network + list(summary["mf"].items())
