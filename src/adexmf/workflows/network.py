"""Spiking-network stages: a run with its stationary statistics (``adexmf network run``) and
Fig. 3, spontaneous activity (``adexmf network figure3`` and the study's network stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..experiments.figure3 import figure3_data
from ..figures.fig3_network import plot_figure3
from ..figures.style import figure_paths
from ..netcdf import write_netcdf
from ..network import NetworkModel, run_stationary, run_summary, stationary_statistics
from ..params import Preset
from ..store import check_destination
from .config import NetworkSettings
from .stage import StageResult


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
