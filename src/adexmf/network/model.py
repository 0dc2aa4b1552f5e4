"""Backend-neutral description of the spiking RS-FS network (SPEC 2.3).

A :class:`NetworkModel` says *what* is simulated — populations built from cell presets,
fixed-probability connectivity without autapses, exponential conductance synapses, the
external drive (linear ramp, then constant) with one of the two drive models of SPEC 2.3, an
optional afferent input with any rate waveform on one population, and the recorders. The
engines (:mod:`adexmf.engines`: Brian2, NEST) say *how*. Everything is in SI units.

Drive models (SPEC 2.3)
-----------------------
``"independent"`` (the authors' code, the reference)
    Each neuron receives its own excitatory train: at each time step an event of weight Q_e
    arrives with probability ``dt * K_ext * nu(t)`` (Bernoulli per step), where
    ``K_ext = p N_e`` is the mean excitatory in-degree and ``nu(t)`` the external rate per
    synapse (drive plus afferent input on the target population). ``Drive.events =
    "poisson"`` draws a Poisson number of events of that mean instead (what NEST's
    generators produce).
``"population"`` (the paper's text)
    A population of N_e Poisson sources firing at ``nu(t)`` is connected to every neuron with
    probability p (weight Q_e); the afferent input is a second such population connected to
    its target population only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError, check_range
from ..noise import DriveNoise
from ..params import Cell, Preset, Synapses, load_preset, to_mapping
from ..stimuli import Waveform, sample_waveform
from .drive import Drive, DriveModel, check_bernoulli_rates

#: Names of the two populations, in the order of the global neuron index.
POPULATIONS: tuple[str, str] = ("exc", "inh")
#: Brian2 integration methods of the network (NetworkModel.integrator).
INTEGRATORS: tuple[str, ...] = ("euler", "heun")
#: Variables that can be traced in sample cells, with their SI units.
TRACE_UNITS: dict[str, str] = {"V": "V", "G_e": "S", "G_i": "S", "w": "A"}


@dataclass(frozen=True)
class Population:
    """A population of identical cells.

    Attributes
    ----------
    name : {"exc", "inh"}
        Population label.
    cell : Cell
        Cell model (SI parameters).
    size : int
        Number of neurons.
    """

    name: str
    cell: Cell
    size: int

    def __post_init__(self) -> None:
        if self.name not in POPULATIONS:
            raise ParameterError(
                f"Population.name = {self.name!r}; allowed: {', '.join(POPULATIONS)}"
            )
        check_range(f"Population[{self.name}].size", self.size, 1, 10_000_000)


@dataclass(frozen=True)
class Afferent:
    """Afferent input with any rate waveform on one population.

    Attributes
    ----------
    waveform : float, ndarray or callable
        Rate per synapse (Hz), see :data:`adexmf.stimuli.Waveform`; sampled on the grid
        ``k dt`` by :func:`adexmf.stimuli.sample_waveform`.
    population : {"exc", "inh"}
        Target population (the paper stimulates the excitatory one).
    """

    waveform: Waveform = field(compare=False)
    population: str = "exc"

    def __post_init__(self) -> None:
        if self.population not in POPULATIONS:
            raise ParameterError(
                f"Afferent.population = {self.population!r}; allowed: {', '.join(POPULATIONS)}"
            )


@dataclass(frozen=True)
class Recorders:
    """What to record. Spikes of all neurons are always recorded.

    Attributes
    ----------
    traced : mapping of str to tuple of int
        Indices (within each population) of the sample cells whose variables are traced at
        every time step.
    variables : tuple of str
        Traced variables, among ``V`` (V), ``G_e``, ``G_i`` (S) and ``w`` (A).
    """

    traced: Mapping[str, tuple[int, ...]] = field(
        default_factory=lambda: {"exc": (0, 1, 2), "inh": (0, 1, 2)}
    )
    variables: tuple[str, ...] = ("V", "G_e", "G_i", "w")

    def __post_init__(self) -> None:
        unknown = sorted(set(self.traced) - set(POPULATIONS))
        if unknown:
            raise ParameterError(
                f"Recorders.traced: unknown population(s) {unknown}; allowed: "
                f"{', '.join(POPULATIONS)}"
            )
        bad = [v for v in self.variables if v not in TRACE_UNITS]
        if bad:
            raise ParameterError(
                f"Recorders.variables: unknown variable(s) {bad}; allowed: {', '.join(TRACE_UNITS)}"
            )
        traced = {p: tuple(int(i) for i in self.traced.get(p, ())) for p in POPULATIONS}
        object.__setattr__(self, "traced", traced)
        object.__setattr__(self, "variables", tuple(self.variables))


@dataclass(frozen=True)
class NetworkModel:
    """The RS-FS network of SPEC 2.3, independent of any simulator (SI units).

    Attributes
    ----------
    excitatory, inhibitory : Population
        The two populations; neurons are numbered excitatory first (global index).
    synapses : Synapses
        Quantal increments, time constants and reversal potentials, by presynaptic type.
    connection_probability : float
        Probability p of each ordered pair of distinct neurons being connected.
    drive : Drive
        External drive (both populations).
    afferent : Afferent or None
        Optional afferent input on one population.
    recorders : Recorders
        Sample cells and traced variables.
    dt : float
        Time step (s).
    integrator : {"euler", "heun"}
        Brian2's integration of V, w and the conductances: forward Euler (SPEC 2.3, the
        paper's protocol) or Heun's method
        (:func:`adexmf.engines.brian2_cells.state_updater`). NEST always integrates
        adaptively (RKF45) inside each step.
    V_init : float
        Initial membrane potential of every cell (V); G = w = 0 initially.
    recurrent : bool
        Whether the recurrent synapses exist; ``False`` leaves independent cells under the
        external drive (open loop, for checks against shot-noise theory). The drive keeps
        its in-degree K_e = p N_e either way.
    preset : str
        Name of the preset the model was built from (provenance only).
    """

    excitatory: Population
    inhibitory: Population
    synapses: Synapses
    connection_probability: float
    drive: Drive = field(default_factory=Drive)
    afferent: Afferent | None = None
    recorders: Recorders = field(default_factory=Recorders)
    dt: float = 1e-4
    integrator: str = "euler"
    V_init: float = -65e-3
    recurrent: bool = True
    preset: str = ""

    def __post_init__(self) -> None:
        if self.excitatory.name != "exc" or self.inhibitory.name != "inh":
            raise ParameterError(
                "NetworkModel: the populations must be named 'exc' (excitatory) and 'inh'"
            )
        check_range(
            "NetworkModel.connection_probability",
            self.connection_probability,
            0.0,
            1.0,
            low_inclusive=False,
        )
        check_range("NetworkModel.dt", self.dt, 1e-6, 1e-3, unit="s")
        if self.integrator not in INTEGRATORS:
            raise ParameterError(
                f"NetworkModel.integrator = {self.integrator!r} is not known; allowed: "
                f"{', '.join(INTEGRATORS)}"
            )
        check_range("NetworkModel.V_init", self.V_init, -0.15, 0.05, unit="V")
        for pop in self.populations:
            for i in self.recorders.traced[pop.name]:
                if not 0 <= i < pop.size:
                    raise ParameterError(
                        f"Recorders.traced[{pop.name!r}] has cell {i}; allowed: 0 .. {pop.size - 1}"
                    )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_preset(
        cls,
        preset: str | Preset = "zerlaut2018",
        *,
        n_total: int | None = None,
        keep_in_degrees: bool = False,
        drive_rate: float = 4.0,
        ramp: float = 0.1,
        drive_model: DriveModel = "independent",
        drive_events: str = "bernoulli",
        drive_noise: DriveNoise | None = None,
        afferent: Afferent | None = None,
        dt: float = 1e-4,
        integrator: str = "euler",
        traced_cells: int = 3,
        variables: tuple[str, ...] = ("V", "G_e", "G_i", "w"),
    ) -> NetworkModel:
        """Build the network of a preset (SPEC 2.3), optionally at another size.

        Parameters
        ----------
        preset : str or Preset
            Preset name, TOML path or :class:`~adexmf.params.Preset`.
        n_total : int, optional
            Number of neurons (default: the preset's, 10,000); the inhibitory fraction is kept.
        keep_in_degrees : bool
            If true, scale the connection probability as ``p N_ref / n_total`` so that the
            in-degrees K_e, K_i (and the drive's) stay those of the preset's network: a small
            network then has the same mean input as the full one (p must stay <= 1). If
            false, p is kept and the in-degrees shrink with the size.
        drive_rate : float
            Plateau of the external drive per synapse (Hz).
        ramp : float
            Duration of the linear ramp of the drive (s).
        drive_model : {"independent", "population"}
            Drive model of SPEC 2.3.
        drive_events : {"bernoulli", "poisson"}
            Events per step of the "independent" drive (see :class:`Drive`).
        drive_noise : DriveNoise, optional
            Fluctuation of the drive (see :class:`Drive`).
        afferent : Afferent, optional
            Afferent input on one population.
        dt : float
            Time step (s).
        integrator : {"euler", "heun"}
            Brian2's integration method (:attr:`NetworkModel.integrator`).
        traced_cells : int
            Number of sample cells traced per population (the first ones).
        variables : tuple of str
            Traced variables.
        """
        p = preset if isinstance(preset, Preset) else load_preset(preset)
        net = p.network if n_total is None else p.network.replace(n_total=n_total)
        if keep_in_degrees:
            scaled = p.network.connection_probability * p.network.n_total / net.n_total
            if scaled > 1.0:
                smallest = int(np.ceil(p.network.connection_probability * p.network.n_total))
                raise ParameterError(
                    f"n_total = {net.n_total} is too small to keep the in-degrees of the "
                    f"{p.network.n_total}-neuron network (p would be {scaled:g} > 1); allowed: "
                    f"n_total >= {smallest}"
                )
            net = net.replace(connection_probability=scaled)
        traced_cells = int(check_range("traced_cells", traced_cells, 0, 10_000))
        traced = {
            "exc": tuple(range(min(traced_cells, net.n_exc))),
            "inh": tuple(range(min(traced_cells, net.n_inh))),
        }
        return cls(
            excitatory=Population("exc", p.excitatory, net.n_exc),
            inhibitory=Population("inh", p.inhibitory, net.n_inh),
            synapses=p.synapses,
            connection_probability=net.connection_probability,
            drive=Drive(drive_rate, ramp, drive_model, drive_events, drive_noise),
            afferent=afferent,
            recorders=Recorders(traced=traced, variables=variables),
            dt=dt,
            integrator=integrator,
            preset=p.name,
        )

    def replace(self, **changes: Any) -> NetworkModel:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ derived values
    @property
    def populations(self) -> tuple[Population, Population]:
        """The excitatory and inhibitory populations, in global-index order."""
        return (self.excitatory, self.inhibitory)

    def population(self, name: str) -> Population:
        """The population called ``name`` ("exc" or "inh")."""
        if name not in POPULATIONS:
            raise ParameterError(f"population = {name!r}; allowed: {', '.join(POPULATIONS)}")
        return self.excitatory if name == "exc" else self.inhibitory

    @property
    def n_total(self) -> int:
        """Total number of neurons."""
        return self.excitatory.size + self.inhibitory.size

    @property
    def inhibitory_fraction(self) -> float:
        """Fraction g of inhibitory neurons."""
        return self.inhibitory.size / self.n_total

    @property
    def K_e(self) -> float:
        """Mean excitatory in-degree p N_e (also the in-degree of the external drive)."""
        return self.connection_probability * self.excitatory.size

    @property
    def K_i(self) -> float:
        """Mean inhibitory in-degree p N_i."""
        return self.connection_probability * self.inhibitory.size

    @property
    def n_sources(self) -> int:
        """Number of Poisson sources of the "population" drive model (N_e)."""
        return self.excitatory.size

    def n_steps(self, duration: float) -> int:
        """Number of time steps of a run of ``duration`` seconds."""
        check_range("duration", duration, self.dt, 1e5, unit="s")
        return int(round(duration / self.dt))

    def times(self, duration: float) -> np.ndarray:
        """The simulation grid ``k dt`` (s), k = 0 .. n_steps - 1."""
        return np.arange(self.n_steps(duration)) * self.dt

    def drive_rates(self, duration: float) -> np.ndarray:
        """Drive rate per synapse on the grid (Hz), shape (n_steps,)."""
        return self.drive.rate_at(self.times(duration))

    def afferent_rates(self, duration: float) -> dict[str, np.ndarray]:
        """Afferent rate per synapse on the grid for each population (Hz; zeros if none)."""
        t = self.times(duration)
        out = {name: np.zeros_like(t) for name in POPULATIONS}
        if self.afferent is not None:
            out[self.afferent.population] = sample_waveform(
                self.afferent.waveform, t, "afferent waveform"
            )
        return out

    def external_rates(
        self,
        duration: float,
        drive: Waveform | None = None,
        afferent: Waveform | None = None,
    ) -> dict[str, np.ndarray]:
        """Total external rate per synapse of each population on the grid (Hz).

        Parameters
        ----------
        duration : float
            Run duration (s).
        drive, afferent : Waveform, optional
            Override the model's drive and afferent waveforms (used by reruns of a compiled
            simulation with other inputs).

        Raises
        ------
        InputRangeError
            With the "independent" model, if the per-step event probability
            ``dt K_e nu(t)`` exceeds 1 somewhere.
        """
        t = self.times(duration)
        d = self.drive_rates(duration) if drive is None else sample_waveform(drive, t, "drive")
        if afferent is None:
            aff = self.afferent_rates(duration)
        else:
            target = self.afferent.population if self.afferent is not None else "exc"
            aff = {name: np.zeros_like(t) for name in POPULATIONS}
            aff[target] = sample_waveform(afferent, t, "afferent waveform")
        rates = {name: d + aff[name] for name in POPULATIONS}
        if self.drive.model == "independent" and self.drive.events == "bernoulli":
            check_bernoulli_rates(
                rates, self.K_e, self.dt, "lower the rate or dt, or use drive_model='population'"
            )
        return rates

    # ------------------------------------------------------------------ provenance
    def parameters(self) -> dict[str, Any]:
        """All parameters as a JSON-friendly mapping with units written out."""
        return {
            "preset": self.preset,
            "populations": {
                p.name: {"size": p.size, "cell": to_mapping(p.cell)} for p in self.populations
            },
            "synapses": to_mapping(self.synapses),
            "connection_probability": self.connection_probability,
            "autapses": False,
            "recurrent": self.recurrent,
            "K_e": self.K_e,
            "K_i": self.K_i,
            "drive": self.drive.parameters(),
            "afferent": None if self.afferent is None else {"population": self.afferent.population},
            "dt": f"{self.dt * 1e3:g} ms",
            "integrator": self.integrator,
            "V_init": f"{self.V_init * 1e3:g} mV",
            "traced": {k: list(v) for k, v in self.recorders.traced.items()},
            "variables": list(self.recorders.variables),
        }

    def structure_key(self, duration: float) -> str:
        """Hash of everything a compiled simulation depends on (not the seed or waveforms)."""
        payload = self.parameters()
        payload["duration_steps"] = self.n_steps(duration)
        payload.pop("preset")
        # The drive's rate and ramp only enter the rate arrays, which reruns replace.
        payload["drive"] = {"model": self.drive.model, "events": self.drive.events}
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
