"""``adexmf tf``: transfer functions (evaluate; characterise and fit single cells)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError
from ..params import load_preset
from ..theory.transfer import TransferFunction
from .common import emit_json, fail, quantity, quantity_list

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help="Transfer functions: evaluate, characterise single cells, fit.", no_args_is_help=True
)


@app.command("eval")
def evaluate(
    preset: str = typer.Option("zerlaut2018", help="Preset name or path of a TOML file."),
    cell: str = typer.Option("RS", help="Cell of the preset (RS, FS, ...)."),
    nu_e: str = typer.Option("5", "--nu-e", help="Excitatory rate per synapse, e.g. 5 or 5Hz."),
    nu_i: str = typer.Option("5", "--nu-i", help="Inhibitory rate per synapse, e.g. 5 or 5Hz."),
    w: str = typer.Option("0 pA", "--w", help="Mean adaptation current, e.g. '20 pA'."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object in SI units."),
) -> None:
    """Evaluate a transfer function, its exact derivatives and the membrane statistics.

    Input rates are per presynaptic neuron (the cell receives K_e nu_e and K_i nu_i events/s).
    """
    try:
        p = load_preset(preset)
        tf = TransferFunction.from_preset(p, cell)
        e = quantity(nu_e, "Hz", "--nu-e")
        i = quantity(nu_i, "Hz", "--nu-i")
        W = quantity(w, "A", "--w")
        ev = tf.evaluate(e, i, W)
    except AdexmfError as exc:
        fail(exc)
    s = ev.stats
    payload = {
        "preset": p.name,
        "cell": cell,
        "nu_e": e,
        "nu_i": i,
        "W": W,
        "mu_V": float(s.mu_V),
        "sigma_V": float(s.sigma_V),
        "tau_V": float(s.tau_V),
        "tau_V_N": float(s.tau_V_N),
        "V_thr": float(ev.V_thr),
        "rate": float(ev.rate),
        "d_rate_d_nu_e": float(ev.gradient[0]),
        "d_rate_d_nu_i": float(ev.gradient[1]),
        "d2_rate_d_nu_e2": float(ev.hessian[0, 0]),
        "d2_rate_d_nu_e_d_nu_i": float(ev.hessian[0, 1]),
        "d2_rate_d_nu_i2": float(ev.hessian[1, 1]),
        "outside_fit_domain": int(tf.outside_domain(e, i).sum()),
    }
    if as_json:
        emit_json(payload)
        return
    lines = [
        f"Transfer function of {cell} in preset {p.name!r} ({p.level} level; "
        f"layout {tf.params.layout}, inhibitory term '{tf.params.inhibitory_term}')",
        f"  input        nu_e = {e:g} Hz, nu_i = {i:g} Hz per synapse"
        f" (K_e = {p.network.K_e:g}, K_i = {p.network.K_i:g}), W = {W * 1e12:g} pA",
        f"  mu_V         {s.mu_V * 1e3:10.4f} mV",
        f"  sigma_V      {s.sigma_V * 1e3:10.4f} mV",
        f"  tau_V        {s.tau_V * 1e3:10.4f} ms   (tau_V^N = {s.tau_V_N:.5f})",
        f"  V_thr        {ev.V_thr * 1e3:10.4f} mV",
        f"  rate         {ev.rate:10.6f} Hz",
        f"  d rate/d nu_e      {ev.gradient[0]:12.6g}",
        f"  d rate/d nu_i      {ev.gradient[1]:12.6g}",
        f"  d2 rate/d nu_e2    {ev.hessian[0, 0]:12.6g} 1/Hz",
        f"  d2 rate/d nu_e nu_i{ev.hessian[0, 1]:12.6g} 1/Hz",
        f"  d2 rate/d nu_i2    {ev.hessian[1, 1]:12.6g} 1/Hz",
    ]
    if payload["outside_fit_domain"]:
        lines.append("  OUTSIDE the domain of the fit: not a number to trust")
    typer.echo("\n".join(lines))


def _cell_of(preset_name: str, cell: str):
    """The cell ``cell`` of a preset, or a cell preset of SPEC 2.2 (LIF, EIF, AdEx...)."""
    from ..params import cell_preset

    p = load_preset(preset_name)
    return p, (p.cells[cell] if cell in p.cells else cell_preset(cell))


def _config(
    seeds: int, duration: str, dt: str, seed: int, discard: str, w_levels: str = "",
    scheme: str = "heun",
):  # fmt: skip
    from ..singlecell.config import CharacterizationConfig, GridDesign

    levels = tuple(quantity_list(w_levels, "A", "--w-levels"))
    return CharacterizationConfig(
        duration=quantity(duration, "s", "--duration"),
        dt=quantity(dt, "s", "--dt"),
        scheme=scheme,
        n_seeds=seeds,
        seed=seed,
        discard=quantity(discard, "s", "--discard"),
        design=GridDesign(adaptation_levels=levels),
    )


@app.command("characterize")
def characterize_cmd(
    cell: str = typer.Option("RS", help="Cell of the preset (RS, FS) or a cell preset (LIF...)."),
    out: Path = typer.Option(Path("adexmf-results"), help="Folder of the result tf_<cell>.nc."),
    preset: str = typer.Option("corrected", help="Preset giving cells, synapses, in-degrees."),
    seeds: int = typer.Option(8, help="Independent seeds per grid point (SPEC: >= 4)."),
    duration: str = typer.Option("10s", help="Simulated time per seed and point, e.g. 10s."),
    dt: str = typer.Option("0.1ms", help="Time step, e.g. 0.1ms."),
    scheme: str = typer.Option(
        "heun",
        help="Integration scheme: heun (converged at 0.1 ms) or euler (the authors' scheme; "
        "their protocol is --scheme euler --dt 0.05ms).",
    ),
    seed: int = typer.Option(0, help="User seed; every cell's stream derives from it."),
    discard: str = typer.Option("0s", help="Initial transient left out of the counts."),
    force: bool = typer.Option(False, help="Recompute even if an up-to-date file exists."),
    w_levels: str = typer.Option(
        "", "--w-levels", help="Clamp w at these currents, e.g. '0pA,50pA,100pA' (SPEC 5.3)."
    ),
) -> None:
    """Measure a cell's transfer function by simulation (SPEC 4.2).

    An adaptive grid (>= 150 points: output rates 0.1-30 Hz for 8 inhibitory levels 0-20 Hz)
    is simulated with independent Poisson inputs, all points and seeds at once. Writes
    OUT/tf_<cell>.nc (mean, standard error and every seed). Interrupted runs resume from
    OUT/.tf-cache; an up-to-date file is reused. With --w-levels the adaptation current is
    clamped at each level in turn (the grid is walked for every level) and the fit evaluates
    the template at that W.
    """
    from ..workflows.singlecell import characterize_stage
    from ..workflows.stage import run_stage

    try:
        p, c = _cell_of(preset, cell)
        cfg = _config(seeds, duration, dt, seed, discard, w_levels, scheme)
        result = run_stage(characterize_stage, c, p, out, cfg, force=force)
    except AdexmfError as exc:
        fail(exc, {"n_seeds": "seeds"})
    typer.echo(str(result.files[0]))


@app.command("fit")
def fit_cmd(
    file: Path = typer.Argument(..., help="A characterisation file (tf characterize)."),
    layout: str = typer.Option("with_log", help="with_log (11 coefficients) or without_log."),
    inhibitory_term: str = typer.Option("paper", help="paper, or slip (the authors' code)."),
    adaptation: str = typer.Option(
        "none",
        help="How points with free adaptation are evaluated: none (W = 0, the threshold "
        "absorbs adaptation) or stationary (W of a cell firing at the measured rate; for "
        "the adaptation mean field, SPEC 5.3).",
    ),
    loss: str = typer.Option(
        "rate",
        help="Loss of the fit's second step: rate (squared rate errors, the authors') or "
        "poisson (deviance of the spike counts: low rates weigh in relative terms).",
    ),
    base_preset: str = typer.Option(
        "corrected", help="Preset whose transfer function of this cell is replaced."
    ),
    preset_out: Path | None = typer.Option(
        None, help="Preset TOML written (default: FILE with suffix _fit.toml)."
    ),
    error_map: Path | None = typer.Option(None, help="Write the error map (PNG/SVG) here."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (SI units)."),
) -> None:
    """Fit the transfer-function template to a characterisation (SPEC 4.3, two steps).

    Prints RMS and maximum error (Hz) and writes a preset TOML that --preset accepts. The
    adaptation choice is recorded in the preset's transfer-function note and in the report.
    """
    from ..workflows.singlecell import fit_stage
    from ..workflows.stage import run_stage

    try:
        result = run_stage(
            fit_stage, file, error_map=error_map, layout=layout, inhibitory_term=inhibitory_term,
            adaptation=adaptation, loss=loss, base_preset=base_preset, preset_out=preset_out,
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    summary = result.summary
    if as_json:
        emit_json(summary)
        return
    coeffs = ", ".join(f"{c * 1e3:.4f}" for c in summary["coefficients"])
    typer.echo(
        "\n".join(
            [
                f"Fit of {summary['cell']} ({layout}, inhibitory term '{inhibitory_term}', "
                f"adaptation '{adaptation}') on {summary['n_points']} points",
                f"  RMS error   {summary['rmse_Hz']:.3f} Hz (after step 1: "
                f"{summary['step1_rmse_Hz']:.3f} Hz)",
                f"  max error   {summary['max_error_Hz']:.3f} Hz",
                f"  within 3 standard errors: {summary['fraction_within_3_sem']:.0%} of points",
                f"  coefficients (mV): {coeffs}",
                f"  preset written to {summary['preset_file']}",
            ]
        )
    )


@app.command("figure2")
def figure2_cmd(
    out: Path = typer.Option(Path("adexmf-results"), help="Folder for figure2.png/.svg, data."),
    preset: str = typer.Option("corrected", help="Preset giving the cells (and curves)."),
    refit: bool = typer.Option(
        True, help="Draw a fresh fit of the data (--no-refit: the preset's curves)."
    ),
    layout: str = typer.Option("with_log", help="Layout of the fit."),
    inhibitory_term: str = typer.Option("paper", help="Formula of the fit: paper or slip."),
    seeds: int = typer.Option(8, help="Seeds per grid point."),
    duration: str = typer.Option("10s", help="Simulated time per seed and point."),
) -> None:
    """Reproduce Fig. 2: RS and FS responses to a 200 pA step and their transfer functions.

    Characterisations are cached in OUT (tf_RS.nc, tf_FS.nc) and reused by later runs.
    """
    from ..workflows.singlecell import figure2_stage
    from ..workflows.stage import run_stage

    try:
        cfg = _config(seeds, duration, "0.1ms", 0, "0s")
        result = run_stage(
            figure2_stage, out, preset=preset, refit=refit, layout=layout,
            inhibitory_term=inhibitory_term, config=cfg, progress=True,
        )  # fmt: skip
    except AdexmfError as exc:
        fail(exc)
    typer.echo("\n".join(str(p) for p in result.files if p.suffix in (".png", ".svg")))
