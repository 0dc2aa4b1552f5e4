"""Spiking-network ground truth (SPEC 2.3): one description, Brian2 and NEST backends.

Typical use::

    from adexmf.network import NetworkModel, simulate, stationary_statistics
    model = NetworkModel.from_preset("zerlaut2018", n_total=2000)
    ds = simulate(model, duration=1.5, seed=5)            # Brian2 runtime (Cython)
    stationary_statistics(ds)["nu_e"]                       # Hz, after 500 ms
    ds.rate_binned.sel(population="exc")                    # (time_bin,), Hz

Datasets follow the data model of ``docs/data-model.md`` (time first, as the mean field).
"""

from __future__ import annotations

import xarray as xr

from ..errors import ParameterError
from .analysis import (
    RATE_BIN,
    STATIONARY_START,
    RawRecording,
    bin_rates,
    check_layout,
    make_dataset,
    run_summary,
    stationary_statistics,
    statistic_unit,
    statistics_attrs,
    statistics_from_attrs,
)
from .model import (
    DRIVE_EVENTS,
    DRIVE_MODELS,
    POPULATIONS,
    Afferent,
    Drive,
    NetworkModel,
    Population,
    Recorders,
)
from .protocol import run_stationary

#: Backends accepted by :func:`simulate`.
BACKENDS: tuple[str, ...] = ("brian2", "nest")
#: Modes of the Brian2 backend.
BRIAN2_MODES: tuple[str, ...] = ("runtime", "standalone")
#: Seeds accepted by every backend: [0, MAX_SEED) (NEST needs rng_seed = seed + 1 < 2**31).
MAX_SEED = 2**31 - 1


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
        Seed of every random draw (connectivity and drive).
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
        See :func:`adexmf.network.analysis.make_dataset`.
    """
    if backend not in BACKENDS:
        raise ParameterError(f"backend = {backend!r}; allowed: {', '.join(BACKENDS)}")
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < MAX_SEED:
        raise ParameterError(f"seed = {seed!r}; allowed: an integer in [0, {MAX_SEED})")
    if int(threads) < 1:
        raise ParameterError(f"threads = {threads}; allowed: an integer >= 1")
    if backend == "nest" and (target is not None or mode != "runtime"):
        given = f"target = {target!r}" if target is not None else f"mode = {mode!r}"
        raise ParameterError(
            f"{given} applies to the Brian2 backend only; the NEST backend has neither "
            "(drop --target/--mode, or use --backend brian2)"
        )
    if backend == "nest":
        from .nest_backend import run_nest

        return run_nest(model, duration, seed, threads=threads)
    if mode not in BRIAN2_MODES:
        raise ParameterError(f"mode = {mode!r}; allowed: {', '.join(BRIAN2_MODES)}")
    from . import brian2_backend

    if mode == "standalone":
        if target is not None:
            raise ParameterError(
                f"target = {target!r} applies to the Brian2 runtime mode only; the standalone "
                "mode compiles C++ (drop --target, or use --mode runtime)"
            )
        return brian2_backend.run_standalone(
            model, duration, seed, threads=0 if threads == 1 else threads
        )
    return brian2_backend.run_runtime(model, duration, seed, target=target or "cython")


__all__ = [
    "BACKENDS",
    "BRIAN2_MODES",
    "DRIVE_EVENTS",
    "DRIVE_MODELS",
    "POPULATIONS",
    "RATE_BIN",
    "STATIONARY_START",
    "Afferent",
    "Drive",
    "NetworkModel",
    "Population",
    "RawRecording",
    "Recorders",
    "bin_rates",
    "check_layout",
    "make_dataset",
    "run_stationary",
    "run_summary",
    "simulate",
    "stationary_statistics",
    "statistic_unit",
    "statistics_attrs",
    "statistics_from_attrs",
]
