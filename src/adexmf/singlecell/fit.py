"""Two-step fit of the transfer-function template to single-cell data (SPEC 4.3).

1. Points with a non-zero rate: invert the template,
   ``V_eff = mu_V + sqrt(2) sigma_V erfcinv(2 tau_V nu_out)``, and fit the threshold
   polynomial to ``V_eff`` by linear least squares (the polynomial is linear in P0..P10).
2. From there, minimise the mean squared error between measured and template rates over all
   points, silent ones included (trust-region least squares on the rate residuals, every
   coefficient bounded by :data:`COEFFICIENT_BOUND`); or, with ``loss="poisson"``, the
   Poisson deviance of the spike counts, ``2 X [r ln(r / F) - (r - F)]`` for a point counted
   over X cell-seconds: the maximum-likelihood fit of counts, which weighs each point by its
   information, so the rates of 0.01-1 Hz that decide whether a network has a DOWN state
   count in relative terms rather than not at all (issue 26, item 4).

Adaptation (SPEC 5.3): points measured with a freely adapting cell are evaluated either at
W = 0 (``adaptation="none"``: the fitted threshold absorbs the stationary adaptation, as in
the published fits) or at the stationary adaptation current of a cell firing at the measured
rate (``adaptation="stationary"``, :func:`~adexmf.theory.fluctuations.stationary_adaptation`):
the transfer function then describes the cell at a given W and suits the adaptation mean
field, which supplies W itself. Points with a clamped adaptation current keep their W.

All theory goes through :mod:`adexmf.theory`: mu_V, sigma_V, tau_V come from
:meth:`TransferFunction.evaluate`, the design matrix of step 1 is the effective threshold
evaluated with unit coefficient vectors (V_thr is linear in the coefficients), and the rates
of step 2 come from the compiled :func:`~adexmf.theory.transfer.transfer_dual`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from numba import njit
from scipy.special import erfcinv

from ..errors import InputRangeError, ParameterError
from ..layouts import TF_P0
from ..params import (
    INHIBITORY_TERMS,
    LAYOUT_SIZES,
    Cell,
    Network,
    Synapses,
    TransferParams,
)
from ..theory.fluctuations import shot_noise_statistics, stationary_adaptation
from ..theory.transfer import TransferFunction, transfer_dual
from .characterize import dataset_parameters

#: Bound on every fitted coefficient (V): thresholds and their corrections are tens of mV.
COEFFICIENT_BOUND = 0.2
#: Losses of step 2 (module docstring), and the least model rate the deviance sees (Hz).
LOSSES: tuple[str, ...] = ("rate", "poisson")
LOSS_NOTES = {"rate": "", "poisson": "loss 'poisson': step 2 on the counts' deviance"}
RATE_FLOOR = 1e-9
#: Positions of a layout's coefficients among P0..P10.
_LAYOUT_SLOTS = {"with_log": list(range(11)), "without_log": [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]}
#: How points measured with free adaptation are evaluated (see the module docstring).
AdaptationMode = Literal["none", "stationary"]
ADAPTATION_MODES: tuple[str, ...] = ("none", "stationary")
#: Provenance of each mode, written into the fitted parameters' note and the report.
ADAPTATION_NOTES = {
    "none": "adaptation 'none': free-adaptation points evaluated at W = 0",
    "stationary": (
        "adaptation 'stationary': free-adaptation points evaluated at the stationary "
        "W = b tau_w nu_out + a (mu_V - E_L) of the measured rate"
    ),
}


@njit(cache=True)
def _template_rates(packed, nu_e, nu_i, W, out):
    """Template rates (Hz) at many inputs for one packed parameter vector."""
    for k in range(nu_e.size):
        out[k] = transfer_dual(packed, nu_e[k], nu_i[k], W[k])[0]


@dataclass(frozen=True)
class FitResult:
    """A fitted transfer function and its error on the data (rates in Hz).

    Attributes
    ----------
    params : TransferParams
        Fitted coefficients (V), layout and inhibitory-term formula.
    cell : Cell
    synapses : Synapses
    network : Network
    nu_e, nu_i, W : ndarray
        Inputs of the data points (Hz, Hz, A).
    rate, rate_sem : ndarray
        Measured mean rates and their standard errors (Hz).
    model : ndarray
        Fitted template rates at the data points (Hz).
    step1_rmse : float
        RMS rate error (Hz) after step 1 (linear fit of the inverted threshold).
    adaptation : {"none", "stationary"}
        How points with free adaptation were evaluated (``W`` holds the values used).
    """

    params: TransferParams
    cell: Cell
    synapses: Synapses
    network: Network
    nu_e: np.ndarray
    nu_i: np.ndarray
    W: np.ndarray
    rate: np.ndarray
    rate_sem: np.ndarray
    model: np.ndarray
    step1_rmse: float
    adaptation: str = "none"

    @property
    def residuals(self) -> np.ndarray:
        """Template minus measured rate at every point (Hz): the error map."""
        return self.model - self.rate

    @property
    def rmse(self) -> float:
        """Root-mean-square error over all points (Hz)."""
        return float(np.sqrt(np.mean(self.residuals**2)))

    @property
    def max_error(self) -> float:
        """Largest absolute error (Hz)."""
        return float(np.max(np.abs(self.residuals)))

    @property
    def n_points(self) -> int:
        """Number of data points."""
        return int(self.rate.size)

    @property
    def transfer_function(self) -> TransferFunction:
        """The fitted transfer function."""
        return TransferFunction(self.cell, self.synapses, self.network, self.params)

    def summary(self) -> dict:
        """JSON-friendly summary: coefficients (V), errors (Hz), settings."""
        within = np.abs(self.residuals) <= 3.0 * np.maximum(self.rate_sem, 1e-12)
        return {
            "cell": self.cell.name,
            "layout": self.params.layout,
            "inhibitory_term": self.params.inhibitory_term,
            "adaptation": self.adaptation,
            "coefficients": list(self.params.coefficients),
            "rmse_Hz": self.rmse,
            "max_error_Hz": self.max_error,
            "step1_rmse_Hz": self.step1_rmse,
            "n_points": self.n_points,
            "fraction_within_3_sem": float(np.mean(within)),
        }

    def error_map(self) -> xr.Dataset:
        """Per-point errors as a Dataset (dim ``point``): inputs, data, model, residual."""
        pt = ("point",)
        return xr.Dataset(
            {
                "nu_e": (pt, self.nu_e, {"units": "Hz"}),
                "nu_i": (pt, self.nu_i, {"units": "Hz"}),
                "W": (pt, self.W, {"units": "A"}),
                "rate": (pt, self.rate, {"units": "Hz"}),
                "rate_sem": (pt, self.rate_sem, {"units": "Hz"}),
                "model": (pt, self.model, {"units": "Hz"}),
                "residual": (pt, self.residuals, {"units": "Hz"}),
            },
            attrs={k: v for k, v in self.summary().items() if k != "coefficients"},
        )


def _check_options(layout: str, inhibitory_term: str, adaptation: str = "none",
                   loss: str = "rate") -> None:
    if loss not in LOSSES:
        raise ParameterError(f"loss = {loss!r}; allowed: {', '.join(LOSSES)}")
    if layout not in LAYOUT_SIZES:
        raise ParameterError(f"layout = {layout!r}; allowed: {', '.join(LAYOUT_SIZES)}")
    if inhibitory_term not in INHIBITORY_TERMS:
        raise ParameterError(
            f"inhibitory_term = {inhibitory_term!r}; allowed: {', '.join(INHIBITORY_TERMS)}"
        )
    if adaptation not in ADAPTATION_MODES:
        raise ParameterError(f"adaptation = {adaptation!r}; allowed: {', '.join(ADAPTATION_MODES)}")


def stationary_adaptation_currents(
    nu_e, nu_i, rate, cell: Cell, synapses: Synapses, network: Network, inhibitory_term: str
) -> np.ndarray:
    """Stationary adaptation current (A) of ``cell`` firing at ``rate`` under each input.

    mu_V(W = 0) and mu_G come from :func:`~adexmf.theory.fluctuations.shot_noise_statistics`,
    W from :func:`~adexmf.theory.fluctuations.stationary_adaptation` (SPEC 5.3).

    Parameters
    ----------
    nu_e, nu_i : ndarray
        Per-synapse input rates (Hz).
    rate : ndarray
        Output rates of the cell (Hz).
    cell, synapses, network : parameter sets
    inhibitory_term : {"paper", "slip"}
        Formula variant (it does not change mu_V; passed for consistency).

    Raises
    ------
    ParameterError
        If the cell adapts (a or b non-zero) but has no adaptation time constant.
    """
    if cell.a == 0.0 and cell.b == 0.0:
        return np.zeros(np.shape(rate))
    if cell.tau_w is None:
        raise ParameterError(
            f"cell {cell.name!r} adapts (a = {cell.a:g} S, b = {cell.b:g} A) but has no "
            "tau_w: the stationary adaptation current is undefined"
        )
    stats = shot_noise_statistics(nu_e, nu_i, cell, synapses, network, 0.0, inhibitory_term)
    return np.asarray(
        stationary_adaptation(
            cell.a, cell.b, cell.tau_w, np.asarray(rate, dtype=float),
            np.asarray(stats.mu_V, dtype=float), np.asarray(stats.mu_G, dtype=float), cell.E_L,
        ),
        dtype=float,
    )  # fmt: skip


def _transfer(cell, synapses, network, layout, term, coefficients) -> TransferFunction:
    params = TransferParams(coefficients=tuple(coefficients), layout=layout, inhibitory_term=term)
    return TransferFunction(cell, synapses, network, params)


def _exposure(exposure, shape: tuple[int, ...]) -> np.ndarray:
    """Counted cell-seconds per point (s), 1 s each by default; checked > 0."""
    if exposure is None:
        return np.ones(shape)
    x = np.broadcast_to(np.asarray(exposure, dtype=float), shape).ravel().copy()
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise InputRangeError("exposure must be finite and > 0 s (counted cell-seconds)")
    return x


def _data_range(values: np.ndarray) -> tuple[float, float] | None:
    """(min, max) of the data's input rates (Hz): the domain of the fit; None if empty."""
    lo, hi = float(np.min(values)), float(np.max(values))
    return (lo, hi) if hi > lo else None


