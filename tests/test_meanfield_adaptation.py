"""Adaptation variant (di Volo et al. 2019, SPEC 5.3): reduction and undershoot."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from adexmf import stimuli
from adexmf.meanfield import MeanFieldModel, fixed_point, run
from adexmf.theory.fluctuations import shot_noise_statistics

# SPEC 7 row 5: double Gaussian A = 2 Hz, t0 = 800 ms, tau1 = 60 ms, tau2 = 100 ms.
ROW5 = functools.partial(stimuli.double_gaussian, amplitude=2.0, t0=0.8, tau1=0.06, tau2=0.1)


@pytest.fixture(scope="module")
def adapting():
    return MeanFieldModel("zerlaut2018", order=1, adaptation=True)


def test_adaptation_parameters_come_from_the_rs_cell(adapting):
    rs = adapting.preset.excitatory
    assert (adapting.a, adapting.b, adapting.tau_w) == (rs.a, rs.b, rs.tau_w)
    assert adapting.state_names == ("nu_e", "nu_i", "W")


def test_reduces_exactly_to_first_order_without_adaptation():
    first = MeanFieldModel("zerlaut2018", order=1)
    silent = MeanFieldModel("zerlaut2018", order=1, adaptation=True, a=0.0, b=0.0)
    a = run(first, 1.2, drive=4.0, afferent=ROW5, observables=False)
    b = run(silent, 1.2, drive=4.0, afferent=ROW5, observables=False)
    np.testing.assert_array_equal(a.rate.values, b.rate.values)
    assert float(np.abs(b.W).max()) == 0.0
    fa, fb = fixed_point(first, 4.0), fixed_point(silent, 4.0)
    assert fa.state["nu_e"] == fb.state["nu_e"] and fb.state["W"] == 0.0
    # Same for the second order.
    second = MeanFieldModel("zerlaut2018", order=2)
    silent2 = second.replace(adaptation=True, a=0.0, b=0.0)
    y = fixed_point(second, 4.0).vector
    np.testing.assert_array_equal(second.rhs(y, 4.0, 1.0), silent2.rhs(y, 4.0, 1.0))


def test_stationary_adaptation_current(adapting):
    fp = fixed_point(adapting, 4.0)
    p = adapting.preset
    stats = shot_noise_statistics(fp.state["nu_e"] + 4.0, fp.state["nu_i"], p.excitatory,
                                  p.synapses, p.network, W=fp.state["W"],
                                  inhibitory_term="slip")  # fmt: skip
    expected = adapting.tau_w * adapting.b * fp.state["nu_e"] + adapting.a * (
        float(stats.mu_V) - p.excitatory.E_L
    )
    assert fp.state["W"] == pytest.approx(expected, rel=1e-9)
    # Adaptation lowers the rates of the fixed point (the published coefficients already
    # contain the stationary adaptation of freely adapting cells: it is counted twice here).
    assert fp.state["nu_e"] < fixed_point(adapting.replace(adaptation=False), 4.0).state["nu_e"]


def test_post_stimulus_undershoot(adapting):
    """After the SPEC 7 row 5 transient the adapting mean field dips below its baseline
    (the network's undershoot that the paper's mean field misses); without adaptation the
    rate returns monotonically."""
    ds = run(adapting, 2.0, drive=4.0, afferent=ROW5, record_every=10)
    rate = ds.rate.sel(population="exc")
    baseline = float(rate[0])
    after = rate.sel(time=slice(1.0, 2.0))
    assert float(after.min()) < 0.9 * baseline
    assert 1.0 < float(after.idxmin()) < 1.4
    assert float(ds.W.max()) > float(ds.W[0])
    plain = run(adapting.replace(adaptation=False), 2.0, drive=4.0, afferent=ROW5,
                      record_every=10)  # fmt: skip
    r = plain.rate.sel(population="exc")
    assert float(r.sel(time=slice(1.0, 2.0)).min()) >= float(r[0]) - 1e-9
