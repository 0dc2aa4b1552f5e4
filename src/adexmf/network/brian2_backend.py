"""Brian2 backend (the default): runtime mode and C++ standalone mode.

Integration: forward Euler at the model's dt (``method="euler"``, as Brian2 chooses by
default for these equations, SPEC 2.3), or Heun's method with ``NetworkModel.integrator =
"heun"`` (:func:`adexmf.brian2_adex.state_updater`); the threshold ``V > V_T + 5 delta_T`` is tested
after each update, and V is clamped at V_reset during the refractory period while w evolves.
Synapses have no delay: a spike in step k increments the target conductances in the same
step. The "independent" drive is a per-neuron Bernoulli (or Poisson) number of events per
step (``run_regularly`` in the synapse slot); the "population" drive is a ``PoissonGroup``
of N_e sources.

The cells are the one Brian2 transcription of the AdEx equations,
:func:`adexmf.brian2_adex.adex_brian2` with the "ode" conductance mechanism (also used, with
exact conductance decay, by the single-cell cross-check); Brian2 is set up by
:func:`adexmf.brian2_adex.configure_brian2`. Compiled code lives in the user's cache directory
(:func:`adexmf.brian2_adex.cache_dir`): Cython extensions of the runtime mode under
``cython/``, C++ standalone projects under ``standalone/<hash of the network>``, never in the
working folder.

Standalone mode compiles once per network structure and duration; :meth:`Brian2Standalone.run`
reruns the binary with another seed (read from the environment by code inserted at the top
of ``main``) and other drive or afferent waveforms (``TimedArray`` values passed as
``run_args``), without recompiling.
"""

from __future__ import annotations

import gc
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..brian2_adex import (
    RUNTIME_TARGETS,
    adex_brian2,
    cache_dir,
    clear_cache,
    configure_brian2,
    state_updater,
)
from ..errors import AdexmfError, ParameterError
from ..stimuli import Waveform, sample_waveform
from .analysis import RawRecording, make_dataset
from .model import POPULATIONS, NetworkModel

__all__ = [
    "RUNTIME_TARGETS",
    "SEED_VARIABLE",
    "Brian2Standalone",
    "cache_dir",
    "clear_cache",
    "configure_brian2",
    "run_runtime",
    "run_standalone",
]

#: Environment variable through which a standalone binary receives its seed.
SEED_VARIABLE = "ADEXMF_SEED"

_active_standalone: Brian2Standalone | None = None


