"""A network of columns on a connectome: one column per region, delayed long-range coupling
(SPEC 11), on the network engine of :mod:`adexmf.columns`: each region's recurrent input is
its own rates (:func:`~adexmf.columns.coupling.own_rates`), its long-range input a sparse
delayed table (:func:`~adexmf.columns.coupling.sparse_terms`).

Region k receives ``c_k(t) = G sum_j W[k, j] nu_e,j(t - L[k, j] / v)`` as an excitatory
input per synapse of both its populations, added to its drive (like TVB's ``Linear(a)``
coupling of ``ZerlautAdaptationFirstOrder``). Delays fall between history rows and are
interpolated linearly (TVB rounds them to whole steps). An Ornstein-Uhlenbeck noise (Hz) can
be added to the long-range input, as TVB-AdEx does; the sum is floored at 0 before the drive
is added (TVB's convention).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..columns.coupling import own_rates, sparse_terms
from ..columns.engine import CH_MU_V_E, CH_MU_V_I, CH_NU_E, CH_NU_I, CH_W
from ..columns.network import ColumnNetwork, Noise, Sampling, method_code, time_steps
from ..errors import ParameterError, check_range
from ..layouts import N_STATE, S_NU_E, S_NU_I, S_W
from ..meanfield import MeanFieldModel
from ..meanfield.observables import vsd_signal
from ..noise import ou_step
from ..params.network import population_average
from ..store import provenance
from .columns import BrainColumn, brain_column
from .connectome import Connectome, load_connectome

#: Default step (s): TVB's 0.1 ms.
DEFAULT_DT = 1e-4
#: Default sampling period of the recorded series (s).
DEFAULT_RECORD_PERIOD = 1e-3
#: The stiffness diagnostic is evaluated on one step in this many: at first order it is the
#: only reader of the transfer functions' gradients (dual numbers, ~3x the cost of the
#: values), so the other steps use the values only; every 50 steps (5 ms at 0.1 ms, the
#: Markov time T) costs 5 % of the run where every 8 cost 25 %.
STIFFNESS_EVERY = 50
#: Default conduction velocity (m/s), TVB's.
DEFAULT_VELOCITY = 4.0


@dataclass(frozen=True)
class OUNoise:
    """Ornstein-Uhlenbeck noise added to every region's long-range input (Hz).

    ``dxi = -xi / tau dt + sigma sqrt(2 / tau) dB``: stationary standard deviation ``sigma``
    (Hz), correlation time ``tau`` (s; TVB-AdEx: 5 ms); independent between regions;
    integrated exactly at each step.
    """

    sigma: float = 0.0
    tau: float = 5e-3

    def __post_init__(self) -> None:
        check_range("noise_sigma", self.sigma, 0.0, 1e3, unit="Hz")
        check_range("noise_tau", self.tau, 0.0, 10.0, unit="s", low_inclusive=False)

    def per_step(self, dt: float) -> tuple[float, float]:
        """(decay, kick) of one exact step of ``dt`` (s): ``xi <- decay xi + kick N(0, 1)``."""
        return ou_step(self.sigma, self.tau, dt)


@dataclass(frozen=True)
class RegionStimulus:
    """An afferent stimulus to some regions: ``amplitude`` (Hz) from ``onset`` for
    ``duration`` (s), routed like the column's afferent input (excitatory cells)."""

    regions: tuple[int, ...]
    amplitude: float
    onset: float
    duration: float

    def __post_init__(self) -> None:
        check_range("stimulus amplitude", self.amplitude, 0.0, 1e3, unit="Hz")
        check_range("stimulus onset", self.onset, 0.0, None, unit="s")
        check_range("stimulus duration", self.duration, 0.0, None, unit="s", low_inclusive=False)
        object.__setattr__(self, "regions", tuple(int(r) for r in self.regions))


