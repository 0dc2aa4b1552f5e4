"""One network run as typed data: the specification every protocol's network run is built from.

A :class:`NetworkRun` says everything that determines one run of the spiking network of a
preset (SPEC 2.3): the network (preset, size, in-degrees, the excitatory cells' adaptation b),
its inputs (drive with its ramp and events per step, an afferent stimulus on one population),
the integration (time step, integrator, engine), the duration, the seed and the traced
cells. Its defaults are the paper's protocol (drive ramp 100 ms, dt 0.1 ms, the authors'
Bernoulli drive events), defined here once. Attributes are SI without unit suffixes
(``dt`` in s); its mapping (:meth:`NetworkRun.to_mapping`) is plain JSON with the unit in
each numeric key (``dt_s``), as the data model writes nested records, and is what the task
store hashes (:func:`adexmf.sweep.task_key`). :meth:`NetworkRun.network_model` is the one
place where a protocol's run becomes a :class:`~adexmf.network.model.NetworkModel`.

Typical use::

    run = NetworkRun(n_total=10_000, drive=4.0, duration=1.5, seed=1)
    model = run.network_model()
    spec = run.to_mapping()            # JSON-safe; NetworkRun.from_mapping(spec) == run
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError, check_range
from ..noise import DriveNoise
from ..params import load_preset
from ..stimuli import KINDS, Stimulus
from ..sweep import task_key
from .drive import DRIVE_EVENTS
from .model import INTEGRATORS, POPULATIONS, Afferent, NetworkModel

#: Mapping key of each attribute, SI unit in the name (the data model's rule for records).
_KEYS = {
    "preset": "preset", "preset_digest": "preset_digest", "n_total": "n_total",
    "keep_in_degrees": "keep_in_degrees", "drive": "drive_Hz", "ramp": "ramp_s", "dt": "dt_s",
    "duration": "duration_s", "seed": "seed", "backend": "backend",
    "traced_cells": "traced_cells", "drive_events": "drive_events", "integrator": "integrator",
    "rs_b": "rs_b_A", "stimulus": "stimulus", "stimulus_population": "stimulus_population",
    "noise_sigma": "noise_sigma_Hz", "noise_tau": "noise_tau_s",
}  # fmt: skip
#: Attributes written to the mapping only when they differ from their default, so that runs
#: stored before they existed keep their task keys (the drive events, the integrator...).
_OMITTED_AT_DEFAULT = ("preset_digest", "traced_cells", "drive_events", "integrator", "rs_b",
                       "stimulus", "stimulus_population", "noise_sigma", "noise_tau")  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class NetworkRun:
    """One run of the spiking network of a preset (SPEC 2.3), SI units.

    Attributes
    ----------
    preset : str
        Preset name or TOML path (default: the paper's network, ``zerlaut2018``).
    n_total : int
        Number of neurons (the inhibitory fraction of the preset is kept).
    keep_in_degrees : bool
        Keep the preset network's in-degrees at another size
        (:meth:`~adexmf.network.model.NetworkModel.from_preset`).
    drive : float
        Plateau of the external drive per synapse (Hz).
    ramp : float
        Duration of the drive's linear ramp (s).
    dt : float
        Time step (s).
    duration : float
        Simulated time (s).
    seed : int
        Seed of every random draw (connectivity and drive), >= 0.
    backend : str
        Simulation engine ("brian2" or "nest"; its name is checked by the engine).
    traced_cells : int
        Sample cells traced per population.
    drive_events : {"bernoulli", "poisson"}
        Events per step of the drive (:class:`~adexmf.network.model.Drive`).
    integrator : {"euler", "heun"}
        Brian2's integration method.
    rs_b : float, optional
        Spike-triggered adaptation b of the excitatory (RS) cells (A), replacing the preset's.
    stimulus : Stimulus, optional
        Afferent input (:class:`adexmf.stimuli.Stimulus`: kind and SI parameters).
    stimulus_population : {"exc", "inh"}
        Population receiving ``stimulus``.
    preset_digest : str, optional
        Content hash of a preset file (:func:`adexmf.store.file_digest`), so that a run of an
        edited file is another task.
    noise_sigma, noise_tau : float
        Ornstein-Uhlenbeck fluctuation of the drive (:class:`adexmf.noise.DriveNoise`):
        standard deviation (Hz; 0, the default, for none) and correlation time (s); its
        realization is the run's ``seed``'s.
    """

    preset: str = "zerlaut2018"
    n_total: int = 10_000
    keep_in_degrees: bool = True
    drive: float = 4.0
    ramp: float = 0.1
    dt: float = 1e-4
    duration: float = 1.5
    seed: int = 1
    backend: str = "brian2"
    traced_cells: int = 0
    drive_events: str = "bernoulli"
    integrator: str = "euler"
    rs_b: float | None = None
    stimulus: Stimulus | None = None
    stimulus_population: str = "exc"
    preset_digest: str | None = None
    noise_sigma: float = 0.0
    noise_tau: float = 5e-3

    def __post_init__(self) -> None:
        for name, value in (("preset", self.preset), ("backend", self.backend)):
            if not isinstance(value, str) or not value:
                raise ParameterError(f"{name} = {value!r}; allowed: a non-empty string")
        _set(self, "n_total", _integer("n_total", self.n_total, 2))
        _set(self, "seed", _integer("seed", self.seed, 0))
        _set(self, "traced_cells", _integer("traced_cells", self.traced_cells, 0))
        _set(self, "keep_in_degrees", bool(self.keep_in_degrees))
        _set(self, "drive", check_range("drive", self.drive, 0.0, 1e4, unit="Hz"))
        _set(self, "ramp", check_range("ramp", self.ramp, 0.0, 1e4, unit="s"))
        _set(self, "dt", check_range("dt", self.dt, 0.0, 1e-2, unit="s", low_inclusive=False))
        _set(self, "duration", check_range("duration", self.duration, 0.0, 1e5, unit="s",
                                           low_inclusive=False))  # fmt: skip
        noise = DriveNoise(self.noise_sigma, self.noise_tau)  # checks both
        _set(self, "noise_sigma", float(noise.sigma))
        _set(self, "noise_tau", float(noise.tau))
        if self.rs_b is not None:
            _set(self, "rs_b", check_range("rs_b", self.rs_b, 0.0, 1e-9, unit="A"))
        _check_choice("drive_events", self.drive_events, DRIVE_EVENTS)
        _check_choice("integrator", self.integrator, INTEGRATORS)
        _check_choice("stimulus_population", self.stimulus_population, POPULATIONS)
        if self.stimulus is not None and not isinstance(self.stimulus, Stimulus):
            raise ParameterError(f"stimulus = {self.stimulus!r}; allowed: a Stimulus or None")

    def replace(self, **changes: Any) -> NetworkRun:
        """A copy with some attributes changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_mapping(self) -> dict[str, Any]:
        """The run as a JSON-safe mapping, numeric keys with their SI unit (``dt_s``).

        Optional attributes at their default (no stimulus, no traced cells, the Bernoulli
        drive events, the Euler integrator...) are left out: runs stored before they existed
        keep their keys. :meth:`from_mapping` reads it back.
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _OMITTED_AT_DEFAULT and value == f.default:
                continue
            out[_KEYS[f.name]] = dict(value.params) if isinstance(value, Stimulus) else value
        return out

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> NetworkRun:
        """The run of a mapping written by :meth:`to_mapping` (checked again).

        Keys it does not define (a protocol's own, such as ``protocol`` or ``t_start_s``) are
        ignored; absent ones take the defaults. The stimulus's kind is the one of
        :data:`adexmf.stimuli.KINDS` whose parameter names are the mapping's.
        """
        values = {name: mapping[key] for name, key in _KEYS.items() if key in mapping}
        if values.get("stimulus") is not None:
            values["stimulus"] = _stimulus(values["stimulus"])
        return cls(**values)

    def key(self) -> str:
        """Hash of the run alone (:func:`adexmf.sweep.task_key` of :meth:`to_mapping`)."""
        return task_key(self.to_mapping())

    def drive_noise(self) -> DriveNoise | None:
        """The drive's fluctuation (None without one): its realization is the run seed's."""
        if self.noise_sigma == 0.0:
            return None
        return DriveNoise(self.noise_sigma, self.noise_tau, seed=self.seed)

    def network_model(self) -> NetworkModel:
        """The network of this run (:meth:`NetworkModel.from_preset`)."""
        preset = load_preset(self.preset)
        if self.rs_b is not None:
            rs = preset.excitatory.replace(b=self.rs_b)
            preset = preset.replace(cells={**preset.cells, rs.name: rs})
        afferent = None
        if self.stimulus is not None:
            afferent = Afferent(self.stimulus, self.stimulus_population)
        return NetworkModel.from_preset(
            preset, n_total=self.n_total, keep_in_degrees=self.keep_in_degrees,
            drive_rate=self.drive, ramp=self.ramp, dt=self.dt, afferent=afferent,
            traced_cells=self.traced_cells, integrator=self.integrator,
            drive_events=self.drive_events, drive_noise=self.drive_noise(),
        )  # fmt: skip


def _set(run: NetworkRun, name: str, value: Any) -> None:
    """Store a checked, normalised value on the frozen run (floats as float, counts as int),
    so that equal runs have equal mappings."""
    object.__setattr__(run, name, value)


def _integer(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ParameterError(f"{name} = {value!r}; allowed: an integer >= {low}")
    if int(value) < low:
        raise ParameterError(f"{name} = {value!r} is out of range; allowed: an integer >= {low}")
    return int(value)


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParameterError(f"{name} = {value!r} is unknown; allowed: {', '.join(allowed)}")


def _stimulus(params: Mapping[str, Any]) -> Stimulus:
    """The stimulus whose kind has exactly these parameter names."""
    names = set(params)
    for kind, (_, spec) in KINDS.items():
        if set(spec) == names:
            return Stimulus(kind, dict(params))
    kinds = "; ".join(f"{kind} ({', '.join(spec)})" for kind, (_, spec) in KINDS.items())
    raise ParameterError(
        f"stimulus = {dict(params)!r}: no stimulus kind has exactly these parameters; "
        f"allowed: {kinds}"
    )
