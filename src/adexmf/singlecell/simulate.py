"""Compiled AdEx simulator for many independent cells at once (SPEC 2.1 and 4.2).

Every simulated cell is independent: one grid point times one seed is one cell. Each cell
receives its own excitatory and inhibitory Poisson trains (independent streams per cell and
per synapse type), as conductance shot noise with exact exponential decay; the number of
presynaptic events in each time step is drawn from the Poisson law of mean ``K_s nu_s dt``.

Two integration schemes (``scheme``) share one step order and one input model; one time
step from t_n to t_n+1:

1. V (unless refractory) and w take a step with the current of step n:

   * ``"euler"`` (the authors' scheme, SPEC 4.2; the reference level, dt 0.05 ms): forward
     Euler with the conductances at t_n;
   * ``"heun"`` (the default, dt 0.1 ms): Heun's predictor-corrector, the second stage
     evaluated at the predicted state with the conductances decayed exactly to t_n+1. The
     conductances are thus integrated exactly between events; the trapezoidal average of
     their decay removes Euler's first-order bias on the mean input (events of a step act
     with full weight for the whole next step under Euler: +dt / (2 tau) on the mean
     conductance) and the second stage follows the exponential upswing. Against NEST's
     adaptive ``aeif_cond_exp`` (:mod:`adexmf.engines.nest_reference`,
     ``benchmarks/bench_convergence.py``, docs/paper-vs-code.md) it is converged at 0.1 ms,
     where Euler is not, for the cost of Euler at 0.05 ms (two evaluations per step);

2. the conductances decay exactly, ``G <- G exp(-dt / tau)``, and jump by ``Q`` times the
   number of events of the step;
3. if the cell is not refractory and ``V > V_T + 5 delta_T``: spike, ``V <- V_reset``,
   ``w <- w + b``; V is then held (not integrated, threshold not tested) for ``t_ref``
   while w keeps evolving.

Both follow Brian2's runtime schedule, so a Brian2 ``NeuronGroup`` with the same equations and
the same scheme is a statistically equivalent second route
(:func:`adexmf.engines.brian2_cells.simulate_cells_brian2`, used by the tests and the benchmark).

Randomness: each cell has its own random stream, a SplitMix64 generator whose 64-bit state
is a local variable of the cell's loop (no shared or thread-local state), seeded with a seed
derived deterministically from a user seed and the cell's key by :func:`derive_seeds` (NumPy
``SeedSequence``); a cell's result depends only on its seed, not on how cells are batched or
on the thread count.

This module checks the inputs and packs them; the compiled loop over cells and steps is
:mod:`adexmf.singlecell.kernel`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..cell_inputs import (
    DEFAULT_DT,
    DEFAULT_SCHEME,
    MAX_CURRENT,
    MAX_INPUT_RATE,
    SCHEMES,
    check_scheme,
    per_cell,
)
from ..errors import InputRangeError, ParameterError, check_range
from ..layouts import (
    N_SINGLE_CELL,
    SC_A,
    SC_B,
    SC_C_M,
    SC_DELTA_T,
    SC_E_E,
    SC_E_I,
    SC_E_L,
    SC_G_L,
    SC_Q_E,
    SC_Q_I,
    SC_TAU_E,
    SC_TAU_I,
    SC_TAU_W,
    SC_V_RESET,
    SC_V_SPIKE,
    SC_V_T,
)
from ..params import DEFAULT_NETWORK, Cell, Network, Synapses
from .kernel import _simulate_kernel

#: Largest mean number of presynaptic events per step (K nu dt): the Poisson sampler inverts
#: one uniform from exp(-K nu dt), which underflows to 0 (no events at all) beyond ~745.
MAX_EVENTS_PER_STEP = 500.0



def pack_cell_params(cell: Cell, synapses: Synapses, spiking: bool = True) -> np.ndarray:
    """Pack a cell and its synapses into the float64 vector read by the kernel (SI units).

    Parameters
    ----------
    cell : Cell
    synapses : Synapses
    spiking : bool
        If False, the exponential term and the spike threshold are removed (passive
        membrane with conductance input; adaptation still follows ``a`` unless clamped).
    """
    delta_T = cell.delta_T if spiking else 0.0
    threshold = cell.spike_threshold if spiking else math.inf
    s = synapses
    p = np.empty(N_SINGLE_CELL, dtype=np.float64)
    p[SC_G_L], p[SC_C_M], p[SC_E_L] = cell.g_L, cell.C_m, cell.E_L
    p[SC_V_T], p[SC_DELTA_T], p[SC_V_SPIKE], p[SC_V_RESET] = (
        cell.V_T, delta_T, threshold, cell.V_reset,
    )  # fmt: skip
    p[SC_A], p[SC_B] = cell.a, cell.b
    p[SC_TAU_W] = cell.tau_w if cell.tau_w is not None else 0.0
    p[SC_Q_E], p[SC_TAU_E], p[SC_E_E] = s.Q_e, s.tau_e, s.E_e
    p[SC_Q_I], p[SC_TAU_I], p[SC_E_I] = s.Q_i, s.tau_i, s.E_i
    return p


@dataclass(frozen=True)
class CurrentStep:
    """A rectangular current pulse injected from ``onset`` to ``offset`` (s), in A."""

    onset: float
    offset: float
    amplitude: float | np.ndarray


@dataclass(frozen=True)
class SimulationResult:
    """Output of :func:`simulate_cells` (SI units).

    Attributes
    ----------
    spike_counts : ndarray of int, shape (n,)
        Spikes counted from ``stats_start`` to the end.
    rate : ndarray, shape (n,)
        Output rates (Hz): spike count / counted duration.
    V_mean, V_std : ndarray, shape (n,)
        Mean and standard deviation of V over the counted window (V); during refractory
        periods V is V_reset and counted as such.
    counted_duration : float
        Duration of the counting window (s).
    time : ndarray
        Times of the trace samples (s), shape (n_steps + 1,); empty if nothing recorded.
    V, w : ndarray
        Traces of V (V) and w (A) of the recorded cells, shape (n_recorded, n_steps + 1).
    spikes : ndarray of bool
        Spike markers of the recorded cells (True at the sample just after a spike).
    seeds : ndarray of uint64
        The per-cell seeds used.
    """

    spike_counts: np.ndarray
    rate: np.ndarray
    V_mean: np.ndarray
    V_std: np.ndarray
    counted_duration: float
    time: np.ndarray
    V: np.ndarray
    w: np.ndarray
    spikes: np.ndarray
    seeds: np.ndarray


def derive_seeds(seed: int, keys: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
    """Per-cell 64-bit seeds derived from a user seed and integer keys (one row per cell).

    ``SeedSequence(seed, spawn_key=key)`` gives independent, reproducible streams: a cell's
    seed depends only on ``seed`` and its key (e.g. ``(stage, point, repetition)``), never on
    batching.

    Parameters
    ----------
    seed : int
        Non-negative user seed.
    keys : array_like of int, shape (n, k)
        Non-negative integer key of each cell.

    Returns
    -------
    ndarray of uint64, shape (n,)
    """
    if isinstance(seed, bool) or int(seed) != seed or int(seed) < 0:
        raise ParameterError(f"seed = {seed!r} must be a non-negative integer")
    keys = np.asarray(keys, dtype=np.int64)
    if keys.ndim == 1:
        keys = keys[:, None]
    if keys.size and keys.min() < 0:
        raise ParameterError("seed keys must be non-negative integers")
    out = np.empty(len(keys), dtype=np.uint64)
    for j, key in enumerate(keys):
        ss = np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in key))
        out[j] = ss.generate_state(1, dtype=np.uint64)[0]
    return out


def _check_protocol(dt: float, scheme: str, duration: float, stats_start: float) -> None:
    """Check the step, scheme, duration and start of the counting window (all in s)."""
    check_range("dt", dt, 1e-7, 1e-3, unit="s", low_inclusive=True, error=InputRangeError)
    check_scheme(scheme)
    check_range("duration", duration, 0.0, 1e4, unit="s", low_inclusive=False,
                error=InputRangeError)  # fmt: skip
    check_range("stats_start", stats_start, 0.0, duration, unit="s", high_inclusive=False,
                error=InputRangeError)  # fmt: skip


def _counted_steps(duration: float, stats_start: float, dt: float) -> tuple[int, int]:
    """Number of steps and the step at which counting starts; at least one step counted."""
    n_steps = int(round(duration / dt))
    start = int(round(stats_start / dt))
    if n_steps - start < 1:
        raise InputRangeError(
            f"duration - stats_start = {duration - stats_start:g} s is shorter than one time "
            f"step dt = {dt:g} s; nothing would be counted"
        )
    return n_steps, start


def _input_rates(nu_e, nu_i, network: Network, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell presynaptic rates (Hz), broadcast together and checked (also the number of
    events per step, ``K nu dt``, that the Poisson sampler can draw)."""
    try:
        e, i = np.broadcast_arrays(np.asarray(nu_e, float), np.asarray(nu_i, float))
    except ValueError as exc:
        raise InputRangeError(f"nu_e and nu_i cannot be broadcast together: {exc}") from None
    n = e.size
    if n == 0:
        raise InputRangeError("no cell to simulate: nu_e and nu_i are empty")
    e = per_cell("nu_e", e.ravel(), n, 0.0, MAX_INPUT_RATE, "Hz")
    i = per_cell("nu_i", i.ravel(), n, 0.0, MAX_INPUT_RATE, "Hz")
    for name, rates, K in (("nu_e", e, network.K_e), ("nu_i", i, network.K_i)):
        if rates.max() * K * dt > MAX_EVENTS_PER_STEP:
            raise InputRangeError(
                f"{name} = {rates.max():g} Hz gives {rates.max() * K * dt:g} presynaptic events "
                f"per step (K = {K:g}, dt = {dt:g} s); allowed: at most "
                f"{MAX_EVENTS_PER_STEP:g}; lower dt or the rate"
            )
    return e, i


