"""Backend-neutral network description and result analysis (no simulator needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from adexmf import InputRangeError, ParameterError, load_preset
from adexmf.engines import (
    BACKENDS,
    BRIAN2_MODES,
    ENGINES,
    EngineSettings,
    RawRecording,
    get_engine,
)
from adexmf.netcdf import write_netcdf
from adexmf.network import (
    Afferent,
    Drive,
    NetworkModel,
    Recorders,
    bin_rates,
    check_layout,
    make_dataset,
    run_summary,
    stationary_statistics,
    statistic_unit,
    statistics_attrs,
    statistics_from_attrs,
)
from adexmf.params import population_average
from adexmf.stimuli import ramp, sample_waveform


def test_paper_network_from_preset():
    m = NetworkModel.from_preset("zerlaut2018")
    assert (m.excitatory.size, m.inhibitory.size) == (8000, 2000)
    assert m.K_e == pytest.approx(400.0) and m.K_i == pytest.approx(100.0)
    assert m.excitatory.cell.C_m == pytest.approx(200e-12)
    assert m.inhibitory.cell.delta_T == pytest.approx(0.5e-3)
    assert m.drive == Drive(rate=4.0, ramp=0.1, model="independent")
    assert m.dt == pytest.approx(1e-4)
    assert m.recorders.traced == {"exc": (0, 1, 2), "inh": (0, 1, 2)}


def test_keep_in_degrees_scales_probability():
    m = NetworkModel.from_preset(n_total=1000, keep_in_degrees=True)
    assert m.connection_probability == pytest.approx(0.5)
    assert m.K_e == pytest.approx(400.0) and m.K_i == pytest.approx(100.0)
    small = NetworkModel.from_preset(n_total=1000)
    assert small.K_e == pytest.approx(40.0)
    with pytest.raises(ParameterError, match="n_total >= 500"):
        NetworkModel.from_preset(n_total=300, keep_in_degrees=True)


def test_drive_ramp_then_constant():
    d = Drive(rate=4.0, ramp=0.1)
    np.testing.assert_allclose(d.rate_at(np.array([0.0, 0.05, 0.1, 0.7])), [0, 2, 4, 4])
    np.testing.assert_allclose(Drive(rate=3.0, ramp=0.0).rate_at(np.array([0.0, 1.0])), 3.0)
    with pytest.raises(ParameterError, match="Drive.model"):
        Drive(model="shared")
    with pytest.raises(ParameterError, match="Drive.rate"):
        Drive(rate=-1.0)
    with pytest.raises(ParameterError, match="Drive.events"):
        Drive(events="gaussian")


def test_drive_ramp_is_the_stimulus_ramp():
    t = np.linspace(0.0, 0.3, 31)
    np.testing.assert_array_equal(Drive(rate=4.0, ramp=0.1).rate_at(t), ramp(t, 4.0, 0.1))
    np.testing.assert_array_equal(Drive(rate=3.0, ramp=0.0).rate_at(t), ramp(t, 3.0, 0.0))


def test_waveforms_array_or_callable():
    t = np.arange(10) * 1e-4
    np.testing.assert_allclose(sample_waveform(lambda s: 2 * s / 1e-4, t, "x"), np.arange(10) * 2)
    np.testing.assert_allclose(sample_waveform(np.ones(10), t, "x"), 1.0)
    np.testing.assert_allclose(sample_waveform(3.0, t, "x"), 3.0)
    with pytest.raises(InputRangeError, match="simulation grid of 10 steps"):
        sample_waveform(np.ones(9), t, "x")
    with pytest.raises(InputRangeError, match=">= 0 Hz"):
        sample_waveform(-np.ones(10), t, "x")
    # The network samples its waveforms on its own grid with the shared function.
    m = NetworkModel.from_preset(n_total=1000, afferent=Afferent(lambda s: 2 * s / 1e-4))
    np.testing.assert_allclose(m.afferent_rates(1e-3)["exc"], np.arange(10) * 2)
    with pytest.raises(InputRangeError, match="afferent waveform = -1 Hz is not admissible"):
        m.external_rates(1e-3, afferent=-1.0)


def test_external_rates_with_afferent_on_one_population():
    aff = Afferent(lambda t: np.where(t > 0.01, 2.0, 0.0), population="exc")
    m = NetworkModel.from_preset(n_total=1000, afferent=aff, ramp=0.0)
    r = m.external_rates(0.02)
    assert r["exc"].shape == (200,)
    np.testing.assert_allclose(r["inh"], 4.0)
    assert r["exc"][0] == pytest.approx(4.0) and r["exc"][-1] == pytest.approx(6.0)


def test_bernoulli_drive_limit_is_a_clear_error():
    m = NetworkModel.from_preset(drive_rate=30.0)
    with pytest.raises(InputRangeError, match=r"1/\(K_e dt\) = 25 Hz"):
        m.external_rates(0.2)
    # Neither the Poisson events nor the population model have such a limit.
    NetworkModel.from_preset(drive_rate=30.0, drive_events="poisson").external_rates(0.2)
    NetworkModel.from_preset(drive_rate=30.0, drive_model="population").external_rates(0.2)


@pytest.mark.parametrize("seed", [-1, 2**31 - 1, 2.5])
def test_simulate_checks_the_seed_for_every_backend(seed):
    from adexmf.network import simulate

    model = NetworkModel.from_preset(n_total=100)
    for backend in BACKENDS:
        with pytest.raises(ParameterError, match=r"seed = .*allowed: an integer in \[0, "):
            simulate(model, 0.01, seed, backend=backend, target="numpy")


def test_every_engine_setting_selects_a_registered_engine():
    names = set()
    for backend in BACKENDS:
        for mode in BRIAN2_MODES if backend == "brian2" else ("runtime",):
            settings = EngineSettings(backend=backend, mode=mode)
            assert get_engine(settings).name == settings.engine
            names.add(settings.engine)
    assert names == set(ENGINES) == {"brian2-runtime", "brian2-standalone", "nest"}
    with pytest.raises(ParameterError, match="engine = 'gpu'; allowed: brian2-runtime"):
        get_engine("gpu")


@pytest.mark.parametrize(
    ("settings", "parameter", "message"),
    [
        ({"backend": "neuron"}, "backend", "backend = 'neuron'; allowed: brian2, nest"),
        ({"mode": "gpu"}, "mode", "mode = 'gpu'; allowed: runtime, standalone"),
        ({"target": "weave"}, "target", "target = 'weave'; allowed: cython, numpy"),
        ({"threads": 0}, "threads", "threads = 0; allowed: an integer >= 1"),
        ({"mode": "standalone", "target": "numpy"}, "target", "Brian2 runtime mode only"),
        ({"backend": "nest", "target": "numpy"}, "target", "Brian2 backend only"),
        ({"backend": "nest", "mode": "standalone"}, "mode", "Brian2 backend only"),
    ],
)
def test_engine_settings_name_the_parameter(settings, parameter, message):
    with pytest.raises(ParameterError, match=message) as info:
        EngineSettings(**settings)
    assert info.value.parameters == (parameter,)
    assert "--" not in str(info.value)


def test_stationary_window_errors_name_parameters_not_options():
    from adexmf.network import run_stationary

    model = NetworkModel.from_preset(n_total=1000, ramp=10.0)
    with pytest.raises(InputRangeError, match=r"the drive ramp \(ramp = 10 s\) ends after") as info:
        run_stationary(model, 0.2, 1, t_start=0.1, backend="neuron")
    assert info.value.parameters == ("ramp", "t_start", "duration")
    assert "--" not in str(info.value)


def test_recorders_are_validated():
    with pytest.raises(ParameterError, match="unknown variable"):
        Recorders(variables=("V", "I_syn"))
    with pytest.raises(ParameterError, match="allowed: 0 .. 199"):
        NetworkModel.from_preset(n_total=1000).replace(recorders=Recorders(traced={"inh": (200,)}))


def test_structure_key_ignores_seed_and_drive_waveform():
    a = NetworkModel.from_preset(n_total=1000)
    assert a.structure_key(1.0) == a.replace(drive=Drive(rate=6.0, ramp=0.02)).structure_key(1.0)
    assert a.structure_key(1.0) != a.structure_key(1.5)
    assert a.structure_key(1.0) != a.replace(recurrent=False).structure_key(1.0)


def test_bin_rates():
    rate = np.arange(100.0)
    np.testing.assert_allclose(bin_rates(rate, 1e-3, 5e-3)[:2], [2.0, 7.0])
    assert bin_rates(np.zeros((2, 103)), 1e-3, 5e-3).shape == (2, 20)
    with pytest.raises(ParameterError, match="whole number"):
        bin_rates(rate, 1e-3, 2.5e-3)


def _synthetic(tmp_path=None):
    """A 16 + 4 neuron network with hand-made spikes and traces."""
    preset = load_preset("zerlaut2018")
    m = NetworkModel.from_preset(preset, n_total=20).replace(
        recorders=Recorders(traced={"exc": (0,), "inh": (1,)})
    )
    duration = 0.02  # 200 steps
    n = m.n_steps(duration)
    v = np.full((1, n), -0.06)
    v[0, 100:151] = -0.065  # refractory after a spike at step 100 (5 ms = 50 steps)
    raw = RawRecording(
        spike_times={"exc": np.array([0.001, 0.0100, 0.0101]), "inh": np.array([0.015])},
        spike_neurons={"exc": np.array([3, 0, 4]), "inh": np.array([1])},
        traces={
            "V": {"exc": v, "inh": np.full((1, n), -0.055)},
            "G_e": {"exc": np.full((1, n), 2e-9), "inh": np.full((1, n), 3e-9)},
            "G_i": {"exc": np.zeros((1, n)), "inh": np.zeros((1, n))},
            "w": {"exc": np.zeros((1, n)), "inh": np.zeros((1, n))},
        },
        timings={"simulation_s": 1.0},
    )
    return m, duration, make_dataset(m, duration, raw, seed=7, backend="test")


def test_dataset_layout_units_and_attrs(tmp_path):
    m, duration, ds = _synthetic()
    assert ds.sizes["time"] == 200 and ds.sizes["time_bin"] == 4 and ds.sizes["spike"] == 4
    assert list(ds["population"].values) == ["exc", "inh"]
    # 3 excitatory spikes among 16 cells, each 1 / (16 * 0.1 ms) in its step.
    assert ds["rate"].sel(population="exc").sum().item() == pytest.approx(3 / (16 * 1e-4))
    assert ds["rate"].sel(population="inh").sum().item() == pytest.approx(1 / (4 * 1e-4))
    np.testing.assert_array_equal(ds["spike_neuron"].values, [3, 0, 4, 17])  # global indices
    assert list(ds["cell"].values) == [0, 17]
    assert ds["V"].attrs["units"] == "V" and ds["G_e"].attrs["units"] == "S"
    assert ds["rate"].attrs["units"] == "Hz" and ds["time"].attrs["units"] == "s"
    assert ds.attrs["seed"] == 7 and ds.attrs["n_exc"] == 16
    params = json.loads(ds.attrs["parameters"])
    assert params["synapses"]["Q_e"] == "1 nS" and params["drive"]["model"] == "independent"
    assert json.loads(ds.attrs["protocol"])["duration_s"] == pytest.approx(duration)
    path = write_netcdf(ds, tmp_path / "net.nc")
    back = xr.load_dataset(path, engine="h5netcdf")
    xr.testing.assert_allclose(back["rate"], ds["rate"])
    assert back.attrs["backend"] == "test"


def test_stationary_statistics_exclude_refractory_samples():
    _, _, ds = _synthetic()
    st = stationary_statistics(ds, t_start=0.005)
    # Cell 0 spiked at step 100: V samples of steps 100-150 (the reset value) are excluded.
    assert st["mu_V_exc"] == pytest.approx(-0.06)
    assert st["sigma_V_exc"] == pytest.approx(0.0, abs=1e-12)
    assert st["mu_V_inh"] == pytest.approx(-0.055)
    assert st["mu_Ge_inh"] == pytest.approx(3e-9)
    assert st["nu_i"] == pytest.approx(1 / (4 * 0.015))  # one spike, 4 cells, 15 ms
    with pytest.raises(InputRangeError, match="t_start"):
        stationary_statistics(ds, t_start=0.5)


def test_dataset_is_time_first_with_si_attrs():
    """The data model of docs/data-model.md: time first, units everywhere, SI attrs."""
    m, duration, ds = _synthetic()
    assert ds["rate"].dims == ("time", "population")
    assert ds["external_rate"].dims == ("time", "population")
    assert ds["rate_binned"].dims == ("time_bin", "population")
    assert ds["V"].dims == ("time", "cell") and ds["G_e"].dims == ("time", "cell")
    np.testing.assert_allclose(ds["time_bin"].values, [2.5e-3, 7.5e-3, 12.5e-3, 17.5e-3])
    for name, coord in ds.coords.items():
        if coord.dtype.kind in "iuf":
            assert "units" in coord.attrs, name
    for name, var in ds.data_vars.items():
        assert "units" in var.attrs, name
    assert ds["time_bin"].attrs["units"] == "s" and ds["cell"].attrs["units"] == "1"
    assert ds.attrs["dt_s"] == pytest.approx(1e-4) and ds.attrs["duration_s"] == duration
    assert ds.attrs["t_ref_exc_s"] == pytest.approx(5e-3)
    for old in ("dt", "duration", "t_ref_exc", "t_ref_inh"):
        assert old not in ds.attrs
    assert ds["V"].isel(time=120, cell=0).item() == pytest.approx(-0.065)
    check_layout(ds)
    with pytest.raises(ParameterError, match="rate has dims"):
        check_layout(ds.assign(rate=ds["rate"].transpose()))
    with pytest.raises(ParameterError, match="no attribute 'dt_s'"):
        check_layout(ds.drop_attrs())


def test_network_rate_is_the_population_average():
    _, _, ds = _synthetic()
    st = stationary_statistics(ds, t_start=0.0)
    g = ds.attrs["inhibitory_fraction"]
    assert st["nu"] == pytest.approx(population_average(st["nu_e"], st["nu_i"], g))
    assert st["nu"] == pytest.approx(0.8 * st["nu_e"] + 0.2 * st["nu_i"])


def test_statistics_as_si_attrs_and_summary():
    _, _, ds = _synthetic()
    st = stationary_statistics(ds, t_start=0.005)
    assert statistic_unit("nu_e") == "Hz" and statistic_unit("sigma_nu_i") == "Hz"
    assert statistic_unit("mu_V_exc") == "V" and statistic_unit("sigma_Gi_inh") == "S"
    assert statistic_unit("mu_w_exc") == "A"
    with pytest.raises(ParameterError, match="unknown statistic"):
        statistic_unit("mu_X_exc")
    attrs = statistics_attrs(st, 0.005)
    assert attrs["stationary_start_s"] == 0.005
    assert attrs["stationary_nu_i_Hz"] == pytest.approx(st["nu_i"])
    assert attrs["stationary_mu_V_exc_V"] == pytest.approx(-0.06)
    ds.attrs.update(attrs)
    assert statistics_from_attrs(ds) == pytest.approx(st, nan_ok=True)
    summary = run_summary(ds)
    assert summary["n_total"] == 20 and summary["seed"] == 7 and summary["duration"] == 0.02
    assert summary["drive"] == 4.0 and summary["drive_events"] == "bernoulli"
    assert summary["nu_i"] == pytest.approx(st["nu_i"])
    assert summary["stationary_start"] == 0.005
    assert summary["simulation_s"] == 1.0 and np.isnan(summary["wall_time_s"])
    json.dumps(summary)  # JSON-friendly


def test_population_average_of_large_maps_in_place_is_the_expression():
    """The block-wise average of large maps (written in place into the excitatory map, as the
    ring does with its kernel's channels) equals the whole-array expression to the last bit,
    and writing over the inhibitory map, which is still to be read, is refused."""
    rng = np.random.default_rng(0)
    exc, inh = rng.uniform(0, 50, (2, 3001, 30))  # 90,030 entries: more than one block
    g = 0.2
    expected = (1.0 - g) * exc + g * inh
    np.testing.assert_array_equal(population_average(exc, inh, g), expected)
    in_place = exc.copy()
    assert population_average(in_place, inh, g, out=in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)
    with pytest.raises(ValueError, match="excitatory input only"):
        population_average(exc, inh, g, out=inh)
