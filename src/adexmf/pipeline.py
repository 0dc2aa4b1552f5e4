"""The default pipeline run by ``adexmf`` with no sub-command.

Each stage is a plain function returning an xarray Dataset; :func:`run_default` runs the
stages available on the reference preset and writes their results to a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from .meanfield import drive_scan
from .meanfield.analysis import scan_summary
from .params import Preset, load_preset
from .plotting import plot_fixed_points_vs_drive
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


def run_default(out: Path, echo: Callable[[str], None] = print) -> None:
    """Run the default pipeline on the reference preset and write its results to ``out``.

    Parameters
    ----------
    out : Path
        Results folder.
    echo : callable
        Receives one line of progress per stage (the command line prints them).
    """
    preset = load_preset("zerlaut2018")
    out = Path(out)
    echo(f"adexmf: default pipeline on preset {preset.name!r} -> {out}/")
    ds = transfer_function_table(preset)
    path = write_netcdf(ds, out / "transfer_functions.nc")
    peak = {c: float(ds.rate.sel(cell=c).max()) for c in ds.cell.values}
    echo(
        f"  transfer functions on {ds.nu_e.size}x{ds.nu_i.size} input rates: {path}"
        f" (max rate RS {peak['RS']:.1f} Hz, FS {peak['FS']:.1f} Hz)"
    )
    ds, paths = drive_scan_stage(
        preset, out / "mf_fixed_points_vs_drive.nc", np.arange(0.0, 20.0 + 1e-9, 0.5)
    )
    summary = scan_summary(ds)
    echo(
        f"  mean-field fixed points for {summary['n_drives']} drives in 0-20 Hz: {paths[0]}, "
        f"{paths[1].name} (drive 4 Hz: nu_e = {summary['nu_e_4Hz_order1']:.6f} Hz first "
        f"order, {summary['nu_e_4Hz_order2']:.6f} Hz second order; "
        f"{summary['n_unstable']} unstable points)"
    )


def drive_scan_stage(
    preset: Preset | str,
    out: Path,
    drives: np.ndarray,
    adaptation: bool = False,
) -> tuple[xr.Dataset, list[Path]]:
    """Mean-field fixed points (first and second order) vs drive: NetCDF + figure.

    Parameters
    ----------
    preset : Preset or str
    out : Path
        NetCDF file (dims order, drive, fixed_point; SI units); the figure (PNG and SVG) is
        written next to it.
    drives : ndarray
        Drive rates (Hz).
    adaptation : bool
        Use the adaptation variant.

    Returns
    -------
    (Dataset, list of Path)
        The scan (:func:`adexmf.meanfield.drive_scan`) and the files written (data first).
    """
    ds = drive_scan(preset, drives, adaptation=adaptation)
    path = write_netcdf(ds, Path(out))
    figures = plot_fixed_points_vs_drive(ds, path.with_suffix(".png"))
    return ds, [path, *figures]
