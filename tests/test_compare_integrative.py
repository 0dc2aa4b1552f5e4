"""Integrative properties of the mean field (Fig. 7): the paper's statements, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.compare.integrative import integrative_properties, integrative_summary
from adexmf.errors import ParameterError

runner = CliRunner()


@pytest.fixture(scope="module")
def reference():
    return integrative_summary(integrative_properties(["reference"]))


def test_no_stimulus_is_the_fixed_point(reference):
    # (1 - g) nu_e* + g nu_i* of the 4 Hz first-order fixed point (SPEC 10), no VSD signal.
    assert reference["peak_rate_Hz"][0] == pytest.approx(0.8 * 2.395209 + 0.2 * 9.569056,
                                                         rel=1e-4)  # fmt: skip
    assert reference["peak_vsd_percent"][0] == pytest.approx(0.0, abs=1e-9)


def test_peak_rate_is_linear_and_vsd_sublinear_in_amplitude(reference):
    """SPEC 7 row 7 (A): peak rate ~linear in A, peak dV/V0 strongly sub-linear."""
    a = np.array(reference["amplitude_Hz"])
    rate = np.array(reference["peak_rate_Hz"])
    slope, intercept = np.polyfit(a, rate, 1)
    assert np.max(np.abs(rate - (slope * a + intercept))) < 0.05 * rate[-1]
    vsd = np.array(reference["peak_vsd_percent"])
    assert np.all(np.diff(vsd) > 0)
    assert vsd[15] / vsd[1] < 0.35 * 15  # far below proportional


def test_background_flattens_the_rate_and_suppresses_the_vsd(reference):
    """SPEC 7 row 7 (B): the rate response stays flat while dV/V0 is suppressed by ~60 %."""
    change = np.array(reference["background_rate_change_Hz"])
    assert np.ptp(change) < 0.1 * change.mean()
    suppression = reference["mf"]["reference"]["vsd_suppression_percent"]
    assert 55.0 < suppression < 70.0


def test_errors_and_the_text_protocol():
    with pytest.raises(ParameterError, match="stimulus = 'x'"):
        integrative_properties(["reference"], stimulus="x")
    with pytest.raises(ParameterError, match=r"amplitudes = \[-1.0\]"):
        integrative_properties(["reference"], amplitudes=[-1.0])
    text = integrative_properties(["reference"], stimulus="text", amplitudes=[2.0],
                                  backgrounds=[0.0])  # fmt: skip
    assert text.attrs["tau2_s"] == 0.1 and text.peak_rate.shape == (1, 1)


def test_cli_integrative(tmp_path):
    args = ["compare", "integrative", "--variant", "reference", "--variant", "adaptation"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for key in ("amplitude_Hz", "peak_rate_Hz", "peak_vsd_percent", "background_Hz",
                "background_rate_change_Hz", "background_vsd_percent"):  # fmt: skip
        assert len(summary[key]) == 16, key
    assert summary["variant"] == "reference" and set(summary["mf"]) == {"reference", "adaptation"}
    assert (tmp_path / "integrative.nc").exists() and (tmp_path / "integrative.png").exists()
