"""The network of columns on a connectome (adexmf.brain.network, SPEC 11): the compiled
kernel against an independent NumPy transcription of the coupling, delays and schemes, the
uncoupled limit against the single column's fixed point, conduction delays against L / v,
and the noise's seeding and statistics."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.brain import BrainNetwork, Connectome, OUNoise, RegionStimulus, brain_column
from adexmf.columns.coupling import sparse_terms
from adexmf.errors import ParameterError
from adexmf.layouts import S_NU_E, S_NU_I, S_W


def small_connectome(lengths_mm=None) -> Connectome:
    """Three regions: 0 -> 1 (5.3 mm), 1 -> 2 (0.25 mm: below one step at 4 m/s and
    0.1 ms), 2 -> 0 (12 mm), 0 -> 2 (3 mm), weights of different strengths."""
    w = np.array([[0.0, 0.0, 0.7], [1.0, 0.0, 0.0], [0.4, 0.9, 0.0]])
    L = np.array([[0, 0, 12.0], [5.3, 0, 0], [3.0, 0.25, 0]]) if lengths_mm is None else lengths_mm
    centres = np.array([[0, 0, 0], [5, 0, 0], [5, 5, 0]], dtype=float) * 1e-3
    return Connectome(w, L * 1e-3, ("A", "B", "C"), centres, name="three")


def numpy_network(net: BrainNetwork, duration, dt, drive, method, stimuli=()):
    """Independent transcription: full history of nu_e, delays interpolated between rows,
    each region's right-hand side from the single column's ``rhs`` with its external input
    ``drive + max(c, 0)`` as the drive (the routing of SPEC 11)."""
    conn = net.connectome
    n, n_steps = conn.n_regions, int(round(duration / dt))
    delays = conn.delays(net.conduction_velocity) / dt
    w = conn.weights * net.coupling
    y = net.initial_state()
    hist = np.empty((n_steps + 1, n))
    hist[0] = y[:, S_NU_E]
    out = [y[:, S_NU_E].copy()]

    def delayed(step, k, j, ys):
        s = step - delays[k, j]  # fractional row index of t - d
        lo = int(np.floor(s + 1e-9))
        f = s - lo
        def row(r):
            if r == step:
                return ys[j, S_NU_E]
            return hist[max(r, 0), j]
        return (1 - f) * row(lo) + f * row(lo + 1) if f > 1e-9 else row(lo)

    def afferent(step, k):
        t = step * dt
        on = [s for s in stimuli if k in s.regions and s.onset <= t < s.onset + s.duration]
        return sum(s.amplitude for s in on)

    def rhs(step, ys):
        dy = np.empty_like(ys)
        for k in range(n):
            c = sum(w[k, j] * delayed(step, k, j, ys) for j in range(n) if w[k, j] > 0)
            dy[k] = net.model.rhs(ys[k], drive=drive + max(c, 0.0), afferent=afferent(step, k))
        return dy

    for step in range(n_steps):
        k1 = rhs(step, y)
        if method == "euler":
            y = y + dt * k1
        else:
            yp = y + dt * k1
            y = y + 0.5 * dt * (k1 + rhs(step + 1, yp))
        y[:, :2] = np.maximum(y[:, :2], 0.0)
        hist[step + 1] = y[:, S_NU_E]
        out.append(y[:, S_NU_E].copy())
    return np.array(out), y


@pytest.mark.parametrize("method", ["euler", "heun"])
def test_kernel_matches_numpy_transcription(method):
    """Same physics (the node), independent coupling, delays and scheme: agreement to
    round-off accumulated over 400 steps (1e-9 relative; a wrong delay row, a missed
    interpolation weight or a stage reading the wrong state differs at 1e-3 or more)."""
    net = BrainNetwork(small_connectome(), "adaptation-W", coupling=2.0)
    stim = (RegionStimulus((0,), amplitude=3.0, onset=0.005, duration=0.01),)
    ds = net.run(0.04, drive=3.0, dt=1e-4, method=method, stimuli=stim, record_period=1e-4,
                 initial=net.initial_state())
    ref, y_end = numpy_network(net, 0.04, 1e-4, 3.0, method, stim)
    np.testing.assert_allclose(ds.nu_e.values, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ds.W.values[-1], y_end[:, S_W], rtol=1e-9)
    assert np.ptp(ref[:, 2]) > 0.05  # the stimulus reached region C through B and A


def test_uncoupled_regions_settle_on_the_single_column_fixed_point():
    """G = 0: every region is an isolated column; after 3 s (600 T, 6 tau_w) the rates sit
    on the column's fixed point (to 1e-4 relative: the residual of W's slow approach)."""
    net = BrainNetwork("synthetic68", "adaptation-W", coupling=0.0)
    drives = np.linspace(2.0, 6.0, 68)
    ds = net.run(3.0, drive=drives, dt=2e-4, record_period=0.1)
    for k in (0, 30, 67):
        fp = net.model.fixed_point(drives[k])
        assert ds.nu_e.values[-1, k] == pytest.approx(fp.state["nu_e"], rel=1e-4)
        assert ds.nu_i.values[-1, k] == pytest.approx(fp.state["nu_i"], rel=1e-4)


def test_stimulus_arrives_after_the_conduction_delay():
    """Region B hears region A through a 20 mm tract at 2 m/s: B's rate moves 10 ms after
    A's, to within one step (the delay is exact in the kernel; 0.1 ms resolution)."""
    w = np.array([[0.0, 0.0], [5.0, 0.0]])
    L = np.array([[0.0, 0.0], [20.0, 0.0]]) * 1e-3
    conn = Connectome(w, L, ("A", "B"), np.zeros((2, 3)), name="pair")
    net = BrainNetwork(conn, "adaptation-W", coupling=1.0, conduction_velocity=2.0)
    fp = net.model.fixed_point(4.0).state
    y0 = net.initial_state(fp["nu_e"], fp["nu_i"], fp["W"])
    free = net.run(0.06, drive=[4.0, 4.0], initial=y0, record_period=1e-4)
    stim = (RegionStimulus((0,), amplitude=5.0, onset=0.02, duration=0.02),)
    ds = net.run(0.06, drive=[4.0, 4.0], initial=y0, stimuli=stim, record_period=1e-4)
    t = ds.time.values
    moved = np.abs(ds.nu_e.values - free.nu_e.values) > 1e-9
    t_a = t[np.argmax(moved[:, 0])]
    t_b = t[np.argmax(moved[:, 1])]
    assert t_a == pytest.approx(0.0201, abs=1.1e-4)  # A moves on the first step after onset
    assert t_b - t_a == pytest.approx(0.010, abs=1.1e-4)