def _fit_points(nu_e, nu_i, rate, W) -> tuple[np.ndarray, ...]:
    """The data points as flat float arrays (Hz, Hz, Hz, A; NaN W: free adaptation)."""
    try:
        e, i, r, w = (np.asarray(a, dtype=float).ravel() for a in np.broadcast_arrays(
            nu_e, nu_i, rate, np.nan if W is None else W))  # fmt: skip
    except ValueError as exc:
        raise InputRangeError(f"nu_e, nu_i, rate and W do not match in shape: {exc}") from None
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise InputRangeError("rate must be finite and >= 0 Hz at every point")
    return e, i, r, w


def _step1(theory: tuple, slots: list[int], e, i, r, w) -> np.ndarray:
    """Step 1: the template inverted where the cell fires, the threshold polynomial fitted to
    ``V_eff`` by linear least squares; coefficients (V), clipped inside the bound.

    ``theory`` is (cell, synapses, network, layout, inhibitory_term).
    """
    n_coef = len(slots)
    layout = theory[3]
    # theory at the data points (coefficients do not enter the membrane statistics)
    zero = np.zeros(n_coef)
    stats = _transfer(*theory, zero).evaluate(e, i, w)
    mu_V, sigma_V, tau_V = stats.stats.mu_V, stats.stats.sigma_V, stats.stats.tau_V
    # design matrix: V_thr is linear in the coefficients; column k = V_thr with P = e_k
    design = np.empty((e.size, n_coef))
    for k in range(n_coef):
        unit = np.zeros(n_coef)
        unit[k] = 1.0
        tf_k = _transfer(*theory, unit)
        design[:, k] = tf_k.evaluate(e, i, w).V_thr
    # step 1: invert the template where the cell fires
    arg = 2.0 * tau_V * r
    usable = (r > 0) & (sigma_V > 0) & (arg < 2.0)
    if usable.sum() < n_coef:
        raise InputRangeError(
            f"only {int(usable.sum())} points with a non-zero rate; the {layout!r} layout "
            f"needs at least {n_coef}"
        )
    V_eff = mu_V[usable] + math.sqrt(2.0) * sigma_V[usable] * erfcinv(arg[usable])
    p1, *_ = np.linalg.lstsq(design[usable], V_eff, rcond=None)
    return np.clip(p1, -0.99 * COEFFICIENT_BOUND, 0.99 * COEFFICIENT_BOUND)


