"""Fit of the ring to one VSDI recording, its uncertainty, and held-out predictions (SPEC 9).

1. **Grid**: the residual of every point of the scan (:mod:`adexmf.vsdi.scan`) against the
   pre-processed response to the first stimulus alone (``stim1``).
2. **Refinement**: from the ``n_starts`` best grid points, a bounded trust-region
   least-squares (:func:`scipy.optimize.least_squares`, ``trf``) on the parameters scaled
   to [0, 1] over their ranges, with forward-difference Jacobians whose 6 + 1 runs are one
   call of the ring's batch mode. The best of the refinements is kept, and it is never worse
   than the best grid point (the start is kept otherwise).
3. **Uncertainty** (stated method): the Gauss-Newton covariance ``s^2 c (J^T J)^-1`` at the
   optimum, with the noise variance ``s^2`` of the normalised data estimated from the frames
   before the analysis window (after removing each position's mean), inflated by ``c``, the
   number of samples per independent one, from the noise's own autocorrelation along time
   and space (the smoothing and the optics correlate neighbouring samples). One standard
   deviation per parameter; a direction the data do not constrain gets ``inf``.
4. **Predictions** the fit has not seen: the response to the second stimulus alone (at its
   own position; amplitude relative to stim1's), and to both stimuli in sequence (apparent
   motion) with the measured offset between the two stimuli's centres (space, time), and
   the suppression ``both - (stim1 + stim2)``: its minimum, where and when, in data and model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..params import RingStimulus
from ..store import provenance
from .preprocess import Prepared, Preprocessing, model_on_data_grid, prepare_map, residual
from .scan import (
    DEFAULT_PARAMETERS,
    HIGH,
    LOW,
    NAMES,
    PARAMETERS,
    ScanSettings,
    from_unit,
    human,
    model_maps,
    ring_model,
    to_unit,
)


@dataclass(frozen=True)
class FitSettings:
    """Choices of the fit.

    Attributes
    ----------
    n_starts : int
        Best grid points refined.
    max_evaluations : int
        Residual evaluations per refinement (each Jacobian is one batch of 7 runs).
    fd_step : float
        Forward-difference step on the [0, 1]-scaled parameters.
    preprocessing : Preprocessing
        Applied to data and model alike.
    """

    n_starts: int = 3
    max_evaluations: int = 30
    fd_step: float = 0.01
    preprocessing: Preprocessing = field(default_factory=Preprocessing)

    def __post_init__(self) -> None:
        if not 1 <= int(self.n_starts) <= 50:
            raise ParameterError(f"FitSettings.n_starts = {self.n_starts!r}; allowed: 1-50")
        if not 2 <= int(self.max_evaluations) <= 10_000:
            raise ParameterError(
                f"FitSettings.max_evaluations = {self.max_evaluations!r}; allowed: 2-10000"
            )
        if not 1e-5 <= float(self.fd_step) <= 0.2:
            raise ParameterError(f"FitSettings.fd_step = {self.fd_step!r}; allowed: 1e-5-0.2")


# ------------------------------------------------------------------------------ data
def prepare_recording(recording: xr.Dataset, opts: Preprocessing) -> dict[str, Prepared]:
    """The pre-processed maps of a recording (:func:`adexmf.vsdi.load_recording`).

    ``stim1`` (own centre and maximum: the fitted map), ``stim2`` (own centre, stim1's
    maximum), and on stim1's grid and scale: ``both``, ``stim2_on_1`` and ``suppression``
    (both - stim1 - stim2).
    """
    t = recording.time.values
    x = recording.x.values
    source = recording.attrs.get("file", "the recording")

    def name(map_name: str) -> str:  # what the messages call the map
        return f"{map_name} of {source}"

    s1 = prepare_map(recording.stim1.values, t, x, opts, name=name("stim1"))
    s2 = prepare_map(recording.stim2.values, t, x, opts, scale=s1.scale, name=name("stim2"))
    on_1 = {"centre": (s1.t_centre, s1.x_centre), "scale": s1.scale}
    both = prepare_map(recording.both.values, t, x, opts, **on_1, name=name("matAM"))
    stim2_on_1 = prepare_map(recording.stim2.values, t, x, opts, **on_1, name=name("stim2"))
    difference = recording.both.values - recording.stim1.values - recording.stim2.values
    # a difference can be negative everywhere: give its own scale, not a maximum
    suppression = prepare_map(difference, t, x, opts, **on_1,
                              name=name("matAM - stim1 - stim2"))  # fmt: skip
    return {"stim1": s1, "stim2": s2, "both": both, "stim2_on_1": stim2_on_1,
            "suppression": suppression}  # fmt: skip


def noise_model(target: Prepared) -> tuple[float, float]:
    """Noise variance of the normalised data and samples per independent sample.

    From the frames before the window, each position's mean removed. The correlation factor
    is the product, along time and along space, of ``1 + 2 sum_k rho(k)`` over the lags
    before the autocorrelation first turns negative.
    """
    b = target.baseline
    b = b[:, np.isfinite(b).all(axis=0)] if b.size else b
    if b.shape[0] < 3 or b.shape[1] < 3:
        return float("nan"), 1.0
    b = b - b.mean(axis=0)
    var = float(np.mean(b * b))

    def factor(a: np.ndarray, axis: int, max_lag: int) -> float:
        total = 1.0
        n = a.shape[axis]
        for k in range(1, min(max_lag, n - 1) + 1):
            x = np.take(a, np.arange(n - k), axis=axis)
            y = np.take(a, np.arange(k, n), axis=axis)
            rho = float(np.mean(x * y) / var) if var > 0 else 0.0
            if rho <= 0.0:
                break
            total += 2.0 * rho
        return total

    return var, factor(b, 0, 10) * factor(b, 1, 60)


# ------------------------------------------------------------------------------ model
class Objective:
    """Residual vectors of parameter sets against one pre-processed map, batched."""

    def __init__(self, target: Prepared, settings: ScanSettings, opts: Preprocessing, model):
        self.target = target
        self.settings = settings
        self.opts = opts
        self.model = model
        self.valid = target.valid
        self.evaluations = 0

    def maps(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Model maps on the data grid, their centre times (s) and scales."""
        raw = model_maps(self.model, params, self.settings)
        self.evaluations += raw.shape[0]
        return model_on_data_grid(
            raw, self.settings.sample_dt, self.settings.distances, self.target, self.opts
        )

    def vectors(self, u: np.ndarray) -> np.ndarray:
        """(B, n_valid) residual vectors at the [0, 1]-scaled parameter sets ``u`` (B, 6)."""
        on, _, _ = self.maps(from_unit(np.clip(u, 0.0, 1.0)))
        return on[..., self.valid] - self.target.values[self.valid]


