"""Spatial stimuli of the ring and the sheet (SPEC 6, 8): the centred reference stimulus,
the checks of a stimulus list, the separable tables the kernels read (profiles in Hz on the
columns, time courses in [0, 1]) and their description in a result's attrs. SI units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError, check_range
from ..params import REFERENCE_STIMULI, Ring, RingStimulus
from ..stimuli import double_gaussian, gaussian_space_time


def centred_stimulus(ring: Ring, setting: str = "code", **changes: float) -> RingStimulus:
    """The reference stimulus of SPEC 8 (``"code"``: 15 Hz, 1.0 mm; ``"text"``: 10 Hz,
    1.5 mm) centred on the ring (x0 = L/2), with optional changes (SI values)."""
    if setting not in REFERENCE_STIMULI:
        raise ParameterError(
            f"stimulus setting {setting!r}; allowed: {', '.join(REFERENCE_STIMULI)}"
        )
    base = REFERENCE_STIMULI[setting].replace(x0=ring.length / 2, y0=ring.length / 2)
    return base.replace(**changes) if changes else base


def check_stimuli(
    stimuli: Sequence[RingStimulus], length: float, duration: float | None = None
) -> list[RingStimulus]:
    """Check that every stimulus is a :class:`RingStimulus` centred on the ring [0, L) and,
    given the run's ``duration`` (s), that it peaks within the run.

    Raises
    ------
    ParameterError
        For another type, a centre outside the ring, or a peak time t0 after the end of the
        run (a stimulus the run would never show: no response, no propagation).
    """
    out = []
    for k, s in enumerate(stimuli):
        if not isinstance(s, RingStimulus):
            raise ParameterError(f"stimuli[{k}] is a {type(s).__name__}; give RingStimulus objects")
        check_range(
            f"stimuli[{k}].x0", s.x0, 0.0, length, unit="m", high_inclusive=False
        )  # fmt: skip
        if duration is not None:
            check_stimulus_time(s, duration, k)
        out.append(s)
    return out


def check_stimulus_time(stimulus: RingStimulus, duration: float, index: int = 0) -> None:
    """Refuse a stimulus whose peak time t0 (s) lies after the end of a run of ``duration``
    (s): the run would end before it, or during its rise, and show no response to it.

    Raises
    ------
    ParameterError
        Naming the stimulus's peak time and the run's duration (ms).
    """
    if stimulus.t0 > duration * (1 + 1e-12):
        raise ParameterError(
            f"stimuli[{index}] peaks at t0 = {stimulus.t0 * 1e3:g} ms, after the end of the run "
            f"(duration = {duration * 1e3:g} ms): the run would show no response to it; "
            "allowed: t0 <= duration (an earlier t0 or a longer duration)",
            parameters=("t0", "duration"),
        )


def stimulus_tables(
    stimuli: Sequence[RingStimulus], x: np.ndarray, t: np.ndarray, length: float
) -> tuple[np.ndarray, np.ndarray]:
    """Separable afferent input: profiles (S, N) in Hz on the ring and time courses
    (S, n_times) in [0, 1], from :func:`adexmf.stimuli.gaussian_space_time` (averaged over
    each unit's cell of width L/N) and :func:`adexmf.stimuli.double_gaussian`. ``x`` must
    be the N columns of the ring."""
    S = max(len(stimuli), 1)
    profiles = np.zeros((S, x.size))
    courses = np.zeros((S, t.size))
    for k, s in enumerate(stimuli):
        # the space-time stimulus at its peak time t0 is A x the spatial profile
        profiles[k] = gaussian_space_time(
            s.t0, x, s.amplitude, s.x0, s.l_stim, s.t0, s.tau1, s.tau2,
            ring_length=length, cell=length / x.size,
        )  # fmt: skip
        courses[k] = double_gaussian(t, 1.0, s.t0, s.tau1, s.tau2)
    return profiles, courses


def double_gaussian_courses(stimuli: Sequence[RingStimulus], times: np.ndarray) -> np.ndarray:
    """Time courses (S, n_times) in [0, 1] of the stimuli at ``times`` (s)."""
    out = np.zeros((max(len(stimuli), 1), np.size(times)))
    for k, s in enumerate(stimuli):
        out[k] = double_gaussian(times, 1.0, s.t0, s.tau1, s.tau2)
    return out


def describe_stimuli(stimuli: Sequence[RingStimulus]) -> str:
    """The stimuli in words for a result's attrs (human units: Hz, mm, ms); ``"none"``."""
    if not stimuli:
        return "none"
    return "; ".join(
        f"A={s.amplitude:g} Hz, x0={s.x0 * 1e3:g} mm, y0={s.y0 * 1e3:g} mm, "
        f"l_stim={s.l_stim * 1e3:g} mm, t0={s.t0 * 1e3:g} ms, tau1={s.tau1 * 1e3:g} ms, "
        f"tau2={s.tau2 * 1e3:g} ms"
        for s in stimuli
    )
