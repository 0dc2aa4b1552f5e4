"""Parity of the ``tvb_zerlaut`` preset with The Virtual Brain's ZerlautAdaptationFirstOrder.

TVB (tvb-library 2.10, GPL) is a test-only reference: the always-run check compares adexmf
with a NumPy transcription of TVB's equations written here (in TVB's units: kHz, ms, nS, pF,
mV, pA); the checks against TVB itself run only where tvb-library is importable.

Conventions (docs/tvb-conventions.md): TVB adds a spontaneous 1e-6 kHz (1e-3 Hz) to the
recurrent rates E and I before scaling them by K_e, K_i, and routes its external excitatory
rate fe_ext through K_ext_e = 400 synapses, so

    TVB TF(E, I, fe_ext, W) [kHz] = 1e-3 * adexmf F(nu_e + 1e-3 Hz + fe_ext K_ext_e / K_e,
                                                   nu_i + 1e-3 Hz, W) [Hz]

with nu = 1e3 E (Hz), fe_ext in Hz, W in A (TVB: pA).

Why 1e-9: both sides evaluate the same closed-form float64 expressions, differing only in the
order of operations and the unit scaling (~1e-16 relative each). The erfc amplifies a relative
error delta of its argument x into ~2 x^2 delta of the rate, x <= ~15 at these points, so the
expected discrepancy is <= ~1e-12 (measured: <= 7e-14); 1e-9 leaves a wide margin yet is far
below any modelling difference (dropping the spontaneous term alone changes the rates at these
points by 4e-5 to 3e-2 relative, median 5e-4).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.special import erfc

from adexmf import TransferFunction, load_preset

PRESET = load_preset("tvb_zerlaut")
#: TVB's spontaneous-release rate added to E and I (kHz), and the same in Hz.
SPONTANEOUS_KHZ = 1.0e-6
SPONTANEOUS_HZ = 1.0e-3
#: TVB's number of external excitatory synapses (K_ext_e) and inhibitory ones (K_ext_i).
K_EXT_E, K_EXT_I = 400, 0
#: Relative tolerance of every transfer-function comparison (see the module docstring).
RTOL = 1e-9

# TVB's defaults in TVB's units (SPEC 11): nS, pF, mV, ms; connectivity of the local network.
TVB = dict(g_L=10.0, C_m=200.0, E_L_e=-65.0, E_L_i=-65.0, Q_e=1.5, Q_i=5.0, tau_e=5.0,
           tau_i=5.0, E_e=0.0, E_i=-80.0, N_tot=10000, p_e=0.05, p_i=0.05, g=0.2)  # fmt: skip
P_E = (-0.04983106, 0.005063550882777035, -0.023470121807314552, 0.0022951513725067503,
       -0.0004105302652029825, 0.010547051343547399, -0.03659252821136933,
       0.007437487505797858, 0.001265064721846073, -0.04072161294490446)  # fmt: skip
P_I = (-0.05149122024209484, 0.004003689190271077, -0.008352013668528155,
       0.0002414237992765705, -0.0005070645080016026, 0.0014345394104282397,
       -0.014686689498949967, 0.004502706285435741, 0.0028472190352532454,
       -0.015357804594594548)  # fmt: skip


def _tvb_moments(E, I, fe_ext, W, E_L):
    """mu_V (mV), sigma_V (mV), tau_V (ms) of TVB's model; E, I, fe_ext in kHz, W in pA."""
    t = TVB
    K_e = (1.0 - t["g"]) * t["p_e"] * t["N_tot"]
    K_i = t["g"] * t["p_i"] * t["N_tot"]
    fe = (E + SPONTANEOUS_KHZ) * K_e + fe_ext * K_EXT_E  # kHz
    fi = (I + SPONTANEOUS_KHZ) * K_i + 0.0 * K_EXT_I
    mu_Ge, mu_Gi = t["Q_e"] * t["tau_e"] * fe, t["Q_i"] * t["tau_i"] * fi  # nS
    mu_G = t["g_L"] + mu_Ge + mu_Gi
    tau_m = t["C_m"] / mu_G  # ms
    mu_V = (mu_Ge * t["E_e"] + mu_Gi * t["E_i"] + t["g_L"] * E_L - W) / mu_G  # mV
    U_e = t["Q_e"] / mu_G * (t["E_e"] - mu_V)
    U_i = t["Q_i"] / mu_G * (t["E_i"] - mu_V)
    s_e, s_i = fe * (U_e * t["tau_e"]) ** 2, fi * (U_i * t["tau_i"]) ** 2  # paper formula
    weighted = s_e / (t["tau_e"] + tau_m) + s_i / (t["tau_i"] + tau_m)
    return mu_V, np.sqrt(weighted / 2.0), (s_e + s_i) / weighted


