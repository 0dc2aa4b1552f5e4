"""The turns of the UP-DOWN cycle (adexmf.compare.updown_transitions)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from adexmf.compare.updown import BIN, mean_field_course
from adexmf.compare.updown_transitions import (
    TURN_STATS,
    cycle_phases,
    population_adaptation,
    turn_statistics,
)
from adexmf.meanfield.analysis import MeanFieldModel
from adexmf.params import load_preset

PRESET = Path(__file__).parent / "data" / "tvb_adex_lowrate.toml"


def test_population_adaptation_solves_its_equation():
    # Constant rate from W = 0: W = b tau_w nu (1 - exp(-t / tau_w)) exactly at bin ends.
    b, tau_w, nu = 60e-12, 0.5, 4.0
    W = population_adaptation(np.full(400, nu), BIN, b, tau_w)
    t = BIN * np.arange(1, 401)
    np.testing.assert_allclose(W, b * tau_w * nu * (1 - np.exp(-t / tau_w)), rtol=1e-12)


def test_turns_of_a_synthetic_cycle():
    # A square wave: UP (5 Hz) for 0.3 s, DOWN (0 Hz) for 1.0 s. In DOWN, W decays freely,
    # so the onset W is the offset W times exp(-1.0 / tau_w).
    b, tau_w = 60e-12, 0.5
    n_up, n_down = int(round(0.3 / BIN)), int(round(1.0 / BIN))
    rate = np.tile(np.r_[np.full(n_down, 0.0), np.full(n_up, 5.0)], 8)
    rate = np.r_[np.full(n_down // 2, 0.0), rate]
    W = population_adaptation(rate, BIN, b, tau_w)
    s = dict(zip(TURN_STATS, turn_statistics(rate, W, BIN), strict=True))
    assert s["up_duration"] == pytest.approx(0.3, abs=1e-9)
    assert s["down_duration"] == pytest.approx(1.0, abs=1e-9)
    assert s["w_onset"] == pytest.approx(s["w_offset"] * np.exp(-1.0 / tau_w), rel=1e-6)
    assert s["up_rate"] == pytest.approx(5.0) and s["n_up"] >= 6


def test_cycle_phases_keep_sub_bursts_and_drop_blips():
    # DOWN 0.5 s with a one-bin blip of 2 Hz, then UP 0.5 s at 2 Hz with a 50 ms dip to 0,
    # then DOWN: one UP phase of 0.5 s (the dip is inside it, the blip is not one).
    n = int(round(0.5 / BIN))
    down = np.zeros(n)
    down[n // 2] = 2.0
    up = np.full(n, 2.0)
    up[n // 2: n // 2 + int(round(0.05 / BIN))] = 0.0
    mask = cycle_phases(np.r_[down, up, np.zeros(n)], BIN)
    np.testing.assert_array_equal(mask, np.r_[np.zeros(n), np.ones(n), np.zeros(n)] > 0)


def test_no_turns_without_alternation():
    rate = np.full(2000, 3.0)
    s = turn_statistics(rate, population_adaptation(rate, BIN, 60e-12, 0.5), BIN)
    assert np.isnan(s[:4]).all()


def test_mean_field_w_is_its_filtered_rate():
    # The first-order mean field's own W (integrated with its rates, a = 0, Heun steps of
    # 0.1 ms) against the reconstruction from its rate at every step: the same equation, so
    # they agree to the step's O(dt) (measured 0.3 % of the W range; bound 1 %).
    from adexmf.meanfield.fixedpoints import fixed_point
    from adexmf.meanfield.integrate import integrate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MeanFieldModel(load_preset(str(PRESET)), order=1, adaptation=True, b=60e-12)
        ds = integrate(model, 4.0, fixed_point(model, 0.0), drive=0.35, observables=False)
    rate, own = ds.rate.sel(population="exc").values, ds.W.values
    W = population_adaptation(rate[:-1], 1e-4, 60e-12, model.tau_w)
    assert np.max(np.abs(W - own[1:])) < 0.01 * np.ptp(own)
    # ... and its turns (the map's run, 5 ms samples): an UP-DOWN cycle, W higher at the
    # offsets than at the onsets.
    course = mean_field_course(model, 0.35, 60e-12, seed=1)
    s = dict(zip(TURN_STATS, turn_statistics(course.rate.sel(population="exc").values[1:],
                                             course.W.values[1:], BIN), strict=True))
    assert s["n_up"] >= 3 and s["w_onset"] < s["w_offset"]
