"""Validity map: AI statistics on synthetic spikes, the mean-field part, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from adexmf.cli import app
from adexmf.compare.regimes import REGIME_KEYS, population_rate, regime_grids, regime_statistics
from adexmf.compare.validity_map import spike_statistics, validity_map, validity_summary
from adexmf.errors import ParameterError
from adexmf.meanfield import MeanFieldModel
from adexmf.timeseries import REGIMES

runner = CliRunner()


def _poisson(rng, n_cells, rate, duration):
    counts = rng.poisson(rate * duration, n_cells)
    neuron = np.repeat(np.arange(n_cells), counts)
    return rng.uniform(0.0, duration, counts.sum()), neuron


def test_independent_poisson_cells_are_irregular_and_asynchronous():
    rng = np.random.default_rng(3)
    t, i = _poisson(rng, 2000, 5.0, 20.0)
    s = spike_statistics(t, i, 2000, 0.0, 20.0)
    assert s["cv_isi"] == pytest.approx(1.0, abs=0.03)
    assert s["fano"] == pytest.approx(1.0, abs=0.05)
    assert s["active_fraction"] == 1.0


def test_regular_and_synchronous_cells():
    # Every cell fires at 10 Hz in the same 1 ms window of each period: CV 0, Fano >> 1.
    n, period = 500, 0.1
    times = np.arange(0.0, 10.0, period)
    rng = np.random.default_rng(0)
    t = (times[None, :] + rng.uniform(0, 1e-3, (n, times.size))).ravel()
    i = np.repeat(np.arange(n), times.size)
    s = spike_statistics(t, i, n, 0.0, 10.0)
    assert s["cv_isi"] < 0.02
    assert s["fano"] > 100.0
    # cells beyond n_cells (the inhibitory population) are left out
    s2 = spike_statistics(np.append(t, 5.0), np.append(i, n + 3), n, 0.0, 10.0)
    assert s2["active_fraction"] == 1.0 and s2["fano"] == pytest.approx(s["fano"], rel=1e-2)


def _up_down_spikes(rng, n_cells, period, duty, up_rate, duration):
    """Cells firing Poisson at ``up_rate`` (Hz) in shared UP states (the first ``duty`` of
    every ``period``, s) and silent in the DOWN states."""
    t, i = _poisson(rng, n_cells, up_rate, duration)
    keep = (t % period) < duty * period
    return t[keep], i[keep]


def test_network_regime_from_synthetic_spikes():
    """The regime of a population rate in 5 ms bins: independent Poisson cells are
    asynchronous, shared UP and DOWN states at 1 Hz a slow oscillation with the frequency,
    UP rate and duty cycle they were made with, no spikes silent."""
    rng = np.random.default_rng(8)
    n, duration, fs = 2000, 10.0, 1.0 / 5e-3
    t, i = _poisson(rng, n, 3.0, duration)
    r = regime_statistics(population_rate(t, i, n, 0.0, duration, 5e-3), fs)
    assert REGIMES[int(r["regime_code"])] == "asynchronous" and np.isnan(r["up_rate"])
    t, i = _up_down_spikes(rng, n, period=1.0, duty=0.3, up_rate=20.0, duration=duration)
    r = regime_statistics(population_rate(t, i, n, 0.0, duration, 5e-3), fs)
    assert REGIMES[int(r["regime_code"])] == "slow_oscillation"
    # Frequency: one Welch bin of the 10 s series (0.1 Hz). UP rate: 20 Hz, counting noise
    # ~1 % per bin averaged over 600 bins, plus edge bins the hysteresis admits (<= 2 %).
    assert r["oscillation_frequency"] == pytest.approx(1.0, abs=0.1)
    assert r["up_rate"] == pytest.approx(20.0, rel=0.03)
    assert r["duty_cycle"] == pytest.approx(0.3, abs=0.01)  # one 5 ms bin per edge: 1 %
    r = regime_statistics(population_rate(t[:0], i[:0], n, 0.0, duration, 5e-3), fs)
    assert REGIMES[int(r["regime_code"])] == "silent"


def test_regime_grids_take_the_majority_of_seeds():
    """Per point the regime of most seeds (ties to silent, then asynchronous); frequency,
    UP rate and duty cycle averaged over the seeds that oscillate, None elsewhere."""
    slow, asyn, silent = (float(REGIMES.index(r)) for r in
                          ("slow_oscillation", "asynchronous", "silent"))  # fmt: skip
    nan = np.nan
    # seed, drive (1), b (3), stat
    stats = np.array([
        [[[slow, 0.8, 12.0, 0.4], [asyn, nan, nan, nan], [silent, nan, nan, nan]]],
        [[[slow, 1.2, 14.0, 0.2], [slow, 1.0, 10.0, 0.5], [asyn, nan, nan, nan]]],
        [[[asyn, nan, nan, nan], [asyn, nan, nan, nan], [slow, 2.0, 9.0, 0.3]]],
    ])  # fmt: skip
    assert stats.shape[-1] == len(REGIME_KEYS)
    g = regime_grids(stats)
    assert g["regime"] == [["oscillating", "asynchronous", "silent"]]
    assert g["oscillation_frequency_Hz"] == [[pytest.approx(1.0), None, None]]
    assert g["up_rate_Hz"][0][0] == pytest.approx(13.0)
    assert g["duty_cycle"][0][0] == pytest.approx(0.3)


def test_mean_field_part_follows_the_branch_and_b():
    ds = validity_map(["reference", "adaptation"], network=False, drives=(2.0, 4.0, 8.0),
                      b_values=(0.0, 60e-12))  # fmt: skip
    ref = ds.mf_rate.sel(variant="reference", population="exc")
    # The 4 Hz branch of the second order (SPEC 10) and no dependence on b without W.
    assert float(ref.sel(drive=4.0, b=0.0)) == pytest.approx(2.399683, rel=1e-5)
    np.testing.assert_allclose(ref.sel(b=0.0), ref.sel(b=60e-12))
    ada = ds.mf_rate.sel(variant="adaptation", population="exc")
    assert np.all(ada.sel(b=60e-12).values < ada.sel(b=0.0).values)  # more adaptation, lower rate
    expected = MeanFieldModel("corrected_adaptation", order=2, adaptation=True, b=60e-12)
    assert float(ada.sel(drive=8.0, b=60e-12)) == pytest.approx(
        expected.fixed_point(8.0).state["nu_e"], rel=1e-6
    )
    s = validity_summary(ds)
    assert s["mf"]["reference"]["bifurcations"] == [] and "network" not in s
    # The deterministic mean field settles on its branch (ramped there, SPEC 10): steady,
    # no oscillation frequency; silent below 0.1 Hz (adaptation at 2 Hz, 60 pA: ~0.02 Hz)
    assert s["mf"]["reference"]["regime"] == [["asynchronous"] * 2] * 3
    assert s["mf"]["reference"]["oscillation_frequency_Hz"] == [[None] * 2] * 3
    low = float(ada.sel(drive=2.0, b=60e-12))
    assert s["mf"]["adaptation"]["regime"][0][1] == ("silent" if low < 0.1 else "asynchronous")
    with pytest.raises(ParameterError, match="b_values"):
        validity_map(["reference"], network=False, b_values=(-1e-12,))


def test_cli_validity_errors():
    bad = runner.invoke(app, ["compare", "validity", "--scale", "huge", "--no-network"])
    assert bad.exit_code == 2 and "scale = 'huge' is unknown" in bad.output
    bad = runner.invoke(app, ["compare", "validity", "--drive-events", "binomial"])
    assert bad.exit_code == 2 and "--drive-events = 'binomial' is unknown" in bad.output
    assert "bernoulli, poisson" in bad.output and "Traceback" not in bad.output


def test_drive_events_enter_the_task_hash_only_when_not_the_authors():
    """Bernoulli runs keep the hashes of runs stored before the option existed; Poisson runs
    are other tasks."""
    from adexmf.compare.protocol import get_scale
    from adexmf.compare.validity_map import network_specs
    from adexmf.sweep import task_key

    specs = network_specs(get_scale("quick"), [1], [4.0], [20e-12])
    assert network_specs(get_scale("quick"), [1], [4.0], [20e-12], "bernoulli") == specs
    poisson = network_specs(get_scale("quick"), [1], [4.0], [20e-12], "poisson")
    assert poisson[0]["drive_events"] == "poisson" and "drive_events" not in specs[0]
    assert task_key(poisson[0]) != task_key(specs[0])


def test_cli_validity_mean_field_only(tmp_path):
    result = runner.invoke(app, ["compare", "validity", "--no-network", "--variant", "reference",
                                 "--out", str(tmp_path), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert len(s["drive_Hz"]) == 6 and len(s["b_A"]) == 4
    assert np.shape(s["mf"]["reference"]["nu_e"]) == (6, 4)
    assert (tmp_path / "validity.nc").exists() and (tmp_path / "validity.png").exists()


def test_cli_validity_on_points_chosen_by_the_user(tmp_path):
    """--drive and --b choose the grid (each value with its unit); the mean field on it is
    the fixed point at those points, and a value out of range is one line naming it."""
    result = runner.invoke(app, ["compare", "validity", "--no-network", "--variant", "adaptation",
                                 "--drive", "3Hz,5Hz, 7Hz", "--b", "10pA,30pA",
                                 "--out", str(tmp_path), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["drive_Hz"] == pytest.approx([3.0, 5.0, 7.0])
    assert s["b_A"] == pytest.approx([10e-12, 30e-12])
    nu_e = np.array(s["mf"]["adaptation"]["nu_e"])
    assert nu_e.shape == (3, 2)
    assert np.all(np.diff(nu_e, axis=0) > 0) and np.all(np.diff(nu_e, axis=1) < 0)
    bad = runner.invoke(app, ["compare", "validity", "--no-network", "--drive", "30Hz"])
    assert bad.exit_code == 2 and "allowed: rates in [0.5, 20] Hz" in bad.output
    bad = runner.invoke(app, ["compare", "validity", "--no-network", "--b", "10"])
    assert bad.exit_code == 2 and "--b" in bad.output and "Traceback" not in bad.output


def test_isolated_cells_are_what_the_transfer_functions_describe():
    """Isolated cells at given input rates fire as the fitted transfer functions say (the
    corrected fits: RS with its free adaptation at the preset's b = 20 pA; fit RMS ~0.4 Hz),
    so the map's isolated-vs-network error separates the network's own effects from the
    fits' errors. The drive adds to the excitatory input; a larger b lowers the RS rate."""
    from adexmf.compare.validity_map import isolated_specs, isolated_task
    from adexmf.params import load_preset
    from adexmf.theory.transfer import TransferFunction

    rates = np.array([[[2.5, 12.0]]])  # drive, b, population (Hz)
    spec = isolated_specs([5.5], [20e-12], rates)[0]
    assert spec["nu_e_Hz"] == pytest.approx(8.0) and spec["nu_i_Hz"] == pytest.approx(12.0)
    spec = {**spec, "n_cells": 400, "duration_s": 4.0}
    out = isolated_task(spec)
    preset = load_preset("corrected")
    for cell, pop in (("RS", "exc"), ("FS", "inh")):
        expected = float(TransferFunction.from_preset(preset, cell)(8.0, 12.0))
        assert float(out.rate.sel(population=pop)) == pytest.approx(expected, abs=0.5), cell
    more = isolated_task({**spec, "rs_b_A": 60e-12})
    assert float(more.rate.sel(population="exc")) < float(out.rate.sel(population="exc")) - 0.3


def test_figure_regime_letters_mark_silent_oscillating_and_disagreements():
    """The map's letters: the network's s/o where it is not asynchronous (most common over
    seeds); a variant's letter only where its regime differs from the network's."""
    from adexmf.figures.fig4_7_comparison import _regime_marks
    from adexmf.timeseries import REGIMES

    codes = {name: REGIMES.index(name) for name in ("asynchronous", "slow_oscillation", "silent")}
    net = np.zeros((3, 2, 2, 4))  # seed, drive, b, stat
    net[..., 0] = codes["asynchronous"]
    net[:, 0, 0, 0] = codes["silent"]
    net[:2, 1, 1, 0] = codes["slow_oscillation"]  # 2 of 3 seeds oscillate
    marks = _regime_marks(net)  # (b, drive)
    assert marks.tolist() == [["s", ""], ["", "o"]]
    mf = np.zeros((1, 2, 2, 4))
    mf[..., 0] = codes["asynchronous"]
    reference = np.array([["silent", "asynchronous"], ["asynchronous", "oscillating"]])
    assert _regime_marks(mf, reference).tolist() == [["a", ""], ["", "a"]]
