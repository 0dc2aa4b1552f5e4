"""Continuation of a mean-field branch along the drive: folds and Hopf points."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf.meanfield import MeanFieldModel
from adexmf.meanfield.bifurcations import bifurcation_points, continue_branch


@pytest.fixture(scope="module")
def bistable():
    """The corrected preset with half the drive onto the inhibitory cells: a bistable window
    at low drive (two folds) and, at high drive, oscillations (a Hopf point)."""
    return MeanFieldModel("corrected", order=1, drive_to=(1.0, 0.5))


def test_branch_points_are_fixed_points(bistable):
    """Every continued point solves rhs = 0 (the corrector's own residual is not trusted:
    the full right-hand side is evaluated again)."""
    br = continue_branch(bistable, 0.5, 30.0)
    assert br.drive.size > 50
    for k in range(0, br.drive.size, 10):
        d = max(float(br.drive[k]), 0.0)
        y = np.zeros(6)
        y[:2] = br.states[k]
        rhs = bistable.rhs(y, d)[:2]
        assert np.max(np.abs(rhs)) < 1e-6 * max(1.0, np.max(np.abs(y[:2]))) / bistable.T


def test_folds_bound_a_bistable_window(bistable):
    points = bifurcation_points(bistable, 0.5, 30.0)
    folds = sorted(p.drive for p in points if p.kind == "fold")
    assert len(folds) == 2
    lo, hi = folds

    # Inside the window three states coexist (two stable, one saddle), outside one.
    def n_states(d):
        found = bistable.fixed_points(d, box=((0.0, 5.0), (0.0, 5.0)))
        return len(found)

    assert n_states(0.5 * (lo + hi)) == 3
    assert n_states(lo - 0.05) == 1 and n_states(hi + 0.05) == 1


def test_hopf_point_changes_stability_through_a_complex_pair(bistable):
    hopf = [p for p in bifurcation_points(bistable, 0.5, 30.0) if p.kind == "hopf"]
    assert len(hopf) == 1
    h = hopf[0]
    fp = bistable.fixed_points(h.drive, box=((10.0, 40.0), (30.0, 90.0)))
    ev = min(fp, key=lambda p: abs(p.state["nu_e"] - h.nu_e)).eigenvalues
    pair = ev[np.abs(ev.imag) > 0]
    assert pair.size == 2 and np.max(np.abs(pair.real)) < 1e-3 * np.abs(pair.imag).max()
    assert h.frequency == pytest.approx(np.abs(pair.imag).max() / (2 * np.pi))
    around = [bistable.fixed_points(h.drive + s, box=((10.0, 40.0), (30.0, 90.0)))
              for s in (-0.2, 0.2)]  # fmt: skip
    stable = [min(f, key=lambda p: abs(p.state["nu_e"] - h.nu_e)).stable for f in around]
    assert stable[0] != stable[1]


def test_the_paper_branch_has_no_bifurcation():
    """The reference model's active state exists and is stable from 0.5 to 20 Hz."""
    model = MeanFieldModel("zerlaut2018", order=2)
    assert bifurcation_points(model, 0.5, 20.0) == []
    br = continue_branch(model, 0.5, 20.0)
    assert br.drive.min() < 0.5 and br.drive.max() > 20.0
    assert np.all(np.diff(br.states[:, 0]) > 0)
