"""``adexmf vsdi``: fit, summary, show and scan on a tiny scan (2^6 points, a 20-column
ring), and clean errors for bad input. The scan is stored in a temporary folder (never the
user cache); the whole module runs in well under a minute."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.netcdf import read_netcdf
from adexmf.vsdi.summary import fit_table, table_statistics
from adexmf.workflows.vsdi import example_recording

runner = CliRunner()

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "vsdi"
FILE1 = DATA / "Monkey1" / "matx2_wa080208_NL_up_10050.mat"
FILE2 = DATA / "Monkey1" / "matx2_wa071130_NL_up_1020.mat"
#: Without ../shared/data the tests use the recording the package ships, and as the second
#: recording a renamed copy of it (another session and stimulus duration for the file name):
#: what these tests check is the command line, not the fit (tests/test_vsdi_fit.py).
SHARED = FILE1.exists() and FILE2.exists()
if not SHARED:
    FILE1 = example_recording()
(S1, D1), (S2, D2) = [("wa080208", 100), ("wa071130", 10)] if SHARED else \
    [("wa071017b", 10), ("wa071017x", 50)]  # fmt: skip
TINY = ["--points", "2", "--n-units", "20", "--workers", "1"]
KEYS = {"file", "duration_ms", "residual", "default_residual", "parameters", "uncertainty",
        "stim2_residual", "both_residual"}  # fmt: skip
PARAMETER_KEYS = {"v_c_mm_per_s", "l_stim_mm", "l_exc_mm", "l_inh_mm", "tau1_ms", "tau2_ms"}

needs_data = pytest.mark.skipif(not FILE1.exists(), reason="no VSDI recording available")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """Two recordings fitted into one folder: FILE1 with --json and its figure, FILE2 with
    the text output and --no-figure (the scan computed once, then reused)."""
    root = tmp_path_factory.mktemp("vsdi")
    second = FILE2
    if not SHARED:
        second = root / "matx2_wa071017x_NL_up_5020.mat"
        shutil.copyfile(FILE1, second)
    common = [*TINY, "--scan-folder", str(root / "scan"), "--out", str(root / "fits")]
    as_json = runner.invoke(app, ["vsdi", "fit", str(FILE1), *common, "--json"])
    as_text = runner.invoke(app, ["vsdi", "fit", str(second), *common, "--no-figure"])
    return root, as_json, as_text


@needs_data
def test_fit_json_has_the_keys_and_names_its_files(fitted):
    """The command's output (parameter recovery itself: tests/test_vsdi_fit.py)."""
    root, result, _ = fitted
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 1
    row = rows[0]
    assert KEYS <= set(row)
    assert set(row["parameters"]) == PARAMETER_KEYS == set(row["uncertainty"])
    assert row["file"] == str(FILE1) and row["duration_ms"] == D1
    assert all(np.isfinite(v) for v in row["parameters"].values())
    fit_file = root / "fits" / f"{S1}_{D1}ms.fit.nc"
    assert row["out"] == str(fit_file) and fit_file.is_file()
    assert fit_file.with_suffix(".png").is_file() and fit_file.with_suffix(".svg").is_file()
    ds = read_netcdf(fit_file)
    assert json.loads(ds.attrs["summary"])["residual"] == pytest.approx(row["residual"])
    assert ds.attrs["scan_n_points"] == 2 and ds.attrs["scan_n_units"] == 20


@needs_data
def test_fit_text_output_and_no_figure(fitted):
    root, _, result = fitted
    assert result.exit_code == 0, result.output
    assert f"{S2} ({D2} ms): residual" in result.stdout and "v_c" in result.stdout
    assert "mm/s" in result.stdout and "predicted stim2" in result.stdout
    assert (root / "fits" / f"{S2}_{D2}ms.fit.nc").is_file()
    assert not (root / "fits" / f"{S2}_{D2}ms.fit.png").exists()
    assert not (root / "fits" / f"{S2}_{D2}ms.fit.svg").exists()


