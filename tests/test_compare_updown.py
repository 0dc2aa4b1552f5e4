"""The regime map of a network with UP-DOWN states (adexmf.compare.updown, issue 26 item 4).

The network runs are replaced by synthetic task results (their regime statistics are the
criterion of adexmf.timeseries, tested on synthetic signals in test_timeseries); the mean
field is integrated for real.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from adexmf.compare import updown
from adexmf.compare.regimes import REGIME_KEYS
from adexmf.errors import ParameterError
from adexmf.meanfield.variants import get_variant
from adexmf.noise import DriveNoise
from adexmf.timeseries import REGIMES

ASYNC, SLOW = REGIMES.index("asynchronous"), REGIMES.index("slow_oscillation")


def _stats(code: int, freq: float = np.nan, up: float = np.nan) -> list[float]:
    return [float(code), freq, up, 0.3 if np.isfinite(freq) else np.nan]


def test_mean_field_run_reaches_its_fixed_point_without_noise():
    """Without noise and adaptation the run from the silent state settles on the model's
    relevant fixed point well before T_START (the slowest time constant is T = 5 ms), so its
    window mean equals the fixed point's rates (to 1e-6 relative: Heun at 0.1 ms)."""
    model = get_variant("reference").model(order=2)
    out = updown.mean_field_regime(model, 4.0, 0.0, seed=1)
    fp = model.fixed_point(4.0)
    np.testing.assert_allclose(out[:2], [fp.state["nu_e"], fp.state["nu_i"]], rtol=1e-6)
    assert out[2] == ASYNC and np.isnan(out[3])


def test_mean_field_noise_is_the_network_seeds_realization():
    """Seed k of the mean field reads the drive of the network run of seed k: the same
    DriveNoise realization gives the same rates, another seed other rates."""
    model = get_variant("reference").model(order=1)
    a = updown.mean_field_regime(model, 4.0, 0.0, seed=2, noise_sigma=1.0)
    b = updown.mean_field_regime(model, 4.0, 0.0, seed=2, noise_sigma=1.0)
    c = updown.mean_field_regime(model, 4.0, 0.0, seed=3, noise_sigma=1.0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[:2], c[:2])
    drive = updown.NetworkRun(drive=4.0, duration=updown.DURATION, seed=2,
                              noise_sigma=1.0).network_model().drive  # fmt: skip
    assert drive.noise == DriveNoise(1.0, 5e-3, seed=2)


def test_finite_size_runs_are_seeded():
    model = get_variant("adaptation-W").model(order=1)
    a, b, c = (updown.mean_field_regime(model, 4.0, 20e-12, seed=s, finite_size=True)
               for s in (1, 1, 2))  # fmt: skip
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[:2], c[:2])


def _synthetic_map(network_codes, mf_codes) -> xr.Dataset:
    """A map with one drive, b along the codes, two seeds."""
    n_b = len(network_codes)
    net = np.array([[[_stats(c, 0.6, 3.0) if c == SLOW else _stats(c) for c in network_codes]]] * 2)
    mf = np.array([[[_stats(c, 0.75, 2.1) if c == SLOW else _stats(c) for c in mf_codes]]] * 2)
    sdb = ("seed", "drive", "b")
    return xr.Dataset(
        {"network_rate": ((*sdb, "population"), np.ones((2, 1, n_b, 2))),
         "network_regime_stats": ((*sdb, "regime_stat"), net),
         "mf_rate": (("model", *sdb, "population"), np.ones((1, 2, 1, n_b, 2))),
         "mf_regime_stats": (("model", *sdb, "regime_stat"), mf[None])},
        coords={"model": ["m"], "seed": [1, 2], "drive": [0.35], "b": np.arange(n_b) * 20e-12,
                "population": ["exc", "inh"], "regime_stat": list(REGIME_KEYS)},
    )  # fmt: skip


def test_scores_boundary_frequency_and_up_rate():
    ds = _synthetic_map([ASYNC, ASYNC, SLOW, SLOW], [ASYNC, ASYNC, ASYNC, SLOW])
    s = updown.regime_scores(ds)
    assert s["network"]["regime"] == [["asynchronous", "asynchronous", "oscillating",
                                       "oscillating"]]  # fmt: skip
    assert s["network"]["boundary_b_A"] == [pytest.approx(40e-12)]
    mf = s["mf"]["m"]
    assert mf["boundary_b_A"] == [pytest.approx(60e-12)]
    assert mf["boundary_step_error"] == [1] and mf["boundary_within_one_step"] == [True]
    # Both oscillate only at the last b: 0.75 vs 0.6 Hz (+25 %), 2.1 vs 3.0 Hz (-30 %).
    assert mf["error_oscillation_frequency_percent"][0][:3] == [None, None, None]
    assert mf["error_oscillation_frequency_percent"][0][3] == pytest.approx(25.0)
    assert mf["error_up_rate_percent"][0][3] == pytest.approx(-30.0)


def test_scores_when_one_side_never_oscillates():
    s = updown.regime_scores(_synthetic_map([ASYNC, SLOW, SLOW], [ASYNC, ASYNC, ASYNC]))
    mf = s["mf"]["m"]
    assert mf["boundary_b_A"] == [None] and mf["boundary_step_error"] == [None]
    assert mf["boundary_within_one_step"] == [False]
    s = updown.regime_scores(_synthetic_map([ASYNC, ASYNC], [ASYNC, ASYNC]))
    assert s["mf"]["m"]["boundary_within_one_step"] == [True]  # neither oscillates