@dataclass(frozen=True, eq=False)
class BrainNetwork:
    """Columns on a connectome with delayed linear coupling.

    Parameters
    ----------
    connectome : Connectome or str
        The structure (a :class:`Connectome`, a name or a TVB file; default the embedded
        ``synthetic68``).
    column : BrainColumn or str
        The column of every region (:func:`adexmf.brain.columns.brain_column`: a mean-field
        variant name or ``"tvb_zerlaut"``).
    coupling : float
        Global coupling G (dimensionless, >= 0; TVB's ``Linear(a)``).
    conduction_velocity : float
        m/s (> 0; TVB's ``speed``, default 4 m/s).
    normalisation : str, optional
        Weights as given (``"none"``), divided by the largest, or per row (``"in_degree"``);
        default the column's convention (:class:`~adexmf.brain.columns.BrainColumn`).
    b : float, optional
        Spike-triggered adaptation of the excitatory cells (A); default the column's.
    """

    connectome: Connectome | str = "synthetic68"
    column: BrainColumn | str = "adaptation-W"
    coupling: float = 1.0
    conduction_velocity: float = DEFAULT_VELOCITY
    normalisation: str | None = None
    b: float | None = None
    _model: MeanFieldModel = field(init=False, repr=False)

    def __post_init__(self) -> None:
        column = brain_column(self.column) if isinstance(self.column, str) else self.column
        object.__setattr__(self, "column", column)
        conn = self.connectome
        if not isinstance(conn, Connectome):
            conn = load_connectome(conn)
        how = column.normalisation if self.normalisation is None else self.normalisation
        object.__setattr__(self, "normalisation", how)
        object.__setattr__(self, "connectome", conn.normalised(how))
        check_range("coupling", self.coupling, 0.0, 1e4)
        conn.delays(self.conduction_velocity)  # checks the velocity
        if self.b is not None and not column.model.adaptation and self.b != column.model.b:
            raise ParameterError(
                f"b = {self.b:g} A has no effect on the column {column.name!r}: it has no "
                "adaptation variable (its transfer functions hold the b of its fit); choose a "
                "column with adaptation (adaptation, adaptation-W, tvb_zerlaut...)",
                parameters=("b",),
            )
        model = column.model if self.b is None else column.model.replace(b=float(self.b))
        object.__setattr__(self, "_model", model)

    @property
    def model(self) -> MeanFieldModel:
        """The column model of every region."""
        return self._model

    def initial_state(self, nu_e: float = 1.0, nu_i: float = 3.0, W: float = 0.0) -> np.ndarray:
        """A homogeneous initial state (n, 6): rates (Hz) and W (A) of every region."""
        y0 = np.zeros((self.connectome.n_regions, N_STATE))
        y0[:, S_NU_E], y0[:, S_NU_I] = nu_e, nu_i
        if self.model.adaptation:
            y0[:, S_W] = W
        return y0

    def resting_state(self, drive: float | Sequence[float] = 4.0) -> np.ndarray:
        """Every region at its column's relevant fixed point without long-range input, at its
        own drive (Hz): the default start of :meth:`run`. (From an arbitrary state the
        second order can settle in a spurious state with nu_i = 0 that the spiking network
        never visits: docs/brain-spiking-check.md.)"""
        drives = _per_region(drive, self.connectome.n_regions)
        states = {d: self.model.fixed_point(float(d)).vector for d in np.unique(drives)}
        return np.array([states[d] for d in drives])

    def run(
        self,
        duration: float,
        *,
        drive: float | Sequence[float] = 4.0,
        dt: float = DEFAULT_DT,
        method: str = "heun",
        noise: OUNoise | None = None,
        seed: int | np.random.Generator | None = 0,
        stimuli: Sequence[RegionStimulus] = (),
        initial: np.ndarray | None = None,
        record_period: float = DEFAULT_RECORD_PERIOD,
    ) -> xr.Dataset:
        """Integrate the network from ``initial`` (default :meth:`initial_state`).

        Parameters
        ----------
        duration : float
            Biological time (s), a whole number of steps.
        drive : float or sequence of float
            External drive (Hz), one value or one per region.
        dt : float
            Step (s), default 0.1 ms.
        method : {"heun", "euler"}
        noise : OUNoise, optional
            Noise on the long-range input; none by default.
        seed : int or numpy.random.Generator
            Seed of the noise (same seed, same run).
        stimuli : sequence of RegionStimulus
        initial : ndarray (n, 6), optional
            Default :meth:`resting_state` (each region's isolated fixed point).
        record_period : float
            Sampling period of the stored series (s), a whole number of steps.

        Returns
        -------
        xarray.Dataset
            Dims (time, region): ``nu_e``, ``nu_i`` (Hz), ``W`` (A), ``mu_V`` (V, the
            population-averaged mean potential), ``vsd`` (dV/V0 against the first sample);
            settings and provenance in attrs.
        """
        n = self.connectome.n_regions
        n_steps = time_steps(duration, dt, self.model)
        every = int(round(record_period / dt))
        if every < 1 or abs(every * dt - record_period) > 1e-6 * dt or every > n_steps:
            raise ParameterError(
                f"record_period = {record_period:g} s must be a whole number of steps dt = "
                f"{dt:g} s, at most the duration {duration:g} s",
                parameters=("record_period",),
            )
        drives = _per_region(drive, n)
        delays = self.connectome.delays(self.conduction_velocity)
        longest = float(delays[self.connectome.weights > 0].max(initial=0.0))
        if longest >= duration:
            raise ParameterError(
                f"duration = {duration:g} s is shorter than the longest conduction delay "
                f"{longest:g} s of {self.connectome.name} at {self.conduction_velocity:g} m/s; "
                "run longer or raise the conduction velocity",
                parameters=("duration",),
            )
        y0 = self.resting_state(drives) if initial is None else _checked_initial(initial, n)
        profiles, courses = _stimulus_tables(stimuli, n, n_steps, dt)
        decay, kick = (noise or OUNoise()).per_step(dt)
        method_code(method)  # checked before any work
        steps = np.arange(0, n_steps + 1, every)
        out, worst = self.network(dt).integrate(
            y0, drives, profiles, courses, dt, n_steps, method,
            Sampling(steps, np.zeros(steps.size), 0, STIFFNESS_EVERY),
            Noise(decay, kick, _seed(seed)),
        )  # fmt: skip
        attrs = self._attrs(duration, dt, method, drives, noise, seed, stimuli, every, worst)
        return self._dataset(np.arange(out.shape[1]) * every * dt, out, attrs)

    def network(self, dt: float) -> ColumnNetwork:
        """The brain as a network of columns on the engine for a step ``dt`` (s): each
        region reads its own rates (plus the column's spontaneous rate) and the delayed
        excitatory rates of the others through the weights x coupling G."""
        delays = self.connectome.delays(self.conduction_velocity)
        long_range = sparse_terms(self.connectome.weights, delays, self.coupling, dt)
        return ColumnNetwork(self.model, own_rates(), long_range, self.column.spontaneous_rate)

    def _attrs(self, duration, dt, method, drives, noise, seed, stimuli, every, worst) -> dict:
        conn = self.connectome
        return {
            "model": "brain",
            "column": self.column.name,
            "preset": self.model.preset.name,
            "order": int(self.model.order),
            "adaptation": int(self.model.adaptation),
            "T_s": float(self.model.T),
            "b_A": float(self.model.b),
            "spontaneous_rate_Hz": float(self.column.spontaneous_rate),
            "connectome": conn.name,
            "n_regions": conn.n_regions,
            "normalisation": conn.normalisation,
            "coupling": float(self.coupling),
            "conduction_velocity_m_per_s": float(self.conduction_velocity),
            "drive_Hz": json.dumps([float(d) for d in drives]),
            "noise_sigma_Hz": float(noise.sigma) if noise else 0.0,
            "noise_tau_s": float(noise.tau) if noise else 0.0,
            "seed": repr(seed) if isinstance(seed, np.random.Generator) else str(seed),
            "stimuli": json.dumps([s.__dict__ for s in stimuli]),
            "dt_s": float(dt),
            "duration_s": float(duration),
            "method": method,
            "record_period_s": float(every * dt),
            "max_stiffness_dt": float(worst),
        }

    def _dataset(self, times: np.ndarray, out: np.ndarray, attrs: dict) -> xr.Dataset:
        g = self.model.preset.network.inhibitory_fraction
        mu_V = population_average(out[CH_MU_V_E], out[CH_MU_V_I], g)
        dims = ("time", "region")
        data = {
            "nu_e": (dims, out[CH_NU_E], {"units": "Hz", "long_name": "excitatory rate"}),
            "nu_i": (dims, out[CH_NU_I], {"units": "Hz", "long_name": "inhibitory rate"}),
            "W": (dims, out[CH_W], {"units": "A", "long_name": "adaptation current"}),
            "mu_V": (dims, mu_V, {"units": "V",
                                  "long_name": "mean potential (1-g) mu_V^e + g mu_V^i"}),
            "vsd": (dims, vsd_signal(mu_V.T).T, {"units": "1",
                                                 "long_name": "VSD-like signal dV/V0"}),
        }  # fmt: skip
        conn = self.connectome
        data["weights"] = (("region", "source"), conn.weights, {
            "units": "1", "long_name": "weights used (normalised): source -> region"})
        data["tract_lengths"] = (("region", "source"), conn.tract_lengths, {"units": "m"})
        coords = {
            "time": ("time", times, {"units": "s"}),
            "region": ("region", np.array(conn.labels), {"long_name": "region label"}),
            "source": ("source", np.array(conn.labels), {"long_name": "source region"}),
        }
        return xr.Dataset(data, coords=coords, attrs={**attrs, **provenance()})


