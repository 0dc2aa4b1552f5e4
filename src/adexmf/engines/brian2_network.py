"""Brian2 network engines (the default): runtime mode and C++ standalone mode.

The network's Brian2 objects are built by :class:`adexmf.engines.brian2_build.BuiltNetwork`
from the backend-neutral description; Brian2 is set up by
:func:`adexmf.engines.brian2_cells.configure_brian2`. Compiled code lives in the user's cache
directory (:func:`adexmf.engines.brian2_cells.cache_dir`): Cython extensions of the runtime
mode under ``cython/``, C++ standalone projects under ``standalone/<hash of the network>``,
never in the working folder.

Standalone mode compiles once per network structure and duration; :meth:`Brian2Standalone.run`
reruns the binary with another seed (read from the environment by code inserted at the top
of ``main``) and other drive or afferent waveforms (``TimedArray`` values passed as
``run_args``), without recompiling.

Both engines take checked settings (:class:`adexmf.engines.settings.EngineSettings`) and hand
back a :class:`~adexmf.engines.recording.RawRecording`; run them through
:func:`adexmf.network.simulate` (a Dataset) or :func:`adexmf.engines.seam.simulate_network`.
"""

from __future__ import annotations

import gc
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AdexmfError
from ..stimuli import Waveform, sample_waveform
from .brian2_build import BuiltNetwork
from .brian2_cells import cache_dir, configure_brian2, default_target, import_brian2
from .recording import NetworkDescription, RawRecording
from .settings import EngineSettings, check_seed

#: Environment variable through which a standalone binary receives its seed.
SEED_VARIABLE = "ADEXMF_SEED"

_active_standalone: Brian2Compiled | None = None


def _max_rss_bytes() -> int:
    """Peak resident memory of this process and its finished children (bytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(max(own, children) * 1024)


def _brian2_info(mode: str, target: str, integrator: str) -> dict[str, Any]:
    return {
        "simulator": f"brian2 {import_brian2().__version__}",
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
    b2 = import_brian2()
    if _active_standalone is not None:
        _active_standalone._valid = False
        _active_standalone._built = None
        _active_standalone = None
    if b2.device.__class__.__name__ != "RuntimeDevice":
        b2.device.reinit()
        b2.set_device("runtime")
    gc.collect()


class Brian2RuntimeEngine:
    """Brian2's runtime mode: code generated (Cython, or NumPy) and run in this process."""

    name = "brian2-runtime"

    def simulate(
        self, model: NetworkDescription, duration: float, seed: int, settings: EngineSettings
    ) -> RawRecording:
        """Simulate the network with Brian2's runtime mode.

        Parameters
        ----------
        model : NetworkModel
            Network description.
        duration : float
            Biological duration (s).
        seed : int
            Seed of every random draw (connectivity, drive), checked by the seam.
        settings : EngineSettings
            ``target``: code-generation target, Cython (None, the default: compiled once,
            cached; fastest) or NumPy (no compilation; for small networks and fresh
            machines).

        Returns
        -------
        RawRecording
            Spikes and traces; ``timings`` holds ``construction_s`` (objects and
            connectivity), ``simulation_s`` and ``simulation_cpu_s`` (the run, including code
            generation and, with a cold cache, compilation); ``backend`` is
            ``"brian2-runtime-<target>"``.
        """
        b2 = import_brian2()
        target = settings.target or default_target()
        rates = model.external_rates(duration)
        _leave_standalone()
        configure_brian2(target)
        b2.seed(int(seed))
        wall0, cpu0 = time.perf_counter(), time.process_time()
        built = BuiltNetwork(model, rates, model.drive_rates(duration))
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
        raw.backend = f"brian2-runtime-{target}"
        return raw


