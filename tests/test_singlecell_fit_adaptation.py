"""Fits with the template at the stationary adaptation current (SPEC 5.3) and their preset."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf import TransferFunction, load_preset
from adexmf.cli import app
from adexmf.errors import ParameterError
from adexmf.meanfield import MeanFieldModel, fixed_point
from adexmf.netcdf import write_netcdf
from adexmf.params import to_mapping
from adexmf.singlecell.fit import fit_transfer_function, stationary_adaptation_currents

PRESET = load_preset("corrected_adaptation")
RS = PRESET.cells["RS"]
TF_RS = TransferFunction.from_preset(PRESET, "RS")


def adapted_rates(tf: TransferFunction, nu_e: np.ndarray, nu_i: np.ndarray):
    """Rates (Hz) and W (A) of a freely adapting cell: nu = F(nu_e, nu_i, W(nu)).

    F decreases with W, which grows with nu: the root is unique in [0, F(W = 0)] and found by
    bisection, all points at once.
    """

    def excess(nu):
        W = stationary_adaptation_currents(
            nu_e, nu_i, nu, tf.cell, tf.synapses, tf.network, tf.params.inhibitory_term
        )
        return tf(nu_e, nu_i, W) - nu, W

    lo = np.zeros_like(nu_e)
    hi = tf(nu_e, nu_i) + 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = excess(mid)[0] > 0.0
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    nu = 0.5 * (lo + hi)
    return nu, excess(nu)[1]


def grid():
    E, I = np.meshgrid(np.linspace(1.0, 14.0, 14), np.linspace(0.0, 20.0, 6), indexing="ij")
    return E.ravel(), I.ravel()


def test_without_adaptation_parameters_the_option_changes_nothing():
    cell = RS.replace(a=0.0, b=0.0)
    tf = TransferFunction(cell, PRESET.synapses, PRESET.network, TF_RS.params)
    e, i = grid()
    rate = tf(e, i)
    keep = rate < 40.0
    none, stat = (
        fit_transfer_function(
            e[keep], i[keep], rate[keep], cell, PRESET.synapses, PRESET.network, adaptation=mode
        )
        for mode in ("none", "stationary")
    )
    assert stat.params.coefficients == none.params.coefficients
    np.testing.assert_array_equal(stat.model, none.model)
    np.testing.assert_array_equal(stat.W, 0.0)
    assert stat.adaptation == "stationary" and stat.summary()["adaptation"] == "stationary"
    assert "'stationary'" in stat.params.note and "'none'" in none.params.note


def test_round_trip_at_the_stationary_adaptation_current():
    e, i = grid()
    rate, W = adapted_rates(TF_RS, e, i)
    keep = rate < 40.0
    assert rate[keep].max() > 10.0 and W[keep].max() > 50e-12  # adaptation matters here
    fit = fit_transfer_function(
        e[keep], i[keep], rate[keep], RS, PRESET.synapses, PRESET.network,
        layout=TF_RS.params.layout, inhibitory_term=TF_RS.params.inhibitory_term,
        adaptation="stationary",
    )  # fmt: skip
    np.testing.assert_allclose(fit.W, W[keep], rtol=1e-9, atol=1e-18)
    assert fit.rmse < 0.02
    # The same data fitted at W = 0 describe another function of (nu_e, nu_i, W).
    plain = fit_transfer_function(
        e[keep], i[keep], rate[keep], RS, PRESET.synapses, PRESET.network, adaptation="none"
    )
    np.testing.assert_array_equal(plain.W, 0.0)
    with pytest.raises(ParameterError, match="adaptation"):
        fit_transfer_function(
            e, i, rate, RS, PRESET.synapses, PRESET.network,
            adaptation="clamped",  # type: ignore[arg-type]
        )  # fmt: skip


def test_cli_fit_adaptation_option(tmp_path):
    e, i = grid()
    rate, _ = adapted_rates(TF_RS, e, i)
    keep = rate < 40.0
    n = int(keep.sum())
    pt = ("point",)
    ds = xr.Dataset(
        {
            "nu_e": (pt, e[keep]),
            "nu_i": (pt, i[keep]),
            "W": (pt, np.full(n, np.nan)),
            "rate_mean": (pt, rate[keep]),
            "rate": (("point", "seed"), rate[keep][:, None]),
        },
        attrs={
            "cell": json.dumps(to_mapping(RS)),
            "synapses": json.dumps(to_mapping(PRESET.synapses)),
            "network": json.dumps(to_mapping(PRESET.network)),
        },
    )
    path = write_netcdf(ds, tmp_path / "tf_RS.nc")
    out_toml = tmp_path / "p.toml"
    runner = CliRunner()
    res = runner.invoke(app, ["tf", "fit", str(path), "--adaptation", "stationary", "--json",
                              "--preset-out", str(out_toml)])  # fmt: skip
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["adaptation"] == "stationary" and payload["rmse_Hz"] < 0.02
    assert "'stationary'" in load_preset(out_toml).transfer_params("RS").note
    bad = runner.invoke(app, ["tf", "fit", str(path), "--adaptation", "sometimes"])
    assert bad.exit_code == 2 and "adaptation" in bad.output


def test_shipped_adaptation_preset():
    corrected = load_preset("corrected")
    assert PRESET.level == "corrected" and PRESET.cells == corrected.cells
    assert PRESET.synapses == corrected.synapses and PRESET.network == corrected.network
    assert PRESET.transfer_params("FS") == corrected.transfer_params("FS")
    rs = PRESET.transfer_params("RS")
    assert rs.inhibitory_term == "paper" and rs.layout == "with_log"
    assert "'stationary'" in rs.note
    fp = fixed_point(MeanFieldModel(PRESET, order=1, adaptation=True), 4.0)
    assert fp.stable and all(np.isfinite(v) for v in fp.state.values())
    # W is counted once: the rate lies between the double-counting corrected preset and the
    # mean field without adaptation, near the spiking network (~1.6-1.7 Hz).
    assert 1.0 < fp.state["nu_e"] < 3.0 and fp.state["W"] > 0.0
    twice = fixed_point(MeanFieldModel("corrected", order=1, adaptation=True), 4.0)
    assert fp.state["nu_e"] > twice.state["nu_e"]