def _per_region(drive, n: int) -> np.ndarray:
    d = np.broadcast_to(np.asarray(drive, dtype=float), (n,)) if np.ndim(drive) == 0 else (
        np.asarray(drive, dtype=float))  # fmt: skip
    if d.shape != (n,):
        raise ParameterError(
            f"drive has {d.size} values for {n} regions; give one value or one per region",
            parameters=("drive",),
        )
    for k, v in enumerate(d):
        name = f"drive[{k}]" if np.ndim(drive) else "drive"
        check_range(name, v, 0.0, 200.0, unit="Hz")
    return np.ascontiguousarray(d)


def _checked_initial(initial, n: int) -> np.ndarray:
    y0 = np.array(initial, dtype=float)
    if y0.shape != (n, N_STATE) or not np.all(np.isfinite(y0)) or (y0[:, :2] < 0).any():
        raise ParameterError(
            f"initial must be a finite ({n}, {N_STATE}) state with rates >= 0; got shape "
            f"{y0.shape}",
            parameters=("initial",),
        )
    return y0


def _stimulus_tables(stimuli, n: int, n_steps: int, dt: float):
    profiles = np.zeros((len(stimuli), n))
    courses = np.zeros((len(stimuli), n_steps + 1))
    t = np.arange(n_steps + 1) * dt
    for s, stim in enumerate(stimuli):
        bad = [r for r in stim.regions if not 0 <= r < n]
        if bad:
            raise ParameterError(
                f"stimulus regions {bad} out of range; allowed: 0 to {n - 1}",
                parameters=("stimuli",),
            )
        profiles[s, list(stim.regions)] = stim.amplitude
        courses[s] = (t >= stim.onset) & (t < stim.onset + stim.duration)
    return profiles, courses


def _seed(seed: int | np.random.Generator | None) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    return int(check_range("seed", seed, 0, 2**31 - 1))
