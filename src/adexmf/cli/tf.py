"""``adexmf tf``: transfer functions (evaluate; characterise and fit single cells)."""

from __future__ import annotations

import typer

from ..errors import AdexmfError
from ..params import load_preset
from ..theory.transfer import TransferFunction
from .common import emit_json, fail, quantity

app = typer.Typer(
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
    typer.echo("\n".join(lines))
