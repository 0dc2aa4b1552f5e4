"""The one Brian2 transcription of the AdEx cell (SPEC 2.1) and Brian2's set-up for adexmf.

Both Brian2 routes of the toolkit build their ``NeuronGroup`` from :func:`adex_brian2`: the
spiking network (:mod:`adexmf.engines.brian2_network`) and the single-cell cross-check
(:func:`simulate_cells_brian2`). They differ only in the
conductance mechanism, a parameter here:

``"ode"`` (the network)
    ``dG_s/dt = -G_s / tau_s`` is integrated by Brian2's state updater (forward Euler with
    the rest of the state); presynaptic events add ``Q_s`` (synapses, drive).
``"exact"`` (the single-cell cross-check)
    ``G_s`` is a plain variable; after each state update it decays exactly,
    ``G_s <- G_s exp(-dt / tau_s)``, and jumps by ``Q_s`` times the step's event count, as
    the compiled single-cell kernel does (:mod:`adexmf.singlecell.simulate`).

Membrane, adaptation, threshold ``V > V_T + 5 delta_T`` (V_T when delta_T = 0), reset
``V <- V_reset, w <- w + b`` and refractoriness (V held, threshold not tested, w evolving)
are written once, here. Brian2 itself is imported only when a function needs it
(:func:`import_brian2`).

Compiled code lives in the user's cache directory
(``platformdirs.user_cache_dir("adexmf")/brian2``): Cython extensions under ``cython/``, C++
standalone projects under ``standalone/``, never in the working folder.
"""

from __future__ import annotations

import math
import os
import shutil
import sysconfig
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import platformdirs

from ..cell_inputs import DEFAULT_DT, DEFAULT_SCHEME, MAX_INPUT_RATE, check_scheme, per_cell
from ..errors import ParameterError
from ..params import DEFAULT_NETWORK, Cell, Network, Synapses

#: Conductance mechanisms of :func:`adex_brian2`.
CONDUCTANCE_MECHANISMS: tuple[str, ...] = ("ode", "exact")
#: Brian2 code-generation targets of the runtime mode.
RUNTIME_TARGETS: tuple[str, ...] = ("cython", "numpy")
#: Integration method of every adexmf NeuronGroup by default (SPEC 2.3: forward Euler).
METHOD = "euler"
#: Heun's predictor-corrector, the single-cell kernel's "heun" scheme, as a Brian2 updater.
HEUN = """
k1 = dt*f(x, t)
k2 = dt*f(x + k1, t + dt)
x_new = x + (k1 + k2)/2
"""


def import_brian2() -> ModuleType:
    """Brian2, imported on first use.

    Returns
    -------
    module
        The ``brian2`` package.
    """
    # A heavy optional dependency (about a second to import): imported only when a Brian2
    # route runs, never by ``import adexmf``.
    import brian2

    return brian2


def state_updater(scheme: str) -> Any:
    """Brian2 integration method of a scheme of the single-cell kernel.

    Parameters
    ----------
    scheme : {"euler", "heun"}

    Returns
    -------
    str or brian2.StateUpdateMethod
        ``"euler"``, or an ``ExplicitStateUpdater`` of Heun's method (Brian2's own
        ``"heun"`` is the stochastic variant).
    """
    if scheme == "euler":
        return METHOD
    if scheme == "heun":
        return import_brian2().ExplicitStateUpdater(HEUN)
    raise ParameterError(f"scheme = {scheme!r}; allowed: euler, heun")


def cache_dir() -> Path:
    """Folder of Brian2's compiled code for adexmf (in the user's cache directory).

    Returns
    -------
    Path
        ``platformdirs.user_cache_dir("adexmf")/brian2``, created if needed.
    """
    path = Path(platformdirs.user_cache_dir("adexmf")) / "brian2"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear_cache() -> None:
    """Delete adexmf's compiled Brian2 code (Cython extensions and standalone projects)."""
    shutil.rmtree(cache_dir(), ignore_errors=True)
    os.makedirs(cache_dir(), exist_ok=True)