def poisson_deviance_residuals(model: np.ndarray, rate: np.ndarray,
                               exposure: np.ndarray) -> np.ndarray:
    """Signed square roots of the Poisson deviance of counts ``rate x exposure`` under the
    model rates (Hz; exposure in cell-seconds): their sum of squares is the deviance."""
    f = np.maximum(model, RATE_FLOOR)
    log_ratio = np.log(np.where(rate > 0, rate, 1.0) / f)
    term = np.where(rate > 0, rate * log_ratio, 0.0) - (rate - f)
    return np.sign(f - rate) * np.sqrt(2.0 * exposure * np.maximum(term, 0.0))


def _step2(theory: tuple, slots: list[int], p1: np.ndarray, e, i, r, w, loss: str = "rate",
           exposure: np.ndarray | None = None):
    """Step 2: least squares on the rates themselves (``loss="rate"``) or on the Poisson
    deviance residuals of the counts (``"poisson"``, ``exposure`` in cell-seconds) from
    ``p1``, coefficients in mV for conditioning; never worse than ``p1`` in that loss.

    Returns
    -------
    (ndarray, float, ndarray)
        The coefficients (V), the RMS rate error of ``p1`` (Hz) and the fitted rates (Hz).
    """
    packed = _transfer(*theory, p1).packed.copy()
    model = np.empty_like(r)

    def rates_for(p_volts):
        packed[TF_P0 + np.asarray(slots)] = p_volts
        _template_rates(packed, e, i, w, model)
        return model

    # Imported on use: scipy.optimize (~0.3 s, 160 modules) is needed by the fit alone, and
    # every study imports this module.
    from scipy.optimize import least_squares

    def residuals(p_volts):
        if loss == "poisson":
            return poisson_deviance_residuals(rates_for(p_volts), r, exposure)
        return rates_for(p_volts) - r

    step1_rmse = float(np.sqrt(np.mean((rates_for(p1) - r) ** 2)))
    start_cost = float(np.sum(residuals(p1) ** 2))
    bound = COEFFICIENT_BOUND * 1e3
    sol = least_squares(
        lambda x: residuals(x * 1e-3), p1 * 1e3, bounds=(-bound, bound), xtol=1e-12
    )
    best = sol.x * 1e-3
    if np.sum(residuals(best) ** 2) > start_cost:
        best = p1  # never worse than the starting point
    final = rates_for(best).copy()
    return best, step1_rmse, final


