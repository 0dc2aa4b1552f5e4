"""The one NEST transcription of the AdEx cell (SPEC 2.1): ``aeif_cond_exp`` parameters.

Both NEST routes of the toolkit build their neurons from :func:`aeif_parameters`: the spiking
network (:mod:`adexmf.engines.nest_network`) and the adaptive single-cell reference
(:mod:`adexmf.engines.nest_reference`). NEST is an optional dependency
(``pip install adexmf[nest]``), imported only when a function needs it (:func:`import_nest`).

Mapping (SI -> NEST units): C_m pF, g_L nS, E_L/V_th (= V_T)/V_reset/Delta_T mV,
V_peak = V_T + 5 Delta_T mV (the spike-detection threshold of SPEC 2.1), t_ref ms, a nS,
b pA, tau_w ms, E_ex/E_in mV, tau_syn_ex/in ms, I_e pA. NEST's ``aeif_cond_exp`` integrates
V, w and the conductances with the GSL adaptive Runge-Kutta-Fehlberg 4(5) solver inside each
step (error tolerance ``gsl_error_tol``), detects a spike when V reaches V_peak inside the
step, and clamps V at V_reset during the refractory period.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import AdexmfError
from ..params import Cell, Synapses


def import_nest() -> Any:
    """Import NEST quietly, or raise a clear error when it is not installed.

    Returns
    -------
    module
        The ``nest`` package, its verbosity set to errors only.

    Raises
    ------
    AdexmfError
        If NEST is not installed (the message says how to install it).
    """
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        # A heavy optional dependency (not installed by default): imported only when a NEST
        # route runs.
        import nest
    except ImportError as exc:
        raise AdexmfError(
            "this needs the NEST simulator, which is not installed "
            f"({exc}); install it with `pip install adexmf[nest]` (or `pip install "
            "nest-simulator`), or choose the Brian2 backend"
        ) from None
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    return nest


def aeif_parameters(
    cell: Cell, synapses: Synapses, *, V_init: float | None = None, current: float = 0.0
) -> dict[str, float]:
    """``aeif_cond_exp`` parameters of a cell and its synapses, in NEST units.

    Parameters
    ----------
    cell : Cell
        Cell parameters (SI); a cell without adaptation gets a = b = 0.
    synapses : Synapses
        Reversal potentials and time constants (the increments are connection weights).
    V_init : float, optional
        Initial membrane potential (V); E_L by default.
    current : float
        Constant injected current ``I_e`` (A).

    Returns
    -------
    dict
        Parameters and initial state (V_m, w = g_ex = g_in = 0) in pF, nS, mV, ms, pA.
    """
    return {
        "C_m": cell.C_m * 1e12,
        "g_L": cell.g_L * 1e9,
        "E_L": cell.E_L * 1e3,
        "V_th": cell.V_T * 1e3,
        "Delta_T": cell.delta_T * 1e3,
        "V_peak": cell.spike_threshold * 1e3,
        "V_reset": cell.V_reset * 1e3,
        "t_ref": cell.t_ref * 1e3,
        "a": cell.a * 1e9,
        "b": cell.b * 1e12,
        "tau_w": (cell.tau_w or 1.0) * 1e3,
        "E_ex": synapses.E_e * 1e3,
        "E_in": synapses.E_i * 1e3,
        "tau_syn_ex": synapses.tau_e * 1e3,
        "tau_syn_in": synapses.tau_i * 1e3,
        "I_e": current * 1e12,
        "V_m": (cell.E_L if V_init is None else V_init) * 1e3,
        "w": 0.0,
        "g_ex": 0.0,
        "g_in": 0.0,
    }