def can_compile() -> bool:
    """Whether Brian2's Cython target can build here: a C++ compiler on the path and the
    Python headers (Debian: build-essential, python3-dev)."""
    compiler = (sysconfig.get_config_var("CXX") or "g++").split()[0]
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    return shutil.which(compiler) is not None and headers.exists()


def default_target() -> str:
    """The runtime target when none is given: Cython (compiled once, cached; fastest) where
    it can build, else NumPy, with a warning saying what is missing (once per process)."""
    if can_compile():
        return "cython"
    warnings.warn("Brian2 cannot compile here (no C++ compiler or no Python headers; Debian: "
                  "apt-get install build-essential python3-dev): networks run on Brian2's "
                  "numpy target, several times slower", RuntimeWarning, stacklevel=2)  # fmt: skip
    return "numpy"


def configure_brian2(target: str) -> None:
    """Set Brian2's preferences: code target, cache folders, quiet logging.

    Parameters
    ----------
    target : {"cython", "numpy"}
        Runtime code-generation target (the standalone device sets up its own code).
    """
    prefs = import_brian2().prefs
    prefs.codegen.target = target
    prefs.codegen.runtime.cython.cache_dir = str(cache_dir() / "cython")
    prefs.codegen.runtime.cython.multiprocess_safe = True
    prefs.logging.file_log = False
    prefs.logging.console_log_level = "WARNING"


@dataclass(frozen=True)
class AdExBrian2:
    """The Brian2 form of one AdEx cell type: what a ``NeuronGroup`` needs.

    Attributes
    ----------
    equations : str
        Model equations (Brian2 syntax): ``V`` (volt, unless refractory), ``w`` (amp; a
        constant 0 for a cell without adaptation), ``G_e``, ``G_i`` (siemens).
    threshold : str
        Spike condition ``"V > V_spike"``.
    reset : str
        ``"V = V_reset; w += b"`` (``"V = V_reset"`` without adaptation).
    refractory : str
        Refractory period, ``"t_ref"`` (a constant of the namespace).
    namespace : dict
        Constants of the strings above as Brian2 quantities (SI values of the cell and
        synapses; ``decay_e``, ``decay_i`` for the "exact" mechanism).
    conductances : {"ode", "exact"}
        Conductance mechanism (see the module docstring).
    """

    equations: str
    threshold: str
    reset: str
    refractory: str
    namespace: dict[str, Any] = field(compare=False)
    conductances: str

    def conductance_update(self, excitatory: str = "", inhibitory: str = "") -> str:
        """Brian2 statements applying one step's synaptic events to the conductances.

        Parameters
        ----------
        excitatory, inhibitory : str
            Brian2 expressions of the number of events of the step (e.g.
            ``"poisson(lam_e)"``); empty for none.

        Returns
        -------
        str
            With "ode": ``G_s += Q_s*(events)`` for each given input. With "exact": the
            exact decay of both conductances plus ``Q_s*(events)``; run it after the state
            update (``when="groups", order=1``) of every step.
        """
        lines = []
        for kind, events in (("e", excitatory), ("i", inhibitory)):
            jump = f"Q_{kind}*({events})" if events else ""
            if self.conductances == "exact":
                lines.append(f"G_{kind} = G_{kind}*decay_{kind}" + (f" + {jump}" if jump else ""))
            elif jump:
                lines.append(f"G_{kind} += {jump}")
        return "\n".join(lines)

    def neuron_group(
        self,
        n: int,
        *,
        namespace: dict[str, Any] | None = None,
        method: Any = METHOD,
        **kwargs: Any,
    ):
        """A ``brian2.NeuronGroup`` of ``n`` such cells (forward Euler by default).

        Parameters
        ----------
        n : int
            Number of cells.
        method : str or brian2.StateUpdateMethod
            Integration method (:func:`state_updater`).
        namespace : dict, optional
            Extra constants or functions (e.g. ``TimedArray`` rates) merged into
            :attr:`namespace`.
        **kwargs
            Passed to ``NeuronGroup`` (``name``, ``clock``...).
        """
        return import_brian2().NeuronGroup(
            n,
            self.equations,
            threshold=self.threshold,
            reset=self.reset,
            refractory=self.refractory,
            method=method,
            namespace={**self.namespace, **(namespace or {})},
            **kwargs,
        )


