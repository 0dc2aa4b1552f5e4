"""The typed network-run specification: its checks, its mapping (the task store's key), the
network it builds, and the protocols' settings in words."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from adexmf.compare import frequency, stationary, transient, validity_map
from adexmf.compare.protocol import PROTOCOL_NAMES, get_scale
from adexmf.compare.settings import protocol_settings
from adexmf.errors import ParameterError
from adexmf.network import NetworkModel
from adexmf.network.model import Afferent
from adexmf.network.run_spec import NetworkRun
from adexmf.params import load_preset
from adexmf.stimuli import Stimulus, double_gaussian, sinusoid
from adexmf.sweep import task_key

QUICK = get_scale("quick")


def test_defaults_are_the_papers_protocol_and_the_mapping_round_trips():
    run = NetworkRun()
    assert (run.preset, run.n_total, run.ramp, run.dt) == ("zerlaut2018", 10_000, 0.1, 1e-4)
    assert (run.drive_events, run.integrator, run.backend) == ("bernoulli", "euler", "brian2")
    sine = Stimulus("sinusoid", {"amplitude": 4.5, "frequency": 20.0, "t0": 0.5})
    for r in (
        run,
        run.replace(
            stimulus=sine,
            stimulus_population="inh",
            rs_b=0.0,
            drive_events="poisson",
            traced_cells=3,
            integrator="heun",
        ),
    ):
        m = r.to_mapping()
        assert NetworkRun.from_mapping(m) == r and r.key() == task_key(m)
    m = NetworkRun(drive=8, seed=2.0).to_mapping()  # numbers normalised: equal runs, equal keys
    assert m["drive_Hz"] == 8.0 and isinstance(m["drive_Hz"], float) and m["seed"] == 2
    assert set(m) == {"preset", "n_total", "keep_in_degrees", "drive_Hz", "ramp_s", "dt_s",
                      "duration_s", "seed", "backend"}  # fmt: skip
    # keys of a protocol are ignored when the run is read back
    assert NetworkRun.from_mapping({**m, "protocol": "x", "t_start_s": 0.5}) == NetworkRun(
        drive=8.0, seed=2
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dt": 0.0}, "dt"),
        ({"duration": -1.0}, "duration"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"n_total": 1}, "n_total"),
        ({"drive_events": "binomial"}, "drive_events = 'binomial' is unknown"),
        ({"integrator": "rk4"}, "integrator = 'rk4' is unknown"),
        ({"stimulus_population": "all"}, "stimulus_population"),
        ({"rs_b": -1e-12}, "rs_b"),
        ({"preset": ""}, "preset"),
        ({"stimulus": "sinusoid"}, "stimulus"),
    ],
)
def test_bad_runs_are_refused_naming_the_parameter(changes, message):
    with pytest.raises(ParameterError, match=message):
        NetworkRun(**changes)


def test_a_stimulus_is_read_back_by_its_parameter_names():
    with pytest.raises(ParameterError, match="no stimulus kind has exactly these parameters"):
        NetworkRun.from_mapping({"stimulus": {"amplitude": 1.0, "tau": 0.1}})
    run = NetworkRun.from_mapping({"stimulus": {"amplitude": 2.0, "t0": 0.8, "tau1": 0.06,
                                                "tau2": 0.1}})  # fmt: skip
    assert run.stimulus.kind == "double-gaussian"


def test_protocol_runs_keep_the_task_keys_of_runs_stored_before():
    """The mappings are those the protocols wrote by hand before the typed run existed, so a
    rerun finds the stored network runs (keys computed from the former specifications). The
    build check is the exception (a new key), and the validity map's runs changed key once,
    on purpose, when their task started classifying the regime (``regime_bin_s``): a run
    stored before holds no regime, so it is not this task's result."""
    f = frequency.FREQUENCIES[[6]]
    keys = {
        "stationary": task_key(stationary.network_specs(QUICK, [1], 4.0)[0]),
        "stationary_poisson": task_key(stationary.network_specs(QUICK, [2], 4.0, "poisson")[0]),
        "transient": task_key(transient.network_specs(QUICK, [1], 4.0)[0]),
        "transient_control": task_key(transient.network_specs(QUICK, [1], 4.0, True)[0]),
        "frequency": task_key(frequency.network_specs(QUICK, [3], f, 4.0, 4.5)[0]),
        "validity": task_key(validity_map.network_specs(QUICK, [1], [4.0], [20e-12], "poisson")[0]),
        "validity_b0": task_key(validity_map.network_specs(QUICK, [2], [10.0], [0.0])[0]),
        "isolated": task_key(
            validity_map.isolated_specs([4.0], [20e-12], np.array([[[2.5, 12.0]]]), "quick")[0]
        ),
    }
    assert keys == {
        "stationary": "7820640965acf56af216d858c7c5af41",
        "stationary_poisson": "8aff6c33b683e387a2ae44933a714a8b",
        "transient": "f9be654718fb98cc7edf57ea1b8ad3cf",
        "transient_control": "9d7d823ae2cc4534c07d7189466eb724",
        "frequency": "9ba0df0fc94a8f327e717f33c22a3fb5",
        "validity": "95f0b249db5f4fd363ef1c84341b230f",
        "validity_b0": "8f898e54c8e481c4ca2f9bebc5ba1f78",
        "isolated": "7505838081eb2187c0ea7bf474e85272",
    }