def _adaptation_clamps(adaptation_clamp, n: int) -> np.ndarray:
    """Per-cell clamped adaptation currents (A), checked; NaN where w is free."""
    if adaptation_clamp is None:
        return np.full(n, np.nan)
    w_clamp = np.broadcast_to(np.asarray(adaptation_clamp, float), (n,)).copy()
    free = np.isnan(w_clamp)
    w_clamp[~free] = per_cell(
        "adaptation_clamp", w_clamp[~free], int((~free).sum()), -MAX_CURRENT, MAX_CURRENT,
        "A",
    )  # fmt: skip
    return w_clamp


def _current_steps(current_steps: Sequence[CurrentStep], n: int, dt: float):
    """(onset steps, offset steps, amplitudes (step, cell) in A) of the current pulses."""
    on = np.array([int(round(s.onset / dt)) for s in current_steps], dtype=np.int64)
    off = np.array([int(round(s.offset / dt)) for s in current_steps], dtype=np.int64)
    amp = np.zeros((len(current_steps), n))
    for k, s in enumerate(current_steps):
        if not 0.0 <= s.onset <= s.offset:
            raise InputRangeError(
                f"current_steps[{k}]: onset = {s.onset:g} s and offset = {s.offset:g} s must "
                "satisfy 0 <= onset <= offset"
            )
        amp[k] = per_cell(f"current_steps[{k}].amplitude", s.amplitude, n,
                           -MAX_CURRENT, MAX_CURRENT, "A")  # fmt: skip
    return on, off, amp


