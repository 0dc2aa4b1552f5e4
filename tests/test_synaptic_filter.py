"""The first-order linear response with the synaptic filter of issue 26, item 3
(adexmf.meanfield.response.linear_response(..., synaptic_filter=tau_s)).

Cross-check: the filtered gain equals that of an explicitly augmented real linear system
(filtered copies of nu_e, nu_i and of the afferent input as extra states), built here from
the Jacobian independently of the library's rewrite of the rate block; to 1e-10 relative
(two dense solves of a 6x6 system)."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.errors import ParameterError
from adexmf.layouts import S_NU_E, S_NU_I
from adexmf.meanfield.fixedpoints import fixed_point
from adexmf.meanfield.node import active_indices
from adexmf.meanfield.response import afferent_sensitivity, linear_response
from adexmf.meanfield.variants import get_variant

DRIVE, AFFERENT, TAU_S = 4.0, 2.25, 2e-3


def _augmented_gain(model, f: float) -> np.ndarray:
    fp = fixed_point(model, DRIVE, AFFERENT)
    J = model.jacobian(fp.vector, DRIVE, AFFERENT)
    b = afferent_sensitivity(model, fp.vector, DRIVE, AFFERENT)
    idx = list(active_indices(*model.flags))
    r = [idx.index(S_NU_E), idx.index(S_NU_I)]
    n, T = J.shape[0], model.T
    A = np.zeros((n + 3, n + 3))
    A[:n, :n] = J
    dF = T * J[np.ix_(r, r)] + np.eye(2)  # dF/dnu on the rate rows
    A[np.ix_(r, r)] = -np.eye(2) / T  # T dnu/dt = F(nu~, u~) - nu
    A[np.ix_(r, [n, n + 1])] = dF / T
    A[r, n + 2] = b[r]  # dF/du / T, acting through u~
    for k, c in enumerate(r):  # tau_s dnu~/dt = nu - nu~
        A[n + k, c], A[n + k, n + k] = 1.0 / TAU_S, -1.0 / TAU_S
    A[n + 2, n + 2] = -1.0 / TAU_S  # tau_s du~/dt = u - u~
    bb = np.zeros(n + 3, dtype=complex)
    bb[:n] = b
    bb[r] = 0.0
    bb[n + 2] = 1.0 / TAU_S
    x = np.linalg.solve(2j * np.pi * f * np.eye(n + 3) - A, bb)
    return x[r]


@pytest.mark.parametrize("variant", ["reference", "adaptation-W"])
def test_filtered_gain_equals_the_augmented_system(variant):
    model = get_variant(variant).model(order=1)
    freqs = np.array([3.0, 20.0, 42.0, 150.0])
    got = linear_response(model, freqs, DRIVE, AFFERENT, synaptic_filter=TAU_S)
    want = np.array([_augmented_gain(model, f) for f in freqs])
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_zero_filter_is_the_model_and_the_filter_adds_a_pole():
    model = get_variant("adaptation-W").model(order=1)
    f = np.array([1e3, 2e3])
    plain = linear_response(model, f, DRIVE, AFFERENT)
    np.testing.assert_allclose(linear_response(model, f, DRIVE, AFFERENT, 0.0), plain)
    filtered = linear_response(model, f, DRIVE, AFFERENT, synaptic_filter=TAU_S)
    # Far above 1/(2 pi T) and 1/(2 pi tau_s): |H| falls as f^-1 without, f^-2 with.
    slope = np.log(np.abs(plain[1, 0]) / np.abs(plain[0, 0])) / np.log(2.0)
    slope_f = np.log(np.abs(filtered[1, 0]) / np.abs(filtered[0, 0])) / np.log(2.0)
    assert slope == pytest.approx(-1.0, abs=0.05)
    assert slope_f == pytest.approx(-2.0, abs=0.1)


def test_filter_is_refused_on_second_order_and_negative():
    with pytest.raises(ParameterError, match="first-order"):
        linear_response(get_variant("reference").model(order=2), [10.0], DRIVE, AFFERENT, 1e-3)
    with pytest.raises(ParameterError, match="synaptic_filter"):
        linear_response(get_variant("reference").model(order=1), [10.0], DRIVE, AFFERENT, -1e-3)


def test_time_domain_filter_matches_its_linear_response():
    """A weak sinusoid (0.05 Hz at 20 Hz) through the time-domain filtered model
    (adexmf.meanfield.synaptic_filter) has the phase and gain of the frequency-domain
    linear response: to 0.02 rad and 1 % (nonlinearity O(A) ~ 1 %, Euler steps O(dt/T))."""
    from adexmf.compare.frequency import T0, run_duration, signals, sinusoid_input
    from adexmf.compare.metrics import fit_sinusoid_response
    from adexmf.meanfield.synaptic_filter import integrate_filtered

    model = get_variant("adaptation-W").model(order=1).replace(T=8e-3)
    f, amp = 20.0, 0.05
    ds = integrate_filtered(model, run_duration(f), fixed_point(model, DRIVE), tau_s=1e-3,
                            drive=DRIVE, afferent=sinusoid_input(amp, f))  # fmt: skip
    fit = fit_sinusoid_response(ds.time.values, signals(ds.rate.values, 0.2)[:, 0], f, T0,
                                t_start=T0 + 0.5)  # fmt: skip
    h = signals(linear_response(model, [f], DRIVE, amp / 2, synaptic_filter=1e-3), 0.2)[0, 0]
    assert fit.phase == pytest.approx(np.angle(h), abs=0.02)
    assert fit.amplitude / amp == pytest.approx(abs(h), rel=0.01)


def test_time_domain_without_filter_is_the_euler_run():
    from adexmf.meanfield.integrate import integrate
    from adexmf.meanfield.synaptic_filter import integrate_filtered
    from adexmf.stimuli import Stimulus

    stim = Stimulus("sinusoid", {"amplitude": 4.5, "frequency": 20.0, "t0": 0.1})
    for order in (1, 2):  # the second order's covariances follow the same Euler steps
        model = get_variant("adaptation-W").model(order=order)
        fp = fixed_point(model, DRIVE)
        a = integrate_filtered(model, 0.3, fp, tau_s=0.0, drive=DRIVE, afferent=stim)
        b = integrate(model, 0.3, fp, dt=5e-5, method="euler", drive=DRIVE, afferent=stim,
                      observables=False)  # fmt: skip
        np.testing.assert_allclose(a.rate.values, b.rate.values, rtol=1e-12)
        if order == 2:
            np.testing.assert_allclose(a.c_ee.values, b.c_ee.values, rtol=1e-12)
    with pytest.raises(ParameterError, match="tau_s"):
        integrate_filtered(model, 0.3, fp, tau_s=1e-4)  # coarser than tau_s / 5


def test_the_filter_keeps_the_fixed_point_at_both_orders():
    # Constant inputs from the fixed point: the filtered rates equal the rates there, so
    # nothing moves (to the Newton solve's 1e-9 relative residual).
    from adexmf.meanfield.synaptic_filter import integrate_filtered

    for order in (1, 2):
        model = get_variant("adaptation-W").model(order=order)
        fp = fixed_point(model, DRIVE)
        ds = integrate_filtered(model, 0.2, fp, tau_s=TAU_S, drive=DRIVE)
        rate = ds.rate.sel(population="exc").values
        np.testing.assert_allclose(rate, fp.state["nu_e"], rtol=1e-7)


def test_shipped_variant_runs_its_filter_everywhere():
    """adaptation-WS: its run is the filtered integration, its default linear response the
    filtered one; the kernels without the filter refuse it instead of dropping it."""
    from adexmf.compare.frequency import sinusoid_input
    from adexmf.meanfield.integrate import integrate
    from adexmf.meanfield.synaptic_filter import FilteredMeanFieldModel, integrate_filtered

    v = get_variant("adaptation-WS")
    model = v.model(order=1)
    assert isinstance(model, FilteredMeanFieldModel) and model.synaptic_filter == 1e-3
    assert model.replace(b=10e-12).synaptic_filter == 1e-3
    stim = sinusoid_input(4.5, 40.0)
    ran = model.run(0.2, drive=DRIVE, afferent=stim)
    ref = integrate_filtered(model, 0.2, fixed_point(model, DRIVE), tau_s=1e-3, drive=DRIVE,
                             afferent=stim)  # fmt: skip
    np.testing.assert_allclose(ran.rate.values, ref.rate.values, rtol=1e-12)
    np.testing.assert_allclose(linear_response(model, [40.0], DRIVE, AFFERENT),
                               linear_response(model, [40.0], DRIVE, AFFERENT, 1e-3))
    with pytest.raises(ParameterError, match="synaptic_filter"):
        integrate(model, 0.1, fixed_point(model, DRIVE), drive=DRIVE)
    with pytest.raises(ParameterError, match="method"):
        model.run(0.1, drive=DRIVE, method="heun")
    from adexmf.brain.columns import brain_column

    with pytest.raises(ParameterError, match="synaptic filter"):
        brain_column("adaptation-WS")
