"""Rate time series of any model (a brain's regions, a spiking network's population, a
mean field's course): input check, dominant frequency, UP and DOWN states, and the regime
(silent, asynchronous, slow oscillation of UP and DOWN states, oscillation, saturated).

Every series is time-first: shape (n_time, n_series) (a 1-D series is one series).

The regime criterion (:func:`classify_regime`), each threshold a module constant below:

- ``silent``: mean rate below :data:`SILENT_RATE`; ``saturated``: above
  :data:`SATURATED_RATE`;
- ``slow_oscillation``: the rate alternates between two levels, i.e. ALL of
  (1) coefficient of variation above :data:`CV_MIN`,
  (2) Sarle's bimodality coefficient of the rate's distribution above :data:`BIMODALITY_MIN`,
  (3) at least :data:`MIN_UP_STATES` UP states, each lasting :data:`MIN_UP_DURATION` or
  more (UP and DOWN told apart with hysteresis, see :func:`up_states`),
  (4) dominant frequency (:func:`dominant_frequency`) within :data:`SLOW_BAND`;
- ``oscillation``: (1)-(3) hold but the dominant frequency is outside the slow band;
- ``asynchronous``: anything else (a rate fluctuating about one level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from .errors import ParameterError, check_range

#: Mean rate (Hz) below which a region is silent: less than one spike per 10 s per neuron.
SILENT_RATE = 0.1
#: Mean rate (Hz) above which a region is saturated: above any cortical population's mean
#: rate (tens of Hz) and below the saturated state of TVB's Zerlaut model (~190 Hz, SPEC 11).
SATURATED_RATE = 100.0
#: Minimal coefficient of variation std/mean of a slow oscillation: an alternation between a
#: near-zero DOWN level and an UP level with duty cycle d has CV = sqrt((1 - d) / d), > 0.5
#: for d < 0.8; the population rate of an asynchronous state fluctuates far less.
CV_MIN = 0.5
#: Minimal Sarle's bimodality coefficient (skew^2 + 1) / kurtosis (sample-size corrected):
#: 5/9 is the value of a uniform distribution, above it the distribution is bimodal (Pfister
#: et al. 2013, Front Psychol 4:700); any two-level signal gives 1, a Gaussian 1/3.
BIMODALITY_MIN = 5.0 / 9.0
#: Percentiles (%) estimating the DOWN and UP levels: robust to transients and outliers, and
#: inside each level for duty cycles between 10 % and 90 %.
LEVEL_PERCENTILES = (10.0, 90.0)
#: Hysteresis of the UP/DOWN detection, as a fraction of the level difference: UP is entered
#: above the midpoint + 0.15 and left below the midpoint - 0.15 of it, so that noise of up to
#: ~5 % of the difference (3 sigma) makes no spurious transitions.
HYSTERESIS = 0.15
#: Shortest UP state counted (s): cortical UP states last a few hundred ms (Steriade et al.
#: 1993, J Neurosci 13:3252; Sanchez-Vives & McCormick 2000, Nat Neurosci 3:1027); a 50 ms
#: excursion is a burst, not a state.
MIN_UP_DURATION = 0.05
#: UP states needed to call an alternation: two, so that one transition is not an oscillation.
MIN_UP_STATES = 2
#: Band (Hz) of the slow oscillation: the slow (< 1 Hz) and delta (1-4 Hz) rhythms of sleep and
#: anaesthesia (Steriade et al. 1993).
SLOW_BAND = (0.1, 4.0)
#: Length of the Welch segments (s): 0.1 Hz resolution, enough for the slow band (a series
#: shorter than this is one segment).
SEGMENT_DURATION = 10.0
#: Relative level below which a series' standard deviation counts as zero (a flat series).
FLAT_RTOL = 1e-12


#: Every regime label, in display order.
REGIMES = ("asynchronous", "slow_oscillation", "oscillation", "silent", "saturated")


@dataclass(frozen=True)
class RegimeResult:
    """Regime of each series (a brain's regions, a population), arrays of shape (n_series,).

    Attributes
    ----------
    labels : numpy.ndarray of str
        ``"silent"``, ``"asynchronous"``, ``"slow_oscillation"``, ``"oscillation"`` or
        ``"saturated"``.
    mean_rate : numpy.ndarray
        Time-averaged rate (Hz).
    cv : numpy.ndarray
        Coefficient of variation std/mean (NaN for a silent region).
    bimodality : numpy.ndarray
        Sarle's bimodality coefficient (NaN for a flat series).
    dominant_frequency : numpy.ndarray
        Frequency of the largest Welch peak (Hz; NaN for a flat series).
    n_up : numpy.ndarray of int
        Number of UP states (see :func:`up_states`); meaningful where the label is an
        oscillation.
    up_rate : numpy.ndarray
        Mean rate during the UP states (Hz; NaN where there is none).
    duty_cycle : numpy.ndarray
        Fraction of the time spent in the UP states (NaN where there is none).
    threshold : numpy.ndarray
        UP/DOWN threshold: midpoint of the two levels (Hz).
    """

    labels: np.ndarray
    mean_rate: np.ndarray
    cv: np.ndarray
    bimodality: np.ndarray
    dominant_frequency: np.ndarray
    n_up: np.ndarray
    up_rate: np.ndarray
    duty_cycle: np.ndarray
    threshold: np.ndarray


# ------------------------------------------------------------------ input checks
def checked_series(x: Any, name: str, *, min_time: int = 1, two_d: bool = False) -> np.ndarray:
    """``x`` as a finite float array, time first: (n_time,) or (n_time, n_regions) (only
    the latter if ``two_d``), with at least ``min_time`` samples; else a ParameterError
    naming ``name``. The one input check of the brain's analyses and of BOLD."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} = {x!r:.60} is not an array of numbers",
                             parameters=(name,)) from None  # fmt: skip
    if a.ndim not in ((2,) if two_d else (1, 2)) or a.shape[0] < min_time or a.size == 0:
        shapes = "(n_time, n_regions)" if two_d else "(n_time,) or (n_time, n_regions)"
        raise ParameterError(f"{name} has shape {a.shape}; allowed: {shapes} with n_time >= "
                             f"{min_time}", parameters=(name,))  # fmt: skip
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ParameterError(f"{name} has {int(bad.sum())} non-finite values (first at index "
                             f"{first}); allowed: finite numbers", parameters=(name,))  # fmt: skip
    return a


