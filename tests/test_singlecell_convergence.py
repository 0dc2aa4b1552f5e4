"""Integration schemes of the single-cell kernel: order of accuracy, and the adaptive NEST
reference (slow, optional NEST)."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import DEFAULT_SYNAPSES, cell_preset
from adexmf.errors import InputRangeError
from adexmf.singlecell.simulate import CurrentStep, simulate_cells

RS = cell_preset("RS")


def _V_at(t: float, dt: float, scheme: str) -> float:
    """V (V) of an RS cell at time t under a subthreshold 150 pA step from 10 ms (no input):
    a smooth trajectory through the exponential term and the adaptation current."""
    res = simulate_cells(
        RS, DEFAULT_SYNAPSES, 0.0, 0.0, duration=t, dt=dt, scheme=scheme, record=[0],
        current_steps=[CurrentStep(0.01, 1.0, 150e-12)],
    )  # fmt: skip
    assert res.spike_counts[0] == 0
    return float(res.V[0, -1])


@pytest.mark.parametrize(("scheme", "order"), [("euler", 1), ("heun", 2)])
def test_order_of_accuracy_on_a_smooth_trajectory(scheme, order):
    """Halving dt divides the error by 2 (Euler) or 4 (Heun), against a fine Heun solution."""
    t = 0.06
    exact = _V_at(t, 1e-6, "heun")
    errors = [abs(_V_at(t, dt, scheme) - exact) for dt in (2e-4, 1e-4, 5e-5)]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert ratios == pytest.approx(2.0**order, rel=0.15)


def test_heun_removes_the_first_order_conductance_bias():
    """Passive membrane under Poisson input: Euler's mean V depends on dt at first order
    (events act with full weight for a whole step); Heun's mean V does not."""
    n = 200

    def mean_V(dt, scheme):
        res = simulate_cells(
            RS, DEFAULT_SYNAPSES, np.full(n, 10.0), 10.0, duration=2.0, dt=dt, scheme=scheme,
            spiking=False, stats_start=0.5, seed=2,
        )  # fmt: skip
        return res.V_mean.mean()

    fine = mean_V(2.5e-5, "heun")
    drift_euler = mean_V(4e-4, "euler") - fine
    drift_heun = mean_V(4e-4, "heun") - fine
    # Euler: mean G_e too high by dt / (2 tau_e) = 4 %: V ~0.1 mV too depolarised
    assert drift_euler > 0.05e-3
    assert abs(drift_heun) < 0.2 * drift_euler


def test_unknown_scheme_is_refused_by_name():
    with pytest.raises(InputRangeError, match="scheme = 'rk9'.*euler, heun"):
        simulate_cells(RS, DEFAULT_SYNAPSES, 1.0, 1.0, duration=0.01, scheme="rk9")


@pytest.mark.slow
def test_default_agrees_with_adaptive_nest_where_euler_does_not(tmp_path):
    """Heun at 0.1 ms (the default) within noise of NEST's RKF45 on the hardest points;
    the authors' Euler at 0.1 ms resolvably off there (so the check can fail)."""
    pytest.importorskip("nest")
    from adexmf.singlecell.convergence import REGIME_POINTS, convergence_study

    hard = [p for p in REGIME_POINTS if "clamped" in p.regime or "foreign" in p.regime]
    ds = convergence_study(hard, settings=[("heun", 1e-4), ("euler", 1e-4)], n_cells=300,
                           folder=tmp_path, n_workers=2)  # fmt: skip
    heun, euler = ds.sel(setting="heun 0.1 ms"), ds.sel(setting="euler 0.1 ms")
    assert np.all(np.abs(heun.error) < 3 * heun.error_se + 0.005)
    assert abs(float(heun.error.mean())) < 0.01
    assert np.all(euler.error > 3 * euler.error_se) and float(euler.error.max()) > 0.03
