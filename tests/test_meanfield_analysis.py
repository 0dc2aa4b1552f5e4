"""The top mean-field layer: summaries, drive grids, stimulus responses, the node's reuse."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from adexmf.errors import ParameterError
from adexmf.layouts import N_STATE, S_NU_E, S_NU_I
from adexmf.meanfield import MeanFieldModel, integrate, run
from adexmf.meanfield.analysis import (
    drive_grid,
    scan_summary,
    stimulus_response,
    time_course_summary,
)
from adexmf.meanfield.node import isolated_column_rhs
from adexmf.stimuli import parse_stimulus


@pytest.fixture(scope="module")
def first():
    return MeanFieldModel("zerlaut2018", order=1)


def _synthetic_time_course() -> xr.Dataset:
    t = np.linspace(0.0, 1.0, 1001)
    exc = 2.0 + 3.0 * np.exp(-0.5 * ((t - 0.3) / 0.05) ** 2) - 0.5 * (t > 0.6)
    inh = 9.0 + np.sin(2 * np.pi * t)
    vsd = 0.02 * np.exp(-0.5 * ((t - 0.32) / 0.05) ** 2)
    return xr.Dataset(
        {"rate": (("time", "population"), np.stack([exc, inh], -1)), "vsd": ("time", vsd)},
        coords={"time": t, "population": ["exc", "inh"]},
    )


def test_time_course_summary_on_a_known_signal():
    s = time_course_summary(_synthetic_time_course())
    assert s["nu_e_initial"] == pytest.approx(2.0)
    assert s["nu_e_peak"] == pytest.approx(5.0, abs=1e-6)
    assert s["t_peak_e"] == pytest.approx(0.3)
    assert s["nu_e_min"] == pytest.approx(1.5)
    assert s["nu_i_peak"] == pytest.approx(10.0, abs=1e-4)
    assert s["vsd_peak"] == pytest.approx(0.02)


def test_drive_grid_and_its_errors():
    assert drive_grid(4.0, 2.0).tolist() == [0.0, 2.0, 4.0]
    assert drive_grid(1.0, 0.3).tolist() == pytest.approx([0.0, 0.3, 0.6, 0.9])
    with pytest.raises(ParameterError, match="max_drive = 0 Hz"):
        drive_grid(0.0, 0.5)
    with pytest.raises(ParameterError, match=r"step = 3 Hz must lie in \(0, 2\]"):
        drive_grid(2.0, 3.0)
    with pytest.raises(ParameterError, match="at most 2001"):
        drive_grid(10.0, 1e-3)


def test_scan_summary_counts(first):
    from adexmf.meanfield import drive_scan

    ds = drive_scan("zerlaut2018", [0.0, 4.0], orders=(1,))
    s = scan_summary(ds)
    assert s["n_drives"] == 2 and s["max_drive"] == 4.0
    assert s["n_unstable"] == int((ds.stable == 0).sum())
    assert s["nu_e_4Hz_order1"] == pytest.approx(2.395209, rel=1e-5)  # SPEC 10


def test_stimulus_response_is_the_sum_of_its_stimuli(first):
    a = parse_stimulus("double-gaussian:A=2Hz,t0=50ms,tau1=10ms,tau2=20ms")
    b = parse_stimulus("step:A=1Hz,t_on=20ms,t_off=60ms")
    ds = stimulus_response(first, 0.1, [a, b], drive=4.0)
    t = ds.time.values
    np.testing.assert_allclose(ds.afferent.values, a(t) + b(t))
    assert ";" in ds.attrs["stimulus"]
    direct = run(first, 0.1, drive=4.0, afferent=lambda t: a(t) + b(t))
    np.testing.assert_array_equal(ds.rate.values, direct.rate.values)


def test_integrate_needs_an_explicit_start(first):
    with pytest.raises(ParameterError, match="initial is missing"):
        integrate(first, 0.01, None, drive=4.0)
    fp = first.fixed_point(4.0)
    ds = integrate(first, 0.05, fp, drive=4.0, observables=False)
    np.testing.assert_allclose(ds.rate.values[-1], [fp.state["nu_e"], fp.state["nu_i"]], 1e-9)


def test_the_node_is_the_column(first):
    """The column's right-hand side (node) equals the model's, and vanishes at the fixed point."""
    fp = first.fixed_point(4.0)
    dy = np.empty(N_STATE)
    pe, pi = first.packed_transfer
    isolated_column_rhs(first.packed, pe, pi, *first.flags, fp.vector, 4.0, 0.0, dy)
    np.testing.assert_array_equal(dy, first.rhs(fp.vector, 4.0))
    assert abs(dy[S_NU_E]) < 1e-8 and abs(dy[S_NU_I]) < 1e-8
