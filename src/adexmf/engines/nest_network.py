"""NEST network engine: ``aeif_cond_exp`` cells mapped from the same network description.

An optional dependency (``pip install adexmf[nest]``). The cells come from the one NEST
transcription of the AdEx cell (:func:`adexmf.engines.nest_cells.aeif_parameters`);
inhibitory weights are negative (NEST's convention for the inhibitory conductance).

Integration: NEST's ``aeif_cond_exp`` uses the GSL adaptive Runge-Kutta-Fehlberg 4(5) solver
inside each step of the model's dt (error tolerance ``gsl_error_tol``, 1e-6 by default), not
forward Euler; V is clamped at V_reset during the refractory period. NEST needs a synaptic
delay of at least one step: recurrent and drive connections get ``delay = dt``.

Drive as generators: the "independent" model gives each neuron its own Poisson train of rate
``K_e nu(t)`` from an ``inhomogeneous_poisson_generator`` (independent per target; several
events per step are possible, whereas Brian2 draws one Bernoulli event per step); the
"population" model feeds N_e ``parrot_neuron`` sources with independent Poisson trains of
rate ``nu(t)`` and connects them with probability p.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from typing import Any

import numpy as np

from .nest_cells import aeif_parameters, import_nest
from .recording import NetworkDescription, RawRecording
from .settings import EngineSettings

#: NEST recordables of the traced variables, with the factor from NEST units to SI.
_RECORDABLES: dict[str, tuple[str, float]] = {
    "V": ("V_m", 1e-3),
    "G_e": ("g_ex", 1e-9),
    "G_i": ("g_in", 1e-9),
    "w": ("w", 1e-12),
}


def cell_parameters(model: NetworkDescription, pop: Any) -> dict[str, float]:
    """``aeif_cond_exp`` parameters of a population, in NEST units (pF, nS, mV, ms, pA)."""
    return aeif_parameters(pop.cell, model.synapses, V_init=model.V_init)


def _rate_schedule(rates: np.ndarray, dt: float) -> tuple[list[float], list[float]]:
    """Change points of a rate sampled on the grid k dt, as NEST rate_times (ms) and values.

    The rate of step k applies from ``k dt`` (the rate before the first change is 0). NEST
    needs strictly positive times, so a rate set at step 0 starts at step 1 instead.
    """
    previous = np.concatenate([[0.0], rates[:-1]])
    change = np.flatnonzero(rates != previous)
    steps = np.maximum(change, 1)
    # Where steps 0 and 1 both change, the later value wins.
    last = np.flatnonzero(np.append(steps[1:] != steps[:-1], True))
    times_ms = np.round(steps[last] * dt * 1e3, 6)
    return times_ms.tolist(), rates[change[last]].tolist()


class NestEngine:
    """The NEST simulator (``aeif_cond_exp`` cells, GSL adaptive solver, one-step delays)."""

    name = "nest"

    def simulate(
        self, model: NetworkDescription, duration: float, seed: int, settings: EngineSettings
    ) -> RawRecording:
        """Simulate the network with NEST.

        Parameters
        ----------
        model : NetworkModel
            Network description.
        duration : float
            Biological duration (s).
        seed : int
            Seed, checked by the seam (NEST's ``rng_seed`` is ``seed + 1``, as NEST needs a
            seed >= 1).
        settings : EngineSettings
            ``threads``: NEST threads (``local_num_threads``).

        Returns
        -------
        RawRecording
            Spikes and traces; ``timings`` holds ``construction_s`` (nodes and connections),
            ``simulation_s`` and CPU times; ``backend`` is ``"nest"``.

        Notes
        -----
        The "independent" drive is always simulated with Poisson events here (NEST has no
        Bernoulli-per-step generator); the recording's ``simulated`` description says so, and
        with it the Dataset's protocol (``drive_events = "poisson"``).
        """
        nest = import_nest()
        given = model
        if model.drive.model == "independent" and model.drive.events != "poisson":
            # NEST's generators emit Poisson trains; record what was actually simulated.
            model = model.replace(drive=dataclasses.replace(model.drive, events="poisson"))
        rates = model.external_rates(duration)
        dt_ms = model.dt * 1e3
        n_steps = model.n_steps(duration)
        nest.ResetKernel()
        nest.SetKernelStatus(
            {
                "resolution": dt_ms,
                "local_num_threads": int(settings.threads),
                "rng_seed": int(seed) + 1,
                "print_time": False,
            }
        )
        wall0, cpu0 = time.perf_counter(), time.process_time()
        groups = build_network(nest, model, rates, duration)
        recorders, meters = _recorders(nest, model, groups)
        wall1, cpu1 = time.perf_counter(), time.process_time()
        nest.Simulate(n_steps * dt_ms)
        wall2, cpu2 = time.perf_counter(), time.process_time()
        raw = RawRecording(
            *_spikes(model, groups, recorders),
            _traces(model, groups, meters, n_steps),
            timings={
                "construction_s": wall1 - wall0,
                "construction_cpu_s": cpu1 - cpu0,
                "simulation_s": wall2 - wall1,
                "simulation_cpu_s": cpu2 - cpu1,
                "peak_rss_bytes": _peak_rss_bytes(),
            },
            info=_nest_info(nest, dt_ms, settings.threads),
            backend="nest",
        )
        if model is not given:
            raw.simulated = model
        return raw


def build_network(
    nest: Any, model: NetworkDescription, rates: dict[str, np.ndarray], duration: float
) -> dict[str, Any]:
    """Create the neurons, their recurrent connections and the drive; return the neurons."""
    groups = {
        pop.name: nest.Create("aeif_cond_exp", pop.size, params=cell_parameters(model, pop))
        for pop in model.populations
    }
    p = model.connection_probability
    dt_ms = model.dt * 1e3
    Q_e, Q_i = model.synapses.Q_e * 1e9, model.synapses.Q_i * 1e9
    for pre in model.populations if model.recurrent else ():
        weight = Q_e if pre.name == "exc" else -Q_i
        for post in model.populations:
            nest.Connect(
                groups[pre.name],
                groups[post.name],
                {"rule": "pairwise_bernoulli", "p": p, "allow_autapses": False},
                {"synapse_model": "static_synapse", "weight": weight, "delay": dt_ms},
            )
    connect_drive(nest, model, rates, duration, groups)
    return groups


def connect_drive(
    nest: Any,
    model: NetworkDescription,
    rates: dict[str, np.ndarray],
    duration: float,
    groups: dict[str, Any],
) -> None:
    """Poisson generators of the drive (and afferent input), connected to the neurons."""
    p = model.connection_probability
    dt_ms = model.dt * 1e3

    def generator(rate: np.ndarray) -> Any:
        times, values = _rate_schedule(rate, model.dt)
        gen = nest.Create("inhomogeneous_poisson_generator")
        if times:
            gen.set(rate_times=times, rate_values=values)
        return gen

    excitatory = {"synapse_model": "static_synapse", "weight": model.synapses.Q_e * 1e9,
                  "delay": dt_ms}  # fmt: skip
    if model.drive.model == "independent":
        for name in groups:
            nest.Connect(generator(model.K_e * rates[name]), groups[name], "all_to_all", excitatory)
        return
    drive = model.drive_rates(duration)
    sources = [(drive, tuple(groups))]
    if model.afferent is not None:
        target = model.afferent.population
        sources.append((rates[target] - drive, (target,)))
    for rate, targets in sources:
        parrots = nest.Create("parrot_neuron", model.n_sources)
        nest.Connect(generator(rate), parrots, "all_to_all", {"delay": dt_ms})
        for target in targets:
            nest.Connect(
                parrots, groups[target], {"rule": "pairwise_bernoulli", "p": p}, excitatory
            )


def _recorders(
    nest: Any, model: NetworkDescription, groups: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Spike recorders of every population and multimeters of the traced cells."""
    recorders = {}
    for name in groups:
        rec = nest.Create("spike_recorder")
        nest.Connect(groups[name], rec)
        recorders[name] = rec
    meters = {}
    variables = model.recorders.variables
    for pop in model.populations:
        cells = model.recorders.traced[pop.name]
        if cells and variables:
            mm = nest.Create(
                "multimeter",
                params={"interval": model.dt * 1e3,
                        "record_from": [_RECORDABLES[v][0] for v in variables]},
            )  # fmt: skip
            nest.Connect(mm, groups[pop.name][list(cells)])
            meters[pop.name] = mm
    return recorders, meters


