"""``adexmf brain run`` (typer.testing.CliRunner): the JSON contract, the files, and bad
options refused in one line that names the option."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf.brain import BrainNetwork
from adexmf.cli import app

runner = CliRunner()


def test_run_json_matches_the_library_and_writes_files(tmp_path):
    out = tmp_path / "brain.nc"
    args = ["brain", "run", "--regions", "L00,L01,R00,5", "--coupling", "0.5", "--b", "40pA",
            "--drive", "3Hz", "--duration", "1s", "--analysis-start", "0.5s", "--out",
            str(out), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["regions"] == 4 and data["region_labels"] == ["L00", "L01", "R00", "L05"]
    for key in ("nu_e_Hz", "nu_i_Hz", "w_pA", "regime", "dominant_frequency_Hz"):
        assert len(data[key]) == 4, key
    assert data["b_pA"] == pytest.approx(40.0) and data["wall_s"] > 0
    # the command calls the library: the same network gives the same numbers
    from adexmf.brain import load_connectome

    conn = load_connectome().subset(["L00", "L01", "R00", 5])
    ds = BrainNetwork(conn, "adaptation-W", coupling=0.5, b=40e-12).run(1.0, drive=3.0)
    expected = ds.nu_e.sel(time=slice(0.5, None)).mean("time").values
    np.testing.assert_allclose(data["nu_e_Hz"], expected, rtol=1e-12)
    saved = xr.load_dataset(out)
    assert saved.sizes["region"] == 4 and saved.attrs["coupling"] == 0.5
    assert (tmp_path / "brain.png").is_file() and (tmp_path / "brain.svg").is_file()


def test_bold_and_text_output(tmp_path):
    result = runner.invoke(app, ["brain", "run", "--regions", "0,1,2,34,35", "--duration",
                                 "15s", "--dt", "0.2ms", "--noise", "2Hz", "--bold",
                                 "--no-figure", "--out", str(tmp_path / "b.nc")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "regions of synthetic68" in result.output and "BOLD FC vs weights" in result.output
    saved = xr.load_dataset(tmp_path / "b.nc")
    assert saved.bold.dims == ("bold_time", "region") and saved.sizes["bold_time"] == 15


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--conduction-velocity", "0m/s"], "--conduction-velocity = 0"),
        (["--coupling", "-1"], "--coupling = -1"),
        (["--connectome", "/nonexistent/c.zip"], "no such file or folder"),
        (["--variant", "nope"], "--variant = 'nope'"),
        (["--normalisation", "l2"], "--normalisation = 'l2'"),
        (["--regions", "L00,Z99"], "--regions = ['L00', 'Z99']: 'Z99' is not a region"),
        (["--regions", ","], "--regions = []: give each region once, at least one"),
        (["--bold"], "--duration = 1 s is too short for BOLD"),
        (["--duration", "10ms"], "shorter than the longest conduction delay"),
        (["--analysis-start", "2s", "--duration", "1s"], "--analysis-start = 2"),
        (["--b", "5Hz"], "--b"),
        (["--noise", "-1Hz"], "--noise = -1 Hz is out of range"),
        (["--noise", "1Hz", "--noise-tau", "0ms"], "--noise-tau = 0 s is out of range"),
    ],
)
def test_bad_options_are_refused_in_one_line(tmp_path, args, message):
    result = runner.invoke(app, ["brain", "run", "--duration", "1s", *args, "--out",
                                 str(tmp_path / "x.nc")])  # fmt: skip
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.nc").exists()
