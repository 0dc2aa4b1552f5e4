"""Network protocols composed from the pieces: a run with its stationary statistics."""

from __future__ import annotations

import json
import time

import xarray as xr

from ..errors import InputRangeError
from ..store import json_attr
from .analysis import STATIONARY_START, stationary_statistics, statistics_attrs
from .model import NetworkModel


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
        See :func:`adexmf.network.simulate`.

    Returns
    -------
    xarray.Dataset
        The run's Dataset (:func:`~adexmf.network.analysis.make_dataset`) with the
        statistics of :func:`~adexmf.network.analysis.stationary_statistics` in its attrs
        (:func:`~adexmf.network.analysis.statistics_attrs`: ``stationary_start_s``,
        ``stationary_nu_e_Hz``...) and ``wall_s`` (s, the whole call) added to ``timings``.

    Raises
    ------
    InputRangeError
        If ``t_start`` is not in [0, duration), or the drive's ramp ends after ``t_start``
        (the statistics would average the ramp), before anything is simulated.
    """
    from . import simulate

    if not 0.0 <= t_start < duration:
        raise InputRangeError(
            f"t_start = {t_start:g} s must lie in [0, {duration:g}) s (the run's duration)"
        )
    ramp = model.drive.ramp
    if ramp > t_start:
        reached = model.drive.rate * min(1.0, duration / ramp) if ramp > 0 else model.drive.rate
        raise InputRangeError(
            f"the drive ramp (--ramp = {ramp:g} s) ends after the stationary statistics start "
            f"(--stationary-start = {t_start:g} s, run of {duration:g} s; the drive reaches "
            f"{reached:g} of {model.drive.rate:g} Hz by the end); allowed: ramp <= "
            "stationary start < duration: shorten --ramp or raise --stationary-start and "
            "--duration"
        )
    wall0 = time.perf_counter()
    ds = simulate(model, duration, seed, backend=backend, mode=mode, target=target, threads=threads)
    wall = time.perf_counter() - wall0
    timings = json_attr(ds, "timings", source="network result")
    timings["wall_s"] = wall
    ds.attrs["timings"] = json.dumps(timings, sort_keys=True)
    ds.attrs.update(statistics_attrs(stationary_statistics(ds, t_start), t_start))
    return ds
