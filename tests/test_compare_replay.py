"""Input replay (issue 26, item 1): the surrogates remove one property each and keep the
others; the replay of a NEST network's inputs reproduces its cells' rate."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.compare.replay import _grid_trains, population_cvs, surrogate_trains
from adexmf.errors import ParameterError

WINDOW = (1.0, 3.0)
N_EXC = 40


def _trains(seed: int = 0, n: int = 50):
    """Gamma-like (regular) trains of n sources, 2-8 Hz, over 0-3 s, sorted by source then
    time; sources >= N_EXC are 'inhibitory'."""
    rng = np.random.default_rng(seed)
    times, sources = [], []
    for s in range(n):
        rate = rng.uniform(2, 8)
        isi = rng.gamma(4.0, 1 / (4 * rate), 100)
        t = np.cumsum(isi)
        t = t[t < 3.0]
        times.append(t)
        sources.append(np.full(t.size, s))
    return np.concatenate(times), np.concatenate(sources)


def _per_source(t, s, window=WINDOW):
    inside = (t >= window[0]) & (t < window[1])
    return {k: np.sort(t[inside & (s == k)]) for k in np.unique(s)}


def _circular_intervals(train, length):
    return np.sort(np.diff(np.r_[train, train[0] + length]))


def test_replay_is_the_recording_and_spikes_outside_the_window_are_kept():
    t, s = _trains()
    rng = np.random.default_rng(1)
    rt, rs = surrogate_trains(t, s, N_EXC, WINDOW, "replay", rng)
    np.testing.assert_array_equal(rt, t)
    np.testing.assert_array_equal(rs, s)
    for kind in ("ei_shift", "isi_shuffle", "gamma", "poisson", "poisson_mean"):
        kt, ks = surrogate_trains(t, s, N_EXC, WINDOW, kind, rng)
        before = kt < WINDOW[0]
        np.testing.assert_array_equal(kt[before], t[t < WINDOW[0]])  # same order: by source
        np.testing.assert_array_equal(ks[before], s[t < WINDOW[0]])
        assert np.all(np.diff(ks) >= 0)  # sorted by source, then time
        assert np.all((np.diff(kt) >= 0) | (np.diff(ks) > 0))


def test_ei_shift_moves_every_inhibitory_train_by_one_circular_lag():
    t, s = _trains()
    kt, ks = surrogate_trains(t, s, N_EXC, WINDOW, "ei_shift", np.random.default_rng(2))
    before, after = _per_source(t, s), _per_source(kt, ks)
    length = WINDOW[1] - WINDOW[0]
    lags = set()
    for k in before:
        if k < N_EXC:
            np.testing.assert_array_equal(after[k], before[k])
        else:
            assert after[k].size == before[k].size
            # the shifted train back by the lag is the original (one lag for all)
            lag = np.mod(after[k][0] - before[k], length)
            matches = [np.allclose(np.sort(np.mod(after[k] - WINDOW[0] - g, length)),
                                   np.sort(before[k] - WINDOW[0])) for g in lag]  # fmt: skip
            lags.add(round(float(lag[int(np.argmax(matches))]), 9))
    assert len(lags) == 1
    assert 0.25 * length <= lags.pop() <= 0.75 * length


def test_isi_shuffle_keeps_each_trains_count_and_intervals_but_not_its_timing():
    t, s = _trains()
    kt, ks = surrogate_trains(t, s, N_EXC, WINDOW, "isi_shuffle", np.random.default_rng(3))
    before, after = _per_source(t, s), _per_source(kt, ks)
    length = WINDOW[1] - WINDOW[0]
    moved = 0
    for k, train in before.items():
        assert after[k].size == train.size
        assert np.all((after[k] >= WINDOW[0]) & (after[k] < WINDOW[1]))
        np.testing.assert_allclose(_circular_intervals(after[k], length),
                                   _circular_intervals(train, length), atol=1e-9)  # fmt: skip
        moved += not np.allclose(after[k], train)
    assert moved == len(before)  # a random phase for every train


def test_poisson_trains_keep_rates_and_lose_regularity():
    t, s = _trains(n=400)
    rng = np.random.default_rng(4)
    kt, ks = surrogate_trains(t, s, N_EXC, WINDOW, "poisson", rng)
    before, after = _per_source(t, s), _per_source(kt, ks)
    n_before = sum(v.size for v in before.values())
    n_after = sum(v.size for v in after.values())
    assert abs(n_after - n_before) < 4 * np.sqrt(n_before)  # Poisson counts, same means

    def cv(trains):  # mean CV of the ISIs of each train
        isis = [np.diff(v) for v in trains.values() if v.size > 4]
        return np.mean([i.std() / i.mean() for i in isis])

    assert cv(before) < 0.6 < 0.8 < cv(after)  # gamma(4): CV 0.5; Poisson: 1 (short trains)
    mt, ms = surrogate_trains(t, s, N_EXC, WINDOW, "poisson_mean", rng)
    counts = np.bincount(ms[(mt >= WINDOW[0])], minlength=400)
    exc_mean = np.bincount(s[(t >= WINDOW[0]) & (t < WINDOW[1])], minlength=400)[:N_EXC].mean()
    # equal rates: the spread of the counts is Poisson's around the population mean
    assert counts[:N_EXC].var() < 2 * exc_mean
    assert counts[:N_EXC].mean() == pytest.approx(exc_mean, rel=4 / np.sqrt(N_EXC * exc_mean))


def test_unknown_surrogate_is_refused():
    t, s = _trains()
    with pytest.raises(ParameterError, match="surrogate = 'shuffle'; allowed: replay"):
        surrogate_trains(t, s, N_EXC, WINDOW, "shuffle", np.random.default_rng(0))


def test_generator_trains_are_on_the_grid_one_spike_per_step():
    times = np.array([0.0, 0.00004, 0.00031, 0.00032, 0.5])
    sources = np.array([0, 0, 0, 0, 2])
    trains = _grid_trains(times, sources, 1e-4)
    assert [tr["spike_times"] for tr in trains] == [pytest.approx([0.1, 0.3]), [],
                                                    pytest.approx([500.0])]  # fmt: skip


@pytest.mark.slow
def test_replayed_inputs_reproduce_the_network_rate():
    """NEST: 2,000 neurons (in-degrees of the paper), 3 s, b = 20 pA, drive 10 Hz. Copies
    of 300 RS cells reading their recorded recurrent trains (and a fresh Poisson drive) fire
    as the originals: 15 % (~4 standard errors of the two rates) — a missing or mis-signed
    connection moves the rate far more."""
    pytest.importorskip("nest")
    from adexmf.compare.replay import record_inputs, replay_rates
    from adexmf.network.run_spec import NetworkRun

    run = NetworkRun(n_total=2000, keep_in_degrees=True, drive=10.0, rs_b=20e-12,
                     duration=3.0, seed=3, drive_events="poisson")  # fmt: skip
    recorded = record_inputs(run, 300, 1.0, 1.5)
    ds = replay_rates(recorded, ("replay", "poisson_mean"), seed=4)
    net = float(ds.network_mean_rate)
    assert net > 0.5
    assert float(ds.mean_rate.sel(surrogate="replay")) == pytest.approx(net, rel=0.15)
    assert float(ds.k_e.mean()) == pytest.approx(400, rel=0.05)


def test_gamma_trains_have_their_populations_regularity_and_each_sources_rate():
    t, s = _trains(n=400)  # gamma(4) trains: CV 0.5
    rng = np.random.default_rng(5)
    cv = population_cvs(t, s, N_EXC, WINDOW)
    assert cv == pytest.approx((0.5, 0.5), abs=0.08)  # short trains: CV biased low
    kt, ks = surrogate_trains(t, s, N_EXC, WINDOW, "gamma", rng)
    kcv = population_cvs(kt, ks, N_EXC, WINDOW)
    assert kcv == pytest.approx(cv, abs=0.05)
    before = np.bincount(s[(t >= WINDOW[0]) & (t < WINDOW[1])], minlength=400)
    after = np.bincount(ks[(kt >= WINDOW[0]) & (kt < WINDOW[1])], minlength=400)
    # renewal counts: variance ~ CV^2 x mean; 4 sigma on the sum over sources
    assert abs(after.sum() - before.sum()) < 4 * 0.5 * np.sqrt(before.sum())
    np.testing.assert_array_equal(ks[kt < WINDOW[0]], s[t < WINDOW[0]])


def test_bad_sample_or_windows_are_refused_before_any_simulation():
    from adexmf.compare.replay import record_inputs
    from adexmf.network.run_spec import NetworkRun

    run = NetworkRun(n_total=1000, keep_in_degrees=True, duration=2.0, drive_events="poisson")
    with pytest.raises(ParameterError, match="n_targets = 900; allowed: 1 to 800"):
        record_inputs(run, 900, 0.5, 1.0)
    with pytest.raises(ParameterError, match="t_measure = 2 s"):
        record_inputs(run, 10, 0.5, 2.0)
