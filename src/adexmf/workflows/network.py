"""Spiking-network stages: a run with its stationary statistics (``adexmf network run``) and
Fig. 3, spontaneous activity (``adexmf network figure3`` and the study's network stage).

Fig. 3 protocol (SPEC 7 row 3): 1.5 s, external drive ramped linearly from 0 to 4 Hz over
the first 100 ms, then constant; 3 + 3 cells traced.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import xarray as xr

from ..figures.fig3_network import plot_figure3
from ..figures.style import figure_paths
from ..netcdf import read_netcdf, write_netcdf
from ..network import (
    NetworkModel,
    Recorders,
    run_stationary,
    run_summary,
    simulate,
    stationary_statistics,
)
from ..params import Preset
from ..store import check_destination, check_folder
from .config import NetworkSettings
from .stage import StageResult

#: Duration of the Fig. 3 protocol (s).
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



def network_run_stage(
    model: NetworkModel, duration: float, seed: int, *, out: Path | None = None, **kwargs: Any
) -> StageResult:
    """A network run with its stationary statistics, written to ``out`` (``network run``).

    ``out`` (NetCDF) is checked before the network is built and simulated. Keyword
    arguments go to :func:`adexmf.network.run_stationary` (``t_start`` in s, engine settings).

    Returns
    -------
    StageResult
        The file written (if any), :func:`adexmf.network.run_summary` (SI units), data
        ``network``.
    """
    if out is not None:
        check_destination(out, option="out", suffixes=(".nc",))
    ds = run_stationary(model, duration, seed, **kwargs)
    files = [write_netcdf(ds, out, option="out")] if out is not None else []
    return StageResult(files, run_summary(ds), data={"network": ds})


def figure3_stage(
    folder: Path,
    *,
    model: NetworkModel | None = None,
    data: Path | None = None,
    seed: int = 5,
    backend: str = "brian2",
    mode: str = "runtime",
) -> StageResult:
    """Fig. 3: the network's spontaneous activity, simulated (``folder/figure3.nc``) or read
    from ``data``, drawn as ``folder/figure3.png`` and ``.svg``. Every destination is checked
    before the simulation.

    Returns
    -------
    StageResult
        Files (data, then figures); summary: the stationary statistics of a simulated run
        (Hz, V, S) and its seed (empty for a result read from ``data``); data ``network``.
    """
    figure_paths(Path(folder) / "figure3", option="out")  # before the simulation
    ds, files = figure3_data(folder, model=model, data=data, seed=seed, backend=backend,
                             mode=mode)  # fmt: skip
    files += plot_figure3(ds, Path(folder) / "figure3", option="out")
    # A result read from ``data`` may be shorter than the statistics' start: only a run made
    # here by the protocol (1.5 s) is summarised.
    summary = {"seed": seed, **stationary_statistics(ds)} if data is None else {}
    return StageResult(files, summary, data={"network": ds})


def network_study_stage(settings: NetworkSettings, preset: Preset, folder: Path) -> StageResult:
    """The study's network stage: the preset's 10,000-neuron network, Fig. 3."""
    return figure3_stage(folder, model=NetworkModel.from_preset(preset), seed=settings.seed)
