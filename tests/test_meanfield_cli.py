"""``adexmf mf`` command line (typer.testing.CliRunner)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["mf", *args])


@pytest.mark.parametrize("order", [1, 2])
def test_fixed_point_json(order):
    result = invoke("fixed-point", "--preset", "zerlaut2018", "--drive", "4Hz",
                    "--order", str(order), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = {1: (2.395209, 9.569056), 2: (2.399683, 9.594606)}[order]
    assert data["nu_e"] == pytest.approx(expected[0], rel=1e-5)
    assert data["nu_i"] == pytest.approx(expected[1], rel=1e-5)
    assert data["stable"] is True
    assert all(len(z) == 2 and z[0] < 0 for z in data["eigenvalues"])
    assert len(data["eigenvalues"]) == {1: 2, 2: 5}[order]
    if order == 2:
        assert data["c_ee"] == pytest.approx(0.087649, rel=1e-5)
        assert data["c_ei"] == pytest.approx(0.105742, rel=1e-5)
        assert data["c_ii"] == pytest.approx(0.235629, rel=1e-5)
    else:
        assert "c_ee" not in data


def test_fixed_point_text_and_adaptation():
    result = invoke("fixed-point", "--drive", "4Hz", "--order", "1", "--adaptation")
    assert result.exit_code == 0, result.output
    assert "first order + adaptation" in result.output and "W = " in result.output
    assert "stable" in result.output


def test_run_writes_netcdf_and_figure(tmp_path):
    out = tmp_path / "run.nc"
    result = invoke("run", "--order", "2", "--drive", "4Hz", "--duration", "300ms",
                    "--dt", "0.1ms", "--stimulus",
                    "double-gaussian:A=2Hz,t0=150ms,tau1=30ms,tau2=50ms",
                    "--stimulus", "sinusoid:A=1Hz,f=20Hz,t0=100ms",
                    "--out", str(out), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["nu_e_peak"] > summary["nu_e_initial"]
    ds = xr.load_dataset(out)
    assert ds.sizes["time"] == 3001 and ds.attrs["order"] == 2
    assert "double-gaussian" in ds.attrs["stimulus"] and "sinusoid" in ds.attrs["stimulus"]
    assert float(ds.afferent.max()) > 2.0  # the two stimuli add up
    assert (tmp_path / "run.png").stat().st_size > 10_000
    assert (tmp_path / "run.svg").exists()


def test_phase_plane_and_drive_scan(tmp_path):
    fig = tmp_path / "pp.png"
    result = invoke("phase-plane", "--out", str(fig), "--drive", "0Hz", "--drive", "4Hz")
    assert result.exit_code == 0, result.output
    assert "drive 4 Hz: fixed points (2.3952, 9.5691) Hz stable" in result.output
    assert fig.exists() and fig.with_suffix(".svg").exists()
    out = tmp_path / "scan.nc"
    result = invoke("drive-scan", "--max-drive", "4Hz", "--step", "2Hz", "--out", str(out))
    assert result.exit_code == 0, result.output
    ds = xr.load_dataset(out)
    assert list(ds.drive.values) == [0.0, 2.0, 4.0] and list(ds.order.values) == [1, 2]
    assert float(ds.c_ee.sel(order=2, drive=4.0)[0]) == pytest.approx(0.087649, rel=1e-5)
    assert (tmp_path / "scan.png").exists() and (tmp_path / "scan.svg").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fixed-point", "--order", "3"], "order = 3 is not allowed; allowed: 1, 2"),
        (["fixed-point", "--drive=-2Hz"], "drive = -2 Hz is not admissible"),
        (["fixed-point", "--drive", "4mV"], "has unit V, expected a quantity in Hz"),
        (["fixed-point", "--preset", "nope"], "unknown preset 'nope'"),
        (["run", "--dt", "10ms"], "dt = 0.01 s is out of range"),
        (["run", "--stimulus", "boxcar:A=1Hz"], "unknown stimulus kind 'boxcar'"),
        (["run", "--out", "x.txt"], "must be a NetCDF file ending in .nc"),
        (["run", "--method", "rk4"], "method = 'rk4'; allowed: euler, heun"),
    ],
)
def test_bad_inputs_give_clear_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_drive_scan_stage(tmp_path):
    from adexmf import load_preset
    from adexmf.workflows.meanfield import drive_scan_stage

    drives = np.arange(0.0, 20.0 + 1e-9, 0.5)
    result = drive_scan_stage(
        load_preset("zerlaut2018"), tmp_path / "mf_fixed_points_vs_drive.nc", drives
    )
    ds = result.data["scan"]
    assert result.files[0] == tmp_path / "mf_fixed_points_vs_drive.nc"
    assert [f.suffix for f in result.files[1:]] == [".png", ".svg"]
    back = xr.load_dataset(tmp_path / "mf_fixed_points_vs_drive.nc")
    assert back.drive.values[0] == 0.0 and back.drive.values[-1] == 20.0
    assert float(back.nu_e.sel(order=1, drive=4.0)[0]) == pytest.approx(2.395209, rel=1e-5)
    assert float(back.nu_i.sel(order=2, drive=4.0)[0]) == pytest.approx(9.594606, rel=1e-5)
    assert (back.stable.sel(fixed_point=0) == 1).all()
    assert (tmp_path / "mf_fixed_points_vs_drive.png").exists()
    assert ds.attrs["preset"] == "zerlaut2018"
