"""VSDI pre-processing, scan and fit (SPEC 9): synthetic maps with known answers, the
residual's invariances, the scan's resume, and a reproducible fit of a real recording."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from adexmf.errors import ParameterError
from adexmf.vsdi.fit import FitSettings, fit_recording, noise_model
from adexmf.vsdi.preprocess import (
    Preprocessing,
    model_on_data_grid,
    prepare_map,
    refine_peak,
    residual,
    smooth_time,
)
from adexmf.vsdi.scan import NAMES, ScanSettings, check_parameters, grid_points, run_scan

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vsdi"
FRAME = 0.00909


def blob(t, x, t_c, x_c, width_t=0.04, width_x=1.5e-3, amplitude=1e-3):
    """A space-time Gaussian (time first), the shape of a VSD response."""
    return amplitude * np.exp(
        -0.5 * ((t[:, None] - t_c) / width_t) ** 2 - 0.5 * ((x[None, :] - x_c) / width_x) ** 2
    )


@pytest.fixture
def synthetic():
    t = -0.2 + np.arange(70) * FRAME
    x = np.arange(180) * 5.664e-5
    return t, x, blob(t, x, 0.0537, 6.31e-3)


# ------------------------------------------------------------------------ pre-processing
def test_centred_boxcar_keeps_straight_lines_and_the_code_variant_lags_half_a_frame():
    ramp = np.tile(np.arange(30.0)[:, None], (1, 2))
    np.testing.assert_allclose(smooth_time(ramp, 1.0, 4.0)[3:-3], ramp[3:-3], atol=1e-12)
    np.testing.assert_allclose(smooth_time(ramp, 1.0, 4.0, "code")[3:-3], ramp[3:-3] - 0.5)
    flat = np.ones((20, 3))
    np.testing.assert_allclose(smooth_time(flat, 1.0, 4.0), flat)  # edges held


def test_parabolic_peak_is_exact_for_a_parabola():
    c = np.linspace(0.0, 1.0, 11)
    assert refine_peak(-((c - 0.537) ** 2), c) == pytest.approx(0.537, abs=1e-12)
    assert refine_peak(-((c - 0.537) ** 2), c, "grid") == pytest.approx(0.5)


def test_known_centre_and_peak_are_recovered(synthetic):
    t, x, m = synthetic
    p = prepare_map(m, t, x)
    assert p.t_centre == pytest.approx(0.0537, abs=0.1 * FRAME)
    assert p.x_centre == pytest.approx(6.31e-3, abs=2 * 5.664e-5)
    assert np.nanmax(p.values) == pytest.approx(1.0)
    assert p.t_rel[0] >= -0.1 - 1e-9 and p.t_rel[-1] <= 0.3 + 1e-9
    assert p.values.shape == (p.t_rel.size, x.size)


def test_residual_is_invariant_to_the_data_scale_and_origins(synthetic):
    t, x, m = synthetic
    noisy = m + np.random.default_rng(3).normal(0, 5e-5, m.shape)
    a = prepare_map(noisy, t, x)
    b = prepare_map(7.3 * noisy, t + 0.123, x + 2e-3)  # another unit and other origins
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.t_rel, b.t_rel, atol=1e-12)
    # a model of the same shape, on its own clock and grid, fits it to the noise level
    dt = 0.005
    t_model = np.arange(121) * dt
    r = np.arange(121) * 1e-4
    model = blob(t_model, r, 0.2, 0.0)
    on, t_c, _ = model_on_data_grid(model[None], dt, r, a)
    assert t_c[0] == pytest.approx(0.2, abs=1e-3)
    on_scaled, _, _ = model_on_data_grid(4.0 * model[None], dt, r, a)
    np.testing.assert_allclose(on, on_scaled, rtol=1e-12)
    clean = prepare_map(m, t, x)
    # the floor: a linear interpolant smoothed on a 9.09 ms grid vs on a 5 ms grid
    assert residual(on, clean)[0] < 3e-3 * np.nansum(clean.values**2)
    assert residual(on, a)[0] < residual(model_on_data_grid(
        blob(t_model, r, 0.2, 0.0, width_x=3e-3)[None], dt, r, a)[0], a)[0]  # fmt: skip


def test_missing_rows_are_left_out(synthetic):
    t, x, m = synthetic
    holed = m.copy()
    holed[:, 100:102] = np.nan
    p = prepare_map(holed, t, x)
    assert not p.valid[:, 100:102].any() and p.valid[:, :100].all()
    zeroed = prepare_map(holed, t, x, Preprocessing(nan="zero"))
    assert zeroed.valid.all()
    with pytest.raises(ParameterError, match="no finite value"):
        prepare_map(np.full_like(m, np.nan), t, x)
    with pytest.raises(ParameterError, match="Preprocessing.smoothing"):
        Preprocessing(smoothing="gaussian")


def test_noise_model_counts_correlated_samples():
    rng = np.random.default_rng(0)
    white = rng.normal(0.0, 0.1, (400, 200))

    class Frames:
        baseline = white

    var, c = noise_model(Frames)
    assert var == pytest.approx(0.01, rel=0.05) and c == pytest.approx(1.0, abs=0.2)
    Frames.baseline = smooth_time(white, 1.0, 4.0)
    _, c_smooth = noise_model(Frames)
    assert 2.5 < c_smooth < 6.0  # a 4-sample boxcar: ~4 samples per independent one


# ------------------------------------------------------------------------ scan and fit
def test_grid_and_parameter_checks():
    g = grid_points(3)
    assert g.shape == (729, 6)
    assert np.unique(g[:, 0]).size == 3
    with pytest.raises(ParameterError, match=r"v_c = 700 mm/s; allowed: \[50, 600\] mm/s"):
        check_parameters([[0.7, 1e-3, 5e-3, 1e-3, 0.05, 0.15]])
    with pytest.raises(ParameterError, match="n_units"):
        ScanSettings(n_units=31)


@pytest.fixture(scope="module")
def tiny_scan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    settings = ScanSettings(n_points=2, n_units=20, chunk=16)
    return settings, folder, run_scan(settings, folder=folder, n_workers=2)


def test_scan_resumes_after_a_lost_task(tiny_scan):
    settings, folder, scan = tiny_scan
    files = sorted(folder.glob("*.nc"))
    assert len(files) == 4 and scan.vsd.shape[0] == 64
    assert np.isfinite(scan.vsd.values).all() and float(scan.vsd.max()) > 0.01
    files[1].unlink()  # as if killed before this task was stored
    again = run_scan(settings, folder=folder, n_workers=1)
    assert len(list(folder.glob("*.nc"))) == 4
    np.testing.assert_array_equal(again.vsd.values, scan.vsd.values)
    for name in NAMES:
        np.testing.assert_array_equal(again[name].values, scan[name].values)


@pytest.mark.skipif(not DATA.exists(), reason="../shared/data/vsdi not available")
def test_fit_beats_the_default_is_reproducible_and_in_range(tiny_scan):
    from adexmf.vsdi import load_recording

    _, _, scan = tiny_scan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = load_recording(DATA / "Monkey1" / "matx2_wa080208_NL_up_10050.mat")
    fit = FitSettings(n_starts=1, max_evaluations=6)
    a = fit_recording(rec, scan, fit=fit)
    b = fit_recording(rec, scan, fit=fit)
    np.testing.assert_array_equal(a.value.values, b.value.values)
    import json

    s = json.loads(a.attrs["summary"])
    assert s["residual"] <= s["grid_residual"] and s["residual"] < s["default_residual"]
    assert np.all(a.value.values >= a.low.values) and np.all(a.value.values <= a.high.values)
    assert np.all(a.uncertainty.values > 0)
    # the flag says where the range, not the data, sets a value
    from adexmf.vsdi.fit import at_bound

    np.testing.assert_array_equal(a.at_bound.values, at_bound(a.value.values))
    assert set(s["at_bound"]) <= set(s["parameters"])
    assert at_bound(np.array([0.05, 1e-3, 5e-3, 7e-3, 0.02, 0.1])).tolist() == [
        True, False, False, True, False, False,
    ]  # fmt: skip
    assert np.isfinite([s["stim2_residual"], s["both_residual"]]).all()
    assert -12 < s["stimulus_offset_mm"] < -3  # stim2 lies ~8 mm from stim1
