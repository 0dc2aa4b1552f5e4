"""Network-calibrated transfer functions (beyond the paper): the effective threshold of a
variant corrected so that its second-order fixed points meet the network's stationary rates.

Why (docs/paper-vs-code.md, input replay): a transfer function fitted on single cells under
independent Poisson input misses what the network's inputs do to its cells, chiefly the
regularity of the presynaptic trains (fewer slow fluctuations of the summed input, so a
smaller effective sigma_V) and the spread of in-degrees (the opposite sign). Both act on
how far the mean potential sits below threshold in units of the fluctuations, which is
what the threshold polynomial V_thr(mu_V, sigma_V, tau_V) (SPEC 4.1) encodes. The
correction adds, for each population,

    dV_thr = c0 + c1 (mu_V - mu_V0) / d_mu_V0 + c2 (sigma_V - sigma_V0) / d_sigma_V0

to the threshold, i.e. to its coefficients P0, P1 and P2: six numbers in all, so the
corrected preset is an ordinary preset (every kernel, protocol and tool takes it unchanged).

How: the six shifts minimise the squared log-ratios of the mean field's stationary rates to
the network's at the asynchronous-irregular (AI) points of one half of a validity map
(:func:`checkerboard`: the points with an even or odd sum of grid indices); each point's
fixed point is found by Newton iterations from the network's own state. The other half is
held out: :func:`~adexmf.compare.metrics.split_scores` reports both halves. Inverting the
first-order transfer function at the network's rates point by point (the open loop) fitted
the calibration half but not the held-out one: the recurrent loop amplifies small threshold
errors, so the calibration is made on the closed loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy.optimize import least_squares

from ..errors import ParameterError
from ..meanfield.analysis import MeanFieldModel
from ..meanfield.fixedpoints import refine_fixed_point
from ..meanfield.variants import get_variant
from ..netcdf import read_netcdf
from ..params import Preset
from ..theory.fluctuations import stationary_adaptation
from ..theory.transfer import TransferFunction
from .metrics import relative_error_percent, split_scores
from .validity_map import ORDER, branch_rates

#: The threshold coefficients shifted: constant, mu_V and sigma_V terms (SPEC 4.1).
TERMS = ("P0", "P1", "P2")
#: The two halves of a checkerboard split of the map.
HALVES = ("even", "odd")
#: Fewest AI points of the calibration half: two rates per point, three shifts per population.
MIN_POINTS = 4
#: Ridge weights tried, per mV of shift against log-ratios of the rates (0.01: a 1 mV shift
#: costs as much as a 1 % rate error); one is chosen by leave-one-out on the calibration half.
RIDGES = (0.0, 0.003, 0.01, 0.03)
#: Log-ratio charged to a point whose fixed point is lost or unstable (a rate off by e^3).
LOST_PENALTY = 3.0


@dataclass(frozen=True)
class Calibration:
    """A calibrated preset and how it was made.

    Attributes
    ----------
    preset : Preset
        The variant's preset with the shifted threshold coefficients.
    shifts : dict
        Cell name -> shifts of P0, P1, P2 (V).
    half : str
        The calibration half of the map ("even" or "odd").
    points : tuple of (float, float)
        The calibration points: (drive in Hz, b in A).
    rms_log_ratio : float
        Root mean square of ln(nu_mf / nu_net) over the calibration points' rates.
    ridge : float
        The ridge weight chosen by leave-one-out (per mV of shift, :data:`RIDGES`).
    """

    preset: Preset
    shifts: dict[str, tuple[float, ...]]
    half: str
    points: tuple[tuple[float, float], ...]
    rms_log_ratio: float
    ridge: float


def checkerboard(n_drives: int, n_b: int, half: str) -> np.ndarray:
    """Boolean (drive, b) grid of one half of a checkerboard: ``"even"`` where the sum of
    the grid indices is even, ``"odd"`` where it is odd."""
    if half not in HALVES:
        raise ParameterError(f"half = {half!r}; allowed: {', '.join(HALVES)}")
    i, j = np.meshgrid(np.arange(n_drives), np.arange(n_b), indexing="ij")
    return (i + j) % 2 == HALVES.index(half)


def shifted_preset(preset: Preset, shifts: dict[str, Sequence[float]], note: str) -> Preset:
    """``preset`` with ``shifts[cell]`` (V) added to the threshold coefficients P0, P1, P2
    of each named cell's transfer function; ``note`` is appended to their provenance."""
    transfer = dict(preset.transfer)
    for cell, values in shifts.items():
        params = preset.transfer_params(cell)
        full = list(params.full_coefficients)
        for k, value in enumerate(values):
            full[k] += float(value)
        coefficients = full if params.layout == "with_log" else full[:4] + full[5:]
        text = "; ".join(t for t in (params.note, note) if t)
        transfer[cell] = dataclasses.replace(params, coefficients=tuple(coefficients), note=text)
    return preset.replace(transfer=transfer)