def adex_brian2(
    cell: Cell,
    synapses: Synapses,
    *,
    conductances: str = "ode",
    dt: float | None = None,
    extra_equations: str = "",
) -> AdExBrian2:
    """Build the Brian2 equations of an AdEx cell with conductance synapses (SPEC 2.1).

    Parameters
    ----------
    cell : Cell
        Cell parameters (SI).
    synapses : Synapses
        Synaptic increments Q (S), time constants tau (s) and reversal potentials E (V).
    conductances : {"ode", "exact"}
        Conductance mechanism: integrated decay with events added by synapses ("ode", the
        network), or exact per-step decay applied by :meth:`AdExBrian2.conductance_update`
        ("exact", the single-cell cross-check).
    dt : float, optional
        Time step (s); required by "exact" (decay factors ``exp(-dt / tau)``).
    extra_equations : str
        Further variable lines appended to the equations (e.g. ``"lam_e : 1"``).

    Returns
    -------
    AdExBrian2
        Equations, threshold, reset, refractory period and their namespace.

    Raises
    ------
    ParameterError
        For an unknown mechanism, or "exact" without a positive dt.
    """
    if conductances not in CONDUCTANCE_MECHANISMS:
        raise ParameterError(
            f"conductances = {conductances!r}; allowed: {', '.join(CONDUCTANCE_MECHANISMS)}"
        )
    namespace = _namespace(cell, synapses)
    if conductances == "exact":
        if dt is None or not dt > 0:
            raise ParameterError(
                f"dt = {dt!r}; the 'exact' conductance mechanism needs the time step (s), > 0"
            )
        namespace["decay_e"] = math.exp(-dt / synapses.tau_e)
        namespace["decay_i"] = math.exp(-dt / synapses.tau_i)
    equations = _equations(cell, conductances, extra_equations)
    return AdExBrian2(
        equations=equations,
        threshold="V > V_spike",
        reset="V = V_reset; w += b" if cell.has_adaptation else "V = V_reset",
        refractory="t_ref",
        namespace=namespace,
        conductances=conductances,
    )


def _equations(cell: Cell, conductances: str, extra_equations: str) -> str:
    """Brian2 model equations of :func:`adex_brian2` (V, w, G_e, G_i and extra lines)."""
    exponential = " + g_L*delta_T*exp((V - V_T)/delta_T)" if cell.delta_T > 0 else ""
    adaptation = "dw/dt = (a*(V - E_L) - w)/tau_w : amp" if cell.has_adaptation else "w : amp"
    if conductances == "ode":
        synaptic = "dG_e/dt = -G_e/tau_e : siemens\ndG_i/dt = -G_i/tau_i : siemens"
    else:
        synaptic = "G_e : siemens\nG_i : siemens"
    # SPEC 2.1: C_m dV/dt = g_L (E_L - V) + g_L D_T exp((V - V_T)/D_T) + G_e (E_e - V)
    #                       + G_i (E_i - V) - w
    membrane = (
        f"dV/dt = (g_L*(E_L - V){exponential} + G_e*(E_e - V) + G_i*(E_i - V) - w)/C_m"
        " : volt (unless refractory)"
    )
    return "\n".join(line for line in (membrane, adaptation, synaptic, extra_equations) if line)