def grid_residuals(
    scan: xr.Dataset, target: Prepared, opts: Preprocessing, chunk: int = 500
) -> np.ndarray:
    """Residual of every scan point against ``target`` (one value per point)."""
    vsd = scan.vsd.values
    dt = float(scan.time.values[1] - scan.time.values[0])
    r = scan.r.values
    out = np.empty(vsd.shape[0])
    for a in range(0, vsd.shape[0], chunk):
        on, _, _ = model_on_data_grid(vsd[a : a + chunk].astype(np.float64), dt, r, target, opts)
        out[a : a + chunk] = residual(on, target)
    return out


def _residual_and_jacobian(
    objective: Objective, u: np.ndarray, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Residual vector at ``u`` and its forward-difference Jacobian (backward at the upper
    bound), from one batch of 7 runs: the point and its 6 neighbours."""
    steps = np.where(u + h <= 1.0, h, -h)
    vec = objective.vectors(np.vstack([u, u + np.diag(steps)]))
    return vec[0], ((vec[1:] - vec[0]) / steps[:, None]).T


def _refine(objective: Objective, u0: np.ndarray, fit: FitSettings) -> tuple[np.ndarray, float]:
    from scipy.optimize import least_squares

    # the residual and its Jacobian come from one batch of runs: keep both per point
    evaluated: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = u.tobytes()
        if key not in evaluated:
            evaluated[key] = _residual_and_jacobian(objective, u, fit.fd_step)
        return evaluated[key]

    sol = least_squares(lambda u: evaluate(u)[0], u0, jac=lambda u: evaluate(u)[1],
                        bounds=(0.0, 1.0), method="trf",
                        max_nfev=fit.max_evaluations, x_scale=1.0)  # fmt: skip
    return np.clip(sol.x, 0.0, 1.0), float(2.0 * sol.cost)


def _uncertainty(objective: Objective, u: np.ndarray, fit: FitSettings) -> np.ndarray:
    """One-sd uncertainty (SI) of each parameter at ``u`` (see the module docstring)."""
    _, J = _residual_and_jacobian(objective, u, fit.fd_step)
    var, c = noise_model(objective.target)
    if not np.isfinite(var):
        return np.full(u.size, np.nan)
    JTJ = J.T @ J
    w, V = np.linalg.eigh(JTJ)
    tiny = w <= 1e-12 * max(w.max(), 1e-300)
    inv = (V / np.where(tiny, np.inf, w)) @ V.T
    sd_unit = np.sqrt(np.maximum(np.diag(inv), 0.0) * var * c)
    # a parameter along an unconstrained direction is unconstrained
    blind = (np.abs(V[:, tiny]) > 1e-3).any(axis=1) if tiny.any() else np.zeros(u.size, bool)
    return np.where(blind, np.inf, sd_unit * (HIGH - LOW))


# ------------------------------------------------------------------------------ predictions
def _single_runs(model, params: np.ndarray, settings: ScanSettings, offset: tuple[float, float]):
    """Signed-position maps (time, x - x0) of stim1 alone, stim2 alone (shifted by
    ``offset`` = (dx m, dt s)) and both, for one parameter set."""
    p = dict(zip(NAMES, params, strict=True))
    ring = model.ring.replace(v_c=p["v_c"], l_exc=p["l_exc"], l_inh=p["l_inh"])
    runner = type(model)(ring, model.model)
    x0 = 0.5 * settings.length
    dx, dt = offset
    first = RingStimulus(amplitude=settings.amplitude, x0=x0, l_stim=p["l_stim"],
                         t0=settings.t0, tau1=p["tau1"], tau2=p["tau2"])  # fmt: skip
    x2 = (x0 + dx) % settings.length
    second = first.replace(x0=x2, t0=settings.t0 + dt)
    every = int(round(settings.sample_dt / settings.dt))
    maps = {}
    for name, stims in (("stim1", [first]), ("stim2", [second]), ("both", [first, second])):
        ds = runner.run(settings.duration, stims, dt=settings.dt, record_every=every,
                        vsd_input=settings.vsd_input)  # fmt: skip
        maps[name] = ds.vsd.values
    x_rel = ds.x.values - x0
    order = np.argsort(x_rel)
    return {k: v[:, order] for k, v in maps.items()}, x_rel[order]


def _extremum(values: np.ndarray, t: np.ndarray, x: np.ndarray) -> dict[str, float]:
    v = np.where(np.isfinite(values), values, np.inf)
    k = np.unravel_index(np.argmin(v), v.shape)
    return {"min": float(values[k]), "t_s": float(t[k[0]]), "x_m": float(x[k[1]])}


def predictions(
    model, params: np.ndarray, settings: ScanSettings, data: dict[str, Prepared],
    opts: Preprocessing,
) -> dict[str, Any]:  # fmt: skip
    """Held-out predictions of a parameter set: model maps and residuals for stim2 and both,
    and the suppression's extremum in data and model."""
    s1, s2 = data["stim1"], data["stim2"]
    offset = (s2.x_centre - s1.x_centre, s2.t_centre - s1.t_centre)
    runs, x_grid = _single_runs(model, params, settings, offset)
    dt = settings.sample_dt
    m1, t1, sc1 = model_on_data_grid(runs["stim1"], dt, x_grid, s1, opts, symmetric=False)
    ref = (t1, sc1)
    # stim2 alone: centred on its own peak (as the data), stim1's scale
    m2_own, _, sc2 = model_on_data_grid(runs["stim1"], dt, x_grid, s2, opts, symmetric=False)
    m2 = m2_own * (sc2 / sc1)
    grid1 = {"symmetric": False, "reference": ref}
    mb, _, _ = model_on_data_grid(runs["both"], dt, x_grid, data["both"], opts, **grid1)
    m2_on_1, _, _ = model_on_data_grid(runs["stim2"], dt, x_grid, s1, opts, **grid1)
    m_sup = mb - m1 - m2_on_1
    sup = data["suppression"]
    return {
        "model_stim1": m1,
        "model_stim2": m2,
        "model_both": mb,
        "model_suppression": m_sup,
        "stim2_residual": float(residual(m2, s2)),
        "both_residual": float(residual(mb, data["both"])),
        "suppression_residual": float(residual(m_sup, sup)),
        "suppression_data": _extremum(sup.values, sup.t_rel, sup.x_rel),
        "suppression_model": _extremum(np.where(sup.valid, m_sup, np.nan), sup.t_rel, sup.x_rel),
        "offset_x_m": float(offset[0]),
        "offset_t_s": float(offset[1]),
    }


# ------------------------------------------------------------------------------ the fit
def fit_recording(
    recording: xr.Dataset,
    scan: xr.Dataset,
    *,
    fit: FitSettings | None = None,
) -> xr.Dataset:
    """Fit the ring to one recording's stim1 response; predict stim2 and both.

    Parameters
    ----------
    recording : xarray.Dataset
        From :func:`adexmf.vsdi.load_recording`.
    scan : xarray.Dataset
        From :func:`adexmf.vsdi.scan.run_scan` (its settings are the model's).
    fit : FitSettings, optional
        Choices of the fit.

    Returns
    -------
    xarray.Dataset
        ``value``, ``uncertainty``, ``default`` (parameter) in SI; data and model maps
        (``data_stim1``/``model_stim1``, ``data_both``/``model_both``,
        ``data_suppression``/``model_suppression`` on stim1's relative grid ``time``, ``x``;
        ``data_stim2``/``model_stim2`` on ``time_stim2``, ``x_stim2``); residuals and the
        summary in attrs (``summary`` as JSON, the keys of ``adexmf vsdi fit --json``).
    """
    fit = fit or FitSettings()
    opts = fit.preprocessing
    settings = ScanSettings.from_attrs(scan.attrs)
    data = prepare_recording(recording, opts)
    target = data["stim1"]
    model = ring_model(settings)
    objective = Objective(target, settings, opts, model)
    grid = grid_residuals(scan, target, opts)
    order = np.argsort(grid)
    points = np.stack([scan[name].values for name in NAMES], axis=1)
    best_u, best_res = to_unit(points[order[0]]), float(grid[order[0]])
    starts = [to_unit(points[k]) for k in order[: fit.n_starts]]
    for u0 in starts:
        u, res = _refine(objective, u0, fit)
        if res < best_res:
            best_u, best_res = u, res
    params = from_unit(best_u)
    sd = _uncertainty(objective, best_u, fit)
    default = np.array([DEFAULT_PARAMETERS[k] for k in NAMES])
    default_res = float(residual(objective.maps(default[None])[0][0], target))
    pred = predictions(model, params, settings, data, opts)
    residuals = (best_res, default_res, float(grid[order[0]]))
    return _fit_dataset(recording, data, params, sd, default, residuals, pred,
                        objective.evaluations, settings, fit)  # fmt: skip


def at_bound(params: np.ndarray, tolerance: float = 1e-3) -> np.ndarray:
    """Which parameters (SI, :data:`NAMES` order) lie within ``tolerance`` of their range's
    ends (as a fraction of the range): there the range, not the data, sets the value."""
    u = to_unit(params)
    return (u <= tolerance) | (u >= 1.0 - tolerance)


def _human(values: np.ndarray) -> dict[str, float]:
    keys = [human(name) for name in NAMES]
    return {key: float(v * factor) for (key, _, factor), v in zip(keys, values, strict=True)}


def _summary(recording, data, params, sd, residuals, pred, n_runs) -> dict[str, Any]:
    """The fit's summary in human units (the keys of the command line's JSON output)."""
    res, default_res, grid_res = residuals
    norm = float(np.nansum(data["stim1"].values ** 2))
    return {
        "file": recording.attrs.get("file", ""),
        "session": recording.attrs.get("session", ""),
        "duration_ms": float(recording.attrs.get("duration_s", np.nan)) * 1e3,
        "residual": res,
        "default_residual": default_res,
        "grid_residual": grid_res,
        "relative_residual": res / norm,
        "parameters": _human(params),
        "uncertainty": _human(sd),
        # where the range of SPEC 9 binds the fit, the sd is a one-sided local curvature
        "at_bound": [k for k, a in zip(_human(params), at_bound(params), strict=True) if a],
        "stim2_residual": pred["stim2_residual"],
        "both_residual": pred["both_residual"],
        "suppression_residual": pred["suppression_residual"],
        "suppression_min_data": pred["suppression_data"]["min"],
        "suppression_min_model": pred["suppression_model"]["min"],
        "t_suppression_min_data_ms": pred["suppression_data"]["t_s"] * 1e3,
        "t_suppression_min_model_ms": pred["suppression_model"]["t_s"] * 1e3,
        "x_suppression_min_data_mm": pred["suppression_data"]["x_m"] * 1e3,
        "x_suppression_min_model_mm": pred["suppression_model"]["x_m"] * 1e3,
        "stimulus_offset_mm": pred["offset_x_m"] * 1e3,
        "stimulus_delay_ms": pred["offset_t_s"] * 1e3,
        "model_runs": int(n_runs),
    }


def _fit_dataset(
    recording, data, params, sd, default, residuals, pred, n_runs, settings, fit
) -> xr.Dataset:
    s1, s2 = data["stim1"], data["stim2"]
    dims1, dims2 = ("time", "x"), ("time_stim2", "x_stim2")
    one = {"units": "1"}
    summary = _summary(recording, data, params, sd, residuals, pred, n_runs)
    ds = xr.Dataset(
        {
            "value": ("parameter", params),
            "at_bound": ("parameter", at_bound(params).astype(np.int8), {"units": "1"}),
            "uncertainty": ("parameter", sd),
            "default": ("parameter", default),
            "low": ("parameter", LOW),
            "high": ("parameter", HIGH),
            "data_stim1": (dims1, s1.values, one),
            "model_stim1": (dims1, pred["model_stim1"], one),
            "data_both": (dims1, data["both"].values, one),
            "model_both": (dims1, pred["model_both"], one),
            "data_suppression": (dims1, data["suppression"].values, one),
            "model_suppression": (dims1, pred["model_suppression"], one),
            "data_stim2": (dims2, s2.values, one),
            "model_stim2": (dims2, pred["model_stim2"], one),
        },
        coords={
            "parameter": ("parameter", list(NAMES)),
            "parameter_units": ("parameter", [PARAMETERS[k][0] for k in NAMES]),
            "time": ("time", s1.t_rel, {"units": "s", "long_name": "time from stim1's centre"}),
            "x": ("x", s1.x_rel, {"units": "m", "long_name": "position from stim1's centre"}),
            "time_stim2": ("time_stim2", s2.t_rel, {"units": "s"}),
            "x_stim2": ("x_stim2", s2.x_rel, {"units": "m"}),
        },
        attrs={
            "title": f"ring fit to {recording.attrs.get('session', '')}",
            "session": recording.attrs.get("session", ""),
            "file": recording.attrs.get("file", ""),
            "duration_s": float(recording.attrs.get("duration_s", np.nan)),
            "summary": json.dumps(summary),
            "t_centre_s": s1.t_centre,
            "x_centre_m": s1.x_centre,
            "scale": s1.scale,
            "uncertainty_method": "Gauss-Newton covariance, pre-window noise, autocorrelation",
            "fit_settings": json.dumps(
                {
                    "n_starts": fit.n_starts,
                    "max_evaluations": fit.max_evaluations,
                    "fd_step": fit.fd_step,
                    "preprocessing": repr(fit.preprocessing),
                }
            ),  # fmt: skip
            **settings.attrs(),
            **provenance(),
        },
    )
    return ds
