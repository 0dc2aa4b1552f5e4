"""Shot-noise statistics of V (SPEC 3): analytic limits and the published 4 Hz numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adexmf import DEFAULT_NETWORK, DEFAULT_SYNAPSES, InputRangeError, shot_noise_statistics
from adexmf.params import cell_preset

RS = cell_preset("RS")


def stats(nu_e, nu_i, W=0.0, term="paper", cell=RS):
    return shot_noise_statistics(
        nu_e, nu_i, cell, DEFAULT_SYNAPSES, DEFAULT_NETWORK, W=W, inhibitory_term=term
    )


def test_no_input_rests_at_leak_reversal():
    s = stats(0.0, 0.0)
    assert s.mu_V == pytest.approx(RS.E_L, abs=1e-15)
    assert s.sigma_V == 0.0
    assert s.mu_G == pytest.approx(RS.g_L)
    # tau_V: limit along nu_e = nu_i with tau_e = tau_i is tau_m + tau_e
    assert s.tau_V == pytest.approx(RS.tau_m + DEFAULT_SYNAPSES.tau_e, rel=1e-12)
    assert np.isfinite(s.tau_V_N)


def test_strong_excitation_drives_mu_V_to_E_e():
    s = stats(np.array([10.0, 100.0, 1000.0, 10000.0]), 0.0)
    gap = DEFAULT_SYNAPSES.E_e - s.mu_V
    assert (np.diff(gap) < 0).all() and gap[-1] < 1e-3
    # tau_V -> tau_e as the membrane becomes infinitely fast (tau_m -> 0)
    assert s.tau_V[-1] == pytest.approx(DEFAULT_SYNAPSES.tau_e, rel=0.01)


def test_strong_inhibition_drives_mu_V_to_E_i():
    s = stats(0.0, 10000.0)
    assert s.mu_V == pytest.approx(DEFAULT_SYNAPSES.E_i, abs=1e-4)


def test_adaptation_current_hyperpolarises_by_W_over_mu_G():
    s0, s1 = stats(5.0, 5.0), stats(5.0, 5.0, W=50e-12)
    assert s1.mu_V == pytest.approx(s0.mu_V - 50e-12 / s0.mu_G, rel=1e-12)


def test_conductance_moments_campbell():
    # Campbell's theorem for exponential shot noise: mean Q tau f, variance Q^2 tau f / 2
    s = stats(6.395209, 9.569056)
    assert s.mu_Ge == pytest.approx(12.79e-9, rel=1e-3)
    assert s.mu_Gi == pytest.approx(23.92e-9, rel=1e-3)
    assert s.sigma_Ge == pytest.approx(2.53e-9, rel=2e-3)
    assert s.sigma_Gi == pytest.approx(7.73e-9, rel=2e-3)


def test_spec10_fixed_point_statistics():
    """SPEC 10: at the 4 Hz fixed point (nu_e + drive, nu_i)."""
    e, i = 2.395209 + 4.0, 9.569056
    slip, paper = stats(e, i, term="slip"), stats(e, i, term="paper")
    assert slip.mu_V == pytest.approx(-54.88e-3, abs=0.006e-3)
    assert slip.tau_V == pytest.approx(9.28e-3, abs=0.006e-3)
    assert slip.sigma_V == pytest.approx(2.18e-3, abs=0.006e-3)
    assert paper.sigma_V == pytest.approx(3.75e-3, abs=0.006e-3)
    assert paper.mu_V == slip.mu_V  # the slip only touches the fluctuations


def test_single_input_type_closed_form():
    """Only excitation: sigma_V^2 = f (U tau)^2 / (2 (tau_m + tau)), tau_V = tau_m + tau_e."""
    syn, nu = DEFAULT_SYNAPSES, 3.0
    f = DEFAULT_NETWORK.K_e * nu
    mu_G = RS.g_L + syn.Q_e * syn.tau_e * f
    mu_V = (RS.g_L * RS.E_L + syn.Q_e * syn.tau_e * f * syn.E_e) / mu_G
    U = syn.Q_e * (syn.E_e - mu_V) / mu_G
    tau_m = RS.C_m / mu_G
    s = stats(nu, 0.0)
    assert s.sigma_V == pytest.approx(np.sqrt(f * (U * syn.tau_e) ** 2 / (2 * (tau_m + syn.tau_e))))
    assert s.tau_V == pytest.approx(tau_m + syn.tau_e)


def test_vectorised_and_broadcast():
    e = np.linspace(0, 20, 7)[:, None]
    i = np.linspace(0, 20, 5)[None, :]
    s = stats(e, i)
    assert s.mu_V.shape == (7, 5)
    assert s.sigma_V[3, 2] == stats(e[3, 0], i[0, 2]).sigma_V


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1.0, 0.0), "nu_e = -1 Hz is not admissible"),
        ((0.0, np.nan), "nu_i = nan"),
        ((np.inf, 0.0), "nu_e = inf"),
    ],
)
def test_inadmissible_inputs(args, match):
    with pytest.raises(InputRangeError, match=match):
        stats(*args)
    with pytest.raises(InputRangeError, match="inhibitory_term"):
        stats(1.0, 1.0, term="wrong")


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.0, 1e4, allow_nan=False),
    st.floats(0.0, 1e4, allow_nan=False),
    st.floats(-1e-8, 1e-8, allow_nan=False),
    st.sampled_from(["paper", "slip"]),
)
def test_finite_everywhere_admissible(nu_e, nu_i, W, term):
    s = stats(nu_e, nu_i, W=W, term=term)
    for v in (s.mu_V, s.sigma_V, s.tau_V, s.mu_G, s.sigma_Ge, s.sigma_Gi):
        assert np.isfinite(v)
    assert s.sigma_V >= 0 and s.tau_V > 0
    if W == 0.0:  # mu_V is a convex combination of the reversal potentials
        assert DEFAULT_SYNAPSES.E_i - 1e-12 <= s.mu_V <= DEFAULT_SYNAPSES.E_e + 1e-12
