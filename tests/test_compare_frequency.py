"""Frequency response (Fig. 6): the mean field's linear response, the protocol, the CLI."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.compare.frequency import (
    FREQUENCIES,
    QUICK_INDICES,
    SIGNALS,
    frequency_comparison,
    frequency_summary,
    mean_field_responses,
    run_duration,
)
from adexmf.compare.metrics import fit_sinusoid_response, wrapped_phase_difference
from adexmf.compare.protocol import Scale
from adexmf.compare.timing import fit_time_constant, mismatch
from adexmf.errors import InputFileError, InputRangeError, ValidityWarning
from adexmf.meanfield import MeanFieldModel
from adexmf.meanfield.response import afferent_sensitivity, linear_response
from adexmf.meanfield.variants import get_variant

runner = CliRunner()
RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results" / "network.json"


@pytest.mark.parametrize(
    "preset, order, adaptation",
    [("zerlaut2018", 1, False), ("zerlaut2018", 2, False), ("corrected_adaptation", 1, True)],
)
def test_linear_response_is_the_small_amplitude_limit_of_a_run(preset, order, adaptation):
    """A weak sinusoid (0.02 Hz) integrated in time gives the gain (2 pi i f - J)^-1 b of the
    exact Jacobian: two independent computations of the same response. The run starts at
    the fixed point of the mean input A/2 so that no slow adaptation transient remains."""
    model = MeanFieldModel(preset, order=order, adaptation=adaptation)
    amplitude, t0 = 0.02, 0.5
    start = model.fixed_point(drive=4.0, afferent=amplitude / 2)
    for f in (8.0, 80.0):
        gain = linear_response(model, [f], 4.0, afferent=amplitude / 2)[0, 0]

        def stim(t, f=f):
            return amplitude * (1 - np.cos(2 * np.pi * f * (np.asarray(t) - t0))) / 2

        ds = model.run(1.5, dt=2e-5, drive=4.0, afferent=stim, initial=start, observables=False)
        fit = fit_sinusoid_response(ds.time.values, ds.rate.values[:, 0], f, t0, t_start=0.5)
        assert fit.amplitude / amplitude == pytest.approx(abs(gain), rel=2e-3)
        assert wrapped_phase_difference(fit.phase, np.angle(gain)) == pytest.approx(0, abs=5e-3)


def test_linear_response_limits():
    """f -> 0: the static gain d nu*/d nu_aff of the fixed points; f -> infinity: an
    integrator, |H| = |b_e| / (2 pi f) with a quarter-period lag."""
    model = MeanFieldModel("zerlaut2018", order=1)
    h = 1e-3
    nu = [model.fixed_point(drive=4.0, afferent=a).state["nu_e"] for a in (1.0 - h, 1.0 + h)]
    static = (nu[1] - nu[0]) / (2 * h)
    low = linear_response(model, [1e-3], 4.0, afferent=1.0)[0, 0]
    assert abs(low) == pytest.approx(static, rel=1e-5) and abs(np.angle(low)) < 1e-3
    fp = model.fixed_point(drive=4.0, afferent=1.0)
    b_e = afferent_sensitivity(model, fp.vector, 4.0, 1.0)[0]
    high = linear_response(model, [1e6], 4.0, afferent=1.0)[0, 0]
    assert abs(high) == pytest.approx(abs(b_e) / (2 * np.pi * 1e6), rel=1e-3)
    assert np.angle(high) == pytest.approx(-np.pi / 2, abs=1e-2)


def test_linear_response_errors():
    model = MeanFieldModel("zerlaut2018", order=1)
    with pytest.raises(InputRangeError, match="frequency = 0.0 Hz"):
        linear_response(model, [10.0, 0.0], 4.0)


def test_protocol_grid():
    assert FREQUENCIES.size == 20 and FREQUENCIES[0] == 1.0 and FREQUENCIES[-1] == 300.0
    quick = FREQUENCIES[QUICK_INDICES]
    assert quick.size == 8 and quick[0] == 1.0 and quick[-1] == 300.0
    assert np.any(np.abs(quick - 50.0) < 1.0)  # near the network's resonance
    assert run_duration(1.0) == pytest.approx(2.5) and run_duration(50.0) == pytest.approx(1.5)


@pytest.fixture(scope="module")
def mean_field_only():
    return frequency_comparison(["reference", "corrected"], network=False,
                                frequencies=[1.0, 10.0, 50.0, 300.0])  # fmt: skip


def test_first_order_mean_field_is_a_low_pass_filter(mean_field_only):
    """SPEC 7 row 6: the first-order mean field is a low-pass filter: the amplitude falls
    and the lag grows with the frequency, and the simulated response sits near its linear
    response around the mean input."""
    s = frequency_summary(mean_field_only)["mf"]
    for v in ("reference", "corrected"):
        amp, phase = np.array(s[v]["amplitude_Hz"]), np.array(s[v]["phase_rad"])
        assert np.all(np.diff(amp) < 0) and np.all(np.diff(phase) < 0)
        assert -0.1 < phase[0] <= 0 and -np.pi < phase[-1] < -np.pi / 2
        assert amp[-1] < 0.15 * amp[0]
        lin = np.array(s[v]["linear_amplitude_Hz"])
        np.testing.assert_allclose(amp, lin, rtol=0.15)
    assert s["reference"]["peak_frequency_Hz"] == 1.0  # no resonance


def test_cli_frequency_mean_field_only(tmp_path):
    result = runner.invoke(app, ["compare", "frequency", "--no-network", "--variant",
                                 "reference", "--out", str(tmp_path), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert len(summary["frequency_Hz"]) == 8 and summary["amplitude_Hz"] == 4.5
    assert len(summary["mf"]["reference"]["amplitude_Hz"]) == 8
    assert len(summary["mf"]["reference"]["phase_rad"]) == 8
    with xr.open_dataset(tmp_path / "frequency.nc") as ds:
        assert ds.mf_fit.dims == ("variant", "frequency", "fit", "signal")
        assert list(ds.signal.values) == ["nu", "nu_e", "nu_i"] and ds.attrs["signal"] == "nu"
    bad = runner.invoke(app, ["compare", "frequency", "--no-network", "--stimulus", "paper",
                              "--out", str(tmp_path)])  # fmt: skip
    assert bad.exit_code == 2 and "stimulus = 'paper'" in bad.output and "code, text" in bad.output
    bad = runner.invoke(app, ["compare", "frequency", "--no-network", "--order", "3",
                              "--out", str(tmp_path)])  # fmt: skip
    assert bad.exit_code == 2 and "order = 3" in bad.output


@pytest.mark.network
def test_small_network_frequency_response_and_its_resume(tmp_path):
    """A 1,000-neuron network (in-degrees kept) at one frequency, through the Dask sweep; the
    rerun reads the stored task."""
    f = float(FREQUENCIES[10])  # 20.1 Hz, a frequency of the paper's grid
    scale = Scale(n_total=1000, duration=1.5, seeds=1, traced_cells=0)
    ds = frequency_comparison(["reference"], scale=scale, frequencies=[f], out=tmp_path)
    # Against the 10,000-neuron network's response of nu at the same frequency (paper scale,
    # seeds 1-3, docs/results/network.json): within 15 % in amplitude and 0.2 rad in phase.
    # Tolerances from measurements: the 1,000-neuron network's seed spread is 3 % (std, 4
    # seeds) and 0.02 rad; the smaller network responds ~7 % less (finite size).
    paper = json.loads(RESULTS.read_text())["values"]["frequency"]
    k = int(np.argmin(np.abs(np.array(paper["frequency_Hz"]) - f)))
    amp = float(ds.network_amplitude.sel(signal="nu", frequency=f))
    assert amp == pytest.approx(paper["amplitude_Hz"][k], rel=0.15)
    phase = float(ds.network_phase.sel(signal="nu", frequency=f))
    assert abs(wrapped_phase_difference(phase, paper["phase_rad"][k])) < 0.2
    stored = list((tmp_path / "tasks").glob("*.nc"))
    assert len(stored) == 1
    mtime = stored[0].stat().st_mtime_ns
    again = frequency_comparison(["corrected"], scale=scale, frequencies=[f], out=tmp_path)
    assert stored[0].stat().st_mtime_ns == mtime
    xr.testing.assert_identical(again.network_fit, ds.network_fit)


def _synthetic_network(T: float, frequencies) -> xr.Dataset:
    """A 'network' frequency response that is the reference mean field's at time constant T."""
    variant = dataclasses.replace(get_variant("reference"), T=T)
    f = np.asarray(frequencies, dtype=float)
    r = mean_field_responses(variant, f, 4.0, 4.5, 10_000)
    fp = ("frequency", "signal")
    return xr.Dataset(
        {"network_amplitude": (fp, r["fit"][:, 0, :]), "network_phase": (fp, r["fit"][:, 1, :])},
        coords={"frequency": f, "signal": list(SIGNALS), "seed": [1]},
        attrs={"protocol": "frequency response (SPEC 7 row 6)", "drive_Hz": 4.0,
               "amplitude_Hz": 4.5, "n_total": 10_000, "order": 1, "signal": "nu"},
    )  # fmt: skip


