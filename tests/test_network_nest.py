"""NEST backend (optional dependency: skipped where NEST is not installed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adexmf.engines.nest_network import _rate_schedule, cell_parameters
from adexmf.network import NetworkModel, simulate, stationary_statistics

SMALL = {"n_total": 1000, "keep_in_degrees": True}


def test_parameter_mapping_in_nest_units():
    model = NetworkModel.from_preset()
    rs = cell_parameters(model, model.excitatory)
    assert rs["C_m"] == pytest.approx(200.0) and rs["g_L"] == pytest.approx(10.0)
    assert rs["V_peak"] == pytest.approx(-40.0) and rs["V_th"] == pytest.approx(-50.0)
    assert rs["b"] == pytest.approx(20.0) and rs["tau_w"] == pytest.approx(500.0)
    assert rs["E_in"] == pytest.approx(-80.0) and rs["tau_syn_ex"] == pytest.approx(5.0)
    fs = cell_parameters(model, model.inhibitory)
    assert fs["V_peak"] == pytest.approx(-47.5) and fs["a"] == 0.0 and fs["b"] == 0.0


def test_rate_schedule_change_points():
    times, values = _rate_schedule(np.array([0.0, 0.0, 1.0, 1.0, 2.0]), 1e-4)
    assert times == pytest.approx([0.2, 0.4]) and values == [1.0, 2.0]
    # A rate from step 0 starts at the first positive grid time (NEST needs t > 0).
    times, values = _rate_schedule(np.array([3.0, 5.0, 5.0]), 1e-4)
    assert times == pytest.approx([0.1]) and values == [5.0]


@pytest.mark.network
def test_small_network_on_nest_same_layout_as_brian2():
    pytest.importorskip("nest")
    model = NetworkModel.from_preset(**SMALL)
    ds = simulate(model, 0.8, seed=4, backend="nest")
    ref = simulate(model, 0.8, seed=4, target="numpy")
    assert set(ds.data_vars) == set(ref.data_vars)
    assert ds.sizes["time"] == ref.sizes["time"] and ds.sizes["cell"] == ref.sizes["cell"]
    st, st_ref = stationary_statistics(ds), stationary_statistics(ref)
    assert 0.2 < st["nu_e"] < 10.0 and 1.0 < st["nu_i"] < 40.0
    assert st["mu_V_exc"] == pytest.approx(st_ref["mu_V_exc"], abs=1.5e-3)
    assert st["mu_Ge_exc"] == pytest.approx(st_ref["mu_Ge_exc"], rel=0.3)
    assert ds["V"].isel(time=0).values == pytest.approx(-0.065)
    assert json.loads(ds.attrs["backend_info"])["model"] == "aeif_cond_exp"
    assert json.loads(ds.attrs["protocol"])["drive_events"] == "poisson"


@pytest.mark.slow
@pytest.mark.network
def test_paper_network_backends_agree():
    """10,000 neurons, drive 4 Hz, 3 seeds each: stationary rates agree within 10 %."""
    pytest.importorskip("nest")
    from adexmf.network import Brian2Standalone

    model = NetworkModel.from_preset()
    with Brian2Standalone(model, 1.5) as sim:
        brian = [stationary_statistics(sim.run(s)) for s in (1, 2, 3)]
    nest = [stationary_statistics(simulate(model, 1.5, s, backend="nest")) for s in (1, 2, 3)]
    for key in ("nu_e", "nu_i"):
        b = np.mean([x[key] for x in brian])
        n = np.mean([x[key] for x in nest])
        assert abs(n - b) / b < 0.10, (key, b, n)
