"""Comparison metrics on synthetic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.compare.metrics import (
    band_mean_abs_error,
    circular_mean,
    cycle_average,
    fit_sinusoid_response,
    relative_error_percent,
    resonance,
    transient_metrics,
    wrapped_phase_difference,
)
from adexmf.errors import InputRangeError


def test_relative_error():
    assert relative_error_percent(2.4, 1.7) == pytest.approx(100 * 0.7 / 1.7)
    np.testing.assert_allclose(relative_error_percent([1.0, 3.0], [2.0, 3.0]), [-50.0, 0.0])
    assert np.isnan(relative_error_percent(1.0, 0.0))


def test_transient_peak_and_undershoot_of_a_known_shape():
    t = np.arange(0.0, 1.2, 1e-3)
    x = 2.0 + 3.0 * np.exp(-0.5 * ((t - 0.8) / 0.05) ** 2)
    x -= 0.4 * np.exp(-0.5 * ((t - 1.0) / 0.04) ** 2)  # undershoot after the peak
    m = transient_metrics(t, x, (0.5, 0.6), (0.6, 1.2))
    assert m.baseline == pytest.approx(2.0, abs=1e-3)  # the peak's tail reaches 0.6 s
    assert m.peak == pytest.approx(5.0, abs=1e-3) and m.t_peak == pytest.approx(0.8)
    assert m.t_trough == pytest.approx(1.0, abs=2e-3)
    assert m.undershoot == pytest.approx(0.4, abs=1e-2)
    with pytest.raises(InputRangeError, match="holds no sample"):
        transient_metrics(t, x, (2.0, 3.0), (0.6, 1.2))


def test_undershoot_against_a_control_ignores_a_drifting_baseline():
    """A baseline still relaxing (as the network's adaptation after its drive ramp) deepens
    the dip below the pre-stimulus mean; against the paired control the dip is exact."""
    t = np.arange(0.0, 1.2, 1e-3)
    control = 1.7 + np.exp(-t / 0.5)  # relaxes from 2.7 to 1.7 Hz, as slowly as W
    x = control + 3.0 * np.exp(-0.5 * ((t - 0.8) / 0.05) ** 2)
    x -= 0.5 * np.exp(-0.5 * ((t - 1.0) / 0.04) ** 2)
    m = transient_metrics(t, x, (0.5, 0.6), (0.5, 1.2), control=control)
    assert m.undershoot_control == pytest.approx(0.5, abs=5e-3)
    assert m.t_undershoot_control == pytest.approx(1.0, abs=2e-3)
    assert m.undershoot > 0.5 + 0.15  # the drift counted as undershoot
    # A response without dip has none against its control, whatever the drift.
    flat = transient_metrics(t, control + 0.0 * t, (0.5, 0.6), (0.5, 1.2), control=control)
    assert flat.undershoot_control == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(transient_metrics(t, x, (0.5, 0.6), (0.5, 1.2)).undershoot_control)
    with pytest.raises(InputRangeError, match="control has shape"):
        transient_metrics(t, x, (0.5, 0.6), (0.5, 1.2), control=control[:-1])


@pytest.mark.parametrize("phase", [-2.5, -0.3, 0.0, 0.7, 3.0])
@pytest.mark.parametrize("frequency", [2.0, 50.0])
def test_sinusoid_fit_recovers_amplitude_and_phase(frequency, phase):
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 2.0, 5e-5)
    t0 = 0.5
    tau = t - t0
    x = 3.0 + 1.5 * (1 - np.cos(2 * np.pi * frequency * tau + phase)) / 2
    x = np.where(t >= t0, x, 3.0) + rng.normal(0, 0.05, t.size)
    fit = fit_sinusoid_response(t, x, frequency, t0)
    assert fit.amplitude == pytest.approx(1.5, abs=0.01)
    assert fit.baseline == pytest.approx(3.0, abs=0.01)
    assert wrapped_phase_difference(fit.phase, phase) == pytest.approx(0.0, abs=0.01)
    assert fit.residual_rms == pytest.approx(0.05, rel=0.05)


def test_sinusoid_fit_errors():
    t = np.linspace(0, 1, 100)
    with pytest.raises(InputRangeError, match="must be > 0"):
        fit_sinusoid_response(t, t, 0.0, 0.0)
    with pytest.raises(InputRangeError, match="at least 4"):
        fit_sinusoid_response(t, t, 5.0, 0.99)


def test_phase_wrapping_and_bands():
    assert wrapped_phase_difference(3.0, -3.0) == pytest.approx(6.0 - 2 * np.pi)
    assert wrapped_phase_difference(np.pi, 0.0) == pytest.approx(np.pi)
    f = np.array([1.0, 5.0, 10.0, 40.0, 50.0, 300.0])
    e = np.array([1.0, -3.0, 2.0, 4.0, -1.0, 3.0])
    assert band_mean_abs_error(f, e) == {"1-10Hz": 2.0, "10-50Hz": 3.0, "50-300Hz": 2.0}


def test_fit_start_later_than_the_phase_origin():
    t = np.arange(0.0, 2.0, 1e-4)
    x = 1.0 + 2.0 * (1 - np.cos(2 * np.pi * 3.0 * (t - 0.5) - 0.4)) / 2
    x[t < 0.8] = 50.0  # an onset that must be left out
    fit = fit_sinusoid_response(t, x, 3.0, 0.5, t_start=0.8)
    assert fit.amplitude == pytest.approx(2.0) and fit.phase == pytest.approx(-0.4)


def test_circular_mean_and_cycle_average():
    assert abs(circular_mean([np.pi - 0.1, -np.pi + 0.1])) == pytest.approx(np.pi)
    assert circular_mean([0.2, 0.4]) == pytest.approx(0.3, abs=1e-3)
    t = np.arange(0.0, 3.0, 1e-4)
    x = np.cos(2 * np.pi * 2.0 * (t - 1.0))
    cycle = cycle_average(t, x, 2.0, 1.0, n_bins=8)
    centres = (np.arange(8) + 0.5) / 8
    # The mean of cos over a bin of width 2 pi / 8: sinc-attenuated cosine at the centre.
    expected = np.cos(2 * np.pi * centres) * np.sin(np.pi / 8) / (np.pi / 8)
    np.testing.assert_allclose(cycle, expected, atol=2e-3)
    assert np.isnan(cycle_average(t[:3], x[:3], 2.0, 0.0, n_bins=8)).sum() >= 5


def test_resonance_of_a_peaked_and_a_low_pass_response():
    f = np.geomspace(1.0, 300.0, 20)
    peaked = 1.0 + 2.0 * np.exp(-((np.log(f) - np.log(47.0)) ** 2) / 0.5)
    r = resonance(f, peaked)
    assert r.frequency == pytest.approx(47.0, rel=0.1)
    assert r.gain == pytest.approx(3.0 / peaked[0], rel=0.05)
    low = resonance(f, 1.0 / np.sqrt(1.0 + (f / 30.0) ** 2))
    assert low.frequency == 1.0 and low.gain == 1.0
    with pytest.raises(InputRangeError, match="increasing"):
        resonance(f[::-1], peaked)