def test_fitted_time_constant_recovers_a_known_one(tmp_path):
    """The fit of T against a response made with T = 8 ms finds 8 ms and a zero mismatch."""
    network = _synthetic_network(8e-3, [2.0, 10.0, 40.0, 150.0])
    assert mismatch("reference", network, T=8e-3).loss == pytest.approx(0.0, abs=1e-12)
    assert mismatch("reference", network).loss > 0.01
    result = fit_time_constant("reference", network)
    assert result["T_s"] == pytest.approx(8e-3, rel=0.02)
    assert result["fitted"]["loss"] < 1e-3 < result["default"]["loss"]
    path = tmp_path / "no-network.nc"
    network.drop_vars(["network_amplitude", "network_phase"]).to_netcdf(path)
    with pytest.raises(InputFileError, match="no network part"):
        fit_time_constant("reference", path)
    bad = runner.invoke(app, ["compare", "fit-time-constant", str(tmp_path / "missing.nc")])
    assert bad.exit_code == 2 and "missing.nc" in bad.output and "Traceback" not in bad.output


def _authors_first_order_response(frequencies: list[float]) -> np.ndarray:
    """Amplitudes A' (Hz) of the population signal nu = (1 - g) nu_e + g nu_i of the reference
    first-order mean field under the [code] sinusoid, computed independently of the package's
    integrator and fit: the equations of SPEC 5.1 (T dnu_e/dt = F_RS(nu_e + drive + aff(t),
    nu_i) - nu_e, T dnu_i/dt = F_FS(nu_e + drive, nu_i) - nu_i) integrated by classical
    Runge-Kutta (dt 0.25 ms = T/20: error ~(dt/T)^4) from the fixed point, one column per
    frequency, and the sinusoid fitted by linear least squares on (1, cos, sin) — the
    template B + A'(1 - cos(w t + phi))/2 is linear there — over the protocol's window."""
    from adexmf import TransferFunction, load_preset

    preset = load_preset("zerlaut2018")
    rs, fs = (TransferFunction.from_preset(preset, c) for c in ("RS", "FS"))
    T, drive, A, t0, dt = 5e-3, 4.0, 4.5, 0.5, 2.5e-4
    g = preset.network.inhibitory_fraction
    w = 2 * np.pi * np.asarray(frequencies)

    def rhs(t, y):
        aff = A * (1 - np.cos(w * (t - t0))) / 2
        return np.stack([rs(y[0] + drive + aff, y[1]) - y[0], fs(y[0] + drive, y[1]) - y[1]]) / T

    fp = MeanFieldModel(preset, order=1).fixed_point(drive=drive).vector[:2]
    y = np.repeat(fp[:, None], w.size, axis=1)
    t = t0 + dt * np.arange(int(round((max(map(run_duration, frequencies)) - t0) / dt)))
    nu = np.empty((t.size, w.size))
    with warnings.catch_warnings():  # the reference leaves its fit domain (nu_i > 20 Hz) at
        warnings.simplefilter("ignore", ValidityWarning)  # the peaks, as the protocol counts
        for k, tk in enumerate(t):
            nu[k] = (1 - g) * y[0] + g * y[1]
            k1 = rhs(tk, y)
            k2 = rhs(tk + dt / 2, y + dt / 2 * k1)
            k3 = rhs(tk + dt / 2, y + dt / 2 * k2)
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + rhs(tk + dt, y + dt * k3))
    amplitudes = []
    for j, f in enumerate(frequencies):
        keep = t < run_duration(f)
        x = w[j] * (t[keep] - t0)
        basis = np.stack([np.ones_like(x), np.cos(x), np.sin(x)], axis=1)
        _, c, s = np.linalg.lstsq(basis, nu[keep, j], rcond=None)[0]
        amplitudes.append(2 * np.hypot(c, s))
    return np.array(amplitudes)