def fit_transfer_function(
    nu_e,
    nu_i,
    rate,
    cell: Cell,
    synapses: Synapses,
    network: Network,
    *,
    W=None,
    rate_sem=None,
    layout: str = "with_log",
    inhibitory_term: str = "paper",
    adaptation: AdaptationMode = "none",
    loss: str = "rate",
    exposure=None,
    note: str = "",
) -> FitResult:
    """Fit the transfer-function template to measured rates (SPEC 4.3, two steps).

    Parameters
    ----------
    nu_e, nu_i : array_like
        Per-synapse input rates of the data points (Hz).
    rate : array_like
        Measured mean output rates (Hz).
    cell, synapses, network : parameter sets
        Those of the simulations (they define mu_V, sigma_V, tau_V).
    W : array_like, optional
        Clamped adaptation current of each point (A); NaN (or None: every point) marks
        points measured with free adaptation, evaluated as ``adaptation`` says.
    rate_sem : array_like, optional
        Standard errors of the rates (Hz), kept for the report.
    layout : {"with_log", "without_log"}
        11 coefficients with the ``P4 ln(mu_G/g_L)`` term, or 10 without.
    inhibitory_term : {"paper", "slip"}
        Shot-noise formula used for sigma_V and tau_V (SPEC 3.2).
    adaptation : {"none", "stationary"}
        Free-adaptation points evaluated at W = 0 (the threshold absorbs the adaptation),
        or at the stationary adaptation current of the cell firing at the measured rate
        (SPEC 5.3; both fit steps use it). Identical fits when the cell has a = b = 0.
    loss : {"rate", "poisson"}
        Step 2 minimises the squared rate errors (the authors') or the Poisson deviance of
        the spike counts (module docstring).
    exposure : array_like, optional
        Counted cell-seconds of each point (s), the weights of the Poisson deviance; default
        1 s everywhere (equal weights).
    note : str
        Provenance written into the returned parameters (the adaptation mode is appended).

    Returns
    -------
    FitResult
    """
    _check_options(layout, inhibitory_term, adaptation, loss)
    e, i, r, w = _fit_points(nu_e, nu_i, rate, W)
    x = _exposure(exposure, r.shape)
    free = np.isnan(w)
    w = w.copy()
    w[free] = 0.0
    if adaptation == "stationary" and free.any():
        w[free] = stationary_adaptation_currents(
            e[free], i[free], r[free], cell, synapses, network, inhibitory_term
        )
    sem = np.zeros_like(r) if rate_sem is None else np.broadcast_to(rate_sem, r.shape).ravel()
    theory = (cell, synapses, network, layout, inhibitory_term)
    p1 = _step1(theory, _LAYOUT_SLOTS[layout], e, i, r, w)
    best, step1_rmse, final = _step2(theory, _LAYOUT_SLOTS[layout], p1, e, i, r, w, loss, x)
    notes = (note, ADAPTATION_NOTES[adaptation], LOSS_NOTES[loss])
    params = TransferParams(
        coefficients=tuple(float(c) for c in best), layout=layout,
        inhibitory_term=inhibitory_term, note="; ".join(t for t in notes if t),
        domain_nu_e=_data_range(e), domain_nu_i=_data_range(i),
    )  # fmt: skip
    return FitResult(
        params=params, cell=cell, synapses=synapses, network=network, nu_e=e, nu_i=i, W=w,
        rate=r, rate_sem=np.asarray(sem, dtype=float), model=final, step1_rmse=step1_rmse,
        adaptation=adaptation,
    )  # fmt: skip


