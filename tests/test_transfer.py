"""Transfer function (SPEC 4.1): published table, exact derivatives, domain, errors."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adexmf import InputRangeError, TransferFunction, load_preset

# SPEC 10: (nu_e, nu_i) -> mu_V (mV), sigma_V (mV), tau_V^N, F_RS, F_FS (Hz)
SPEC10 = [
    (2, 5, -62.2642, 2.0976, 0.62736, 0.038660, 0.042702),
    (5, 5, -50.7692, 2.3387, 0.55769, 6.331918, 27.374119),
    (10, 10, -48.1818, 2.1079, 0.43182, 14.405142, 57.180946),
    (10, 20, -58.1250, 1.8760, 0.37500, 0.479115, 1.409961),
]


@pytest.mark.parametrize("row", SPEC10)
def test_spec10_table(tf_rs, tf_fs, row):
    e, i, mu_V, sigma_V, tau_N, f_rs, f_fs = row
    ev = tf_rs.evaluate(e, i)
    # the table prints rounded values: compare to its last printed digit
    assert ev.stats.mu_V * 1e3 == pytest.approx(mu_V, abs=0.5e-4)
    assert ev.stats.sigma_V * 1e3 == pytest.approx(sigma_V, abs=0.5e-4)
    assert ev.stats.tau_V_N == pytest.approx(tau_N, abs=0.5e-5)
    # rates are printed with 6 decimals: agreement to half the last digit, i.e. better than
    # 1e-6 relative for every rate above 0.5 Hz (the 0.0387 Hz entry has 5 digits only)
    for ours, printed in ((ev.rate, f_rs), (tf_fs(e, i), f_fs)):
        assert abs(ours - printed) <= 0.5e-6 * (1 + 1e-9)
        assert abs(ours - printed) <= 1e-6 * printed or printed < 0.5


# ---------------------------------------------------------------- independent reference
def mp_transfer(tf: TransferFunction, nu_e, nu_i, W=0):
    """SPEC 3.1 and 4.1 written again from the equations, in 40-digit mpmath arithmetic."""
    c, s, n, P = tf.cell, tf.synapses, tf.network, tf.params
    mpf = mp.mpf
    fe, fi = mpf(n.K_e) * nu_e, mpf(n.K_i) * nu_i
    mu_Ge, mu_Gi = mpf(s.Q_e) * mpf(s.tau_e) * fe, mpf(s.Q_i) * mpf(s.tau_i) * fi
    mu_G = mpf(c.g_L) + mu_Ge + mu_Gi
    mu_V = (mu_Ge * mpf(s.E_e) + mu_Gi * mpf(s.E_i) + mpf(c.g_L) * mpf(c.E_L) - W) / mu_G
    tau_m = mpf(c.C_m) / mu_G
    U_e = mpf(s.Q_e) * (mpf(s.E_e) - mu_V) / mu_G
    U_i = mpf(s.Q_i) * (mpf(s.E_i) - mu_V) / mu_G
    A_e = fe * (U_e * mpf(s.tau_e)) ** 2
    A_i = fi * (U_i * (mpf(s.Q_i) if P.inhibitory_term == "slip" else mpf(s.tau_i))) ** 2
    B = A_e / (tau_m + mpf(s.tau_e)) + A_i / (tau_m + mpf(s.tau_i))
    sigma_V = mp.sqrt(B / 2)
    tau_V = (A_e + A_i) / B
    x = (mu_V - mpf(P.mu_V0)) / mpf(P.d_mu_V0)
    y = (sigma_V - mpf(P.sigma_V0)) / mpf(P.d_sigma_V0)
    z = (tau_V * mpf(c.g_L) / mpf(c.C_m) - mpf(P.tau_V0)) / mpf(P.d_tau_V0)
    p = [mpf(v) for v in P.full_coefficients]
    V_thr = (
        p[0] + p[1] * x + p[2] * y + p[3] * z + p[4] * mp.log(mu_G / mpf(c.g_L))
        + p[5] * x**2 + p[6] * y**2 + p[7] * z**2 + p[8] * x * y + p[9] * x * z + p[10] * y * z
    )  # fmt: skip
    return mp.erfc((V_thr - mu_V) / (mp.sqrt(2) * sigma_V)) / (2 * tau_V)


GRID = [0.0, 0.7, 2.0, 5.0, 12.0, 25.0, 50.0]
# Points where a derivative crosses zero have no meaningful relative error: allow an absolute
# slack of 1e-7 times the largest entry of the same derivative over the grid.


def _reference_derivatives(tf, e, i):
    mp.mp.dps = 40
    # one-sided differences at the edge of the domain (rates cannot be negative)
    f = lambda a, b: mp_transfer(tf, a, b)  # noqa: E731
    out = []
    for order in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]:
        if e == 0.0 or i == 0.0:
            # mpmath's multivariate diff has no direction: nest one-sided 1-D derivatives
            g = lambda b, oe=order[0]: mp.diff(lambda a: f(a, b), mp.mpf(e), oe, direction=1)  # noqa: E731
            out.append(mp.diff(g, mp.mpf(i), order[1], direction=1))
        else:
            out.append(mp.diff(f, (mp.mpf(e), mp.mpf(i)), order))
    return np.array([float(v) for v in out])


@pytest.mark.parametrize("preset", ["zerlaut2018", "corrected"])
@pytest.mark.parametrize("cell", ["RS", "FS"])
def test_exact_derivatives_against_high_precision(preset, cell):
    tf = TransferFunction.from_preset(load_preset(preset), cell)
    points = [(e, i) for e in GRID for i in GRID if (e, i) != (0.0, 0.0)]
    ours, ref = [], []
    for e, i in points:
        ev = tf.evaluate(e, i)
        g, h = ev.gradient, ev.hessian
        ours.append([ev.rate, g[0], g[1], h[0, 0], h[0, 1], h[1, 1]])
        ref.append(_reference_derivatives(tf, e, i))
    ours, ref = np.array(ours), np.array(ref)
    scale = np.abs(ref).max(axis=0)
    err = np.abs(ours - ref) / (np.abs(ref) + 1e-7 * scale)
    worst = np.unravel_index(err.argmax(), err.shape)
    assert err.max() < 1e-7, (points[worst[0]], worst[1], ours[worst], ref[worst])


def test_adaptation_derivatives_against_high_precision(tf_rs):
    mp.mp.dps = 40
    e, i, W = 6.0, 8.0, 30e-12
    ev = tf_rs.evaluate(e, i, W)
    d_w = mp.diff(lambda w: mp_transfer(tf_rs, e, i, w), mp.mpf(W))
    d_ww = mp.diff(lambda w: mp_transfer(tf_rs, e, i, w), mp.mpf(W), 2)
    d_ew = mp.diff(lambda a, w: mp_transfer(tf_rs, a, i, w), (mp.mpf(e), mp.mpf(W)), (1, 1))
    d_iw = mp.diff(lambda b, w: mp_transfer(tf_rs, e, b, w), (mp.mpf(i), mp.mpf(W)), (1, 1))
    assert ev.rate == pytest.approx(float(mp_transfer(tf_rs, e, i, W)), rel=1e-12)
    assert ev.gradient[2] == pytest.approx(float(d_w), rel=1e-8)
    assert ev.hessian[2, 2] == pytest.approx(float(d_ww), rel=1e-8)
    assert ev.hessian[0, 2] == pytest.approx(float(d_ew), rel=1e-8)
    assert ev.hessian[1, 2] == pytest.approx(float(d_iw), rel=1e-8)
    assert ev.gradient[2] < 0  # an adaptation current lowers the rate


def test_zero_input_is_silent_and_flat(tf_rs, tf_fs):
    for tf in (tf_rs, tf_fs):
        ev = tf.evaluate(0.0, 0.0)
        assert ev.rate == 0.0
        assert (ev.gradient == 0).all() and (ev.hessian == 0).all()


def test_hessian_is_symmetric(tf_rs):
    ev = tf_rs.evaluate(np.linspace(0, 30, 11), 7.0, 10e-12)
    assert np.array_equal(ev.hessian, np.swapaxes(ev.hessian, 0, 1))


def test_monotone_in_excitation_and_inhibition(tf_rs):
    e = np.linspace(0.5, 30, 60)
    r = tf_rs(e, 5.0)
    assert (np.diff(r) > 0).all()
    assert (
        tf_rs(8.0, np.linspace(0.5, 30, 60))[1:] < tf_rs(8.0, np.linspace(0.5, 30, 60))[:-1]
    ).all()


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.0, 1e4, allow_nan=False),
    st.floats(0.0, 1e4, allow_nan=False),
    st.floats(-1e-8, 1e-8, allow_nan=False),
    st.sampled_from(["RS", "FS"]),
    st.sampled_from(["zerlaut2018", "corrected"]),
)
def test_finite_and_non_negative_over_admissible_domain(nu_e, nu_i, W, cell, preset):
    ev = TransferFunction.from_preset(load_preset(preset), cell).evaluate(nu_e, nu_i, W)
    assert np.isfinite(ev.rate) and ev.rate >= 0.0
    assert np.isfinite(ev.gradient).all() and np.isfinite(ev.hessian).all()
    assert np.isfinite(ev.V_thr)


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(
        st.floats(max_value=-1e-300),
        st.just(float("nan")),
        st.just(float("inf")),
        st.floats(min_value=1.0001e4, allow_infinity=False),
    ),
    st.booleans(),
)
def test_inadmissible_rates_are_clear_errors(tf_rs, bad, on_excitation):
    args = (bad, 1.0) if on_excitation else (1.0, bad)
    name = "nu_e" if on_excitation else "nu_i"
    with pytest.raises(InputRangeError, match=rf"{name} = .* is not admissible; allowed"):
        tf_rs.evaluate(*args)


def test_inadmissible_adaptation_current(tf_rs):
    with pytest.raises(InputRangeError, match="W = "):
        tf_rs.evaluate(1.0, 1.0, np.nan)


def test_compiled_kernel_matches_front_end(tf_rs):
    from adexmf.theory.transfer import transfer_dual

    ev = tf_rs.evaluate(4.0, 6.0, 5e-12)
    r = transfer_dual(tf_rs.packed, 4.0, 6.0, 5e-12)
    assert r[0] == ev.rate and r[1] == ev.gradient[0] and r[5] == ev.hessian[0, 1]
    # negative inputs inside kernels are evaluated at the edge of the domain
    assert transfer_dual(tf_rs.packed, -0.1, 6.0, 0.0)[0] == tf_rs(0.0, 6.0)


@pytest.mark.parametrize("preset", ["zerlaut2018", "corrected", "corrected_w"])
@pytest.mark.parametrize("cell", ["RS", "FS"])
def test_value_path_equals_dual_numbers(preset, cell):
    """The floats-only path of first-order kernels (transfer_value, membrane_moments_value)
    is the dual numbers' value to round-off (1e-12 relative: the same operations, grouped
    differently), including the silent corner, saturation and negative inputs. Rates below
    1e-20 Hz are compared absolutely: deep in erfc's tail (1e-280 Hz) a last-bit change of
    its argument moves the result by ~1e-12 relative times the argument squared."""
    from adexmf.theory.fluctuations import (
        mean_potential_value,
        membrane_moments,
        membrane_moments_value,
    )
    from adexmf.theory.transfer import transfer_dual, transfer_value, transfer_values

    p = TransferFunction.from_preset(load_preset(preset), cell).packed
    rng = np.random.default_rng(11)
    points = [(0.0, 0.0, 0.0), (-0.1, 3.0, 0.0), (60.0, 0.0, 0.0), (1e-30, 1e-30, 0.0)]
    points += [tuple(x) for x in rng.uniform([0, 0, 0], [40, 40, 2e-10], size=(200, 3))]
    for e, i, w in points:
        assert transfer_value(p, e, i, w) == pytest.approx(transfer_dual(p, e, i, w)[0],
                                                           rel=1e-12, abs=1e-20)  # fmt: skip
        ee, ii = max(e, 0.0), max(i, 0.0)
        dual = [m[0] for m in membrane_moments(p, ee, ii, w)]
        assert membrane_moments_value(p, ee, ii, w) == pytest.approx(dual, rel=1e-12, abs=1e-300)
        # the recorded mean potential: the same operations in the same order, bit for bit
        assert mean_potential_value(p, e, i, w) == dual[1]
    # the vectorised path of network kernels: the scalar path bit for bit, silent corner
    # (recomputed on the scalar path), saturation and negative inputs included
    e, i, w = (np.array(c) for c in zip(*points, strict=True))
    rate, mu_V, work = np.empty(e.size), np.empty(e.size), np.empty((2, e.size))
    transfer_values(p, e, i, w, rate, mu_V, work)
    np.testing.assert_array_equal(rate, [transfer_value(p, *x) for x in points])
    want = [membrane_moments_value(p, max(x[0], 0.0), max(x[1], 0.0), x[2])[1] for x in points]
    np.testing.assert_array_equal(mu_V, want)
