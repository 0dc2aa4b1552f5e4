"""The ``adexmf tf eval`` command and the default pipeline."""

import json

import pytest
from typer.testing import CliRunner

from adexmf.cli import app

runner = CliRunner()

KEYS = {
    "mu_V", "sigma_V", "tau_V", "tau_V_N", "rate", "d_rate_d_nu_e", "d_rate_d_nu_i",
    "d2_rate_d_nu_e2", "d2_rate_d_nu_e_d_nu_i", "d2_rate_d_nu_i2",
}  # fmt: skip


def test_json_output_in_si(tf_rs):
    res = runner.invoke(
        app, ["tf", "eval", "--preset", "zerlaut2018", "--cell", "RS",
              "--nu-e", "5", "--nu-i", "5Hz", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert KEYS <= set(out)
    ev = tf_rs.evaluate(5.0, 5.0)
    assert out["rate"] == pytest.approx(6.331918, abs=5e-7)
    assert out["mu_V"] == pytest.approx(-0.0507692, abs=1e-7)  # volts, not mV
    assert out["tau_V"] == float(ev.stats.tau_V)
    assert out["d2_rate_d_nu_e_d_nu_i"] == float(ev.hessian[0, 1])


def test_human_output_has_units():
    res = runner.invoke(app, ["tf", "eval", "--cell", "FS", "--nu-e", "10", "--nu-i", "20"])
    assert res.exit_code == 0
    assert "mV" in res.output and "1.409961 Hz" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nu-e", "-1"], "--nu-e = -1 Hz is not admissible"),
        (["--nu-e", "5 mV"], "--nu-e"),
        (["--cell", "XX"], "no transfer function for cell 'XX'"),
        (["--preset", "nope"], "unknown preset 'nope'"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    res = runner.invoke(app, ["tf", "eval", *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_transfer_stage_of_the_study_writes_results(tmp_path):
    import xarray as xr

    res = runner.invoke(app, ["run", "--stage", "transfer", "--out", str(tmp_path / "res")])
    assert res.exit_code == 0, res.output
    ds = xr.load_dataset(tmp_path / "res" / "transfer" / "transfer_functions.nc")
    assert ds.rate.attrs["units"] == "Hz"
    assert float(ds.rate.sel(cell="RS", nu_e=5.0, nu_i=5.0)) == pytest.approx(6.331918, abs=5e-7)
    assert not list((tmp_path / "res").glob("*.tmp"))
