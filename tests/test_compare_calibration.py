"""The network-calibrated threshold (adexmf.compare.calibration, issue 26 item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from adexmf import TransferFunction
from adexmf.compare.calibration import (
    HALVES,
    calibrate_threshold,
    checkerboard,
    shifted_preset,
)
from adexmf.compare.metrics import split_scores
from adexmf.compare.validity_map import ORDER, branch_rates, calibration_mask
from adexmf.errors import ParameterError
from adexmf.meanfield.variants import get_variant

DATA = Path(__file__).parent / "data" / "validity_network_stationary.json"


def test_checkerboard_halves_partition_the_grid():
    even, odd = (checkerboard(6, 4, h) for h in HALVES)
    assert not (even & odd).any() and (even | odd).all()
    assert even[0, 0] and odd[0, 1] and odd[1, 0] and even[1, 1]
    with pytest.raises(ParameterError, match="half"):
        checkerboard(6, 4, "middle")


def test_shifts_move_the_threshold_by_the_polynomial_terms():
    """P0 shifts V_thr by a constant, P1 by d times (mu_V - mu_V0) / d_mu_V0, P2 by d times
    (sigma_V - sigma_V0) / d_sigma_V0 (SPEC 4.1): checked against the statistics."""
    preset = get_variant("adaptation-W").parameters
    shifts = (0.4e-3, -1.0e-3, 2.0e-3)
    after = TransferFunction.from_preset(shifted_preset(preset, {"RS": shifts}, "test"), "RS")
    before = TransferFunction.from_preset(preset, "RS")
    nu_e, nu_i = np.array([2.0, 5.0, 9.0]), np.array([4.0, 10.0, 15.0])
    W = np.array([0.0, 5e-11, 1e-10])
    a, b = after.evaluate(nu_e, nu_i, W), before.evaluate(nu_e, nu_i, W)
    p = preset.transfer_params("RS")
    x = (b.stats.mu_V - p.mu_V0) / p.d_mu_V0
    y = (b.stats.sigma_V - p.sigma_V0) / p.d_sigma_V0
    expected = shifts[0] + shifts[1] * x + shifts[2] * y
    np.testing.assert_allclose(a.V_thr - b.V_thr, expected, rtol=0, atol=1e-15)
    assert "test" in after.params.note
    # the other cell is untouched
    assert shifted_preset(preset, {"RS": shifts}, "").transfer["FS"] == preset.transfer["FS"]


def test_split_scores_count_each_half_and_lost_points():
    error = np.zeros((2, 2, 2))
    error[0, 0] = (12.0, 1.0)  # calibration half: one point at 12 %
    error[1, 1] = (np.nan, np.nan)  # calibration half: lost branch
    error[0, 1] = (-3.0, 16.0)  # held out: 16 %
    ai = np.ones((2, 2), dtype=bool)
    cal = checkerboard(2, 2, "even")
    scores = split_scores(error, ai, cal)
    assert scores["calibration"] == {"n_ai": 2, "n_lost": 1, "within_10_percent_fraction": 0.0,
                                     "within_15_percent_fraction": 0.5,
                                     "max_abs_error_percent": 12.0}  # fmt: skip
    assert scores["held_out"]["within_10_percent_fraction"] == 0.5
    assert scores["held_out"]["within_15_percent_fraction"] == 0.5
    assert scores["held_out"]["max_abs_error_percent"] == 16.0


def _map(rates: np.ndarray, drives, b_values, ai=None) -> xr.Dataset:
    """A validity map with the given 'network' rates (drive, b, population; Hz)."""
    ai = np.isfinite(rates).all(-1) if ai is None else ai
    return xr.Dataset(
        {"network_rate_mean": (("drive", "b", "population"), rates),
         "ai": (("drive", "b"), ai.astype(np.int8))},
        coords={"drive": list(drives), "b": list(b_values), "population": ["exc", "inh"]},
        attrs={"n_total": 10000},
    )  # fmt: skip


def test_calibration_recovers_a_known_threshold_shift():
    """A 'network' made of the mean field with a shifted threshold is in the correction's
    class: calibrating on one half must meet it on the other to Newton's accuracy (the
    least-squares tolerance leaves log-ratios of ~1e-6; 0.1 % is 1000x that)."""
    drives, b_values = (2.0, 4.0, 6.0, 8.0, 10.0), (0.0, 20e-12, 40e-12, 60e-12)
    v = get_variant("adaptation-W")
    truth = {"RS": (0.3e-3, -0.5e-3, -1.0e-3), "FS": (0.2e-3, 0.0, 0.0)}
    model = v.model(order=ORDER).replace(preset=shifted_preset(v.parameters, truth, ""))
    rates = branch_rates(model, drives, b_values)
    cal = calibrate_threshold(_map(rates, drives, b_values), "adaptation-W", "even")
    assert cal.ridge == 0.0  # noise-free data: leave-one-out prefers no shrinkage
    fitted = branch_rates(v.model(order=ORDER).replace(preset=cal.preset), drives, b_values)
    np.testing.assert_allclose(fitted, rates, rtol=1e-3)
    before = branch_rates(v.model(order=ORDER), drives, b_values)
    assert np.nanmax(np.abs(before / rates - 1)) > 0.03  # the shift matters
    assert cal.preset.name == "corrected_w_calibrated" and len(cal.points) == 10


def test_calibration_refuses_bad_maps_and_variants():
    drives, b_values = (2.0, 4.0, 6.0), (0.0, 20e-12)
    rates = np.full((3, 2, 2), 3.0)
    ds = _map(rates, drives, b_values)
    with pytest.raises(ParameterError, match="no adaptation variable"):
        calibrate_threshold(ds, "corrected")
    with pytest.raises(ParameterError, match="at least 4"):
        calibrate_threshold(ds, "adaptation-W")
    with pytest.raises(ParameterError, match="no network rates"):
        calibrate_threshold(ds.drop_vars("network_rate_mean"), "adaptation-W")


def test_shipped_calibration_meets_the_network_on_held_out_points():
    """Regression against the network's stored rates (tests/data, 3 seeds): adaptation-cal,
    calibrated on the even half, has both rates within 10 % at >= 90 % of the held-out AI
    points and within 15 % at all of them (issue 26's criterion); adaptation-W, the same
    mean field before the calibration, does not (40 % within 10 %)."""
    data = json.loads(DATA.read_text())
    drives, b_values = data["drive_Hz"], data["b_A"]
    net = np.stack([np.mean(data["nu_e_Hz"], 0), np.mean(data["nu_i_Hz"], 0)], -1)
    ai = np.array(data["ai"], dtype=bool)
    used = calibration_mask("adaptation-cal", drives, b_values)
    assert (used == (checkerboard(*ai.shape, "even") & ai)).all()
    assert not calibration_mask("adaptation-W", drives, b_values).any()
    scores = {}
    for name in ("adaptation-W", "adaptation-cal"):
        mf = branch_rates(get_variant(name).model(order=ORDER), drives, b_values)
        scores[name] = split_scores(100 * (mf / net - 1), ai, used)["held_out"]
    assert scores["adaptation-cal"]["within_10_percent_fraction"] >= 0.9
    assert scores["adaptation-cal"]["max_abs_error_percent"] <= 15.0
    assert scores["adaptation-W"]["within_10_percent_fraction"] < 0.5


def test_calibrate_command_writes_the_preset_and_scores_both_halves(tmp_path):
    """``adexmf compare calibrate``: the preset next to the map by default, the scores of
    both halves in the JSON; an unknown variant is a one-line error before any work."""
    from typer.testing import CliRunner

    from adexmf.cli import app

    drives, b_values = (2.0, 4.0, 6.0, 8.0), (0.0, 20e-12, 40e-12)
    v = get_variant("adaptation-W")
    truth = shifted_preset(v.parameters, {"RS": (0.3e-3, 0.0, 0.0)}, "")
    rates = branch_rates(v.model(order=ORDER).replace(preset=truth), drives, b_values)
    path = tmp_path / "validity.nc"
    _map(rates, drives, b_values).to_netcdf(path)
    runner = CliRunner()
    done = runner.invoke(app, ["compare", "calibrate", str(path), "--half", "odd", "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["preset"] == str(tmp_path / "corrected_w_calibrated.toml")
    assert Path(summary["preset"]).exists()
    assert summary["after"]["held_out"]["max_abs_error_percent"] < 0.1
    assert summary["before"]["held_out"]["max_abs_error_percent"] > 1.0
    bad = runner.invoke(app, ["compare", "calibrate", str(path), "--variant", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output and "Traceback" not in bad.output


def test_calibration_of_a_model_without_adaptation_on_a_map_of_one_b():
    """A user's cells without adaptation (no tau_w, ``adexmf build``): a map of drives at
    b = 0 calibrates the second-order model without W, met to 0.1 %."""
    from adexmf.meanfield import MeanFieldModel

    base = get_variant("corrected").parameters
    rs = base.excitatory.replace(a=0.0, b=0.0, tau_w=None)
    preset = base.replace(cells={**base.cells, rs.name: rs})
    model = MeanFieldModel(preset, order=ORDER, adaptation=False)
    drives, b_values = tuple(float(d) for d in range(2, 11)), (0.0,)
    truth = model.replace(preset=shifted_preset(preset, {"FS": (0.4e-3, 0.0, 0.0)}, ""))
    rates = branch_rates(truth, drives, b_values)
    cal = calibrate_threshold(_map(rates, drives, b_values), model, "even")
    fitted = branch_rates(model.replace(preset=cal.preset), drives, b_values)
    np.testing.assert_allclose(fitted, rates, rtol=1e-3)
    assert np.max(np.abs(branch_rates(model, drives, b_values) / rates - 1)) > 0.01
