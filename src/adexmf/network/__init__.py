"""Spiking-network ground truth (SPEC 2.3): one description, Brian2 and NEST engines.

Typical use::

    from adexmf.network import NetworkModel, simulate, stationary_statistics
    model = NetworkModel.from_preset("zerlaut2018", n_total=2000)
    ds = simulate(model, duration=1.5, seed=5)            # Brian2 runtime (Cython)
    stationary_statistics(ds)["nu_e"]                       # Hz, after 500 ms
    ds.rate_binned.sel(population="exc")                    # (time_bin,), Hz

Datasets follow the data model of ``docs/data-model.md`` (time first, as the mean field).

The modules: :mod:`.model` (the backend-neutral description), :mod:`.dataset` (an engine's
recording -> the Dataset), :mod:`.analysis` (stationary statistics, summaries),
:mod:`.protocol` (:func:`simulate` through the engines' seam, :func:`run_stationary`),
:mod:`.standalone` (a Brian2 standalone network compiled once, rerun as Datasets). The
simulators themselves are in :mod:`adexmf.engines`.
"""

from __future__ import annotations

from .analysis import (
    STATIONARY_START,
    run_summary,
    stationary_statistics,
    statistic_unit,
    statistics_attrs,
    statistics_from_attrs,
)
from .dataset import RATE_BIN, bin_rates, check_layout, dataset_from_recording, make_dataset
from .drive import DRIVE_EVENTS, DRIVE_MODELS, Drive
from .model import (
    POPULATIONS,
    Afferent,
    NetworkModel,
    Population,
    Recorders,
)
from .protocol import run_stationary, simulate
from .standalone import Brian2Standalone

__all__ = [
    "DRIVE_EVENTS",
    "DRIVE_MODELS",
    "POPULATIONS",
    "RATE_BIN",
    "STATIONARY_START",
    "Afferent",
    "Brian2Standalone",
    "Drive",
    "NetworkModel",
    "Population",
    "Recorders",
    "bin_rates",
    "check_layout",
    "dataset_from_recording",
    "make_dataset",
    "run_stationary",
    "run_summary",
    "simulate",
    "stationary_statistics",
    "statistic_unit",
    "statistics_attrs",
    "statistics_from_attrs",
]