def as_series(x: Any, name: str, *, min_time: int = 2, two_d: bool = False) -> np.ndarray:
    """:func:`checked_series` as (n_time, n_regions): a 1-D series is one region."""
    a = checked_series(x, name, min_time=min_time, two_d=two_d)
    return a.reshape(a.shape[0], -1)


def flat_columns(x: np.ndarray) -> np.ndarray:
    """Columns whose standard deviation is zero up to round-off (:data:`FLAT_RTOL`)."""
    return x.std(axis=0) <= FLAT_RTOL * np.maximum(np.abs(x).max(axis=0), np.finfo(float).tiny)



# ------------------------------------------------------------------ spectra
def dominant_frequency(x: Any, fs: float, *, segment: float = SEGMENT_DURATION) -> np.ndarray:
    """Per region, the frequency of the largest peak of the Welch power spectrum, DC
    excluded.

    Parameters
    ----------
    x : array_like
        Time series (n_time, n_regions) or (n_time,), any unit.
    fs : float
        Sampling rate (Hz), > 0.
    segment : float
        Length of the Welch segments (s; Hann window, 50 % overlap, mean removed); the
        frequency resolution is 1 / segment (or 1 / duration for a shorter series).

    Returns
    -------
    numpy.ndarray
        Frequencies (Hz), shape (n_regions,) (a 0-d array for a 1-D ``x``); NaN for a flat
        series.
    """
    a = as_series(x, "x", min_time=4)
    check_range("fs", fs, 0.0, None, unit="Hz", low_inclusive=False)
    check_range("segment", segment, 0.0, None, unit="s", low_inclusive=False)
    nperseg = int(min(a.shape[0], max(4, round(segment * fs))))
    freqs, psd = signal.welch(a, fs=fs, nperseg=nperseg, axis=0, detrend="constant")
    peak = freqs[1:][np.argmax(psd[1:], axis=0)]
    peak = np.where(flat_columns(a), np.nan, peak)
    return peak.reshape(np.shape(x)[1:]) if np.ndim(x) == 1 else peak