def test_sparse_terms_interpolate_each_delay():
    """Each weight splits into two terms whose coefficients sum to G W and whose mean row
    offset is the delay in steps (linear interpolation)."""
    conn = small_connectome()
    delays = conn.delays(4.0)
    terms = sparse_terms(conn.weights, delays, 2.0, 1e-4)
    ptr, src, back, coef, zptr, zsrc, zcoef = terms.arrays()
    n_rows = terms.n_rows
    total = np.zeros((3, 3))
    mean_back = np.zeros((3, 3))
    for k in range(3):
        for t in range(ptr[k], ptr[k + 1]):
            total[k, src[t]] += coef[t]
            mean_back[k, src[t]] += coef[t] * back[t]
        for t in range(zptr[k], zptr[k + 1]):
            total[k, zsrc[t]] += zcoef[t]
    np.testing.assert_allclose(total, 2.0 * conn.weights, rtol=1e-12)
    nz = conn.weights > 0
    np.testing.assert_allclose(mean_back[nz] / total[nz], delays[nz] / 1e-4, rtol=1e-9)
    assert n_rows == int(np.ceil(12e-3 / 4.0 / 1e-4)) + 1


def test_default_start_is_each_regions_resting_state():
    """Without long-range input (G = 0) the default start is a fixed point: nothing moves
    (to 1e-9 Hz over 0.2 s; a wrong start relaxes by ~1 Hz on the time scale T)."""
    net = BrainNetwork(small_connectome(), "adaptation-W", coupling=0.0)
    ds = net.run(0.2, drive=[2.0, 4.0, 6.0])
    assert np.abs(ds.nu_e.values - ds.nu_e.values[0]).max() < 1e-9
    assert ds.nu_e.values[0, 0] < ds.nu_e.values[0, 2]
    second = BrainNetwork(small_connectome(), brain_column("adaptation-W", 2), coupling=0.0)
    y0 = second.resting_state(4.0)
    assert y0[0, 2] > 0 and np.allclose(y0, y0[0])  # covariances of the second order


