"""Stimuli: afferent rates as pure functions of time (and space), SI units (SPEC 6).

Every function takes times in seconds (scalar or array) and returns rates in Hz with the
same shape; parameters are SI (Hz, s, m). :func:`parse_stimulus` reads the compact text
form used on the command line, e.g. ``"double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms"``,
and :class:`Stimulus` keeps the kind and parameters together with a readable description.

:func:`sample_waveform` is the one place where an input rate given as a constant, an array or
a function of time (:data:`Waveform`) is turned into checked values on a simulation grid; the
spiking network and the mean field both call it, each with its own grid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .errors import InputRangeError, ParameterError, check_range
from .theory.fluctuations import MAX_RATE
from .units import format_quantity, parse_quantity

ArrayLike = float | np.ndarray

#: An input rate (Hz per synapse) over time: a constant, an array of one value per time of
#: the caller's grid, or a callable of the time array (s) returning a scalar or an array of
#: the same shape (a :class:`Stimulus`, ``functools.partial(double_gaussian, ...)``...).
Waveform = float | np.ndarray | Callable[[np.ndarray], float | np.ndarray]


def sample_waveform(waveform: Waveform, times: np.ndarray, name: str) -> np.ndarray:
    """Sample an input rate on a simulation grid and check it.

    Parameters
    ----------
    waveform : float, ndarray or callable
        Rate (Hz): a constant, an array of ``len(times)`` values (one per grid time), or a
        function of the time array (s) returning a scalar or an array shaped like ``times``.
    times : ndarray
        The caller's grid (s), e.g. the network's n times ``k dt`` (k = 0 .. n - 1) or the
        mean field's n + 1 times (k = 0 .. n).
    name : str
        Name of the input, used in error messages (``"drive"``, ``"afferent"``...).

    Returns
    -------
    ndarray
        Rates (Hz): a new C-contiguous, writable float64 array shaped like ``times``, finite
        and in [0, :data:`~adexmf.theory.fluctuations.MAX_RATE`] Hz.

    Raises
    ------
    InputRangeError
        If the values are not one per grid time, or a rate is negative, not finite or above
        ``MAX_RATE``; the message names the input, the value and its time.
    """
    t = np.asarray(times, dtype=np.float64)
    raw = waveform(t) if callable(waveform) else waveform
    values = np.asarray(raw, dtype=np.float64)
    if values.ndim == 0:
        values = np.full(t.shape, float(values))
    if values.shape != t.shape:
        found = f"{values.size} time samples" if values.ndim == 1 else f"shape {values.shape}"
        raise InputRangeError(
            f"{name} has {found}; the grid has {t.size} times (give one value per time of the "
            f"simulation grid of {t.size} steps, a constant, or a callable of t in s)"
        )
    good = np.isfinite(values) & (values >= 0.0) & (values <= MAX_RATE)
    if not good.all():
        k = np.unravel_index(int(np.argmin(good)), good.shape)
        raise InputRangeError(
            f"{name} = {values[k]:g} Hz is not admissible (at t = {t[k]:g} s); allowed: "
            f"finite rates >= 0 Hz and <= {MAX_RATE:g} Hz"
        )
    return np.array(values, dtype=np.float64, order="C", copy=True)


def _check_amplitude(amplitude: float) -> float:
    return check_range("amplitude", amplitude, 0.0, 1e4, unit="Hz")


def double_gaussian(t: ArrayLike, amplitude: float, t0: float, tau1: float, tau2: float):
    """Double Gaussian: rise with width tau1 before t0, decay with width tau2 after (SPEC 6).

    ``A exp(-(t - t0)^2 / (2 tau1^2))`` for t < t0, ``A exp(-(t - t0)^2 / (2 tau2^2))`` after.

    Parameters
    ----------
    t : float or ndarray
        Time (s).
    amplitude : float
        Peak rate A (Hz), >= 0.
    t0 : float
        Time of the peak (s).
    tau1, tau2 : float
        Rise and decay widths (s), > 0.

    Returns
    -------
    float or ndarray
        Rate (Hz).
    """
    _check_amplitude(amplitude)
    check_range("t0", t0, -1e4, 1e4, unit="s")
    check_range("tau1", tau1, 0.0, 100.0, unit="s", low_inclusive=False)
    check_range("tau2", tau2, 0.0, 100.0, unit="s", low_inclusive=False)
    t = np.asarray(t, dtype=np.float64)
    width = np.where(t < t0, tau1, tau2)
    return amplitude * np.exp(-0.5 * ((t - t0) / width) ** 2)


def sinusoid(t: ArrayLike, amplitude: float, frequency: float, t0: float = 0.0):
    """Raised cosine starting at t0: ``A (1 - cos(2 pi f (t - t0))) / 2`` for t >= t0, else 0.

    Parameters
    ----------
    t : float or ndarray
        Time (s).
    amplitude : float
        Peak-to-peak rate A (Hz), >= 0.
    frequency : float
        Frequency f (Hz), > 0.
    t0 : float
        Onset (s).
    """
    _check_amplitude(amplitude)
    check_range("frequency", frequency, 0.0, 1e5, unit="Hz", low_inclusive=False)
    check_range("t0", t0, -1e4, 1e4, unit="s")
    t = np.asarray(t, dtype=np.float64)
    phase = 2.0 * np.pi * frequency * (t - t0)
    return np.where(t >= t0, 0.5 * amplitude * (1.0 - np.cos(phase)), 0.0)


def step(t: ArrayLike, amplitude: float, t_on: float, t_off: float = np.inf):
    """Rectangular pulse: A for t_on <= t < t_off, else 0.

    Parameters
    ----------
    t : float or ndarray
        Time (s).
    amplitude : float
        Rate during the pulse (Hz), >= 0.
    t_on, t_off : float
        Onset and offset (s); ``t_off = inf`` for a step that never ends.
    """
    _check_amplitude(amplitude)
    check_range("t_on", t_on, -1e4, 1e4, unit="s")
    if not t_off > t_on:
        raise ParameterError(f"t_off = {t_off:g} s must be later than t_on = {t_on:g} s")
    t = np.asarray(t, dtype=np.float64)
    return np.where((t >= t_on) & (t < t_off), float(amplitude), 0.0)


def ramp(t: ArrayLike, amplitude: float, duration: float):
    """Linear rise from 0 to A over ``duration`` (s), then constant (the drive ramp of SPEC 2.3).

    Parameters
    ----------
    t : float or ndarray
        Time (s).
    amplitude : float
        Final rate (Hz), >= 0.
    duration : float
        Rise time (s), >= 0 (0: a step at t = 0).
    """
    _check_amplitude(amplitude)
    check_range("duration", duration, 0.0, 1e4, unit="s")
    t = np.asarray(t, dtype=np.float64)
    if duration == 0.0:
        return np.where(t >= 0.0, float(amplitude), 0.0)
    return amplitude * np.clip(t / duration, 0.0, 1.0)


def gaussian_profile(
    x: ArrayLike,
    x0: float,
    l_stim: float,
    *,
    cell: float | None = None,
    ring_length: float | None = None,
) -> np.ndarray:
    """Spatial factor of the ring stimulus, ``exp(-(x - x0)^2 / (2 l_stim^2))`` (SPEC 6).

    Parameters
    ----------
    x : float or ndarray
        Positions (m).
    x0, l_stim : float
        Centre (m) and width (m, > 0).
    cell : float, optional
        Width (m) of the grid cell each position stands for: the profile is then averaged
        over ``[x - cell/2, x + cell/2]`` (exactly, with erf). This is the finite-volume
        discretisation of the continuous stimulus: the total afferent input is right even
        for a stimulus narrower than the grid, so results converge as the grid is refined
        from any width (point values give a sub-grid stimulus the full amplitude on one unit).
    ring_length : float, optional
        Length of a periodic ring (m): distances are taken the shortest way round.
    """
    check_range("l_stim", l_stim, 0.0, 10.0, unit="m", low_inclusive=False)
    x = np.asarray(x, dtype=np.float64)
    dx = x - x0
    if ring_length is not None:
        check_range("ring_length", ring_length, 0.0, 100.0, unit="m", low_inclusive=False)
        dx = (dx + 0.5 * ring_length) % ring_length - 0.5 * ring_length
    if cell is None:
        return np.exp(-0.5 * (dx / l_stim) ** 2)
    from scipy.special import erf

    check_range("cell", cell, 0.0, 10.0, unit="m", low_inclusive=False)
    scale = np.sqrt(2.0) * l_stim
    upper = erf((dx + 0.5 * cell) / scale)
    lower = erf((dx - 0.5 * cell) / scale)
    return (upper - lower) * (np.sqrt(np.pi / 2.0) * l_stim / cell)


def gaussian_space_time(
    t: ArrayLike,
    x: ArrayLike,
    amplitude: float,
    x0: float,
    l_stim: float,
    t0: float,
    tau1: float,
    tau2: float,
    ring_length: float | None = None,
    cell: float | None = None,
):
    """Spatial stimulus of the ring: ``A exp(-(x - x0)^2 / (2 l_stim^2))`` times the double
    Gaussian in time (SPEC 6).

    Parameters
    ----------
    t, x : float or ndarray
        Time (s) and position (m), broadcast together.
    amplitude : float
        Peak rate (Hz).
    x0, l_stim : float
        Centre (m) and width (m, > 0).
    t0, tau1, tau2 : float
        Temporal profile (s), as in :func:`double_gaussian`.
    ring_length : float, optional
        Length of a periodic ring (m): distances are taken the shortest way round.
    cell : float, optional
        Grid cell width (m): average the profile over each cell (:func:`gaussian_profile`).
    """
    profile = gaussian_profile(x, x0, l_stim, cell=cell, ring_length=ring_length)
    return profile * double_gaussian(t, amplitude, t0, tau1, tau2)


# ------------------------------------------------------------------------- descriptions
#: Kinds of temporal stimuli: function, parameters with their SI unit (and default).
KINDS: dict[str, tuple[Callable, dict[str, tuple[str, float | None]]]] = {
    "double-gaussian": (
        double_gaussian,
        {"amplitude": ("Hz", None), "t0": ("s", None), "tau1": ("s", None), "tau2": ("s", None)},
    ),
    "sinusoid": (
        sinusoid,
        {"amplitude": ("Hz", None), "frequency": ("Hz", None), "t0": ("s", 0.0)},
    ),
    "step": (step, {"amplitude": ("Hz", None), "t_on": ("s", None), "t_off": ("s", np.inf)}),
    "ramp": (ramp, {"amplitude": ("Hz", None), "duration": ("s", None)}),
}
#: Short parameter names accepted on the command line.
ALIASES = {"A": "amplitude", "f": "frequency", "t1": "tau1", "t2": "tau2"}


@dataclass(frozen=True)
class Stimulus:
    """A temporal stimulus: kind and SI parameters; call it with times (s) to get rates (Hz).

    Attributes
    ----------
    kind : {"double-gaussian", "sinusoid", "step", "ramp"}
    params : dict of str to float
        SI parameters of the function of that kind.
    """

    kind: str
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ParameterError(
                f"unknown stimulus kind {self.kind!r}; allowed: {', '.join(KINDS)}"
            )
        func, spec = KINDS[self.kind]
        unknown = sorted(set(self.params) - set(spec))
        if unknown:
            raise ParameterError(
                f"stimulus {self.kind!r}: unknown parameter(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(spec)}"
            )
        full = {}
        for name, (_, default) in spec.items():
            if name in self.params:
                full[name] = float(self.params[name])
            elif default is None:
                raise ParameterError(
                    f"stimulus {self.kind!r}: missing parameter {name!r}; needs {', '.join(spec)}"
                )
            else:
                full[name] = float(default)
        object.__setattr__(self, "params", full)
        func(0.0, **full)  # validates the ranges

    def __call__(self, t: ArrayLike):
        """Rate (Hz) at times ``t`` (s)."""
        return KINDS[self.kind][0](t, **self.params)

    def describe(self) -> str:
        """Human-readable description, e.g. ``"double-gaussian: amplitude=2 Hz, t0=800 ms..."``."""
        spec = KINDS[self.kind][1]
        parts = []
        for name, value in self.params.items():
            unit = spec[name][0]
            text = "inf" if np.isinf(value) else format_quantity(value, unit)
            parts.append(f"{name}={text}")
        return f"{self.kind}: " + ", ".join(parts)


def parse_stimulus(text: str) -> Stimulus:
    """Read a stimulus written as ``KIND:NAME=VALUE,...`` with units.

    Examples: ``"double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms"``,
    ``"sinusoid:A=4.5Hz,f=10Hz,t0=500ms"``, ``"step:A=5Hz,t_on=200ms,t_off=400ms"``.
    Bare numbers are read in Hz for rates and in ms for times.

    Raises
    ------
    ParameterError
        For an unknown kind or parameter, a parameter given twice (also through an alias),
        a missing parameter, a wrong unit or a value out of range.
    """
    kind, sep, rest = str(text).partition(":")
    kind = kind.strip().lower().replace("_", "-")
    if kind not in KINDS:
        raise ParameterError(
            f"unknown stimulus kind {kind!r} in {text!r}; allowed: {', '.join(KINDS)} "
            "(write e.g. 'double-gaussian:A=2Hz,t0=800ms,tau1=60ms,tau2=100ms')"
        )
    spec = KINDS[kind][1]
    params: dict[str, float] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        name, eq, value = item.partition("=")
        name = ALIASES.get(name.strip(), name.strip())
        if not eq or name not in spec:
            raise ParameterError(
                f"stimulus {kind!r}: cannot read {item!r}; give NAME=VALUE with NAME in "
                f"{', '.join(spec)}"
            )
        if name in params:
            raise ParameterError(
                f"stimulus {kind!r}: parameter {name!r} is given twice in {text!r}; give each "
                "parameter once"
            )
        unit = spec[name][0]
        value = value.strip()
        if unit == "s" and _is_number(value):
            params[name] = float(value) * 1e-3
        else:
            params[name] = parse_quantity(value, unit, name=f"stimulus {kind} {name}")
    return Stimulus(kind, params)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