def _tvb_rate(E, I, fe_ext, W, P, E_L):
    """TVB's transfer function (kHz), transcribed from its equations."""
    mu_V, sigma_V, tau_V = _tvb_moments(E, I, fe_ext, W, E_L)
    x = (mu_V - -60.0) / 10.0
    y = (sigma_V - 4.0) / 6.0
    z = (tau_V * TVB["g_L"] / TVB["C_m"] - 0.5) / 1.0
    terms = (1.0, x, y, z, x * x, y * y, z * z, x * y, x * z, y * z)
    V_thr = 1e3 * sum(p * term for p, term in zip(P, terms, strict=True))  # V -> mV
    return erfc((V_thr - mu_V) / (math.sqrt(2.0) * sigma_V)) / (2.0 * tau_V)


def _points(n=50, seed=20240611):
    """Seeded random inputs in the asynchronous range: E, I, fe_ext (Hz) and W (pA)."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 10.0, n), rng.uniform(2.0, 25.0, n), rng.uniform(0.0, 2.0, n),
            rng.uniform(0.0, 100.0, n))  # fmt: skip


def _adexmf_rates(E_Hz, I_Hz, ext_Hz, W_pA):
    """adexmf's F_RS(W) and F_FS(W = 0) (Hz) at TVB's inputs (module docstring)."""
    net = PRESET.network
    nu_e = E_Hz + SPONTANEOUS_HZ + ext_Hz * K_EXT_E / net.K_e
    nu_i = I_Hz + SPONTANEOUS_HZ
    tf_e = TransferFunction.from_preset(PRESET, "RS")
    tf_i = TransferFunction.from_preset(PRESET, "FS")
    return tf_e(nu_e, nu_i, W_pA * 1e-12), tf_i(nu_e, nu_i, 0.0)


def test_transfer_functions_match_a_transcription_of_tvb():
    E, I, ext, W = _points()
    ref_e = 1e3 * _tvb_rate(E * 1e-3, I * 1e-3, ext * 1e-3, W, P_E, TVB["E_L_e"])
    ref_i = 1e3 * _tvb_rate(E * 1e-3, I * 1e-3, ext * 1e-3, 0.0, P_I, TVB["E_L_i"])
    F_e, F_i = _adexmf_rates(E, I, ext, W)
    assert np.all(ref_e > 0) and np.all(ref_i > 0)  # a relative comparison is meaningful
    # relative 1e-9: same float64 formulas, different unit scaling (module docstring)
    np.testing.assert_allclose(F_e, ref_e, rtol=RTOL, atol=0.0)
    np.testing.assert_allclose(F_i, ref_i, rtol=RTOL, atol=0.0)
    # the points span the asynchronous range: outputs from silent-ish to tens of Hz
    assert F_e.min() < 0.1 and F_e.max() > 10.0


def test_the_spontaneous_term_is_what_tells_the_conventions_apart():
    """Without TVB's 1e-3 Hz the rates differ far beyond the tolerance: the comparison above
    really checks the spontaneous term and the K_ext_e routing."""
    E, I, ext, W = _points()
    ref_e = 1e3 * _tvb_rate(E * 1e-3, I * 1e-3, ext * 1e-3, W, P_E, TVB["E_L_e"])
    tf_e = TransferFunction.from_preset(PRESET, "RS")
    without = tf_e(E + ext, I, W * 1e-12)
    # at least one point differs by more than 1e3 times the tolerance
    assert np.max(np.abs(without / ref_e - 1.0)) > 1e3 * RTOL


def test_preset_carries_tvb_defaults():
    """The preset in SI equals TVB's defaults (relative 1e-12: exact up to unit parsing)."""
    rs, fs, syn, net = PRESET.cells["RS"], PRESET.cells["FS"], PRESET.synapses, PRESET.network
    pairs = [(rs.g_L, 10e-9), (rs.C_m, 200e-12), (rs.E_L, -65e-3), (fs.E_L, -65e-3),
             (fs.g_L, 10e-9), (fs.C_m, 200e-12), (syn.Q_e, 1.5e-9), (syn.Q_i, 5e-9),
             (syn.tau_e, 5e-3), (syn.tau_i, 5e-3), (syn.E_i, -80e-3), (rs.a, 4e-9),
             (rs.b, 60e-12), (rs.tau_w, 0.5), (net.K_e, 400.0), (net.K_i, 100.0)]  # fmt: skip
    for got, want in pairs:
        assert got == pytest.approx(want, rel=1e-12)  # unit parsing only
    assert syn.E_e == 0.0 and fs.a == 0.0 and fs.b == 0.0
    assert PRESET.transfer["RS"].coefficients == P_E  # exact: copied digits
    assert PRESET.transfer["FS"].coefficients == P_I
    for cell in ("RS", "FS"):
        t = PRESET.transfer[cell]
        assert (t.layout, t.inhibitory_term) == ("without_log", "paper")
        assert (t.mu_V0, t.d_mu_V0, t.sigma_V0, t.d_sigma_V0, t.tau_V0, t.d_tau_V0) == (
            pytest.approx(-0.060), pytest.approx(0.010), pytest.approx(0.004),
            pytest.approx(0.006), 0.5, 1.0)  # fmt: skip  # default rel 1e-6: unit parsing


