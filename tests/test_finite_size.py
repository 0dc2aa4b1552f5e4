"""Finite-size noise of the first-order mean field (adexmf.meanfield.finite_size).

Checks: (1) with N -> infinity the run is the deterministic Euler integration of
adexmf.meanfield.integrate (same steps; to 1e-9 relative); (2) around a stable fixed point the
rates' stationary covariance is the Lyapunov solution of the linearised system
J S + S J^T + B B^T = 0 with B = diag(sqrt(A / T)) on the rates, an independent
analytic result, and the second-order model's own stationary covariances c_ee, c_ii (its
moment equations with the same source A = F (1/T - F) / N, SPEC 5.2). Tolerance 10 % on the
variances: 40 s of a process whose correlation time is ~10 ms gives ~4,000 independent
samples (~2 % standard error), plus the O(dt / T) = 2 % bias of Euler-Maruyama steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import solve_continuous_lyapunov

from adexmf.errors import ParameterError
from adexmf.layouts import S_NU_E, S_NU_I
from adexmf.meanfield.finite_size import integrate_finite_size
from adexmf.meanfield.fixedpoints import fixed_point
from adexmf.meanfield.integrate import integrate
from adexmf.meanfield.node import active_indices
from adexmf.meanfield.variants import get_variant


def test_infinite_population_is_the_deterministic_euler_run():
    model = get_variant("adaptation-W").model(order=1)
    start = fixed_point(model, 2.0)

    def drive(t):
        return 2.0 + 2.0 * np.minimum(t / 0.2, 1.0)

    noisy = integrate_finite_size(model, 0.5, start, sizes=(1e30, 1e30), seed=3, drive=drive)
    plain = integrate(model, 0.5, start, method="euler", drive=drive, observables=False)
    np.testing.assert_allclose(noisy.rate.values, plain.rate.values, rtol=1e-9)
    np.testing.assert_allclose(noisy.W.values, plain.W.values, rtol=1e-9)


def test_stationary_covariance_is_the_lyapunov_solution():
    model = get_variant("reference").model(order=1)
    sizes = (80_000, 20_000)  # small fluctuations: the linearisation holds
    fp = fixed_point(model, 4.0)
    ds = integrate_finite_size(model, 40.0, fp, sizes=sizes, seed=11, drive=4.0, record_every=10)
    rates = ds.rate.sel(time=slice(0.5, None)).values
    J = model.jacobian(fp.vector, 4.0)
    idx = list(active_indices(*model.flags))
    r = [idx.index(S_NU_E), idx.index(S_NU_I)]
    F = np.array([fp.state["nu_e"], fp.state["nu_i"]])
    A = F * (1.0 / model.T - F) / np.array(sizes)
    B = np.zeros_like(J)
    B[r, r] = np.sqrt(A / model.T)
    S = solve_continuous_lyapunov(J, -B @ B.T)[np.ix_(r, r)]
    variance = rates.var(axis=0)
    np.testing.assert_allclose(variance, np.diag(S), rtol=0.10)
    np.testing.assert_allclose(rates.mean(axis=0), F, rtol=0.01)
    # The second order of the same network size follows these moments deterministically.
    second = get_variant("reference").model(order=2, n_total=sum(sizes)).fixed_point(4.0)
    np.testing.assert_allclose(variance, [second.state["c_ee"], second.state["c_ii"]],
                               rtol=0.10)  # fmt: skip


def test_seeded_and_checked():
    model = get_variant("reference").model(order=1)
    fp = fixed_point(model, 4.0)
    a, b, c = (integrate_finite_size(model, 0.05, fp, sizes=(800, 200), seed=s, drive=4.0)
               for s in (1, 1, 2))  # fmt: skip
    np.testing.assert_array_equal(a.rate.values, b.rate.values)
    assert not np.allclose(a.rate.values, c.rate.values)
    with pytest.raises(ParameterError, match="order"):
        integrate_finite_size(get_variant("reference").model(order=2), 0.05, fp,
                              sizes=(800, 200), seed=1)  # fmt: skip
    with pytest.raises(ParameterError, match="sizes"):
        integrate_finite_size(model, 0.05, fp, sizes=(0, 200), seed=1)
