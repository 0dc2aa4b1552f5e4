"""``adexmf mf``: mean-field models — fixed points, time courses, phase plane, drive scans."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the command line loads the mean field on use (a fast --help)
    from ..meanfield import MeanFieldModel

from ..errors import AdexmfError, ParameterError
from .common import COMPRESS, emit_json, fail, quantity

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help=(
        "Mean-field models (first order, second order, adaptation): fixed points and "
        "stability, time courses under stimuli, phase plane, fixed points vs drive."
    ),
    no_args_is_help=True,
)

PRESET = typer.Option("zerlaut2018", help="Preset name or path of a TOML file.")
ORDER = typer.Option(2, help="1: first order (rates); 2: second order (rates + covariances).")
ADAPTATION = typer.Option(
    False,
    "--adaptation/--no-adaptation",
    help="Add the adaptation current W of the excitatory population (di Volo et al. 2019).",
)
DRIVE = typer.Option("4Hz", help="External drive onto both populations, e.g. 4Hz.")
AFFERENT = typer.Option("0Hz", help="Constant afferent rate onto the excitatory population.")


def _model(preset: str, order: int, adaptation: bool) -> MeanFieldModel:
    from ..meanfield import MeanFieldModel

    return MeanFieldModel(preset, order=order, adaptation=adaptation)


def _state_text(state: dict[str, float]) -> str:
    parts = []
    for k, v in state.items():
        if k == "W":
            parts.append(f"W = {v * 1e12:.4f} pA")
        elif k.startswith("c_"):
            parts.append(f"{k} = {v:.6f} Hz^2")
        else:
            parts.append(f"{k} = {v:.6f} Hz")
    return ", ".join(parts)


@app.command("fixed-point")
def fixed_point_cmd(
    preset: str = PRESET,
    drive: str = DRIVE,
    afferent: str = AFFERENT,
    order: int = ORDER,
    adaptation: bool = ADAPTATION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object in SI units."),
) -> None:
    """Fixed points of the mean field at a constant drive, with Jacobian eigenvalues.

    The reported point is the relevant one (the stable fixed point of lowest network rate
    (1-g) nu_e + g nu_i); every fixed point found in the search box is listed too.
    Eigenvalues are in 1/s.
    """
    from ..meanfield.analysis import fixed_points_at

    try:
        model = _model(preset, order, adaptation)
        d = quantity(drive, "Hz", "--drive")
        a = quantity(afferent, "Hz", "--afferent")
        chosen, points, n_outside = fixed_points_at(model, d, a)
    except AdexmfError as exc:
        fail(exc)
    if as_json:
        payload = {
            "preset": model.preset.name,
            "order": order,
            "adaptation": adaptation,
            **chosen.to_dict(),
            "n_fixed_points": len(points),
            "fixed_points": [p.to_dict() for p in points],
            "outside_fit_domain": n_outside,
        }
        emit_json(payload)
        return
    typer.echo(
        f"{model.label} mean field, preset {model.preset.name!r}, drive {d:g} Hz"
        + (f", afferent {a:g} Hz" if a else "")
        + f": {len(points)} fixed point(s)"
    )
    for p in points:
        mark = "*" if p is chosen else " "
        eig = ", ".join(f"{z.real:.1f}{z.imag:+.1f}j" for z in p.eigenvalues)
        typer.echo(f"{mark} {_state_text(p.state)}")
        typer.echo(f"    {'stable' if p.stable else 'UNSTABLE'}; eigenvalues (1/s): {eig}")


@app.command("run")
def run_cmd(
    preset: str = PRESET,
    order: int = ORDER,
    adaptation: bool = ADAPTATION,
    drive: str = DRIVE,
    stimulus: list[str] = typer.Option(
        [],
        "--stimulus",
        "-s",
        help=(
            "Afferent stimulus onto the excitatory population, KIND:NAME=VALUE,... e.g. "
            "'double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms', "
            "'sinusoid:A=4.5Hz,f=10Hz,t0=500ms', 'step:A=5Hz,t_on=200ms,t_off=400ms'. "
            "Repeat to add stimuli."
        ),
    ),
    dt: str = typer.Option("0.1ms", help="Time step."),
    duration: str = typer.Option("1.2s", help="Biological time simulated."),
    method: str = typer.Option("heun", help="Integration scheme: heun or euler."),
    record_every: int = typer.Option(1, help="Store every n-th step."),
    out: Path = typer.Option(
        Path("adexmf-results/mf_run.nc"), help="NetCDF file of the time course."
    ),
    figure: Path | None = typer.Option(
        None, help="Figure file (PNG and SVG written); default: --out with .png."
    ),
    no_figure: bool = typer.Option(False, "--no-figure", help="Do not draw the figure."),
    compress: bool = COMPRESS,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (SI units)."),
) -> None:
    """Integrate the mean field in time from its fixed point, under a stimulus.

    Writes the time course (rates, covariances, adaptation, mu_V, sigma_V, tau_V,
    conductances, VSD-like signal; SI units, every recorded step) to --out, stored plain
    unless --compress, and a figure next to it (drawn from a min/max envelope of at most
    2,000 columns, whatever the length of the run).

    Stimuli (bare numbers: Hz for rates, ms for times; A = amplitude, f = frequency):

      double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms   (SPEC 7 row 5)

      sinusoid:A=4.5Hz,f=10Hz,t0=500ms

      step:A=5Hz,t_on=200ms,t_off=400ms

      ramp:A=4Hz,duration=100ms
    """
    from ..stimuli import parse_stimulus
    from ..workflows.meanfield import time_course_stage
    from ..workflows.stage import run_stage

    try:
        d = quantity(drive, "Hz", "--drive")
        step = quantity(dt, "s", "--dt")
        T = quantity(duration, "s", "--duration")
        stims = [parse_stimulus(s) for s in stimulus]
        if figure is not None and no_figure:
            raise ParameterError("--figure and --no-figure exclude each other; give one")
        model = _model(preset, order, adaptation)
        result = run_stage(
            time_course_stage, model, T, stims, out=out, figure=figure, draw=not no_figure,
            drive=d, dt=step, method=method, record_every=record_every, compress=compress,
            notify=lambda line: typer.echo(line, err=True),
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    path, figures = result.files[0], result.files[1:]
    summary = {**result.summary, "out": str(path), "figures": [str(f) for f in figures]}
    if as_json:
        emit_json(summary)
        return
    typer.echo(
        f"{model.label} mean field, preset {model.preset.name!r}, drive {d:g} Hz, "
        f"{method} dt = {step * 1e3:g} ms, {T:g} s; stimulus: {summary['stimulus']}"
    )
    _print_time_course(summary)


def _print_time_course(summary: dict) -> None:
    """The lines ``mf run`` prints about its time course (human units)."""
    typer.echo(
        f"  nu_e: start {summary['nu_e_initial']:.4f} Hz, peak {summary['nu_e_peak']:.4f} Hz"
        f" at {summary['t_peak_e'] * 1e3:.1f} ms, min {summary['nu_e_min']:.4f} Hz"
    )
    typer.echo(
        f"  nu_i: start {summary['nu_i_initial']:.4f} Hz, peak {summary['nu_i_peak']:.4f} Hz"
    )
    typer.echo(f"  peak dV/V0: {summary['vsd_peak'] * 100:.3f} %")
    typer.echo(f"  data: {summary['out']}")
    for f in summary["figures"]:
        typer.echo(f"  figure: {f}")


@app.command("phase-plane")
def phase_plane_cmd(
    preset: str = PRESET,
    drive: list[str] = typer.Option(
        ["0Hz", "4Hz"], "--drive", help="Drive of each panel; repeat for several panels."
    ),
    nu_e_max: str = typer.Option("8Hz", help="Upper end of the nu_e axis."),
    nu_i_max: str = typer.Option("30Hz", help="Upper end of the nu_i axis."),
    out: Path = typer.Option(
        Path("adexmf-results/phase_plane.png"), help="Figure file (PNG and SVG written)."
    ),
    data: Path | None = typer.Option(None, help="Also write the panels' data as NetCDF."),
) -> None:
    """First-order phase plane: vector field, nullclines, trajectories and fixed points."""
    from ..workflows.meanfield import phase_plane_stage
    from ..workflows.stage import run_stage

    try:
        e_max = quantity(nu_e_max, "Hz", "--nu-e-max")
        i_max = quantity(nu_i_max, "Hz", "--nu-i-max")
        for name, top in (("nu_e_max", e_max), ("nu_i_max", i_max)):
            if not 0.0 < top <= 1e4:  # the axes start at 0 Hz (the library's box bound)
                raise ParameterError(f"{name} = {top:g} Hz is out of range; allowed: (0, "
                                     "10000] Hz", parameters=(name,))  # fmt: skip
        drives = [quantity(d, "Hz", "--drive") for d in drive]
        if not drives or len(drives) > 6:
            raise ParameterError(f"--drive given {len(drives)} times; allowed: 1 to 6 panels")
        if len(set(drives)) != len(drives):
            raise ParameterError(f"--drive repeats a value ({drive}); give each drive once")
        model = _model(preset, 1, False)
        result = run_stage(phase_plane_stage, model, drives, nu_e_range=(0.0, e_max),
                           nu_i_range=(0.0, i_max), out=out, data=data)  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    data_files = result.summary["data_files"]
    for k, panel in enumerate(result.summary["fixed_points"]):
        pts = ", ".join(
            f"({e:.4f}, {i:.4f}) Hz {'stable' if s else 'unstable'}"
            for e, i, s in zip(panel["nu_e_Hz"], panel["nu_i_Hz"], panel["stable"], strict=True)
        )
        typer.echo(f"drive {panel['drive_Hz']:g} Hz: fixed points {pts or 'none in the window'}")
        if data_files:
            typer.echo(f"  data: {data_files[k]}")
    for f in result.files[len(data_files):]:
        typer.echo(f"figure: {f}")


@app.command("drive-scan")
def drive_scan_cmd(
    preset: str = PRESET,
    max_drive: str = typer.Option("20Hz", help="Largest drive of the scan."),
    step: str = typer.Option("0.5Hz", help="Drive step."),
    adaptation: bool = ADAPTATION,
    out: Path = typer.Option(
        Path("adexmf-results/mf_fixed_points_vs_drive.nc"),
        help="NetCDF file (dims order, drive, fixed_point); the figure goes next to it.",
    ),
) -> None:
    """Fixed points of the first- and second-order mean field vs drive, with stability."""
    from ..meanfield.analysis import drive_grid
    from ..workflows.meanfield import drive_scan_stage
    from ..workflows.stage import run_stage

    try:
        top = quantity(max_drive, "Hz", "--max-drive")
        dd = quantity(step, "Hz", "--step")
        drives = drive_grid(top, dd)
        result = run_stage(drive_scan_stage, preset, out, drives, adaptation=adaptation)
    except AdexmfError as exc:
        fail(exc)
    summary = result.summary
    outside = summary["outside_fit_domain"]
    typer.echo(
        f"fixed points for {summary['n_drives']} drives in [0, {top:g}] Hz (orders 1 and 2): "
        f"at most {summary['max_fixed_points']} per drive, {summary['n_unstable']} unstable"
        + (f"; {outside} outside the transfer functions' fit domain" if outside else "")
    )
    for p in result.files:
        typer.echo(f"  {p}")
