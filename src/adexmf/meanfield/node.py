"""The column as a node: one RS-FS column's dynamics from its inputs (SPEC 5.1-5.4).

This module is the only copy of the mean-field equations. A column has the state of
:mod:`adexmf.layouts` (``S_*``: nu_e, nu_i, c_ee, c_ei, c_ii, W) and receives three input
rates per presynaptic neuron (Hz):

- ``in_ee``: the excitatory input rate seen by its excitatory (RS) cells,
- ``in_ie``: the excitatory input rate seen by its inhibitory (FS) cells,
- ``in_i``: the inhibitory input rate seen by both,

so that F_e = F_RS(in_ee, in_i, W) and F_i = F_FS(in_ie, in_i, 0). Who assembles the inputs
is the caller's business: a single column feeds its own rates plus the drive and the
afferent stimulus (:func:`route_inputs`), a ring or sheet feeds delayed lateral sums of its
neighbours' rates through the same routing. Derivatives of the transfer functions are taken
with respect to their two rate arguments at the same point (exact dual numbers of
:func:`adexmf.theory.transfer.transfer_dual`), never by finite differences.

Every function here is compiled with ``inline="always"`` so that the kernels calling them
(integration, fixed points, ring) get their own copy and the compiler drops the
derivatives a kernel never reads (first order keeps the rate values only).

Flags are integers passed separately: ``order`` (1 or 2) and ``adaptation`` (0 or 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..layouts import (
    FL_E_L,
    MF_A,
    MF_AFFERENT_E,
    MF_AFFERENT_I,
    MF_B,
    MF_DRIVE_E,
    MF_DRIVE_I,
    MF_N_E,
    MF_N_I,
    MF_T,
    MF_TAU_W,
    S_C_EE,
    S_C_EI,
    S_C_II,
    S_NU_E,
    S_NU_I,
    S_W,
)
from ..theory.fluctuations import (
    admissible_rate,
    membrane_moments,
    membrane_moments_value,
    population_statistics,
)
from ..theory.transfer import transfer_dual, transfer_values


@njit(cache=True, inline="always")
def route_inputs(mp, exc_rate, inh_rate, drive, afferent):
    """The three input rates of a column (Hz) from its excitatory and inhibitory sources.

    Parameters
    ----------
    mp : ndarray
        Packed model vector (``MF_*`` layout): routing weights of drive and afferent input.
    exc_rate, inh_rate : float
        Recurrent (single column) or lateral (ring, sheet) excitatory and inhibitory input
        rates per presynaptic neuron (Hz).
    drive, afferent : float
        External drive and afferent stimulus rates (Hz).

    Returns
    -------
    in_ee, in_ie, in_i : float
        Excitatory input to the exc. cells, to the inh. cells, and inhibitory input (Hz).
    """
    in_ee = exc_rate + mp[MF_DRIVE_E] * drive + mp[MF_AFFERENT_E] * afferent
    in_ie = exc_rate + mp[MF_DRIVE_I] * drive + mp[MF_AFFERENT_I] * afferent
    return in_ee, in_ie, inh_rate


@njit(cache=True, inline="always")
def stimulus_rates(profiles, courses, n, aff):
    """Afferent rate (Hz) of every column of a network (ring, sheet, brain) at step ``n``,
    into ``aff``: the sum over stimuli of profile (Hz, per column) x time course."""
    for i in range(aff.size):
        aff[i] = 0.0
    for s in range(profiles.shape[0]):
        c = courses[s, n]
        if c != 0.0:
            for i in range(aff.size):
                aff[i] += profiles[s, i] * c


@njit(cache=True, inline="always")
def adaptation_of(adaptation, y):
    """W (A) seen by the excitatory transfer function: the state's W, or 0 without the variant."""
    return y[S_W] if adaptation != 0 else 0.0


@njit(cache=True, inline="always")
def column_transfer(pe, pi, in_ee, in_ie, in_i, W):
    """Transfer functions of both populations at the column's inputs, as dual numbers.

    Returns ``(F_e, F_i)``, each (value, gradient, Hessian) in (exc input, inh input, W) as
    :func:`~adexmf.theory.transfer.transfer_dual` gives them.
    """
    Fe = transfer_dual(pe, in_ee, in_i, W)
    Fi = transfer_dual(pi, in_ie, in_i, 0.0)
    return Fe, Fi


