"""The W-slow reduction of the first-order adaptation mean field (adexmf.meanfield.slow_fast).

The fixture preset tests/data/tvb_adex_lowrate.toml is TVB-AdEx's cells with the RS transfer
function refitted on low-rate data with the Poisson loss (examples/updown_mechanism.py): its
fast subsystem is bistable at drive 0.35 Hz over a window of W and monostable at 1 Hz, as
the spiking network's is with W frozen.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from adexmf.errors import ParameterError
from adexmf.meanfield.integrate import integrate
from adexmf.meanfield.slow_fast import (
    bistable_window,
    critical_manifold,
    fast_fixed_points,
    relaxation_cycle,
)


@pytest.fixture(scope="module")
def model(lowrate_first_order):
    return lowrate_first_order


def test_fast_fixed_points_are_roots(model):
    # Every point returned makes both rate equations stationary at the frozen W: the
    # bisections stop at 2^-40 of a bracket, so |dnu/dt| T is far below 1e-6 Hz.
    for W in (0.0, 20e-12, 40e-12):
        points = fast_fixed_points(model, W, 0.35)
        assert points
        for e, i in points:
            dy = model.rhs(model.state_vector(nu_e=e, nu_i=i, W=W), 0.35)
            assert abs(dy[0]) * model.T < 1e-6 * max(e, 1e-3)
            assert abs(dy[1]) * model.T < 1e-6 * max(i, 1e-3)


def test_full_fixed_point_lies_on_the_critical_manifold(model):
    # Independent route: the full model's fixed point (Newton on nu_e, nu_i and W together)
    # must be one of the fast subsystem's fixed points at its own W.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp = model.fixed_point(1.0)
    nu_e, W = fp.state["nu_e"], fp.state["W"]
    points = fast_fixed_points(model, W, 1.0)
    assert min(abs(e - nu_e) / nu_e for e, _ in points) < 1e-6


@pytest.fixture(scope="module")
def window(model):
    return bistable_window(model, 0.35)


def test_window_of_bistability(model, window):
    # At 0.35 Hz three fixed points (DOWN, middle, UP) coexist between the folds and one
    # outside; at 1 Hz the fast subsystem is monostable at every W (no window).
    low, high = window
    assert 0.0 < low < high < 100e-12
    assert len(fast_fixed_points(model, 0.5 * (low + high), 0.35)) == 3
    assert len(fast_fixed_points(model, low - 1e-12, 0.35)) == 1
    assert len(fast_fixed_points(model, high + 1e-12, 0.35)) == 1
    assert np.isnan(bistable_window(model, 1.0)).all()
    cm = critical_manifold(model, 0.35, np.linspace(low + 1e-13, high - 1e-13, 5))
    assert cm.stable[:, 0].all() and not cm.stable[:, 1].any()  # DOWN stable, middle not


def test_cycle_matches_the_integrated_model(model, window):
    # The singular-limit period against the full first-order model integrated in time
    # (tau_w / T = 100). The fold passages add O((T / tau_w)^(2/3)) ~ 5 % to the period;
    # the bound is twice that.
    cycle = relaxation_cycle(model, 0.35, window=window)
    assert cycle.exists
    start = model.state_vector(nu_e=0.01, nu_i=0.0, W=20e-12)
    ds = integrate(model, 8.0, start, dt=1e-4, drive=0.35, record_every=10, observables=False)
    rate, t = ds.rate.sel(population="exc").values, ds.time.values
    up = rate > 1.0
    onsets = t[1:][up[1:] & ~up[:-1]]
    period = np.diff(onsets[1:]).mean()
    assert abs(1.0 / period - cycle.frequency) < 0.1 * cycle.frequency
    # the cycle's time-averaged UP rate lies between the UP branch's ends
    assert 1.0 < cycle.up_rate < 10.0 and 0.0 < cycle.duty_cycle < 1.0


def test_no_cycle_where_the_slow_flow_has_a_fixed_point(model, window):
    # b = 0: W decays to 0 on the UP branch, a stable fixed point of the slow flow.
    assert not relaxation_cycle(model.replace(b=0.0), 0.35, window=window).exists


def test_needs_first_order_with_adaptation(model):
    with pytest.raises(ParameterError, match="order = 1"):
        fast_fixed_points(model.replace(order=2), 0.0, 0.35)
    with pytest.raises(ParameterError, match="adaptation"):
        bistable_window(model.replace(adaptation=False), 0.35)


def test_w_slow_cycles_on_the_map_grid(model, window):
    # The map's grid of cycles: the model's cycle where it has one (the same numbers as
    # relaxation_cycle), NaN at b = 0, at 1 Hz (monostable) and for a second-order model.
    from adexmf.compare.updown import w_slow_cycles

    ds = w_slow_cycles({"first": model, "second": model.replace(order=2)}, (0.35, 1.0),
                       (0.0, 60e-12))  # fmt: skip
    c = relaxation_cycle(model, 0.35, window=window)
    got = ds.w_slow_cycle.sel(model="first", drive=0.35, b=60e-12).values
    np.testing.assert_allclose(got, [c.frequency, c.up_rate, c.duty_cycle], rtol=1e-9)
    np.testing.assert_allclose(ds.bistable_window.sel(model="first", drive=0.35), window)
    assert np.isnan(ds.w_slow_cycle.sel(model="first", b=0.0)).all()
    assert np.isnan(ds.w_slow_cycle.sel(model="first", drive=1.0)).all()
    assert np.isnan(ds.w_slow_cycle.sel(model="second")).all()
