"""Stationary comparison (Fig. 4): mean-field predictions, network tasks, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.compare.stationary import (
    Scale,
    mean_field_prediction,
    stationary_comparison,
    stationary_summary,
)
from adexmf.errors import ParameterError
from adexmf.meanfield.variants import VARIANTS, get_variant

runner = CliRunner()


def test_reference_prediction_is_the_published_fixed_point():
    """SPEC 10: second order at 4 Hz, 10,000 neurons. SPEC 10's observables are printed at
    the first-order point (2.3952, 9.5691 Hz), 0.2 % below the second-order one used here."""
    p = mean_field_prediction("reference", 4.0, 10_000)
    assert p["nu"] == pytest.approx([2.399683, 9.594606], rel=1e-5)
    assert p["rate_std"] == pytest.approx(np.sqrt([0.087649, 0.235629]), rel=1e-4)
    assert p["mu_V"][0] == pytest.approx(-54.88e-3, rel=2e-3)
    assert p["mu_Ge"][0] == pytest.approx(12.79e-9, rel=2e-3)
    assert p["sigma_Gi"][0] == pytest.approx(7.73e-9, rel=2e-3)


def test_smaller_network_has_larger_fluctuations():
    """The finite-size term A_ll = F (1/T - F) / N_l: c scales ~ 1/N at fixed in-degrees."""
    big = mean_field_prediction("reference", 4.0, 10_000)["rate_std"]
    small = mean_field_prediction("reference", 4.0, 2_500)["rate_std"]
    assert small == pytest.approx(2.0 * big, rel=0.1)


def test_variants_and_their_errors():
    assert set(VARIANTS) >= {"reference", "corrected", "adaptation"}
    assert get_variant("adaptation").model(order=2).adaptation
    with pytest.raises(ParameterError, match="allowed: reference, corrected, adaptation"):
        get_variant("best")
    with pytest.raises(ParameterError, match="scale = 'huge'"):
        stationary_comparison(["reference"], scale="huge", network=False)
    with pytest.raises(ParameterError, match="seeds = 0"):
        stationary_comparison(["reference"], seeds=0, network=False)


def test_cli_mean_field_only(tmp_path):
    result = runner.invoke(app, ["compare", "stationary", "--no-network", "--variant",
                                 "reference", "--variant", "corrected", "--out", str(tmp_path),
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["mf"]["reference"]["nu_e"] == pytest.approx(2.399683, rel=1e-5)
    assert "network" not in summary and set(summary["mf"]) == {"reference", "corrected"}
    assert (tmp_path / "stationary.nc").exists() and (tmp_path / "stationary.png").exists()
    bad = runner.invoke(app, ["compare", "stationary", "--no-network", "--variant", "x",
                              "--out", str(tmp_path)])  # fmt: skip
    assert bad.exit_code == 2 and "variant = 'x' is unknown" in bad.output


@pytest.mark.network
def test_small_network_comparison_and_its_resume(tmp_path):
    """One short run of a 1,000-neuron network (in-degrees kept) through the Dask sweep."""
    scale = Scale(n_total=1000, duration=0.7, seeds=1, traced_cells=3)
    ds = stationary_comparison(["reference"], scale=scale, out=tmp_path)
    rate = ds.network_rate.sel(seed=1)
    assert 0.3 < float(rate.sel(population="exc")) < 5.0
    assert 2.0 < float(rate.sel(population="inh")) < 20.0
    # The mean field overestimates the network (SPEC 10, Kusch et al. 2025).
    assert float(ds.error_rate_percent.sel(variant="reference", population="exc")) > 0
    assert ds.network_rate_binned.dims == ("seed", "time_bin", "population")
    assert ds.network_mu_V.sel(population="exc").item() == pytest.approx(-0.055, abs=0.004)
    summary = stationary_summary(ds)
    assert summary["network"]["nu_e"] == pytest.approx(float(rate.sel(population="exc")))
    stored = list((tmp_path / "tasks").glob("*.nc"))
    assert len(stored) == 1
    # A rerun reads the stored task: identical, without simulating again.
    mtime = stored[0].stat().st_mtime_ns
    again = stationary_comparison(["reference", "corrected"], scale=scale, out=tmp_path)
    assert stored[0].stat().st_mtime_ns == mtime
    xr.testing.assert_identical(again.network_rate, ds.network_rate)