def check_characterization(ds: xr.Dataset) -> None:
    """Raise ParameterError unless ``ds`` looks like a characterisation made by adexmf."""
    for var in ("nu_e", "nu_i", "rate_mean"):
        if var not in ds:
            raise ParameterError(
                f"dataset has no variable {var!r}: not an adexmf characterisation "
                "(make one with `adexmf tf characterize`)"
            )
    for dim in ("point", "seed"):
        if dim not in ds.dims:
            raise ParameterError(
                f"dataset has no dimension {dim!r}: not an adexmf characterisation"
            )


def fit_dataset(
    ds: xr.Dataset,
    *,
    layout: str = "with_log",
    inhibitory_term: str = "paper",
    adaptation: AdaptationMode = "none",
    loss: str = "rate",
    note: str = "",
) -> FitResult:
    """Fit a characterisation Dataset (:func:`~adexmf.singlecell.characterize.characterize`).

    Points with free adaptation are evaluated at W = 0 (``adaptation="none"``) or at their
    stationary W (``"stationary"``); clamped points at their W. Each point's exposure (the
    Poisson loss's weight) is its counted time, ``duration_s - discard_s``, times its
    measured seeds. Other arguments as in :func:`fit_transfer_function`.
    """
    check_characterization(ds)
    cell, synapses, network = dataset_parameters(ds)
    W = ds["W"].values if "W" in ds else None
    sem = ds["rate_sem"].values if "rate_sem" in ds else None
    return fit_transfer_function(
        ds["nu_e"].values, ds["nu_i"].values, ds["rate_mean"].values, cell, synapses, network,
        W=W, rate_sem=sem, layout=layout, inhibitory_term=inhibitory_term,
        adaptation=adaptation, loss=loss, exposure=counted_exposure(ds), note=note,
    )  # fmt: skip


def counted_exposure(ds: xr.Dataset) -> np.ndarray:
    """Counted cell-seconds of each point of a characterisation (s)."""
    counted = float(ds.attrs.get("duration_s", 1.0)) - float(ds.attrs.get("discard_s", 0.0))
    seeds = np.isfinite(ds["rate"].values).sum(axis=1) if "rate" in ds else 1
    return np.maximum(counted * seeds, 1e-9)
