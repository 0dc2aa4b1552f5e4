"""Metrics comparing the mean field with the spiking network (SPEC 7 rows 4-7).

Pure functions of arrays in SI units, each checked on synthetic signals with known answers
(tests/test_compare_metrics.py): relative errors of stationary quantities, the transient's
peak and post-stimulus undershoot, and the amplitude and phase of the response to a
sinusoid (SPEC 7 row 6), and the scores of a map split into calibration and held-out halves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputRangeError


def relative_error_percent(predicted, reference):
    """``100 (predicted - reference) / reference`` (percent); NaN where the reference is 0."""
    predicted = np.asarray(predicted, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (predicted - reference) / reference
    return np.where(reference == 0.0, np.nan, out)


@dataclass(frozen=True)
class TransientMetrics:
    """Peak and post-stimulus undershoot of a response (SI units).

    Attributes
    ----------
    baseline : float
        Mean before the stimulus window (Hz).
    peak, t_peak : float
        Largest value in the window and its time (Hz, s).
    trough, t_trough : float
        Smallest value after the peak (Hz, s): the post-stimulus undershoot.
    undershoot : float
        ``baseline - trough`` (Hz), >= 0 when the response dips below its baseline.
    undershoot_control, t_undershoot_control : float
        Depth (Hz) and time (s) of the undershoot measured against a paired control run
        without the stimulus: the largest ``control - signal`` after the peak of
        ``signal - control``. It does not depend on the baseline having settled before the
        stimulus. NaN without a control.
    """

    baseline: float
    peak: float
    t_peak: float
    trough: float
    t_trough: float
    undershoot: float
    undershoot_control: float = float("nan")
    t_undershoot_control: float = float("nan")

    def to_dict(self) -> dict[str, float]:
        """Plain mapping (SI units)."""
        return dict(self.__dict__)


def transient_metrics(
    time: np.ndarray, signal: np.ndarray, baseline_window: tuple[float, float],
    window: tuple[float, float],
    control: np.ndarray | None = None,
) -> TransientMetrics:  # fmt: skip
    """Peak and undershoot of ``signal(time)`` (SPEC 7 row 5).

    Parameters
    ----------
    time : ndarray
        Times (s), increasing.
    signal : ndarray
        Values (Hz) at those times.
    baseline_window : (float, float)
        Interval (s) whose mean is the baseline (before the stimulus).
    window : (float, float)
        Interval (s) searched for the peak and, after it, the trough.
    control : ndarray, optional
        The same protocol without the stimulus (Hz, at the same times): gives
        ``undershoot_control``.

    Raises
    ------
    InputRangeError
        If a window holds no sample, or the control's shape differs from the signal's.
    """
    t = np.asarray(time, dtype=np.float64)
    x = np.asarray(signal, dtype=np.float64)
    base = (t >= baseline_window[0]) & (t <= baseline_window[1])
    inside = (t >= window[0]) & (t <= window[1])
    for name, mask, (a, b) in (("baseline_window", base, baseline_window),
                               ("window", inside, window)):  # fmt: skip
        if not mask.any():
            raise InputRangeError(f"{name} [{a:g}, {b:g}] s holds no sample of the signal")
    idx = np.flatnonzero(inside)
    k_peak = idx[np.argmax(x[idx])]
    after = idx[idx >= k_peak]
    k_trough = after[np.argmin(x[after])]
    baseline = float(x[base].mean())
    paired = {}
    if control is not None:
        evoked = x - _same_shape("control", control, x)
        k_evoked = idx[np.argmax(evoked[idx])]
        later = idx[idx >= k_evoked]
        k_dip = later[np.argmin(evoked[later])]
        paired = {"undershoot_control": -float(evoked[k_dip]),
                  "t_undershoot_control": float(t[k_dip])}  # fmt: skip
    return TransientMetrics(
        baseline=baseline,
        peak=float(x[k_peak]),
        t_peak=float(t[k_peak]),
        trough=float(x[k_trough]),
        t_trough=float(t[k_trough]),
        undershoot=baseline - float(x[k_trough]),
        **paired,
    )


def _same_shape(name: str, values, like: np.ndarray) -> np.ndarray:
    """``values`` as float64, checked to have the shape of ``like``."""
    out = np.asarray(values, dtype=np.float64)
    if out.shape != like.shape:
        raise InputRangeError(f"{name} has shape {out.shape}; allowed: {like.shape}, as the signal")
    return out


@dataclass(frozen=True)
class SinusoidFit:
    """Fit of ``nu(t) = B + A (1 - cos(2 pi f (t - t0) + phi)) / 2`` after t0 (SPEC 7 row 6).

    Attributes
    ----------
    baseline : float
        B (Hz).
    amplitude : float
        A (Hz), >= 0.
    phase : float
        phi (rad) in (-pi, pi]: negative when the response lags the input
        ``(1 - cos(2 pi f (t - t0))) / 2`` (a low-pass filter), positive when it leads.
    residual_rms : float
        RMS of the residuals (Hz).
    """

    baseline: float
    amplitude: float
    phase: float
    residual_rms: float


def fit_sinusoid_response(
    time: np.ndarray,
    signal: np.ndarray,
    frequency: float,
    t0: float,
    t_end: float | None = None,
    t_start: float | None = None,
) -> SinusoidFit:
    """Least-squares fit of the response to a sinusoidal input, in closed form.

    ``(1 - cos(w tau + phi)) / 2 = 1/2 - cos(phi) cos(w tau) / 2 + sin(phi) sin(w tau) / 2``
    with ``tau = t - t0``, so the model is linear in (1, cos w tau, sin w tau).

    Parameters
    ----------
    time, signal : ndarray
        Times (s) and values (Hz).
    frequency : float
        f (Hz), > 0.
    t0 : float
        Onset of the input (s), the origin of the phase; samples from t0 on are fitted
        (until ``t_end``), unless ``t_start`` is given.
    t_end : float, optional
        End of the fitted interval (s).
    t_start : float, optional
        Start of the fitted interval (s), default t0: a later start leaves out the response
        to the onset.

    Raises
    ------
    InputRangeError
        If the frequency is not positive or fewer than 4 samples lie in the interval.
    """
    if not (np.isfinite(frequency) and frequency > 0.0):
        raise InputRangeError(f"frequency = {frequency!r} Hz must be > 0")
    t = np.asarray(time, dtype=np.float64)
    x = np.asarray(signal, dtype=np.float64)
    start = t0 if t_start is None else t_start
    mask = (t >= start) & (t <= (np.inf if t_end is None else t_end))
    if mask.sum() < 4:
        raise InputRangeError(
            f"only {int(mask.sum())} samples from {start:g} s on; the fit needs at least 4"
        )
    w_tau = 2.0 * np.pi * frequency * (t[mask] - t0)
    design = np.stack([np.ones_like(w_tau), np.cos(w_tau), np.sin(w_tau)], axis=1)
    coef, *_ = np.linalg.lstsq(design, x[mask], rcond=None)
    c0, c1, c2 = coef
    half_amplitude = np.hypot(c1, c2)
    phase = float(np.arctan2(c2, -c1)) if half_amplitude > 0 else 0.0
    residual = x[mask] - design @ coef
    return SinusoidFit(
        baseline=float(c0 - half_amplitude),
        amplitude=float(2.0 * half_amplitude),
        phase=phase,
        residual_rms=float(np.sqrt(np.mean(residual**2))),
    )


def wrapped_phase_difference(phase, reference):
    """``phase - reference`` wrapped into (-pi, pi] (rad)."""
    d = np.asarray(phase, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    return np.pi - np.mod(np.pi - d, 2.0 * np.pi)


def band_mean_abs_error(
    frequency: np.ndarray, error: np.ndarray, bands=((1.0, 10.0), (10.0, 50.0), (50.0, 300.0))
) -> dict[str, float]:
    """Mean |error| per frequency band (keys ``"1-10Hz"``...); NaN for an empty band.

    Bands are closed on the left and open on the right, except the last, closed on both.
    """
    f = np.asarray(frequency, dtype=np.float64)
    e = np.abs(np.asarray(error, dtype=np.float64))
    out = {}
    for k, (lo, hi) in enumerate(bands):
        inside = (f >= lo) & ((f <= hi) if k == len(bands) - 1 else (f < hi))
        out[f"{lo:g}-{hi:g}Hz"] = float(e[inside].mean()) if inside.any() else float("nan")
    return out


def circular_mean(phase, axis=None):
    """Mean direction of angles (rad), in (-pi, pi]: ``angle(mean(exp(i phase)))``."""
    return np.angle(np.mean(np.exp(1j * np.asarray(phase, dtype=np.float64)), axis=axis))


def cycle_average(
    time: np.ndarray,
    signal: np.ndarray,
    frequency: float,
    t0: float,
    n_bins: int = 24,
    t_start: float | None = None,
) -> np.ndarray:
    """Mean of ``signal`` per phase bin of the input cycle, from ``t_start`` (default t0) on.

    Bin k holds the samples with ``frac(f (t - t0))`` in [k/n, (k+1)/n); bins are NaN where
    no sample falls (a period shorter than ``n_bins`` samples).
    """
    t = np.asarray(time, dtype=np.float64)
    x = np.asarray(signal, dtype=np.float64)
    after = t >= (t0 if t_start is None else t_start)
    phase = np.mod(frequency * (t[after] - t0), 1.0)
    k = np.minimum((phase * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(k, minlength=n_bins).astype(float)
    sums = np.bincount(k, weights=x[after], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


@dataclass(frozen=True)
class Resonance:
    """Peak of an amplitude response: frequency (Hz), amplitude (Hz) and gain over the
    amplitude at the lowest frequency (1: no resonance, a low-pass filter)."""

    frequency: float
    amplitude: float
    gain: float


def resonance(frequency: np.ndarray, amplitude: np.ndarray) -> Resonance:
    """Peak of an amplitude response sampled at increasing frequencies.

    The peak is refined by a parabola through the largest sample and its neighbours in
    log-frequency (the protocol's frequencies are log-spaced); at an end of the range the
    end sample is returned.

    Raises
    ------
    InputRangeError
        For fewer than 3 frequencies, unsorted frequencies or non-finite amplitudes.
    """
    f = np.asarray(frequency, dtype=np.float64)
    a = np.asarray(amplitude, dtype=np.float64)
    if f.size < 3 or f.shape != a.shape or np.any(np.diff(f) <= 0) or np.any(f <= 0):
        raise InputRangeError("resonance needs >= 3 increasing positive frequencies, one "
                              "amplitude each")  # fmt: skip
    if not np.all(np.isfinite(a)):
        raise InputRangeError("resonance: amplitudes must be finite")
    k = int(np.argmax(a))
    if k in (0, f.size - 1):
        return Resonance(float(f[k]), float(a[k]), float(a[k] / a[0]))
    x = np.log(f[k - 1 : k + 2])
    c2, c1, c0 = np.polyfit(x, a[k - 1 : k + 2], 2)
    x_peak = float(np.clip(-c1 / (2.0 * c2), x[0], x[2])) if c2 < 0 else float(x[1])
    a_peak = float(np.polyval([c2, c1, c0], x_peak))
    return Resonance(float(np.exp(x_peak)), a_peak, a_peak / float(a[0]))


def split_scores(error_percent: np.ndarray, ai: np.ndarray, calibration: np.ndarray
                 ) -> dict[str, dict[str, Any]]:  # fmt: skip
    """The errors of a variant on each half of a split map.

    Parameters
    ----------
    error_percent : ndarray, shape (drive, b, 2)
        Errors of nu_e and nu_i (%) against the network.
    ai : ndarray of bool, shape (drive, b)
        The network's AI points.
    calibration : ndarray of bool, shape (drive, b)
        The calibration half.

    Returns
    -------
    dict
        ``calibration`` and ``held_out``: ``n_ai`` (points), ``n_lost`` (points where the
        branch is lost, NaN errors), ``within_10_percent_fraction`` and
        ``within_15_percent_fraction`` (both rates; a lost point is outside),
        ``max_abs_error_percent`` (over the points found).
    """
    worst = np.max(np.abs(error_percent), axis=-1)  # NaN where the branch is lost
    out = {}
    for key, mask in (("calibration", calibration & ai), ("held_out", ~calibration & ai)):
        values = worst[mask]
        found = values[np.isfinite(values)]
        out[key] = {
            "n_ai": int(mask.sum()),
            "n_lost": int(values.size - found.size),
            # a lost point counts as outside every bound
            "within_10_percent_fraction": float(np.sum(found <= 10.0) / values.size)
            if values.size else None,
            "within_15_percent_fraction": float(np.sum(found <= 15.0) / values.size)
            if values.size else None,
            "max_abs_error_percent": float(found.max()) if found.size else None,
        }  # fmt: skip
    return out


def within_10_percent(error_e: np.ndarray, error_i: np.ndarray, ai: np.ndarray) -> float:
    """Share of the AI points (``ai``: bool grid) where both errors (%) are within 10 %."""
    within = (np.abs(error_e) <= 10.0) & (np.abs(error_i) <= 10.0)
    return float(within[ai].mean())


def largest_ai_error(error_e: np.ndarray, error_i: np.ndarray, ai: np.ndarray) -> float:
    """Largest |error| (%) of either population over the AI points."""
    return float(np.nanmax(np.maximum(np.abs(error_e), np.abs(error_i))[ai]))
