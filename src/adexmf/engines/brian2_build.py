"""The Brian2 objects of one network, built from the backend-neutral description.

Cells are the one Brian2 transcription of the AdEx equations
(:func:`adexmf.engines.brian2_cells.adex_brian2`, "ode" conductances). Integration: forward
Euler at the model's dt (``method="euler"``, as Brian2 chooses by default for these
equations, SPEC 2.3), or Heun's method with ``NetworkDescription.integrator = "heun"``; the
threshold ``V > V_T + 5 delta_T`` is tested after each update, and V is clamped at V_reset
during the refractory period while w evolves. Synapses have no delay: a spike in step k
increments the target conductances in the same step. The "independent" drive is a per-neuron
Bernoulli (or Poisson) number of events per step (``run_regularly`` in the synapse slot); the
"population" drive is a ``PoissonGroup`` of N_e sources.

Every object has a fixed name, and the objects are created in a fixed order, so that the
generated code is reproducible (the standalone mode reruns it without recompiling) and a seed
gives the same network in both modes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .brian2_cells import AdExBrian2, adex_brian2, import_brian2, state_updater
from .recording import NetworkDescription, RawRecording


class BuiltNetwork:
    """The Brian2 objects of one network, named so that generated code is reproducible.

    Parameters
    ----------
    model : NetworkModel
        Network description.
    rates : dict of str to ndarray
        External rate per synapse of each population on the grid ``k dt`` (Hz).
    drive : ndarray
        Drive rate per synapse on the grid (Hz).

    Attributes
    ----------
    timed : dict of str to brian2.TimedArray
        The input waveforms (``rate_exc``, ``rate_inh``; or ``drive`` and ``afferent``),
        whose values a standalone rerun replaces.
    groups, spikes, traces : dict of str to Brian2 object
        Neuron groups, spike monitors and state monitors per population.
    network : brian2.Network
        Every object above.
    """

    def __init__(
        self, model: NetworkDescription, rates: dict[str, np.ndarray], drive: np.ndarray
    ) -> None:
        b2 = import_brian2()
        self.model = model
        dt = model.dt * b2.second
        # One clock for every object: separate clocks would make the generated standalone
        # code depend on set ordering, defeating the no-recompilation reruns.
        b2.defaultclock.dt = dt
        self.timed = _timed_arrays(model, rates, drive, dt)
        cells = {pop.name: adex_brian2(pop.cell, model.synapses) for pop in model.populations}
        self.groups = _neuron_groups(model, cells, self.timed)
        objects: list[Any] = list(self.groups.values())
        if model.recurrent:
            objects += _recurrent_synapses(model, cells, self.groups)
        if model.drive.model != "independent":
            objects += _population_drive(model, self.timed, self.groups)
        self.spikes: dict[str, Any] = {}
        self.traces: dict[str, Any] = {}
        for pop in model.populations:
            objects += self._monitor(pop.name)
        self.network = b2.Network(*objects)

    def _monitor(self, name: str) -> list[Any]:
        """Spike monitor of one population and, if it has traced cells, its state monitor."""
        b2 = import_brian2()
        recorders = self.model.recorders
        self.spikes[name] = b2.SpikeMonitor(self.groups[name], record=True, name=f"spikes_{name}")
        cells = list(recorders.traced[name])
        if not (cells and recorders.variables):
            return [self.spikes[name]]
        self.traces[name] = b2.StateMonitor(
            self.groups[name], list(recorders.variables), record=cells, name=f"traces_{name}"
        )
        return [self.spikes[name], self.traces[name]]

    def recording(self) -> RawRecording:
        """Read the monitors (SI floats)."""
        spike_times, spike_neurons = {}, {}
        traces: dict[str, dict[str, np.ndarray]] = {v: {} for v in self.model.recorders.variables}
        for name in _names(self.model):
            mon = self.spikes[name]
            spike_times[name] = np.asarray(mon.t_[:], dtype=np.float64)
            spike_neurons[name] = np.asarray(mon.i[:], dtype=np.int64)
            if name in self.traces:
                for var in self.model.recorders.variables:
                    traces[var][name] = np.asarray(getattr(self.traces[name], f"{var}_")[:])
        return RawRecording(spike_times, spike_neurons, traces)


def _names(model: NetworkDescription) -> tuple[str, ...]:
    """Names of the populations in global-index order (``("exc", "inh")``)."""
    return tuple(pop.name for pop in model.populations)


def _timed_arrays(
    model: NetworkDescription, rates: dict[str, np.ndarray], drive: np.ndarray, dt: Any
) -> dict[str, Any]:
    """The input waveforms as named ``TimedArray`` objects (Hz) on the clock's grid."""
    b2 = import_brian2()
    timed: dict[str, Any] = {}
    if model.drive.model == "independent":
        for name in _names(model):
            timed[f"rate_{name}"] = b2.TimedArray(
                rates[name] * b2.Hz, dt=dt, name=f"rate_ext_{name}"
            )
        return timed
    timed["drive"] = b2.TimedArray(drive * b2.Hz, dt=dt, name="rate_drive")
    if model.afferent is not None:
        timed["afferent"] = b2.TimedArray(
            (rates[model.afferent.population] - drive) * b2.Hz,
            dt=dt,
            name="rate_afferent",
        )
    return timed


