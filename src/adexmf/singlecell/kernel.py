"""The compiled kernel of the single-cell simulator: many independent AdEx cells at once.

One time step from t_n to t_n+1 (the schemes and the input model are described in
:mod:`adexmf.singlecell.simulate`, which checks the inputs and calls this kernel): V (unless
refractory) and w take an Euler or Heun step, the conductances decay exactly and jump by
``Q`` times the step's Poisson number of presynaptic events, then threshold, reset and
refractoriness.

Randomness: each cell has its own random stream, a SplitMix64 generator whose 64-bit state
is a local variable of the cell's loop (no shared or thread-local state), seeded with the
cell's own seed; a cell's result depends only on its seed, not on how cells are batched or
on the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..layouts import (
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

# Largest exponent of the exponential term (see _membrane_current).
_MAX_EXPONENT = 50.0


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 2.0**-53


@njit(cache=True, inline="always")
def _uniform(state):
    """SplitMix64 step: (new state, uniform double in [0, 1)). State lives in the caller."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return state, (z >> _S11) * _TWO_M53


@njit(cache=True, inline="always", error_model="numpy")
def _poisson_count(state, expected, exp_minus_expected):
    """Poisson count of mean ``expected`` by inversion of one uniform: (new state, count)."""
    state, u = _uniform(state)
    k = 0
    prob = exp_minus_expected
    cumulative = prob
    while u > cumulative and prob > 0.0:
        k += 1
        prob *= expected / k
        cumulative += prob
    return state, k


@njit(cache=True, inline="always", error_model="numpy")
def _membrane_current(V, w, Ge, Gi, I_ext, g_L, E_L, E_e, E_i, g_L_delta_T, V_T, inv_delta_T,
                      has_exp):  # fmt: skip
    """C_m dV/dt of SPEC 2.1 (A): leak, exponential term, synapses, adaptation, current.

    The exponent is capped at ``_MAX_EXPONENT``: a state far past the spike threshold (Heun's
    predictor) gets a huge finite slope, never exp overflow (inf - inf). States at the start
    of a step are below the threshold (exponent <= 5), where the cap changes nothing.
    """
    current = g_L * (E_L - V) + Ge * (E_e - V) + Gi * (E_i - V) - w + I_ext
    if has_exp:
        current += g_L_delta_T * math.exp(min((V - V_T) * inv_delta_T, _MAX_EXPONENT))
    return current


@njit(cache=True, inline="always")
def _adaptation_drive(V, w, a, E_L):
    """tau_w dw/dt of SPEC 2.1 (A)."""
    return a * (V - E_L) - w


