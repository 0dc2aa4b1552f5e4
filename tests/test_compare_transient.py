"""Transient comparison (Fig. 5): binning, mean-field responses, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.compare.transient import bin_average, transient_comparison, transient_summary

runner = CliRunner()


def test_bin_average_matches_the_network_binning():
    """Samples at k dt averaged over [k w, (k+1) w), as the network's 5 ms bins."""
    t = np.arange(0, 1001) * 1e-4  # n + 1 points, as a mean-field run
    x = np.stack([t, 2 * t], axis=1)
    centres, mean = bin_average(t, x, 5e-3)
    assert centres.size == 20 and centres[0] == pytest.approx(2.5e-3)
    # Bin k holds samples 50k .. 50k + 49: mean time (50k + 24.5) dt.
    np.testing.assert_allclose(mean[:, 0], (np.arange(20) * 50 + 24.5) * 1e-4)
    np.testing.assert_allclose(mean[:, 1], 2 * mean[:, 0])


@pytest.fixture(scope="module")
def mean_field_only():
    return transient_comparison(["reference", "adaptation"], network=False)


def test_mean_field_transient_peaks_after_the_stimulus(mean_field_only):
    s = transient_summary(mean_field_only)["mf"]
    ref = s["reference"]
    assert ref["baseline_nu_e"] == pytest.approx(2.3997, abs=0.01)  # the 4 Hz fixed point
    assert 0.79 < ref["t_peak_nu_e"] < 0.83 and ref["peak_nu_e"] > ref["baseline_nu_e"] + 1
    # Without adaptation there is no undershoot; with it the rate dips below its baseline.
    assert ref["undershoot_nu_e"] < 0.1
    assert s["adaptation"]["undershoot_nu_e"] > 0.3
    assert s["adaptation"]["t_trough_nu_e"] > s["adaptation"]["t_peak_nu_e"]
    # The mean field's control run stays at its fixed point, so both measures agree.
    for name in ("reference", "adaptation"):
        assert s[name]["undershoot_control_nu_e"] == pytest.approx(
            s[name]["undershoot_nu_e"], abs=1e-2
        )
    control = mean_field_only.mf_control_rate.sel(variant="reference").values
    np.testing.assert_allclose(control, np.broadcast_to(control[0], control.shape), atol=1e-6)


def test_cli_transient_mean_field_only(tmp_path):
    result = runner.invoke(app, ["compare", "transient", "--no-network", "--variant",
                                 "reference", "--out", str(tmp_path), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary["mf"]) == {"reference"}
    for key in ("peak_nu_e", "t_peak_nu_e", "trough_nu_e", "baseline_nu_e"):
        assert key in summary["mf"]["reference"]
    assert (tmp_path / "transient.nc").exists() and (tmp_path / "transient.svg").exists()
