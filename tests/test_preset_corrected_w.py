"""The corrected_w preset: an RS transfer function fitted on clamped-W single-cell data."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import TransferFunction, load_preset
from adexmf.singlecell.simulate import simulate_cells

PRESET = load_preset("corrected_w")


def test_clamped_adaptation_rates_are_predicted_at_every_level():
    """Fresh single-cell simulations (other seeds than the fit's) with w clamped at 0-200 pA:
    the fitted F_RS(nu_e, nu_i, W) is within the fit's error (RMS 0.360 Hz, max 1.65 Hz)."""
    rs = PRESET.cells["RS"]
    tf = TransferFunction.from_preset(PRESET, "RS")
    W = np.repeat([0.0, 50e-12, 100e-12, 150e-12, 200e-12], 4)
    nu_e = np.tile([4.0, 7.0, 10.0, 14.0], 5)
    nu_i = np.tile([5.0, 10.0, 10.0, 15.0], 5)
    n_seeds = 8
    sim = simulate_cells(rs, PRESET.synapses, np.repeat(nu_e, n_seeds), np.repeat(nu_i, n_seeds),
                         duration=10.0, network=PRESET.network, seed=12345,
                         adaptation_clamp=np.repeat(W, n_seeds))  # fmt: skip
    measured = sim.rate.reshape(-1, n_seeds).mean(1)
    sem = sim.rate.reshape(-1, n_seeds).std(1, ddof=1) / np.sqrt(n_seeds)
    predicted = tf(nu_e, nu_i, W)
    assert np.sqrt(np.mean((predicted - measured) ** 2)) < 0.6
    assert np.all(np.abs(predicted - measured) < 1.7 + 3 * sem)
    # W lowers the rate at fixed inputs, in the data and in the fit
    for k in range(4):
        assert np.all(np.diff(measured[k::4]) < 0) and np.all(np.diff(predicted[k::4]) < 0)


def test_one_fit_for_every_b():
    """With the adaptation variable the model's b sets W; the preset itself is unchanged."""
    from adexmf.meanfield import MeanFieldModel

    rates = [MeanFieldModel(PRESET, order=1, adaptation=True, b=b).fixed_point(4.0)
             for b in (0.0, 20e-12, 60e-12)]  # fmt: skip
    nu = [p.state["nu_e"] for p in rates]
    assert nu[0] > nu[1] > nu[2] > 0.5
    # Each fixed point solves the equations with this preset's F_RS(nu_e, nu_i, W), evaluated
    # here independently of the solver: nu_e = F_RS(nu_e + drive, nu_i, W) and the stationary
    # adaptation W = b tau_w nu_e + a (mu_V - E_L) (SPEC 5.3), to the solver's tolerance.
    tf = TransferFunction.from_preset(PRESET, "RS")
    rs = PRESET.cells["RS"]
    for b, fp in zip((0.0, 20e-12, 60e-12), rates, strict=True):
        s = fp.state
        ev = tf.evaluate(s["nu_e"] + 4.0, s["nu_i"], s["W"])
        assert s["nu_e"] == pytest.approx(float(ev.rate), rel=1e-6)
        w = b * rs.tau_w * s["nu_e"] + rs.a * (float(ev.stats.mu_V) - rs.E_L)
        assert s["W"] == pytest.approx(w, rel=1e-6)
