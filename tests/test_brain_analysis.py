"""Region-level analysis of brain time series (SPEC 11) on synthetic signals with known
answers."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.brain.analysis import fc_sc_correlation, functional_connectivity
from adexmf.errors import ParameterError
from adexmf.timeseries import (
    BIMODALITY_MIN,
    bimodality_coefficient,
    classify_regime,
    dominant_frequency,
)

FS = 1000.0  # Hz
T = np.arange(20_000) / FS  # 20 s


def up_down(rng, period=1.0, duty=0.5, up=20.0, down=0.1, noise=1.0):
    """A square UP/DOWN rate (Hz) with seeded Gaussian noise."""
    return np.where(T % period < duty * period, up, down) + rng.normal(0.0, noise, T.size)


def test_sinusoid_dominant_frequency():
    x = np.column_stack([np.sin(2 * np.pi * 10.0 * T), 3.0 + np.cos(2 * np.pi * 2.5 * T)])
    freq = dominant_frequency(x, FS)
    # Tolerance: one Welch bin, 1 / SEGMENT_DURATION = 0.1 Hz.
    np.testing.assert_allclose(freq, [10.0, 2.5], atol=0.1)
    assert float(dominant_frequency(x[:, 0], FS)) == pytest.approx(10.0, abs=0.1)  # 1-D
    assert np.isnan(dominant_frequency(np.ones((100, 1)), FS)[0])  # flat: no peak


def test_functional_connectivity_of_known_pairs():
    rng = np.random.default_rng(7)
    n = T.size
    a, b = rng.normal(size=(2, n))
    x = np.column_stack([a, 2.0 * a + 1.0, -a, b, np.full(n, 3.0)])
    fc = functional_connectivity(x)
    # Tolerance: round-off of sums over 20,000 samples.
    assert fc[0, 1] == pytest.approx(1.0, abs=1e-12)
    assert fc[0, 2] == pytest.approx(-1.0, abs=1e-12)
    # Independent noise: r ~ N(0, 1/n), so |r| < 4/sqrt(n) fails with probability 6e-5.
    assert abs(fc[0, 3]) < 4.0 / np.sqrt(n)
    np.testing.assert_array_equal(fc, fc.T)
    assert np.all(np.isnan(fc[4, :4])) and np.all(np.isnan(fc[:4, 4]))  # constant series
    np.testing.assert_array_equal(np.diag(fc), 1.0)


def test_fc_sc_correlation():
    rng = np.random.default_rng(3)
    w = rng.random((6, 6))
    w = w + w.T
    assert fc_sc_correlation(w, w) == pytest.approx(1.0, abs=1e-12)  # round-off
    assert fc_sc_correlation(-w, w) == pytest.approx(-1.0, abs=1e-12)
    assert fc_sc_correlation(np.log(w), w, log_weights=True) == pytest.approx(1.0, abs=1e-12)
    fc = w.copy()
    fc[0, 1] = fc[1, 0] = np.nan  # NaN pairs are left out
    assert fc_sc_correlation(fc, w) == pytest.approx(1.0, abs=1e-12)
    directed = np.triu(w)  # W[k, j] and W[j, k] count together: symmetrised to w / 2
    assert fc_sc_correlation(w, directed) == pytest.approx(1.0, abs=1e-12)


def test_up_down_wave_is_a_slow_oscillation():
    rng = np.random.default_rng(11)
    x = np.column_stack([up_down(rng), up_down(rng, period=2.0, duty=0.3)])
    r = classify_regime(x, FS)
    assert list(r.labels) == ["slow_oscillation", "slow_oscillation"]
    # Frequency: one Welch bin (0.1 Hz). UP rate: the mean of ~10,000 samples of unit noise
    # (standard error 0.01 Hz) plus the few noisy samples the hysteresis admits at the edges.
    np.testing.assert_allclose(r.dominant_frequency, [1.0, 0.5], atol=0.1)
    np.testing.assert_allclose(r.up_rate, 20.0, atol=0.1)
    np.testing.assert_array_equal(r.n_up, [20, 10])  # 20 s of 1 Hz and of 0.5 Hz
    # Duty cycle: the time in UP states; a few noisy samples per transition move it by
    # < 0.2 % (40 transitions x ~1 ms in 20 s), the tolerance 0.5 %.
    np.testing.assert_allclose(r.duty_cycle, [0.5, 0.3], atol=0.005)
    assert np.all(r.bimodality > 0.9)  # a two-level signal gives 1


def test_constant_rate_with_noise_is_asynchronous():
    rng = np.random.default_rng(5)
    x = np.column_stack([5.0 + rng.normal(0.0, 0.5, T.size), 5.0 + rng.normal(0.0, 3.0, T.size)])
    r = classify_regime(np.abs(x), FS)
    assert list(r.labels) == ["asynchronous", "asynchronous"]
    assert r.cv[1] > 0.5  # CV alone would not tell: bimodality and UP states reject it
    # Gaussian noise gives 1/3, |x| of the wider one ~0.4 (sampling error ~0.01 here)
    assert np.all(r.bimodality < BIMODALITY_MIN)
    np.testing.assert_array_equal(r.n_up, 0)  # noise crossings last far less than 50 ms
    assert np.all(np.isnan(r.duty_cycle)) and np.all(np.isnan(r.up_rate))


def test_silent_saturated_and_fast_oscillation():
    rng = np.random.default_rng(2)
    fast = up_down(rng, period=0.2, noise=0.5)  # 5 Hz: outside the slow band
    x = np.column_stack([np.full(T.size, 0.01), np.full(T.size, 150.0), fast])
    r = classify_regime(x, FS)
    assert list(r.labels) == ["silent", "saturated", "oscillation"]
    assert r.dominant_frequency[2] == pytest.approx(5.0, abs=0.1)  # one Welch bin


def test_bimodality_coefficient_of_known_distributions():
    rng = np.random.default_rng(4)
    x = np.column_stack([rng.normal(size=200_000), rng.random(200_000)])
    # Population values 1/3 (Gaussian) and 5/9 (uniform); sampling error ~0.005 at n = 2e5.
    np.testing.assert_allclose(bimodality_coefficient(x), [1 / 3, 5 / 9], atol=0.01)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: dominant_frequency([[1.0], [np.nan], [0.0], [1.0]], FS), "x"),
        (lambda: dominant_frequency(np.zeros((10, 2, 2)), FS), "x"),
        (lambda: dominant_frequency(np.zeros((10, 2)), 0.0), "fs"),
        (lambda: dominant_frequency(np.zeros((10, 2)), -5.0), "fs"),
        (lambda: functional_connectivity(np.zeros(10)), "x"),
        (lambda: functional_connectivity([[0.0, np.inf], [1.0, 2.0], [3.0, 4.0]]), "x"),
        (lambda: fc_sc_correlation(np.eye(3), np.eye(4)), "fc"),
        (lambda: fc_sc_correlation(np.eye(3), np.ones(3)), "sc"),
        (lambda: fc_sc_correlation(np.eye(3), -np.ones((3, 3))), "sc"),
        (lambda: classify_regime(np.full((100, 2), np.nan), FS), "nu_e"),
        (lambda: classify_regime(np.ones((100, 2)), 0.0), "fs"),
        (lambda: classify_regime(np.ones((2, 2)), FS), "nu_e"),
    ],
)
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ParameterError, match=name):
        call()
