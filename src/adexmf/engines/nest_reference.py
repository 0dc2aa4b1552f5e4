"""Adaptive reference for the single-cell simulator: the same cells in NEST (SPEC 2.1, 4.2).

NEST's ``aeif_cond_exp`` integrates V, w and both conductances with an adaptive
Runge-Kutta-Fehlberg 4(5) solver inside every step (``gsl_error_tol``) and finds the spike
inside the step, independently of the toolkit's own kernel
(:mod:`adexmf.singlecell.simulate`). Each cell gets its own excitatory and inhibitory Poisson
trains (one ``poisson_generator`` per cell and synapse type, rates ``K_s nu_s``, weights
``Q_s``); events arrive on the step grid, one step after they are drawn, which delays the
shot noise but leaves its statistics exact. A clamped adaptation current W is an injected
current ``-W`` with a = b = 0 (NEST's w would otherwise relax to 0).

NEST draws its own random numbers, so this route agrees with the kernel statistically, not
spike for spike; it is used by the convergence study (``benchmarks/bench_convergence.py``)
and its slow test.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..cell_inputs import MAX_CURRENT, MAX_INPUT_RATE, per_cell
from ..errors import InputRangeError, check_range
from ..params import DEFAULT_NETWORK, Cell, Network, Synapses
from .nest_cells import aeif_parameters, import_nest

#: GSL error tolerance of the reference (NEST's default is 1e-6).
REFERENCE_TOLERANCE = 1e-9


def simulate_cells_nest(
    cell: Cell,
    synapses: Synapses,
    nu_e,
    nu_i,
    *,
    duration: float,
    dt: float = 1e-4,
    network: Network = DEFAULT_NETWORK,
    seed: int = 0,
    adaptation_clamp=None,
    stats_start: float = 0.0,
    tolerance: float = REFERENCE_TOLERANCE,
    threads: int = 1,
) -> np.ndarray:
    """Output rates of independent AdEx cells simulated by NEST under Poisson input.

    Parameters
    ----------
    cell, synapses : Cell, Synapses
        As for :func:`~adexmf.singlecell.simulate.simulate_cells`.
    nu_e, nu_i : array_like
        Per-synapse presynaptic rates (Hz), broadcast together: one cell per element.
    duration : float
        Simulated time (s).
    dt : float
        NEST resolution (s): the grid of input events and of the refractory count; the
        solver's own steps inside it are adaptive.
    network : Network
        Provides the in-degrees K_e and K_i.
    seed : int
        Seed (NEST's ``rng_seed`` is ``seed + 1``, NEST needs a seed >= 1).
    adaptation_clamp : float or array_like, optional
        Clamped adaptation current W (A), scalar or one per cell; NaN leaves w free.
    stats_start : float
        Spikes are counted from this time on (s).
    tolerance : float
        GSL error tolerance ``gsl_error_tol``.
    threads : int
        NEST threads.

    Returns
    -------
    ndarray
        Output rates (Hz), one per cell.
    """
    e, i, clamp = _checked_inputs(nu_e, nu_i, adaptation_clamp, duration, dt, stats_start,
                                  tolerance, seed)  # fmt: skip
    nest = import_nest()
    nest.ResetKernel()
    dt_ms = dt * 1e3
    nest.SetKernelStatus(
        {"resolution": dt_ms, "rng_seed": int(seed) + 1, "local_num_threads": int(threads),
         "print_time": False}
    )  # fmt: skip
    neurons = _neurons(nest, cell, synapses, clamp, tolerance)
    for rates, K, weight in ((e, network.K_e, synapses.Q_e), (i, network.K_i, -synapses.Q_i)):
        if rates.max() > 0.0:
            gens = nest.Create("poisson_generator", e.size, params={"rate": list(K * rates)})
            nest.Connect(gens, neurons, "one_to_one",
                         {"synapse_model": "static_synapse", "weight": weight * 1e9,
                          "delay": dt_ms})  # fmt: skip
    recorder = nest.Create("spike_recorder", params={"start": stats_start * 1e3})
    nest.Connect(neurons, recorder)
    nest.Simulate(round(duration / dt) * dt_ms)
    senders = np.asarray(recorder.get("events")["senders"], dtype=np.int64)
    counts = np.bincount(senders - neurons[0].global_id, minlength=e.size)
    return counts / (duration - stats_start)


def _checked_inputs(
    nu_e,
    nu_i,
    adaptation_clamp,
    duration: float,
    dt: float,
    stats_start: float,
    tolerance: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check the settings and return per-cell nu_e, nu_i (Hz) and clamps (A, NaN: free)."""
    check_range("duration", duration, 0.0, 1e4, unit="s", low_inclusive=False,
                error=InputRangeError)  # fmt: skip
    check_range("dt", dt, 1e-6, 1e-3, unit="s", error=InputRangeError)
    check_range("stats_start", stats_start, 0.0, duration, unit="s", high_inclusive=False,
                error=InputRangeError)  # fmt: skip
    check_range("tolerance", tolerance, 1e-14, 1e-3, error=InputRangeError)
    check_range("seed", seed, 0, 2**31 - 3, error=InputRangeError)
    try:
        e, i = np.broadcast_arrays(np.asarray(nu_e, float), np.asarray(nu_i, float))
    except ValueError as exc:
        raise InputRangeError(f"nu_e and nu_i cannot be broadcast together: {exc}") from None
    n = e.size
    # the same checks, limits and messages as the compiled kernel's (simulate_cells)
    e = per_cell("nu_e", e.ravel(), n, 0.0, MAX_INPUT_RATE, "Hz")
    i = per_cell("nu_i", i.ravel(), n, 0.0, MAX_INPUT_RATE, "Hz")
    clamp = np.full(n, np.nan)
    if adaptation_clamp is not None:
        clamp = np.broadcast_to(np.asarray(adaptation_clamp, float), (n,)).copy()
        held = ~np.isnan(clamp)
        clamp[held] = per_cell("adaptation_clamp", clamp[held], int(held.sum()),
                                -MAX_CURRENT, MAX_CURRENT, "A")  # fmt: skip
    return e, i, clamp


def _neurons(nest: Any, cell: Cell, synapses: Synapses, clamp: np.ndarray, tolerance: float):
    """One ``aeif_cond_exp`` neuron per cell: free, or with w clamped as a current -W."""
    clamped_cell = dataclasses.replace(cell, a=0.0, b=0.0)
    neurons = nest.Create("aeif_cond_exp", clamp.size)
    for k in range(clamp.size):
        if np.isnan(clamp[k]):
            params = aeif_parameters(cell, synapses)
        else:
            params = aeif_parameters(clamped_cell, synapses, current=-float(clamp[k]))
        params["gsl_error_tol"] = tolerance
        neurons[k].set(params)
    return neurons
