"""The comparison protocols' settings in words and human units, read from their constants.

:func:`protocol_settings` is what a report shows of each protocol (stimuli, durations,
windows, sizes, seeds): every value comes from the constants of the protocol's module and
from the defaults of :class:`adexmf.network.run_spec.NetworkRun`, so the text cannot drift
from what runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..network.run_spec import NetworkRun
from ..units import format_quantity
from . import frequency, integrative, stationary, transient, validity_map
from .protocol import DRIVE, PROTOCOL_NAMES, SCALES

#: The network run every protocol starts from (the paper's: ramp, time step, drive events).
_RUN = NetworkRun()


def protocol_settings() -> dict[str, dict[str, str]]:
    """Each protocol's settings as text in human units, protocols in
    :data:`adexmf.compare.protocol.PROTOCOL_NAMES` order.

    Returns
    -------
    dict
        Protocol name -> {setting: value}, e.g. ``["frequency"]["amplitude A"] ==
        "code: 4.5 Hz, text: 5 Hz"``.
    """
    settings = {
        "stationary": _stationary(),
        "transient": _transient(),
        "frequency": _frequency(),
        "integrative": _integrative(),
        "validity": _validity(),
    }
    return {name: settings[name] for name in PROTOCOL_NAMES}


def _q(value: float, base: str, unit: str | None = None) -> str:
    """A quantity in human units (``0.1, "s" -> "100 ms"``)."""
    return format_quantity(value, base, unit)


def _per_scale(values: Mapping[str, object]) -> str:
    """A setting of each scale (``"quick 2, paper 5"``), or its value if all scales share it."""
    if len(set(map(str, values.values()))) == 1:
        return str(next(iter(values.values())))
    return ", ".join(f"{scale} {value}" for scale, value in values.items())


def _values(values: Iterable[float], base: str, unit: str | None = None) -> str:
    """Several values of one unit: ``"1, 2, 4 Hz"``."""
    texts = [_q(v, base, unit) for v in values]
    shown = texts[-1].split(" ", 1)[1]
    return ", ".join(t.removesuffix(f" {shown}") for t in texts) + f" {shown}"


def _span(bounds: tuple[float, float], base: str) -> str:
    """An interval: ``"500-1200 ms"``."""
    return _values(bounds, base).replace(", ", "-")


def _network(drive_ramp: float, dt: float, drive_events: str, drive: bool = True) -> dict[str, str]:
    """Settings of a protocol's network runs (``drive``: at the protocols' drive, else the
    drive is the protocol's variable and only its ramp is a setting)."""
    sizes = {name: f"{scale.n_total:,} neurons" for name, scale in SCALES.items()}
    ramp = _q(drive_ramp, "s")
    return {
        "network": f"{_RUN.preset}, {_per_scale(sizes)} (in-degrees kept)",
        **({"drive": f"{_q(DRIVE, 'Hz')} per synapse, reached by a {ramp} ramp"} if drive
           else {"drive ramp": ramp}),
        "time step": _q(dt, "s"),
        "drive events": drive_events,
    }  # fmt: skip


def _stationary() -> dict[str, str]:
    duration = {name: _q(scale.duration, "s", "s") for name, scale in SCALES.items()}
    return {
        **_network(_RUN.ramp, _RUN.dt, f"{_RUN.drive_events} (default)"),
        "duration": _per_scale(duration),
        "statistics after": _q(stationary.T_START, "s"),
        "seeds": _per_scale({name: scale.seeds for name, scale in SCALES.items()}),
        "traced cells per population": _per_scale(
            {name: scale.traced_cells for name, scale in SCALES.items()}
        ),
        "mean field": "second-order fixed point",
    }


def _transient() -> dict[str, str]:
    return {
        **_network(transient.DRIVE_RAMP, transient.DT, _RUN.drive_events),
        "stimulus": f"{transient.stimulus_text()} on the excitatory population",
        "duration": _q(transient.DURATION, "s", "s"),
        "window": _span(transient.WINDOW, "s"),
        "baseline": _span(transient.BASELINE, "s"),
        "bins": _q(transient.BIN, "s"),
        "seeds": _per_scale({name: scale.seeds for name, scale in SCALES.items()}),
        "mean field": f"order {transient.ORDER}, from its fixed point",
    }


def _frequency() -> dict[str, str]:
    f = frequency.FREQUENCIES
    amplitudes = {name: _q(a, "Hz") for name, a in frequency.AMPLITUDES.items()}
    return {
        **_network(frequency.DRIVE_RAMP, frequency.DT, _RUN.drive_events),
        "amplitude A": ", ".join(f"{name}: {a}" for name, a in amplitudes.items()),
        "input": f"A (1 - cos(2 pi f (t - t0))) / 2 from t0 = {_q(frequency.T0, 's')}",
        "frequencies": (
            f"{f.size} log-spaced, {_q(f[0], 'Hz')} to {_q(f[-1], 'Hz')} "
            f"(quick: {frequency.QUICK_INDICES.size} of them)"
        ),
        "run length": "t0 + max(1 s, 2 periods)",
        "seeds": _per_scale(frequency.SEEDS),
        "mean field": f"order {frequency.ORDER} unless given",
    }


def _integrative() -> dict[str, str]:
    taus = {name: f"{_q(t1, 's')}/{_q(t2, 's')}" for name, (t1, t2) in
            integrative.STIMULI.items()}  # fmt: skip
    a, b = integrative.AMPLITUDES, integrative.BACKGROUNDS
    return {
        "drive": f"{_q(DRIVE, 'Hz')} per synapse",
        "stimulus": f"double Gaussian at t0 = {_q(integrative.T0, 's')} on the excitatory "
        "population, tau1/tau2 " + ", ".join(f"{k}: {v}" for k, v in taus.items()),
        "amplitudes (A)": f"{_q(a[0], 'Hz')} to {_q(a[-1], 'Hz')} ({a.size} levels)",
        "backgrounds (B)": f"{_q(b[0], 'Hz')} to {_q(b[-1], 'Hz')} ({b.size} levels), A = "
        f"{_q(integrative.BACKGROUND_AMPLITUDE, 'Hz')}",
        "duration": _q(integrative.DURATION, "s"),
        "time step": _q(integrative.DT, "s"),
        "mean field": f"order {integrative.ORDER} unless given; no network",
    }


def _validity() -> dict[str, str]:
    v = validity_map
    isolated = {name: f"{n} cells, {_q(t, 's', 's')} (statistics after {_q(t0, 's', 's')})"
                for name, (n, t, t0) in v.ISOLATED.items()}  # fmt: skip
    return {
        **_network(_RUN.ramp, _RUN.dt, f"{v.DRIVE_EVENTS} (default)", drive=False),
        "drives": _values(v.DRIVES, "Hz"),
        "RS adaptation b": _values(v.B_VALUES, "A", "pA"),
        "duration": _q(v.DURATION, "s", "s"),
        "statistics after": _q(v.T_START, "s", "s"),
        "seeds per point": _per_scale(v.SEEDS),
        "asynchronous irregular": (
            f"nu_e >= {_q(v.ACTIVE_MIN, 'Hz')}, CV of ISIs >= "
            f"{v.AI_CV_MIN:g}, Fano factor ({_q(v.BIN, 's')} bins) <= "
            f"{v.AI_FANO_MAX:g}"
        ),
        "isolated cells": "; ".join(f"{k}: {t}" for k, t in isolated.items()),
        "mean field": f"order {v.ORDER}, branch of the {_q(v.ANCHOR_DRIVE, 'Hz')} state",
    }
