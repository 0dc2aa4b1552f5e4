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

from ..errors import InputRangeError
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
    model: ColumnModel, frequency: ArrayLike, drive: float, afferent: float = 0.0
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
    """
    f = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
    if not np.all(np.isfinite(f) & (f > 0.0)):
        bad = float(f[~(np.isfinite(f) & (f > 0))][0])
        raise InputRangeError(f"frequency = {bad!r} Hz; allowed: > 0 and finite")
    fp = fixed_point(model, drive, afferent)
    if not fp.stable:
        raise InputRangeError(
            f"the fixed point at drive {drive:g} Hz is unstable (largest real eigenvalue "
            f"{np.max(fp.eigenvalues.real):.3g} 1/s); it has no linear response"
        )
    J = model.jacobian(fp.vector, drive, afferent)
    b = afferent_sensitivity(model, fp.vector, drive, afferent)
    eye = np.eye(J.shape[0])
    gains = np.stack([np.linalg.solve(2j * np.pi * fk * eye - J, b) for fk in f])
    idx = list(active_indices(*model.flags))
    return gains[:, [idx.index(S_NU_E), idx.index(S_NU_I)]]