@njit(cache=True, inline="always")
def first_order_rates(T, nu_e, nu_i, Fe, Fi):
    """d nu_e/dt, d nu_i/dt (Hz/s) of the first order, ``T dnu/dt = F - nu`` (SPEC 5.2),
    given the transfer functions' values ``Fe``, ``Fi`` (Hz)."""
    inv_T = 1.0 / T
    return (Fe - nu_e) * inv_T, (Fi - nu_i) * inv_T


@njit(cache=True, inline="always")
def finite_size_source(T, F, N):
    """A_ll = F (1/T - F) / N (Hz^2), the finite-size source of a population's rate variance
    in the Master equation (SPEC 5.2): N cells at rate F (Hz), Markov time T (s)."""
    return F * (1.0 / T - F) / N


@njit(cache=True, inline="always")
def moment_equations(T, N_e, N_i, order, nu_e, nu_i, c_ee, c_ei, c_ii, Fe, Fi):
    """Time derivatives of rates and covariances given the transfer functions (SPEC 5.1-5.2).

    Parameters
    ----------
    T : float
        Markov time constant (s).
    N_e, N_i : float
        Population sizes (finite-size term of the variances).
    order : int
        1 (first order) or 2 (second order).
    nu_e, nu_i : float
        Population rates (Hz).
    c_ee, c_ei, c_ii : float
        Covariances of the rates (Hz^2); ignored at first order.
    Fe, Fi : tuple of 10 floats
        Transfer functions as dual numbers (value, gradient, Hessian).

    Returns
    -------
    tuple of 5 floats
        d nu_e/dt, d nu_i/dt (Hz/s), d c_ee/dt, d c_ei/dt, d c_ii/dt (Hz^2/s).
    """
    inv_T = 1.0 / T
    Fe0, Fi0 = Fe[0], Fi[0]
    if order == 1:
        de, di = first_order_rates(T, nu_e, nu_i, Fe0, Fi0)
        return de, di, 0.0, 0.0, 0.0
    # Gradients (index 1: d/dnu_e, 2: d/dnu_i) and Hessians (4: ee, 5: ei, 7: ii).
    Fe_e, Fe_i, Fi_e, Fi_i = Fe[1], Fe[2], Fi[1], Fi[2]
    # T dnu_a/dt = F_a - nu_a + 1/2 sum_lm c_lm d2F_a/dnu_l dnu_m   (c_ie = c_ei)
    dnu_e = Fe0 - nu_e + 0.5 * (c_ee * Fe[4] + 2.0 * c_ei * Fe[5] + c_ii * Fe[7])
    dnu_i = Fi0 - nu_i + 0.5 * (c_ee * Fi[4] + 2.0 * c_ei * Fi[5] + c_ii * Fi[7])
    de = Fe0 - nu_e
    di = Fi0 - nu_i
    # T dc_lm/dt = A_lm + (F_l - nu_l)(F_m - nu_m) + sum_k c_lk dF_m/dnu_k
    #              + sum_k c_km dF_l/dnu_k - 2 c_lm,   A_ll = F_l (1/T - F_l) / N_l
    dc_ee = (finite_size_source(T, Fe0, N_e) + de * de + 2.0 * (c_ee * Fe_e + c_ei * Fe_i)
             - 2.0 * c_ee)  # fmt: skip
    dc_ei = de * di + (c_ee * Fi_e + c_ei * Fi_i) + (c_ei * Fe_e + c_ii * Fe_i) - 2.0 * c_ei
    dc_ii = (finite_size_source(T, Fi0, N_i) + di * di + 2.0 * (c_ei * Fi_e + c_ii * Fi_i)
             - 2.0 * c_ii)  # fmt: skip
    return dnu_e * inv_T, dnu_i * inv_T, dc_ee * inv_T, dc_ei * inv_T, dc_ii * inv_T