@needs_data
def test_summary_writes_table_csv_and_figure(fitted, tmp_path):
    root, _, _ = fitted
    out = tmp_path / "summary"
    result = runner.invoke(app, ["vsdi", "summary", str(root / "fits"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted((S1, S2))
    assert f"2 recording(s): {names[0]}, {names[1]}" in result.stdout
    assert "Wilcoxon" in result.stdout and "Spearman" in result.stdout
    for name in ("vsdi_fits.nc", "vsdi_fits.csv", "vsdi_summary.png", "vsdi_summary.svg"):
        assert (out / name).is_file(), name
    with open(out / "vsdi_fits.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["recording"] for r in rows] == names
    assert {"v_c_mm_per_s", "v_c_sd_mm_per_s", "tau1_ms", "residual", "duration_ms"} <= set(rows[0])
    table = read_netcdf(out / "vsdi_fits.nc")
    assert table.sizes == {"recording": 2, "parameter": 6}
    assert list(table.parameter_units.values) == ["m/s", "m", "m", "m", "s", "s"]
    np.testing.assert_array_equal(table.low.sel(parameter=["v_c", "tau2"]), [0.05, 0.05])
    np.testing.assert_array_equal(table.high.sel(parameter=["v_c", "tau2"]), [0.6, 0.2])
    assert float(rows[names.index(S1)]["v_c_mm_per_s"]) == pytest.approx(
        float(table.value.sel(recording=S1, parameter="v_c")) * 1e3, rel=1e-6
    )
    stats = json.loads(table.attrs["statistics"])
    assert stats["n_recordings"] == 2 and stats["l_exc_vs_l_inh"]["n"] == 2
    assert 0.0 <= stats["fraction_below_default"] <= 1.0


@needs_data
def test_table_names_repeated_sessions_by_duration(fitted):
    root, _, _ = fitted
    fit = read_netcdf(root / "fits" / f"{S1}_{D1}ms.fit.nc")
    other = fit.copy()
    summary = json.loads(other.attrs["summary"])
    other.attrs["summary"] = json.dumps({**summary, "duration_ms": 50.0})
    table = fit_table([fit, other, fit])
    assert list(table.recording.values) == [f"{S1}_{D1}ms", f"{S1}_50ms", f"{S1}_{D1}ms_2"]
    np.testing.assert_allclose(table.duration_s.values, [D1 / 1e3, 0.05, D1 / 1e3])
    stats = table_statistics(table)
    assert stats["v_c_m_per_s"]["sd"] == pytest.approx(0.0, abs=1e-12)
    assert stats["n_below_default"] == 3


@needs_data
def test_show_writes_a_png(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["vsdi", "show", str(FILE1)])
    assert result.exit_code == 0, result.output
    png = tmp_path / FILE1.with_suffix(".png").name
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png.name) in result.stdout
    assert b"<svg" in png.with_suffix(".svg").read_bytes()[:2000]
    assert str(png.with_suffix(".svg").name) in result.stdout
    pdf = tmp_path / "maps.pdf"  # the one save convention: PNG and SVG in its place
    result = runner.invoke(app, ["vsdi", "show", str(FILE1), "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "maps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "maps.svg").read_bytes()[:2000]
    assert not pdf.exists()


@needs_data
def test_scan_command_reuses_the_stored_scan(fitted):
    root, _, _ = fitted
    result = runner.invoke(app, ["vsdi", "scan", *TINY, "--folder", str(root / "scan")])
    assert result.exit_code == 0, result.output
    assert "64 points (2^6), N = 20 columns" in result.stdout
    assert str(root / "scan") in result.stdout and "time:" in result.stdout


def _assert_clean_error(result, *fragments):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_errors_are_one_line_and_start_no_scan(tmp_path):
    scan, out = tmp_path / "scan", tmp_path / "fits"
    where = ["--scan-folder", str(scan), "--out", str(out)]
    missing = tmp_path / "absent.mat"
    result = runner.invoke(app, ["vsdi", "fit", str(missing), *TINY, *where])
    _assert_clean_error(result, "absent.mat", "does not exist")
    foreign = tmp_path / "notes_NL_up_1050.mat"
    foreign.write_text("not a MATLAB file\n")
    result = runner.invoke(app, ["vsdi", "fit", str(foreign), *TINY, *where])
    _assert_clean_error(result, "notes_NL_up_1050.mat")
    result = runner.invoke(app, ["vsdi", "fit", str(FILE1), "--points", "1", *where])
    _assert_clean_error(result, "--points", "allowed")
    assert not scan.exists() and not out.exists()
    result = runner.invoke(app, ["vsdi", "scan", "--points", "1", "--folder", str(scan)])
    _assert_clean_error(result, "--points")
    result = runner.invoke(app, ["vsdi", "show", str(missing), "--out", str(tmp_path / "a.png")])
    _assert_clean_error(result, "does not exist")
    result = runner.invoke(app, ["vsdi", "summary", str(tmp_path)])
    _assert_clean_error(result, "no .fit.nc file")
    assert not scan.exists()


def test_usage_errors_of_the_console_script_are_one_line_not_a_traceback():
    import subprocess
    import sys

    for argv in (["ring", "run", "--bogus"], ["vsdi", "fit"]):
        proc = subprocess.run(
            [sys.executable, "-c", "from adexmf.cli import main; main()", *argv],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and "Error:" in proc.stderr