def _tvb_model():
    zerlaut = pytest.importorskip("tvb.simulator.models.zerlaut")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return zerlaut.ZerlautAdaptationFirstOrder()


def test_transfer_functions_match_tvb_itself():
    model = _tvb_model()
    E, I, ext, W = _points()
    zero = np.zeros_like(E)
    tvb_e = 1e3 * model.TF_excitatory(E * 1e-3, I * 1e-3, ext * 1e-3, zero, W)
    tvb_i = 1e3 * model.TF_inhibitory(E * 1e-3, I * 1e-3, ext * 1e-3, zero, zero)
    F_e, F_i = _adexmf_rates(E, I, ext, W)
    # relative 1e-9: same float64 formulas, different unit scaling (module docstring)
    np.testing.assert_allclose(F_e, tvb_e, rtol=RTOL, atol=0.0)
    np.testing.assert_allclose(F_i, tvb_i, rtol=RTOL, atol=0.0)


def test_tvb_defaults_are_those_the_preset_and_transcription_assume():
    model = _tvb_model()
    for name, value in TVB.items():
        attr = {"p_e": "p_connect_e", "p_i": "p_connect_i"}.get(name, name)
        assert float(getattr(model, attr)[0]) == value  # exact: the same decimal literals
    assert tuple(model.P_e) == P_E and tuple(model.P_i) == P_I  # exact
    assert (int(model.K_ext_e[0]), int(model.K_ext_i[0])) == (K_EXT_E, K_EXT_I)
    assert (float(model.a_e[0]), float(model.b_e[0]), float(model.tau_w_e[0])) == (4, 60, 500)
    assert float(model.T[0]) == 20.0  # ms: MeanFieldModel(..., T=0.02)


def test_adaptation_equation_matches_tvb_dfun():
    """TVB's dW_e/dt (pA/ms) = -W_e/tau_w_e + b_e E + a_e (mu_V - E_L_e)/tau_w_e, mu_V at the
    excitatory population's inputs (spontaneous term and fe_ext included): rebuilt from
    adexmf's membrane statistics, relative 1e-9 (same formulas, unit scaling only)."""
    model = _tvb_model()
    model.weight_noise = np.array([0.0])
    E, I, ext, W = _points(n=20, seed=7)
    state = np.zeros((5, E.size, 1))
    state[0, :, 0], state[1, :, 0], state[2, :, 0] = E * 1e-3, I * 1e-3, W
    coupling = (ext * 1e-3).reshape(1, -1, 1)  # Linear coupling output = Fe_ext (kHz)
    dW_tvb = model.dfun(state, coupling)[2, :, 0] * 1e-9  # pA/ms -> A/s
    tf_e = TransferFunction.from_preset(PRESET, "RS")
    mu_V = tf_e.evaluate(E + SPONTANEOUS_HZ + ext, I + SPONTANEOUS_HZ, W * 1e-12).stats.mu_V
    rs = PRESET.cells["RS"]
    dW = -W * 1e-12 / rs.tau_w + rs.b * E + rs.a * (mu_V - rs.E_L) / rs.tau_w
    np.testing.assert_allclose(dW, dW_tvb, rtol=RTOL, atol=0.0)  # unit scaling only


