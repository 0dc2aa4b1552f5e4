"""Several regions of the paper's spiking network joined by delayed long-range projections:
the spiking counterpart of a network of columns (SPEC 11), simulated with Brian2.

Every region is the RS-FS network of SPEC 2.3 described by ``NetworkModel.from_preset`` (the
same cells, synapses, connection probability, drive), optionally resized with the in-degrees
kept. Regions are joined as the mean field's linear coupling says (``c_k(t) = G sum_j W[k, j]
nu_e,j(t - d[k, j])``, a rate per synapse reaching both populations through K_ext = K_e):

- every RS and every FS cell of region k receives exactly
  ``K_lr[k, j] = round(G W[k, j] K_ext)`` synapses from distinct RS cells of region j, drawn
  uniformly (a fixed in-degree, so that the mean event rate is ``K_lr nu_e,j``, the mean
  field's ``K_ext c_k``);
- each such synapse is a local excitatory one (increment Q_e of G_e, time constant tau_e)
  with the conduction delay ``d[k, j]`` (a Brian2 synaptic delay, rounded to whole steps).

Within a region, all is the single network's: recurrent synapses with probability p (no
autapses, no delay), the "independent" drive (a Bernoulli event of probability dt K_ext nu(t)
per cell and step, SPEC 2.3 [code]) ramped to its plateau. A :class:`PulseTrain` adds a rate
per synapse to the drive of one region's RS cells, like the mean field's ``RegionStimulus``.

The cells are the one Brian2 AdEx transcription (:func:`adexmf.engines.brian2_cells.adex_brian2`);
each population is one ``NeuronGroup`` spanning every region (a ``region`` index per cell), so
the generated code does not grow with the regions. The random numbers are drawn in an order
that the inputs do not change (one uniform number per cell and step for the drive): two runs
with the same seed differ only where their inputs reach, so a stimulus cannot change another
region before the conduction delay (a test checks it spike for spike).
"""

from __future__ import annotations

import gc
import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..engines import brian2_cells
from ..engines.brian2_build import recurrent_synapses
from ..engines.settings import check_seed
from ..errors import ParameterError, check_range
from ..params import Preset
from ..store import provenance
from .model import POPULATIONS, NetworkModel, Population, check_bernoulli_rates

#: Default width of the bins of the population rates (s).
REGION_RATE_BIN = 1e-3
#: Prefix of the names of every Brian2 object of the multi-region network.
PREFIX = "regions"


@dataclass(frozen=True)
class PulseTrain:
    """Box pulses of afferent rate onto the RS cells of one region.

    Attributes
    ----------
    amplitude : float
        Rate per synapse (Hz) added to the drive of the region's RS cells (through the
        drive's K_ext synapses) during each pulse.
    onsets : tuple of float
        Start of each pulse (s).
    duration : float
        Length of every pulse (s): active on the steps ``onset <= k dt < onset + duration``,
        as the mean field's ``RegionStimulus``.
    region : int
        Index of the stimulated region.
    """

    amplitude: float
    onsets: tuple[float, ...]
    duration: float
    region: int = 0

    def __post_init__(self) -> None:
        check_range("stimulus amplitude", self.amplitude, 0.0, 1e3, unit="Hz")
        check_range("stimulus duration", self.duration, 0.0, 100.0, unit="s",
                    low_inclusive=False)  # fmt: skip
        onsets = tuple(float(check_range("stimulus onset", t, 0.0, 1e5, unit="s"))
                       for t in np.atleast_1d(self.onsets))  # fmt: skip
        object.__setattr__(self, "onsets", onsets)
        object.__setattr__(self, "region", int(self.region))

    def describe(self) -> dict[str, Any]:
        """The pulses as a JSON-friendly mapping (SI, units in the keys)."""
        return {"region": self.region, "amplitude_Hz": self.amplitude,
                "onsets_s": list(self.onsets), "duration_s": self.duration}  # fmt: skip

    def rate_at(self, times: np.ndarray) -> np.ndarray:
        """Afferent rate per synapse (Hz) at ``times`` (s)."""
        t = np.asarray(times, dtype=float)
        on = np.zeros(t.shape, dtype=bool)
        for onset in self.onsets:
            on |= (t >= onset - 1e-12) & (t < onset + self.duration - 1e-12)
        return self.amplitude * on


