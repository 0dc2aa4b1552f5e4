"""The one compiled engine of every network of columns (Numba): the ring, the sheet's
column steps and the connectome.

The physics is the column node's (:mod:`adexmf.meanfield.node`); the engine only assembles
each column's inputs from the coupling tables (:mod:`adexmf.columns.coupling`) and steps
every column in time. Column k receives

- **lateral** input, routed as its recurrent excitatory and inhibitory rates:
  ``E_k = sum_t ce_t nu_e,k-m_t(t - back_t dt)`` and likewise ``I_k`` with ``ci_t`` and
  ``nu_i`` — a circulant table (offset m, rows back, coefficients), the same for every
  column: the ring's Gaussian kernels, or a column's own rates (offset 0, no delay) on a
  connectome; plus a spontaneous rate (TVB's 1e-6 kHz, else 0);
- **long-range** input, added to the external excitatory input as
  ``ext_k = drive_k + max(c_k + xi_k, 0)`` with ``c_k = sum_t coef_t nu_e,src_t(t - back_t dt)``
  over a sparse table in CSR order by target (weights of any pattern) and ``xi_k`` an
  Ornstein-Uhlenbeck noise (Hz);
- **afferent** stimuli (profile over columns x time course), on the excitatory cells.

Each table comes in two sets: terms that read the history buffer (``back >= 1`` rows back),
summed once per step (Heun's two stages share them), and terms of delays below one step,
which read the current state (the predictor in Heun's second stage), so both schemes keep
their order. The buffers keep the rates of the last ``n_rows`` steps, each row stored twice
in time (and, for the lateral table, each column twice in space), so the inner loops need
no modulo; the long-range buffer is column-major, so that a term's address is a
precomputed offset plus the buffer position. Recording reads the mean potentials alone
(:func:`~adexmf.theory.fluctuations.mean_potential_value`), not the full statistics.

Kept apart from the Python front ends so that edits there leave the compiled cache valid.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..layouts import MF_T, N_STATE, S_NU_E, S_NU_I, S_W
from ..meanfield.node import (
    N_VALUE_WORK,
    adaptation_of,
    column_rhs,
    columns_rhs_first_order_values,
    project_column_state,
    route_inputs,
    stimulus_rates,
)
from ..theory.fluctuations import mean_potential_value

#: Recorded channels, per column.
CH_NU_E, CH_NU_I, CH_W, CH_MU_V_E, CH_MU_V_I = 0, 1, 2, 3, 4
N_CHANNELS = 5


@njit(cache=True, error_model="numpy")
def project_units(y, order, T):
    """:func:`~adexmf.meanfield.node.project_column_state` on every row of ``y`` (n, 6)."""
    for i in range(y.shape[0]):
        project_column_state(y[i], order, T)


# Not inlined: each stage calls one compiled copy of the node (inlining the dual-number
# transfer function at every call site multiplies the compile time). The first order gets
# its own copies with the order as a constant, so that the compiler drops the Hessians of the
# transfer functions that it never reads, and, without the stiffness, their gradients too.
@njit(cache=True, error_model="numpy")
def _derivatives_first(mp, pe, pi, adaptation, spont, y, E, I, ext, aff, dy):  # noqa: E741
    rho = 0.0
    for i in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(mp, E[i] + spont, I[i] + spont, ext[i], aff[i])
        rho = max(rho, column_rhs(mp, pe, pi, 1, adaptation, y[i], in_ee, in_ie, in_i, dy[i]))
    return rho


@njit(cache=True, error_model="numpy")
def _derivatives_first_values(mp, pe, pi, adaptation, spont, y, E, I, ext, aff, dy, work):  # noqa: E741
    in_ee, in_ie, in_i = work[0], work[1], work[2]
    for i in range(y.shape[0]):
        in_ee[i], in_ie[i], in_i[i] = route_inputs(mp, E[i] + spont, I[i] + spont, ext[i], aff[i])
    columns_rhs_first_order_values(
        mp, pe, pi, adaptation, y, in_ee, in_ie, in_i, dy, work[3:]
    )  # fmt: skip
    return 0.0


@njit(cache=True, error_model="numpy")
def _derivatives_any(mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, dy):  # noqa: E741
    rho = 0.0
    for i in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(mp, E[i] + spont, I[i] + spont, ext[i], aff[i])
        r = column_rhs(mp, pe, pi, order, adaptation, y[i], in_ee, in_ie, in_i, dy[i])
        rho = max(rho, r)
    return rho


@njit(cache=True, error_model="numpy")
def _derivatives(mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, dy, stiffness, work):  # noqa: E741
    if order == 1:
        if stiffness:
            return _derivatives_first(mp, pe, pi, adaptation, spont, y, E, I, ext, aff, dy)
        return _derivatives_first_values(
            mp, pe, pi, adaptation, spont, y, E, I, ext, aff, dy, work
        )  # fmt: skip
    return _derivatives_any(mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, dy)


#: Rows of the engine's scratch array: three input rates per column, then the node's.
N_WORK = 3 + N_VALUE_WORK


@njit(cache=True, error_model="numpy")
def node_derivatives(mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, dy, stiffness):  # noqa: E741
    """d(state)/dt of every column (rows of ``y``, ``dy``: n x 6) from its lateral inputs
    ``E``, ``I`` (Hz), spontaneous rate ``spont`` (Hz), external excitatory input ``ext``
    (Hz) and afferent rate ``aff`` (Hz), through the column node; returns the largest
    stiffness (1/s) if ``stiffness`` is true, else 0 (at second order, where the gradients
    are needed anyway, it is always returned). Without the stiffness, the first order
    evaluates the transfer functions over all columns at once."""
    # scratch only where the values path uses it (the sheet asks for the stiffness each step)
    work = np.empty((N_WORK, y.shape[0] if order == 1 and not stiffness else 0))
    return _derivatives(mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, dy, stiffness,
                        work)  # fmt: skip


@njit(cache=True, error_model="numpy")
def node_record(mp, pe, pi, adaptation, spont, lateral_vsd, y, E, I, ext, aff, weight, out, k):  # noqa: E741
    """Add ``weight`` x (nu_e, nu_i, W, mu_V of the exc. and inh. cells) of every column to
    sample ``k`` of ``out`` (5, K, n). ``lateral_vsd`` = 1 leaves the afferent input out of
    mu_V."""
    for i in range(y.shape[0]):
        a = 0.0 if lateral_vsd != 0 else aff[i]
        in_ee, in_ie, in_i = route_inputs(mp, E[i] + spont, I[i] + spont, ext[i], a)
        W = adaptation_of(adaptation, y[i])
        out[CH_NU_E, k, i] += weight * y[i, S_NU_E]
        out[CH_NU_I, k, i] += weight * y[i, S_NU_I]
        out[CH_W, k, i] += weight * y[i, S_W]
        out[CH_MU_V_E, k, i] += weight * mean_potential_value(pe, in_ee, in_i, W)
        out[CH_MU_V_I, k, i] += weight * mean_potential_value(pi, in_ie, in_i, 0.0)


@njit(cache=True, inline="always")
def _write_row(He, Hi, Hx, y, pos, M, N, lateral, long_range):
    """Store the rates of the history row at buffer position ``pos``, twice in time (rows
    pos and pos + M). The lateral table (``lateral``) reads ``He``, ``Hi`` (time x column,
    each column twice in space); the long-range table (``long_range``) reads the excitatory
    rates in ``Hx``, flat and column-major (column i's row p at i * 2M + p), so that a
    term's address is one precomputed offset plus the buffer position."""
    if lateral:
        for i in range(N):
            e = y[i, S_NU_E]
            h = y[i, S_NU_I]
            He[pos, i] = e
            He[pos + M, i] = e
            He[pos, i + N] = e
            He[pos + M, i + N] = e
            Hi[pos, i] = h
            Hi[pos, i + N] = h
            Hi[pos + M, i] = h
            Hi[pos + M, i + N] = h
    if long_range:
        for i in range(N):
            e = y[i, S_NU_E]
            Hx[i * 2 * M + pos] = e
            Hx[i * 2 * M + pos + M] = e


@njit(cache=True, inline="always")
def _known_lateral(He, Hi, pos, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi):
    """Lateral sums at the time of buffer row ``pos`` from the rows before it. Column i
    reads column i - m, i.e. column i - m + N of the doubled row."""
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
def _long_range_offsets(src, back, M):
    """Offset of every history long-range term in ``Hx`` at buffer position 0 (unsigned:
    the compiled reads then skip the negative-index wraparound, half of their cost)."""
    off = np.empty(src.size, dtype=np.uint64)
    for t in range(src.size):
        off[t] = np.uint64(src[t] * 2 * M + M - back[t])
    return off


@njit(cache=True, inline="always")
def _known_long_range(Hx, pos, ptr, off, coef, P):
    """Long-range input of every column from the history rows before row ``pos``."""
    base = np.uint64(pos)
    for k in range(P.size):
        acc = 0.0
        for t in range(ptr[k], ptr[k + 1]):
            acc += coef[t] * Hx[off[t] + base]
        P[k] = acc


@njit(cache=True, inline="always")
def _inputs(y, N, z_m, z_ce, z_ci, zptr, zsrc, zcoef, Pe, Pi, P, drive, xi, E, I, ext):  # noqa: E741
    """Complete every column's inputs with the terms that read the current state ``y``
    (Heun's predictor in its second stage): lateral sums ``E``, ``I`` and the external input
    ``ext`` = drive + max(long-range + noise, 0)."""
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
    for k in range(N):
        c = P[k]
        for t in range(zptr[k], zptr[k + 1]):
            c += zcoef[t] * y[zsrc[t], S_NU_E]
        ext[k] = drive[k] + max(c + xi[k], 0.0)


@njit(cache=True, error_model="numpy")
def network_kernel(
    mp, pe, pi, order, adaptation, method, spont, drive,
    t_m, t_back, t_ce, t_ci, z_m, z_ce, z_ci,
    ptr, src, back, coef, zptr, zsrc, zcoef, n_rows,
    y0, profiles, courses, ou_decay, ou_kick, seed, dt, n_steps, stiffness_every,
    sample_step, sample_frac, lateral_vsd, out,
):  # fmt: skip
    """Integrate a network of ``y0.shape[0]`` columns for ``n_steps`` steps of ``dt``.

    Parameters
    ----------
    mp, pe, pi, order, adaptation
        The column model (:mod:`adexmf.meanfield.node`).
    method : int
        0 Euler, 1 Heun.
    spont : float
        Spontaneous rate added to every column's lateral inputs (Hz).
    drive : ndarray (n,)
        External drive of each column (Hz).
    t_m, t_back, t_ce, t_ci, z_m, z_ce, z_ci
        Lateral (circulant) terms: offset m (column i reads column i - m), rows back (>= 1
        for ``t_*``; the ``z_*`` terms read the current state), excitatory and inhibitory
        coefficients (kernel weight x interpolation weight).
    ptr, src, back, coef, zptr, zsrc, zcoef
        Long-range (sparse) terms in CSR order by target column: source column, rows back
        (>= 1; the ``z*`` terms read the current state), coefficient (gain x weight x
        interpolation weight).
    n_rows : int
        History rows kept (> the largest rows back of either table).
    y0 : ndarray (n, 6)
        Initial state of every column, also its history before t = 0.
    profiles, courses : ndarray (S, n), (S, n_steps + 1)
        Afferent stimuli: profile over columns (Hz) and time course (dimensionless).
    ou_decay, ou_kick : float
        Ornstein-Uhlenbeck noise on the long-range input per step:
        ``xi <- ou_decay xi + ou_kick N(0, 1)`` (Hz); ``ou_kick = 0`` switches it off.
    seed : int
        Seed of the noise's generator (same seed, same run).
    dt : float
        Step (s).
    n_steps, stiffness_every : int
        Steps to take; the stiffness diagnostic is evaluated on one step in
        ``stiffness_every`` (at first order it is the only reader of the transfer functions'
        gradients, so the other steps compute values only).
    sample_step, sample_frac : ndarray (K,)
        Sample k is (1 - frac) x step ``sample_step[k]`` + frac x the next step (sorted).
    lateral_vsd : int
        1: mean potentials from the lateral inputs only (the ring's VSD convention); 0: with
        the afferent input.
    out : ndarray (5, K, n)
        Output, channel-major (each channel's map contiguous, stored without a copy): nu_e,
        nu_i (Hz), W (A), mu_V of the exc. and inh. cells (V) at the samples.

    Returns
    -------
    float
        Largest stiffness x dt met where it was evaluated (explicit steps stable below ~2).
    """
    N = y0.shape[0]
    M = n_rows
    T = mp[MF_T]
    noisy = ou_kick > 0.0
    if noisy:
        np.random.seed(seed)  # noqa: NPY002 (Numba's generator, seeded per run)
    lateral = t_m.size > 0  # a lateral table that reads the history (the ring's)
    long_range = src.size > 0  # a long-range table that reads the history (a connectome's)
    He = np.empty((2 * M, 2 * N)) if lateral else np.empty((0, 0))
    Hi = np.empty((2 * M, 2 * N)) if lateral else np.empty((0, 0))
    Hx = np.empty(2 * M * N if long_range else 0)
    off = _long_range_offsets(src, back, M)
    y = y0.copy()
    for r in range(M):
        _write_row(He, Hi, Hx, y, r, M, N, lateral, long_range)
    ytmp = np.empty((N, N_STATE))
    work = np.empty((N_WORK, N))
    k1 = np.empty((N, N_STATE))
    k2 = np.empty((N, N_STATE))
    Pe = np.empty(N)
    Pi = np.empty(N)
    P = np.empty(N)
    E = np.empty(N)
    I = np.empty(N)  # noqa: E741
    ext = np.empty(N)
    aff = np.empty(N)
    xi = np.zeros(N)
    if noisy:  # start in the noise's stationary distribution
        for k in range(N):
            xi[k] = ou_kick / np.sqrt(1.0 - ou_decay * ou_decay) * np.random.standard_normal()  # noqa: NPY002
    out[:] = 0.0
    K = sample_step.size
    k_lo = 0
    worst = 0.0
    pos = 0
    _known_lateral(He, Hi, pos, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
    _known_long_range(Hx, pos, ptr, off, coef, P)
    for n in range(n_steps + 1):
        _inputs(y, N, z_m, z_ce, z_ci, zptr, zsrc, zcoef, Pe, Pi, P, drive, xi, E, I, ext)
        stimulus_rates(profiles, courses, n, aff)
        # samples touching step n: weight 1 - frac at their step, frac at the next one
        while k_lo < K and sample_step[k_lo] + 1 < n:
            k_lo += 1
        k = k_lo
        while k < K and sample_step[k] <= n:
            f = sample_frac[k]
            w = 1.0 - f if sample_step[k] == n else f
            if w != 0.0:
                node_record(
                    mp, pe, pi, adaptation, spont, lateral_vsd, y, E, I, ext, aff, w, out, k
                )
            k += 1
        if n == n_steps:
            break
        check = n % stiffness_every == 0
        rho = _derivatives(
            mp, pe, pi, order, adaptation, spont, y, E, I, ext, aff, k1, check, work
        )
        worst = max(worst, rho * dt)
        pos1 = pos + 1 if pos + 1 < M else 0
        if method == 0:
            for i in range(N):
                for j in range(N_STATE):
                    y[i, j] += dt * k1[i, j]
                project_column_state(y[i], order, T)
            _write_row(He, Hi, Hx, y, pos1, M, N, lateral, long_range)
            _known_lateral(He, Hi, pos1, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
            _known_long_range(Hx, pos1, ptr, off, coef, P)
        else:
            for i in range(N):
                for j in range(N_STATE):
                    ytmp[i, j] = y[i, j] + dt * k1[i, j]
                project_column_state(ytmp[i], order, T)
            # the known parts at t_{n+1} read rows <= n only: shared by both stages
            _known_lateral(He, Hi, pos1, M, N, t_m, t_back, t_ce, t_ci, Pe, Pi)
            _known_long_range(Hx, pos1, ptr, off, coef, P)
            _inputs(ytmp, N, z_m, z_ce, z_ci, zptr, zsrc, zcoef, Pe, Pi, P, drive, xi, E, I, ext)
            stimulus_rates(profiles, courses, n + 1, aff)
            rho = _derivatives(
                mp, pe, pi, order, adaptation, spont, ytmp, E, I, ext, aff, k2, check, work
            )
            worst = max(worst, rho * dt)
            half = 0.5 * dt
            for i in range(N):
                for j in range(N_STATE):
                    y[i, j] += half * (k1[i, j] + k2[i, j])
                project_column_state(y[i], order, T)
            _write_row(He, Hi, Hx, y, pos1, M, N, lateral, long_range)
        if noisy:
            for k in range(N):
                xi[k] = ou_decay * xi[k] + ou_kick * np.random.standard_normal()  # noqa: NPY002
        pos = pos1
    return worst


@njit(cache=True, parallel=True, error_model="numpy")
def network_batch_kernel(
    mp, pe, pi, order, adaptation, method, spont, drive,
    t_m, t_back, t_ce, t_ci, n_t, z_m, z_ce, z_ci, n_z,
    ptr, src, back, coef, zptr, zsrc, zcoef, n_rows,
    y0, profiles, courses, dt, n_steps, stiffness_every,
    sample_step, sample_frac, lateral_vsd, out, worst,
):  # fmt: skip
    """:func:`network_kernel` for B lateral tables and stimuli in parallel (one set per
    task), sharing the long-range table, without noise.

    Lateral tables are padded to a common length: set b uses the first ``n_t[b]``
    (``n_z[b]``) entries of its rows and ``n_rows[b]`` history rows; ``profiles``,
    ``courses`` are (B, S, ...), ``out`` (B, 5, K, n), ``worst`` (B,).
    """
    B = out.shape[0]
    for k in prange(B):
        b = np.int64(k)
        worst[b] = network_kernel(
            mp, pe, pi, order, adaptation, method, spont, drive,
            t_m[b, : n_t[b]], t_back[b, : n_t[b]], t_ce[b, : n_t[b]], t_ci[b, : n_t[b]],
            z_m[b, : n_z[b]], z_ce[b, : n_z[b]], z_ci[b, : n_z[b]],
            ptr, src, back, coef, zptr, zsrc, zcoef, n_rows[b],
            y0, profiles[b], courses[b], 0.0, 0.0, 0, dt, n_steps, stiffness_every,
            sample_step, sample_frac, lateral_vsd, out[b],
        )  # fmt: skip
