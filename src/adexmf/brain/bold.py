"""BOLD signal of brain regions from their neural activity: the Balloon-Windkessel model
(SPEC 11; Friston et al. 2000, coefficients of Friston et al. 2003).

For every region, with the neural input z(t) (:func:`neural_input`), time in seconds::

    ds/dt = z - kappa s - gamma (f - 1)            vasodilatory signal s (1/s)
    df/dt = s                                      blood inflow f (relative to rest)
    tau dv/dt = f - v^(1/alpha)                    venous volume v (relative to rest)
    tau dq/dt = f E(f) / rho - v^(1/alpha) q / v   deoxyhaemoglobin q (relative to rest)
    E(f) = 1 - (1 - rho)^(1/f)                     oxygen extraction fraction
    BOLD = V0 (k1 (1 - q) + k2 (1 - q/v) + k3 (1 - v))     (dimensionless, x100 for %)

Rest is s = 0, f = v = q = 1, BOLD = 0 (exactly, in floating point too: the extraction
term is divided by E(1) computed with the same expression, which equals rho to one ulp).

Numerics: classical Runge-Kutta (RK4), vectorised over regions with numpy. The input is held
constant over each of its samples (zero-order hold: z[i] acts on [t_i, t_i + dt)); a sample
is integrated in ``ceil(dt / max_step)`` equal RK4 steps. Output i is the state at t_i = i dt
(output 0 is rest). The s-f pair is linear and integrated as is; a negative inflow has no
meaning, so the balloon (v and q equations) sees ``max(f, F_MIN)`` and ``max(v, V_MIN)``
(a :class:`~adexmf.errors.ValidityWarning` says when this guard acted: the input was too
negative, e.g. too large a ``scale`` in :func:`neural_input`).

References
----------
Friston KJ, Mechelli A, Turner R, Price CJ (2000) Nonlinear responses in fMRI: the Balloon
model, Volterra kernels, and other hemodynamics. NeuroImage 12:466-477.
Friston KJ, Harrison L, Penny W (2003) Dynamic causal modelling. NeuroImage 19:1273-1302.
Stephan KE, Weiskopf N, Drysdale PM, Robinson PA, Friston KJ (2007) Comparing hemodynamic
models with DCM. NeuroImage 38:387-401.
Obata T, Liu TT, Miller KL, et al. (2004) Discrepancies between BOLD and flow dynamics in
primary and supplementary motor areas. NeuroImage 21:144-153.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError, check_range
from ..params.fields import quantity, validate
from ..timeseries import checked_series
from ..validity import warn_validity

#: Largest RK4 step (s). RK4 is stable for h |lambda| < 2.78; the fastest rate of the
#: balloon, (1/alpha) v^(1/alpha - 1) / tau, is 3.2 /s at rest and grows with the volume:
#: 10 ms keeps the scheme stable up to v ~ 8 (inflows f ~ 700), far beyond physiology, and
#: its error (~h^4) is ~1e-8 of the response.
MAX_STEP = 0.01

#: Smallest inflow and volume (relative to rest) the balloon equations see: 1/f and q/v are
#: finite and (1 - rho)^(1/f) underflows harmlessly to 0 (a stopped inflow extracts all O2).
F_MIN = 1e-3
V_MIN = 1e-3

#: Default scale (s^-2) of the neural input: a doubled rate (z = 0.2) raises the steady inflow
#: by 0.2 / gamma = 49 % (flow increases in stimulation are tens of per cent; Buxton et al.
#: 2004, NeuroImage 23:S220), and a silent region (z = -0.2) keeps a positive inflow (0.51).
DEFAULT_SCALE = 0.2


@dataclass(frozen=True)
class BalloonParams:
    """Coefficients of the Balloon-Windkessel model; defaults: Friston et al. (2003).

    Attributes
    ----------
    kappa : float
        Rate of decay of the vasodilatory signal (1/s); 0.65.
    gamma : float
        Rate of flow-dependent elimination (autoregulation) (1/s); 0.41.
    tau : float
        Haemodynamic transit time (s); 0.98.
    alpha : float
        Grubb's exponent (stiffness of the balloon), dimensionless; 0.32.
    rho : float
        Resting oxygen extraction fraction, dimensionless; 0.34.
    V0 : float
        Resting venous blood volume fraction, dimensionless; 0.02.
    k1, k2, k3 : float
        Coefficients of the BOLD equation, dimensionless; 7 rho, 2, 2 rho - 0.2.
    """

    kappa: float = field(default=0.65, metadata=quantity("1/s", 0.0, 10.0, strict_low=True))
    gamma: float = field(default=0.41, metadata=quantity("1/s", 0.0, 10.0, strict_low=True))
    tau: float = field(default=0.98, metadata=quantity("s", 0.0, 30.0, strict_low=True))
    alpha: float = field(default=0.32, metadata=quantity("", 0.0, 1.0, strict_low=True))
    rho: float = field(default=0.34, metadata=quantity("", 0.0, 1.0, strict_low=True))
    V0: float = field(default=0.02, metadata=quantity("", 0.0, 1.0, strict_low=True))
    k1: float = field(default=7 * 0.34, metadata=quantity("", -100.0, 100.0))
    k2: float = field(default=2.0, metadata=quantity("", -100.0, 100.0))
    k3: float = field(default=2 * 0.34 - 0.2, metadata=quantity("", -100.0, 100.0))

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> BalloonParams:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def friston2003(cls, rho: float = 0.34) -> BalloonParams:
        """Friston et al. (2003) (their Table 1, as in SPEC 11): k1 = 7 rho, k2 = 2,
        k3 = 2 rho - 0.2, V0 = 0.02, with the resting extraction fraction ``rho``."""
        return cls(rho=rho, k1=7.0 * rho, k2=2.0, k3=2.0 * rho - 0.2)

    @classmethod
    def stephan2007(
        cls, *, epsilon: float = 1.43, TE: float = 0.04, E0: float = 0.4, V0: float = 0.04,
        nu0: float = 40.3, r0: float = 25.0,
    ) -> BalloonParams:  # fmt: skip
        """Revised BOLD coefficients of Stephan et al. (2007), their generalised BOLD
        equation (as implemented in SPM's ``spm_gx_fmri`` and TVB's ``fmri_balloon``)::

            k1 = 4.3 nu0 E0 TE,  k2 = epsilon r0 E0 TE,  k3 = 1 - epsilon

        Defaults: 1.5 T constants nu0 = 40.3 /s (frequency offset at the outer surface of
        magnetised vessels), r0 = 25 /s (slope of the intravascular relaxation rate), echo
        time TE = 0.04 s, resting extraction E0 = 0.4 (also used as ``rho`` in the balloon,
        so that rest stays a fixed point), epsilon = 1.43 (ratio of intra- to extravascular
        signal; Obata et al. 2004 at 1.5 T; Stephan 2007 estimate it, SPM's prior is 1, TVB's
        default 0.5) and V0 = 0.04 (4 %, TVB's default after Stephan 2007; SPM12 uses 8 %).
        The rates kappa, gamma, tau, alpha stay those of Friston et al. (2003). This gives
        k1 = 2.77, k2 = 0.572, k3 = -0.43.
        """
        k1 = 4.3 * nu0 * E0 * TE
        return cls(rho=E0, V0=V0, k1=k1, k2=epsilon * r0 * E0 * TE, k3=1.0 - epsilon)

    @classmethod
    def named(cls, name: str) -> BalloonParams:
        """The named set ``"friston2003"`` (default) or ``"stephan2007"``."""
        makers = {"friston2003": cls.friston2003, "stephan2007": cls.stephan2007}
        if name not in makers:
            raise ParameterError(f"BalloonParams name = {name!r} is unknown; allowed: "
                                 f"{', '.join(sorted(makers))}", parameters=("name",))  # fmt: skip
        return makers[name]()


@dataclass(frozen=True)
class BalloonStates:
    """Time courses of the four balloon states, each (n_time, n_regions) (or (n_time,)).

    Attributes
    ----------
    s : numpy.ndarray
        Vasodilatory signal (1/s).
    f, v, q : numpy.ndarray
        Blood inflow, venous volume and deoxyhaemoglobin content, relative to rest.
    guarded : bool
        Whether the inflow or volume fell below :data:`F_MIN` / :data:`V_MIN` somewhere.
    """

    s: np.ndarray
    f: np.ndarray
    v: np.ndarray
    q: np.ndarray
    guarded: bool = False


# ------------------------------------------------------------------ input checks
def _check_params(params: BalloonParams | str | None) -> BalloonParams:
    if params is None:
        return BalloonParams()
    if isinstance(params, str):
        return BalloonParams.named(params)
    if not isinstance(params, BalloonParams):
        raise ParameterError(f"params = {params!r} is not a BalloonParams or a set name",
                             parameters=("params",))  # fmt: skip
    return params


# ------------------------------------------------------------------ neural input
def neural_input(
    nu_e: Any, baseline: float | Any | None = None, scale: float = DEFAULT_SCALE
) -> np.ndarray:
    """The neural input z of the balloon: the relative change of a region's excitatory rate,
    scaled::

        z = scale * (nu_e - baseline) / baseline

    Parameters
    ----------
    nu_e : array_like
        Excitatory rates (Hz), shape (n_time,) or (n_time, n_regions).
    baseline : float or array_like of shape (n_regions,), optional
        Reference rate(s) (Hz), > 0. None: each region's time average (like the per-voxel
        normalisation of fMRI: a region's mean rate then sets no BOLD offset).
    scale : float
        Input efficacy (s^-2): z for a doubled rate; see :data:`DEFAULT_SCALE`.

    Returns
    -------
    numpy.ndarray
        z (s^-2), the shape of ``nu_e``.

    Raises
    ------
    ParameterError
        Non-finite or wrongly shaped ``nu_e``, a baseline <= 0 (or a region whose time
        average is <= 0 when ``baseline`` is None), ``scale`` outside (0, 100] s^-2.
    """
    rates = checked_series(nu_e, "nu_e")
    check_range("scale", scale, 0.0, 100.0, unit="s^-2", low_inclusive=False)
    if baseline is None:
        base = rates.mean(axis=0)
        if np.any(base <= 0.0):
            k = int(np.flatnonzero(np.atleast_1d(base) <= 0.0)[0])
            raise ParameterError(f"nu_e of region {k} has a time average of "
                                 f"{np.atleast_1d(base)[k]:g} Hz; a relative change needs a "
                                 "positive baseline: give baseline (Hz)",
                                 parameters=("nu_e", "baseline"))  # fmt: skip
    else:
        base = np.asarray(baseline, dtype=float)
        if base.ndim > 1 or (base.ndim == 1 and base.shape != rates.shape[1:]):
            raise ParameterError(f"baseline has shape {base.shape}; allowed: a number or "
                                 f"shape {rates.shape[1:]}", parameters=("baseline",))  # fmt: skip
        if not np.all(np.isfinite(base) & (base > 0.0)):
            raise ParameterError(f"baseline = {base} Hz; allowed: finite and > 0 Hz",
                                 parameters=("baseline",))  # fmt: skip
    return scale * (rates - base) / base


# ------------------------------------------------------------------ integration
def _derivatives(state: np.ndarray, z: np.ndarray, p: BalloonParams, c: dict) -> np.ndarray:
    """d(s, f, v, q)/dt for a state of shape (4, n_regions)."""
    s, f, v, q = state
    f_in = np.maximum(f, F_MIN)
    v_safe = np.maximum(v, V_MIN)
    outflow = np.exp(np.log(v_safe) * c["inv_alpha"])  # v^(1/alpha), exactly 1 at v = 1
    extraction = -np.expm1(c["log_1m_rho"] / f_in) / c["e_rest"]  # E(f) / E(1)
    return np.stack([
        z - p.kappa * s - p.gamma * (f - 1.0),
        s,
        (f_in - outflow) / p.tau,
        (f_in * extraction - outflow * q / v_safe) / p.tau,
    ])  # fmt: skip


def _rk4(state: np.ndarray, z: np.ndarray, h: float, p: BalloonParams, c: dict) -> np.ndarray:
    k1 = _derivatives(state, z, p, c)
    k2 = _derivatives(state + 0.5 * h * k1, z, p, c)
    k3 = _derivatives(state + 0.5 * h * k2, z, p, c)
    k4 = _derivatives(state + h * k3, z, p, c)
    return state + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def integrate_balloon(
    z: Any, dt: float, params: BalloonParams | str | None = None, *, max_step: float = MAX_STEP
) -> BalloonStates:
    """Integrate the balloon of every region from rest under the input ``z``.

    Parameters
    ----------
    z : array_like
        Neural input (s^-2), shape (n_time,) or (n_time, n_regions), sampled every ``dt``
        and held constant over each sample (zero-order hold).
    dt : float
        Sampling interval of ``z`` and of the result (s), > 0.
    params : BalloonParams or str, optional
        Coefficients or the name of a set (:meth:`BalloonParams.named`); Friston 2003.
    max_step : float
        Largest RK4 step (s), in (0, 1]; see :data:`MAX_STEP`.

    Returns
    -------
    BalloonStates
        s, f, v, q at t_i = i dt, the shape of ``z`` (row 0 is rest).

    Raises
    ------
    ParameterError
        Non-finite or wrongly shaped ``z``, ``dt`` <= 0, ``max_step`` out of range.

    Notes
    -----
    A Python loop over the steps: ~0.1 ms a step for 100 regions. Average a rate sampled
    more finely than ~10 ms first (:func:`downsample` with ``method="mean"``): the
    haemodynamics filter out everything above ~1 Hz.
    """
    zz = checked_series(z, "z")
    check_range("dt", dt, 0.0, None, unit="s", low_inclusive=False)
    check_range("max_step", max_step, 0.0, 1.0, unit="s", low_inclusive=False)
    p = _check_params(params)
    n_sub = max(1, math.ceil(dt / max_step - 1e-9))
    h = dt / n_sub
    c = {"inv_alpha": 1.0 / p.alpha, "log_1m_rho": math.log1p(-p.rho)}
    c["e_rest"] = -np.expm1(c["log_1m_rho"] / np.float64(1.0))
    z2 = zz.reshape(zz.shape[0], -1)
    out = np.empty((4,) + z2.shape)
    state = np.zeros((4, z2.shape[1]))
    state[1:] = 1.0
    guarded = False
    for i in range(z2.shape[0]):
        out[:, i] = state
        guarded = guarded or bool(np.any(state[1] < F_MIN) or np.any(state[2] < V_MIN))
        for _ in range(n_sub):
            state = _rk4(state, z2[i], h, p, c)
    if guarded:
        warn_validity("BOLD: the blood inflow or volume fell below "
                      f"{F_MIN:g} of rest; the balloon saw them clipped there (the neural "
                      "input is too negative: lower its scale)")  # fmt: skip
    s, f, v, q = (a.reshape(zz.shape) for a in out)
    return BalloonStates(s=s, f=f, v=v, q=q, guarded=guarded)


def bold_from_states(v: Any, q: Any, params: BalloonParams | str | None = None) -> np.ndarray:
    """BOLD = V0 (k1 (1 - q) + k2 (1 - q/v) + k3 (1 - v)), dimensionless (x100 for %).

    Parameters
    ----------
    v, q : array_like
        Venous volume and deoxyhaemoglobin content relative to rest (same shape).
    params : BalloonParams or str, optional
        Coefficients or the name of a set; Friston 2003.
    """
    p = _check_params(params)
    v = np.asarray(v, dtype=float)
    q = np.asarray(q, dtype=float)
    return p.V0 * (p.k1 * (1.0 - q) + p.k2 * (1.0 - q / v) + p.k3 * (1.0 - v))


def bold_signal(
    z: Any, dt: float, params: BalloonParams | str | None = None, *, max_step: float = MAX_STEP
) -> np.ndarray:
    """BOLD signal of every region under the neural input ``z``, from rest.

    Parameters as :func:`integrate_balloon`.

    Returns
    -------
    numpy.ndarray
        BOLD (dimensionless fraction of the resting signal), the shape of ``z``, sampled at
        t_i = i dt (row 0 is rest: 0). Discard the first ~20 s when ``z`` does not start at 0
        (the response to the onset of the input).
    """
    states = integrate_balloon(z, dt, params, max_step=max_step)
    return bold_from_states(states.v, states.q, params)


def downsample(x: Any, dt: float, new_dt: float, *, method: str = "sample") -> np.ndarray:
    """Resample a time series (time first) to a coarser interval, e.g. BOLD to a TR.

    Parameters
    ----------
    x : array_like
        Series sampled every ``dt``, time on axis 0.
    dt : float
        Sampling interval of ``x`` (s), > 0.
    new_dt : float
        New interval (s), an integer multiple k of ``dt`` (to 1e-6 relative).
    method : {"sample", "mean"}
        ``"sample"``: every k-th sample (t = j new_dt; what a scanner acquiring a volume
        every TR sees); ``"mean"``: the mean of each complete block of k samples (sample j
        is the average over [j new_dt, (j + 1) new_dt); e.g. to average a finely sampled
        rate before :func:`bold_signal`).

    Returns
    -------
    numpy.ndarray
        The resampled series.
    """
    a = checked_series(x, "x")
    check_range("dt", dt, 0.0, None, unit="s", low_inclusive=False)
    check_range("new_dt", new_dt, dt, None, unit="s")
    k = round(new_dt / dt)
    if abs(k * dt - new_dt) > 1e-6 * new_dt:
        raise ParameterError(f"new_dt = {new_dt:g} s is not a multiple of dt = {dt:g} s",
                             parameters=("new_dt",))  # fmt: skip
    if method == "sample":
        return a[::k].copy()
    if method == "mean":
        n = (a.shape[0] // k) * k
        return a[:n].reshape((-1, k) + a.shape[1:]).mean(axis=1)
    raise ParameterError(f"method = {method!r} is unknown; allowed: 'mean', 'sample'",
                         parameters=("method",))  # fmt: skip
