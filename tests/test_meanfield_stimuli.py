"""Stimuli of SPEC 6: values, parsing of the command-line form, errors."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import stimuli
from adexmf.errors import InputRangeError, ParameterError
from adexmf.theory.fluctuations import MAX_RATE


def test_double_gaussian_shape():
    t = np.array([0.74, 0.8, 0.9])
    r = stimuli.double_gaussian(t, amplitude=2.0, t0=0.8, tau1=0.06, tau2=0.1)
    assert r[1] == 2.0
    assert r[0] == pytest.approx(2.0 * np.exp(-0.5))  # one tau1 before the peak
    assert r[2] == pytest.approx(2.0 * np.exp(-0.5))  # one tau2 after


def test_sinusoid_and_step_and_ramp():
    t = np.array([0.4, 0.5, 0.55, 0.6])
    r = stimuli.sinusoid(t, amplitude=4.5, frequency=10.0, t0=0.5)
    assert r[0] == 0.0 and r[1] == 0.0
    assert r[2] == pytest.approx(4.5) and r[3] == pytest.approx(0.0, abs=1e-12)
    s = stimuli.step(np.array([0.1, 0.2, 0.3, 0.4]), amplitude=5.0, t_on=0.2, t_off=0.4)
    assert list(s) == [0.0, 5.0, 5.0, 0.0]
    assert list(stimuli.ramp(np.array([-1.0, 0.05, 0.2]), 4.0, 0.1)) == [0.0, 2.0, 4.0]


def test_space_time_stimulus_on_a_ring():
    r = stimuli.gaussian_space_time(0.15, np.array([0.0, 0.035]), 10.0, 0.0, 1e-3, 0.15,
                                    0.05, 0.15, ring_length=0.036)  # fmt: skip
    assert r[0] == 10.0
    assert r[1] == pytest.approx(10.0 * np.exp(-0.5))  # 1 mm away the short way round


def test_parse_stimulus():
    s = stimuli.parse_stimulus("double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms")
    assert s.kind == "double-gaussian"
    assert s.params == {"amplitude": 2.0, "t0": 0.8, "tau1": 0.06, "tau2": 0.1}
    assert s(0.8) == 2.0
    s = stimuli.parse_stimulus("sinusoid:A=4.5,f=10Hz,t0=500")  # bare numbers: Hz and ms
    assert s.params == {"amplitude": 4.5, "frequency": 10.0, "t0": 0.5}
    assert "sinusoid: amplitude=4.5 Hz, frequency=10 Hz, t0=500 ms" == s.describe()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("boxcar:A=1Hz", "unknown stimulus kind 'boxcar'"),
        ("sinusoid:A=1Hz", "missing parameter 'frequency'"),
        ("sinusoid:A=1Hz,f=5Hz,phase=3", "cannot read 'phase=3'"),
        ("sinusoid:A=-1Hz,f=5Hz", r"amplitude = -1 Hz is out of range; allowed: \[0, 10000\] Hz"),
        ("double-gaussian:A=2Hz,t0=1s,tau1=0ms,tau2=5ms", r"tau1 = 0 s is out of range"),
        ("sinusoid:A=1mV,f=5Hz", "has unit V, expected a quantity in Hz"),
    ],
)
def test_bad_stimuli_give_clear_errors(text, message):
    with pytest.raises(ParameterError, match=message):
        stimuli.parse_stimulus(text)


def test_sample_waveform_on_any_grid():
    """One sampler for every caller: the network's n times k dt, the mean field's n + 1."""
    for n in (10, 11):
        t = np.arange(n) * 1e-4
        for waveform, expected in (
            (3.0, np.full(n, 3.0)),
            (np.arange(n, dtype=float), np.arange(n)),
            (lambda s: 2.0, np.full(n, 2.0)),  # a callable may return a scalar
            (lambda s: s / 1e-4, np.arange(n)),
            (stimuli.Stimulus("ramp", {"amplitude": 4.0, "duration": 5e-4}),
             stimuli.ramp(t, 4.0, 5e-4)),
        ):  # fmt: skip
            values = stimuli.sample_waveform(waveform, t, "drive")
            np.testing.assert_allclose(values, expected)
            assert values.shape == t.shape and values.dtype == np.float64
            assert values.flags["C_CONTIGUOUS"] and values.flags["WRITEABLE"]
    source = np.ones(10)
    values = stimuli.sample_waveform(source, np.arange(10) * 1e-4, "drive")
    values[0] = 5.0
    assert source[0] == 1.0  # a new array: the caller's input is never aliased


@pytest.mark.parametrize(
    ("waveform", "message"),
    [
        (np.ones(9), "drive has 9 time samples; the grid has 10 times"),
        (lambda s: np.ones((2, 10)), r"drive has shape \(2, 10\); the grid has 10"),
        (-1.0, r"drive = -1 Hz is not admissible \(at t = 0 s\); allowed: finite rates >= 0 Hz"),
        (np.r_[np.zeros(4), np.nan, np.zeros(5)], r"drive = nan Hz .*at t = 0.0004 s"),
        (2 * MAX_RATE, f"<= {MAX_RATE:g} Hz"),
        (lambda s: np.where(s > 5e-4, np.inf, 0.0), r"drive = inf Hz .*at t = 0.0006 s"),
    ],
)
def test_sample_waveform_errors_name_the_input(waveform, message):
    with pytest.raises(InputRangeError, match=message):
        stimuli.sample_waveform(waveform, np.arange(10) * 1e-4, "drive")


def test_cell_averaged_profile_conserves_the_stimulus_and_tends_to_point_values():
    x = np.arange(30) * 1.2e-3
    for width in (0.2e-3, 1e-3, 5e-3):
        cells = stimuli.gaussian_profile(x, 18e-3, width, cell=1.2e-3, ring_length=36e-3)
        # the integral of the Gaussian, sqrt(2 pi) l, whatever the grid (up to the tails
        # beyond half the ring for the widest one)
        assert cells.sum() * 1.2e-3 == pytest.approx(np.sqrt(2 * np.pi) * width, rel=1e-3)
        assert np.all(cells <= 1.0)
    fine = stimuli.gaussian_profile(x, 18.3e-3, 1e-3, cell=1e-7, ring_length=36e-3)
    point = stimuli.gaussian_profile(x, 18.3e-3, 1e-3, ring_length=36e-3)
    np.testing.assert_allclose(fine, point, rtol=1e-6, atol=1e-12)
    with pytest.raises(ParameterError, match="cell"):
        stimuli.gaussian_profile(x, 0.0, 1e-3, cell=-1.0)