class Brian2Compiled:
    """A network compiled once by Brian2's C++ standalone mode, rerun with new seeds/inputs.

    :class:`adexmf.network.Brian2Standalone` adds ``run``, which returns the Dataset.

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
    :class:`Brian2Compiled` or running the runtime mode invalidates this one. Use it as a
    context manager (or call :meth:`close`) to return Brian2 to runtime mode afterwards.
    """

    def __init__(
        self,
        model: NetworkDescription,
        duration: float,
        *,
        directory: str | Path | None = None,
        threads: int = 0,
    ) -> None:
        global _active_standalone
        self.model = model
        self.duration = float(duration)
        rates = model.external_rates(duration)
        key = model.structure_key(duration) + (f"-t{threads}" if threads else "")
        self.directory = Path(directory) if directory else cache_dir() / "standalone" / key
        self.directory.mkdir(parents=True, exist_ok=True)
        _leave_standalone()
        self._activate_device(threads)
        self._build(rates)
        self._valid = True
        _active_standalone = self

    def _activate_device(self, threads: int) -> None:
        """Switch Brian2 to the standalone device in :attr:`directory`, its random generators
        seeded from the environment (:data:`SEED_VARIABLE`) before anything random happens."""
        b2 = import_brian2()
        configure_brian2("numpy")
        b2.prefs.devices.cpp_standalone.openmp_threads = int(threads)
        b2.set_device("cpp_standalone", directory=str(self.directory), build_on_run=False)
        b2.device.reinit()
        b2.device.activate(directory=str(self.directory), build_on_run=False)
        n_generators = max(int(threads), 1)
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

    def _build(self, rates: dict[str, np.ndarray]) -> None:
        """Generate the code and compile it (if it changed); record the timings."""
        b2 = import_brian2()
        model = self.model
        wall0, cpu0 = time.perf_counter(), time.process_time()
        self._built = BuiltNetwork(model, rates, model.drive_rates(self.duration))
        self._built.network.run(model.n_steps(self.duration) * model.dt * b2.second, namespace={})
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

    def close(self) -> None:
        """Return Brian2 to runtime mode (the compiled project stays in the cache)."""
        if self._valid:
            _leave_standalone()

    def __enter__(self) -> Brian2Compiled:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def binary(self) -> Path:
        """The compiled simulation executable."""
        return self.directory / "main"

    def record(
        self,
        seed: int,
        *,
        drive: Waveform | None = None,
        afferent: Waveform | None = None,
    ) -> RawRecording:
        """Run the compiled simulation (no recompilation) and return its recording.

        Parameters
        ----------
        seed : int
            Seed of every random draw (connectivity, drive), in [0, 2**31 - 1) as for every
            engine (:func:`adexmf.engines.settings.check_seed`).
        drive, afferent : Waveform, optional
            Drive and afferent waveforms per synapse (Hz) replacing the model's; arrays on
            the grid ``k dt`` or callables of t (s).

        Returns
        -------
        RawRecording
            As :meth:`Brian2RuntimeEngine.simulate`; ``timings`` holds ``construction_s``
            (code generation and compilation, ~0 when nothing changed), ``simulation_s`` and
            ``simulation_cpu_s`` (wall and CPU time of the binary, which also builds the
            connectivity); ``external_rates`` and ``drive`` are the waveforms of this run.
        """
        if not self._valid:
            raise AdexmfError(
                "this compiled Brian2 standalone simulation is no longer active (another "
                "Brian2 simulation was built in this process since); build it again"
            )
        seed = check_seed(seed)
        model = self.model
        drive_values = (
            model.drive_rates(self.duration)
            if drive is None
            else sample_waveform(drive, model.times(self.duration), "drive")
        )
        rates = model.external_rates(self.duration, drive_values, afferent)
        run_args = self._run_args(rates, drive_values)
        os.environ[SEED_VARIABLE] = str(int(seed))  # inherited by the binary
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        import_brian2().device.run(
            directory=str(self.directory), with_output=False, run_args=run_args
        )
        wall1 = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._remove_run_args()
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
        raw.backend = "brian2-standalone"
        raw.external_rates = rates
        raw.drive = drive_values
        return raw

    def _run_args(self, rates: dict[str, np.ndarray], drive_values: np.ndarray) -> dict[Any, Any]:
        """The waveforms of a rerun as ``run_args`` of the compiled ``TimedArray`` objects."""
        b2 = import_brian2()
        model = self.model
        timed = self._built.timed
        run_args: dict[Any, Any] = {}
        if model.drive.model == "independent":
            for pop in model.populations:
                name = pop.name
                run_args[timed[f"rate_{name}"]] = rates[name] * b2.Hz
        else:
            run_args[timed["drive"]] = drive_values * b2.Hz
            if "afferent" in timed:
                target = model.afferent.population  # type: ignore[union-attr]
                run_args[timed["afferent"]] = (rates[target] - drive_values) * b2.Hz
        return run_args

    def _remove_run_args(self) -> None:
        """Delete the waveform files written for the last run (and their locks)."""
        for name in import_brian2().device.run_args_arrays:
            for suffix in ("", ".lock"):
                (self.directory / "static_arrays" / f"{name}{suffix}").unlink(missing_ok=True)


class Brian2StandaloneEngine:
    """Brian2's C++ standalone mode: compiled once per network structure and duration (cached
    in the user's cache directory), then run as a separate binary."""

    name = "brian2-standalone"

    def simulate(
        self, model: NetworkDescription, duration: float, seed: int, settings: EngineSettings
    ) -> RawRecording:
        """Compile (or reuse) the network in C++ standalone mode and run it once.

        Parameters
        ----------
        model : NetworkModel
            Network description.
        duration : float
            Biological duration (s).
        seed : int
            Seed of every random draw.
        settings : EngineSettings
            ``threads``: OpenMP threads of the binary (1: no OpenMP).

        Returns
        -------
        RawRecording
            As :meth:`Brian2Compiled.record`.
        """
        threads = 0 if settings.threads == 1 else int(settings.threads)
        with Brian2Compiled(model, duration, threads=threads) as sim:
            return sim.record(seed)
