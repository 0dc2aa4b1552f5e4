"""Passive check: with spiking disabled, V statistics under Poisson input vs shot-noise theory.

Measured with 4 seeds x 10 s (slow tier, seed 11) over nu_e in {1, 2.5, 5, 10, 20} Hz,
nu_i in {0, 5, 10, 20} Hz: mean error -0.11..+0.39 mV (average +0.16 mV; standard error
<= 0.13 mV), standard deviation within -1.5%..+3.3% of theory (average +0.7%; standard error
<= 1.9%). The simulated mean is slightly depolarised relative to the theory when inhibition
is present: the theory freezes the driving force at E_s - mu_V and neglects the correlation
between V and the conductances (and the exactly decaying conductance sampled once per step
is ~dt/(2 tau) = 0.5% above Q tau f on average); the standard deviation agrees within the
sampling error, the effective-time-constant approximation being good at these conductances.
"""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import DEFAULT_NETWORK, DEFAULT_SYNAPSES, cell_preset, shot_noise_statistics
from adexmf.singlecell import simulate_cells

FS = cell_preset("FS")


def _passive_errors(duration: float, reps: int):
    E, I = np.meshgrid([1.0, 2.5, 5.0, 10.0, 20.0], [0.0, 5.0, 10.0, 20.0], indexing="ij")
    E, I = E.ravel(), I.ravel()
    res = simulate_cells(
        FS, DEFAULT_SYNAPSES, np.repeat(E, reps), np.repeat(I, reps), duration=duration,
        spiking=False, stats_start=0.1, adaptation_clamp=0.0, seed=11,
    )  # fmt: skip
    means = res.V_mean.reshape(-1, reps)
    stds = res.V_std.reshape(-1, reps)
    theory = shot_noise_statistics(E, I, FS, DEFAULT_SYNAPSES, DEFAULT_NETWORK)
    d_mean = means.mean(axis=1) - theory.mu_V
    d_std = stds.mean(axis=1) / theory.sigma_V - 1.0
    # standard errors over seeds of both differences (sampling error of finite runs)
    se_mean = means.std(axis=1, ddof=1) / np.sqrt(reps)
    se_std = stds.std(axis=1, ddof=1) / np.sqrt(reps) / theory.sigma_V
    return d_mean, d_std, se_mean, se_std


def test_passive_fast():
    # short runs: allow the approximation's 0.5 mV plus 3 standard errors of sampling
    d_mean, d_std, se_mean, se_std = _passive_errors(2.1, 8)
    assert np.all(np.abs(d_mean) < 0.5e-3 + 3 * se_mean)
    assert np.all(np.abs(d_std) < 0.06 + 3 * se_std)


@pytest.mark.slow
def test_passive_full():
    d_mean, d_std, _, _ = _passive_errors(10.0, 4)
    assert np.max(np.abs(d_mean)) < 0.5e-3
    assert np.max(np.abs(d_std)) < 0.06
