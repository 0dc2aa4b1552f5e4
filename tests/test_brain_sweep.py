"""The coupling x b sweep (adexmf.brain.sweep) on Dask: every point a stored task, a rerun
computes only what is missing, the map agrees with single runs, the CLI writes it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from adexmf.brain.sweep import SweepSettings, brain_sweep, sweep_task
from adexmf.cli import app
from adexmf.errors import ParameterError

SETTINGS = SweepSettings(regions=("L00", "L01", "R00"), duration=0.6, noise_sigma=1.0, seed=3)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    ds = brain_sweep(SETTINGS, [0.0, 0.8], [0.0, 80e-12], folder, n_workers=2)
    return folder, ds


def test_map_equals_the_single_runs(sweep):
    """Each cell of the map is the summary of the same run done alone (same seed: equal)."""
    _, ds = sweep
    assert ds.nu_e.dims == ("coupling", "b", "region") and ds.sizes["region"] == 3
    one = sweep_task({"settings": {**SETTINGS.__dict__, "regions": list(SETTINGS.regions)},
                      "coupling": 0.8, "b": 80e-12})  # fmt: skip
    np.testing.assert_array_equal(ds.nu_e.sel(coupling=0.8, b=80e-12).values, one.nu_e.values)
    # adaptation lowers the rates, coupling raises them (excitatory long-range input)
    mean = ds.nu_e.mean("region")
    assert mean.sel(b=80e-12, coupling=0.0) < mean.sel(b=0.0, coupling=0.0)
    assert mean.sel(coupling=0.8, b=0.0) > mean.sel(coupling=0.0, b=0.0)


def test_rerun_computes_only_missing_points(sweep):
    folder, ds = sweep
    stored = sorted((folder / "tasks").rglob("*.nc"))
    assert len(stored) == 4
    stored[0].unlink()
    seen = []
    again = brain_sweep(SETTINGS, [0.0, 0.8], [0.0, 80e-12], folder, n_workers=1,
                        progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(4, 4)]  # 3 loaded, 1 recomputed: one report, after that task
    assert stored[0].is_file()  # stored again
    np.testing.assert_array_equal(again.nu_e.values, ds.nu_e.values)


def test_bad_sweeps_are_refused_before_any_task(tmp_path):
    with pytest.raises(ParameterError, match="b_values = -1e-11 A is out of range"):
        brain_sweep(SETTINGS, [0.5], [-10e-12], tmp_path)
    with pytest.raises(ParameterError, match="method = 'rk4'"):
        brain_sweep(SweepSettings(method="rk4"), [0.5], [0.0], tmp_path)
    with pytest.raises(ParameterError, match="conduction_velocity"):
        brain_sweep(SweepSettings(conduction_velocity=0.0), [0.5], [0.0], tmp_path)
    assert not (tmp_path / "tasks").exists()


def test_cli_sweep_json(tmp_path):
    out = tmp_path / "map" / "sweep.nc"
    result = CliRunner().invoke(app, ["brain", "sweep", "--couplings", "0,0.5", "--b-values",
                                      "0pA", "--regions", "0,1", "--duration", "0.5s",
                                      "--out", str(out), "--json", "--no-figure"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["points"] == 2 and data["regions"] == 2 and out.is_file()
    bad = CliRunner().invoke(app, ["brain", "sweep", "--couplings", "0,x", "--out", str(out)])
    assert bad.exit_code == 2 and "--couplings: 'x' is not a number" in bad.output
    neg = CliRunner().invoke(app, ["brain", "sweep", "--couplings", "-1", "--out", str(out)])
    assert neg.exit_code == 2 and "--couplings = -1 is out of range" in neg.output
    none = CliRunner().invoke(app, ["brain", "sweep", "--b-values", ",", "--out", str(out)])
    assert none.exit_code == 2 and "--b-values = [] is empty" in none.output