def _max_rss_bytes() -> int:
    """Peak resident memory of this process and its finished children (bytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(max(own, children) * 1024)


class _Built:
    """The Brian2 objects of one network, named so that generated code is reproducible."""

    def __init__(
        self, model: NetworkModel, rates: dict[str, np.ndarray], drive: np.ndarray
    ) -> None:
        import brian2 as b2

        self.model = model
        dt = model.dt * b2.second
        # One clock for every object: separate clocks would make the generated standalone
        # code depend on set ordering, defeating the no-recompilation reruns.
        b2.defaultclock.dt = dt
        self.timed: dict[str, Any] = {}
        self.groups: dict[str, Any] = {}
        self.spikes: dict[str, Any] = {}
        self.traces: dict[str, Any] = {}
        objects: list[Any] = []
        independent = model.drive.model == "independent"
        if independent:
            for name in POPULATIONS:
                self.timed[f"rate_{name}"] = b2.TimedArray(
                    rates[name] * b2.Hz, dt=dt, name=f"rate_ext_{name}"
                )
        else:
            self.timed["drive"] = b2.TimedArray(drive * b2.Hz, dt=dt, name="rate_drive")
            if model.afferent is not None:
                self.timed["afferent"] = b2.TimedArray(
                    (rates[model.afferent.population] - drive) * b2.Hz,
                    dt=dt,
                    name="rate_afferent",
                )

        cells = {pop.name: adex_brian2(pop.cell, model.synapses) for pop in model.populations}
        for pop in model.populations:
            extra: dict[str, Any] = {"K_ext": model.K_e}
            if independent:
                extra[f"rate_ext_{pop.name}"] = self.timed[f"rate_{pop.name}"]
            group = cells[pop.name].neuron_group(
                pop.size, namespace=extra, name=pop.name, method=state_updater(model.integrator)
            )
            group.V = model.V_init * b2.volt
            if independent:
                # SPEC 2.3 [code]: one Bernoulli event per step, probability dt K_e nu(t);
                # or a Poisson number of events of that mean.
                mean = f"K_ext * rate_ext_{pop.name}(t) * dt"
                events = (
                    f"int(rand() < {mean})"
                    if model.drive.events == "bernoulli"
                    else f"poisson({mean})"
                )
                group.run_regularly(
                    cells[pop.name].conductance_update(excitatory=events),
                    when="synapses",
                    name=f"drive_{pop.name}",
                )
            self.groups[pop.name] = group
            objects.append(group)

        p = model.connection_probability
        for pre in model.populations if model.recurrent else ():
            kind = "e" if pre.name == "exc" else "i"
            for post in model.populations:
                syn = b2.Synapses(
                    self.groups[pre.name],
                    self.groups[post.name],
                    on_pre=f"G_{kind}_post += Q_{kind}",
                    namespace={f"Q_{kind}": cells[post.name].namespace[f"Q_{kind}"]},
                    name=f"syn_{pre.name}_{post.name}",
                )
                if pre.name == post.name:
                    syn.connect(condition="i != j", p=p)
                else:
                    syn.connect(p=p)
                objects.append(syn)

        if not independent:
            sources = [("drive", self.timed["drive"], POPULATIONS)]
            if model.afferent is not None:
                sources.append(("afferent", self.timed["afferent"], (model.afferent.population,)))
            for label, timed, targets in sources:
                group = b2.PoissonGroup(
                    model.n_sources,
                    rates=f"{timed.name}(t)",
                    namespace={timed.name: timed},
                    name=f"{label}_sources",
                )
                objects.append(group)
                for target in targets:
                    syn = b2.Synapses(
                        group,
                        self.groups[target],
                        on_pre="G_e_post += Q_e",
                        namespace={"Q_e": model.synapses.Q_e * b2.siemens},
                        name=f"syn_{label}_{target}",
                    )
                    syn.connect(p=p)
                    objects.append(syn)

        for pop in model.populations:
            self.spikes[pop.name] = b2.SpikeMonitor(
                self.groups[pop.name], record=True, name=f"spikes_{pop.name}"
            )
            objects.append(self.spikes[pop.name])
            cells = list(model.recorders.traced[pop.name])
            if cells and model.recorders.variables:
                self.traces[pop.name] = b2.StateMonitor(
                    self.groups[pop.name],
                    list(model.recorders.variables),
                    record=cells,
                    name=f"traces_{pop.name}",
                )
                objects.append(self.traces[pop.name])
        self.network = b2.Network(*objects)

    def recording(self) -> RawRecording:
        """Read the monitors (SI floats)."""
        spike_times, spike_neurons = {}, {}
        traces: dict[str, dict[str, np.ndarray]] = {v: {} for v in self.model.recorders.variables}
        for name in POPULATIONS:
            mon = self.spikes[name]
            spike_times[name] = np.asarray(mon.t_[:], dtype=np.float64)
            spike_neurons[name] = np.asarray(mon.i[:], dtype=np.int64)
            if name in self.traces:
                for var in self.model.recorders.variables:
                    traces[var][name] = np.asarray(getattr(self.traces[name], f"{var}_")[:])
        return RawRecording(spike_times, spike_neurons, traces)


def _brian2_info(mode: str, target: str, integrator: str) -> dict[str, Any]:
    import brian2

    return {
        "simulator": f"brian2 {brian2.__version__}",
        "mode": mode,
        "target": target,
        "integrator": {
            "euler": "forward Euler (method='euler')",
            "heun": "Heun's method (explicit, two stages)",
        }[integrator],  # fmt: skip
        "synaptic_delay": "none",
    }


def _leave_standalone() -> None:
    """Return Brian2 to runtime mode, invalidating any compiled standalone simulation.

    Also frees the Brian2 objects of earlier simulations, so that the next build reuses
    their names: renamed objects (``exc_1``) would change the generated code and force a
    recompilation.
    """
    global _active_standalone
    from brian2 import device, set_device

    if _active_standalone is not None:
        _active_standalone._valid = False
        _active_standalone._built = None
        _active_standalone = None
    if device.__class__.__name__ != "RuntimeDevice":
        device.reinit()
        set_device("runtime")
    gc.collect()


def run_runtime(
    model: NetworkModel,
    duration: float,
    seed: int,
    *,
    target: str = "cython",
) -> xr.Dataset:
    """Simulate the network with Brian2's runtime mode.

    Parameters
    ----------
    model : NetworkModel
        Network description.
    duration : float
        Biological duration (s).
    seed : int
        Seed of every random draw (connectivity, drive).
    target : {"cython", "numpy"}
        Code-generation target: Cython (compiled once, cached; fastest) or NumPy (no
        compilation; for small networks and fresh machines).

    Returns
    -------
    xarray.Dataset
        See :func:`adexmf.network.analysis.make_dataset`; ``timings`` in the attrs holds
        ``construction_s`` (objects and connectivity), ``simulation_s`` and ``simulation_cpu_s``
        (the run, including code generation and, with a cold cache, compilation).
    """
    if target not in RUNTIME_TARGETS:
        raise ParameterError(f"target = {target!r}; allowed: {', '.join(RUNTIME_TARGETS)}")
    if not 0 <= int(seed) < 2**32:
        raise ParameterError(f"seed = {seed} is out of range; allowed: [0, 2**32)")
    import brian2 as b2

    rates = model.external_rates(duration)
    _leave_standalone()
    configure_brian2(target)
    b2.seed(int(seed))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    built = _Built(model, rates, model.drive_rates(duration))
    wall1, cpu1 = time.perf_counter(), time.process_time()
    built.network.run(model.n_steps(duration) * model.dt * b2.second, namespace={})
    wall2, cpu2 = time.perf_counter(), time.process_time()
    raw = built.recording()
    raw.timings = {
        "construction_s": wall1 - wall0,
        "construction_cpu_s": cpu1 - cpu0,
        "simulation_s": wall2 - wall1,
        "simulation_cpu_s": cpu2 - cpu1,
        "peak_rss_bytes": float(_max_rss_bytes()),
    }
    raw.info = _brian2_info("runtime", target, model.integrator)
    return make_dataset(model, duration, raw, seed=seed, backend=f"brian2-runtime-{target}")


class Brian2Standalone:
    """A network compiled once by Brian2's C++ standalone mode, rerun with new seeds/inputs.

    Parameters
    ----------
    model : NetworkModel
        Network description (its waveforms are the defaults of :meth:`run`).
    duration : float
        Biological duration (s), fixed by the compiled code.
    directory : path, optional
        Project folder; default ``cache_dir()/standalone/<hash of model and duration>``, so
        another process building the same network reuses the compiled binary.
    threads : int
        OpenMP threads of the binary (0: no OpenMP).

    Notes
    -----
    Brian2 keeps one standalone device per process: building another
    :class:`Brian2Standalone` or running the runtime mode invalidates this one. Use it as a
    context manager (or call :meth:`close`) to return Brian2 to runtime mode afterwards.
    """

    def __init__(
        self,
        model: NetworkModel,
        duration: float,
        *,
        directory: str | Path | None = None,
        threads: int = 0,
    ) -> None:
        global _active_standalone
        import brian2 as b2

        self.model = model
        self.duration = float(duration)
        rates = model.external_rates(duration)
        key = model.structure_key(duration) + (f"-t{threads}" if threads else "")
        self.directory = Path(directory) if directory else cache_dir() / "standalone" / key
        self.directory.mkdir(parents=True, exist_ok=True)
        _leave_standalone()
        configure_brian2("numpy")
        b2.prefs.devices.cpp_standalone.openmp_threads = int(threads)
        b2.set_device("cpp_standalone", directory=str(self.directory), build_on_run=False)
        b2.device.reinit()
        b2.device.activate(directory=str(self.directory), build_on_run=False)
        n_generators = max(int(threads), 1)
        # Seed every random generator from the environment before anything random happens.
        b2.device.insert_code(
            "main",
            f"""{{
    const char* _adexmf_seed = std::getenv("{SEED_VARIABLE}");
    if (_adexmf_seed != nullptr) {{
        const unsigned long _s = std::stoul(std::string(_adexmf_seed));
        for (int _i = 0; _i < {n_generators}; _i++)
            brian::_random_generators[_i].seed(_s * {n_generators}UL + _i);
    }}
}}""",
        )
        wall0, cpu0 = time.perf_counter(), time.process_time()
        self._built = _Built(model, rates, model.drive_rates(duration))
        self._built.network.run(model.n_steps(duration) * model.dt * b2.second, namespace={})
        wall1 = time.perf_counter()
        binary = self.directory / "main"
        mtime = binary.stat().st_mtime if binary.exists() else None
        b2.device.build(directory=str(self.directory), compile=True, run=False, with_output=False)
        wall2, cpu2 = time.perf_counter(), time.process_time()
        self.recompiled = mtime is None or binary.stat().st_mtime != mtime
        self.timings = {
            "construction_s": wall2 - wall0,
            "code_generation_s": wall1 - wall0,
            "compilation_s": wall2 - wall1,
            "construction_cpu_s": cpu2 - cpu0,
        }
        self._valid = True
        _active_standalone = self

    def close(self) -> None:
        """Return Brian2 to runtime mode (the compiled project stays in the cache)."""
        if self._valid:
            _leave_standalone()

    def __enter__(self) -> Brian2Standalone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def binary(self) -> Path:
        """The compiled simulation executable."""
        return self.directory / "main"

    def run(
        self,
        seed: int,
        *,
        drive: Waveform | None = None,
        afferent: Waveform | None = None,
    ) -> xr.Dataset:
        """Run the compiled simulation (no recompilation) and return its Dataset.

        Parameters
        ----------
        seed : int
            Seed of every random draw (connectivity, drive), 0 <= seed < 2**32.
        drive, afferent : Waveform, optional
            Drive and afferent waveforms per synapse (Hz) replacing the model's; arrays on
            the grid ``k dt`` or callables of t (s).

        Returns
        -------
        xarray.Dataset
            As :func:`run_runtime`; ``timings`` holds ``construction_s`` (code generation and
            compilation, ~0 when nothing changed), ``simulation_s`` and ``simulation_cpu_s``
            (wall and CPU time of the binary, which also builds the connectivity).
        """
        import brian2 as b2

        if not self._valid:
            raise AdexmfError(
                "this compiled Brian2 standalone simulation is no longer active (another "
                "Brian2 simulation was built in this process since); build it again"
            )
        if not 0 <= int(seed) < 2**32:
            raise ParameterError(f"seed = {seed} is out of range; allowed: [0, 2**32)")
        model = self.model
        drive_values = (
            model.drive_rates(self.duration)
            if drive is None
            else sample_waveform(drive, model.times(self.duration), "drive")
        )
        rates = model.external_rates(self.duration, drive_values, afferent)
        timed = self._built.timed
        run_args: dict[Any, Any] = {}
        if model.drive.model == "independent":
            for name in POPULATIONS:
                run_args[timed[f"rate_{name}"]] = rates[name] * b2.Hz
        else:
            run_args[timed["drive"]] = drive_values * b2.Hz
            if "afferent" in timed:
                target = model.afferent.population  # type: ignore[union-attr]
                run_args[timed["afferent"]] = (rates[target] - drive_values) * b2.Hz
        os.environ[SEED_VARIABLE] = str(int(seed))  # inherited by the binary
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        b2.device.run(directory=str(self.directory), with_output=False, run_args=run_args)
        wall1 = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        for name in b2.device.run_args_arrays:
            for suffix in ("", ".lock"):
                (self.directory / "static_arrays" / f"{name}{suffix}").unlink(missing_ok=True)
        raw = self._built.recording()
        raw.timings = {
            **self.timings,
            "simulation_s": wall1 - wall0,
            "simulation_cpu_s": (after.ru_utime + after.ru_stime)
            - (before.ru_utime + before.ru_stime),
            "peak_rss_bytes": float(after.ru_maxrss * 1024),
            "recompiled": float(self.recompiled),
        }
        raw.info = {
            **_brian2_info("standalone", "cpp", self.model.integrator),
            "project": str(self.directory),
        }
        return make_dataset(
            model,
            self.duration,
            raw,
            seed=seed,
            backend="brian2-standalone",
            external_rates=rates,
            drive=drive_values,
        )


def run_standalone(
    model: NetworkModel, duration: float, seed: int, *, threads: int = 0
) -> xr.Dataset:
    """Compile (or reuse) the network in C++ standalone mode and run it once.

    Parameters
    ----------
    model : NetworkModel
        Network description.
    duration : float
        Biological duration (s).
    seed : int
        Seed of every random draw.
    threads : int
        OpenMP threads (0: none).
    """
    with Brian2Standalone(model, duration, threads=threads) as sim:
        return sim.run(seed)
