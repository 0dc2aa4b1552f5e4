"""The data of Fig. 3 of Zerlaut et al. (2018): spontaneous activity of the spiking network
(SPEC 7 row 3).

Protocol: 1.5 s, external drive ramped linearly from 0 to 4 Hz over the first 100 ms, then
constant; 3 + 3 cells traced. Nothing is drawn here: the caller draws the result with
:func:`adexmf.figures.fig3_network.plot_figure3`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import xarray as xr

from ..netcdf import read_netcdf, write_netcdf
from ..network import NetworkModel, Recorders, simulate
from ..store import check_destination, check_folder

#: Duration of the protocol (s).
DURATION = 1.5
#: Ramp of the drive (s).
RAMP = 0.1
#: Sample cells traced per population.
TRACED_CELLS = 3
#: Name of the network result in the results folder.
DATA_FILE = "figure3.nc"


def run_figure3(
    model: NetworkModel | None = None,
    *,
    seed: int = 5,
    backend: str = "brian2",
    mode: str = "runtime",
) -> xr.Dataset:
    """Run the Fig. 3 protocol.

    Parameters
    ----------
    model : NetworkModel, optional
        Network (default: the paper's, 10,000 neurons, drive 4 Hz); the drive ramp is set to
        100 ms and 3 + 3 cells are traced (V, G_e, G_i, w).
    seed : int
        Seed of the run.
    backend, mode : str
        See :func:`adexmf.network.simulate`.

    Returns
    -------
    xarray.Dataset
        The network result (SI units) with ``attrs["experiment"] = "figure3"``.
    """
    model = NetworkModel.from_preset() if model is None else model
    traced = {p.name: tuple(range(min(TRACED_CELLS, p.size))) for p in model.populations}
    model = model.replace(
        drive=dataclasses.replace(model.drive, ramp=RAMP),
        recorders=Recorders(traced=traced, variables=("V", "G_e", "G_i", "w")),
    )
    ds = simulate(model, DURATION, seed, backend=backend, mode=mode)
    ds.attrs["experiment"] = "figure3"
    return ds


def figure3_data(
    out: str | Path,
    *,
    model: NetworkModel | None = None,
    data: str | Path | None = None,
    seed: int = 5,
    backend: str = "brian2",
    mode: str = "runtime",
) -> tuple[xr.Dataset, list[Path]]:
    """The network result Fig. 3 shows: read from a saved network result (``data``) or made
    by running the protocol (:func:`run_figure3`, kept as ``out/figure3.nc``).

    The destination is checked, and ``data`` read, before any simulation; the figure is the
    caller's (:func:`adexmf.figures.fig3_network.plot_figure3`), whose destination the caller
    checks first.

    Parameters
    ----------
    out : str or Path
        Results folder.
    model : NetworkModel, optional
        Network run by :func:`run_figure3` (default: the paper's).
    data : str or Path, optional
        A network result (NetCDF) to show instead of simulating.
    seed : int
        Seed of the run.
    backend, mode : str
        See :func:`adexmf.network.simulate`.

    Returns
    -------
    (xarray.Dataset, list of Path)
        The network result (SI units) and the files written (``figure3.nc`` when simulated,
        none when read from ``data``).

    Raises
    ------
    OutputError, InputFileError
        For an unwritable ``out`` or an unreadable ``data``, before the work.
    """
    out = check_folder(out, option="out")
    if data is not None:
        ds = read_netcdf(
            data, what="data", hint="give a network result written by `adexmf network run`"
        )
        return ds, []
    target = check_destination(out / DATA_FILE, option="out")
    ds = run_figure3(model, seed=seed, backend=backend, mode=mode)
    return ds, [write_netcdf(ds, target, option="out")]
