"""Transfer-function stage: the preset's transfer functions on a grid of input rates (data
and figure); at paper scale also the single-cell characterisation and fit of each cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..figures.transfer import plot_transfer_functions
from ..netcdf import write_netcdf
from ..params import Preset
from ..store import provenance
from ..theory.transfer import TransferFunction
from ..validity import outside_fit_domain
from .build import characterize_and_fit
from .config import TransferSettings
from .stage import StageContext, StageResult


def transfer_function_table(
    preset: Preset, nu_e: np.ndarray | None = None, nu_i: np.ndarray | None = None
) -> xr.Dataset:
    """Transfer functions of the preset's two cells on a grid of input rates.

    Parameters
    ----------
    preset : Preset
    nu_e, nu_i : ndarray, optional
        Per-synapse input rates (Hz); default 0-30 Hz and 0-30 Hz in 0.5 Hz steps.

    Returns
    -------
    xarray.Dataset
        ``rate`` (cell, nu_e, nu_i) in Hz, with mu_V, sigma_V, tau_V (shared by the cells
        when they have the same passive properties, stored per cell anyway), and
        ``outside_fit_domain`` (1 where the inputs lie outside the domain of the cell's fit:
        the table is not warned about, it is flagged point by point).
    """
    nu_e = np.arange(0.0, 30.0 + 1e-9, 0.5) if nu_e is None else np.asarray(nu_e, float)
    nu_i = np.arange(0.0, 30.0 + 1e-9, 0.5) if nu_i is None else np.asarray(nu_i, float)
    E, I = np.meshgrid(nu_e, nu_i, indexing="ij")
    cells = [preset.network.excitatory_cell, preset.network.inhibitory_cell]
    fields: dict[str, list[np.ndarray]] = {k: [] for k in ("rate", "mu_V", "sigma_V", "tau_V")}
    outside = []
    for cell in cells:
        tf = TransferFunction.from_preset(preset, cell)
        ev = tf.evaluate(E, I, check_domain=False)  # a table: flagged per point below
        outside.append(outside_fit_domain(tf.params, E, I))
        fields["rate"].append(ev.rate)
        fields["mu_V"].append(ev.stats.mu_V)
        fields["sigma_V"].append(ev.stats.sigma_V)
        fields["tau_V"].append(ev.stats.tau_V)
    units = {"rate": "Hz", "mu_V": "V", "sigma_V": "V", "tau_V": "s"}
    ds = xr.Dataset(
        {
            k: (("cell", "nu_e", "nu_i"), np.stack(v), {"units": units[k]})
            for k, v in fields.items()
        },
        coords={
            "cell": cells,
            "nu_e": ("nu_e", nu_e, {"units": "Hz", "long_name": "excitatory rate per synapse"}),
            "nu_i": ("nu_i", nu_i, {"units": "Hz", "long_name": "inhibitory rate per synapse"}),
        },
        attrs={**provenance(), "preset": preset.name, "level": preset.level},
    )
    ds["outside_fit_domain"] = (
        ("cell", "nu_e", "nu_i"),
        np.stack(outside).astype(np.int8),
        {"units": "1", "long_name": "1 where (nu_e, nu_i) lies outside the domain of the fit"},
    )
    return ds


def transfer_study_stage(
    settings: TransferSettings, preset: Preset, preset_source: str, folder: Path,
    ctx: StageContext,
) -> StageResult:
    """The study's transfer stage: the table of the preset's transfer functions and its
    figure; with ``settings.characterize``, each cell characterised and fitted in turn, chained
    into one fitted preset (:func:`adexmf.workflows.build.characterize_and_fit`)."""
    ds = transfer_function_table(preset)
    result = StageResult([write_netcdf(ds, folder / "transfer_functions.nc")])
    result.files += plot_transfer_functions(ds, folder / "transfer_functions.png")
    result.summary["max_rate_Hz"] = {c: float(ds.rate.sel(cell=c).max()) for c in ds.cell.values}
    result.data["transfer_functions"] = ds
    if settings.characterize:
        fitted = characterize_and_fit(
            preset_source, list(settings.cells), folder, seeds=settings.seeds,
            duration=settings.duration, progress=ctx.progress, echo=ctx.echo,
        )  # fmt: skip
        result.add(fitted)
    return result
