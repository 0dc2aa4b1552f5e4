"""The default pipeline run by ``adexmf`` with no sub-command.

Each stage is a plain function returning an xarray Dataset; :func:`run_default` runs the
stages available on the reference preset and writes their results to a folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
import xarray as xr

from .params import Preset, load_preset
from .store import provenance, write_netcdf
from .theory.transfer import TransferFunction


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
        when they have the same passive properties, stored per cell anyway).
    """
    nu_e = np.arange(0.0, 30.0 + 1e-9, 0.5) if nu_e is None else np.asarray(nu_e, float)
    nu_i = np.arange(0.0, 30.0 + 1e-9, 0.5) if nu_i is None else np.asarray(nu_i, float)
    E, I = np.meshgrid(nu_e, nu_i, indexing="ij")
    cells = [preset.network.excitatory_cell, preset.network.inhibitory_cell]
    fields: dict[str, list[np.ndarray]] = {k: [] for k in ("rate", "mu_V", "sigma_V", "tau_V")}
    for cell in cells:
        ev = TransferFunction.from_preset(preset, cell).evaluate(E, I)
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
    return ds


def run_default(out: Path) -> None:
    """Run the default pipeline on the reference preset and write its results to ``out``."""
    preset = load_preset("zerlaut2018")
    out = Path(out)
    typer.echo(f"adexmf: default pipeline on preset {preset.name!r} -> {out}/")
    ds = transfer_function_table(preset)
    path = write_netcdf(ds, out / "transfer_functions.nc")
    peak = {c: float(ds.rate.sel(cell=c).max()) for c in ds.cell.values}
    typer.echo(
        f"  transfer functions on {ds.nu_e.size}x{ds.nu_i.size} input rates: {path}"
        f" (max rate RS {peak['RS']:.1f} Hz, FS {peak['FS']:.1f} Hz)"
    )
    mean_field_stage(preset, out)


def mean_field_stage(preset: Preset, out: Path) -> xr.Dataset:
    """Mean-field fixed points (first and second order) vs drive 0-20 Hz, NetCDF + figure.

    Writes ``mf_fixed_points_vs_drive.nc`` (dims order, drive, fixed_point; SI units) and
    the figure ``mf_fixed_points_vs_drive.png``/``.svg`` into ``out``.
    """
    from .meanfield import drive_scan
    from .plotting import plot_fixed_points_vs_drive

    ds = drive_scan(preset, np.arange(0.0, 20.0 + 1e-9, 0.5))
    path = write_netcdf(ds, Path(out) / "mf_fixed_points_vs_drive.nc")
    figures = plot_fixed_points_vs_drive(ds, path.with_suffix(".png"))
    at4 = ds.sel(drive=4.0, fixed_point=0)
    typer.echo(
        f"  mean-field fixed points for {ds.drive.size} drives in 0-20 Hz: {path}, "
        f"{figures[0].name} (drive 4 Hz: nu_e = {float(at4.nu_e.sel(order=1)):.6f} Hz first "
        f"order, {float(at4.nu_e.sel(order=2)):.6f} Hz second order; "
        f"{int((ds.stable == 0).sum())} unstable points)"
    )
    return ds