def test_same_seed_same_run_and_noise_moves_the_rates():
    net = BrainNetwork("synthetic68", "adaptation-W", coupling=0.5, normalisation="in_degree")
    noise = OUNoise(sigma=1.0, tau=5e-3)
    a = net.run(0.3, noise=noise, seed=7)
    b = net.run(0.3, noise=noise, seed=7)
    c = net.run(0.3, noise=noise, seed=8)
    quiet = net.run(0.3)
    np.testing.assert_array_equal(a.nu_e.values, b.nu_e.values)
    assert not np.array_equal(a.nu_e.values, c.nu_e.values)
    assert np.std(a.nu_e.values[100:] - quiet.nu_e.values[100:]) > 1e-3


def test_ou_step_keeps_the_stationary_variance():
    """The exact OU step: decay^2 sigma^2 + kick^2 = sigma^2 (analytic), decay = e^{-dt/tau}."""
    decay, kick = OUNoise(sigma=2.0, tau=5e-3).per_step(1e-4)
    assert decay == pytest.approx(np.exp(-0.02), rel=1e-15)
    assert decay**2 * 4.0 + kick**2 == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conduction_velocity": 0.0}, "conduction_velocity = 0"),
        ({"coupling": -1.0}, "coupling = -1"),
        ({"normalisation": "sum"}, "normalisation = 'sum'"),
        ({"column": "nope"}, "column = 'nope'"),
        ({"column": "corrected", "b": 60e-12}, "b = 6e-11 A has no effect on the column"),
    ],
)
def test_bad_network_settings_are_refused(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        BrainNetwork(small_connectome(), **{"column": "adaptation-W", **kwargs})


def test_bad_run_settings_are_refused_before_work():
    net = BrainNetwork(small_connectome(), "adaptation-W", conduction_velocity=0.1)
    with pytest.raises(ParameterError, match="longest conduction delay"):
        net.run(0.1)  # 12 mm at 0.1 m/s: 120 ms
    with pytest.raises(ParameterError, match="drive has 2 values for 3 regions"):
        net.run(0.2, drive=[1.0, 2.0])
    with pytest.raises(ParameterError, match=r"drive\[1\] = -1"):
        net.run(0.2, drive=[1.0, -1.0, 2.0])
    with pytest.raises(ParameterError, match="record_period"):
        net.run(0.2, record_period=1.5e-4)
    with pytest.raises(ParameterError, match="initial"):
        net.run(0.2, initial=np.full((3, 6), np.nan))


def test_dataset_layout_and_units():
    net = BrainNetwork(small_connectome(), "adaptation-W", coupling=1.0)
    ds = net.run(0.05, drive=4.0)
    assert ds.nu_e.dims == ("time", "region")
    assert list(ds.region.values) == ["A", "B", "C"]
    assert ds.nu_e.attrs["units"] == "Hz" and ds.W.attrs["units"] == "A"
    assert ds.attrs["connectome"] == "three" and ds.attrs["coupling"] == 1.0
    assert ds.time.values[1] == pytest.approx(1e-3)
    assert np.all(ds.vsd.values[0] == 0.0)
    assert np.all(np.isfinite(ds.mu_V.values)) and np.all(ds.nu_i.values > 0)
    assert S_NU_I == 1  # the state layout the initial state relies on
