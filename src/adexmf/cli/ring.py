"""``adexmf ring`` and ``adexmf sheet``: rings and sheets of mean-field columns (SPEC 8)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the command line loads the mean field on use (a fast --help)
    from ..meanfield import MeanFieldModel

from ..errors import AdexmfError
from ..ring.settings import DEFAULT_VSD_INPUT, VSD_INPUTS
from .common import COMPRESS, emit_json, fail, quantity

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help=(
        "Ring of mean-field columns with Gaussian lateral connectivity and conduction "
        "delays: VSD-like maps, propagation, apparent motion (Figs 9, 11)."
    ),
    no_args_is_help=True,
)
sheet_app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help="2-D sheet of N x N mean-field columns: circular waves from a point stimulus.",
    no_args_is_help=True,
)

PRESET = typer.Option("zerlaut2018", help="Preset name or path of a TOML file.")
ORDER = typer.Option(1, help="Column model: 1 first order (default), 2 second order.")
ADAPTATION = typer.Option(
    False, "--adaptation/--no-adaptation", help="Adaptation variant of the column (SPEC 5.3)."
)
LENGTH = typer.Option("36mm", "--length", help="Ring length L ([code] 36 mm, [text] 40 mm).")
EXC = typer.Option("5mm", "--exc-extent", help="Std of the excitatory kernel, 1-7 mm.")
INH = typer.Option("1mm", "--inh-extent", help="Std of the inhibitory kernel, 1-7 mm.")
VC = typer.Option("300mm/s", "--conduction-velocity", help="Conduction velocity, 50-600 mm/s.")
DRIVE = typer.Option("4Hz", help="External drive of every column.")
SETTING = typer.Option(
    "code",
    "--stimulus-setting",
    help="Reference stimulus: code (A = 15 Hz, l_stim = 1 mm) or text (10 Hz, 1.5 mm).",
)
AMPLITUDE = typer.Option(None, "--amplitude", help="Stimulus amplitude (overrides the setting).")
WIDTH = typer.Option(None, "--stimulus-extent", help="Stimulus std l_stim, 0.2-2 mm.")
CENTRE = typer.Option(None, "--stimulus-position", help="Stimulus centre (default L/2).")
ONSET = typer.Option("150ms", "--t0", help="Time of the stimulus peak.")
TAU1 = typer.Option("50ms", "--tau1", help="Rise width of the stimulus.")
TAU2 = typer.Option("150ms", "--tau2", help="Decay width of the stimulus.")
DT = typer.Option("0.5ms", "--dt", help="Time step.")
DURATION = typer.Option("600ms", "--duration", help="Biological time simulated.")
METHOD = typer.Option("euler", help="Integration scheme: euler (default) or heun.")
VSD_INPUT = typer.Option(
    DEFAULT_VSD_INPUT,
    "--vsd-input",
    help=(
        f"Inputs of dV/V0, one of {', '.join(VSD_INPUTS)}: lateral (lateral inputs only, "
        "the authors' signal and the VSDi fit's: a wave spreading from the stimulus) or "
        "total (the afferent input included: a standing response at the stimulus)."
    ),
)
CRITERIA = typer.Option("text", help="Early-response criteria: text (1/4, 1 %) or code (1/5, 5 %).")
NO_FIGURE = typer.Option(False, "--no-figure", help="Do not draw the figure.")
JSON = typer.Option(False, "--json", help="Print a JSON summary (SI units, suffixes say).")


def _column(preset: str, order: int, adaptation: bool) -> MeanFieldModel:
    from ..meanfield import MeanFieldModel

    return MeanFieldModel(preset, order=order, adaptation=adaptation)


def _stimulus(ring, setting, amplitude, width, centre, t0, tau1, tau2):
    from ..ring import centred_stimulus

    changes = {
        "t0": quantity(t0, "s", "--t0"),
        "tau1": quantity(tau1, "s", "--tau1"),
        "tau2": quantity(tau2, "s", "--tau2"),
    }
    if amplitude is not None:
        changes["amplitude"] = quantity(amplitude, "Hz", "--amplitude")
    if width is not None:
        changes["l_stim"] = quantity(width, "m", "--stimulus-extent")
    if centre is not None:
        changes["x0"] = changes["y0"] = quantity(centre, "m", "--stimulus-position")
    return centred_stimulus(ring, setting, **changes)


def _geometry(cls, length, n_units, exc, inh, vc, drive, **extra):
    return cls(
        length=quantity(length, "m", "--length"),
        n_units=n_units,
        l_exc=quantity(exc, "m", "--exc-extent"),
        l_inh=quantity(inh, "m", "--inh-extent"),
        v_c=quantity(vc, "m/s", "--conduction-velocity"),
        drive=quantity(drive, "Hz", "--drive"),
        **extra,
    )


@app.command("run")
def run_cmd(
    preset: str = PRESET,
    order: int = ORDER,
    adaptation: bool = ADAPTATION,
    length: str = LENGTH,
    n_units: int = typer.Option(120, "--n-units", help="Number of columns N (>= 3)."),
    exc_extent: str = EXC,
    inh_extent: str = INH,
    conduction_velocity: str = VC,
    drive: str = DRIVE,
    stimulus_setting: str = SETTING,
    amplitude: str | None = AMPLITUDE,
    stimulus_extent: str | None = WIDTH,
    stimulus_position: str | None = CENTRE,
    t0: str = ONSET,
    tau1: str = TAU1,
    tau2: str = TAU2,
    dt: str = DT,
    duration: str = DURATION,
    method: str = METHOD,
    vsd_input: str = VSD_INPUT,
    criteria: str = CRITERIA,
    out: Path = typer.Option(Path("adexmf-results/ring_run.nc"), help="NetCDF file of the maps."),
    no_figure: bool = NO_FIGURE,
    compress: bool = COMPRESS,
    as_json: bool = JSON,
) -> None:
    """Integrate the ring after a local stimulus; write the maps and Fig 9.

    Outputs nu_aff, nu_e, nu_i, nu, mu_V and dV/V0 as functions of time (s) and position
    (m), the early-response line and the propagation speed estimated from it. The maps are
    stored plain unless --compress.
    """
    from ..params import Ring
    from ..ring import RingModel
    from ..workflows.ring import ring_run_stage
    from ..workflows.stage import run_stage

    try:
        ring = _geometry(Ring, length, n_units, exc_extent, inh_extent, conduction_velocity,
                         drive)  # fmt: skip
        stim = _stimulus(ring, stimulus_setting, amplitude, stimulus_extent, stimulus_position,
                         t0, tau1, tau2)  # fmt: skip
        step = quantity(dt, "s", "--dt")
        T = quantity(duration, "s", "--duration")
        model = RingModel(ring, _column(preset, order, adaptation))
        result = run_stage(ring_run_stage, model, T, [stim], out=out, dt=step, method=method,
                           vsd_input=vsd_input, criteria=criteria, draw=not no_figure,
                           compress=compress)  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    summary = result.summary
    path, figures = result.files[0], result.files[1:]
    payload = {**summary, "out": str(path), "figures": [str(f) for f in figures]}
    if as_json:
        emit_json(payload)
        return
    speed = summary["speed_mm_per_s"]
    typer.echo(
        f"ring {ring.length * 1e3:g} mm, N = {ring.n_units}, v_c = {ring.v_c * 1e3:g} mm/s, "
        f"{summary['column']}, {method} dt = {step * 1e3:g} ms, {T * 1e3:g} ms"
    )
    typer.echo(
        f"  peak dV/V0 {summary['vsd_peak'] * 100:.3f} % at {summary['t_vsd_peak_s'] * 1e3:.1f}"
        f" ms; peak nu_e {summary['nu_e_peak_Hz']:.3f} Hz; early-response speed "
        + ("n/a" if speed is None else f"{speed:.0f} mm/s")
    )
    typer.echo(f"  data: {path}")
    for f in figures:
        typer.echo(f"  figure: {f}")


@app.command("apparent-motion")
def motion_cmd(
    preset: str = PRESET,
    order: int = ORDER,
    length: str = LENGTH,
    n_units: int = typer.Option(120, "--n-units", help="Number of columns N (>= 3)."),
    exc_extent: str = EXC,
    inh_extent: str = INH,
    conduction_velocity: str = VC,
    drive: str = DRIVE,
    stimulus_setting: str = SETTING,
    amplitude: str | None = AMPLITUDE,
    stimulus_extent: str | None = WIDTH,
    t0: str = ONSET,
    tau1: str = TAU1,
    tau2: str = TAU2,
    dt: str = DT,
    duration: str = DURATION,
    vsd_input: str = VSD_INPUT,
    out: Path = typer.Option(
        Path("adexmf-results/ring_apparent_motion.nc"), help="NetCDF file of the maps."
    ),
    no_figure: bool = NO_FIGURE,
    compress: bool = COMPRESS,
    as_json: bool = JSON,
) -> None:
    """Apparent motion (Fig 11): two stimuli 8.1 mm and 50 ms apart, alone and together;
    the linear prediction and the suppression map (both minus the sum)."""
    from ..params import Ring
    from ..ring import RingModel
    from ..workflows.ring import apparent_motion_stage
    from ..workflows.stage import run_stage

    try:
        ring = _geometry(Ring, length, n_units, exc_extent, inh_extent, conduction_velocity,
                         drive)  # fmt: skip
        stim = _stimulus(ring, stimulus_setting, amplitude, stimulus_extent, None, t0, tau1,
                         tau2)  # fmt: skip
        model = RingModel(ring, _column(preset, order, False))
        result = run_stage(apparent_motion_stage, model, quantity(duration, "s", "--duration"),
                           stim, out=out, dt=quantity(dt, "s", "--dt"), vsd_input=vsd_input,
                           draw=not no_figure, compress=compress)  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    summary = result.summary
    path, figures = result.files[0], result.files[1:]
    payload = {**summary, "out": str(path), "figures": [str(f) for f in figures]}
    if as_json:
        emit_json(payload)
        return
    typer.echo(
        f"apparent motion: single peak {summary['vsd_peak_single'] * 100:.3f} %, both "
        f"{summary['vsd_peak_both'] * 100:.3f} %, suppression min "
        f"{summary['suppression_min'] * 100:.3f} % at {summary['t_suppression_min_s'] * 1e3:.0f}"
        f" ms, {summary['x_suppression_min_mm']:.1f} mm"
    )
    typer.echo(f"  data: {path}")
    for f in figures:
        typer.echo(f"  figure: {f}")


@sheet_app.command("run")
def sheet_run_cmd(
    preset: str = PRESET,
    order: int = ORDER,
    length: str = LENGTH,
    n_units: int = typer.Option(64, "--n-units", help="Columns per side N (>= 3)."),
    boundary: str = typer.Option("periodic", help="periodic or open edges."),
    exc_extent: str = EXC,
    inh_extent: str = INH,
    conduction_velocity: str = VC,
    drive: str = DRIVE,
    stimulus_setting: str = SETTING,
    amplitude: str | None = AMPLITUDE,
    stimulus_extent: str | None = WIDTH,
    t0: str = ONSET,
    tau1: str = TAU1,
    tau2: str = TAU2,
    dt: str = DT,
    duration: str = DURATION,
    record_every: str = typer.Option("10ms", "--frame-interval", help="Time between frames."),
    out: Path = typer.Option(Path("adexmf-results/sheet_run.nc"), help="NetCDF file of the maps."),
    no_figure: bool = NO_FIGURE,
    as_json: bool = JSON,
) -> None:
    """Integrate the N x N sheet after a point stimulus at its centre; write the maps, a
    series of dV/V0 snapshots and an animated GIF."""
    from ..params import Sheet
    from ..ring import SheetModel
    from ..workflows.ring import sheet_stage
    from ..workflows.stage import run_stage

    try:
        sheet = _geometry(Sheet, length, n_units, exc_extent, inh_extent, conduction_velocity,
                          drive, boundary=boundary)  # fmt: skip
        stim = _stimulus(sheet, stimulus_setting, amplitude, stimulus_extent, None, t0, tau1,
                         tau2)  # fmt: skip
        model = SheetModel(sheet, _column(preset, order, False))
        result = run_stage(sheet_stage, model, quantity(duration, "s", "--duration"), [stim],
                           out=out, dt=quantity(dt, "s", "--dt"),
                           frame_interval=quantity(record_every, "s", "--frame-interval"),
                           draw=not no_figure)  # fmt: skip
    except AdexmfError as exc:
        fail(exc, {"frame_interval": "record_every"})
    path, figures = result.files[0], result.files[1:]
    payload = {**result.summary, "out": str(path), "figures": [str(f) for f in figures]}
    if as_json:
        emit_json(payload)
        return
    typer.echo(
        f"sheet {sheet.n_units} x {sheet.n_units} ({sheet.boundary}): peak dV/V0 "
        f"{payload['vsd_peak'] * 100:.3f} % at {payload['t_vsd_peak_s'] * 1e3:.0f} ms"
    )
    typer.echo(f"  data: {path}")
    for f in figures:
        typer.echo(f"  figure: {f}")