def long_range_in_degrees(weights: np.ndarray, coupling: float, k_ext: float) -> np.ndarray:
    """Long-range in-degrees ``K_lr[k, j] = round(G W[k, j] K_ext)`` (synapses per cell,
    int64 array (n, n)).

    Parameters
    ----------
    weights : ndarray (n, n)
        ``W[k, j]``, projection from region j to region k (>= 0).
    coupling : float
        Global coupling G (>= 0).
    k_ext : float
        In-degree of the drive, K_ext = K_e (synapses).

    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or not np.all(np.isfinite(w)) or (w < 0).any():
        raise ParameterError(f"weights must be a square, finite, non-negative matrix; got "
                             f"shape {w.shape}", parameters=("weights",))  # fmt: skip
    check_range("coupling", coupling, 0.0, 1e4)
    return np.rint(coupling * w * k_ext).astype(np.int64)


def draw_long_range(
    in_degrees: np.ndarray, n_exc: int, n_targets: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sources of the long-range synapses onto one population, fixed in-degree.

    Parameters
    ----------
    in_degrees : ndarray of int (n, n)
        ``K_lr[k, j]`` synapses from region j per target cell of region k.
    n_exc : int
        RS cells per region (sources; global index ``j n_exc + local``).
    n_targets : int
        Cells per region of the target population (global index ``k n_targets + local``).
    rng : numpy.random.Generator

    Returns
    -------
    pre, post : ndarray of int64
        Global source and target indices, one entry per synapse.
    pair : ndarray of int64
        ``k n + j`` of each synapse (to look up its delay).
    """
    n = in_degrees.shape[0]
    pre, post, pair = [], [], []
    for k in range(n):
        for j in range(n):
            degree = int(in_degrees[k, j])
            if degree == 0:
                continue
            if degree > n_exc:
                raise ParameterError(
                    f"long-range in-degree round(G W[{k}, {j}] K_ext) = {degree} exceeds the "
                    f"{n_exc} RS cells of a region; lower the coupling or enlarge the regions",
                    parameters=("coupling",),
                )
            local = np.stack([rng.choice(n_exc, degree, replace=False)
                              for _ in range(n_targets)])  # fmt: skip
            pre.append((j * n_exc + local).ravel())
            post.append(np.repeat(k * n_targets + np.arange(n_targets), degree))
            pair.append(np.full(local.size, k * n + j))
    if not pre:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return (np.concatenate(pre).astype(np.int64), np.concatenate(post).astype(np.int64),
            np.concatenate(pair).astype(np.int64))  # fmt: skip


def region_model(
    preset: str | Preset, n_total: int, drive: float, dt: float, *, b: float | None = None,
    keep_in_degrees: bool = True, ramp: float = 0.1,
) -> NetworkModel:  # fmt: skip
    """The network of one region: :meth:`NetworkModel.from_preset` (no traced cells), with
    the RS cells' spike-triggered adaptation ``b`` (A) replaced if given."""
    model = NetworkModel.from_preset(
        preset, n_total=n_total, keep_in_degrees=keep_in_degrees, drive_rate=drive, ramp=ramp,
        dt=dt, traced_cells=0,
    )  # fmt: skip
    if b is not None:
        check_range("b", b, 0.0, 1e-9, unit="A")
        cell = model.excitatory.cell.replace(b=float(b))
        model = model.replace(excitatory=Population("exc", cell, model.excitatory.size))
    return model