def _heun_transcription(weights, idelays, a, drive_kHz, b_e, n_steps, dt, start, T=20.0):
    """TVB's simulator conventions in NumPy (docs/tvb-conventions.md): Linear coupling of E
    read at step n - 1 - idelay, frozen over the Heun step; E, I >= 0 after the predictor and
    after the step; constant initial history. Returns E, I (kHz), W_e (pA) after each step."""
    n = weights.shape[0]
    tau_w, a_e, E_L = 500.0, 4.0, TVB["E_L_e"]
    E_hist = [np.full(n, start[0])]  # E at steps 0, 1, ...; before 0: the initial value

    def dfun(E, I, W, c):
        fe_ext = np.maximum(c, 0.0) + drive_kHz
        F_e = _tvb_rate(E, I, fe_ext, W, P_E, E_L)
        F_i = _tvb_rate(E, I, fe_ext, 0.0, P_I, TVB["E_L_i"])
        mu_V = _tvb_moments(E, I, fe_ext, W, E_L)[0]
        dW = -W / tau_w + b_e * E + a_e * (mu_V - E_L) / tau_w
        return (F_e - E) / T, (F_i - I) / T, dW

    E, I, W = (np.full(n, v, dtype=float) for v in start)
    out = []
    cols = np.broadcast_to(np.arange(n), (n, n))  # cols[k, j] = j, the source region
    w32 = weights.astype(np.float32)
    for step in range(1, n_steps + 1):
        idx = np.maximum(step - 1 - idelays, 0)
        past = np.array(E_hist, dtype=np.float32)[idx, cols]  # E_j at step n - 1 - idelay
        # TVB keeps the history and the weights in float32 and sums their products in float32,
        # source by source; only the product with a is in float64
        products = w32 * past
        total = np.zeros(n, dtype=np.float32)
        for j in range(n):
            total += products[:, j]
        c = np.float64(a) * total.astype(np.float64)
        k1 = dfun(E, I, W, c)
        Ep, Ip, Wp = E + dt * k1[0], I + dt * k1[1], W + dt * k1[2]
        Ep, Ip = np.maximum(Ep, 0.0), np.maximum(Ip, 0.0)
        k2 = dfun(Ep, Ip, Wp, c)
        E = np.maximum(E + dt / 2 * (k1[0] + k2[0]), 0.0)
        I = np.maximum(I + dt / 2 * (k1[1] + k2[1]), 0.0)
        W = W + dt / 2 * (k1[2] + k2[2])
        E_hist.append(E)
        out.append((E, I, W))
    return [np.array(v) for v in zip(*out, strict=True)]


def test_tvb_simulator_conventions_on_a_small_connectome():
    """A 4-region run of TVB (through tests/tvb_reference.py) equals the NumPy transcription
    of its conventions: delays rint(L / v / dt), rounding half to even, zero-delay
    self-connections read one step back, coupling frozen over the Heun step, E, I >= 0.

    Tolerance relative 1e-7: TVB stores the history and the weights in float32 and sums the
    coupling in float32 in NumPy's order; the transcription does the same sum but not always
    in the same order, so c can differ by a float32 rounding (~6e-8), which moves the rates
    by <= ~3e-9 over this run. Rounding one delay the other way (half up) already moves them
    by ~6e-5, flooring all of them by ~8e-4: both are checked to fail the tolerance."""
    pytest.importorskip("tvb.simulator")
    from tvb_reference import run_tvb_zerlaut

    rng = np.random.default_rng(3)
    weights = rng.uniform(0.0, 2.0, (4, 4))
    weights[0, 2] = 0.0
    tract = rng.uniform(1.0, 12.0, (4, 4))
    np.fill_diagonal(tract, 0.0)
    tract[1, 0] = 1.0  # 2.5 steps at 4 mm/ms, dt = 0.1 ms: rint -> 2 (half to even)
    dt, n_steps, speed, a, b_e = 0.1, 300, 4.0, 0.02, 20.0
    out = run_tvb_zerlaut({"weights": weights, "tract_lengths": tract}, coupling_a=a,
                          speed_m_s=speed, b_e_pA=b_e, external_input_Hz=2.0,
                          duration_s=n_steps * dt * 1e-3, dt_ms=dt, initial_rates_Hz=(3.0, 9.0),
                          initial_W_pA=40.0, monitor_period_ms=None)  # fmt: skip
    steps = tract / speed / dt
    assert np.rint(steps[1, 0]) == 2

    def transcription(idelays):
        return _heun_transcription(weights, idelays.astype(int), a, 2.0e-3, b_e, n_steps, dt,
                                   (3.0e-3, 9.0e-3, 40.0))  # fmt: skip

    E, I, W = transcription(np.rint(steps))
    np.testing.assert_allclose(out["time"], dt * 1e-3 * np.arange(1, n_steps + 1), rtol=1e-12)
    # relative 1e-7: float32 coupling summed in another order (docstring)
    np.testing.assert_allclose(out["E"], E * 1e3, rtol=1e-7)
    np.testing.assert_allclose(out["I"], I * 1e3, rtol=1e-7)
    np.testing.assert_allclose(out["W_e"], W * 1e-12, rtol=1e-7)
    assert np.ptp(out["E"], axis=0).min() > 1.0  # Hz: the rates moved, not a fixed point
    for other in (np.floor(steps + 0.5), np.floor(steps)):  # other delay conventions fail
        E_other = transcription(other)[0]
        assert np.max(np.abs(out["E"] / (E_other * 1e3) - 1.0)) > 100 * 1e-7
