"""The Balloon-Windkessel BOLD model (SPEC 11): rest, steady states, the linearised response,
the haemodynamic delay, and refusals of bad inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import signal

from adexmf.brain.bold import (
    BalloonParams,
    bold_from_states,
    bold_signal,
    downsample,
    integrate_balloon,
    neural_input,
)
from adexmf.errors import ParameterError, ValidityWarning

DT = 0.01  # s: the RK4 step itself (MAX_STEP), no sub-steps


def linearised(p: BalloonParams) -> signal.StateSpace:
    """The balloon linearised at rest, x = (s, f - 1, v - 1, q - 1), output BOLD.

    d(f E(f)/rho)/df at f = 1 is 1 + (1 - rho) ln(1 - rho) / rho; v^(1/alpha) q / v is
    1 + (1/alpha - 1)(v - 1) + (q - 1) to first order; BOLD is
    V0 ((k2 - k3)(v - 1) - (k1 + k2)(q - 1)).
    """
    g1 = 1.0 + (1.0 - p.rho) * np.log(1.0 - p.rho) / p.rho
    a = np.array([
        [-p.kappa, -p.gamma, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0 / p.tau, -1.0 / (p.alpha * p.tau), 0.0],
        [0.0, g1 / p.tau, -(1.0 / p.alpha - 1.0) / p.tau, -1.0 / p.tau],
    ])  # fmt: skip
    c = p.V0 * np.array([[0.0, 0.0, p.k2 - p.k3, -(p.k1 + p.k2)]])
    return signal.StateSpace(a, [[1.0], [0.0], [0.0], [0.0]], c, [[0.0]])


def test_rest_is_an_exact_fixed_point():
    st = integrate_balloon(np.zeros((500, 3)), DT)
    assert np.all(st.s == 0.0)
    for x in (st.f, st.v, st.q):
        assert np.all(x == 1.0)  # exactly: E(f)/E(1) is 1 at f = 1 by construction
    assert np.all(bold_signal(np.zeros((500, 3)), DT) == 0.0)
    assert np.all(bold_signal(np.zeros(10), 2.0, "stephan2007") == 0.0)  # sub-stepped too


@pytest.mark.parametrize("name", ["friston2003", "stephan2007"])
def test_constant_input_reaches_the_analytic_steady_state(name):
    p = BalloonParams.named(name)
    z0 = np.array([0.05, 0.2, -0.1, 1.0])
    st = integrate_balloon(np.tile(z0, (12_001, 1)), DT, p)  # 120 s
    # Steady state: ds = 0 -> f = 1 + z0/gamma; dv = 0 -> v = f^alpha; dq = 0 ->
    # f E(f)/rho = f q / v -> q = v E(f) / rho.
    f = 1.0 + z0 / p.gamma
    v = f**p.alpha
    q = v * (1.0 - (1.0 - p.rho) ** (1.0 / f)) / p.rho
    bold = p.V0 * (p.k1 * (1.0 - q) + p.k2 * (1.0 - q / v) + p.k3 * (1.0 - v))
    # Tolerance: the slowest mode decays as exp(-kappa t / 2) = exp(-39) ~ 1e-17 after 120 s;
    # RK4's fixed point is the ODE's, so only round-off (~1e-14) is left.
    tol = 1e-12
    assert np.all(np.abs(st.s[-1]) < tol)
    np.testing.assert_allclose(st.f[-1], f, rtol=0, atol=tol)
    np.testing.assert_allclose(st.v[-1], v, rtol=0, atol=tol)
    np.testing.assert_allclose(st.q[-1], q, rtol=0, atol=tol)
    np.testing.assert_allclose(bold_from_states(st.v[-1], st.q[-1], p), bold, rtol=0, atol=tol)


def test_inflow_follows_the_damped_oscillator_exactly():
    """s and f obey f'' + kappa f' + gamma (f - 1) = z, linear for any amplitude: the
    response to a pulse of height 2 over [0, 1 s) is the difference of two step responses."""
    p = BalloonParams()
    t = np.arange(3001) * DT
    z = np.where(t < 1.0, 2.0, 0.0)
    f = integrate_balloon(z, DT, p).f
    w = np.sqrt(p.gamma - p.kappa**2 / 4.0)

    def step(tt):
        tt = np.maximum(tt, 0.0)
        decay = np.exp(-p.kappa * tt / 2.0)
        return (1.0 - decay * (np.cos(w * tt) + p.kappa / (2.0 * w) * np.sin(w * tt))) / p.gamma

    exact = 2.0 * (step(t) - step(t - 1.0))
    # Tolerance: RK4's global error ~ h^4 (1e-8) times the response (~2); the input switches
    # on a step boundary, so no order is lost.
    np.testing.assert_allclose(f - 1.0, exact, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", ["friston2003", "stephan2007"])
def test_small_input_bold_matches_the_linearised_system(name):
    """Independent method: the exact zero-order-hold discretisation of the 4x4 linearised
    system (scipy.signal.lsim, matrix exponential)."""
    p = BalloonParams.named(name)
    t = np.arange(3001) * DT
    errors = []
    for eps in (1e-3, 5e-4):
        z = np.where(t < 0.5, eps, 0.0)
        _, linear, _ = signal.lsim(linearised(p), z, t, interp=False)
        errors.append(np.abs(bold_signal(z, DT, p) - linear).max() / np.abs(linear).max())
    # Nonlinear terms are O(eps^2), i.e. a relative error O(eps) (0.2 eps measured):
    # below 1 eps, and halving eps halves it (to 2 %: the eps^3 terms and the RK4 error,
    # ~1e-8 relative, are far smaller).
    assert errors[0] < 1e-3
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.02)


def test_peak_of_the_impulse_response():
    """The BOLD response to a brief neural impulse (one 10 ms sample) peaks ~3.1 s after it
    with the Friston 2003 coefficients of SPEC 11, at the peak of the linearised kernel.
    NOTE: this is earlier than the canonical 4-6 s of measured haemodynamic responses
    (Glover 1999, NeuroImage 9:416; SPM's canonical HRF peaks at 5 s): the coefficients,
    not the integration, set it (the linearised kernel, computed independently, agrees)."""
    p = BalloonParams()
    t = np.arange(3001) * DT
    z = np.zeros_like(t)
    z[0] = 1e-3 / DT
    peak = t[np.argmax(bold_signal(z, DT, p))]
    _, kernel, _ = signal.lsim(linearised(p), z, t, interp=False)
    assert abs(peak - t[np.argmax(kernel)]) <= DT  # one sample: the grid's resolution
    assert 2.8 < peak < 3.4


def test_stephan2007_coefficients():
    p = BalloonParams.stephan2007()
    # k1 = 4.3 nu0 E0 TE, k2 = eps r0 E0 TE, k3 = 1 - eps (Stephan et al. 2007)
    assert p.k1 == pytest.approx(4.3 * 40.3 * 0.4 * 0.04)
    assert p.k2 == pytest.approx(1.43 * 25.0 * 0.4 * 0.04)
    assert p.k3 == pytest.approx(-0.43)
    assert p.rho == 0.4 and p.kappa == 0.65
    assert BalloonParams.named("friston2003") == BalloonParams()


def test_neural_input_is_the_scaled_relative_change():
    rates = np.array([[1.0, 10.0], [3.0, 10.0], [2.0, 10.0]])
    z = neural_input(rates, scale=0.5)
    np.testing.assert_allclose(z, [[-0.25, 0.0], [0.25, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(neural_input(rates, baseline=[1.0, 5.0], scale=1.0)[:, 1], 1.0)


def test_strongly_negative_input_is_guarded_and_warned():
    z = np.full(2000, -3.0)  # steady f would be 1 - 3/0.41 < 0
    with pytest.warns(ValidityWarning, match="inflow"):
        st = integrate_balloon(z, DT)
    assert st.guarded and np.all(np.isfinite(st.q)) and np.all(st.v > 0.0)


def test_downsample():
    x = np.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(downsample(x, 0.5, 1.0), x[::2])
    np.testing.assert_allclose(downsample(x, 0.5, 1.5, method="mean"), [[2.0, 3.0], [8.0, 9.0]])
    with pytest.raises(ParameterError, match="new_dt"):
        downsample(x, 0.5, 1.2)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: bold_signal([[0.0, np.nan]], DT), "z"),
        (lambda: bold_signal(np.zeros((3, 2, 2)), DT), "z"),
        (lambda: bold_signal(np.zeros((0, 2)), DT), "z"),
        (lambda: bold_signal(5.0, DT), "z"),
        (lambda: bold_signal(np.zeros(5), 0.0), "dt"),
        (lambda: bold_signal(np.zeros(5), -1.0), "dt"),
        (lambda: bold_signal(np.zeros(5), DT, "nobody2099"), "name"),
        (lambda: neural_input([[1.0, np.inf]]), "nu_e"),
        (lambda: neural_input([[0.0, 1.0]]), "nu_e"),
        (lambda: neural_input([[1.0, 1.0]], baseline=[1.0, 0.0]), "baseline"),
        (lambda: neural_input([[1.0, 1.0]], baseline=[1.0, 2.0, 3.0]), "baseline"),
        (lambda: neural_input([[1.0, 1.0]], scale=0.0), "scale"),
        (lambda: BalloonParams(alpha=1.5), "alpha"),
        (lambda: BalloonParams(tau=0.0), "tau"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=name):
            call()