def _input_rates(model: NetworkModel, n_regions: int, duration: float,
                 stimulus: PulseTrain | None) -> dict[str, np.ndarray]:  # fmt: skip
    """External rate per synapse (n_steps, n_regions) of each population (Hz)."""
    t = model.times(duration)
    drive = model.drive_rates(duration)
    rates = {name: np.repeat(drive[:, None], n_regions, axis=1) for name in POPULATIONS}
    if stimulus is not None:
        if not 0 <= stimulus.region < n_regions:
            raise ParameterError(f"stimulus region = {stimulus.region}; allowed: 0 to "
                                 f"{n_regions - 1}", parameters=("stimulus",))  # fmt: skip
        rates["exc"][:, stimulus.region] += stimulus.rate_at(t)
    check_bernoulli_rates(rates, model.K_e, model.dt, "lower the drive or the stimulus amplitude")
    return rates


class _RegionsBuilt:
    """The Brian2 objects of the multi-region network (fixed names, fixed creation order)."""

    def __init__(self, model: NetworkModel, n_regions: int, rates: dict[str, np.ndarray],
                 long_range: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                 delay_steps: np.ndarray) -> None:  # fmt: skip
        b2 = brian2_cells.import_brian2()
        b2.defaultclock.dt = model.dt * b2.second
        self.cells = {
            pop.name: brian2_cells.adex_brian2(
                pop.cell, model.synapses, extra_equations="region : integer (constant)")
            for pop in model.populations
        }  # fmt: skip
        self.groups = {pop.name: self._group(model, pop, n_regions, rates[pop.name])
                       for pop in model.populations}  # fmt: skip
        objects: list[Any] = list(self.groups.values())
        objects += self._recurrent(model)
        self.long_range = {
            name: self._long_range(model, name, *long_range[name], delay_steps)
            for name in POPULATIONS
        }
        objects += list(self.long_range.values())
        self.spikes = {name: b2.SpikeMonitor(self.groups[name], record=True,
                                             name=f"{PREFIX}_spikes_{name}")
                       for name in POPULATIONS}  # fmt: skip
        objects += list(self.spikes.values())
        self.network = b2.Network(*objects)

    def _group(self, model: NetworkModel, pop: Population, n_regions: int, rate: np.ndarray):
        b2 = brian2_cells.import_brian2()
        timed = b2.TimedArray(rate * b2.Hz, dt=model.dt * b2.second,
                              name=f"{PREFIX}_rate_{pop.name}")  # fmt: skip
        group = self.cells[pop.name].neuron_group(
            n_regions * pop.size, namespace={"K_ext": model.K_e, f"rate_{pop.name}": timed},
            name=f"{PREFIX}_{pop.name}", method=brian2_cells.state_updater(model.integrator),
        )  # fmt: skip
        group.region = np.repeat(np.arange(n_regions), pop.size)
        group.V = model.V_init * b2.volt
        # SPEC 2.3 [code]: one Bernoulli event per step, probability dt K_ext nu(t, region);
        # one uniform number per cell and step whatever the rate (a fixed random stream).
        events = f"int(rand() < K_ext * rate_{pop.name}(t, region) * dt)"
        group.run_regularly(self.cells[pop.name].conductance_update(excitatory=events),
                            when="synapses", name=f"{PREFIX}_drive_{pop.name}")  # fmt: skip
        return group

    def _recurrent(self, model: NetworkModel) -> list[Any]:
        """Synapses within each region with probability p (no autapses), as SPEC 2.3."""
        p = model.connection_probability

        def connect(syn, pre, post) -> None:
            # the targets of cell i: its own region's block of the target group
            low = f"{post.size} * (i // {pre.size})"
            self_loop = " if k != i" if pre.name == post.name else ""
            syn.connect(j=f"k for k in sample({low}, {low} + {post.size}, p={p!r})"
                          f"{self_loop}")  # fmt: skip

        return recurrent_synapses(model.populations, self.cells, self.groups, connect,
                                  prefix=f"{PREFIX}_")  # fmt: skip

    def _long_range(self, model: NetworkModel, target: str, pre: np.ndarray, post: np.ndarray,
                    pair: np.ndarray, delay_steps: np.ndarray):  # fmt: skip
        b2 = brian2_cells.import_brian2()
        syn = b2.Synapses(
            self.groups["exc"], self.groups[target], on_pre="G_e_post += Q_e",
            namespace={"Q_e": self.cells[target].namespace["Q_e"]},
            name=f"{PREFIX}_long_range_{target}",
        )  # fmt: skip
        if pre.size:
            syn.connect(i=pre, j=post)
            syn.delay = delay_steps.ravel()[pair] * model.dt * b2.second
        else:  # G = 0: no projection (Brian2 refuses to run a Synapses without synapses)
            syn.active = False
        return syn