def _split(x: np.ndarray, cells: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """Cell name -> its block of len(TERMS) values of the parameter vector ``x``."""
    n = len(TERMS)
    return {c: tuple(float(v) for v in x[k * n : (k + 1) * n]) for k, c in enumerate(cells)}


def _choose_ridge(n_points: int, fit, residuals) -> float:
    """The ridge weight of :data:`RIDGES` whose fits, each leaving one calibration point
    out, predict the left-out points best (mean squared log-ratio): the held-out half is
    never looked at."""
    scores = []
    for ridge in RIDGES:
        left_out = []
        for k in range(n_points):
            keep = [m for m in range(n_points) if m != k]
            left_out.append(residuals(fit(keep, ridge), [k]))
        scores.append(float(np.mean(np.square(left_out))))
    return RIDGES[int(np.argmin(scores))]


def _check_map(ds: xr.Dataset, model: MeanFieldModel, name: str, half: str
               ) -> list[tuple[int, int]]:  # fmt: skip
    """The calibration points (grid indices), after checking the map and the model."""
    if "network_rate_mean" not in ds or "ai" not in ds:
        raise ParameterError(
            "the validity map has no network rates: give one computed with the network"
        )
    if model.order != ORDER:
        raise ParameterError(f"the model of {name!r} has order {model.order}; give order {ORDER}")
    if not model.adaptation and ds.sizes["b"] > 1:
        raise ParameterError(
            f"variant = {name!r} has no adaptation variable: the map's b would not "
            "reach its model; calibrate a variant with adaptation (e.g. adaptation-W)"
        )
    mask = checkerboard(ds.sizes["drive"], ds.sizes["b"], half) & ds.ai.values.astype(bool)
    points = [(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)]
    if len(points) < MIN_POINTS:
        raise ParameterError(
            f"the {half} half of the map has {len(points)} asynchronous-irregular point(s); "
            f"the calibration needs at least {MIN_POINTS}: give a grid with more drives or b values"
        )
    return points


def _network_states(preset: Preset, drives, b_values, rates, points) -> list[np.ndarray]:
    """Starting states of Newton's iterations: the network's rates, zero covariances and
    the stationary W of RS cells firing at the network's rate (SPEC 5.3; 0 for a cell
    without an adaptation time constant)."""
    cell_name = preset.network.excitatory_cell
    cell, tf = preset.cells[cell_name], TransferFunction.from_preset(preset, cell_name)
    states = []
    for i, j in points:
        nu_e, nu_i = rates[i, j]
        s = tf.evaluate(nu_e + drives[i], nu_i, 0.0, check_domain=False).stats
        W = 0.0 if cell.tau_w is None else float(stationary_adaptation(
            cell.a, b_values[j], cell.tau_w, nu_e, s.mu_V, s.mu_G, cell.E_L))  # fmt: skip
        states.append(np.array([nu_e, nu_i, 0.0, 0.0, 0.0, W]))
    return states


def calibrate_threshold(ds: xr.Dataset, variant: str | MeanFieldModel = "adaptation-W",
                        half: str = "even") -> Calibration:  # fmt: skip
    """Calibrate a variant's threshold on one half of a validity map (module docstring).

    Parameters
    ----------
    ds : xarray.Dataset
        A validity map with the network (:func:`adexmf.compare.validity_map.validity_map`).
    variant : str or MeanFieldModel
        A variant (:data:`adexmf.meanfield.variants.VARIANTS`), or a second-order model (a
        user's preset, ``adexmf build``); with the adaptation variable unless the map has
        one b.
    half : {"even", "odd"}
        The calibration half (:func:`checkerboard`); the other is held out.

    Raises
    ------
    ParameterError
        A map without the network, a model without adaptation on a map of several b, or
        fewer than :data:`MIN_POINTS` AI points in the half.
    """
    if isinstance(variant, MeanFieldModel):
        base, name = variant, variant.preset.name
    else:
        v = get_variant(variant)
        base, name = v.model(order=ORDER, n_total=int(ds.attrs["n_total"])), v.name
    points = _check_map(ds, base, name, half)
    drives, b_values = ds.drive.values, ds.b.values
    rates = ds.network_rate_mean.transpose("drive", "b", "population").values
    cells = (base.preset.network.excitatory_cell, base.preset.network.inhibitory_cell)
    starts = _network_states(base.preset, drives, b_values, rates, points)

    def residuals(x: np.ndarray, keep: Sequence[int]) -> np.ndarray:
        """ln(nu_mf / nu_net) of both rates at the calibration points ``keep``."""
        model = base.replace(preset=shifted_preset(base.preset, _split(1e-3 * x, cells), ""))
        out: list[float] = []
        for k in keep:
            (i, j), start = points[k], starts[k]
            at_b = model.replace(b=float(b_values[j])) if model.adaptation else model
            fp = refine_fixed_point(at_b, start, float(drives[i]))
            if fp is None or not fp.stable:
                out += [LOST_PENALTY, LOST_PENALTY]
                continue
            out += [np.log(fp.state["nu_e"] / rates[i, j, 0]),
                    np.log(fp.state["nu_i"] / rates[i, j, 1])]  # fmt: skip
        return np.asarray(out)

    def fit(keep: Sequence[int], ridge: float) -> np.ndarray:
        """The shifts (mV) minimising the squared log-ratios plus ridge^2 |shifts|^2."""
        solution = least_squares(lambda x: np.concatenate([residuals(x, keep), ridge * x]),
                                 np.zeros(2 * len(TERMS)), diff_step=1e-3, x_scale=0.1)  # fmt: skip
        return solution.x

    ridge = _choose_ridge(len(points), fit, residuals)
    x = fit(range(len(points)), ridge)
    shifts = _split(1e-3 * x, cells)
    rms = float(np.sqrt(np.mean(residuals(x, range(len(points))) ** 2)))
    where = [(float(drives[i]), float(b_values[j])) for i, j in points]
    note = (f"threshold calibrated on the network's stationary rates (adexmf compare calibrate,"
            f" {half} half of a {len(drives)} x {len(b_values)} validity map, {len(points)} "
            f"AI points, {name})")  # fmt: skip
    preset = shifted_preset(base.preset, shifts, note).replace(
        name=f"{base.preset.name}_calibrated",
        description=f"{base.preset.description}; the threshold of both transfer functions "
        f"calibrated on the network's stationary rates ({half} half of a validity map)",
    )
    return Calibration(
        preset=preset, shifts=shifts, half=half, points=tuple(where), rms_log_ratio=rms,
        ridge=ridge,
    )  # fmt: skip


def calibration_summary(ds: xr.Dataset, model: MeanFieldModel, cal: Calibration
                        ) -> dict[str, Any]:  # fmt: skip
    """JSON-friendly account of a calibration made on ``ds``: ``half``, ``points`` ((drive
    Hz, b A) pairs), ``shifts_V`` (per cell: P0, P1, P2), ``rms_log_ratio``, ``ridge``, and
    ``before`` / ``after``: :func:`~adexmf.compare.metrics.split_scores` of ``model`` with
    its own preset and with the calibrated one on both halves of the map."""
    rates = ds.network_rate_mean.transpose("drive", "b", "population").values
    ai = ds.ai.values.astype(bool)
    mask = checkerboard(ds.sizes["drive"], ds.sizes["b"], cal.half)
    summary: dict[str, Any] = {
        "half": cal.half, "points": [list(p) for p in cal.points],
        "shifts_V": {c: list(s) for c, s in cal.shifts.items()},
        "rms_log_ratio": cal.rms_log_ratio, "ridge": cal.ridge,
    }  # fmt: skip
    for label, m in (("before", model), ("after", model.replace(preset=cal.preset))):
        mf = branch_rates(m, ds.drive.values, ds.b.values)
        summary[label] = split_scores(relative_error_percent(mf, rates), ai, mask)
    return summary


def calibrate_file(validity_file: str | Path, variant: str = "adaptation-W",
                   half: str = "even") -> tuple[Calibration, dict[str, Any]]:  # fmt: skip
    """Calibrate on a stored validity map (``adexmf compare calibrate``) and score the
    variant before and after on both halves.

    Returns
    -------
    (Calibration, dict)
        The calibration, and ``variant`` with :func:`calibration_summary`.
    """
    ds = read_netcdf(validity_file, what="validity map",
                     hint="give OUT/validity.nc of `adexmf compare validity`")  # fmt: skip
    cal = calibrate_threshold(ds, variant, half)
    v = get_variant(variant)
    model = v.model(order=ORDER, n_total=int(ds.attrs["n_total"]))
    return cal, {"variant": v.name, **calibration_summary(ds, model, cal)}


__all__ = ["Calibration", "calibrate_file", "calibrate_threshold", "calibration_summary",
           "checkerboard", "shifted_preset"]  # fmt: skip
