"""Time integration of the mean field: convergence, batch mode, Datasets, input checks."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adexmf import stimuli
from adexmf.errors import InputRangeError, ParameterError
from adexmf.meanfield import MeanFieldModel, fixed_point, run, run_batch
from adexmf.netcdf import write_netcdf


@pytest.fixture(scope="module")
def second():
    return MeanFieldModel("zerlaut2018", order=2)


@pytest.fixture(scope="module")
def first():
    return MeanFieldModel("zerlaut2018", order=1)


def transient(amplitude=2.0, t0=0.8, tau1=0.06, tau2=0.1):
    """The double Gaussian of SPEC 7 row 5 (defaults), as a function of time (s)."""
    return functools.partial(
        stimuli.double_gaussian, amplitude=amplitude, t0=t0, tau1=tau1, tau2=tau2
    )


def test_long_second_order_integration_converges_to_the_fixed_point(second):
    target = fixed_point(second, 4.0)
    start = fixed_point(second, 3.0)  # a nearby, different state
    ds = run(second, 2.0, drive=4.0, initial=start, record_every=100, observables=False)
    final = ds.isel(time=-1)
    assert float(final.rate.sel(population="exc")) == pytest.approx(2.399683, rel=1e-5)
    for name in ("nu_e", "nu_i"):
        pop = "exc" if name == "nu_e" else "inh"
        got = float(final.rate.sel(population=pop))
        assert got == pytest.approx(target.state[name], rel=1e-9)
    for name in ("c_ee", "c_ei", "c_ii"):
        assert float(final[name]) == pytest.approx(target.state[name], rel=1e-8)


def test_starting_at_the_fixed_point_stays_there(second):
    ds = run(second, 0.5, drive=4.0, method="euler", observables=False)
    fp = fixed_point(second, 4.0)
    assert np.allclose(ds.rate.sel(population="exc"), fp.state["nu_e"], rtol=1e-10)


def test_zero_drive_is_quiescent_and_finite(second):
    ds = run(second, 1.0, drive=0.0)
    assert all(np.isfinite(ds[v]).all() for v in ds.data_vars)
    assert float(np.abs(ds.rate).max()) == 0.0
    assert float(np.abs(ds.c_ee).max()) == 0.0
    # From an active state without drive: decays to the quiescent state, finite.
    ds = run(second, 0.5, drive=0.0, initial={"nu_e": 1.0, "nu_i": 3.0})
    assert all(np.isfinite(ds[v]).all() for v in ds.data_vars)
    assert float(ds.rate.isel(time=-1).max()) < 1e-6
    assert float(ds.rate.min()) >= 0.0


@pytest.mark.parametrize(("method", "expected"), [("euler", 1.0), ("heun", 2.0)])
def test_order_of_convergence(second, method, expected):
    """Global error vs dt against a run at dt/16 (Heun): slope ~1 (Euler), ~2 (Heun)."""
    stim = transient(amplitude=4.0, t0=0.1, tau1=0.02, tau2=0.04)
    duration, coarse = 0.2, 4e-4

    def rates(dt, m):
        every = int(round(coarse / dt))
        ds = run(second, duration, dt=dt, drive=4.0, afferent=stim, method=m,
                 record_every=every, observables=False)  # fmt: skip
        return ds.rate.values

    reference = rates(coarse / 32, "heun")
    dts = [coarse, coarse / 2, coarse / 4, coarse / 8]
    errors = [np.abs(rates(dt, method) - reference).max() for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert slope == pytest.approx(expected, abs=0.15), (errors, slope)


def test_batch_matches_single_runs(second):
    drives = [2.0, 4.0, 7.0]
    stim = transient(t0=0.15, tau1=0.02, tau2=0.04)
    batch = run_batch(second, 0.3, drive_levels=drives, afferent=stim, record_every=10)
    assert batch.sizes["batch"] == 3
    for b, d in enumerate(drives):
        single = run(second, 0.3, drive=d, afferent=stim, record_every=10)
        np.testing.assert_allclose(batch.rate[b].values, single.rate.values, rtol=1e-12)
        np.testing.assert_allclose(batch.mu_V[b].values, single.mu_V.values, rtol=1e-12)
    assert np.allclose(batch.drive_level, drives)


def test_batch_of_parameter_sets(first):
    models = [first, first.replace(T=10e-3)]
    stim = transient(t0=0.1, tau1=0.02, tau2=0.04)
    ds = run_batch(models, 0.25, drive=4.0, afferent=stim, record_every=10)
    fast, slow = ds.rate.sel(population="exc").max("time").values
    assert ds.sizes["batch"] == 2
    assert slow < fast  # a slower population filters the stimulus more
    single = run(models[1], 0.25, drive=4.0, afferent=stim, record_every=10)
    np.testing.assert_allclose(ds.rate[1].values, single.rate.values, rtol=1e-12)
    with pytest.raises(ParameterError, match="same order"):
        run_batch([first, first.replace(order=2)], 0.1)
    with pytest.raises(ParameterError, match="batch sizes do not agree"):
        run_batch(models, 0.1, drive_levels=[1.0, 2.0, 3.0])


def test_dataset_layout_units_and_netcdf(second, tmp_path):
    ds = run(second, 0.05, drive=4.0, afferent=transient(t0=0.02, tau1=0.01, tau2=0.01))
    assert ds.rate.dims == ("time", "population")
    assert list(ds.population.values) == ["exc", "inh"]
    assert ds.time.attrs["units"] == "s" and ds.sizes["time"] == 501
    units = {
        "rate": "Hz", "rate_std": "Hz", "c_ee": "Hz^2", "drive": "Hz", "afferent": "Hz",
        "mu_V": "V", "sigma_V": "V", "tau_V": "s", "mu_Ge": "S", "sigma_Gi": "S", "vsd": "1",
        "mu_V_network": "V",
    }  # fmt: skip
    for name, unit in units.items():
        assert ds[name].attrs["units"] == unit, name
    for key in ("software", "created", "preset", "order", "method", "dt_s"):
        assert key in ds.attrs
    assert float(ds.vsd[0]) == 0.0 and float(ds.vsd.max()) > 0.0
    # The excitatory population sees the afferent input, the inhibitory one does not.
    assert float(ds.mu_V.sel(population="exc").max()) > float(ds.mu_V.sel(population="inh").max())
    path = write_netcdf(ds, tmp_path / "run.nc")
    back = xr.load_dataset(path)
    xr.testing.assert_allclose(back.rate, ds.rate)


def test_function_and_array_inputs_agree(first):
    stim = transient(t0=0.05, tau1=0.01, tau2=0.02)
    t = np.arange(1001) * 1e-4
    a = run(first, 0.1, drive=4.0, afferent=stim, observables=False)
    b = run(first, 0.1, drive=np.full(1001, 4.0), afferent=stim(t), observables=False)
    np.testing.assert_array_equal(a.rate.values, b.rate.values)


def test_bad_inputs_give_clear_errors(first):
    with pytest.raises(
        ParameterError, match=r"dt = 0.01 s is out of range; allowed: \(0, 0.0025\]"
    ):
        run(first, 1.0, dt=0.01)
    with pytest.raises(ParameterError, match="not a whole number of steps"):
        run(first, 0.00015, dt=1e-4)
    with pytest.raises(ParameterError, match="duration = -1 s is out of range"):
        run(first, -1.0)
    with pytest.raises(ParameterError, match="method = 'rk9'; allowed: euler, heun"):
        run(first, 0.01, method="rk9")
    with pytest.raises(InputRangeError, match=r"afferent = -1 Hz is not admissible"):
        run(first, 0.01, afferent=lambda t: -np.ones_like(t))
    with pytest.raises(InputRangeError, match="drive has 5 time samples; the grid has 101"):
        run(first, 0.01, drive=np.ones(5))
    with pytest.raises(ParameterError, match="record_every = 0 is out of range"):
        run(first, 0.01, record_every=0)
    with pytest.raises(InputRangeError, match="initial state"):
        run(first, 0.01, initial={"nu_e": -1.0})


@example(drive=3.0, amplitude=25.0, kind="sinusoid", frequency=101.0, order=2, method="euler")
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    drive=st.floats(0.0, 20.0),
    amplitude=st.floats(0.0, 30.0),
    kind=st.sampled_from(["double-gaussian", "sinusoid"]),
    frequency=st.floats(1.0, 300.0),
    order=st.sampled_from([1, 2]),
    method=st.sampled_from(["euler", "heun"]),
)
def test_no_nan_for_admissible_drives_and_stimuli(drive, amplitude, kind, frequency, order, method):
    """Drives 0-20 Hz and stimuli up to 30 Hz never produce NaN (SPEC 5.1)."""
    model = MeanFieldModel("zerlaut2018", order=order)
    if kind == "sinusoid":
        stim = functools.partial(stimuli.sinusoid, amplitude=amplitude, frequency=frequency,
                                 t0=0.02)  # fmt: skip
    else:
        stim = transient(amplitude=amplitude, t0=0.05, tau1=0.01, tau2=0.03)
    ds = run(model, 0.15, drive=drive, afferent=stim, method=method, record_every=5)
    for name, var in ds.data_vars.items():
        assert np.isfinite(var.values).all(), name
    assert float(ds.rate.min()) >= 0.0


@pytest.mark.slow
def test_hundred_seconds_under_strong_oscillatory_input_stay_finite(second):
    """100 s of second order (dt 0.1 ms) under a 30 Hz-amplitude sinusoid and 20 Hz drive."""
    stim = functools.partial(stimuli.sinusoid, amplitude=30.0, frequency=7.0, t0=1.0)
    ds = run(second, 100.0, drive=20.0, afferent=stim, record_every=100)
    for name, var in ds.data_vars.items():
        assert np.isfinite(var.values).all(), name
    assert float(ds.rate.min()) >= 0.0


def test_input_routing_is_configurable(first):
    """Afferent input on the excitatory population only by default; configurable."""
    stim = transient(t0=0.05, tau1=0.01, tau2=0.02)
    both = first.replace(afferent_to=(1.0, 1.0))
    syn, net = first.preset.synapses, first.preset.network
    for model, weight in ((first, 0.0), (both, 1.0)):
        ds = run(model, 0.1, drive=4.0, afferent=stim)
        exc_input = ds.rate.sel(population="exc") + ds.drive + weight * ds.afferent
        expected = syn.Q_e * syn.tau_e * net.K_e * exc_input  # mu_Ge = Q_e tau_e K_e nu
        np.testing.assert_allclose(ds.mu_Ge.sel(population="inh"), expected, rtol=1e-12)
    y = fixed_point(first, 4.0).vector
    assert np.array_equal(first.rhs(y, 4.0, 0.0), both.rhs(y, 4.0, 0.0))
    assert first.rhs(y, 4.0, 1.0)[1] != both.rhs(y, 4.0, 1.0)[1]


def test_strong_input_beyond_the_master_equation_stays_finite_and_bounded(second):
    """A 25 Hz sinusoid at 101 Hz on a 3 Hz drive makes the second order unstable (rate std
    ~ 100 Hz); Euler at dt = 0.1 ms once ran away to 5e6 Hz. Now every run stays in the
    admissible set: rates in [0, 1/T], PSD covariances with variances <= 1/(4 T^2)."""
    stim = functools.partial(stimuli.sinusoid, amplitude=25.0, frequency=101.0, t0=0.02)
    T = second.T
    for method in ("euler", "heun"):
        ds = run(second, 0.5, drive=3.0, afferent=stim, method=method, record_every=10)
        assert all(np.isfinite(v.values).all() for v in ds.data_vars.values())
        assert 0.0 <= float(ds.rate.min()) and float(ds.rate.max()) <= 1.0 / T + 1e-9
        assert float(ds.c_ee.max()) <= 0.25 / T**2 and float(ds.c_ii.min()) >= 0.0
        assert (ds.c_ei**2 <= ds.c_ee * ds.c_ii * (1 + 1e-12) + 1e-300).all()
    # Ordinary runs are untouched: no split step, exact fixed-step schemes.
    ordinary = run(second, 1.2, drive=4.0, afferent=transient(), method="euler")
    assert ordinary.attrs["substepped_steps"] == 0


def test_one_compiled_signature_per_kernel(first, second):
    from adexmf.meanfield.integrate import integrate_batch_kernel, integrate_kernel

    stim = transient(t0=0.005, tau1=0.002, tau2=0.002)
    run(first, 0.01, drive=4.0, afferent=stim)
    run(second, 0.01, drive=np.full(101, 4.0), afferent=1.0, method="euler")
    run_batch([first, first.replace(T=6e-3)], 0.01, drive_levels=[1.0, 2.0])
    assert len(integrate_kernel.signatures) == 1, integrate_kernel.signatures
    assert len(integrate_batch_kernel.signatures) == 1, integrate_batch_kernel.signatures