@njit(cache=True, inline="always")
def adaptation_derivative(mp, pe, in_ee, in_i, nu_e, W):
    """dW/dt (A/s) of the adaptation variant (SPEC 5.3) at the excitatory cells' inputs.

    ``dW/dt = -W / tau_w + b nu_e + a (mu_V - E_L) / tau_w``, with mu_V from the shot-noise
    theory at (in_ee, in_i, W).
    """
    mu_V = membrane_moments_value(pe, admissible_rate(in_ee), admissible_rate(in_i), W)[1]
    return adaptation_rate(mp, pe, mu_V, nu_e, W)


@njit(cache=True, inline="always")
def adaptation_rate(mp, pe, mu_V, nu_e, W):
    """dW/dt (A/s) of SPEC 5.3 given mu_V (V) of the excitatory cells."""
    return (-W + mp[MF_A] * (mu_V - pe[FL_E_L])) / mp[MF_TAU_W] + mp[MF_B] * nu_e


@njit(cache=True, inline="always")
def rate_stiffness(Fe, Fi, order, T):
    """Spectral radius (1/s) of the rate Jacobian (dF/dnu - I) / T, exactly (2x2).

    At second order the covariances evolve under the Lyapunov operator of the same matrix,
    whose eigenvalues are the pairwise sums: the radius is doubled. The integrators use it to
    keep explicit steps stable where steep transfer functions make the system stiff.
    """
    a, b, c, e = Fe[1] - 1.0, Fe[2], Fi[1], Fi[2] - 1.0
    half_trace = 0.5 * (a + e)
    det = a * e - b * c
    disc = half_trace * half_trace - det
    if disc >= 0.0:
        radius = abs(half_trace) + np.sqrt(disc)
    else:
        radius = np.sqrt(det)  # complex pair: |lambda|^2 = det
    return radius * (2.0 if order == 2 else 1.0) / T


@njit(cache=True, inline="always")
def column_rhs(mp, pe, pi, order, adaptation, y, in_ee, in_ie, in_i, dy):
    """Time derivative of one column's state from its inputs, into ``dy``; returns stiffness.

    Parameters
    ----------
    mp : ndarray
        Packed model vector (``MF_*`` layout of :mod:`adexmf.layouts`).
    pe, pi : ndarray
        Packed transfer functions of the excitatory and inhibitory cells.
    order : int
        1 or 2.
    adaptation : int
        1: evolve W (SPEC 5.3); 0: W is 0 and stays so.
    y : ndarray, shape (6,)
        Column state (``S_*`` layout; Hz, Hz^2, A).
    in_ee, in_ie, in_i : float
        Input rates (Hz): exc. input of the exc. cells, of the inh. cells, inh. input.
    dy : ndarray, shape (6,)
        Output: dy/dt (Hz/s, Hz^2/s, A/s).

    Returns
    -------
    float
        Stiffness estimate (1/s), :func:`rate_stiffness`.
    """
    W = adaptation_of(adaptation, y)
    Fe, Fi = column_transfer(pe, pi, in_ee, in_ie, in_i, W)
    r = moment_equations(
        mp[MF_T], mp[MF_N_E], mp[MF_N_I], order,
        y[S_NU_E], y[S_NU_I], y[S_C_EE], y[S_C_EI], y[S_C_II], Fe, Fi,
    )  # fmt: skip
    dy[S_NU_E] = r[0]
    dy[S_NU_I] = r[1]
    dy[S_C_EE] = r[2]
    dy[S_C_EI] = r[3]
    dy[S_C_II] = r[4]
    if adaptation != 0:
        dy[S_W] = adaptation_derivative(mp, pe, in_ee, in_i, y[S_NU_E], W)
    else:
        dy[S_W] = 0.0
    return rate_stiffness(Fe, Fi, order, mp[MF_T])