def _cell_seeds(seed: int, seeds: np.ndarray | None, n: int) -> np.ndarray:
    """The n per-cell seeds (uint64): given, or derived from ``seed`` and the cell index."""
    if seeds is None:
        seeds = derive_seeds(seed, np.arange(n))
    raw = np.asarray(seeds)
    if raw.shape != (n,) or raw.dtype.kind not in "iu" or (raw.dtype.kind == "i" and raw.min() < 0):
        raise InputRangeError(f"seeds must be {n} non-negative integers (one per cell)")
    return raw.astype(np.uint64)


def _record_rows(record: Sequence[int] | np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Row of each cell in the traces (-1: not recorded) and the number of trace rows."""
    record = np.asarray(record, dtype=np.int64).ravel()
    if record.size and (record.min() < 0 or record.max() >= n):
        raise InputRangeError(f"record indices must lie in [0, {n - 1}]")
    record_row = np.full(n, -1, dtype=np.int64)
    record_row[record] = np.arange(record.size)
    return record_row, record.size


def _outputs(n: int, n_rec: int, n_steps: int):
    """Zeroed arrays the kernel fills: traces (V in V, w in A, spike markers) of the recorded
    cells, and per cell the spike count and the sums of V - E_L (V) and of its square (V^2)."""
    traces = (
        np.zeros((n_rec, n_steps + 1)),
        np.zeros((n_rec, n_steps + 1)),
        np.zeros((n_rec, n_steps + 1), dtype=np.uint8),
    )
    return traces, (np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n))


def _result(cell: Cell, sums, n_steps: int, start: int, dt: float, traces, seeds):
    """The :class:`SimulationResult` from the kernel's spike counts, V sums and traces."""
    counts, V_sum, V_sumsq = sums
    trace_V, trace_w, trace_spike = traces
    n_counted = n_steps - start
    counted = n_counted * dt
    shift = V_sum / n_counted  # mean of V - E_L (the kernel sums V - E_L)
    V_mean = cell.E_L + shift
    V_var = np.maximum(V_sumsq / n_counted - shift**2, 0.0)
    return SimulationResult(
        spike_counts=counts,
        rate=counts / counted,
        V_mean=V_mean,
        V_std=np.sqrt(V_var),
        counted_duration=counted,
        time=np.arange(n_steps + 1) * dt if trace_V.shape[0] else np.empty(0),
        V=trace_V,
        w=trace_w,
        spikes=trace_spike.astype(bool),
        seeds=seeds,
    )


def simulate_cells(
    cell: Cell,
    synapses: Synapses,
    nu_e,
    nu_i,
    *,
    duration: float,
    dt: float = DEFAULT_DT,
    scheme: str = DEFAULT_SCHEME,
    network: Network = DEFAULT_NETWORK,
    seed: int = 0,
    seeds: np.ndarray | None = None,
    current=0.0,
    current_steps: Sequence[CurrentStep] = (),
    adaptation_clamp=None,
    spiking: bool = True,
    stats_start: float = 0.0,
    record: Sequence[int] | np.ndarray = (),
) -> SimulationResult:
    """Simulate many independent AdEx cells under Poisson conductance input.

    Every cell starts at V = E_L, G_e = G_i = 0, w = 0 (SPEC 4.2).

    Parameters
    ----------
    cell : Cell
        Cell model, shared by all simulated cells.
    synapses : Synapses
        Quantal increments, time constants and reversal potentials.
    nu_e, nu_i : array_like
        Per-synapse presynaptic rates (Hz), broadcast together; the number of cells is their
        common size. Cell k receives ``K_e nu_e[k]`` excitatory and ``K_i nu_i[k]``
        inhibitory events per second.
    duration : float
        Simulated time (s).
    dt : float
        Time step (s); 0.1 ms by default (converged with "heun").
    scheme : {"heun", "euler"}
        Integration scheme (module docstring): "heun" (default) or the authors' "euler"
        (with dt = 0.05 ms: :data:`AUTHORS_SCHEME`, :data:`AUTHORS_DT`).
    network : Network
        Provides the in-degrees K_e and K_i.
    seed : int
        User seed; cell k gets the seed derived from key ``k`` (:func:`derive_seeds`).
    seeds : ndarray of uint64, optional
        Explicit per-cell seeds, overriding ``seed``.
    current : float or array_like
        Constant injected current (A), scalar or one per cell.
    current_steps : sequence of CurrentStep
        Current pulses added to ``current``.
    adaptation_clamp : float or array_like, optional
        If given, w is held at this value (A) in every cell (NaN entries leave that cell's w
        free); spike-triggered increments are then ignored.
    spiking : bool
        If False: no exponential term and no threshold (passive membrane).
    stats_start : float
        Start of the window over which spikes and V moments are counted (s).
    record : sequence of int
        Indices of cells whose V, w and spikes are recorded at every step.

    Returns
    -------
    SimulationResult
    """
    _check_protocol(dt, scheme, duration, stats_start)
    e, i = _input_rates(nu_e, nu_i, network, dt)
    n = e.size
    I0 = per_cell("current", current, n, -MAX_CURRENT, MAX_CURRENT, "A")
    w_clamp = _adaptation_clamps(adaptation_clamp, n)
    n_steps, start = _counted_steps(duration, stats_start, dt)
    pulses = _current_steps(current_steps, n, dt)
    seeds = _cell_seeds(seed, seeds, n)
    record_row, n_rec = _record_rows(record, n)
    traces, sums = _outputs(n, n_rec, n_steps)
    _simulate_kernel(
        pack_cell_params(cell, synapses, spiking), network.K_e * e * dt, network.K_i * i * dt,
        I0, w_clamp, *pulses, seeds, n_steps, float(dt), SCHEMES.index(scheme),
        int(round(cell.t_ref / dt)), start, record_row, *traces, *sums,
    )  # fmt: skip
    return _result(cell, sums, n_steps, start, dt, traces, seeds)
