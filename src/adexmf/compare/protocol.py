"""What every comparison protocol shares: run sizes, request checks, network tasks on Dask."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..network.model import DRIVE_EVENTS
from .variants import get_variant


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


def with_drive_events(specs: list[dict[str, Any]], drive_events: str) -> list[dict[str, Any]]:
    """The network task specifications with the drive's events per step
    (:func:`check_drive_events`); for "bernoulli", the default, the key is left out, so that
    stored runs keep their hashes."""
    if check_drive_events(drive_events) == "bernoulli":
        return specs
    return [{**s, "drive_events": drive_events} for s in specs]


def run_network_tasks(
    task: Callable[[dict[str, Any]], xr.Dataset],
    specs: Sequence[dict[str, Any]],
    out: str | Path,
    scheduler: str | None,
    progress: bool,
) -> list[xr.Dataset]:
    """Network runs as Dask tasks stored in ``out/tasks`` (:func:`adexmf.sweep.run_tasks`),
    with Brian2 imported by each worker at start."""
    from ..sweep import run_tasks

    return run_tasks(task, specs, Path(out) / "tasks", scheduler=scheduler, progress=progress,
                     preload=("brian2",))  # fmt: skip


def json_values(values) -> Any:
    """An array as nested lists for JSON, with None where a value is undefined (NaN/inf:
    e.g. the CV of a silent population, a branch lost by continuation)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr) if np.isfinite(arr) else None
    return [json_values(a) for a in arr]