def _steps_per_bin(rate_bin: float, dt: float) -> int:
    steps = int(round(rate_bin / dt))
    if steps < 1 or abs(steps * dt - rate_bin) > 1e-9:
        raise ParameterError(f"rate_bin = {rate_bin:g} s must be a whole number of steps dt = "
                             f"{dt:g} s", parameters=("rate_bin",))  # fmt: skip
    return steps


def _checked_delays(delays: np.ndarray, n: int, dt: float, duration: float) -> np.ndarray:
    d = np.asarray(delays, dtype=float)
    if d.shape != (n, n) or not np.all(np.isfinite(d)) or (d < 0).any():
        raise ParameterError(f"delays must be a finite, non-negative ({n}, {n}) matrix (s); "
                             f"got shape {d.shape}", parameters=("delays",))  # fmt: skip
    if d.max(initial=0.0) >= duration:
        raise ParameterError(f"the longest delay {d.max():g} s is not shorter than the "
                             f"duration {duration:g} s", parameters=("delays",))  # fmt: skip
    return np.rint(d / dt).astype(np.int64)


def simulate_regions(
    preset: str | Preset,
    weights: np.ndarray,
    delays: np.ndarray,
    coupling: float,
    *,
    drive: float = 4.0,
    stimulus: PulseTrain | None = None,
    n_total: int = 4000,
    duration: float = 2.0,
    dt: float = 1e-4,
    seed: int = 0,
    b: float | None = None,
    keep_in_degrees: bool = True,
    ramp: float = 0.1,
    rate_bin: float = REGION_RATE_BIN,
    target: str | None = None,
    record_spikes: bool = False,
) -> xr.Dataset:
    """Simulate several regions of the paper's spiking network with delayed long-range
    excitatory projections (Brian2 runtime mode; see the module docstring).

    Parameters
    ----------
    preset : str or Preset
        Cells, synapses and network of every region (``"corrected_w"``...).
    weights : ndarray (n, n)
        ``W[k, j]``: strength of the projection from region j to region k (>= 0).
    delays : ndarray (n, n)
        Conduction delays ``d[k, j]`` (s), rounded to whole steps.
    coupling : float
        Global coupling G: ``K_lr[k, j] = round(G W[k, j] K_ext)`` synapses per target cell.
    drive : float
        Plateau of the drive per synapse of every region (Hz), after a ramp of ``ramp`` (s).
    stimulus : PulseTrain, optional
        Afferent pulses onto the RS cells of one region.
    n_total : int
        Neurons per region (the preset's inhibitory fraction).
    duration, dt : float
        Biological duration and time step (s); forward Euler as the single network.
    seed : int
        Seed of every draw (Brian2: connectivity, drive; NumPy: long-range sources).
    b : float, optional
        Spike-triggered adaptation of the RS cells (A); default the preset's.
    keep_in_degrees : bool
        Keep the preset's in-degrees K_e, K_i (p scaled as ``p N_ref / n_total``).
    ramp, rate_bin : float
        Duration of the drive's linear ramp (s); width of the rate bins (s, whole steps).
    target : {"cython", "numpy"}, optional
        Brian2's code target (default Cython where it can compile).
    record_spikes : bool
        Also return every spike (``spike_time_<pop>`` s, ``spike_cell_<pop>`` global index).

    Returns
    -------
    xarray.Dataset
        ``nu_e``, ``nu_i`` (time, region), population rates (Hz) in bins of ``rate_bin``
        (time = bin centres, s), as :class:`adexmf.brain.BrainNetwork` names them;
        ``afferent`` (time, region), the stimulus rate per synapse (Hz, bin mean);
        ``long_range_in_degree`` (region, source) asked for and ``long_range_in_degree_min``,
        ``long_range_in_degree_max`` (population, region, source) as built by Brian2;
        every setting, the timings (s) and provenance in attrs.
    """
    seed = check_seed(seed)
    model = region_model(preset, n_total, drive, dt, b=b, keep_in_degrees=keep_in_degrees,
                         ramp=ramp)  # fmt: skip
    k_lr = long_range_in_degrees(weights, coupling, model.K_e)
    n = k_lr.shape[0]
    delay_steps = _checked_delays(delays, n, dt, duration)
    steps_per_bin = _steps_per_bin(rate_bin, dt)
    rates = _input_rates(model, n, duration, stimulus)
    target = target or brian2_cells.default_target()
    built, timings = _build_and_run(model, k_lr, delay_steps, rates, duration, seed, target)
    ds = _dataset(model, built, n, duration, steps_per_bin, rates, k_lr, record_spikes)
    ds.attrs.update(_attrs(model, weights, coupling, delay_steps, stimulus, duration, seed,
                           rate_bin, target), **timings)  # fmt: skip
    del built
    gc.collect()
    return ds


