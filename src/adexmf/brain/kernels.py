"""Compiled kernel of a network of columns with delayed long-range coupling (Numba).

The physics is the column node's (:mod:`adexmf.meanfield.node`); this kernel assembles each
region's inputs and steps every region in time:

- recurrent: the region's own rates, plus a spontaneous rate (TVB's 1e-6 kHz, else 0);
- external excitatory input ``ext_k = drive_k + max(c_k + xi_k, 0)``, routed like the drive
  (SPEC 11), with the long-range input ``c_k = sum_t coef_t nu_e,src_t(t - back_t dt)``
  over the coupling terms of region k (coefficient = G x weight x interpolation weight of
  the delay between two history rows) and ``xi_k`` an Ornstein-Uhlenbeck noise (Hz);
- afferent: stimuli (spatial profile x time course), routed like the ring's.

Coupling terms are sorted by target region (CSR: ``ptr[k]:ptr[k+1]``), in two sets: those
that read the history buffer (``back >= 1`` rows back), summed once per step (Heun's two
stages share them), and those of delays below one step, which read the current state (the
predictor in Heun's second stage). The history keeps the excitatory rates of the last
``n_rows`` steps, each row stored twice so that reads need no modulo.

Kept apart from the Python front end so that edits there leave the compiled cache valid.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..layouts import MF_T, N_OBSERVABLES, N_STATE, OB_MU_V, S_NU_E, S_NU_I, S_W
from ..meanfield.node import (
    adaptation_of,
    column_observables,
    column_rhs,
    column_rhs_first_order_values,
    project_column_state,
    route_inputs,
    stimulus_rates,
)

#: Recorded channels, per region.
CH_NU_E, CH_NU_I, CH_W, CH_MU_V_E, CH_MU_V_I = 0, 1, 2, 3, 4
N_CHANNELS = 5

#: The stiffness diagnostic is evaluated on one step in this many: at first order it is the
#: only reader of the transfer functions' gradients (dual numbers, ~3x the cost of the
#: values), so the other steps use the values only; every 50 steps (5 ms at 0.1 ms, the
#: Markov time T) costs 5 % of the run where every 8 cost 25 %.
STIFFNESS_EVERY = 50


@njit(cache=True)
def _first_order_values(mp, pe, pi, adaptation, spont, y, ext, aff, dy):
    for k in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(
            mp, y[k, S_NU_E] + spont, y[k, S_NU_I] + spont, ext[k], aff[k]
        )
        column_rhs_first_order_values(mp, pe, pi, adaptation, y[k], in_ee, in_ie, in_i, dy[k])
    return 0.0


@njit(cache=True)
def _any_order(mp, pe, pi, order, adaptation, spont, y, ext, aff, dy):
    rho = 0.0
    for k in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(
            mp, y[k, S_NU_E] + spont, y[k, S_NU_I] + spont, ext[k], aff[k]
        )
        rho = max(rho, column_rhs(mp, pe, pi, order, adaptation, y[k], in_ee, in_ie, in_i, dy[k]))
    return rho


@njit(cache=True)
def region_derivatives(mp, pe, pi, order, adaptation, spont, y, ext, aff, dy, stiffness):
    """d(state)/dt of every region (rows of ``y``, ``dy``: n x 6) from its external
    excitatory input ``ext`` and afferent rate ``aff`` (Hz); returns the largest stiffness
    (1/s) when ``stiffness`` is true or at second order, else 0."""
    if order == 1 and not stiffness:
        return _first_order_values(mp, pe, pi, adaptation, spont, y, ext, aff, dy)
    return _any_order(mp, pe, pi, order, adaptation, spont, y, ext, aff, dy)


@njit(cache=True)
def _record(mp, pe, pi, adaptation, spont, y, ext, aff, out_k):
    """nu_e, nu_i, W and mu_V of both populations of every region into ``out_k`` (5, n)."""
    obs = np.empty((2, N_OBSERVABLES))
    for k in range(y.shape[0]):
        in_ee, in_ie, in_i = route_inputs(
            mp, y[k, S_NU_E] + spont, y[k, S_NU_I] + spont, ext[k], aff[k]
        )
        column_observables(pe, pi, in_ee, in_ie, in_i, adaptation_of(adaptation, y[k]), obs)
        out_k[CH_NU_E, k] = y[k, S_NU_E]
        out_k[CH_NU_I, k] = y[k, S_NU_I]
        out_k[CH_W, k] = y[k, S_W]
        out_k[CH_MU_V_E, k] = obs[0, OB_MU_V]
        out_k[CH_MU_V_I, k] = obs[1, OB_MU_V]


@njit(cache=True, inline="always")
def _store_row(H, y, pos, M):
    for k in range(y.shape[0]):
        H[pos, k] = y[k, S_NU_E]
        H[pos + M, k] = y[k, S_NU_E]


@njit(cache=True, inline="always")
def _history_part(H, pos, M, ptr, src, back, coef, P):
    """Long-range input of every region from the history rows before row ``pos``."""
    for k in range(P.size):
        acc = 0.0
        for t in range(ptr[k], ptr[k + 1]):
            acc += coef[t] * H[pos + M - back[t], src[t]]
        P[k] = acc
    return P


@njit(cache=True, inline="always")
def _external(y, zptr, zsrc, zcoef, P, drive, xi, ext):
    """External input of every region: drive + max(long-range + noise, 0), the long-range
    input completed with the terms that read the current state ``y``."""
    for k in range(P.size):
        c = P[k]
        for t in range(zptr[k], zptr[k + 1]):
            c += zcoef[t] * y[zsrc[t], S_NU_E]
        ext[k] = drive[k] + max(c + xi[k], 0.0)


@njit(cache=True)
def brain_kernel(
    mp, pe, pi, order, adaptation, method, spont, drive,
    ptr, src, back, coef, zptr, zsrc, zcoef, n_rows, y0,
    profiles, courses, ou_decay, ou_kick, seed, dt, n_steps, record_every, out,
):  # fmt: skip
    """Integrate a network of columns for ``n_steps`` steps of ``dt``.

    Parameters
    ----------
    mp, pe, pi, order, adaptation
        The column model (:mod:`adexmf.meanfield.node`).
    method : int
        0 Euler, 1 Heun.
    spont : float
        Spontaneous rate added to every region's recurrent rates (Hz).
    drive : ndarray (n,)
        External drive of each region (Hz).
    ptr, src, back, coef
        Coupling terms that read the history, in CSR order by target region: source
        region, rows back (>= 1), coefficient (G x weight x interpolation weight).
    zptr, zsrc, zcoef
        Coupling terms that read the current state (delays below one step), likewise.
    n_rows : int
        History rows kept (> the largest ``back``).
    y0 : ndarray (n, 6)
        Initial state of every region, also its history before t = 0.
    profiles, courses : ndarray (S, n), (S, n_steps + 1)
        Afferent stimuli: profile over regions (Hz) and time course (dimensionless).
    ou_decay, ou_kick : float
        Ornstein-Uhlenbeck noise per step: ``xi <- ou_decay xi + ou_kick N(0, 1)`` (Hz);
        ``ou_kick = 0`` switches the noise off.
    seed : int
        Seed of the noise's generator (same seed, same run).
    dt : float
        Step (s).
    n_steps, record_every : int
        Steps to take; a sample is recorded every ``record_every`` steps (from step 0).
    out : ndarray (n_steps // record_every + 1, 5, n)
        Output: nu_e, nu_i (Hz), W (A), mu_V of the excitatory and inhibitory cells (V).

    Returns
    -------
    float
        Largest stiffness x dt met where it was evaluated (explicit steps stable below ~2).
    """
    N = y0.shape[0]
    M = n_rows
    T = mp[MF_T]
    np.random.seed(seed)  # noqa: NPY002 (Numba's generator, seeded per run)
    H = np.empty((2 * M, N))
    y = y0.copy()
    for r in range(M):
        _store_row(H, y, r, M)
    ytmp = np.empty((N, N_STATE))
    k1 = np.empty((N, N_STATE))
    k2 = np.empty((N, N_STATE))
    P = np.empty(N)
    ext = np.empty(N)
    aff = np.empty(N)
    xi = np.zeros(N)
    if ou_kick > 0.0:  # start in the noise's stationary distribution
        for k in range(N):
            xi[k] = ou_kick / np.sqrt(1.0 - ou_decay * ou_decay) * np.random.standard_normal()  # noqa: NPY002
    worst = 0.0
    pos = 0
    _history_part(H, pos, M, ptr, src, back, coef, P)
    for n in range(n_steps + 1):
        _external(y, zptr, zsrc, zcoef, P, drive, xi, ext)
        stimulus_rates(profiles, courses, n, aff)
        if n % record_every == 0:
            _record(mp, pe, pi, adaptation, spont, y, ext, aff, out[n // record_every])
        if n == n_steps:
            break
        check = n % STIFFNESS_EVERY == 0
        rho = region_derivatives(mp, pe, pi, order, adaptation, spont, y, ext, aff, k1, check)
        worst = max(worst, rho * dt)
        pos1 = pos + 1 if pos + 1 < M else 0
        if method == 0:
            for k in range(N):
                for j in range(N_STATE):
                    y[k, j] += dt * k1[k, j]
                project_column_state(y[k], order, T)
        else:
            for k in range(N):
                for j in range(N_STATE):
                    ytmp[k, j] = y[k, j] + dt * k1[k, j]
                project_column_state(ytmp[k], order, T)
            # the history part at t_{n+1} reads rows <= n only: shared by both stages
            _history_part(H, pos1, M, ptr, src, back, coef, P)
            _external(ytmp, zptr, zsrc, zcoef, P, drive, xi, ext)
            stimulus_rates(profiles, courses, n + 1, aff)
            rho = region_derivatives(
                mp, pe, pi, order, adaptation, spont, ytmp, ext, aff, k2, check
            )
            worst = max(worst, rho * dt)
            half = 0.5 * dt
            for k in range(N):
                for j in range(N_STATE):
                    y[k, j] += half * (k1[k, j] + k2[k, j])
                project_column_state(y[k], order, T)
        _store_row(H, y, pos1, M)
        if method == 0:
            _history_part(H, pos1, M, ptr, src, back, coef, P)
        if ou_kick > 0.0:
            for k in range(N):
                xi[k] = ou_decay * xi[k] + ou_kick * np.random.standard_normal()  # noqa: NPY002
        pos = pos1
    return worst
