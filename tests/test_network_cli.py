"""``adexmf network``: JSON output, NetCDF files, Fig. 3 and clean errors."""

from __future__ import annotations

import builtins
import json

import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf.cli import app

runner = CliRunner()
SMALL = ["--n-total", "1000", "--keep-in-degrees", "--target", "numpy"]


@pytest.mark.network
def test_run_json_and_netcdf(tmp_path):
    out = tmp_path / "net.nc"
    args = ["network", "run", *SMALL, "--duration", "0.7s", "--drive", "4Hz", "--seed", "5"]
    result = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("nu_e", "nu_i", "mu_V_exc", "mu_V_inh", "wall_time_s"):
        assert key in payload
    assert 0.0 < payload["nu_e"] < payload["nu_i"] < 50.0
    assert -0.07 < payload["mu_V_exc"] < -0.045
    ds = xr.load_dataset(out, engine="h5netcdf")
    assert ds.attrs["seed"] == 5
    assert ds.attrs["stationary_nu_e_Hz"] == pytest.approx(payload["nu_e"])
    assert ds.sizes["time"] == 7000


@pytest.mark.network
def test_figure3_from_data(tmp_path):
    out = tmp_path / "net.nc"
    args = ["network", "run", *SMALL, "--duration", "0.3s", "--stationary-start", "0.1s"]
    assert runner.invoke(app, [*args, "--out", str(out)]).exit_code == 0
    result = runner.invoke(
        app, ["network", "figure3", "--data", str(out), "--out", str(tmp_path / "fig")]
    )
    assert result.exit_code == 0, result.output
    for name in ("figure3.png", "figure3.svg"):
        assert (tmp_path / "fig" / name).stat().st_size > 10_000


def test_figure3_unreadable_data_is_a_clear_error(tmp_path):
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not a NetCDF file")
    result = runner.invoke(
        app, ["network", "figure3", "--data", str(garbage), "--out", str(tmp_path / "fig")]
    )
    assert result.exit_code == 2
    assert "cannot be read as NetCDF" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "neuron"], "backend = 'neuron'; allowed: brian2, nest"),
        (["--mode", "gpu"], "mode = 'gpu'; allowed: runtime, standalone"),
        (["--target", "weave"], "target = 'weave'; allowed: cython, numpy"),
        (["--duration", "1.5 mV"], "--duration"),
        (["--drive", "-1Hz"], "--drive = -1 Hz is out of range"),
        (["--drive", "300Hz"], "1/(K_e dt)"),
        (["--duration", "0.4s"], "--stationary-start"),
        (["--duration", "-1s"], "--duration = -1 s is out of range; allowed: (0, 100000] s"),
        (["--duration", "0s"], "--duration = 0 s is out of range"),
        (["--duration", "2"], "--duration = '2' has no unit"),
        (["--n-total", "100", "--keep-in-degrees"], "n_total >= 500"),
        (["--drive-model", "shared"], "Drive.model"),
        (["--seed", "-3"], "--seed"),
        (["--threads", "0"], "--threads = 0; allowed: an integer >= 1"),
        (["--backend", "nest", "--mode", "standalone"], "--mode = 'standalone' applies to"),
    ],
)
def test_clean_errors(args, message):
    result = runner.invoke(app, ["network", "run", "--n-total", "1000", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_nest_is_a_clear_error(monkeypatch):
    real_import = builtins.__import__

    def no_nest(name, *args, **kwargs):
        if name == "nest":
            raise ImportError("No module named 'nest'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nest)
    result = runner.invoke(app, ["network", "run", "--backend", "nest", "--n-total", "1000"])
    assert result.exit_code == 2
    assert "pip install adexmf[nest]" in result.output


def test_cache_lives_in_the_user_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    result = runner.invoke(app, ["network", "cache"])
    assert result.exit_code == 0
    assert str(tmp_path / "adexmf" / "brian2" / "standalone") in result.output
    (tmp_path / "adexmf" / "brian2" / "cython").mkdir()
    (tmp_path / "adexmf" / "brian2" / "cython" / "x.so").write_bytes(b"0" * 2_000_000)
    assert "cython: 2 MB" in runner.invoke(app, ["network", "cache"]).output
    assert runner.invoke(app, ["network", "cache", "--clear"]).exit_code == 0
    assert not (tmp_path / "adexmf" / "brian2" / "cython").exists()
