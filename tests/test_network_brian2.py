"""Brian2 backend: physics checks on small networks (NumPy target: no compilation, so CI's
cold machines run them in seconds); compiled and full-size runs are marked slow."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adexmf import Network, cell_preset, shot_noise_statistics
from adexmf.network import (
    Afferent,
    NetworkModel,
    Population,
    Recorders,
    simulate,
    stationary_statistics,
)

pytestmark = pytest.mark.network

#: Small network keeping the paper's in-degrees (K_e = 400, K_i = 100): p = 0.5.
SMALL = {"n_total": 1000, "keep_in_degrees": True}

#: Stationary statistics of SMALL (1 s, drive 4 Hz, after 500 ms; NumPy target), mean and
#: standard deviation over seeds 1-16, measured (2026-12, this code): the seed spread is the
#: tolerance of a one-seed check. The small network fires below the paper-scale one (10,000
#: cells: nu_e = 1.702 +- 0.039, nu_i = 8.444 +- 0.049 Hz, docs/paper-vs-code.md), itself
#: below the mean field (2.395, 9.569 Hz, SPEC 10).
SMALL_STATS = {
    "nu_e": (1.074, 0.101),  # Hz
    "nu_i": (6.942, 0.124),  # Hz
    "mu_V_exc": (-55.42e-3, 0.49e-3),  # V
    "mu_Ge_exc": (10.08e-9, 0.20e-9),  # S
    "mu_Gi_exc": (17.15e-9, 0.87e-9),  # S
}
#: One seed lies within this many seed standard deviations of the 16-seed mean (a Gaussian
#: exceeds 4 sd with probability 6e-5; the mean's own error, sd / 4, is inside the margin).
N_SD = 4.0


@pytest.fixture(scope="module")
def small_run():
    model = NetworkModel.from_preset(**SMALL)
    return model, simulate(model, 1.0, seed=11, target="numpy")


@pytest.mark.parametrize("events", ["bernoulli", "poisson"])
def test_open_loop_cells_match_shot_noise_theory(events):
    """No recurrent synapses, non-spiking passive cells under the independent drive: the
    conductance and V statistics are those of shot noise (SPEC 3.1)."""
    passive = cell_preset("RS").replace(
        name="passive", delta_T=0.0, V_T=0.0, a=0.0, b=0.0, tau_w=None
    )
    nu = 2.0
    base = NetworkModel.from_preset(**SMALL, drive_rate=nu, ramp=0.0, drive_events=events)
    model = base.replace(
        excitatory=Population("exc", passive, base.excitatory.size),
        inhibitory=Population("inh", passive, base.inhibitory.size),
        recurrent=False,
        recorders=Recorders(traced={"exc": tuple(range(20))}),
    )
    ds = simulate(model, 1.0, seed=3, target="numpy")
    st = stationary_statistics(ds, t_start=0.1)
    net = Network(n_total=1000, inhibitory_fraction=0.2, connection_probability=0.5)
    theory = shot_noise_statistics(nu, 0.0, passive, model.synapses, net)
    assert st["nu_e"] == 0.0 and st["mu_Gi_exc"] == 0.0
    assert st["mu_Ge_exc"] == pytest.approx(float(theory.mu_Ge), rel=0.03)
    # Bernoulli events (probability p = K_e nu dt per step) have variance p (1 - p).
    factor = np.sqrt(1.0 - model.K_e * nu * model.dt) if events == "bernoulli" else 1.0
    assert st["sigma_Ge_exc"] == pytest.approx(float(theory.sigma_Ge) * factor, rel=0.03)
    assert st["mu_V_exc"] == pytest.approx(float(theory.mu_V), abs=0.3e-3)
    assert st["sigma_V_exc"] == pytest.approx(float(theory.sigma_V), rel=0.1)


def test_small_network_matches_its_measured_seed_distribution(small_run):
    """Rates, mean potential and conductances of seed 11 within N_SD seed deviations of the
    16-seed means (SMALL_STATS). A 10 % stronger excitatory synapse moves nu_i to 8.05 Hz
    (9 sd) and mu_Ge to 11.5 nS (7 sd); a 10 % stronger drive nu_i to 7.64 Hz (5.6 sd)."""
    model, ds = small_run
    st = stationary_statistics(ds)
    assert all(np.isfinite(v) for v in st.values())
    for key, (mean, sd) in SMALL_STATS.items():
        assert st[key] == pytest.approx(mean, abs=N_SD * sd), (key, st[key])
    # The network settles below the mean-field fixed point (SPEC 10), FS above RS.
    assert st["nu_e"] < 2.395 and st["nu_e"] < st["nu_i"] < 9.569
    # Silent before the drive has risen: no spike in the first 20 ms.
    assert ds["spike_time"].values.min() > 0.02


def test_dataset_structure_and_units(small_run):
    model, ds = small_run
    assert ds.sizes["time"] == 10_000 and ds.sizes["time_bin"] == 200
    assert ds["V"].dims == ("time", "cell") and ds.sizes["cell"] == 6
    assert ds["V"].attrs["units"] == "V" and ds["w"].attrs["units"] == "A"
    assert ds["rate_binned"].attrs["units"] == "Hz"
    np.testing.assert_allclose(ds["drive"].values[[0, 500, 1000, 9999]], [0, 2, 4, 4])
    assert ds["V"].isel(time=0).values == pytest.approx(-0.065)
    assert (ds["spike_neuron"].values < model.n_total).all()
    assert ds.attrs["backend"] == "brian2-runtime-numpy"
    info = json.loads(ds.attrs["backend_info"])
    assert "Euler" in info["integrator"]
    # V never exceeds the spike threshold in a recorded sample.
    assert ds["V"].sel(cell=ds["cell_population"] == "exc").max() < -0.040


def test_network_and_mean_field_datasets_compare_without_renaming(small_run):
    """The data model's promise (docs/data-model.md): a mean-field and a network Dataset of
    the same protocol subtract directly, no transposition, no renaming."""
    from adexmf.meanfield import MeanFieldModel

    model, net_ds = small_run
    duration = net_ds.attrs["duration_s"]
    mf_ds = MeanFieldModel("zerlaut2018", order=1).run(
        duration, dt=net_ds.attrs["dt_s"], drive=model.drive.rate_at
    )
    assert mf_ds.attrs["dt_s"] == net_ds.attrs["dt_s"]
    assert mf_ds.rate.dims == net_ds.rate.dims == ("time", "population")
    diff = mf_ds.rate.interp(time=net_ds.time_bin) - net_ds.rate_binned
    assert diff.dims == ("time_bin", "population")
    assert diff.sizes == net_ds.rate_binned.sizes  # every bin aligned, none dropped
    np.testing.assert_array_equal(diff.time_bin.values, net_ds.time_bin.values)
    assert list(diff.population.values) == ["exc", "inh"]
    assert np.isfinite(diff.values).all()
    # Same drive on both sides, so the two start silent and settle in the same regime.
    np.testing.assert_allclose(mf_ds.drive.interp(time=net_ds.time), net_ds.drive, atol=1e-9)
    # The mean field's stationary rates minus the network's: the fixed point (SPEC 10) less
    # the network's seed means, within N_SD seed deviations (the mean field has no noise).
    late = diff.sel(time_bin=slice(0.5, None)).mean("time_bin").values
    expected = [2.395209 - SMALL_STATS["nu_e"][0], 9.569056 - SMALL_STATS["nu_i"][0]]
    sd = np.array([SMALL_STATS["nu_e"][1], SMALL_STATS["nu_i"][1]])
    assert np.all(np.abs(late - expected) < N_SD * sd), (late, expected)
    assert np.all(late > 0)  # SPEC 10: the network settles below the mean field
    per_step = mf_ds.rate.interp(time=net_ds.time) - net_ds.rate
    assert per_step.dims == ("time", "population") and per_step.sizes == net_ds.rate.sizes


def test_same_seed_same_run_other_seed_other_run(small_run):
    model, ds = small_run
    short = model.replace(recorders=Recorders(traced={}))
    a = simulate(short, 0.3, seed=11, target="numpy")
    b = simulate(short, 0.3, seed=11, target="numpy")
    c = simulate(short, 0.3, seed=12, target="numpy")
    np.testing.assert_array_equal(a["spike_time"].values, b["spike_time"].values)
    np.testing.assert_array_equal(a["spike_neuron"].values, b["spike_neuron"].values)
    assert a.sizes["spike"] != c.sizes["spike"] or not np.array_equal(
        a["spike_neuron"].values, c["spike_neuron"].values
    )
    # The first 300 ms of the longer run with the same seed are the same network activity.
    first = ds["spike_time"].values < 0.3
    np.testing.assert_array_equal(ds["spike_time"].values[first], a["spike_time"].values)


def test_population_drive_and_afferent_input():
    aff = Afferent(lambda t: np.where(t >= 0.4, 3.0, 0.0), population="exc")
    model = NetworkModel.from_preset(**SMALL, drive_model="population", afferent=aff)
    ds = simulate(model, 0.6, seed=2, target="numpy")
    ext = ds["external_rate"]
    assert ext.sel(population="inh").values[-1] == pytest.approx(4.0)
    assert ext.sel(population="exc").values[-1] == pytest.approx(7.0)
    rate = ds["rate"].sel(population="exc")
    before = rate.sel(time=slice(0.2, 0.4)).mean().item()
    after = rate.sel(time=slice(0.45, 0.6)).mean().item()
    assert np.isfinite(before) and after > before + 1.0  # the afferent input drives the cells
    assert json.loads(ds.attrs["protocol"])["drive_model"] == "population"


@pytest.mark.slow
def test_standalone_reruns_without_recompiling():
    from adexmf.engines.brian2_cells import cache_dir
    from adexmf.network import Brian2Standalone

    model = NetworkModel.from_preset(**SMALL)
    with Brian2Standalone(model, 0.6) as sim:
        assert sim.directory.is_relative_to(cache_dir())
        mtime = sim.binary.stat().st_mtime
        a = sim.run(1)
        b = sim.run(2, drive=lambda t: np.full_like(t, 6.0))
        c = sim.run(1)
        assert sim.binary.stat().st_mtime == mtime
    # Brian2 is back in runtime mode: the same seed gives the same network there.
    d = simulate(model, 0.6, seed=1, target="numpy")
    np.testing.assert_array_equal(a["spike_time"].values, d["spike_time"].values)
    np.testing.assert_array_equal(a["spike_time"].values, c["spike_time"].values)
    assert stationary_statistics(b, 0.3)["nu_e"] > stationary_statistics(a, 0.3)["nu_e"]
    assert b["drive"].values[0] == pytest.approx(6.0)


@pytest.mark.slow
def test_paper_network_cython_runtime():
    ds = simulate(NetworkModel.from_preset(), 1.5, seed=5)
    st = stationary_statistics(ds)
    # docs/paper-vs-code.md, Fig 4 (seeds 1-5): nu_e = 1.702 +- 0.039, nu_i = 8.444 +- 0.049
    # Hz; one seed within N_SD of them, below the mean-field fixed point (2.4, 9.6 Hz; SPEC 10)
    assert st["nu_e"] == pytest.approx(1.702, abs=N_SD * 0.039)
    assert st["nu_i"] == pytest.approx(8.444, abs=N_SD * 0.049)