def test_reference_variant_fits_the_population_signal_as_the_authors():
    """The paper's Fig. 6 (and the authors' code) fit the population signal nu (SPEC 2.3,
    7 row 6). The protocol's default signal is nu, and the reference variant's amplitudes
    agree with an independent transcription (RK4 integration, linear least-squares fit) to
    0.2 %: they differ by the scheme (the protocol's Euler at 0.05 ms against RK4; measured
    2e-6 at 1 Hz, 1.6e-4 at 50 Hz, where Euler's phase error grows with f dt), the drive ramp
    (over by t0) and the fit (nonlinear against linear); nu_e differs from nu by 4-6 %.
    At 1 Hz the authors' code gives about 20.4 Hz for nu (19.2 Hz for nu_e, the quantity
    this protocol fitted before), so the population signal, not nu_e, is the paper's."""
    f = [1.0, 50.0]
    ds = frequency_comparison(["reference"], network=False, frequencies=f)
    assert ds.attrs["signal"] == "nu" and frequency_summary(ds)["signal"] == "nu"
    amp = ds.mf_fit.sel(variant="reference", fit="amplitude")
    expected = _authors_first_order_response(f)
    np.testing.assert_allclose(amp.sel(signal="nu").values, expected, rtol=2e-3)
    assert float(amp.sel(signal="nu", frequency=1.0)) == pytest.approx(20.4, rel=0.02)
    assert float(amp.sel(signal="nu_e", frequency=1.0)) == pytest.approx(19.2, rel=0.02)
    # nu is the population average of the rates, so its amplitude lies between theirs
    lo = np.minimum(amp.sel(signal="nu_e"), amp.sel(signal="nu_i"))
    hi = np.maximum(amp.sel(signal="nu_e"), amp.sel(signal="nu_i"))
    assert np.all((lo <= amp.sel(signal="nu")) & (amp.sel(signal="nu") <= hi))
