"""Network runs composed from the pieces: a run on an engine, and a run with its stationary
statistics.

:func:`simulate` is the one entry to the simulators: it checks the seed and the engine
settings (:mod:`adexmf.engines.settings`, written once there), runs the engine that they
select (:func:`adexmf.engines.seam.get_engine`) and turns its recording into the Dataset.
"""

from __future__ import annotations

import json
import time

import xarray as xr

from ..engines.seam import get_engine
from ..engines.settings import EngineSettings, check_seed
from ..errors import InputRangeError
from ..netcdf import json_attr
from .analysis import STATIONARY_START, stationary_statistics, statistics_attrs
from .dataset import dataset_from_recording
from .model import NetworkModel


def simulate(
    model: NetworkModel,
    duration: float,
    seed: int,
    *,
    backend: str = "brian2",
    mode: str = "runtime",
    target: str | None = None,
    threads: int = 1,
) -> xr.Dataset:
    """Simulate the network and return its Dataset (SI units).

    Parameters
    ----------
    model : NetworkModel
        Network description.
    duration : float
        Biological duration (s).
    seed : int
        Seed of every random draw (connectivity and drive), in [0, 2**31 - 1).
    backend : {"brian2", "nest"}
        Simulator.
    mode : {"runtime", "standalone"}
        Brian2 only: runtime code generation or C++ standalone (compiled once per network
        structure and duration, cached).
    target : {"cython", "numpy"} or None
        Brian2 runtime only: code-generation target (None: cython). Giving one for the
        standalone mode or the NEST backend is an error (it would be ignored).
    threads : int
        NEST threads, or OpenMP threads of the Brian2 standalone binary (1: none).

    Returns
    -------
    xarray.Dataset
        See :func:`adexmf.network.dataset.make_dataset`.

    Raises
    ------
    ParameterError
        For a seed or settings that no engine accepts
        (:class:`~adexmf.engines.settings.EngineSettings`), before anything is simulated.
    """
    seed = check_seed(seed)
    settings = EngineSettings(backend=backend, mode=mode, target=target, threads=threads)
    raw = get_engine(settings).simulate(model, duration, seed, settings)
    return dataset_from_recording(model, duration, raw, seed=seed)


def run_stationary(
    model: NetworkModel,
    duration: float,
    seed: int,
    *,
    t_start: float = STATIONARY_START,
    backend: str = "brian2",
    mode: str = "runtime",
    target: str | None = None,
    threads: int = 1,
) -> xr.Dataset:
    """Simulate the network and attach its stationary statistics (SPEC 2.3).

    Parameters
    ----------
    model : NetworkModel
        Network description.
    duration : float
        Biological duration (s).
    seed : int
        Seed of every random draw.
    t_start : float
        Transient discarded by the statistics (s), in [0, duration).
    backend, mode, target, threads
        See :func:`simulate`.

    Returns
    -------
    xarray.Dataset
        The run's Dataset (:func:`~adexmf.network.dataset.make_dataset`) with the
        statistics of :func:`~adexmf.network.analysis.stationary_statistics` in its attrs
        (:func:`~adexmf.network.analysis.statistics_attrs`: ``stationary_start_s``,
        ``stationary_nu_e_Hz``...) and ``wall_s`` (s, the whole call) added to ``timings``.

    Raises
    ------
    InputRangeError
        If ``t_start`` is not in [0, duration), or the drive's ramp ends after ``t_start``
        (the statistics would average the ramp), before anything is simulated.
    """
    _check_stationary_window(model, duration, t_start)
    wall0 = time.perf_counter()
    ds = simulate(model, duration, seed, backend=backend, mode=mode, target=target, threads=threads)
    wall = time.perf_counter() - wall0
    timings = json_attr(ds, "timings", source="network result")
    timings["wall_s"] = wall
    ds.attrs["timings"] = json.dumps(timings, sort_keys=True)
    ds.attrs.update(statistics_attrs(stationary_statistics(ds, t_start), t_start))
    return ds


def _check_stationary_window(model: NetworkModel, duration: float, t_start: float) -> None:
    """Raise unless ramp <= t_start < duration (errors name ``t_start``, ``duration`` and the
    drive's ``ramp``)."""
    if not 0.0 <= t_start < duration:
        raise InputRangeError(
            f"t_start = {t_start:g} s must lie in [0, {duration:g}) s (the run's duration)",
            parameters=("t_start",),
        )
    ramp = model.drive.ramp
    if ramp > t_start:
        reached = model.drive.rate * min(1.0, duration / ramp) if ramp > 0 else model.drive.rate
        raise InputRangeError(
            f"the drive ramp (ramp = {ramp:g} s) ends after the stationary statistics start "
            f"(t_start = {t_start:g} s, run of duration = {duration:g} s; the drive reaches "
            f"{reached:g} of {model.drive.rate:g} Hz by the end); allowed: ramp <= t_start < "
            "duration: shorten the ramp, or start the statistics later in a longer run",
            parameters=("ramp", "t_start", "duration"),
        )
