"""Compiled kernels of the ring and the sheet (Numba). The physics is the column node's
(:mod:`adexmf.meanfield.node`); these kernels only assemble its inputs from delayed lateral
sums and step the units in time. See :mod:`adexmf.ring.model` for the method.

Kept apart from the Python front end so that edits there do not invalidate the compiled
cache (its fingerprint covers every module that mentions numba).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..layouts import (
    MF_T,
    N_OBSERVABLES,
    N_STATE,
    OB_MU_V,
    S_NU_E,
    S_NU_I,
)
from ..meanfield.node import (
    adaptation_of,
    column_observables,
    column_rhs,
    column_rhs_first_order_values,
    project_column_state,
    route_inputs,
    stimulus_rates,
)

#: Recorded channels: rates and mean potentials of both populations, per unit.
CH_NU_E, CH_NU_I, CH_MU_V_E, CH_MU_V_I = 0, 1, 2, 3
N_CHANNELS = 4


@njit(cache=True)
def project_units(y, order, T):
    """:func:`~adexmf.meanfield.node.project_column_state` on every row of ``y`` (n_units, 6)."""
    for i in range(y.shape[0]):
        project_column_state(y[i], order, T)


#: The stiffness diagnostic is evaluated on one step in this many: at first order it is the
#: only reader of the transfer functions' gradients, so the other steps compute values only
#: (about a third of the ring's cost). At 0.5 ms steps this samples it every 4 ms, finer than
#: the Markov time T = 5 ms on which rates move.
STIFFNESS_EVERY = 8


# Not inlined: each stage calls one compiled copy of the node (inlining the dual-number
# transfer function at every call site multiplies the compile time). The first order gets
# its own copies with the order as a constant, so that the compiler drops the Hessians of the
# transfer functions that it never reads, and, without the stiffness, their gradients too.
@njit(cache=True)
def _derivatives_first(mp, pe, pi, adaptation, drive, y, E, I, aff, dy):  # noqa: E741
    rho = 0.0
    for i in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(mp, E[i], I[i], drive, aff[i])
        r = column_rhs(mp, pe, pi, 1, adaptation, y[i], in_ee, in_ie, in_i, dy[i])
        rho = max(rho, r)
    return rho


@njit(cache=True)
def _derivatives_first_values(mp, pe, pi, adaptation, drive, y, E, I, aff, dy):  # noqa: E741
    for i in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(mp, E[i], I[i], drive, aff[i])
        column_rhs_first_order_values(mp, pe, pi, adaptation, y[i], in_ee, in_ie, in_i, dy[i])
    return 0.0


@njit(cache=True)
def _derivatives_any(mp, pe, pi, order, adaptation, drive, y, E, I, aff, dy):  # noqa: E741
    rho = 0.0
    for i in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(mp, E[i], I[i], drive, aff[i])
        r = column_rhs(mp, pe, pi, order, adaptation, y[i], in_ee, in_ie, in_i, dy[i])
        rho = max(rho, r)
    return rho


@njit(cache=True)
def node_derivatives(mp, pe, pi, order, adaptation, drive, y, E, I, aff, dy, stiffness):  # noqa: E741
    """d(state)/dt of every unit (rows of ``y``, ``dy``: n_units x 6) from its lateral
    inputs ``E``, ``I`` (Hz, the delayed sums) and afferent rate ``aff`` (Hz), through the
    column node; returns the largest stiffness (1/s) if ``stiffness`` is true, else 0 (at
    second order, where the gradients are needed anyway, it is always returned)."""
    if order == 1:
        if stiffness:
            return _derivatives_first(mp, pe, pi, adaptation, drive, y, E, I, aff, dy)
        return _derivatives_first_values(mp, pe, pi, adaptation, drive, y, E, I, aff, dy)
    return _derivatives_any(mp, pe, pi, order, adaptation, drive, y, E, I, aff, dy)


@njit(cache=True)
def node_record(mp, pe, pi, adaptation, drive, lateral_vsd, y, E, I, aff, weight, out_k):  # noqa: E741
    """Add ``weight`` x (nu_e, nu_i, mu_V of the exc. and inh. cells) of every unit to
    ``out_k`` (4, n_units). ``lateral_vsd`` = 1 leaves the afferent input out of mu_V."""
    obs = np.empty((2, N_OBSERVABLES))
    for i in range(y.shape[0]):
        a = 0.0 if lateral_vsd != 0 else aff[i]
        in_ee, in_ie, in_i = route_inputs(mp, E[i], I[i], drive, a)
        column_observables(pe, pi, in_ee, in_ie, in_i, adaptation_of(adaptation, y[i]), obs)
        out_k[CH_NU_E, i] += weight * y[i, S_NU_E]
        out_k[CH_NU_I, i] += weight * y[i, S_NU_I]
        out_k[CH_MU_V_E, i] += weight * obs[0, OB_MU_V]
        out_k[CH_MU_V_I, i] += weight * obs[1, OB_MU_V]


@njit(cache=True, inline="always")
def _write_row(He, Hi, y, pos, M, N):
    """Store the rates of the history row at buffer position ``pos``: twice in time (rows
    pos and pos + M) and each unit twice in space (columns i and i + N), so that reads need
    no modulo."""
    for i in range(N):
        e = y[i, S_NU_E]
        h = y[i, S_NU_I]
        He[pos, i] = e
        He[pos, i + N] = e
        He[pos + M, i] = e
        He[pos + M, i + N] = e
        Hi[pos, i] = h
        Hi[pos, i + N] = h
        Hi[pos + M, i] = h
        Hi[pos + M, i + N] = h


@njit(cache=True, inline="always")
def _known_part(He, Hi, pos, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi):
    """Lateral sums at the time of buffer row ``pos`` from the rows before it: the terms
    (offset m, rows back >= 1, coefficients) of the interpolated delays. Unit i reads unit
    i - m, i.e. column i - m + N of the doubled row."""
    for i in range(N):
        Pe[i] = 0.0
        Pi[i] = 0.0
    for k in range(t_m.size):
        r = pos + M - t_back[k]
        c0 = N - t_m[k]
        ce = t_ce[k]
        ci = t_ci[k]
        for i in range(N):
            Pe[i] += ce * He[r, c0 + i]
            Pi[i] += ci * Hi[r, c0 + i]


@njit(cache=True, inline="always")
def _current_part(y, N, z_m, z_ce, z_ci, Pe, Pi, E, I):  # noqa: E741
    """Complete the lateral sums with the terms of delays below one step, which read the
    current state ``y`` (Heun's predictor in its second stage)."""
    for i in range(N):
        E[i] = Pe[i]
        I[i] = Pi[i]
    for k in range(z_m.size):
        m = z_m[k]
        ce = z_ce[k]
        ci = z_ci[k]
        for i in range(N):
            j = i - m
            if j < 0:
                j += N
            E[i] += ce * y[j, S_NU_E]
            I[i] += ci * y[j, S_NU_I]


@njit(cache=True)
def ring_kernel(
    mp, pe, pi, order, adaptation, method, drive,
    t_m, t_back, t_ce, t_ci, z_m, z_ce, z_ci, n_rows,
    y0, profiles, courses, dt, n_steps, sample_step, sample_frac, lateral_vsd, out,
):  # fmt: skip
    """Integrate one ring of ``profiles.shape[1]`` columns for ``n_steps`` steps of ``dt``.

    Parameters
    ----------
    mp, pe, pi, order, adaptation
        The column model (:mod:`adexmf.meanfield.node`).
    method : int
        0 Euler, 1 Heun.
    drive : float
        External drive (Hz).
    t_m, t_back, t_ce, t_ci
        Delay terms read from known rows: offset m (unit i reads unit i - m), rows back
        from the current one (>= 1), excitatory and inhibitory coefficients (kernel weight
        x interpolation weight).
    z_m, z_ce, z_ci
        Delay terms that read the current row (delays below one step).
    n_rows : int
        History rows kept (> largest rows back).
    y0 : ndarray (6,)
        Homogeneous initial state, also the history before t = 0.
    profiles, courses : ndarray (S, N), (S, n_steps + 1)
        Afferent stimuli: spatial profile (Hz) and time course (dimensionless) of each.
    dt : float
        Step (s).
    sample_step, sample_frac : ndarray (K,)
        Sample k is (1 - frac) x step ``sample_step[k]`` + frac x the next step (sorted).
    lateral_vsd : int
        1: mean potentials from the lateral inputs only (authors' choice); 0: with the
        afferent input.
    out : ndarray (K, 4, N)
        Output: nu_e, nu_i (Hz), mu_V of the exc. and inh. cells (V) at the samples.

    Returns
    -------
    float
        Largest stiffness x dt met on the steps where it is evaluated (one in
        :data:`STIFFNESS_EVERY`; the explicit steps are stable below ~2).
    """
    N = profiles.shape[1]
    M = n_rows
    T = mp[MF_T]
    He = np.empty((2 * M, 2 * N))
    Hi = np.empty((2 * M, 2 * N))
    y = np.empty((N, N_STATE))
    for i in range(N):
        y[i, :] = y0
    for r in range(M):
        _write_row(He, Hi, y, r, M, N)
    ytmp = np.empty((N, N_STATE))
    k1 = np.empty((N, N_STATE))
    k2 = np.empty((N, N_STATE))
    Pe = np.empty(N)
    Pi = np.empty(N)
    E = np.empty(N)
    I = np.empty(N)  # noqa: E741
    aff = np.empty(N)
    out[:] = 0.0
    K = sample_step.size
    k_lo = 0
    worst = 0.0
    pos = 0
    _known_part(He, Hi, pos, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
    for n in range(n_steps + 1):
        _current_part(y, N, z_m, z_ce, z_ci, Pe, Pi, E, I)
        stimulus_rates(profiles, courses, n, aff)
        # samples touching step n: weight 1 - frac at their step, frac at the next one
        while k_lo < K and sample_step[k_lo] + 1 < n:
            k_lo += 1
        k = k_lo
        while k < K and sample_step[k] <= n:
            f = sample_frac[k]
            w = 1.0 - f if sample_step[k] == n else f
            if w != 0.0:
                node_record(mp, pe, pi, adaptation, drive, lateral_vsd, y, E, I, aff, w, out[k])
            k += 1
        if n == n_steps:
            break
        check = n % STIFFNESS_EVERY == 0
        rho = node_derivatives(mp, pe, pi, order, adaptation, drive, y, E, I, aff, k1, check)
        worst = max(worst, rho * dt)
        pos1 = pos + 1 if pos + 1 < M else 0
        if method == 0:
            for i in range(N):
                for j in range(N_STATE):
                    y[i, j] += dt * k1[i, j]
                project_column_state(y[i], order, T)
            _write_row(He, Hi, y, pos1, M, N)
            _known_part(He, Hi, pos1, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
        else:
            for i in range(N):
                for j in range(N_STATE):
                    ytmp[i, j] = y[i, j] + dt * k1[i, j]
                project_column_state(ytmp[i], order, T)
            # the known part at t_{n+1} reads rows <= n only: shared by both stages
            _known_part(He, Hi, pos1, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
            _current_part(ytmp, N, z_m, z_ce, z_ci, Pe, Pi, E, I)
            stimulus_rates(profiles, courses, n + 1, aff)
            rho = node_derivatives(
                mp, pe, pi, order, adaptation, drive, ytmp, E, I, aff, k2, check
            )
            worst = max(worst, rho * dt)
            half = 0.5 * dt
            for i in range(N):
                for j in range(N_STATE):
                    y[i, j] += half * (k1[i, j] + k2[i, j])
                project_column_state(y[i], order, T)
            _write_row(He, Hi, y, pos1, M, N)
        pos = pos1
    return worst


@njit(cache=True, parallel=True)
def ring_batch_kernel(
    mp, pe, pi, order, adaptation, method, drive,
    t_m, t_back, t_ce, t_ci, n_t, z_m, z_ce, z_ci, n_z, n_rows,
    y0, profiles, courses, dt, n_steps, sample_step, sample_frac, lateral_vsd, out, worst,
):  # fmt: skip
    """:func:`ring_kernel` for B parameter sets in parallel (one set per task).

    Delay tables are padded to a common length: set b uses the first ``n_t[b]`` (``n_z[b]``)
    entries of its rows; ``out`` is (B, K, 4, N), ``worst`` (B,).
    """
    B = out.shape[0]
    for k in prange(B):
        b = np.int64(k)
        worst[b] = ring_kernel(
            mp, pe, pi, order, adaptation, method, drive,
            t_m[b, : n_t[b]], t_back[b, : n_t[b]], t_ce[b, : n_t[b]], t_ci[b, : n_t[b]],
            z_m[b, : n_z[b]], z_ce[b, : n_z[b]], z_ci[b, : n_z[b]], n_rows[b],
            y0, profiles[b], courses[b], dt, n_steps, sample_step, sample_frac,
            lateral_vsd, out[b],
        )  # fmt: skip
