"""VSDI pre-processing, scan and fit (SPEC 9): synthetic maps with known answers, the
residual's invariances, the scan's resume, and a reproducible fit of a real recording."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

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


#: Known parameters of the synthetic recording (SI, inside every range of SPEC 9, away from
#: the tiny scan's grid points, which are the ranges' ends).
TRUE = {"v_c": 0.25, "l_stim": 1.2e-3, "l_exc": 4e-3, "l_inh": 2.5e-3, "tau1": 0.025,
        "tau2": 0.12}  # fmt: skip
#: White noise added to the synthetic maps, as a fraction of stim1's peak.
NOISE = 0.005
#: Largest relative error of each fitted parameter (NAMES order): the error without noise
#: (3.5, 2.1, 0.7, 3.8, 3.2, 0.5 %: data smoothed on 9.09 ms frames vs the model on its 5 ms
#: samples, stimuli on 1.8 mm columns) plus 3 standard deviations of the errors over noise
#: seeds 1-6 (2.2, 2.0, 1.6, 1.6, 0.5, 0.3 %), measured with these settings. The fit's own
#: Gauss-Newton sd (0.1-0.9 %) is 2-4 times smaller than that spread, so it is not used.
RECOVERY_TOLERANCE = np.array([0.10, 0.08, 0.055, 0.09, 0.05, 0.013])


def _on_data_grid(ds, x0, length, t, x_rel):
    """A ring run's dV/V0 (time, x) read at times ``t`` (s; 0 before the run: the
    homogeneous state) and signed positions ``x_rel`` (m) from ``x0``, linearly."""
    v = ds.vsd.values
    xm = (ds.x.values - x0 + length / 2) % length - length / 2
    order = np.argsort(xm)
    xm, v = xm[order], v[:, order]
    on_t = np.array([np.interp(np.clip(t, 0.0, None), ds.time.values, col) for col in v.T]).T
    return np.array([np.interp(x_rel, xm, row) for row in on_t])


def synthetic_recording(settings, true, noise, seed, offset=(-4e-3, 0.05)):
    """A recording made by the ring itself (not through the fit's code): stim1 at the
    centre, stim2 ``offset`` (m, s) away, both; on the data's grid (9.09 ms frames, 180
    positions 56.6 um apart, stim1 at 6.3 mm), with white noise of ``noise`` x stim1's peak
    and 300 ms of pre-stimulus frames (the fit's noise sample)."""
    from adexmf.params import Ring, RingStimulus
    from adexmf.ring import RingModel

    ring = Ring(length=settings.length, n_units=settings.n_units, v_c=true["v_c"],
                l_exc=true["l_exc"], l_inh=true["l_inh"])  # fmt: skip
    model = RingModel(ring)
    x0 = settings.length / 2
    s1 = RingStimulus(amplitude=settings.amplitude, x0=x0, l_stim=true["l_stim"],
                      t0=settings.t0, tau1=true["tau1"], tau2=true["tau2"])  # fmt: skip
    s2 = s1.replace(x0=x0 + offset[0], t0=s1.t0 + offset[1])
    t = np.arange(-33, 66) * FRAME
    x = np.arange(180) * 5.664e-5
    runs = {"stim1": [s1], "stim2": [s2], "both": [s1, s2]}
    maps = {
        name: _on_data_grid(model.run(settings.duration, stims, dt=settings.dt), x0,
                            settings.length, t, x - 6.3e-3)
        for name, stims in runs.items()
    }  # fmt: skip
    rng = np.random.default_rng(seed)
    sd = noise * maps["stim1"].max()
    data = {k: 0.02 * (v + rng.normal(0.0, sd, v.shape)) for k, v in maps.items()}  # dF/F
    return xr.Dataset(
        {k: (("time", "x"), v) for k, v in data.items()},
        coords={"time": t, "x": x},
        attrs={"file": "synthetic.mat", "session": "synthetic", "duration_s": 0.05},
    )


def test_fit_recovers_known_parameters_and_predicts_held_out_maps(tiny_scan):
    """A recording generated by the ring itself at known parameters, with noise: the fit
    recovers each within RECOVERY_TOLERANCE. Its residual is within 4 times what a perfect
    model leaves (the noise, n_valid x var, plus the noise-free floor 0.029; measured
    1.1-3.5 times over seeds 1-6, where the optimiser stops short on two). The held-out maps
    (stim2 alone at its own place, both in sequence), predicted from the fitted parameters,
    stay within 0.5 % of the data's sum of squares (measured 0.12-0.28 %; noise-free 0.22 %),
    where the default parameters miss stim1 by 18 %."""
    _, _, scan = tiny_scan
    settings = ScanSettings.from_attrs(scan.attrs)
    rec = synthetic_recording(settings, TRUE, NOISE, seed=1)
    fit = fit_recording(rec, scan, fit=FitSettings(n_starts=1, max_evaluations=20))
    true = np.array([TRUE[k] for k in NAMES])
    error = np.abs(fit.value.values / true - 1.0)
    assert np.all(error <= RECOVERY_TOLERANCE), dict(zip(NAMES, error.round(4), strict=True))
    assert np.all(fit.uncertainty.values / true < 0.02)  # the data constrain every parameter
    s = json.loads(fit.attrs["summary"])
    norm = np.nansum(fit.data_stim1.values**2)
    var, _ = noise_model(prepare_map(rec.stim1.values, rec.time.values, rec.x.values))
    perfect = np.isfinite(fit.data_stim1.values).sum() * var + 0.029
    assert s["residual"] < 4.0 * perfect, (s["residual"], perfect)
    assert s["stim2_residual"] < 5e-3 * norm and s["both_residual"] < 5e-3 * norm, s
    assert s["default_residual"] > 0.1 * norm  # a wrong parameter set is far off
    # stim2's place and time as the data locate them (true: -4 mm, 50 ms; measured
    # -3.6..-3.9 mm on the 1.8 mm columns, 52.3-52.8 ms at the edge of the field)
    assert s["stimulus_offset_mm"] == pytest.approx(-4.0, abs=0.5)
    assert s["stimulus_delay_ms"] == pytest.approx(50.0, abs=5.0)


def test_fit_of_a_recording_is_reproducible_and_flags_its_bounds(tiny_scan):
    from adexmf.vsdi import load_recording
    from adexmf.workflows.vsdi import example_recording

    _, _, scan = tiny_scan
    path = DATA / "Monkey1" / "matx2_wa080208_NL_up_10050.mat"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a real recording: the shared one, else the one the package ships
        rec = load_recording(path if path.exists() else example_recording())
    fit = FitSettings(n_starts=1, max_evaluations=6)
    a = fit_recording(rec, scan, fit=fit)
    b = fit_recording(rec, scan, fit=fit)
    np.testing.assert_array_equal(a.value.values, b.value.values)
    s = json.loads(a.attrs["summary"])
    # the refinement keeps its start when it cannot improve on it (fit.py, step 2)
    assert s["residual"] <= s["grid_residual"]
    assert np.all(a.value.values >= a.low.values) and np.all(a.value.values <= a.high.values)
    assert np.all(a.uncertainty.values > 0)
    # the flag says where the range, not the data, sets a value
    from adexmf.vsdi.fit import at_bound

    np.testing.assert_array_equal(a.at_bound.values, at_bound(a.value.values))
    assert set(s["at_bound"]) <= set(s["parameters"])
    assert at_bound(np.array([0.05, 1e-3, 5e-3, 7e-3, 0.02, 0.1])).tolist() == [
        True, False, False, True, False, False,
    ]  # fmt: skip
    assert -12 < s["stimulus_offset_mm"] < -3  # stim2 lies ~8 mm from stim1
