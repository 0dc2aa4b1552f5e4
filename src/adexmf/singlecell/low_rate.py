"""Low-rate points of a transfer function, and the fit that weighs them (issue 26, item 4).

A characterisation counts every grid point over the same few cell-seconds, so below ~1 Hz
its points hold a handful of spikes, and the fit (squared rate errors) can miss rates of
0.005-0.3 Hz by factors of 2-10 while its RMS error stays ~0.5 Hz. Those rates decide
whether a network has a DOWN state: a mean field whose transfer function fires at 0.06 Hz
where the cell fires at 0.015 Hz has no DOWN state, and no UP-DOWN states
(docs/paper-vs-code.md, "UP-DOWN states").

:func:`low_rate_points` places points where the cell's fitted transfer function predicts
:data:`TARGETS` (0.005-1 Hz), at low inhibitory rates and at the adaptation currents of a
cell firing at 0-1 Hz, and counts each over ``cells x duration`` cell-seconds (a few hundred
spikes at 0.02 Hz). :func:`fit_with_low_rates` refits the characterisation plus these points
with the Poisson deviance of the counts (:mod:`adexmf.singlecell.fit`), each point weighted
by its counted cell-seconds.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import check_range
from ..netcdf import write_netcdf
from ..params import Cell, Network, Synapses, to_mapping
from ..store import provenance
from ..theory.transfer import TransferFunction
from .characterize import dataset_parameters
from .fit import FitResult, counted_exposure, fit_transfer_function
from .simulate import simulate_cells

#: Output rates (Hz) the points are placed at, inhibitory rates (Hz) and the rates (Hz) of
#: the cell whose spike-triggered adaptation current b tau_w nu the points are clamped at.
#: (For a cell with a > 0 these levels leave out the subthreshold part a (mu_V - E_L).)
TARGETS = (0.005, 0.02, 0.08, 0.3, 1.0)
NU_I_LEVELS = (0.0, 0.3, 1.0, 3.0)
ADAPTATION_RATES = (0.0, 0.5, 1.0)
#: Cells per point and their simulated time (s); the first STATS_START s are not counted.
CELLS, DURATION, STATS_START = 150, 30.0, 0.5
#: Excitatory rates (Hz) scanned to place the points.
NU_E_SCAN = np.geomspace(0.02, 50.0, 500)


def _design(tf: TransferFunction, cell: Cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nu_e Hz, nu_i Hz, W A) of the points: where ``tf`` predicts each target rate."""
    levels = sorted({cell.b * (cell.tau_w or 0.0) * r for r in ADAPTATION_RATES})
    points = []
    for w in levels:
        for ni in NU_I_LEVELS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # placing points below the fit's domain
                f = tf.evaluate(NU_E_SCAN, np.full(NU_E_SCAN.size, ni),
                                np.full(NU_E_SCAN.size, w)).rate  # fmt: skip
            f = np.maximum.accumulate(f)  # monotone for the interpolation
            points += [(float(np.interp(r, f, NU_E_SCAN)), ni, w) for r in TARGETS
                       if f[0] < r < f[-1]]  # fmt: skip
    return tuple(np.array(c) for c in zip(*points, strict=True))  # type: ignore[return-value]


def _key(cell: Cell, synapses: Synapses, network: Network, design, cells, duration, seed):
    payload = {"cell": to_mapping(cell), "synapses": to_mapping(synapses),
               "K": [network.K_e, network.K_i], "design": [a.tolist() for a in design],
               "cells": cells, "duration": duration, "seed": seed}  # fmt: skip
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def low_rate_points(
    tf: TransferFunction, cell: Cell, synapses: Synapses, network: Network, *,
    cells: int = CELLS, duration: float = DURATION, seed: int = 11,
    path: str | Path | None = None,
) -> xr.Dataset:
    """Isolated cells (adaptation clamped) at the low-rate points placed by ``tf``.

    Returns a Dataset with ``nu_e``, ``nu_i`` (Hz), ``W`` (A), ``rate_mean`` (Hz), ``exposure``
    (counted cell-seconds) per ``point``; with ``path``, written there and reused when the
    cell, synapses, design and settings are the same (``attrs["key"]``).
    """
    check_range("cells", cells, 1, 100_000)
    check_range("duration", duration, STATS_START, 1e4, unit="s", low_inclusive=False)
    design = _design(tf, cell)
    key = _key(cell, synapses, network, design, cells, duration, seed)
    if path is not None and Path(path).exists():
        old = xr.load_dataset(path)
        if old.attrs.get("key") == key:
            return old
    e, i, w = design
    res = simulate_cells(cell, synapses, np.repeat(e, cells), np.repeat(i, cells),
                         duration=duration, network=network, seed=seed,
                         adaptation_clamp=np.repeat(w, cells), stats_start=STATS_START)  # fmt: skip
    ds = xr.Dataset(
        {"nu_e": ("point", e, {"units": "Hz"}), "nu_i": ("point", i, {"units": "Hz"}),
         "W": ("point", w, {"units": "A"}),
         "rate_mean": ("point", res.rate.reshape(e.size, cells).mean(axis=1), {"units": "Hz"}),
         "exposure": ("point", np.full(e.size, cells * (duration - STATS_START)),
                      {"units": "s", "long_name": "counted cell-seconds"})},
        attrs={**provenance(), "key": key, "cell_name": cell.name,
               "protocol": "isolated cells, Poisson input, adaptation clamped at W"},
    )  # fmt: skip
    if path is not None:
        write_netcdf(ds, path)
    return ds


def fit_with_low_rates(char: xr.Dataset, low: xr.Dataset, *, layout: str = "with_log",
                       inhibitory_term: str = "paper", note: str = "") -> FitResult:
    """The characterisation ``char`` plus the low-rate points ``low``, fitted with the
    Poisson loss (each point weighted by its counted cell-seconds)."""
    cell, synapses, network = dataset_parameters(char)
    W = char["W"].values if "W" in char else np.full(char.sizes["point"], np.nan)
    cat = {k: np.r_[char[k].values, low[k].values] for k in ("nu_e", "nu_i", "rate_mean")}
    return fit_transfer_function(
        cat["nu_e"], cat["nu_i"], cat["rate_mean"], cell, synapses, network,
        W=np.r_[W, low["W"].values], layout=layout, inhibitory_term=inhibitory_term,
        loss="poisson", exposure=np.r_[counted_exposure(char), low["exposure"].values],
        note=note or f"with {low.sizes['point']} low-rate points",
    )  # fmt: skip