def _same_network(a: NetworkModel, b: NetworkModel, duration: float) -> None:
    assert a.parameters() == b.parameters()
    ra, rb = a.external_rates(duration), b.external_rates(duration)
    for pop in ("exc", "inh"):
        np.testing.assert_array_equal(ra[pop], rb[pop])


def test_protocol_runs_build_the_networks_the_protocols_built_by_hand():
    """Each protocol's run gives the NetworkModel its task used to build itself."""
    spec = stationary.network_specs(QUICK, [1], 4.0, "poisson")[0]
    legacy = NetworkModel.from_preset("zerlaut2018", n_total=10_000, keep_in_degrees=True,
                                      drive_rate=4.0, ramp=0.1, dt=1e-4, traced_cells=20,
                                      integrator="euler", drive_events="poisson")  # fmt: skip
    _same_network(NetworkRun.from_mapping(spec).network_model(), legacy, 1.5)

    spec = transient.network_specs(QUICK, [1], 4.0)[0]
    stim = functools.partial(double_gaussian, amplitude=2.0, t0=0.8, tau1=0.06, tau2=0.1)
    legacy = NetworkModel.from_preset("zerlaut2018", n_total=10_000, keep_in_degrees=True,
                                      drive_rate=4.0, ramp=0.02, dt=1e-4,
                                      afferent=Afferent(stim, "exc"), traced_cells=0)  # fmt: skip
    _same_network(NetworkRun.from_mapping(spec).network_model(), legacy, 1.2)

    spec = frequency.network_specs(QUICK, [1], np.array([20.0]), 4.0, 4.5)[0]
    stim = functools.partial(sinusoid, amplitude=4.5, frequency=20.0, t0=0.5)
    legacy = NetworkModel.from_preset("zerlaut2018", n_total=10_000, keep_in_degrees=True,
                                      drive_rate=4.0, ramp=0.1, dt=5e-5,
                                      afferent=Afferent(stim, "exc"), traced_cells=0)  # fmt: skip
    _same_network(NetworkRun.from_mapping(spec).network_model(), legacy, spec["duration_s"])

    spec = validity_map.network_specs(QUICK, [1], [6.0], [40e-12], "poisson")[0]
    preset = load_preset("zerlaut2018")
    rs = preset.excitatory.replace(b=40e-12)
    preset = preset.replace(cells={**preset.cells, rs.name: rs})
    legacy = NetworkModel.from_preset(preset, n_total=10_000, keep_in_degrees=True,
                                      drive_rate=6.0, ramp=0.1, dt=1e-4, traced_cells=0,
                                      drive_events="poisson")  # fmt: skip
    model = NetworkRun.from_mapping(spec).network_model()
    _same_network(model, legacy, 3.0)
    assert model.excitatory.cell.b == 40e-12


def test_protocol_settings_are_read_from_the_protocols():
    s = protocol_settings()
    assert tuple(s) == PROTOCOL_NAMES
    assert all(isinstance(v, str) for entry in s.values() for v in entry.values())
    assert s["frequency"]["amplitude A"] == "code: 4.5 Hz, text: 5 Hz"
    assert s["frequency"]["time step"] == "0.05 ms"
    assert s["transient"]["stimulus"].startswith(
        "double Gaussian A = 2 Hz, t0 = 800 ms, tau1 = 60 ms, tau2 = 100 ms"
    )
    assert "code: 50 ms/70 ms" in s["integrative"]["stimulus"]
    assert "text: 60 ms/100 ms" in s["integrative"]["stimulus"]
    assert s["validity"]["drives"] == "1, 2, 4, 6, 8, 10 Hz"
    assert s["validity"]["RS adaptation b"] == "0, 20, 40, 60 pA"
    assert s["validity"]["drive events"].startswith("poisson")
    assert s["stationary"]["drive"] == "4 Hz per synapse, reached by a 100 ms ramp"
