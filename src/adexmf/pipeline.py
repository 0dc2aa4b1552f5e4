"""Mean-field and transfer-function stages: a computation, its NetCDF file and its figure.

Each is a plain function returning an xarray Dataset and the files written, called by the
``adexmf mf`` sub-commands and by the study (:mod:`adexmf.study.stages`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .figures.style import figure_paths
from .meanfield import drive_scan, phase_plane
from .meanfield.analysis import (
    check_run_size,
    estimate_run_seconds,
    stimulus_response,
)
from .meanfield.model import ColumnModel
from .params import Preset
from .plotting import plot_fixed_points_vs_drive, plot_phase_planes, plot_time_course
from .stimuli import Stimulus
from .store import check_destination, provenance, write_netcdf
from .theory.transfer import TransferFunction
from .validity import outside_fit_domain


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
    path = check_destination(out, option="--out", suffixes=(".nc",))
    figure_paths(path.with_suffix(".png"), option="--out")  # before the scan
    ds = drive_scan(preset, drives, adaptation=adaptation)
    path = write_netcdf(ds, path, option="--out")
    figures = plot_fixed_points_vs_drive(ds, path.with_suffix(".png"))
    return ds, [path, *figures]


def time_course_stage(
    model: ColumnModel,
    duration: float,
    stimuli: Sequence[Stimulus] = (),
    *,
    out: Path,
    figure: Path | None = None,
    draw: bool = True,
    drive: float = 0.0,
    dt: float = 1e-4,
    method: str = "heun",
    record_every: int = 1,
    notify: Callable[[str], None] | None = None,
) -> tuple[xr.Dataset, Path, list[Path]]:
    """A mean-field time course under stimuli, written as NetCDF and drawn (``mf run``).

    Every destination and the size of the run are checked before any work; a run estimated
    to take more than a few seconds is announced through ``notify``.

    Parameters
    ----------
    model : ColumnModel
    duration : float
        Biological time (s).
    stimuli : sequence of Stimulus
        Afferent stimuli (Hz) onto the excitatory population.
    out : Path
        NetCDF file (``.nc``).
    figure : Path, optional
        Figure file (PNG and SVG written); default ``out`` with ``.png``.
    draw : bool
        Draw the figure.
    drive, dt, method, record_every
        As in :func:`adexmf.meanfield.analysis.stimulus_response` (Hz, s).
    notify : callable, optional
        Receives a line announcing a long run (the CLI prints it on stderr).

    Returns
    -------
    (Dataset, Path, list of Path)
        The time course, the NetCDF file and the figures.
    """
    out = check_destination(out, option="--out", suffixes=(".nc",))
    fig_path = Path(figure) if figure is not None else out.with_suffix(".png")
    if draw:
        figure_paths(fig_path, option="--figure" if figure is not None else "--out")
    check_run_size(duration, dt, record_every, model)
    seconds = estimate_run_seconds(model, duration, dt, method)
    if notify is not None and seconds > 5.0:
        notify(
            f"mean field: {duration / dt:.3g} steps of dt = {dt * 1e3:g} ms, estimated "
            f"{seconds:.0f} s (interrupt with Ctrl-C)"
        )
    ds = stimulus_response(
        model, duration, stimuli, drive=drive, dt=dt, method=method, record_every=record_every
    )
    path = write_netcdf(ds, out, option="--out")
    figures = plot_time_course(ds, fig_path) if draw else []
    return ds, path, figures


def phase_plane_stage(
    model: ColumnModel,
    drives: Sequence[float],
    *,
    nu_e_range: tuple[float, float],
    nu_i_range: tuple[float, float],
    out: Path,
    data: Path | None = None,
) -> tuple[list[xr.Dataset], list[Path], list[Path]]:
    """First-order phase planes at several drives: one figure, optional NetCDF per panel.

    Every destination is checked before the panels are computed.

    Returns
    -------
    (list of Dataset, list of Path, list of Path)
        The panels, the figures and the data files (``DATA_drive<d>Hz.nc``).
    """
    figure_paths(out, option="--out")
    targets = []
    if data is not None:
        data = check_destination(data, option="--data", suffixes=(".nc", ""))  # the stem
        targets = [data.with_name(f"{data.stem}_drive{d:g}Hz.nc") for d in drives]
        for target in targets:
            check_destination(target, option="--data")
    planes = [phase_plane(model, d, nu_e_range=nu_e_range, nu_i_range=nu_i_range) for d in drives]
    figures = plot_phase_planes(planes, out)
    written = [write_netcdf(ds, t, option="--data") for ds, t in zip(planes, targets, strict=False)]
    return planes, figures, written


def network_run_stage(
    model: Any,
    duration: float,
    seed: int,
    *,
    out: Path | None = None,
    **kwargs: Any,
) -> xr.Dataset:
    """A network run with its stationary statistics, written to ``out`` (``network run``).

    ``out`` (NetCDF) is checked before the network is built and simulated. Keyword
    arguments go to :func:`adexmf.network.run_stationary`.
    """
    from .network import run_stationary

    if out is not None:
        check_destination(out, option="--out", suffixes=(".nc",))
    ds = run_stationary(model, duration, seed, **kwargs)
    if out is not None:
        write_netcdf(ds, out, option="--out")
    return ds