@njit(cache=True, inline="always")
def project_column_state(y, order, T):
    """Keep a column's state ``y`` admissible after an explicit step, in place: rates >= 0
    and, at second order, rates <= 1/T and a positive semi-definite covariance matrix with
    variances <= 1/(4 T^2) (the bounds of the Master Equation, as the single-column
    integrator). Used by the networks of columns (ring, sheet, brain)."""
    if order == 1:
        y[S_NU_E] = max(y[S_NU_E], 0.0)
        y[S_NU_I] = max(y[S_NU_I], 0.0)
        return
    nu_max = 1.0 / T
    c_max = 0.25 * nu_max * nu_max
    y[S_NU_E] = min(max(y[S_NU_E], 0.0), nu_max)
    y[S_NU_I] = min(max(y[S_NU_I], 0.0), nu_max)
    y[S_C_EE] = min(max(y[S_C_EE], 0.0), c_max)
    y[S_C_II] = min(max(y[S_C_II], 0.0), c_max)
    bound = np.sqrt(y[S_C_EE] * y[S_C_II])
    y[S_C_EI] = min(max(y[S_C_EI], -bound), bound)


#: Rows of the scratch array of :func:`columns_rhs_first_order_values`.
N_VALUE_WORK = 8


@njit(cache=True, error_model="numpy")
def columns_rhs_first_order_values(mp, pe, pi, adaptation, y, in_ee, in_ie, in_i, dy, work):
    """:func:`column_rhs` at first order for every column (rows of ``y`` and ``dy``; inputs
    ``in_ee``, ``in_ie``, ``in_i`` per column, Hz), from the transfer functions' values only
    (no derivatives, no stiffness; the excitatory cells' mu_V serves dW/dt). The transfer
    functions are evaluated over all columns at once (:func:`transfer_values`: vectorised
    but for erfc), bit for bit the scalar path. ``work`` (N_VALUE_WORK, n) is scratch."""
    W, zero, Fe, Fi, mu_V, mu_V_i = work[0], work[1], work[2], work[3], work[4], work[5]
    scratch = work[6:8]
    for i in range(y.shape[0]):
        W[i] = adaptation_of(adaptation, y[i])
        zero[i] = 0.0
    transfer_values(pe, in_ee, in_i, W, Fe, mu_V, scratch)
    transfer_values(pi, in_ie, in_i, zero, Fi, mu_V_i, scratch)
    for i in range(y.shape[0]):
        dy[i, S_NU_E], dy[i, S_NU_I] = first_order_rates(
            mp[MF_T], y[i, S_NU_E], y[i, S_NU_I], Fe[i], Fi[i]
        )
        dy[i, S_C_EE] = 0.0
        dy[i, S_C_EI] = 0.0
        dy[i, S_C_II] = 0.0
        dy[i, S_W] = adaptation_rate(mp, pe, mu_V[i], y[i, S_NU_E], W[i]) if adaptation else 0.0


@njit(cache=True, inline="always")
def column_first_order_jacobian(mp, pe, pi, adaptation, y, in_ee, in_ie, in_i, J):
    """Exact Jacobian (1/s, SI) of the first-order column with respect to its own state,
    for a column whose inputs move one-to-one with its own rates (d in / d nu = 1), into J.

    From the dual-number derivatives of the transfer functions and of mu_V.
    """
    T = mp[MF_T]
    W = adaptation_of(adaptation, y)
    Fe, Fi = column_transfer(pe, pi, in_ee, in_ie, in_i, W)
    J[S_NU_E, S_NU_E] = (Fe[1] - 1.0) / T
    J[S_NU_E, S_NU_I] = Fe[2] / T
    J[S_NU_I, S_NU_E] = Fi[1] / T
    J[S_NU_I, S_NU_I] = (Fi[2] - 1.0) / T
    if adaptation != 0:
        J[S_NU_E, S_W] = Fe[3] / T
        mu_V = membrane_moments(pe, admissible_rate(in_ee), admissible_rate(in_i), W)[1]
        a_over_tau = mp[MF_A] / mp[MF_TAU_W]
        J[S_W, S_NU_E] = mp[MF_B] + a_over_tau * mu_V[1]
        J[S_W, S_NU_I] = a_over_tau * mu_V[2]
        J[S_W, S_W] = -1.0 / mp[MF_TAU_W] + a_over_tau * mu_V[3]


