"""Fixed points, folds and Hopf points along b (adexmf.meanfield.adaptation_branch).

The fixture preset tests/data/tvb_adex_lowrate.toml (see tests/test_slow_fast.py) is
TVB-AdEx's cells with a low-rate refitted RS transfer function, a = 0, tau_w = 0.5 s: at
0.35 Hz its fast subsystem is bistable over a window of W, at 1 Hz it is not.
"""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.meanfield.adaptation_branch import adaptation_bifurcations, adaptation_branch
from adexmf.meanfield.bifurcations import bifurcation_points
from adexmf.meanfield.slow_fast import bistable_window


@pytest.fixture(scope="module")
def model(lowrate_first_order):
    return lowrate_first_order


@pytest.fixture(scope="module")
def branches(model):
    return {d: adaptation_branch(model, d) for d in (0.35, 1.0)}


@pytest.fixture(scope="module")
def points(model, branches):
    return {d: adaptation_bifurcations(model, d, b_max=1e-9, branch=br)
            for d, br in branches.items()}  # fmt: skip


def test_every_branch_point_is_a_fixed_point_of_its_b(model, branches):
    # The full model (rates and W) is stationary at each point with b = b*: the rates to
    # the fast subsystem's bisection (1e-6 relative, tests/test_slow_fast.py), W exactly
    # (b* is solved from dW/dt = 0, linear in b) up to rounding.
    br = branches[0.35]
    for n in np.nonzero(np.isfinite(br.b))[0][::10]:
        m = model.replace(b=float(br.b[n]))
        dy = m.rhs(m.state_vector(nu_e=br.nu_e[n], nu_i=br.nu_i[n], W=br.W[n]), 0.35)
        assert abs(dy[0]) * m.T < 1e-6 * max(br.nu_e[n], 1e-3)
        assert abs(dy[1]) * m.T < 1e-6 * max(br.nu_i[n], 1e-3)
        assert abs(dy[2]) * m.tau_w < 1e-9 * max(br.W[n], 1e-12)


def test_b_star_is_w_over_tau_w_nu_e_without_subthreshold_adaptation(model, branches):
    # a = 0: dW/dt = -W / tau_w + b nu_e vanishes at b = W / (tau_w nu_e).
    assert model.a == 0.0
    br = branches[1.0]
    ok = np.isfinite(br.b)
    np.testing.assert_allclose(br.b[ok], br.W[ok] / (model.tau_w * br.nu_e[ok]), rtol=1e-9)


def test_hopf_point_agrees_with_the_continuation_along_the_drive(model, points):
    # Independent route: at the b of the Hopf point found along b, pseudo-arclength
    # continuation along the drive (bifurcations.py: Newton, secant on the drive) finds its
    # Hopf point at the same drive and frequency. Tolerance: the linear interpolation of the
    # Hopf test between manifold points 0.67 pA apart in W, 1e-3 of the drive.
    # The first along the branch, on the UP branch (a second lies on the middle branch near
    # the lower fold at b ~ 0.9 nA, far outside the map).
    hopf = [p for p in points[0.35] if p.kind == "hopf"]
    h = hopf[0]
    assert h.b < 20e-12 and all(p.b > 300e-12 for p in hopf[1:])
    found = bifurcation_points(model.replace(b=h.b), drive_min=0.2, drive_max=0.6,
                               start_drive=0.35, step=0.02)  # fmt: skip
    other = [p for p in found if p.kind == "hopf"]
    assert len(other) == 1
    assert other[0].drive == pytest.approx(0.35, rel=1e-3)
    assert other[0].frequency == pytest.approx(h.frequency, rel=1e-3)
    assert other[0].nu_e == pytest.approx(h.nu_e, rel=1e-3)


def test_stability_changes_at_the_hopf_point(model, points):
    # Newton's fixed point of the full model 1 pA either side: stable below, an unstable
    # focus above whose rotation is the Hopf frequency.
    h = next(p for p in points[0.35] if p.kind == "hopf")
    below = model.replace(b=h.b - 1e-12).fixed_point(0.35).eigenvalues
    above = model.replace(b=h.b + 1e-12).fixed_point(0.35).eigenvalues
    assert np.all(below.real < 0)
    pair = above[above.imag > 0]
    assert pair.real.max() > 0
    assert pair.imag.max() / (2 * np.pi) == pytest.approx(h.frequency, rel=0.05)


def test_upper_fold_is_the_window_of_bistability(model, points):
    # Where the fixed point leaves the UP branch its W is the top of the fast subsystem's
    # window (bistable_window: bisection on the count of roots, an independent route);
    # tolerance: the parabola through grid points 0.67 pA apart, 0.5 %.
    fold = [p for p in points[0.35] if p.kind == "upper fold"]
    assert len(fold) == 1
    high = bistable_window(model, 0.35)[1]
    assert fold[0].W == pytest.approx(high, rel=5e-3)
    # b* = W / (tau_w nu_e) there, between the map's 20 pA (asynchronous) and 40 pA
    assert 20e-12 < fold[0].b < 40e-12


def test_no_bifurcation_where_the_fast_subsystem_is_monostable(branches, points):
    # 1 Hz: one stable fixed point at every b the branch reaches, as the mean field's and
    # the network's asynchronous map at 1 Hz (docs/paper-vs-code.md, UP-DOWN states).
    assert points[1.0] == []
    br = branches[1.0]
    assert br.stable[np.isfinite(br.b)].all()
    assert np.nanmax(br.b) > 150e-12


def test_map_continuation_dataset(model):
    from adexmf.compare.updown import continuation

    ds = continuation({"first": model, "second": model.replace(order=2)}, (0.35,))
    h = ds.hopf.sel(model="first", drive=0.35)
    assert 0 < float(h.sel(hopf_stat="b")) < 20e-12
    low, high = ds.relaxation_b.sel(model="first", drive=0.35).values
    assert 20e-12 < low < 40e-12 and (np.isnan(high) or high > low)
    assert np.isnan(ds.hopf.sel(model="second")).all()