@njit(cache=True, parallel=True, error_model="numpy")
def _simulate_kernel(
    p,
    lam_e,
    lam_i,
    current,
    w_clamp,
    step_on,
    step_off,
    step_amp,
    seeds,
    n_steps,
    dt,
    scheme,
    refractory_steps,
    stats_start,
    record_row,
    trace_V,
    trace_w,
    trace_spike,
    counts,
    V_sum,
    V_sumsq,
):
    """Simulate independent AdEx cells (see the module docstring for the step order).

    All arrays are per cell (length n) except ``p`` (packed parameters), the current-step
    arrays (``step_on``/``step_off``: step indices, length m; ``step_amp``: (m, n) in A) and
    the traces ((n_recorded, n_steps + 1)). Spikes and V moments are accumulated from step
    ``stats_start`` on.
    """
    g_L, C_m, E_L = p[SC_G_L], p[SC_C_M], p[SC_E_L]
    V_T, delta_T, V_spike, V_reset = p[SC_V_T], p[SC_DELTA_T], p[SC_V_SPIKE], p[SC_V_RESET]
    a, b, tau_w = p[SC_A], p[SC_B], p[SC_TAU_W]
    Q_e, tau_e, E_e = p[SC_Q_E], p[SC_TAU_E], p[SC_E_E]
    Q_i, tau_i, E_i = p[SC_Q_I], p[SC_TAU_I], p[SC_E_I]
    dt_over_C = dt / C_m
    dt_over_tau_w = dt / tau_w if tau_w > 0.0 else 0.0
    inv_delta_T = 1.0 / delta_T if delta_T > 0.0 else 0.0
    g_L_delta_T = g_L * delta_T
    decay_e = math.exp(-dt / tau_e)
    decay_i = math.exp(-dt / tau_i)
    has_exp = delta_T > 0.0
    has_w = tau_w > 0.0
    n_cells = lam_e.size
    n_current_steps = step_on.size
    for c in prange(n_cells):
        state = np.uint64(seeds[c])  # this cell's own random stream (SplitMix64)
        le = lam_e[c]
        li = lam_i[c]
        exp_le = math.exp(-le)
        exp_li = math.exp(-li)
        clamped = not math.isnan(w_clamp[c])
        V = E_L
        w = w_clamp[c] if clamped else 0.0
        Ge = 0.0
        Gi = 0.0
        free_from = 0  # first step at which V is integrated again (end of refractoriness)
        row = record_row[c]
        n_spikes = 0
        s1 = 0.0
        s2 = 0.0
        for n in range(n_steps):
            if row >= 0:
                trace_V[row, n] = V
                trace_w[row, n] = w
            if n >= stats_start:
                # moments of V - E_L: sums of V itself lose the variance to cancellation
                s1 += V - E_L
                s2 += (V - E_L) * (V - E_L)
            I_ext = current[c]
            for k in range(n_current_steps):
                if step_on[k] <= n < step_off[k]:
                    I_ext += step_amp[k, c]
            active = n >= free_from
            if scheme == 0:
                # 1. Euler step of V (unless refractory) and w, from the state at t_n.
                dV = _membrane_current(V, w, Ge, Gi, I_ext, g_L, E_L, E_e, E_i, g_L_delta_T,
                                       V_T, inv_delta_T, has_exp)  # fmt: skip
                if not clamped and has_w:
                    w += dt_over_tau_w * _adaptation_drive(V, w, a, E_L)
                if active:
                    V += dt_over_C * dV
            else:
                # 1. Heun step; the second stage sees the conductances decayed to t_n+1.
                dV1 = _membrane_current(V, w, Ge, Gi, I_ext, g_L, E_L, E_e, E_i, g_L_delta_T,
                                        V_T, inv_delta_T, has_exp)  # fmt: skip
                dw1 = 0.0
                if not clamped and has_w:
                    dw1 = _adaptation_drive(V, w, a, E_L)
                V_pred = V + dt_over_C * dV1 if active else V
                w_pred = w + dt_over_tau_w * dw1
                dV2 = _membrane_current(V_pred, w_pred, Ge * decay_e, Gi * decay_i, I_ext, g_L,
                                        E_L, E_e, E_i, g_L_delta_T, V_T, inv_delta_T,
                                        has_exp)  # fmt: skip
                if not clamped and has_w:
                    w += 0.5 * dt_over_tau_w * (dw1 + _adaptation_drive(V_pred, w_pred, a, E_L))
                if active:
                    V += 0.5 * dt_over_C * (dV1 + dV2)
            # 2. Exact decay of the conductances and this step's presynaptic events.
            Ge *= decay_e
            Gi *= decay_i
            if le > 0.0:
                state, k = _poisson_count(state, le, exp_le)
                Ge += Q_e * k
            if li > 0.0:
                state, k = _poisson_count(state, li, exp_li)
                Gi += Q_i * k
            # 3. Threshold, reset, refractoriness.
            if active and V > V_spike:
                V = V_reset
                if not clamped:
                    w += b
                # Refractory like Brian2: integrated again t_ref after the spike time t_n.
                free_from = n + refractory_steps
                if n >= stats_start:
                    n_spikes += 1
                if row >= 0:
                    trace_spike[row, n + 1] = 1
        if row >= 0:
            trace_V[row, n_steps] = V
            trace_w[row, n_steps] = w
        counts[c] = n_spikes
        V_sum[c] = s1
        V_sumsq[c] = s2
