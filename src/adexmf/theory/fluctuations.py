"""Membrane-potential fluctuations under Poisson conductance input (SPEC 3; Kuhn 2004).

For stationary Poisson input at per-synapse rates nu_e, nu_i (total event rates
f_s = K_s nu_s) the conductances have means mu_Gs = Q_s tau_s f_s and standard deviations
sigma_Gs = Q_s sqrt(tau_s f_s / 2). Freezing the driving force at E_s - mu_V gives the mean,
standard deviation and autocorrelation time of V. The equations live once, in
:func:`membrane_moments`, written with second-order dual numbers so that compiled kernels get
exact derivatives; :func:`shot_noise_statistics` is its vectorised NumPy front end.

Packed parameter vector (float64, see :func:`pack_fluctuation_params`): the ``FL_*`` layout
of :mod:`adexmf.layouts` (g_L, C_m, E_L, Q_e, tau_e, E_e, Q_i, tau_i, E_i, K_e, K_i, slip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import InputRangeError
from ..layouts import (
    FL_C_M,
    FL_E_E,
    FL_E_I,
    FL_E_L,
    FL_G_L,
    FL_K_E,
    FL_K_I,
    FL_Q_E,
    FL_Q_I,
    FL_SLIP,
    FL_TAU_E,
    FL_TAU_I,
    N_FLUCTUATION,
    N_OBSERVABLES,
    OB_MU_GE,
    OB_MU_GI,
    OB_MU_V,
    OB_SIGMA_GE,
    OB_SIGMA_GI,
    OB_SIGMA_V,
    OB_TAU_V,
)
from ..params import INHIBITORY_TERMS, Cell, Network, Synapses
from . import dual as d

#: Largest admissible presynaptic rate per synapse (Hz): far above any cortical rate, and
#: below the range where conductances make the theory meaningless.
MAX_RATE = 1.0e4
#: Largest admissible |W| (A).
MAX_ADAPTATION_CURRENT = 1.0e-8
#: Smallest sigma_V (V) treated as fluctuating; below it sigma_V is set to exactly 0.
MIN_SIGMA_V = 1.0e-12


def pack_fluctuation_params(
    cell: Cell, synapses: Synapses, network: Network, inhibitory_term: str = "paper"
) -> np.ndarray:
    """Pack the constants of the shot-noise theory into a float64 vector (SI units).

    Parameters
    ----------
    cell : Cell
        The postsynaptic cell (g_L, C_m, E_L are used).
    synapses : Synapses
        Quantal increments (S), time constants (s), reversal potentials (V).
    network : Network
        Gives the in-degrees K_e and K_i.
    inhibitory_term : {"paper", "slip"}
        ``"paper"``: (U_i tau_i)^2 as the paper states; ``"slip"``: the authors' code,
        (Q_i U_i)^2 (SPEC 3.2), which removes the inhibitory fluctuations.
    """
    if inhibitory_term not in INHIBITORY_TERMS:
        raise InputRangeError(
            f"inhibitory_term = {inhibitory_term!r}; allowed: {', '.join(INHIBITORY_TERMS)}"
        )
    s = synapses
    p = np.empty(N_FLUCTUATION, dtype=np.float64)
    p[FL_G_L], p[FL_C_M], p[FL_E_L] = cell.g_L, cell.C_m, cell.E_L
    p[FL_Q_E], p[FL_TAU_E], p[FL_E_E] = s.Q_e, s.tau_e, s.E_e
    p[FL_Q_I], p[FL_TAU_I], p[FL_E_I] = s.Q_i, s.tau_i, s.E_i
    p[FL_K_E], p[FL_K_I] = network.K_e, network.K_i
    p[FL_SLIP] = 1.0 if inhibitory_term == "slip" else 0.0
    return p


@njit(cache=True, inline="always")
def admissible_rate(nu):
    """A rate (Hz) clamped at 0 from below: the edge of the admissible domain, where every
    kernel evaluates rates that an integrator step or a Newton step pushed negative."""
    return max(nu, 0.0)


@njit(cache=True, inline="always")
def conductance_mean(Q, tau, event_rate):
    """Mean of a shot-noise conductance (S): ``mu_G = Q tau f`` (SPEC 3.1).

    ``event_rate`` f = K nu (Hz) may be a float, an array or a dual number's value; the
    formula is linear in f, so dual-number callers scale by ``conductance_mean(Q, tau, 1)``.
    """
    return Q * tau * event_rate


@njit(cache=True, inline="always")
def conductance_std(Q, tau, event_rate):
    """Standard deviation of a shot-noise conductance (S): ``sigma_G = Q sqrt(tau f / 2)``."""
    return Q * np.sqrt(tau * event_rate / 2.0)


@njit(cache=True, inline="always")
def _fluctuation_terms(p, fe, fi, mu_V, mu_G, tau_m):
    """Spectral weights f_s (U_s tau_s)^2 and their 1/(tau_m + tau_s) filters (dual)."""
    Q_e, tau_e, E_e = p[FL_Q_E], p[FL_TAU_E], p[FL_E_E]
    Q_i, tau_i, E_i = p[FL_Q_I], p[FL_TAU_I], p[FL_E_I]
    inv_mu_G = d.reciprocal(mu_G)
    U_e = d.scale(d.mul(d.affine(mu_V, -1.0, E_e), inv_mu_G), Q_e)  # U_e = Q_e (E_e - mu_V)/mu_G
    U_i = d.scale(d.mul(d.affine(mu_V, -1.0, E_i), inv_mu_G), Q_i)
    term_e = d.mul(fe, d.square(d.scale(U_e, tau_e)))  # f_e (U_e tau_e)^2
    # SPEC 3.2: the authors' code squares Q_i U_i instead of U_i tau_i in the inhibitory term.
    inh_factor = Q_i if p[FL_SLIP] != 0.0 else tau_i
    term_i = d.mul(fi, d.square(d.scale(U_i, inh_factor)))
    filt_e = d.reciprocal(d.affine(tau_m, 1.0, tau_e))  # 1 / (tau_m + tau_e)
    filt_i = d.reciprocal(d.affine(tau_m, 1.0, tau_i))
    return term_e, term_i, filt_e, filt_i


@njit(cache=True, inline="always")
def membrane_moments(p, nu_e, nu_i, W):
    """Shot-noise statistics of V as dual numbers in (nu_e, nu_i, W).

    Parameters
    ----------
    p : ndarray
        Packed parameters (:func:`pack_fluctuation_params`, or a longer vector starting so).
    nu_e, nu_i : float
        Per-synapse presynaptic rates (Hz), >= 0.
    W : float
        Mean adaptation current (A), entering mu_V (SPEC 3.1).

    Returns
    -------
    mu_G, mu_V, sigma_V, tau_V : dual
        Total mean conductance (S), mean (V), std (V) and autocorrelation time (s) of V.
        Where the input vanishes (sigma_V = 0) sigma_V is the exact constant 0 and tau_V is
        the limit along nu_e = nu_i, so that nothing is NaN.
    """
    g_L, C_m, E_L = p[FL_G_L], p[FL_C_M], p[FL_E_L]
    x_e, x_i, x_w = d.variables(nu_e, nu_i, W)
    fe = d.scale(x_e, p[FL_K_E])  # f_e = K_e nu_e
    fi = d.scale(x_i, p[FL_K_I])
    # mu_Gs = Q_s tau_s f_s, linear in f_s
    mu_Ge = d.scale(fe, conductance_mean(p[FL_Q_E], p[FL_TAU_E], 1.0))
    mu_Gi = d.scale(fi, conductance_mean(p[FL_Q_I], p[FL_TAU_I], 1.0))
    mu_G = d.affine(d.add(mu_Ge, mu_Gi), 1.0, g_L)
    # mu_V = (mu_Ge E_e + mu_Gi E_i + g_L E_L - W) / mu_G
    numerator = d.sub(d.lincomb(mu_Ge, p[FL_E_E], mu_Gi, p[FL_E_I], g_L * E_L), x_w)
    mu_V = d.div(numerator, mu_G)
    tau_m = d.scale(d.reciprocal(mu_G), C_m)  # tau_m = C_m / mu_G
    term_e, term_i, filt_e, filt_i = _fluctuation_terms(p, fe, fi, mu_V, mu_G, tau_m)
    weighted = d.add(d.mul(term_e, filt_e), d.mul(term_i, filt_i))
    total = d.add(term_e, term_i)
    # Below 1 pV of fluctuations (rates ~1e-20 Hz) the theory is numerically degenerate
    # (underflowing squares) and physically silent: treat it as no input fluctuations.
    if weighted[0] > 2.0 * MIN_SIGMA_V**2:
        sigma_V = d.sqrt(d.scale(weighted, 0.5))  # sigma_V^2 = sum f (U tau)^2 / 2(tau_m+tau)
        tau_V = d.div(total, weighted)
        return mu_G, mu_V, sigma_V, tau_V
    # No input fluctuations: use the limit of tau_V along nu_e = nu_i (a unit rate on both).
    one_e = d.const(p[FL_K_E])
    one_i = d.const(p[FL_K_I])
    te, ti, fle, fli = _fluctuation_terms(p, one_e, one_i, mu_V, mu_G, tau_m)
    w = d.add(d.mul(te, fle), d.mul(ti, fli))
    tau_V = d.const(d.add(te, ti)[0] / w[0]) if w[0] > 0.0 else d.const(tau_m[0] + p[FL_TAU_E])
    return mu_G, mu_V, d.const(0.0), tau_V


@njit(cache=True, error_model="numpy")
def membrane_moments_value(p, nu_e, nu_i, W):
    """Values of :func:`membrane_moments` (mu_G in S, mu_V and sigma_V in V, tau_V in s),
    computed on plain floats: the same formulas without the derivatives, for kernels that
    read rates only (first-order integration; 2.5x cheaper than the dual numbers, whose
    unused derivatives the compiler does not remove). Equal to the dual numbers' values to
    round-off (tests/test_transfer.py)."""
    q = value_params(p)
    mu_G, mu_V, inv_mu_G, tau_m, weighted, total = moments_of(q, nu_e, nu_i, W)
    if weighted > 2.0 * MIN_SIGMA_V**2:
        return mu_G, mu_V, np.sqrt(0.5 * weighted), total / weighted
    return mu_G, mu_V, 0.0, silent_tau_V(q, mu_V, inv_mu_G, tau_m)


# The value path below reads its parameters from a tuple of floats (value_params), not from
# the packed vector: a loop over columns then holds no loads the compiler must repeat after
# every store (it cannot prove output arrays distinct from the vector), and vectorises.
_K_E, _K_I, _C_E, _C_I, _G_L, _G_L_E_L, _E_E, _E_I, _C_M = 0, 1, 2, 3, 4, 5, 6, 7, 8
_Q_E, _Q_I, _TAU_E, _TAU_I, _INH_FACTOR = 9, 10, 11, 12, 13


@njit(cache=True, inline="always")
def value_params(p):
    """The shot-noise parameters of the value path as one tuple of floats (SI): K_e, K_i,
    Q_e tau_e, Q_i tau_i, g_L, g_L E_L, E_e, E_i, C_m, Q_e, Q_i, tau_e, tau_i and the
    factor of the inhibitory term (tau_i, or Q_i in the authors' variant, SPEC 3.2)."""
    Q_i, tau_i = p[FL_Q_I], p[FL_TAU_I]
    return (
        p[FL_K_E], p[FL_K_I],
        conductance_mean(p[FL_Q_E], p[FL_TAU_E], 1.0), conductance_mean(Q_i, tau_i, 1.0),
        p[FL_G_L], p[FL_G_L] * p[FL_E_L], p[FL_E_E], p[FL_E_I], p[FL_C_M],
        p[FL_Q_E], Q_i, p[FL_TAU_E], tau_i, Q_i if p[FL_SLIP] != 0.0 else tau_i,
    )  # fmt: skip


@njit(cache=True, inline="always")
def _mean_terms(q, nu_e, nu_i, W):
    """Event rates f_e, f_i (Hz), mu_G (S), 1 / mu_G and mu_V (V) on plain floats, exactly
    as the dual numbers' values (one division by mu_G, then products: the divisions form
    the value path's critical chain)."""
    fe = q[_K_E] * nu_e
    fi = q[_K_I] * nu_i
    mu_Ge = q[_C_E] * fe
    mu_Gi = q[_C_I] * fi
    mu_G = mu_Ge + mu_Gi + q[_G_L]
    inv_mu_G = 1.0 / mu_G
    mu_V = (q[_E_E] * mu_Ge + q[_E_I] * mu_Gi + q[_G_L_E_L] - W) * inv_mu_G
    return fe, fi, mu_G, inv_mu_G, mu_V


@njit(cache=True, inline="always")
def moments_of(q, nu_e, nu_i, W):
    """The value path without its branch, from :func:`value_params` ``q``: mu_G (S),
    mu_V (V), 1 / mu_G, tau_m (s) and the spectral sums ``weighted`` = sum f (U tau)^2 /
    (tau_m + tau) (V^2) and ``total`` = sum f (U tau)^2 (V^2 s), so that sigma_V =
    sqrt(weighted / 2) and tau_V = total / weighted where ``weighted`` > 2 MIN_SIGMA_V^2."""
    fe, fi, mu_G, inv_mu_G, mu_V = _mean_terms(q, nu_e, nu_i, W)
    tau_m = q[_C_M] * inv_mu_G
    te, ti, fle, fli = _fluctuation_terms_value(q, fe, fi, mu_V, inv_mu_G, tau_m)
    return mu_G, mu_V, inv_mu_G, tau_m, te * fle + ti * fli, te + ti


@njit(cache=True, inline="always")
def silent_tau_V(q, mu_V, inv_mu_G, tau_m):
    """tau_V (s) without input fluctuations: the limit along nu_e = nu_i, as
    :func:`membrane_moments`."""
    te, ti, fle, fli = _fluctuation_terms_value(q, q[_K_E], q[_K_I], mu_V, inv_mu_G, tau_m)
    w = te * fle + ti * fli
    return (te + ti) / w if w > 0.0 else tau_m + q[_TAU_E]


@njit(cache=True, inline="always")
def mean_potential_value(p, nu_e, nu_i, W):
    """mu_V (V) alone at per-synapse rates ``nu_e``, ``nu_i`` (Hz, clamped at 0) and
    adaptation current ``W`` (A): equal to :func:`membrane_moments`' value bit for bit, at a
    fraction of the cost (no fluctuation terms), for kernels that record the VSD-like
    signal only."""
    return _mean_terms(value_params(p), admissible_rate(nu_e), admissible_rate(nu_i), W)[4]


@njit(cache=True, inline="always")
def _fluctuation_terms_value(q, fe, fi, mu_V, inv_mu_G, tau_m):
    """Values of :func:`_fluctuation_terms` (given 1 / mu_G; squares as products)."""
    tau_e, tau_i = q[_TAU_E], q[_TAU_I]
    U_e = q[_Q_E] * (q[_E_E] - mu_V) * inv_mu_G
    U_i = q[_Q_I] * (q[_E_I] - mu_V) * inv_mu_G
    a_e = U_e * tau_e
    a_i = U_i * q[_INH_FACTOR]
    return fe * (a_e * a_e), fi * (a_i * a_i), 1.0 / (tau_m + tau_e), 1.0 / (tau_m + tau_i)


@njit(cache=True, error_model="numpy")
def stationary_adaptation(a, b, tau_w, rate, mu_V0, mu_G, E_L):
    """Stationary mean adaptation current of a cell firing at ``rate`` (SPEC 5.3).

    Solves ``0 = -W / tau_w + b rate + a (mu_V(W) - E_L) / tau_w`` with
    ``mu_V(W) = mu_V(0) - W / mu_G`` (SPEC 3.1), i.e.
    ``W = (b tau_w rate + a (mu_V(0) - E_L)) / (1 + a / mu_G)``. Works on floats and on
    broadcastable arrays.

    Parameters
    ----------
    a : float
        Subthreshold adaptation conductance (S).
    b : float
        Spike-triggered adaptation increment (A).
    tau_w : float
        Adaptation time constant (s).
    rate : float or ndarray
        Output rate of the cell (Hz).
    mu_V0 : float or ndarray
        Mean membrane potential at W = 0 (V), from :func:`membrane_moments`.
    mu_G : float or ndarray
        Total mean conductance (S).
    E_L : float
        Leak reversal potential (V).

    Returns
    -------
    float or ndarray
        W (A).
    """
    return (b * tau_w * rate + a * (mu_V0 - E_L)) / (1.0 + a / mu_G)


@njit(cache=True, inline="always")
def population_statistics(p, nu_e, nu_i, W, out):
    """Values of the shot-noise statistics of one cell type at one input, into ``out``.

    ``out`` rows follow the ``OB_*`` layout of :mod:`adexmf.layouts` (mu_V, sigma_V, tau_V,
    mu_Ge, mu_Gi, sigma_Ge, sigma_Gi); returns mu_G (S). Rates are clamped at 0.
    """
    nu_e = admissible_rate(nu_e)
    nu_i = admissible_rate(nu_i)
    # values only (mu_V bit for bit the dual numbers', sigma_V and tau_V to round-off): the
    # derivatives cost 10x and nobody reads them here
    mu_G, mu_V, sigma_V, tau_V = membrane_moments_value(p, nu_e, nu_i, W)
    fe = p[FL_K_E] * nu_e
    fi = p[FL_K_I] * nu_i
    out[OB_MU_V] = mu_V
    out[OB_SIGMA_V] = sigma_V
    out[OB_TAU_V] = tau_V
    out[OB_MU_GE] = conductance_mean(p[FL_Q_E], p[FL_TAU_E], fe)
    out[OB_MU_GI] = conductance_mean(p[FL_Q_I], p[FL_TAU_I], fi)
    out[OB_SIGMA_GE] = conductance_std(p[FL_Q_E], p[FL_TAU_E], fe)
    out[OB_SIGMA_GI] = conductance_std(p[FL_Q_I], p[FL_TAU_I], fi)
    return mu_G


@njit(cache=True, error_model="numpy")
def _statistics_loop(p, nu_e, nu_i, W, out, mu_G):
    for k in range(nu_e.size):
        mu_G[k] = population_statistics(p, nu_e[k], nu_i[k], W[k], out[:, k])


def check_inputs(nu_e, nu_i, W=0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """Validate and broadcast input rates (Hz) and adaptation current (A).

    Raises
    ------
    InputRangeError
        If a rate is negative, above :data:`MAX_RATE` or not finite, or if W is not finite
        or larger in magnitude than :data:`MAX_ADAPTATION_CURRENT`.
    """
    try:
        e, i, w = np.broadcast_arrays(
            np.asarray(nu_e, dtype=np.float64),
            np.asarray(nu_i, dtype=np.float64),
            np.asarray(W, dtype=np.float64),
        )
    except ValueError as exc:
        raise InputRangeError(f"nu_e, nu_i and W cannot be broadcast together: {exc}") from None
    except TypeError:
        raise InputRangeError("nu_e, nu_i and W must be numbers or arrays of numbers") from None
    for name, arr, lo, hi, unit in (
        ("nu_e", e, 0.0, MAX_RATE, "Hz"),
        ("nu_i", i, 0.0, MAX_RATE, "Hz"),
        ("W", w, -MAX_ADAPTATION_CURRENT, MAX_ADAPTATION_CURRENT, "A"),
    ):
        bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
        if bad.any():
            first = arr[bad].flat[0]
            raise InputRangeError(
                f"{name} = {first:g} {unit} is not admissible; allowed: finite values in "
                f"[{lo:g}, {hi:g}] {unit} ({int(bad.sum())} offending value(s))"
            )
    shape = e.shape
    return e.ravel().copy(), i.ravel().copy(), w.ravel().copy(), shape


@dataclass(frozen=True)
class ShotNoiseStatistics:
    """Stationary statistics of conductances and V under Poisson input (SI units).

    Attributes
    ----------
    mu_Ge, mu_Gi, sigma_Ge, sigma_Gi : ndarray
        Conductance means and standard deviations (S).
    mu_G : ndarray
        Total mean conductance g_L + mu_Ge + mu_Gi (S).
    mu_V, sigma_V : ndarray
        Mean and standard deviation of V (V).
    tau_V : ndarray
        Autocorrelation time of V (s).
    tau_V_N : ndarray
        tau_V normalised by the leak time constant, tau_V g_L / C_m.
    """

    mu_Ge: np.ndarray
    mu_Gi: np.ndarray
    sigma_Ge: np.ndarray
    sigma_Gi: np.ndarray
    mu_G: np.ndarray
    mu_V: np.ndarray
    sigma_V: np.ndarray
    tau_V: np.ndarray
    tau_V_N: np.ndarray


def shot_noise_statistics(
    nu_e,
    nu_i,
    cell: Cell,
    synapses: Synapses,
    network: Network,
    W=0.0,
    inhibitory_term: str = "paper",
) -> ShotNoiseStatistics:
    """Shot-noise statistics (SPEC 3.1), vectorised over broadcastable inputs.

    Parameters
    ----------
    nu_e, nu_i : array_like
        Per-synapse presynaptic rates (Hz), >= 0; the cell receives K_e nu_e and K_i nu_i
        events per second.
    cell, synapses, network : parameter sets
    W : array_like
        Mean adaptation current (A).
    inhibitory_term : {"paper", "slip"}
        Formula variant of SPEC 3.2.
    """
    p = pack_fluctuation_params(cell, synapses, network, inhibitory_term)
    e, i, w, shape = check_inputs(nu_e, nu_i, W)
    out = np.empty((N_OBSERVABLES, e.size))
    mu_G = np.empty(e.size)
    _statistics_loop(p, e, i, w, out, mu_G)
    r = [a.reshape(shape) for a in out]
    return ShotNoiseStatistics(
        mu_Ge=r[OB_MU_GE],
        mu_Gi=r[OB_MU_GI],
        sigma_Ge=r[OB_SIGMA_GE],
        sigma_Gi=r[OB_SIGMA_GI],
        mu_G=mu_G.reshape(shape),
        mu_V=r[OB_MU_V],
        sigma_V=r[OB_SIGMA_V],
        tau_V=r[OB_TAU_V],
        tau_V_N=r[OB_TAU_V] * cell.g_L / cell.C_m,
    )
