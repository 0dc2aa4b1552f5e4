"""Analysis of ring and sheet maps: early-response line, propagation speed, apparent motion.

Every function takes the Datasets or DataArrays of :mod:`adexmf.ring.ring` (dims
``time`` in s and ``x`` in m) and returns SI values; human units only in the keys of the
JSON-ready summaries (``..._mm``, ``..._mm_per_s``).

**Early-response line** (SPEC 8). For each position: subtract the baseline (the first
sample, the homogeneous state), find the time of the local maximum, keep the positions
whose maximum exceeds ``c_sig`` of the global maximum, and report the first time the
signal reaches ``c_amp`` of its local maximum, interpolated linearly between samples so
that the line converges as dt shrinks. Criteria: [text] c_amp = 1/4, c_sig = 1 % (default);
[code] 1/5 and 5 %. The code's constant +40 ms offset is not reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..errors import AdexmfError, ParameterError, check_range
from ..params import RingStimulus
from .settings import DEFAULT_VSD_INPUT
from .stimulus import centred_stimulus, check_stimuli

#: Early-response criteria (c_amp, c_sig): the paper's text (default) and the authors' code.
CRITERIA: dict[str, tuple[float, float]] = {"text": (0.25, 0.01), "code": (0.2, 0.05)}
#: Apparent-motion protocol (SPEC 7 row 11): distance (m) and delay (s) between stimuli.
MOTION_DISTANCE = 8.1e-3
MOTION_DELAY = 0.05


def check_criteria(criteria: str | tuple[float, float]) -> tuple[float, float]:
    """(c_amp, c_sig) of named early-response criteria (:data:`CRITERIA`) or of a pair,
    after checking them.

    Raises
    ------
    ParameterError
        For an unknown name (naming the allowed ones) or values outside (0, 1).
    """
    if isinstance(criteria, str):
        if criteria not in CRITERIA:
            raise ParameterError(
                f"criteria = {criteria!r}; allowed: {', '.join(CRITERIA)} or (c_amp, c_sig)",
                parameters=("criteria",),
            )
        return CRITERIA[criteria]
    c_amp, c_sig = (float(c) for c in criteria)
    check_range("c_amp", c_amp, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    check_range("c_sig", c_sig, 0.0, 1.0, high_inclusive=False)
    return c_amp, c_sig


def early_response_line(
    signal: xr.DataArray, criteria: str | tuple[float, float] = "text"
) -> xr.DataArray:
    """Time (s) at which each position's response first reaches c_amp of its maximum.

    Parameters
    ----------
    signal : xarray.DataArray
        A map with dims (time, x) (or (time, ...) for a sheet), e.g. ``ds.vsd`` or
        ``ds.nu``.
    criteria : {"text", "code"} or (c_amp, c_sig)
        ``"text"``: c_amp = 1/4, c_sig = 1 % (default); ``"code"``: 1/5 and 5 %.

    Returns
    -------
    xarray.DataArray
        Over the non-time dims: the early-response time (s), NaN where the response stays
        below c_sig of the global maximum.
    """
    c_amp, c_sig = check_criteria(criteria)
    if "time" not in signal.dims:
        raise ParameterError("signal needs a 'time' dimension")
    s = signal.transpose("time", ...)
    t = s["time"].values
    v = s.values - s.values[:1]  # baseline: the homogeneous state at the first sample
    peak = v.max(axis=0)
    glob = peak.max()
    if not glob > 0:
        raise AdexmfError("the signal never rises above its baseline: no early response")
    level = c_amp * peak
    above = v >= level[None]
    first = np.argmax(above, axis=0)  # first sample at or above the level
    prev = np.maximum(first - 1, 0)
    v0 = np.take_along_axis(v, prev[None], 0)[0]
    v1 = np.take_along_axis(v, first[None], 0)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(v1 > v0, (level - v0) / (v1 - v0), 0.0)
    time = np.where(first > 0, t[prev] + np.clip(f, 0, 1) * (t[first] - t[prev]), t[first])
    time = np.where(peak > c_sig * glob, time, np.nan)
    dims = s.dims[1:]
    coords = {d: s[d] for d in dims if d in s.coords}
    return xr.DataArray(
        time,
        dims=dims,
        coords=coords,
        name="early_response_time",
        attrs={"units": "s", "c_amp": c_amp, "c_sig": c_sig},
    )


def ring_distance(x: np.ndarray, x0: float, length: float) -> np.ndarray:
    """Distance (m) from x0 along a ring of ``length`` (m), the shortest way round."""
    d = np.abs(np.asarray(x) - x0) % length
    return np.minimum(d, length - d)


@dataclass(frozen=True)
class Propagation:
    """Propagation of the early response away from its origin.

    Attributes
    ----------
    speed : float
        Apparent speed (m/s): inverse slope of the early-response time vs distance.
    origin : float
        Position of the earliest response (m).
    onset : float
        Intercept of the fit at distance 0 (s).
    n_points : int
        Positions used in the fit.
    """

    speed: float
    origin: float
    onset: float
    n_points: int


def propagation_speed(
    line: xr.DataArray,
    length: float,
    *,
    origin: float | None = None,
    min_distance: float = 3e-3,
    max_distance: float | None = None,
) -> Propagation:
    """Speed (m/s) of the early-response line: least-squares slope of its time against
    the distance from the origin, over both sides of the ring.

    Parameters
    ----------
    line : xarray.DataArray
        Early-response times (s) over x (m), from :func:`early_response_line`.
    length : float
        Ring length (m).
    origin : float, optional
        Origin (m); default the position of the earliest response.
    min_distance, max_distance : float
        Distances (m) used in the fit: near the stimulus the afferent input itself sets the
        onset (no propagation), so positions closer than ``min_distance`` (default 3 mm, three
        stimulus widths) are left out; ``max_distance`` defaults to L/2.

    Raises
    ------
    AdexmfError
        If fewer than 3 positions remain or the line does not rise with distance.
    """
    x = line["x"].values
    t = line.values
    ok = np.isfinite(t)
    if origin is None:
        if not ok.any():
            raise AdexmfError("the early-response line is empty")
        origin = float(x[ok][np.argmin(t[ok])])
    d = ring_distance(x, origin, length)
    far = length / 2 if max_distance is None else max_distance
    use = ok & (d >= min_distance) & (d <= far)
    if use.sum() < 3:
        raise AdexmfError(
            f"only {int(use.sum())} positions of the early-response line lie between "
            f"{min_distance * 1e3:g} and {far * 1e3:g} mm from its origin; need >= 3"
        )
    slope, onset = np.polyfit(d[use], t[use], 1)
    if not slope > 0:
        raise AdexmfError("the early-response line does not rise with distance: no propagation")
    return Propagation(float(1.0 / slope), float(origin), float(onset), int(use.sum()))


def peak(signal: xr.DataArray) -> dict[str, float]:
    """Maximum of a (time, x) map with its time (s) and position (m)."""
    s = signal.transpose("time", "x")
    k = int(np.argmax(s.values))  # the first NaN if there is one: then skip the NaNs
    if np.isnan(s.values.flat[k]):
        k = int(np.nanargmax(s.values))  # (nanargmax copies the map to mask them)
    it, ix = np.unravel_index(k, s.shape)
    t = s["time"].values
    value, time = float(s.values[it, ix]), float(t[it])
    if 0 < it < t.size - 1:
        # parabola through the three samples around the maximum: a peak time that converges
        # with dt instead of jumping from sample to sample
        a, b, c = s.values[it - 1 : it + 2, ix]
        curv = a - 2 * b + c
        if curv < 0:
            shift = 0.5 * (a - c) / curv
            time += shift * (t[it + 1] - t[it])
            value = float(b - 0.25 * (a - c) * shift)
    return {"value": value, "time": time, "x": float(s["x"].values[ix])}


def spatial_extent(signal: xr.DataArray, fraction: float = 0.5) -> float:
    """Width (m) of the region whose maximum over time exceeds ``fraction`` of the global
    maximum (after subtracting the first sample): a measure of how local a map is."""
    s = signal.transpose("time", "x")
    v = s.values - s.values[:1]
    m = v.max(axis=0)
    dx = float(s["x"].values[1] - s["x"].values[0])
    return float((m >= fraction * m.max()).sum() * dx)


def summarize_run(
    ds: xr.Dataset,
    criteria: str | tuple[float, float] = "text",
    min_distance: float = 3e-3,
) -> dict[str, float | None]:
    """JSON-ready summary of a ring run: peak dV/V0 (fraction), its time (s) and place
    (mm), peak excitatory rate (Hz) and the propagation speed (mm/s) of the dV/V0 early
    response (None when it cannot be estimated).

    Raises
    ------
    ParameterError
        For unknown criteria (:func:`check_criteria`): a wrong name is the user's error, not
        a speed that cannot be estimated.
    """
    check_criteria(criteria)
    vsd = peak(ds.vsd)
    nu_e = peak(ds.nu_e)
    try:
        line = early_response_line(ds.vsd, criteria)
        speed: float | None = (
            propagation_speed(line, float(ds.attrs["length_m"]), min_distance=min_distance).speed
            * 1e3
        )
    except AdexmfError:
        speed = None
    return {
        "vsd_peak": vsd["value"],
        "t_vsd_peak_s": vsd["time"],
        "x_vsd_peak_mm": vsd["x"] * 1e3,
        "nu_e_peak_Hz": nu_e["value"],
        "t_nu_e_peak_s": nu_e["time"],
        "speed_mm_per_s": speed,
    }


# ----------------------------------------------------------------------- apparent motion
def motion_stimuli(
    reference: RingStimulus,
    centre: float,
    distance: float = MOTION_DISTANCE,
    delay: float = MOTION_DELAY,
) -> tuple[RingStimulus, RingStimulus]:
    """The two stimuli of the apparent-motion protocol (SPEC 7 row 11): copies of
    ``reference`` at ``centre`` -/+ distance/2 (m), the second ``delay`` (s) later."""
    first = reference.replace(x0=centre - distance / 2)
    second = reference.replace(x0=centre + distance / 2, t0=reference.t0 + delay)
    return first, second


def check_motion_geometry(length: float, distance: float = MOTION_DISTANCE) -> None:
    """Check that a ring of ``length`` (m) holds the two stimuli of the apparent-motion
    protocol ``distance`` (m) apart, the shortest way round (length > 2 distance).

    Raises
    ------
    ParameterError
        Naming the ring's length and the least length allowed (mm).
    """
    if not length > 2 * distance:
        raise ParameterError(
            f"length = {length * 1e3:g} mm is too short for apparent motion: its two stimuli "
            f"are {distance * 1e3:g} mm apart, which needs a ring longer than twice that; "
            f"allowed: length > {2 * distance * 1e3:g} mm",
            parameters=("length",),
        )


def check_motion_time(reference: RingStimulus, duration: float, delay: float = MOTION_DELAY):
    """Check that the second stimulus of the apparent-motion protocol, ``delay`` (s) after
    the first (peak time ``reference.t0``, s), peaks within a run of ``duration`` (s).

    Raises
    ------
    ParameterError
        Naming the first stimulus's peak time, the delay and the run's duration (ms).
    """
    if reference.t0 + delay > duration * (1 + 1e-12):
        raise ParameterError(
            f"the second stimulus of apparent motion peaks {delay * 1e3:g} ms after the first "
            f"(t0 = {reference.t0 * 1e3:g} ms), at {(reference.t0 + delay) * 1e3:g} ms, after "
            f"the end of the run (duration = {duration * 1e3:g} ms); allowed: "
            f"t0 <= {(duration - delay) * 1e3:g} ms (the duration less {delay * 1e3:g} ms)",
            parameters=("t0", "duration"),
        )


def apparent_motion(
    ring_model,
    duration: float = 0.6,
    reference: RingStimulus | None = None,
    *,
    vsd_input: str = DEFAULT_VSD_INPUT,
    **run_options,
) -> xr.Dataset:
    """Run the apparent-motion protocol: each stimulus alone, both, the linear prediction
    (sum of the single responses) and the suppression map (both minus the sum).

    Parameters
    ----------
    ring_model : RingModel
    duration : float
        Biological time (s).
    reference : RingStimulus, optional
        The stimulus to duplicate; default the centred reference stimulus [code].
    vsd_input : {"lateral", "total"}
        Inputs of dV/V0 (:meth:`RingModel.run`); default lateral only.
    **run_options
        Passed to :meth:`RingModel.run` (dt, method, ...).

    Returns
    -------
    xarray.Dataset
        Dims (time, x): ``vsd_first``, ``vsd_second``, ``vsd_both``, ``vsd_linear``,
        ``suppression`` (dV/V0) and the network rates ``nu_first``, ``nu_second``,
        ``nu_both``, ``nu_linear`` (Hz, baseline removed for the sum); attrs carry the
        summary of :func:`summarize_motion`.

    Raises
    ------
    ParameterError
        For a ring shorter than twice the stimuli's distance (:func:`check_motion_geometry`)
        or a second stimulus peaking after the end of the run, before any run.
    """
    ring = ring_model.ring
    ref = centred_stimulus(ring) if reference is None else reference
    check_motion_geometry(ring.length)
    check_motion_time(ref, duration)
    s1, s2 = motion_stimuli(ref, ring.length / 2)
    check_stimuli([s1, s2], ring.length, duration)
    run_options["vsd_input"] = vsd_input
    runs = {
        "first": ring_model.run(duration, [s1], **run_options),
        "second": ring_model.run(duration, [s2], **run_options),
        "both": ring_model.run(duration, [s1, s2], **run_options),
    }
    base = runs["first"]
    nu0 = float(base.nu.values[0, 0])
    out = xr.Dataset(coords=base.coords, attrs={k: v for k, v in base.attrs.items()})
    for name, ds in runs.items():
        out[f"vsd_{name}"] = ds.vsd
        out[f"nu_{name}"] = ds.nu
        out[f"nu_aff_{name}"] = ds.nu_aff
    out["vsd_linear"] = runs["first"].vsd + runs["second"].vsd
    out["nu_linear"] = runs["first"].nu + runs["second"].nu - nu0
    out["suppression"] = out["vsd_both"] - out["vsd_linear"]
    out["suppression"].attrs = {"units": "1", "long_name": "both minus linear prediction"}
    out.attrs.update(
        {
            "stimuli": f"{s1.x0 * 1e3:g} mm at {s1.t0 * 1e3:g} ms; "
            f"{s2.x0 * 1e3:g} mm at {s2.t0 * 1e3:g} ms",
            "motion_distance_m": MOTION_DISTANCE,
            "motion_delay_s": MOTION_DELAY,
        }
    )
    out.attrs.update({k: v for k, v in summarize_motion(out).items() if v is not None})
    return out


def summarize_motion(ds: xr.Dataset) -> dict[str, float]:
    """Peaks of the single and combined responses and the minimum of the suppression map
    (with its time in s and place in mm)."""
    single = max(peak(ds.vsd_first)["value"], peak(ds.vsd_second)["value"])
    both = peak(ds.vsd_both)["value"]
    low = peak(-ds.suppression)
    return {
        "vsd_peak_single": single,
        "vsd_peak_both": both,
        "vsd_peak_linear": peak(ds.vsd_linear)["value"],
        "suppression_min": -low["value"],
        "t_suppression_min_s": low["time"],
        "x_suppression_min_mm": low["x"] * 1e3,
        "suppression_ratio": -low["value"] / single,
    }


def compare_lines(a: xr.DataArray, b: xr.DataArray) -> float:
    """Largest relative difference between two early-response lines at their common
    positions (m, matched to 1 um), relative to the spread of times of the first."""
    xa = np.round(a["x"].values * 1e6).astype(np.int64)
    xb = np.round(b["x"].values * 1e6).astype(np.int64)
    common, ia, ib = np.intersect1d(xa, xb, return_indices=True)
    ta, tb = a.values[ia], b.values[ib]
    ok = np.isfinite(ta) & np.isfinite(tb)
    if not ok.any():
        return float("nan")
    return float(np.max(np.abs(ta[ok] - tb[ok])) / np.max(np.abs(ta[ok])))
