"""The network engine of every network of columns (adexmf.columns): its delay split, its two
shapes of coupling tables, and the ring and the connectome as instances of it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

from adexmf.columns import ColumnNetwork, Sampling, circulant_terms, own_rates, sparse_terms
from adexmf.columns.coupling import interpolation_terms
from adexmf.columns.engine import CH_NU_E
from adexmf.errors import ParameterError
from adexmf.meanfield import MeanFieldModel
from adexmf.params import Ring
from adexmf.ring import RingModel, centred_stimulus
from adexmf.ring.stimulus import stimulus_tables


def test_each_delay_splits_into_shares_that_sum_to_one_at_its_mean_row():
    """Linear interpolation: shares sum to 1 and their mean row is the delay in steps; a
    whole number of steps (also one off by round-off, 1e-12) reads one row only."""
    steps = np.array([0.0, 0.25, 1.0, 2.5, 7.0 - 1e-12, 30.999])
    which, back, share = interpolation_terms(steps)
    total = np.bincount(which, share, steps.size)
    mean = np.bincount(which, share * back, steps.size)
    np.testing.assert_allclose(total, 1.0, rtol=1e-15)
    np.testing.assert_allclose(mean, steps, atol=1e-11)
    assert np.bincount(which, minlength=steps.size).tolist() == [1, 2, 1, 2, 1, 2]


def test_circulant_lateral_sum_equals_a_direct_interpolated_sum():
    """The circulant table's lateral sum over a random history equals the sum written out
    (column i reads column i - m at delay d_m, interpolated between rows) to round-off."""
    rng = np.random.default_rng(3)
    N, dt = 9, 1e-3
    d = rng.uniform(0, 4.5e-3, N)
    d[0] = 0.0
    w_e, w_i = rng.uniform(size=N), rng.uniform(size=N)
    tab = circulant_terms(d, w_e, w_i, dt)
    hist = rng.uniform(size=(tab.n_rows + 1, N))  # hist[r]: rates r rows back (0 = now)
    got = np.zeros(N)
    for m, b, c in zip(tab.t_m, tab.t_back, tab.t_ce, strict=True):
        got += c * np.roll(hist[b], m)
    for m, c in zip(tab.z_m, tab.z_ce, strict=True):
        got += c * np.roll(hist[0], m)
    want = np.zeros(N)
    for i in range(N):
        for m in range(N):
            s = d[m] / dt
            lo = int(np.floor(s))
            f = s - lo
            src = (i - m) % N
            want[i] += w_e[m] * ((1 - f) * hist[lo, src] + f * hist[lo + 1, src])
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_dense_and_sparse_weights_give_the_same_tables():
    """A SciPy sparse weight matrix and the same dense matrix give identical terms."""
    rng = np.random.default_rng(5)
    w = rng.uniform(size=(12, 12)) * (rng.uniform(size=(12, 12)) < 0.3)
    delays = rng.uniform(0, 8e-3, (12, 12))
    dense = sparse_terms(w, delays, 0.7, 1e-4)
    csr = sparse_terms(scipy.sparse.csr_matrix(w), delays, 0.7, 1e-4)
    for a, b in zip(dense.arrays(), csr.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert dense.n_rows == csr.n_rows == int(np.floor(delays[w > 0].max() / 1e-4)) + 2


def test_the_ring_is_the_engine_with_its_kernels_and_no_long_range_input():
    """A ring run equals the engine run with the ring's lateral table and a long-range table
    of zero gain on a random connectome (max difference 0: an unused coupling adds nothing),
    while a nonzero gain changes it."""
    column = MeanFieldModel("zerlaut2018", order=1)
    ring = RingModel(Ring(n_units=16), column)
    stim = [centred_stimulus(ring.ring)]
    _, reference, _ = ring.simulate(0.2, stim, dt=5e-4)
    rng = np.random.default_rng(0)
    w = rng.uniform(size=(16, 16)) * (rng.uniform(size=(16, 16)) < 0.2)
    delays = rng.uniform(0, 5e-3, (16, 16))

    def engine(gain: float) -> np.ndarray:
        long_range = sparse_terms(w, delays, gain, 5e-4)
        net = ColumnNetwork(column, ring.network(5e-4).lateral, long_range)
        n_steps = 400
        profiles, courses = stimulus_tables(stim, ring.positions, np.arange(n_steps + 1) * 5e-4,
                                            ring.ring.length)  # fmt: skip
        y0 = np.tile(ring.homogeneous_state().vector, (16, 1))
        steps = np.arange(n_steps + 1)
        sampling = Sampling(steps, np.zeros(steps.size), lateral_vsd=1)
        out, _ = net.integrate(y0, np.full(16, ring.ring.drive), profiles, courses, 5e-4,
                               n_steps, "euler", sampling)  # fmt: skip
        return out

    np.testing.assert_array_equal(engine(0.0), reference)
    assert np.abs(engine(0.5)[CH_NU_E] - reference[CH_NU_E]).max() > 1e-3


def test_uncoupled_columns_read_their_own_rates():
    """With own rates and no long-range input every column stays at its own fixed point
    (drives 2, 4, 6 Hz; 1e-9 Hz over 0.1 s; a column reading another's rates would move)."""
    column = MeanFieldModel("zerlaut2018", order=1)
    drives = np.array([2.0, 4.0, 6.0])
    y0 = np.array([column.fixed_point(float(d)).vector for d in drives])
    steps = np.arange(0, 1001, 100)
    out, _ = ColumnNetwork(column, own_rates()).integrate(
        y0, drives, np.zeros((0, 3)), np.zeros((0, 1001)), 1e-4, 1000, "heun",
        Sampling(steps, np.zeros(steps.size)),
    )  # fmt: skip
    assert np.abs(out[CH_NU_E] - y0[:, 0]).max() < 1e-9
    assert out[CH_NU_E, 0, 0] < out[CH_NU_E, 0, 2]


def test_a_long_range_table_of_the_wrong_size_is_refused():
    column = MeanFieldModel("zerlaut2018", order=1)
    two = sparse_terms(np.ones((2, 2)), np.zeros((2, 2)), 1.0, 1e-4)
    net = ColumnNetwork(column, own_rates(), two)
    with pytest.raises(ParameterError, match="long-range table for 2 columns; the run has 3"):
        net.integrate(np.zeros((3, 6)), np.zeros(3), np.zeros((0, 3)), np.zeros((0, 2)), 1e-4, 1,
                      "euler", Sampling(np.zeros(1, dtype=np.int64), np.zeros(1)))  # fmt: skip