def _fake_run(spec) -> xr.Dataset:
    """A network task's result: rates (drive, b in pA), oscillating above 30 pA at a
    frequency of seed / 2 Hz."""
    b = spec["rs_b_A"]
    stats = _stats(SLOW if b > 30e-12 else ASYNC, 0.5 * spec["seed"], 2.0)
    return xr.Dataset(
        {"rate": (("population",), [spec["drive_Hz"], b * 1e12]),
         "cv_isi": ((), 0.8), "fano": ((), 1.5),
         **{k: ((), v) for k, v in zip(REGIME_KEYS, stats, strict=True)}},
        coords={"population": ["exc", "inh"]},
    )  # fmt: skip


def test_regime_map_end_to_end_on_synthetic_network_runs(monkeypatch, tmp_path):
    """The network tasks' results land at their (seed, drive, b) and the mean field runs on
    the same grid (the task order of network_specs: drive-major, then b, then seed)."""
    specs_seen = []

    def fake_tasks(task, specs, out, scheduler, progress):
        specs_seen.extend(specs)
        return [_fake_run(s) for s in specs]

    monkeypatch.setattr(updown, "run_network_tasks", fake_tasks)
    model = get_variant("reference").model(order=1)
    ds = updown.regime_map("zerlaut2018", {"ref": model}, drives=[2.0, 4.0],
                           b_values=[0.0, 60e-12], seeds=2, out=tmp_path)  # fmt: skip
    assert len(specs_seen) == 8 and all(s["duration_s"] == updown.DURATION for s in specs_seen)
    np.testing.assert_array_equal(ds.network_rate.sel(population="exc").values,
                                  [[[2.0, 2.0], [4.0, 4.0]]] * 2)  # fmt: skip
    np.testing.assert_allclose(ds.network_rate.sel(population="inh", seed=2).values,
                               [[0.0, 60.0], [0.0, 60.0]])  # fmt: skip
    freq = ds.network_regime_stats.sel(regime_stat="oscillation_frequency")
    np.testing.assert_array_equal(freq.sel(b=60e-12, drive=2.0).values, [0.5, 1.0])
    # The reference variant has no W: every b is the same deterministic run.
    mf = ds.mf_rate.sel(model="ref", population="exc").values
    assert np.allclose(mf[:, 1, 0], model.fixed_point(4.0).state["nu_e"], rtol=1e-6)
    assert updown.regime_scores(ds)["network"]["boundary_b_A"] == [60e-12, 60e-12]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"drives": [30.0]}, "drives"), ({"b_values": [-1e-12]}, "b_values"),
     ({"b_values": [60e-12, 20e-12]}, "b_values"), ({"seeds": 0}, "seeds")],
)  # fmt: skip
def test_bad_grid_is_refused_before_any_run(kwargs, name, tmp_path):
    model = get_variant("reference").model(order=1)
    with pytest.raises(ParameterError, match=name):
        updown.regime_map("zerlaut2018", {"ref": model}, out=tmp_path, **kwargs)


def test_regime_map_figure_is_written(tmp_path):
    from adexmf.figures.updown import plot_regime_map

    files = plot_regime_map(_synthetic_map([ASYNC, SLOW, SLOW], [ASYNC, ASYNC, SLOW]),
                            tmp_path / "updown.png")  # fmt: skip
    assert sorted(f.suffix for f in files) == [".png", ".svg"]
    assert all(f.stat().st_size > 1000 for f in files)


def _synthetic_continuation() -> xr.Dataset:
    """A branch of fixed points of model "m" along b: stable up to a Hopf point at 30 pA."""
    b = np.linspace(0.0, 100e-12, 50)
    return xr.Dataset(
        {"branch_b": (("model", "drive", "branch_point"), b[None, None]),
         "branch_nu_e": (("model", "drive", "branch_point"), (5.0 - b / 30e-12)[None, None]),
         "branch_stable": (("model", "drive", "branch_point"), (b < 30e-12)[None, None]),
         "hopf": (("model", "drive", "hopf_stat"), np.array([[[30e-12, 50.0]]])),
         "relaxation_b": (("model", "drive", "end"), np.array([[[50e-12, np.nan]]]))},
        coords={"model": ["m"], "drive": [0.35], "hopf_stat": list(updown.HOPF_STATS),
                "end": ["low", "high"]},
    )  # fmt: skip


def test_scores_and_figure_carry_the_continuation(tmp_path):
    from adexmf.figures.updown import plot_regime_map

    ds = _synthetic_map([ASYNC, SLOW, SLOW], [ASYNC, ASYNC, SLOW]).merge(_synthetic_continuation())
    c = updown.regime_scores(ds)["mf"]["m"]["continuation"]
    assert c["hopf_b_A"] == [pytest.approx(30e-12)] and c["hopf_frequency_Hz"] == [50.0]
    assert c["relaxation_b_A"] == [[pytest.approx(50e-12), None]]
    files = plot_regime_map(ds, tmp_path / "updown.png")
    assert all(f.stat().st_size > 1000 for f in files)
