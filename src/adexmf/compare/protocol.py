"""What every comparison protocol shares: names, run sizes, request checks, network tasks.

A protocol's network runs are :class:`adexmf.network.run_spec.NetworkRun` specifications;
each becomes one task of :func:`adexmf.sweep.run_tasks` as the plain mapping of
:func:`task_spec` (the run's mapping, the protocol's name and what the protocol's task
computes from the run). Tasks take that mapping, not the typed run: the task store hashes
and writes it as JSON and Dask ships it to the workers, where the task rebuilds the run
(:meth:`NetworkRun.from_mapping`, checked again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..meanfield.variants import get_variant
from ..network import simulate
from ..network.drive import DRIVE_EVENTS
from ..network.run_spec import NetworkRun
from ..sweep import run_tasks

#: The comparison protocols, in the order of the paper's figures (4, 5, 6, 7) and the map.
PROTOCOL_NAMES: tuple[str, ...] = ("stationary", "transient", "frequency", "integrative",
                                   "validity")  # fmt: skip
#: The drive (Hz per synapse) of every protocol unless given: the paper's 4 Hz, the default
#: network run's.
DRIVE = NetworkRun().drive
#: Variants compared unless given.
DEFAULT_VARIANTS: tuple[str, ...] = ("reference", "corrected", "adaptation")


@dataclass(frozen=True)
class Scale:
    """Size of a protocol run: network size, duration (s), seeds, traced cells."""

    n_total: int
    duration: float
    seeds: int
    traced_cells: int


SCALES: dict[str, Scale] = {
    "quick": Scale(n_total=10_000, duration=1.5, seeds=2, traced_cells=20),
    "paper": Scale(n_total=10_000, duration=1.5, seeds=5, traced_cells=50),
}


def get_scale(name: str | Scale) -> Scale:
    """The scale called ``name`` (``quick`` or ``paper``), or ``name`` itself if a Scale."""
    if isinstance(name, Scale):
        return name
    if name not in SCALES:
        raise ParameterError(f"scale = {name!r} is unknown; allowed: {', '.join(SCALES)}")
    return SCALES[name]


def scale_name(scale: str | Scale) -> str:
    """The name a result records for ``scale``: its own, or "custom" for a Scale object."""
    return scale if isinstance(scale, str) else "custom"


def check_request(
    variants: Sequence[str], scale: str | Scale, seeds: int | None
) -> tuple[list[str], Scale, int]:
    """Validate a comparison request before any work: the variants (duplicates dropped, order
    kept), the scale and the number of network seeds (default: the scale's).

    Raises
    ------
    ParameterError
        For an empty or unknown variant, an unknown scale, or seeds outside 1-100.
    """
    names = list(dict.fromkeys(variants))
    if not names:
        raise ParameterError("variants is empty; give at least one (e.g. reference)")
    for name in names:
        get_variant(name)
    sc = get_scale(scale)
    n_seeds = sc.seeds if seeds is None else int(seeds)
    if not 1 <= n_seeds <= 100:
        raise ParameterError(f"seeds = {seeds!r} is out of range; allowed: 1 to 100")
    return names, sc, n_seeds


def check_drive_events(drive_events: str) -> str:
    """The network drive's events per step (SPEC 2.3), checked: the authors' "bernoulli" (at
    most one event per step) or "poisson" (the continuous-time limit of both, the input the
    transfer functions were fitted on).

    Raises
    ------
    ParameterError
        For another value, naming the allowed ones.
    """
    if drive_events not in DRIVE_EVENTS:
        raise ParameterError(
            f"drive_events = {drive_events!r} is unknown; allowed: {', '.join(DRIVE_EVENTS)}"
        )
    return drive_events


def task_spec(protocol: str, run: NetworkRun, **analysis: Any) -> dict[str, Any]:
    """The task-store specification of one network run of ``protocol``: the run's mapping
    (:meth:`NetworkRun.to_mapping`) with the protocol's name and the settings of what its task
    computes from the run (``t_start_s``...), which enter the task's key too."""
    return {"protocol": protocol, **run.to_mapping(), **analysis}


def simulate_run(run: NetworkRun) -> xr.Dataset:
    """Simulate one run on its engine (:func:`adexmf.network.simulate`)."""
    return simulate(run.network_model(), run.duration, run.seed, backend=run.backend)


def run_network_tasks(
    task: Callable[[dict[str, Any]], xr.Dataset],
    specs: Sequence[dict[str, Any]],
    out: str | Path,
    scheduler: str | None,
    progress: bool,
) -> list[xr.Dataset]:
    """Network runs as Dask tasks stored in ``out/tasks`` (:func:`adexmf.sweep.run_tasks`),
    with Brian2 imported by each worker at start."""
    return run_tasks(task, specs, Path(out) / "tasks", scheduler=scheduler, progress=progress,
                     preload=("brian2",))  # fmt: skip


def json_values(values) -> Any:
    """An array as nested lists for JSON, with None where a value is undefined (NaN/inf:
    e.g. the CV of a silent population, a branch lost by continuation)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr) if np.isfinite(arr) else None
    return [json_values(a) for a in arr]
