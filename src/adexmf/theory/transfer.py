"""Transfer function: the erfc template with a phenomenological threshold (SPEC 4.1).

    nu_out = erfc((V_thr - mu_V) / (sqrt(2) sigma_V)) / (2 tau_V)

with V_thr a quadratic polynomial in the normalised mu_V, sigma_V and tau_V^N (and, in the
authors' 11-coefficient layout, P4 ln(mu_G / g_L)). :func:`transfer_dual` is the single
compiled implementation: it returns the output rate as a second-order dual number, i.e. its
value with exact first and second derivatives with respect to nu_e, nu_i and W. Kernels
(mean field, ring) call it directly with the packed vector of :meth:`TransferFunction.packed`;
:class:`TransferFunction` is the NumPy front end.

Packed parameter vector: the ``TF_*`` layout of :mod:`adexmf.layouts` (the shot-noise block of
:func:`~adexmf.theory.fluctuations.pack_fluctuation_params`, the normalisation constants
mu_V0, d_mu_V0, sigma_V0, d_sigma_V0, tau_V0, d_tau_V0, then P0..P10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import ParameterError
from ..layouts import (
    FL_C_M,
    FL_G_L,
    N_FLUCTUATION,
    N_TRANSFER,
    TF_D_MU_V0,
    TF_D_SIGMA_V0,
    TF_D_TAU_V0,
    TF_MU_V0,
    TF_P0,
    TF_SIGMA_V0,
    TF_TAU_V0,
)
from ..params import Cell, Network, Preset, Synapses, TransferParams
from ..validity import check_transfer_inputs, fit_domain, outside_fit_domain, warn_validity
from . import dual as d
from .fluctuations import (
    MIN_SIGMA_V,
    ShotNoiseStatistics,
    admissible_rate,
    check_inputs,
    membrane_moments,
    membrane_moments_value,
    moments_of,
    pack_fluctuation_params,
    shot_noise_statistics,
    value_params,
)

_SQRT2 = math.sqrt(2.0)


@njit(cache=True, inline="always")
def threshold_dual(p, mu_G, mu_V, sigma_V, tau_V):
    """Effective threshold V_thr (V) as a dual number (SPEC 4.1)."""
    x = d.affine(mu_V, 1.0 / p[TF_D_MU_V0], -p[TF_MU_V0] / p[TF_D_MU_V0])  # (mu_V - mu_V0)/d
    y = d.affine(sigma_V, 1.0 / p[TF_D_SIGMA_V0], -p[TF_SIGMA_V0] / p[TF_D_SIGMA_V0])
    tau_N = p[FL_G_L] / p[FL_C_M]  # tau_V^N = tau_V g_L / C_m
    z = d.affine(tau_V, tau_N / p[TF_D_TAU_V0], -p[TF_TAU_V0] / p[TF_D_TAU_V0])
    P = p[TF_P0 : TF_P0 + 11]
    v = d.lincomb(x, P[1], y, P[2], P[0])
    v = d.lincomb(v, 1.0, z, P[3], 0.0)
    if P[4] != 0.0:
        v = d.lincomb(v, 1.0, d.log(d.scale(mu_G, 1.0 / p[FL_G_L])), P[4], 0.0)
    v = d.lincomb(v, 1.0, d.square(x), P[5], 0.0)
    v = d.lincomb(v, 1.0, d.square(y), P[6], 0.0)
    v = d.lincomb(v, 1.0, d.square(z), P[7], 0.0)
    v = d.lincomb(v, 1.0, d.mul(x, y), P[8], 0.0)
    v = d.lincomb(v, 1.0, d.mul(x, z), P[9], 0.0)
    v = d.lincomb(v, 1.0, d.mul(y, z), P[10], 0.0)
    return v


# inline="always" (Numba IR level): every kernel gets its own copy of the transfer function,
# so LLVM removes the derivative arithmetic that the kernel does not use (first-order
# integration keeps the value only; no kernel without adaptation keeps the W derivatives).
# Measured: second-order mean field 7.4 -> 5.2 ms per biological second (Euler).
@njit(cache=True, inline="always")
def transfer_dual(p, nu_e, nu_i, W):
    """Output rate (Hz) of the transfer function as a dual number in (nu_e, nu_i, W).

    Parameters
    ----------
    p : ndarray
        Packed parameters (:meth:`TransferFunction.packed`).
    nu_e, nu_i : float
        Per-synapse input rates (Hz). Negative values (an integrator overshooting zero) are
        evaluated at 0, the edge of the admissible domain.
    W : float
        Mean adaptation current (A).

    Returns
    -------
    tuple of 10 floats
        (rate, d/dnu_e, d/dnu_i, d/dW, then the Hessian entries ee, ei, eW, ii, iW, WW).
    """
    mu_G, mu_V, sigma_V, tau_V = membrane_moments(
        p, admissible_rate(nu_e), admissible_rate(nu_i), W
    )
    if sigma_V[0] <= 0.0:
        # No fluctuations: deterministic sub/suprathreshold limit of the template, flat.
        V_thr = threshold_dual(p, mu_G, mu_V, sigma_V, tau_V)
        return d.const(0.0) if V_thr[0] > mu_V[0] else d.const(1.0 / tau_V[0])
    V_thr = threshold_dual(p, mu_G, mu_V, sigma_V, tau_V)
    arg = d.div(d.sub(V_thr, mu_V), d.scale(sigma_V, _SQRT2))
    return d.div(d.erfc(arg), d.scale(tau_V, 2.0))


@njit(cache=True, inline="always")
def threshold_params(p):
    """The threshold template's parameters as one tuple of floats (see
    :func:`~adexmf.theory.fluctuations.value_params`): mu_V0, d mu_V0, sigma_V0,
    d sigma_V0, tau_V0^N, d tau_V0^N, g_L, C_m and the 11 coefficients P0-P10."""
    k = TF_P0  # indexed, not sliced: a slice costs as much as the polynomial here
    return (
        p[TF_MU_V0], p[TF_D_MU_V0], p[TF_SIGMA_V0], p[TF_D_SIGMA_V0], p[TF_TAU_V0],
        p[TF_D_TAU_V0], p[FL_G_L], p[FL_C_M], p[k], p[k + 1], p[k + 2], p[k + 3], p[k + 4],
        p[k + 5], p[k + 6], p[k + 7], p[k + 8], p[k + 9], p[k + 10],
    )  # fmt: skip


@njit(cache=True, inline="always")
def threshold_of(t, mu_G, mu_V, sigma_V, tau_V):
    """Value of :func:`threshold_dual` (V) from float moments and :func:`threshold_params`."""
    x = (mu_V - t[0]) / t[1]
    y = (sigma_V - t[2]) / t[3]
    z = (tau_V * t[6] / t[7] - t[4]) / t[5]
    v = t[8] + t[9] * x + t[10] * y + t[11] * z
    if t[12] != 0.0:
        v += t[12] * math.log(mu_G / t[6])
    return (v + t[13] * x * x + t[14] * y * y + t[15] * z * z + t[16] * x * y
            + t[17] * x * z + t[18] * y * z)  # fmt: skip


@njit(cache=True, inline="always")
def threshold_value(p, mu_G, mu_V, sigma_V, tau_V):
    """Value of :func:`threshold_dual` (V) from float moments."""
    return threshold_of(threshold_params(p), mu_G, mu_V, sigma_V, tau_V)


@njit(cache=True, error_model="numpy")
def transfer_value(p, nu_e, nu_i, W):
    """Value of :func:`transfer_dual` (Hz), on plain floats: for kernels that read rates
    only (2.5x cheaper: the compiler keeps the dual numbers' unused derivatives). Equal to
    ``transfer_dual(...)[0]`` to round-off (tests/test_transfer.py)."""
    mu_G, mu_V, sigma_V, tau_V = membrane_moments_value(
        p, admissible_rate(nu_e), admissible_rate(nu_i), W
    )
    return rate_from_moments(p, mu_G, mu_V, sigma_V, tau_V)


@njit(cache=True, inline="always")
def _rate_from_argument(arg, half_rate):
    """erfc(arg) x half_rate (Hz), exact 0 and 2 x half_rate where erfc saturates."""
    if arg > d.ERFC_SATURATION:
        return 0.0
    if arg < -d.ERFC_SATURATION:
        return 2.0 * half_rate
    return math.erfc(arg) * half_rate


@njit(cache=True, inline="always")
def rate_from_moments(p, mu_G, mu_V, sigma_V, tau_V):
    """The transfer function's rate (Hz) from the membrane moments (floats, SI)."""
    V_thr = threshold_value(p, mu_G, mu_V, sigma_V, tau_V)
    if sigma_V <= 0.0:
        return 0.0 if V_thr > mu_V else 1.0 / tau_V
    half_rate = 0.5 / tau_V  # divided while erfc runs, not after it
    return _rate_from_argument((V_thr - mu_V) / (sigma_V * _SQRT2), half_rate)


# error_model="numpy": a division is a plain division (no zero test and exception branch),
# which lets the compiler vectorise the first loop; lanes where the input fluctuations
# vanish (a division by 0 there) are recomputed on the scalar path by the second loop.
@njit(cache=True, error_model="numpy")
def transfer_values(p, nu_e, nu_i, W, rate, mu_V, work):
    """:func:`transfer_value` at every entry of the arrays ``nu_e``, ``nu_i`` (Hz), ``W``
    (A), into ``rate`` (Hz), with mu_V (V) into ``mu_V``; ``work`` (2, n) is scratch.

    Bit for bit the scalar path: the same operations in the same order, all but erfc
    vectorised over the entries (SIMD arithmetic rounds as scalar arithmetic does).
    """
    q = value_params(p)
    t = threshold_params(p)
    arg, weighted = work[0], work[1]
    for k in range(nu_e.size):
        mu_G, mV, _, _, w, total = moments_of(
            q, admissible_rate(nu_e[k]), admissible_rate(nu_i[k]), W[k]
        )
        sigma_V = np.sqrt(0.5 * w)
        tau_V = total / w
        arg[k] = (threshold_of(t, mu_G, mV, sigma_V, tau_V) - mV) / (sigma_V * _SQRT2)
        rate[k] = 0.5 / tau_V
        mu_V[k] = mV
        weighted[k] = w
    for k in range(nu_e.size):
        if weighted[k] > 2.0 * MIN_SIGMA_V**2:
            rate[k] = _rate_from_argument(arg[k], rate[k])
        else:  # no input fluctuations
            rate[k] = transfer_value(p, nu_e[k], nu_i[k], W[k])


@njit(cache=True, error_model="numpy")
def _transfer_loop(p, nu_e, nu_i, W, rate, extra):
    for k in range(nu_e.size):
        r = transfer_dual(p, nu_e[k], nu_i[k], W[k])
        for j in range(d.SIZE):
            rate[j, k] = r[j]
        mu_G, mu_V, sigma_V, tau_V = membrane_moments(p, nu_e[k], nu_i[k], W[k])
        extra[0, k] = threshold_dual(p, mu_G, mu_V, sigma_V, tau_V)[0]


@dataclass(frozen=True)
class TransferEvaluation:
    """Value and exact derivatives of a transfer function, with the membrane statistics.

    Attributes
    ----------
    rate : ndarray
        Output rate (Hz).
    gradient : ndarray, shape (3, ...)
        d rate / d(nu_e, nu_i) (dimensionless: Hz per Hz) and d rate / dW (Hz/A).
    hessian : ndarray, shape (3, 3, ...)
        Second derivatives, same variable order (units Hz/Hz^2, Hz/(Hz A), Hz/A^2).
    V_thr : ndarray
        Effective threshold (V).
    stats : ShotNoiseStatistics
        mu_V, sigma_V, tau_V, tau_V^N and conductance statistics at the same inputs.
    """

    rate: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray
    V_thr: np.ndarray
    stats: ShotNoiseStatistics


class TransferFunction:
    """Transfer function of one cell type: output rate as a function of input rates.

    Parameters
    ----------
    cell : Cell
        The cell whose output rate is modelled (g_L, C_m and E_L enter the theory).
    synapses : Synapses
    network : Network
        Gives the in-degrees K_e, K_i: inputs are rates per presynaptic neuron.
    params : TransferParams
        Coefficients, layout and inhibitory-term formula.

    Examples
    --------
    >>> from adexmf import load_preset, TransferFunction
    >>> tf = TransferFunction.from_preset(load_preset("zerlaut2018"), "RS")
    >>> round(float(tf(5.0, 5.0)), 4)
    6.3319
    """

    def __init__(
        self, cell: Cell, synapses: Synapses, network: Network, params: TransferParams
    ) -> None:
        self.cell = cell
        self.synapses = synapses
        self.network = network
        self.params = params
        packed = np.empty(N_TRANSFER)
        packed[:N_FLUCTUATION] = pack_fluctuation_params(
            cell, synapses, network, params.inhibitory_term
        )
        packed[TF_MU_V0], packed[TF_D_MU_V0] = params.mu_V0, params.d_mu_V0
        packed[TF_SIGMA_V0], packed[TF_D_SIGMA_V0] = params.sigma_V0, params.d_sigma_V0
        packed[TF_TAU_V0], packed[TF_D_TAU_V0] = params.tau_V0, params.d_tau_V0
        packed[TF_P0:] = params.full_coefficients
        packed.flags.writeable = False
        self._packed = packed
        self._check_finite()

    def _check_finite(self) -> None:
        """Refuse parameter sets whose threshold or rate is not finite at ordinary inputs.

        Probed at three input pairs inside every reasonable domain (1-10 Hz); one compiled
        call of a few microseconds.
        """
        e = np.array([1.0, 5.0, 10.0])
        out = np.empty((d.SIZE, e.size))
        extra = np.empty((1, e.size))
        _transfer_loop(self._packed, e, e.copy(), np.zeros(3), out, extra)
        if not (np.isfinite(out).all() and np.isfinite(extra).all()):
            raise ParameterError(
                f"the transfer function of cell {self.cell.name!r} is not finite at ordinary "
                "inputs (nu_e = nu_i = 1-10 Hz): threshold V_thr = "
                f"{', '.join(f'{v:g}' for v in extra[0])} V; the cell's C_m, g_L or the "
                "coefficients' normalisation (mu_V0, d_mu_V0, sigma_V0, d_sigma_V0, tau_V0, "
                "d_tau_V0) are outside the range where the template is defined; check them"
            )

    @property
    def domain(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """Domain of the fit, ``((nu_e_low, nu_e_high), (nu_i_low, nu_i_high))`` in Hz, or
        None if unknown (:mod:`adexmf.validity`)."""
        return fit_domain(self.params)

    def outside_domain(self, nu_e, nu_i) -> np.ndarray:
        """Boolean mask of the inputs (Hz) outside the domain of the fit."""
        return outside_fit_domain(self.params, nu_e, nu_i)

    @classmethod
    def from_preset(cls, preset: Preset, cell: str) -> TransferFunction:
        """The transfer function of ``cell`` (e.g. ``"RS"``) in ``preset``."""
        params = preset.transfer_params(cell)  # a clear error if the preset has none
        return cls(preset.cells[cell], preset.synapses, preset.network, params)

    @property
    def packed(self) -> np.ndarray:
        """Read-only packed float64 parameter vector for compiled kernels."""
        return self._packed

    def __call__(self, nu_e, nu_i, W=0.0) -> np.ndarray:
        """Output rate (Hz) for per-synapse input rates nu_e, nu_i (Hz) and current W (A)."""
        return self.evaluate(nu_e, nu_i, W).rate

    def evaluate(self, nu_e, nu_i, W=0.0, *, check_domain: bool = True) -> TransferEvaluation:
        """Value, exact gradient and Hessian, and membrane statistics.

        Parameters
        ----------
        nu_e, nu_i : array_like
            Per-synapse input rates (Hz), finite and >= 0.
        W : array_like
            Mean adaptation current (A).
        check_domain : bool
            Warn (:class:`~adexmf.errors.ValidityWarning`) for inputs outside the domain of
            the fit and for non-finite results; False for callers that flag them themselves
            (tables over a wide grid).

        Raises
        ------
        InputRangeError
            For negative, non-finite or absurdly large inputs.
        """
        e, i, w, shape = check_inputs(nu_e, nu_i, W)
        if check_domain:
            check_transfer_inputs(self.params, self.cell.name, e, i)
        out = np.empty((d.SIZE, e.size))
        extra = np.empty((1, e.size))
        _transfer_loop(self._packed, e, i, w, out, extra)
        grad = out[1:4].reshape((3, *shape))
        hess = np.empty((3, 3, e.size))
        for j in range(3):
            for k in range(3):
                hess[j, k] = out[d.HESSIAN_INDEX[j][k]]
        stats = shot_noise_statistics(
            e.reshape(shape), i.reshape(shape), self.cell, self.synapses, self.network,
            w.reshape(shape), self.params.inhibitory_term,
        )  # fmt: skip
        if check_domain and not np.isfinite(out).all():
            warn_validity(
                f"transfer function of {self.cell.name}: {int((~np.isfinite(out)).sum())} "
                "non-finite value(s) among the rates and derivatives"
            )
        return TransferEvaluation(
            rate=out[0].reshape(shape),
            gradient=grad,
            hessian=hess.reshape((3, 3, *shape)),
            V_thr=extra[0].reshape(shape),
            stats=stats,
        )

    def __repr__(self) -> str:
        return (
            f"TransferFunction(cell={self.cell.name!r}, layout={self.params.layout!r}, "
            f"inhibitory_term={self.params.inhibitory_term!r})"
        )