# ------------------------------------------------------------------ regimes
def bimodality_coefficient(x: np.ndarray) -> np.ndarray:
    """Sarle's bimodality coefficient of each column of ``x`` (n_time, n_regions), n >= 4:
    (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3))), g the sample skewness and k the excess
    kurtosis (bias-corrected). NaN for a flat column."""
    n = x.shape[0]
    d = x - x.mean(axis=0)
    m2 = (d**2).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = (d**3).mean(axis=0) / m2**1.5
        g2 = (d**4).mean(axis=0) / m2**2 - 3.0
        skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
        bc = (skew**2 + 1.0) / (kurt + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    return np.where(flat_columns(x), np.nan, bc)


def up_states(rate: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UP-state mask, UP-state count and UP/DOWN threshold of each region.

    The DOWN and UP levels are the :data:`LEVEL_PERCENTILES` of the rate, the threshold their
    midpoint; a region enters UP above the threshold plus :data:`HYSTERESIS` times the level
    difference and leaves it below the threshold minus as much (a Schmitt trigger). UP
    periods shorter than :data:`MIN_UP_DURATION` are dropped.

    Parameters
    ----------
    rate : numpy.ndarray
        Rates (Hz), (n_time, n_regions), finite.
    fs : float
        Sampling rate (Hz).

    Returns
    -------
    mask : numpy.ndarray of bool
        (n_time, n_regions), True during the UP states kept.
    n_up : numpy.ndarray of int
        (n_regions,) number of UP states kept.
    threshold : numpy.ndarray
        (n_regions,) midpoint between the levels (Hz).
    """
    low, high = np.percentile(rate, LEVEL_PERCENTILES, axis=0)
    threshold = (low + high) / 2.0
    band = HYSTERESIS * (high - low)
    raw = np.where(rate > threshold + band, 1.0, np.where(rate < threshold - band, 0.0, np.nan))
    raw[0] = np.where(np.isnan(raw[0]), rate[0] > threshold, raw[0])
    idx = np.where(np.isnan(raw), 0, np.arange(rate.shape[0])[:, None])
    state = np.take_along_axis(raw, np.maximum.accumulate(idx, axis=0), axis=0) > 0.5
    state &= (high - low > 0.0)[None, :]
    mask = np.zeros_like(state)
    n_up = np.zeros(rate.shape[1], dtype=int)
    min_len = MIN_UP_DURATION * fs
    for k in range(rate.shape[1]):
        edges = np.diff(np.concatenate(([0], state[:, k].astype(np.int8), [0])))
        for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1),
                               strict=True):  # fmt: skip
            if stop - start >= min_len:
                mask[start:stop, k] = True
                n_up[k] += 1
    return mask, n_up, threshold


def classify_regime(nu_e: Any, fs: float, *, segment: float = SEGMENT_DURATION) -> RegimeResult:
    """The regime of each region from its excitatory rate (criterion: module docstring).

    Parameters
    ----------
    nu_e : array_like
        Excitatory rates (Hz), (n_time, n_regions) or (n_time,), at least 4 samples; discard
        the initial transient first.
    fs : float
        Sampling rate (Hz), > 0.
    segment : float
        Welch segment length (s) of :func:`dominant_frequency`.

    Returns
    -------
    RegimeResult
        Labels and the quantities they were decided on, per region.
    """
    rate = as_series(nu_e, "nu_e", min_time=4)
    check_range("fs", fs, 0.0, None, unit="Hz", low_inclusive=False)
    mean = rate.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0.0, rate.std(axis=0) / mean, np.nan)
    bc = bimodality_coefficient(rate)
    freq = dominant_frequency(rate, fs, segment=segment)
    mask, n_up, threshold = up_states(rate, fs)
    with np.errstate(invalid="ignore"):
        up_rate = np.where(n_up > 0, (rate * mask).sum(axis=0) / mask.sum(axis=0), np.nan)
        duty = np.where(n_up > 0, mask.mean(axis=0), np.nan)
        alternating = (cv > CV_MIN) & (bc > BIMODALITY_MIN) & (n_up >= MIN_UP_STATES)
        slow = (freq >= SLOW_BAND[0]) & (freq <= SLOW_BAND[1])
    labels = np.where(alternating, np.where(slow, "slow_oscillation", "oscillation"),
                      "asynchronous").astype(object)  # fmt: skip
    labels[mean < SILENT_RATE] = "silent"
    labels[mean > SATURATED_RATE] = "saturated"
    return RegimeResult(labels=labels.astype(str), mean_rate=mean, cv=cv, bimodality=bc,
                        dominant_frequency=freq, n_up=n_up, up_rate=up_rate,
                        duty_cycle=duty, threshold=threshold)  # fmt: skip
