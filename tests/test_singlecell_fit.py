"""Two-step fit, characterisation datasets, presets and the tf commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from adexmf import DEFAULT_NETWORK, DEFAULT_SYNAPSES, TransferFunction, cell_preset, load_preset
from adexmf.cli import app
from adexmf.errors import ParameterError
from adexmf.netcdf import write_netcdf
from adexmf.singlecell.characterize import characterize, dataset_parameters
from adexmf.singlecell.config import CharacterizationConfig, GridDesign
from adexmf.singlecell.fit import fit_dataset, fit_transfer_function
from adexmf.singlecell.refit import preset_with_fits

RS = cell_preset("RS")
SMALL = CharacterizationConfig(
    duration=1.0, n_seeds=2, seed=2,
    design=GridDesign(
        nu_i_levels=(0.0, 10.0, 20.0),
        target_rates=(0.5, 1.0, 2.0, 4.0, 7.0, 10.0, 15.0, 20.0, 25.0, 30.0),
        bracket_points=12, bracket_duration=0.3, refine_points=12, refine_duration=0.3,
        refine_seeds=2,
    ),
)  # fmt: skip


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("char")
    ds = characterize(cell_preset("FS"), config=SMALL, cache_dir=folder / "cache")
    return ds, folder


@pytest.mark.parametrize("layout", ["with_log", "without_log"])
@pytest.mark.parametrize("term", ["paper", "slip"])
def test_fit_recovers_template_rates(layout, term):
    # synthetic data from a known template: the fit must reproduce its rates
    ref = load_preset("zerlaut2018")
    true = ref.transfer_params("RS")
    if layout == "without_log":
        c = true.coefficients
        true = true.replace(coefficients=(*c[:4], *c[5:]), layout=layout)
    true = true.replace(inhibitory_term=term)
    tf = TransferFunction(RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK, true)
    E, I = np.meshgrid(np.linspace(1, 12, 15), np.linspace(0, 20, 6), indexing="ij")
    rate = tf(E, I)
    keep = rate < 40
    fit = fit_transfer_function(
        E[keep], I[keep], rate[keep], RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK,
        layout=layout, inhibitory_term=term,
    )  # fmt: skip
    assert fit.params.layout == layout and fit.params.inhibitory_term == term
    assert fit.rmse < 0.02
    assert fit.n_points == int(keep.sum())


def test_characterisation_dataset(small_dataset):
    ds, _ = small_dataset
    assert ds.sizes == {"point": 30, "seed": 2}
    for var in ("nu_e", "nu_i", "rate", "rate_mean", "rate_sem", "rate_std"):
        assert var in ds
    assert np.allclose(ds.rate_mean, ds.rate.mean("seed"))
    assert np.allclose(ds.rate_sem, ds.rate.std("seed", ddof=1) / np.sqrt(2))
    cell, syn, net = dataset_parameters(ds)
    assert cell == cell_preset("FS") and syn == DEFAULT_SYNAPSES and net.K_e == 400
    # the design walks each inhibitory level towards increasing targets
    for lev in (0, 1, 2):
        e = ds.nu_e.values[ds.level.values == lev]
        assert np.all(np.diff(e) >= 0)


def test_characterisation_resumes_from_cache(small_dataset, monkeypatch):
    ds, folder = small_dataset
    import adexmf.singlecell.characterize as ch

    def boom(*args, **kwargs):
        raise AssertionError("should not simulate: every chunk is cached")

    monkeypatch.setattr(ch, "simulate_cells", boom)
    again = characterize(cell_preset("FS"), config=SMALL, cache_dir=folder / "cache")
    assert np.array_equal(again.rate.values, ds.rate.values)


def test_cli_fit_json_and_preset(small_dataset, tmp_path):
    ds, _ = small_dataset
    path = write_netcdf(ds, tmp_path / "tf_FS.nc")
    runner = CliRunner()
    out = runner.invoke(app, ["tf", "fit", str(path), "--json", "--preset-out",
                              str(tmp_path / "p.toml")])  # fmt: skip
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    for key in ("coefficients", "rmse_Hz", "max_error_Hz", "n_points"):
        assert key in payload
    assert len(payload["coefficients"]) == 11 and payload["n_points"] == 30
    preset = load_preset(tmp_path / "p.toml")
    assert preset.transfer_params("FS").coefficients == pytest.approx(payload["coefficients"])
    ev = runner.invoke(app, ["tf", "eval", "--preset", str(tmp_path / "p.toml"), "--cell",
                             "FS", "--json"])  # fmt: skip
    assert ev.exit_code == 0, ev.output
    bad = runner.invoke(app, ["tf", "fit", str(path), "--layout", "cubic"])
    assert bad.exit_code == 2 and "layout" in bad.output
    other = write_netcdf(xr.Dataset({"x": ("t", [1.0])}), tmp_path / "other.nc")
    bad = runner.invoke(app, ["tf", "fit", str(other)])
    assert bad.exit_code == 2 and "not an adexmf characterisation" in bad.output
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not a NetCDF file")
    bad = runner.invoke(app, ["tf", "fit", str(garbage)])
    assert bad.exit_code == 2 and "cannot read" in bad.output and "garbage.nc" in bad.output
    drawn = runner.invoke(app, ["tf", "fit", str(path), "--preset-out", str(tmp_path / "q.toml"),
                                "--error-map", str(tmp_path / "map.png")])  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    for name in ("map.png", "map.svg"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_cli_characterize_small(tmp_path, monkeypatch):
    import adexmf.cli.tf as cli_tf

    monkeypatch.setattr(cli_tf, "_config", lambda *a: SMALL)
    runner = CliRunner()
    res = runner.invoke(app, ["tf", "characterize", "--cell", "FS", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    ds = xr.load_dataset(tmp_path / "tf_FS.nc")
    assert ds.attrs["cell_name"] == "FS" and ds.sizes["point"] == 30


def test_preset_with_fits_checks_synapses(small_dataset):
    ds, _ = small_dataset
    fit = fit_dataset(ds, layout="without_log")
    base = load_preset("corrected")
    p = preset_with_fits(base, [fit], name="x")
    assert p.transfer_params("FS").layout == "without_log"
    other = base.replace(synapses=DEFAULT_SYNAPSES.replace(Q_e=2e-9))
    with pytest.raises(ParameterError, match="synapses"):
        preset_with_fits(other, [fit])


def test_shipped_corrected_preset():
    p = load_preset("corrected")
    assert p.level == "corrected"
    assert "PROVISIONAL" not in p.description
    for cell in ("RS", "FS"):
        t = p.transfer_params(cell)
        assert t.inhibitory_term == "paper"
        assert "PROVISIONAL" not in t.note
    ref = load_preset("zerlaut2018")
    assert ref.transfer_params("RS").inhibitory_term == "slip"


def test_figure2_written(tmp_path):
    from adexmf.figures.fig2_single_cells import plot_figure2
    from adexmf.workflows.singlecell import figure2_data

    fig2 = figure2_data(tmp_path, config=SMALL, cells=("FS",))
    paths = plot_figure2(fig2.steps, fig2.data, fig2.transfer, tmp_path / "figure2", fig2.source)
    assert [p.name for p in paths] == ["figure2.png", "figure2.svg"]
    for path in paths:
        assert path.exists() and path.stat().st_size > 1000
    steps = xr.load_dataset(fig2.written["steps"])
    assert int(steps.spike.sel(cell="FS").sum()) > 3  # the 200 pA step makes the cell fire


def _low_rate_data(seed: int):
    """Poisson counts from the published RS template over rates ~0.005-20 Hz, each point
    counted over 2000 cell-seconds (the exposure of a low-rate measurement)."""
    tf = TransferFunction(RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK,
                          load_preset("zerlaut2018").transfer_params("RS"))  # fmt: skip
    E, I = np.meshgrid(np.linspace(0.5, 12, 24), np.linspace(0, 20, 6), indexing="ij")
    true = tf(E, I)
    keep = (true > 0.005) & (true < 30)
    exposure = 2000.0
    counts = np.random.default_rng(seed).poisson(true[keep] * exposure)
    return E[keep], I[keep], true[keep], counts / exposure, exposure


def test_poisson_loss_fits_low_rates_in_relative_terms():
    # Same data, two losses: the deviance fit must have the lower deviance (it minimises
    # it), and at the points below 0.5 Hz its rates must be closer to the true ones in
    # log-ratio, which the squared-rate loss leaves to chance (errors of 0.05 Hz on 0.01 Hz
    # cost it nothing).
    from adexmf.singlecell.fit import poisson_deviance_residuals

    e, i, true, rate, exposure = _low_rate_data(seed=5)
    fits = {loss: fit_transfer_function(e, i, rate, RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK,
                                        loss=loss, exposure=exposure)
            for loss in ("rate", "poisson")}  # fmt: skip
    deviance = {k: np.sum(poisson_deviance_residuals(f.model, rate, np.full(rate.size, exposure))
                          ** 2) for k, f in fits.items()}  # fmt: skip
    assert deviance["poisson"] <= deviance["rate"] * (1 + 1e-9)
    low = true < 0.5
    log_err = {k: np.sqrt(np.mean(np.log(np.maximum(f.model[low], 1e-6) / true[low]) ** 2))
               for k, f in fits.items()}  # fmt: skip
    assert log_err["poisson"] < log_err["rate"]
    assert "loss 'poisson'" in fits["poisson"].params.note


def test_poisson_deviance_residuals():
    from adexmf.singlecell.fit import poisson_deviance_residuals

    r = np.array([0.0, 0.5, 2.0])
    # zero where model equals data (a silent point against the 1e-9 Hz floor of the model
    # rates: sqrt(2 X 1e-9) ~ 1e-4); 2 X F for a silent point; sign follows model - data
    assert np.allclose(poisson_deviance_residuals(np.array([0.0, 0.5, 2.0]), r, 10.0), 0,
                       atol=2e-4)  # fmt: skip
    res = poisson_deviance_residuals(np.array([0.1, 1.0, 1.0]), r, np.full(3, 10.0))
    assert res[0] == pytest.approx(np.sqrt(2 * 10 * 0.1))
    expected = np.sqrt(2 * 10 * (2.0 * np.log(2.0) - 1.0))
    assert res[2] == pytest.approx(-expected) and res[1] > 0


def test_fit_loss_and_exposure_checked():
    e, i, _, rate, _ = _low_rate_data(seed=1)
    with pytest.raises(ParameterError, match="loss = 'l1'"):
        fit_transfer_function(e, i, rate, RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK, loss="l1")
    from adexmf.errors import InputRangeError

    with pytest.raises(InputRangeError, match="exposure"):
        fit_transfer_function(e, i, rate, RS, DEFAULT_SYNAPSES, DEFAULT_NETWORK,
                              loss="poisson", exposure=-1.0)  # fmt: skip