@njit(cache=True, inline="always")
def column_observables(pe, pi, in_ee, in_ie, in_i, W, out):
    """Membrane and conductance statistics of both populations at the column's inputs.

    ``out`` has shape (2, N_OBSERVABLES): row 0 the excitatory, row 1 the inhibitory cells,
    columns in the ``OB_*`` layout (mu_V, sigma_V, tau_V in V, V, s; mu_Ge, mu_Gi, sigma_Ge,
    sigma_Gi in S). Each population sees its own inputs (the exc. cells the afferent input
    and W), with each transfer function's own formula variant (SPEC 3.2).
    """
    population_statistics(pe, in_ee, in_i, W, out[0])
    population_statistics(pi, in_ie, in_i, 0.0, out[1])


# ------------------------------------------------------------ the column on its own
# A single column is its own only source: its recurrent inputs are its own rates, plus the
# external drive and the afferent stimulus (SPEC 5.1).
@njit(cache=True, error_model="numpy")
def isolated_column_rhs(mp, pe, pi, order, adaptation, y, drive, afferent, dy):
    """Time derivative of a single column (into ``dy``); returns the stiffness (1/s).

    Arguments as :func:`column_rhs`, with the external ``drive`` and ``afferent`` rates (Hz)
    in place of the three inputs, which :func:`route_inputs` builds from the column's own rates.
    """
    in_ee, in_ie, in_i = route_inputs(mp, y[S_NU_E], y[S_NU_I], drive, afferent)
    return column_rhs(mp, pe, pi, order, adaptation, y, in_ee, in_ie, in_i, dy)


@njit(cache=True, error_model="numpy")
def active_indices(order, adaptation):
    """Indices of the state entries a variant evolves (the others stay 0)."""
    m = 2 if order == 1 else 5
    n = m + (1 if adaptation != 0 else 0)
    idx = np.empty(n, dtype=np.int64)
    for k in range(m):
        idx[k] = k
    if adaptation != 0:
        idx[n - 1] = S_W
    return idx


@njit(cache=True, error_model="numpy")
def isolated_column_jacobian(mp, pe, pi, order, adaptation, y, drive, afferent, J):
    """Jacobian d(dy)/dy (1/s, SI) of :func:`isolated_column_rhs`, into ``J`` (6x6).

    First order (with or without adaptation): exact, from the dual-number derivatives
    (:func:`column_first_order_jacobian`). Second order: central differences of the
    exact-derivative right-hand side (an exact Jacobian would need third derivatives of the
    transfer function), steps of 1e-6 of each entry's scale; accurate to ~1e-9 relative.
    """
    J[:, :] = 0.0
    if order == 1:
        in_ee, in_ie, in_i = route_inputs(mp, y[S_NU_E], y[S_NU_I], drive, afferent)
        column_first_order_jacobian(mp, pe, pi, adaptation, y, in_ee, in_ie, in_i, J)
        return
    idx = active_indices(order, adaptation)
    yp = y.copy()
    fp = np.empty(y.size)
    fm = np.empty(y.size)
    for j in idx:
        typical = 1e-12 if j == S_W else (1.0 if j < S_C_EE else 1e-2)
        h = 1e-6 * max(abs(y[j]), typical)
        yp[j] = y[j] + h
        isolated_column_rhs(mp, pe, pi, order, adaptation, yp, drive, afferent, fp)
        yp[j] = y[j] - h
        isolated_column_rhs(mp, pe, pi, order, adaptation, yp, drive, afferent, fm)
        yp[j] = y[j]
        for i in idx:
            J[i, j] = (fp[i] - fm[i]) / (2.0 * h)


@njit(cache=True, error_model="numpy")
def isolated_column_observables(mp, pe, pi, adaptation, states, drive, afferent, out):
    """Observables of a single column along a time course, into ``out`` (n, 2, 7).

    ``states`` (n, 6), ``drive`` and ``afferent`` (n,) in SI units; rows of ``out`` as
    :func:`column_observables`.
    """
    for k in range(states.shape[0]):
        y = states[k]
        in_ee, in_ie, in_i = route_inputs(mp, y[S_NU_E], y[S_NU_I], drive[k], afferent[k])
        W = adaptation_of(adaptation, y)
        column_observables(pe, pi, in_ee, in_ie, in_i, W, out[k])
