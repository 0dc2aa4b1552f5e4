"""The top layer of the mean-field package: it composes fixed points and integration.

:class:`MeanFieldModel` is the model users build (``.run``, ``.fixed_point``); time courses
start from the relevant fixed point at the initial inputs (ARCHITECTURE: the second order
started elsewhere can swing to negative rates); scans of fixed points along the drive are
built here from the layers below (:mod:`.fixedpoints`, :mod:`.integrate`), which never
import this module. The phase plane is its own module, :mod:`.phaseplane`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError, check_range
from ..layouts import N_STATE
from ..stimuli import Stimulus, Waveform
from ..store import provenance
from ..validity import count_nonfinite, flag_mean_field
from .fixedpoints import (
    FixedPoint,
    continued_fixed_points,
    find_fixed_points,
    fixed_point,
    relevant_and_all_fixed_points,
)
from .integrate import MAX_STORED, integrate, integrate_batch
from .model import STATE_UNITS, ColumnModel, check_inputs


@dataclass(frozen=True, eq=False)
class MeanFieldModel(ColumnModel):
    """A mean-field model of the excitatory-inhibitory network of a preset.

    Parameters as :class:`adexmf.meanfield.model.ColumnModel` (``preset``, ``order``,
    ``adaptation``, ``T``, ``a``, ``b``, ``tau_w``, ``drive_to``, ``afferent_to``).

    Examples
    --------
    >>> from adexmf.meanfield import MeanFieldModel
    >>> model = MeanFieldModel("zerlaut2018", order=2)
    >>> fp = model.fixed_point(drive=4.0)
    >>> round(fp.state["nu_e"], 4)
    2.3997
    """

    def fixed_points(self, drive: float = 0.0, afferent: float = 0.0, **kwargs):
        """All fixed points in a box; see :func:`adexmf.meanfield.fixedpoints.find_fixed_points`."""
        return find_fixed_points(self, drive, afferent, **kwargs)

    def fixed_point(self, drive: float = 0.0, afferent: float = 0.0, **kwargs) -> FixedPoint:
        """The relevant fixed point; see :func:`adexmf.meanfield.fixedpoints.fixed_point`."""
        return fixed_point(self, drive, afferent, **kwargs)

    def run(self, duration: float, **kwargs) -> xr.Dataset:
        """Integrate in time from the relevant fixed point; see :func:`run`."""
        return run(self, duration, **kwargs)


def from_fixed_point(model: ColumnModel):
    """A start for :func:`~adexmf.meanfield.integrate.integrate`: the relevant fixed point
    at the inputs at t = 0."""

    def start(drive0: float, afferent0: float) -> np.ndarray:
        return fixed_point(model, drive0, afferent0).vector

    return start


def run(
    model: ColumnModel,
    duration: float,
    *,
    initial=None,
    dt: float = 1e-4,
    drive: Waveform = 0.0,
    afferent: Waveform = 0.0,
    method: str = "heun",
    record_every: int = 1,
    observables: bool = True,
    attrs: dict[str, Any] | None = None,
) -> xr.Dataset:
    """Integrate a mean-field model, by default from its relevant fixed point.

    Parameters
    ----------
    model : ColumnModel
    duration : float
        Biological time (s).
    initial : None, "fixed_point", FixedPoint, dict or array of 6
        Start state (SI); default (or "fixed_point") the relevant fixed point at the inputs
        at t = 0.
    dt, drive, afferent, method, record_every, observables, attrs
        As in :func:`adexmf.meanfield.integrate.integrate`.

    Returns
    -------
    xarray.Dataset
        As :func:`adexmf.meanfield.integrate.integrate`.
    """
    check_run_size(duration, dt, record_every, model)  # before the fixed point and the grid
    start = from_fixed_point(model) if initial is None or initial == "fixed_point" else initial
    ds = integrate(
        model, duration, start, dt=dt, drive=drive, afferent=afferent, method=method,
        record_every=record_every, observables=observables, attrs=attrs,
    )  # fmt: skip
    return flag_time_course(model, ds)


#: Longest run (steps) accepted: beyond, the grid alone would not fit in memory.
MAX_STEPS = 100_000_000
#: Measured cost of one integration step (s) on the 2-core development machine, second order
#: with observables off (benchmarks/bench_meanfield.py: ~10 ms per 10^4 Heun steps); Euler
#: costs about half, the first order about a third.
STEP_COST = {"heun": 1.0e-6, "euler": 0.5e-6}


def check_run_size(
    duration: float, dt: float, record_every: int = 1, model: ColumnModel | None = None
) -> int:
    """Check the size of a run before anything is allocated or integrated; return its steps.

    Parameters
    ----------
    duration, dt : float
        Biological time and step (s).
    record_every : int
        Store every n-th step.
    model : ColumnModel, optional
        Bounds dt by T/2 (the Markov time constant).

    Raises
    ------
    ParameterError
        If dt or the duration is not positive and finite, dt exceeds T/2 or the duration, or
        the run has more than :data:`MAX_STEPS` steps or would store more than
        :data:`~adexmf.meanfield.integrate.MAX_STORED` values.
    """
    check_range("dt", dt, 0.0, None if model is None else model.T / 2, unit="s",
                low_inclusive=False)  # fmt: skip
    check_range("duration", duration, 0.0, 1e5, unit="s", low_inclusive=False)
    if dt > duration:
        raise ParameterError(
            f"dt = {dt:g} s is longer than the duration {duration:g} s; allowed: dt <= duration "
            "(lengthen duration or shorten dt)"
        )
    n = duration / dt
    if n > MAX_STEPS:
        raise ParameterError(
            f"duration / dt = {duration:g} s / {dt:g} s = {n:.3g} steps; allowed: at most "
            f"{MAX_STEPS:.0e} steps (dt >= {duration / MAX_STEPS:.3g} s for this duration)"
        )
    stored = N_STATE * (n / max(int(record_every), 1) + 1)
    if stored > MAX_STORED:
        raise ParameterError(
            f"this run would store {stored:.3g} values (limit {MAX_STORED:.0e}); increase "
            "record_every or shorten the run"
        )
    return int(round(n))


def estimate_run_seconds(model: ColumnModel, duration: float, dt: float, method: str) -> float:
    """Rough wall time (s) of integrating ``model`` for ``duration`` at ``dt`` (compiled
    kernels, not counting a first compilation)."""
    per_step = STEP_COST.get(method, STEP_COST["heun"]) * (1.0 if model.order == 2 else 0.4)
    return duration / dt * per_step


def flag_time_course(model: ColumnModel, ds: xr.Dataset, what: str = "time course") -> xr.Dataset:
    """Add the validity flags of a mean-field time course to its attrs (and warn).

    ``outside_fit_domain``: recorded samples (times, and batch members) at which a
    population's transfer-function inputs lie outside the domain of its fit;
    ``nonfinite_values``: non-finite numbers among the variables (:mod:`adexmf.validity`).
    """
    rate = ds["rate"]
    ds.attrs["outside_fit_domain"] = flag_mean_field(
        model, rate.sel(population="exc").values, rate.sel(population="inh").values,
        ds["drive"].values, ds["afferent"].values, what=f"mean-field {what}",
    )  # fmt: skip
    ds.attrs["nonfinite_values"] = count_nonfinite(ds, what=f"mean-field {what}")
    return ds


def fixed_points_at(
    model: ColumnModel, drive: float = 0.0, afferent: float = 0.0, **kwargs
) -> tuple[FixedPoint, list[FixedPoint], int]:
    """The relevant fixed point, every fixed point found, and how many of them lie where a
    transfer function is outside the domain of its fit (a warning is issued for those).

    Parameters
    ----------
    model : ColumnModel
    drive, afferent : float
        Constant inputs (Hz).
    **kwargs
        Passed to :func:`find_fixed_points`.
    """
    chosen, points = relevant_and_all_fixed_points(model, drive, afferent, **kwargs)
    n_out = flag_mean_field(
        model, [p.state["nu_e"] for p in points], [p.state["nu_i"] for p in points],
        drive, afferent, what=f"fixed points at drive {drive:g} Hz, afferent {afferent:g} Hz",
    )  # fmt: skip
    return chosen, points, n_out


def run_batch(
    models: ColumnModel | Sequence[ColumnModel],
    duration: float,
    *,
    initial=None,
    **kwargs,
) -> xr.Dataset:
    """Integrate a batch (see :func:`adexmf.meanfield.integrate.integrate_batch`), each
    member by default from its stable fixed point, continued along the batch."""
    start = continued_fixed_points if initial is None else initial
    ds = integrate_batch(models, duration, start, **kwargs)
    first = models if isinstance(models, ColumnModel) else list(models)[0]
    return flag_time_course(first, ds, "batch")


def fixed_points_vs_drive(
    model: ColumnModel, drives: Sequence[float] | np.ndarray | None = None, **kwargs
) -> xr.Dataset:
    """Fixed points and their stability as a function of the drive (default 0-20 Hz).

    Parameters
    ----------
    model : ColumnModel
    drives : array_like, optional
        Drive rates (Hz); default 0 to 20 Hz in 0.5 Hz steps.
    **kwargs
        Passed to :func:`find_fixed_points` (``box``, ``n_starts``...).

    Returns
    -------
    xarray.Dataset
        Dims ``drive`` and ``fixed_point`` (index, sorted by nu_e, padded with NaN): each
        active state variable, ``stable`` (1 stable, 0 unstable, NaN absent),
        ``max_real_eigenvalue`` (1/s) and ``n_fixed_points`` per drive.
    """
    drives = np.arange(0.0, 20.0 + 1e-9, 0.5) if drives is None else np.asarray(drives, float)
    if drives.ndim != 1 or drives.size == 0:
        raise ParameterError("drives must be a non-empty 1-D sequence of rates (Hz)")
    check_inputs(drives)
    found = [find_fixed_points(model, d, **kwargs) for d in drives]
    n = max(1, max(len(f) for f in found))
    names = model.state_names
    data = {k: np.full((drives.size, n), np.nan) for k in (*names, "stable", "max_real")}
    for a, points in enumerate(found):
        for b, p in enumerate(points):
            for k in names:
                data[k][a, b] = p.state[k]
            data["stable"][a, b] = 1.0 if p.stable else 0.0
            data["max_real"][a, b] = float(np.max(p.eigenvalues.real))
    dims = ("drive", "fixed_point")
    variables = {k: (dims, data[k], {"units": STATE_UNITS[k]}) for k in names}
    variables["stable"] = (
        dims,
        data["stable"],
        {"units": "1", "description": "1: stable, 0: unstable, NaN: no such fixed point"},
    )
    variables["max_real_eigenvalue"] = (dims, data["max_real"], {"units": "1/s"})
    variables["n_fixed_points"] = (
        ("drive",),
        np.array([len(f) for f in found], np.int64),
        {"units": "1"},
    )
    outside = flag_mean_field(
        model, data["nu_e"], data["nu_i"], drives[:, None], 0.0,
        what=f"{model.label} fixed points vs drive",
    )  # fmt: skip
    return xr.Dataset(
        variables,
        coords={
            "drive": ("drive", drives, {"units": "Hz", "long_name": "external drive"}),
            "fixed_point": ("fixed_point", np.arange(n), {"units": "1", "long_name": "index"}),
        },
        attrs={
            **provenance(), **model.describe(), "model": model.label,
            "outside_fit_domain": outside,
        },
    )  # fmt: skip


def drive_scan(
    preset,
    drives: Sequence[float] | np.ndarray | None = None,
    orders: Sequence[int] = (1, 2),
    adaptation: bool = False,
    **kwargs,
) -> xr.Dataset:
    """Fixed points vs drive for several orders of the same preset, in one Dataset.

    Parameters
    ----------
    preset : Preset or str
    drives : array_like, optional
        Drive rates (Hz); default 0 to 20 Hz in 0.5 Hz steps.
    orders : sequence of int
        Mean-field orders to scan (1 and/or 2).
    adaptation : bool
        Use the adaptation variant.
    **kwargs
        Passed to :func:`find_fixed_points`.

    Returns
    -------
    xarray.Dataset
        :func:`fixed_points_vs_drive` results stacked along a new ``order`` dim (the
        covariances are NaN at first order).
    """
    scans = [
        fixed_points_vs_drive(MeanFieldModel(preset, order=o, adaptation=adaptation), drives,
                              **kwargs)
        for o in orders
    ]  # fmt: skip
    order = xr.DataArray(np.asarray(orders, dtype=np.int64), dims="order", name="order")
    ds = xr.concat(scans, dim=order, join="outer", combine_attrs="drop_conflicts")
    ds.attrs["outside_fit_domain"] = sum(int(sc.attrs["outside_fit_domain"]) for sc in scans)
    ds.attrs["model"] = (
        "orders " + ", ".join(str(o) for o in orders) + (" + adaptation" if adaptation else "")
    )
    return ds


# ------------------------------------------------------------------------- summaries
def stimulus_response(
    model: ColumnModel,
    duration: float,
    stimuli: Sequence[Stimulus] = (),
    *,
    drive: float = 0.0,
    dt: float = 1e-4,
    method: str = "heun",
    record_every: int = 1,
) -> xr.Dataset:
    """Response from the relevant fixed point to the sum of afferent stimuli (SPEC 6).

    Parameters
    ----------
    model : ColumnModel
    duration : float
        Biological time (s).
    stimuli : sequence of Stimulus
        Afferent stimuli (Hz) onto the excitatory population, added together.
    drive : float
        Constant external drive (Hz).
    dt, method, record_every
        As in :func:`run`.

    Returns
    -------
    xarray.Dataset
        As :func:`run`, with the stimuli described in ``attrs["stimulus"]``.
    """
    stimuli = list(stimuli)

    def afferent(t: np.ndarray) -> np.ndarray:
        return sum((s(t) for s in stimuli), np.zeros_like(t))

    return run(
        model, duration, dt=dt, drive=drive, afferent=afferent, method=method,
        record_every=record_every,
        attrs={"stimulus": "; ".join(s.describe() for s in stimuli) or "none"},
    )  # fmt: skip


def time_course_summary(ds: xr.Dataset) -> dict[str, float]:
    """Start, peak, time of peak and minimum of the rates, and the peak VSD-like signal.

    Parameters
    ----------
    ds : xarray.Dataset
        A mean-field time course (:func:`run`).

    Returns
    -------
    dict
        ``nu_e_initial``, ``nu_i_initial``, ``nu_e_peak``, ``nu_i_peak``, ``nu_e_min`` (Hz),
        ``t_peak_e`` (s, time of the excitatory peak) and ``vsd_peak`` (dimensionless; NaN
        without observables).
    """
    exc = ds.rate.sel(population="exc")
    inh = ds.rate.sel(population="inh")
    return {
        "nu_e_initial": float(exc[0]),
        "nu_i_initial": float(inh[0]),
        "nu_e_peak": float(exc.max()),
        "nu_i_peak": float(inh.max()),
        "t_peak_e": float(exc.idxmax("time")),
        "nu_e_min": float(exc.min()),
        "vsd_peak": float(ds.vsd.max()) if "vsd" in ds else float("nan"),
    }


def drive_grid(max_drive: float, step: float, max_points: int = 2001) -> np.ndarray:
    """Drives 0, step, 2 step, ... up to ``max_drive`` (Hz) for a scan.

    Raises
    ------
    ParameterError
        If max_drive is not positive, the step not in (0, max_drive], or the grid larger
        than ``max_points``.
    """
    if not (np.isfinite(max_drive) and max_drive > 0.0):
        raise ParameterError(
            f"max_drive = {max_drive:g} Hz is not allowed; give a drive > 0 Hz (the scan "
            "starts at 0 Hz)"
        )
    if not (0.0 < step <= max_drive):
        raise ParameterError(f"step = {step:g} Hz must lie in (0, {max_drive:g}] Hz")
    n = np.floor(max_drive / step + 0.5) + 1  # counted before the grid is allocated
    if n > max_points:
        raise ParameterError(
            f"{n:.3g} drives requested (max_drive {max_drive:g} Hz / step {step:g} Hz); "
            f"allowed: at most {max_points} (increase step or lower max_drive)"
        )
    return np.arange(0.0, max_drive + 0.5 * step, step)


def scan_summary(ds: xr.Dataset) -> dict[str, float | int]:
    """Counts of a fixed-point scan (:func:`drive_scan`): drives, most fixed points per
    drive, unstable points, and the relevant (first) fixed point's nu_e at 4 Hz per order
    when 4 Hz was scanned."""
    summary: dict[str, float | int] = {
        "n_drives": int(ds.drive.size),
        "max_drive": float(ds.drive.max()),
        "max_fixed_points": int(ds.n_fixed_points.max()),
        "n_unstable": int((ds.stable == 0).sum()),
    }
    if 4.0 in ds.drive.values and "order" in ds.dims:
        for order in ds.order.values:
            summary[f"nu_e_4Hz_order{int(order)}"] = float(
                ds.nu_e.sel(drive=4.0, fixed_point=0, order=order)
            )
    return summary
