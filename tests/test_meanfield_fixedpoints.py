"""Fixed points, stability and drive scans of the mean field: SPEC 10 regression."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import load_preset
from adexmf.errors import InputRangeError, ParameterError
from adexmf.meanfield import (
    MeanFieldModel,
    find_fixed_points,
    fixed_point,
    fixed_points_vs_drive,
    phase_plane,
    run,
)
from adexmf.meanfield.fixedpoints import refine_fixed_point

# SPEC 10: first-order fixed points (nu_e, nu_i) in Hz by drive (Hz).
FIRST_ORDER = {
    0.0: (0.0, 0.0),
    2.0: (1.295481, 4.680402),
    4.0: (2.395209, 9.569056),
    6.0: (3.416176, 13.936762),
    8.0: (4.412438, 18.032829),
}
SECOND_ORDER_4HZ = {
    "nu_e": 2.399683,
    "nu_i": 9.594606,
    "c_ee": 0.087649,
    "c_ei": 0.105742,
    "c_ii": 0.235629,
}


@pytest.fixture(scope="module")
def first():
    return MeanFieldModel("zerlaut2018", order=1)


@pytest.fixture(scope="module")
def second():
    return MeanFieldModel("zerlaut2018", order=2)


@pytest.mark.parametrize("drive", sorted(FIRST_ORDER))
def test_first_order_fixed_points_reproduce_spec10(first, drive):
    points = find_fixed_points(first, drive)
    assert len(points) == 1, "SPEC 5.2: one fixed point (quiescent at 0 Hz, active at 4 Hz)"
    p = points[0]
    assert p.stable
    nu_e, nu_i = FIRST_ORDER[drive]
    if drive == 0.0:
        assert p.state["nu_e"] == 0.0 and p.state["nu_i"] == 0.0
    else:
        # The reference values are printed to 6 decimals: 1e-5 relative is within rounding.
        assert p.state["nu_e"] == pytest.approx(nu_e, rel=1e-5)
        assert p.state["nu_i"] == pytest.approx(nu_i, rel=1e-5)


def test_second_order_fixed_point_reproduces_spec10(second):
    p = fixed_point(second, 4.0)
    assert p.stable
    assert set(p.state) == set(SECOND_ORDER_4HZ)
    for key, value in SECOND_ORDER_4HZ.items():
        assert p.state[key] == pytest.approx(value, rel=1e-5), key
    assert p.residual < 1e-10


def test_zero_drive_second_order_is_quiescent_and_finite(second):
    p = fixed_point(second, 0.0)
    assert all(v == 0.0 for v in p.state.values())
    assert np.all(np.isfinite(p.eigenvalues)) and p.stable
    # Without input the transfer functions are flat: every eigenvalue is -1/T or -2/T.
    assert np.allclose(sorted(p.eigenvalues.real), [-400, -400, -400, -200, -200])


def test_observables_at_the_4hz_fixed_point_match_spec10(first):
    from adexmf.meanfield import population_observables

    p = fixed_point(first, 4.0)
    obs = population_observables(first, p.state["nu_e"], p.state["nu_i"], drive=4.0)
    assert obs["mu_V"][0] * 1e3 == pytest.approx(-54.88, abs=0.005)
    assert obs["tau_V"][0] * 1e3 == pytest.approx(9.28, abs=0.005)
    assert obs["mu_Ge"][0] * 1e9 == pytest.approx(12.79, abs=0.005)
    assert obs["mu_Gi"][0] * 1e9 == pytest.approx(23.92, abs=0.005)
    assert obs["sigma_Ge"][0] * 1e9 == pytest.approx(2.53, abs=0.005)
    assert obs["sigma_Gi"][0] * 1e9 == pytest.approx(7.73, abs=0.005)


def test_first_order_jacobian_is_exact_and_matches_differences(first):
    p = fixed_point(first, 4.0)
    J = first.jacobian(p.vector, 4.0)
    h = 1e-5
    num = np.empty((2, 2))
    for j in range(2):
        up, down = p.vector.copy(), p.vector.copy()
        up[j] += h
        down[j] -= h
        num[:, j] = (first.rhs(up, 4.0)[:2] - first.rhs(down, 4.0)[:2]) / (2 * h)
    assert np.allclose(J, num, rtol=1e-6, atol=1e-6)


def test_adaptation_jacobian_matches_differences():
    model = MeanFieldModel("zerlaut2018", order=1, adaptation=True)
    p = fixed_point(model, 4.0)
    assert p.stable and set(p.state) == {"nu_e", "nu_i", "W"}
    J = model.jacobian(p.vector, 4.0)
    steps = {0: 1e-5, 1: 1e-5, 5: 1e-15}
    idx = [0, 1, 5]
    for col, j in enumerate(idx):
        up, down = p.vector.copy(), p.vector.copy()
        up[j] += steps[j]
        down[j] -= steps[j]
        num = (model.rhs(up, 4.0) - model.rhs(down, 4.0))[idx] / (2 * steps[j])
        assert np.allclose(J[:, col], num, rtol=1e-5, atol=1e-6 * np.abs(J[:, col]).max())


def test_refine_continues_a_fixed_point(second):
    p4 = fixed_point(second, 4.0)
    p5 = refine_fixed_point(second, p4.vector, 5.0)
    assert p5 is not None
    assert np.allclose(p5.vector, fixed_point(second, 5.0).vector, rtol=1e-9, atol=1e-12)


def test_search_finds_every_fixed_point_in_the_box():
    """Stronger excitation, weaker inhibition (Q_e = 2 nS, Q_i = 3 nS): five fixed points at
    zero drive, alternately stable and unstable along the branch (saddles in between)."""
    base = load_preset("zerlaut2018")
    preset = base.replace(synapses=base.synapses.replace(Q_e=2e-9, Q_i=3e-9))
    model = MeanFieldModel(preset, order=1)
    points = find_fixed_points(model, 0.0, box=((0.0, 200.0), (0.0, 200.0)))
    assert len(points) == 5
    assert [p.stable for p in points] == [True, False, True, False, True]
    assert points[0].state["nu_e"] == 0.0
    for p in points:
        assert np.abs(model.rhs(p.vector)[:2]).max() * model.T < 1e-9
    # Each saddle has one positive, one negative real eigenvalue.
    for p in points[1::2]:
        assert (p.eigenvalues.real > 0).sum() == 1
    # A smaller box keeps only the roots inside it.
    inside = find_fixed_points(model, 0.0, box=((0.0, 20.0), (0.0, 80.0)))
    assert len(inside) == 4


@pytest.mark.parametrize("order", [1, 2])
def test_relevant_fixed_point_is_the_low_activity_state(order):
    """The corrected preset's transfer functions, extrapolated far outside their fitted
    domain, add a stable state with silent excitatory and ~185 Hz inhibitory cells at every
    drive > 0. The relevant fixed point (and the start of time courses) is the stable one of
    lowest network rate, the cortical low-rate state, not the one of lowest nu_e."""
    model = MeanFieldModel("corrected", order=order)
    points = find_fixed_points(model, 4.0)
    spurious = [p for p in points if p.stable and p.state["nu_i"] > 100.0]
    assert spurious, "the premise of this test (a spurious high-nu_i state) no longer holds"
    chosen = fixed_point(model, 4.0)
    assert chosen.stable
    assert 0.5 < chosen.state["nu_e"] < 10.0 and 1.0 < chosen.state["nu_i"] < 30.0
    ds = run(model, 0.01, drive=4.0, observables=False)
    assert float(ds.rate.sel(population="inh")[0]) == pytest.approx(chosen.state["nu_i"])


def test_fixed_points_vs_drive_dataset(first):
    ds = fixed_points_vs_drive(first, np.array([0.0, 2.0, 4.0]))
    assert ds.sizes["drive"] == 3
    assert ds.nu_e.attrs["units"] == "Hz"
    assert float(ds.nu_e.sel(drive=4.0)[0]) == pytest.approx(FIRST_ORDER[4.0][0], rel=1e-5)
    assert (ds.stable.values[:, 0] == 1).all()
    assert "software" in ds.attrs and ds.attrs["order"] == 1


def test_phase_plane_dataset(first):
    ds = phase_plane(first, 4.0, n_grid=11, duration=0.02)
    assert ds.dnu_e_dt.shape == (11, 11)
    assert np.isfinite(ds.dnu_e_dt).all() and np.isfinite(ds.trajectory_nu_e).all()
    assert ds.fixed_point_nu_e.values == pytest.approx([FIRST_ORDER[4.0][0]], rel=1e-5)


def test_bad_inputs_give_clear_errors(first):
    with pytest.raises(InputRangeError, match=r"drive = -1 Hz .*allowed.*\[0, 10000\] Hz"):
        find_fixed_points(first, -1.0)
    with pytest.raises(InputRangeError, match="afferent"):
        find_fixed_points(first, 1.0, float("nan"))
    with pytest.raises(ParameterError, match="box for nu_e"):
        find_fixed_points(first, 1.0, box=((5.0, 1.0), (0.0, 10.0)))
    with pytest.raises(ParameterError, match=r"n_starts = 1 is out of range; allowed: \[2, 200\]"):
        find_fixed_points(first, 1.0, n_starts=1)
    with pytest.raises(ParameterError, match="order = 3 is not allowed; allowed: 1, 2"):
        MeanFieldModel("zerlaut2018", order=3)
    with pytest.raises(ParameterError, match=r"T = 0 s is out of range"):
        MeanFieldModel("zerlaut2018", T=0.0)
    with pytest.raises(ParameterError, match=r"b = -1e-12 A is out of range"):
        MeanFieldModel("zerlaut2018", adaptation=True, b=-1e-12)