def _build_and_run(model, k_lr, delay_steps, rates, duration, seed, target):
    """Draw the long-range sources (NumPy, ``seed``), build the Brian2 objects (``seed``) and
    run them: ``(built, {"construction_s", "simulation_s"})``."""
    b2 = brian2_cells.import_brian2()
    rng = np.random.default_rng(seed)
    long_range = {pop.name: draw_long_range(k_lr, model.excitatory.size, pop.size, rng)
                  for pop in model.populations}  # fmt: skip
    if b2.get_device().__class__.__name__ != "RuntimeDevice":  # a standalone one was active
        b2.device.reinit()
        b2.set_device("runtime")
    gc.collect()  # frees the objects of an earlier run, whose names are reused
    brian2_cells.configure_brian2(target)
    b2.seed(seed)
    wall0 = time.perf_counter()
    built = _RegionsBuilt(model, k_lr.shape[0], rates, long_range, delay_steps)
    wall1 = time.perf_counter()
    built.network.run(model.n_steps(duration) * model.dt * b2.second, namespace={})
    wall2 = time.perf_counter()
    return built, {"construction_s": wall1 - wall0, "simulation_s": wall2 - wall1}


def _binned_rates(times, cells, size, n, n_steps, steps_per_bin, dt) -> np.ndarray:
    """Spikes -> (bins, regions) rates (Hz); a spike of step k is stamped k dt."""
    n_bins = n_steps // steps_per_bin
    step = np.rint(np.asarray(times) / dt).astype(np.int64)
    keep = step < n_bins * steps_per_bin
    counts = np.zeros((n_bins, n))
    np.add.at(counts, (step[keep] // steps_per_bin, np.asarray(cells)[keep] // size), 1.0)
    return counts / (size * steps_per_bin * dt)


def _measured_in_degrees(built: _RegionsBuilt, model: NetworkModel, n: int) -> np.ndarray:
    """(2, 2, n, n): min and max over target cells of the synapses per source region, per
    target population, read back from Brian2's synapses."""
    out = np.zeros((2, 2, n, n), dtype=np.int64)
    for p, pop in enumerate(model.populations):
        syn = built.long_range[pop.name]
        pre = np.asarray(syn.i[:], dtype=np.int64) if len(syn) else np.zeros(0, np.int64)
        post = np.asarray(syn.j[:], dtype=np.int64) if len(syn) else np.zeros(0, np.int64)
        counts = np.zeros((n * pop.size, n), dtype=np.int64)
        np.add.at(counts, (post, pre // model.excitatory.size), 1)
        per_region = counts.reshape(n, pop.size, n)
        out[0, p], out[1, p] = per_region.min(axis=1), per_region.max(axis=1)
    return out


def _dataset(model, built, n, duration, steps_per_bin, rates, k_lr, record_spikes) -> xr.Dataset:
    dt, n_steps = model.dt, model.n_steps(duration)
    data: dict[str, Any] = {}
    for pop in model.populations:
        mon = built.spikes[pop.name]
        times, cells = np.asarray(mon.t_[:], float), np.asarray(mon.i[:], np.int64)
        key = "nu_e" if pop.name == "exc" else "nu_i"
        rate = _binned_rates(times, cells, pop.size, n, n_steps, steps_per_bin, dt)
        data[key] = (("time", "region"), rate,
                     {"units": "Hz", "long_name": f"{pop.name} population rate"})  # fmt: skip
        if record_spikes:
            dim = f"spike_{pop.name}"
            data[f"spike_time_{pop.name}"] = ((dim,), times, {"units": "s"})
            data[f"spike_cell_{pop.name}"] = ((dim,), cells, {"units": "1", "long_name": (
                f"global cell index; region = index // {pop.size}")})  # fmt: skip
    n_bins = data["nu_e"][1].shape[0]
    aff = rates["exc"] - rates["inh"]
    aff = aff[: n_bins * steps_per_bin].reshape(n_bins, steps_per_bin, n).mean(axis=1)
    aff_attrs = {"units": "Hz", "long_name": "stimulus rate per synapse (RS cells)"}
    data["afferent"] = (("time", "region"), aff, aff_attrs)
    data["long_range_in_degree"] = (("region", "source"), k_lr, {"units": "1"})
    measured = _measured_in_degrees(built, model, n)
    for m, which in enumerate(("min", "max")):
        data[f"long_range_in_degree_{which}"] = (("population", "region", "source"),
                                                 measured[m], {"units": "1"})  # fmt: skip
    coords = {
        "time": ("time", (np.arange(n_bins) + 0.5) * steps_per_bin * dt,
                 {"units": "s", "long_name": "bin centre"}),
        "region": ("region", np.arange(n)),
        "source": ("source", np.arange(n)),
        "population": ("population", list(POPULATIONS)),
    }  # fmt: skip
    return xr.Dataset(data, coords=coords)


def _attrs(model, weights, coupling, delay_steps, stimulus, duration, seed, rate_bin,
           target) -> dict[str, Any]:  # fmt: skip
    return {
        "model": "spiking regions",
        "preset": model.preset,
        "n_regions": int(delay_steps.shape[0]),
        "n_total_per_region": int(model.n_total),
        "connection_probability": float(model.connection_probability),
        "K_e": float(model.K_e),
        "K_i": float(model.K_i),
        "K_ext": float(model.K_e),
        "b_A": float(model.excitatory.cell.b),
        "weights": json.dumps(np.asarray(weights, dtype=float).tolist()),
        "coupling": float(coupling),
        "delays_s": json.dumps((delay_steps * model.dt).tolist()),
        "drive_Hz": float(model.drive.rate),
        "ramp_s": float(model.drive.ramp),
        "drive_events": "bernoulli",
        "stimulus": json.dumps(None if stimulus is None else stimulus.describe()),
        "duration_s": float(duration),
        "dt_s": float(model.dt),
        "rate_bin_s": float(rate_bin),
        "integrator": model.integrator,
        "seed": int(seed),
        "simulator": f"brian2 {brian2_cells.import_brian2().__version__} runtime ({target})",
        "network": json.dumps(model.parameters(), default=str),
        **provenance(),
    }