def _namespace(cell: Cell, s: Synapses) -> dict[str, Any]:
    """Constants of the equations as Brian2 quantities (SI values of the cell and synapses)."""
    b2 = import_brian2()
    amp, farad, second, siemens, volt = b2.amp, b2.farad, b2.second, b2.siemens, b2.volt
    return {
        "g_L": cell.g_L * siemens,
        "C_m": cell.C_m * farad,
        "E_L": cell.E_L * volt,
        "V_T": cell.V_T * volt,
        "V_reset": cell.V_reset * volt,
        "V_spike": cell.spike_threshold * volt,
        "delta_T": cell.delta_T * volt,
        "a": cell.a * siemens,
        "b": cell.b * amp,
        "tau_w": (cell.tau_w or 1.0) * second,
        "t_ref": cell.t_ref * second,
        "E_e": s.E_e * volt,
        "E_i": s.E_i * volt,
        "tau_e": s.tau_e * second,
        "tau_i": s.tau_i * second,
        "Q_e": s.Q_e * siemens,
        "Q_i": s.Q_i * siemens,
    }


def simulate_cells_brian2(
    cell: Cell,
    synapses: Synapses,
    nu_e,
    nu_i,
    *,
    duration: float,
    dt: float = DEFAULT_DT,
    scheme: str = DEFAULT_SCHEME,
    network: Network = DEFAULT_NETWORK,
    seed: int = 0,
    target: str = "numpy",
) -> np.ndarray:
    """The same cells simulated by Brian2 as one ``NeuronGroup`` (runtime mode): a second route.

    Same equations, scheme, schedule and input statistics as
    :func:`adexmf.singlecell.simulate_cells` (V not
    integrated while refractory, Poisson event counts per step via Brian2's ``poisson``),
    with Brian2's own random numbers, so the two agree statistically, not spike for spike.
    With "euler" the conductances decay exactly after each step, as in the kernel; with
    "heun" they are integrated by Heun's method with V and w (Brian2 cannot evaluate an
    exact decay at the second stage; the decay factor differs from ``exp(-dt / tau)`` by
    ``(dt / tau)^3 / 6``, 1e-6 at 0.1 ms). Brian2's compiled-code cache is kept in the user
    cache folder (platformdirs), never in the working folder.

    Parameters
    ----------
    cell, synapses, nu_e, nu_i, duration, dt, scheme, network, seed
        As for :func:`adexmf.singlecell.simulate_cells` (no current, no clamp).
    target : {"numpy", "cython"}
        Brian2 code-generation target; "cython" compiles (slow the first time, ~minutes).

    Returns
    -------
    ndarray
        Output rates (Hz), one per cell.
    """
    b2 = import_brian2()
    if target not in RUNTIME_TARGETS:
        raise ParameterError(f"target = {target!r}; allowed: {', '.join(RUNTIME_TARGETS)}")
    check_scheme(scheme)
    e, i = np.broadcast_arrays(np.asarray(nu_e, float), np.asarray(nu_i, float))
    e = per_cell("nu_e", e.ravel(), e.size, 0.0, MAX_INPUT_RATE, "Hz")
    i = per_cell("nu_i", i.ravel(), i.size, 0.0, MAX_INPUT_RATE, "Hz")
    configure_brian2(target)  # same code target, cache folder and logging as the network
    b2.seed(int(seed))
    # The one Brian2 AdEx transcription, with the kernel's conductance treatment.
    cells = adex_brian2(
        cell, synapses, conductances="exact" if scheme == "euler" else "ode", dt=dt,
        extra_equations="lam_e : 1\nlam_i : 1",
    )  # fmt: skip
    clock = b2.Clock(dt=dt * b2.second)
    group = cells.neuron_group(e.size, clock=clock, method=state_updater(scheme))
    group.V = cell.E_L * b2.volt
    group.lam_e = network.K_e * e * dt
    group.lam_i = network.K_i * i * dt
    # after the state update of each step: (exact decay and) this step's Poisson events
    group.run_regularly(
        cells.conductance_update("poisson(lam_e)", "poisson(lam_i)"),
        when="groups", order=1, clock=clock,
    )  # fmt: skip
    spikes = b2.SpikeMonitor(group, record=False)
    net = b2.Network(group, spikes)
    net.run(duration * b2.second, namespace={})
    return np.asarray(spikes.count[:], dtype=float) / duration