def _spikes(
    model: NetworkDescription, groups: dict[str, Any], recorders: dict[str, Any]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Spike times (s, on the grid ``k dt``) and indices within the population."""
    spike_times, spike_neurons = {}, {}
    for pop in model.populations:
        events = recorders[pop.name].get("events")
        first = groups[pop.name][0].global_id
        # NEST stamps a spike of step k at (k + 1) dt; the grid convention here is k dt.
        spike_times[pop.name] = np.asarray(events["times"], dtype=np.float64) * 1e-3 - model.dt
        spike_neurons[pop.name] = np.asarray(events["senders"], dtype=np.int64) - first
    return spike_times, spike_neurons


def _traces(
    model: NetworkDescription, groups: dict[str, Any], meters: dict[str, Any], n_steps: int
) -> dict[str, dict[str, np.ndarray]]:
    """Traces of the traced cells on the grid (SI; the initial state before the first
    sample)."""
    variables = model.recorders.variables
    dt_ms = model.dt * 1e3
    traces: dict[str, dict[str, np.ndarray]] = {v: {} for v in variables}
    initial = {"V": model.V_init, "G_e": 0.0, "G_i": 0.0, "w": 0.0}
    for pop in model.populations:
        if pop.name not in meters:
            continue
        events = meters[pop.name].get("events")
        cells = model.recorders.traced[pop.name]
        gids = [groups[pop.name][c].global_id for c in cells]
        senders = np.asarray(events["senders"])
        steps = np.rint(np.asarray(events["times"]) / dt_ms).astype(np.int64)
        for var in variables:
            name, factor = _RECORDABLES[var]
            values = np.asarray(events[name], dtype=np.float64) * factor
            out = np.full((len(cells), n_steps), initial[var])
            for row, gid in enumerate(gids):
                sel = (senders == gid) & (steps < n_steps)
                out[row, steps[sel]] = values[sel]
            traces[var][pop.name] = out
    return traces


def _peak_rss_bytes() -> float:
    """Peak resident memory of this process (bytes)."""
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def _nest_info(nest: Any, dt_ms: float, threads: int) -> dict[str, Any]:
    """Backend details recorded in the Dataset's attrs."""
    return {
        "simulator": f"nest {nest.__version__}",
        "model": "aeif_cond_exp",
        "integrator": "GSL adaptive Runge-Kutta-Fehlberg 4(5) within each step",
        "synaptic_delay": f"{dt_ms:g} ms (one step, NEST's minimum)",
        "drive_events": "poisson (NEST's generators have no Bernoulli-per-step train)",
        "threads": int(threads),
    }
