"""The regime of each point of the validity map (:mod:`.validity_map`), for the network and
for each mean-field variant: ``silent``, ``asynchronous`` or ``oscillating``, by the one
criterion of :func:`adexmf.timeseries.classify_regime`, with the oscillation's dominant
frequency, UP-state rate and duty cycle where it oscillates.

The network: its excitatory population rate in the bins of the map's Fano factor
(:data:`adexmf.compare.validity_map.BIN`, 5 ms: ~120 spikes a bin at 3 Hz in 8,000 cells,
so counting noise stays far below the criterion's CV threshold) from the start of the
statistics. The mean field: its rate integrated from the map's anchor state, the drive
ramped to the point's (:data:`MF_REGIME_RAMP`) and held, classified from
:data:`MF_REGIME_START` to :data:`MF_REGIME_DURATION`.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from ..errors import ValidityWarning
from ..meanfield.fixedpoints import fixed_point
from ..meanfield.variants import get_variant
from ..timeseries import REGIMES, classify_regime
from .protocol import json_values

#: Mean-field runs of the regime: the drive ramps from the 4 Hz state to the point's drive
#: in MF_REGIME_RAMP (a step of a few Hz throws the second order out of its domain and into
#: its silent corner, which the slow ramp, a continuation in time, avoids) and holds; the
#: rate is classified from MF_REGIME_START (the ramp plus 4 tau_w for W) to
#: MF_REGIME_DURATION (s), sampled every MF_REGIME_SAMPLE (s), at steps of MF_REGIME_DT (s).
MF_REGIME_RAMP = 2.0
MF_REGIME_DURATION = 8.0
MF_REGIME_START = 4.0
MF_REGIME_DT = 1e-4
MF_REGIME_SAMPLE = 1e-3
#: The map's three regimes, and the label of :func:`adexmf.timeseries.classify_regime`
#: each is made of.
MAP_REGIMES = {"silent": "silent", "asynchronous": "asynchronous", "saturated": "asynchronous",
               "slow_oscillation": "oscillating", "oscillation": "oscillating"}  # fmt: skip


def population_rate(spike_time, spike_neuron, n_cells: int, t_start: float, t_end: float,
                    bin_width: float) -> np.ndarray:
    """Population rate (Hz per cell) of neurons 0..n_cells-1 in bins of ``bin_width`` (s)
    from ``t_start`` to ``t_end`` (s)."""
    n_bins = int(np.floor((t_end - t_start) / bin_width + 1e-9))
    keep = (spike_time >= t_start) & (spike_neuron < n_cells)
    k = ((spike_time[keep] - t_start) / bin_width).astype(np.int64)
    counts = np.bincount(k[k < n_bins], minlength=n_bins)
    return counts / (n_cells * bin_width)


def regime_statistics(rate: np.ndarray, fs: float) -> dict[str, float]:
    """Regime of one rate series (Hz, sampled at ``fs`` Hz): the index of its label in
    :data:`adexmf.timeseries.REGIMES` (``regime_code``), and where it oscillates its
    dominant frequency (Hz), UP-state rate (Hz) and duty cycle (NaN otherwise)."""
    r = classify_regime(rate, fs)
    label = str(r.labels[0])
    oscillating = MAP_REGIMES[label] == "oscillating"

    def pick(x):
        return float(x[0]) if oscillating else float("nan")
    return {"regime_code": float(REGIMES.index(label)),
            "oscillation_frequency": pick(r.dominant_frequency), "up_rate": pick(r.up_rate),
            "duty_cycle": pick(r.duty_cycle)}  # fmt: skip


#: The regime statistics of a point, in the order of the ``*regime_stats`` arrays.
REGIME_KEYS = ("regime_code", "oscillation_frequency", "up_rate", "duty_cycle")
REGIME_STATS_ATTRS = {
    "long_name": "regime (index into attrs regimes), oscillation frequency (Hz), UP-state "
                 "rate (Hz) and duty cycle where oscillating",
}  # fmt: skip


def mean_field_regimes(variant: str, drives, b_values, n_total: int, order: int,
                       anchor_drive: float) -> np.ndarray:  # fmt: skip
    """Regime statistics (drive, b, :data:`REGIME_KEYS`) of a variant's second-order rate,
    integrated from its state at ``anchor_drive`` (Hz), the drive ramped to each point's
    (:data:`MF_REGIME_RAMP`)."""
    base = get_variant(variant).model(order=order, n_total=n_total)
    out = np.full((len(drives), len(b_values), len(REGIME_KEYS)), np.nan)
    every = int(round(MF_REGIME_SAMPLE / MF_REGIME_DT))
    for j, b in enumerate(b_values):
        model = base.replace(b=float(b)) if base.adaptation else base
        start = fixed_point(model, anchor_drive)
        for i, d in enumerate(drives):
            drive = functools.partial(_ramp, start=anchor_drive, end=float(d))
            with warnings.catch_warnings():
                # the map flags the fit domain on its fixed points (mean_field_branch)
                warnings.simplefilter("ignore", ValidityWarning)
                ds = model.run(MF_REGIME_DURATION, initial=start, dt=MF_REGIME_DT, drive=drive,
                               record_every=every, observables=False)  # fmt: skip
            rate = ds.rate.sel(population="exc", time=slice(MF_REGIME_START, None)).values
            stats = regime_statistics(rate, 1.0 / MF_REGIME_SAMPLE)
            out[i, j] = [stats[k] for k in REGIME_KEYS]
    return out


def _ramp(t, start: float, end: float):
    """Drive (Hz) at times ``t`` (s): from ``start`` to ``end`` over MF_REGIME_RAMP, then held."""
    return start + (end - start) * np.minimum(np.asarray(t) / MF_REGIME_RAMP, 1.0)


def regime_grids(stats: np.ndarray) -> dict[str, Any]:
    """JSON grids ``[drive][b]`` of regime statistics (seed, drive, b, :data:`REGIME_KEYS`):
    ``regime`` (the most common over the seeds, ties to the first of silent, asynchronous,
    oscillating) and, where it is oscillating, ``oscillation_frequency_Hz``, ``up_rate_Hz``
    and ``duty_cycle`` (means over the seeds that oscillate; None elsewhere)."""
    order = ("silent", "asynchronous", "oscillating")
    labels = np.array([[[MAP_REGIMES[REGIMES[int(c)]] for c in row] for row in seed]
                       for seed in stats[..., 0]])  # fmt: skip
    regime = np.array(order)[np.argmax([(labels == r).sum(0) for r in order], axis=0)]
    out: dict[str, Any] = {"regime": regime.tolist()}
    for m, key in ((1, "oscillation_frequency_Hz"), (2, "up_rate_Hz"), (3, "duty_cycle")):
        values = np.where(labels == "oscillating", stats[..., m], np.nan)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN points: None
            out[key] = json_values(np.where(regime == "oscillating", np.nanmean(values, 0),
                                            np.nan))  # fmt: skip
    return out
