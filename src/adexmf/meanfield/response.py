"""Linear response of a mean-field model to a weak sinusoidal afferent input.

Around a stable fixed point y* the model linearises to ``dy/dt = J (y - y*) + b u(t)``, with
J the exact Jacobian of the right-hand side (:meth:`ColumnModel.jacobian`) and b its
derivative with respect to the afferent rate. The complex gain ``H(f) = (2 pi i f - J)^-1 b``
is the small-amplitude limit of the frequency-response protocol (SPEC 7 row 6): under
``u(t) = A (1 - cos(2 pi f (t - t0))) / 2`` the rate oscillates with amplitude ``A |H|`` and
phase ``arg H`` in the convention of :func:`adexmf.compare.metrics.fit_sinusoid_response`
(negative: the response lags the input).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputRangeError, ParameterError, check_range
from ..layouts import S_NU_E, S_NU_I
from .fixedpoints import fixed_point
from .model import ColumnModel
from .node import active_indices

#: Step (Hz) of the one-sided second-order difference that gives b: the afferent rate must
#: stay non-negative, and the O(h^2) error of 1e-3 Hz is ~1e-7 of b.
AFFERENT_STEP = 1e-3


def afferent_sensitivity(
    model: ColumnModel, state: np.ndarray, drive: float, afferent: float = 0.0
) -> np.ndarray:
    """Derivative of the right-hand side with respect to the afferent rate, on the active
    state entries (SI units per second per Hz)."""
    h = AFFERENT_STEP
    f0, f1, f2 = (model.rhs(state, drive, afferent + k * h) for k in range(3))
    b = (-3.0 * f0 + 4.0 * f1 - f2) / (2.0 * h)
    return b[active_indices(*model.flags)]


def linear_response(
    model: ColumnModel,
    frequency: ArrayLike,
    drive: float,
    afferent: float = 0.0,
    synaptic_filter: float | None = None,
) -> np.ndarray:
    """Complex gain of the population rates to a weak sinusoidal afferent input.

    Parameters
    ----------
    model : ColumnModel
        Any order, with or without adaptation.
    frequency : array_like
        Input frequencies f (Hz), > 0.
    drive, afferent : float
        Constant inputs (Hz) that set the fixed point linearised around.
    synaptic_filter : float
        First order only: a low-pass filter of time constant tau_s (s) between every input
        rate (recurrent, drive, afferent) and the transfer functions, ``T dnu/dt =
        F(nu~) - nu`` with ``tau_s dnu~/dt = nu - nu~``: the synaptic filtering that the
        Markov closure leaves out (issue 26, item 3). The adaptation current and its
        equation are not filtered. 0: none; None (default): the model's own (that of a
        :class:`~adexmf.meanfield.synaptic_filter.FilteredMeanFieldModel`, else 0).

    Returns
    -------
    ndarray of complex, shape (n_frequencies, 2)
        H of nu_e and nu_i (Hz of rate per Hz of afferent input): amplitude ratio ``|H|``,
        phase ``angle(H)`` (rad).

    Raises
    ------
    InputRangeError
        If a frequency is not positive and finite, or the fixed point is unstable (a
        linear response does not exist there).
    ParameterError
        For a negative ``synaptic_filter``, or a positive one on a second-order model.
    """
    f = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
    if not np.all(np.isfinite(f) & (f > 0.0)):
        bad = float(f[~(np.isfinite(f) & (f > 0))][0])
        raise InputRangeError(f"frequency = {bad!r} Hz; allowed: > 0 and finite")
    if synaptic_filter is None:
        synaptic_filter = model.synaptic_filter
    tau_s = check_range("synaptic_filter", synaptic_filter, 0.0, 1.0, unit="s")
    if tau_s > 0.0 and model.order != 1:
        raise ParameterError(f"synaptic_filter = {tau_s:g} s needs a first-order model; this "
                             f"one has order {model.order}")  # fmt: skip
    fp = fixed_point(model, drive, afferent)
    if not fp.stable:
        raise InputRangeError(
            f"the fixed point at drive {drive:g} Hz is unstable (largest real eigenvalue "
            f"{np.max(fp.eigenvalues.real):.3g} 1/s); it has no linear response"
        )
    J = model.jacobian(fp.vector, drive, afferent)
    b = afferent_sensitivity(model, fp.vector, drive, afferent)
    idx = list(active_indices(*model.flags))
    rates = [idx.index(S_NU_E), idx.index(S_NU_I)]
    eye = np.eye(J.shape[0])
    gains = []
    for fk in f:
        s = 2j * np.pi * fk
        Js, bs = (J, b) if tau_s == 0.0 else _filtered(J, b, rates, model.T, 1 / (1 + s * tau_s))
        gains.append(np.linalg.solve(s * eye - Js, bs))
    return np.stack(gains)[:, rates]


def _filtered(J: np.ndarray, b: np.ndarray, rates: list[int], T: float, low_pass: complex):
    """The first-order Jacobian and input sensitivity with the transfer functions' rate
    inputs multiplied by ``low_pass``: on the rate rows, ``T J + I`` is dF/dnu, so the rate
    block becomes ``(dF/dnu L - I) / T`` and the input column ``b L``."""
    Js = J.astype(complex)
    bs = b.astype(complex)
    block = np.ix_(rates, rates)
    one = np.eye(len(rates))
    Js[block] = ((T * J[block] + one) * low_pass - one) / T
    bs[rates] = b[rates] * low_pass
    return Js, bs
