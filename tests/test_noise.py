"""The Ornstein-Uhlenbeck fluctuation of the drive (adexmf.noise) and its way into the network.

Statistical tolerances: a 200 s realization of tau = 5 ms holds 40,000 correlation times, so
the sample standard deviation is within ~0.5 % of sigma and the lag-tau autocorrelation
within ~0.01 of exp(-1) (one standard error of each); the bounds are 3-5 times that.
"""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.errors import ParameterError
from adexmf.network.run_spec import NetworkRun
from adexmf.noise import NOISE_STEP, DriveNoise


def test_stationary_law_and_correlation_time():
    noise = DriveNoise(sigma=2.0, tau=5e-3, seed=4)
    t = np.arange(0.0, 200.0, NOISE_STEP)
    xi = noise.values(t)
    assert abs(xi.mean()) < 0.05 * 2.0  # mean 0: standard error ~0.01 sigma
    assert xi.std() == pytest.approx(2.0, rel=0.02)
    lag = int(round(5e-3 / NOISE_STEP))
    rho = np.corrcoef(xi[:-lag], xi[lag:])[0, 1]
    assert rho == pytest.approx(np.exp(-1.0), abs=0.03)
    # The first value is drawn from the stationary law, not 0 (no start-up transient).
    starts = [DriveNoise(2.0, 5e-3, seed=s).values(np.zeros(1))[0] for s in range(400)]
    assert np.std(starts) == pytest.approx(2.0, rel=0.15)  # 400 draws: ~3.5 % error


def test_realization_is_seeded_and_independent_of_run_length_and_grid():
    noise = DriveNoise(sigma=1.5, tau=5e-3, seed=7)
    long = noise.values(np.arange(0.0, 3.0, 1e-4))
    short = noise.values(np.arange(0.0, 1.0, 1e-4))
    np.testing.assert_array_equal(long[: short.size], short)  # a longer run extends it
    np.testing.assert_array_equal(long, DriveNoise(1.5, 5e-3, seed=7).values(np.arange(0, 3, 1e-4)))
    assert not np.allclose(long, DriveNoise(1.5, 5e-3, seed=8).values(np.arange(0, 3, 1e-4)))
    # The mean field's grid (n + 1 times, other step) reads the same process: equal at shared
    # times, linear in between.
    fine = noise.values(np.arange(0.0, 1.0, 5e-5))
    np.testing.assert_allclose(fine[::2], short, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fine[1::2][:-1], 0.5 * (short[:-1] + short[1:]), atol=1e-12)


def test_rectified_drive_and_zero_sigma():
    noise = DriveNoise(sigma=3.0, tau=5e-3, seed=1)
    t = np.arange(0.0, 50.0, 1e-4)
    drive = noise.apply(np.full(t.size, 1.0), t)
    assert drive.min() == 0.0  # negative rates set to 0 (TVB-AdEx)
    xi = noise.values(t)
    np.testing.assert_array_equal(drive, np.maximum(1.0 + xi, 0.0))
    # E max(0, m + s Z) for Z ~ N(0, 1): m Phi(m/s) + s phi(m/s).
    from scipy.stats import norm

    expected = 1.0 * norm.cdf(1 / 3) + 3.0 * norm.pdf(1 / 3)
    assert drive.mean() == pytest.approx(expected, rel=0.03)
    np.testing.assert_array_equal(DriveNoise(0.0).values(t), np.zeros_like(t))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"sigma": -1.0}, "noise_sigma"), ({"sigma": 1.0, "tau": 0.0}, "noise_tau"),
     ({"sigma": 1.0, "seed": -2}, "seed")],
)  # fmt: skip
def test_bad_noise_names_the_parameter(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        DriveNoise(**kwargs)


def test_network_run_carries_the_noise():
    plain = NetworkRun(drive=2.0, duration=1.0, seed=3)
    assert "noise_sigma_Hz" not in plain.to_mapping()  # stored runs keep their task keys
    noisy = plain.replace(noise_sigma=1.0)
    assert NetworkRun.from_mapping(noisy.to_mapping()) == noisy
    assert noisy.key() != plain.key()
    model = noisy.network_model()
    assert model.drive.noise == DriveNoise(1.0, 5e-3, seed=3)  # the run's seed
    rates = model.external_rates(1.0)
    t = model.times(1.0)
    ramped = np.minimum(t / 0.1, 1.0) * 2.0
    expected = np.maximum(ramped + DriveNoise(1.0, 5e-3, seed=3).values(t), 0.0)
    for name in ("exc", "inh"):  # both populations get the same fluctuating drive
        np.testing.assert_allclose(rates[name], expected, atol=1e-12)
    assert "noise" in model.parameters()["drive"]
    with pytest.raises(ParameterError, match="noise_sigma"):
        NetworkRun(noise_sigma=-1.0)