def _neuron_groups(
    model: NetworkDescription, cells: dict[str, AdExBrian2], timed: dict[str, Any]
) -> dict[str, Any]:
    """One ``NeuronGroup`` per population, with the independent drive's events if any."""
    b2 = import_brian2()
    independent = model.drive.model == "independent"
    groups: dict[str, Any] = {}
    for pop in model.populations:
        extra: dict[str, Any] = {"K_ext": model.K_e}
        if independent:
            extra[f"rate_ext_{pop.name}"] = timed[f"rate_{pop.name}"]
        group = cells[pop.name].neuron_group(
            pop.size, namespace=extra, name=pop.name, method=state_updater(model.integrator)
        )
        group.V = model.V_init * b2.volt
        if independent:
            # SPEC 2.3 [code]: one Bernoulli event per step, probability dt K_e nu(t);
            # or a Poisson number of events of that mean.
            mean = f"K_ext * rate_ext_{pop.name}(t) * dt"
            events = (
                f"int(rand() < {mean})" if model.drive.events == "bernoulli" else f"poisson({mean})"
            )
            group.run_regularly(
                cells[pop.name].conductance_update(excitatory=events),
                when="synapses",
                name=f"drive_{pop.name}",
            )
        groups[pop.name] = group
    return groups


def recurrent_synapses(
    populations, cells: dict[str, AdExBrian2], groups: dict[str, Any],
    connect: Callable[[Any, Any, Any], None], prefix: str = "",
) -> list[Any]:
    """Recurrent synapses between every pair of populations: each presynaptic population
    adds its quantal conductance Q to the postsynaptic cells' G_e or G_i; ``connect(syn,
    pre, post)`` draws the connections (the column's rule, or a multi-region network's)."""
    b2 = import_brian2()
    objects = []
    for pre in populations:
        kind = "e" if pre.name == "exc" else "i"
        for post in populations:
            syn = b2.Synapses(
                groups[pre.name],
                groups[post.name],
                on_pre=f"G_{kind}_post += Q_{kind}",
                namespace={f"Q_{kind}": cells[post.name].namespace[f"Q_{kind}"]},
                name=f"{prefix}syn_{pre.name}_{post.name}",
            )
            connect(syn, pre, post)
            objects.append(syn)
    return objects


def _recurrent_synapses(
    model: NetworkDescription, cells: dict[str, AdExBrian2], groups: dict[str, Any]
) -> list[Any]:
    """Recurrent synapses between every pair of populations (no autapses), probability p."""
    p = model.connection_probability

    def connect(syn, pre, post) -> None:
        if pre.name == post.name:
            syn.connect(condition="i != j", p=p)
        else:
            syn.connect(p=p)

    return recurrent_synapses(model.populations, cells, groups, connect)


def _population_drive(
    model: NetworkDescription, timed: dict[str, Any], groups: dict[str, Any]
) -> list[Any]:
    """The "population" drive (and afferent input): N_e Poisson sources each, probability p."""
    b2 = import_brian2()
    p = model.connection_probability
    sources = [("drive", timed["drive"], _names(model))]
    if model.afferent is not None:
        sources.append(("afferent", timed["afferent"], (model.afferent.population,)))
    objects = []
    for label, rate, targets in sources:
        group = b2.PoissonGroup(
            model.n_sources,
            rates=f"{rate.name}(t)",
            namespace={rate.name: rate},
            name=f"{label}_sources",
        )
        objects.append(group)
        for target in targets:
            syn = b2.Synapses(
                group,
                groups[target],
                on_pre="G_e_post += Q_e",
                namespace={"Q_e": model.synapses.Q_e * b2.siemens},
                name=f"syn_{label}_{target}",
            )
            syn.connect(p=p)
            objects.append(syn)
    return objects
