"""The Dataset of a mean-field time course: states, inputs and observables, in SI units.

:func:`to_dataset` turns the states recorded by the integrators (:mod:`.integrate`) into the
layout of ``docs/data-model.md`` (dims ``time`` and ``population``, a leading ``batch`` dim
for a batch), adding the observables of SPEC 5.4 (:mod:`.observables`) when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..layouts import S_C_EE, S_C_EI, S_C_II, S_NU_E, S_NU_I, S_W
from ..store import provenance
from .model import ColumnModel
from .observables import (
    POPULATION_OBSERVABLES,
    network_mean_potential,
    population_observables,
    state_observables,
    vsd_signal,
)


def _observables(
    model: ColumnModel,
    models: Sequence[ColumnModel] | None,
    states: np.ndarray,
    drive: np.ndarray,
    afferent: np.ndarray,
) -> dict[str, np.ndarray]:
    """The observables of recorded states (..., time, 6), one compiled call per model over
    its whole series; a single series is passed to the node as recorded."""
    groups = [model] if models is None or len(models) == 1 else list(models)
    parts = []
    for b, m in enumerate(groups):
        sl = (b,) if len(groups) > 1 else ()
        s = states[sl]
        d, a = np.broadcast_arrays(
            drive[sl] if drive.ndim else drive,
            afferent[sl] if afferent.ndim else afferent,
            s[..., S_NU_E],
        )[:2]
        if s.ndim == 2:  # one series: its rows go to the node as they are
            parts.append(state_observables(m, s, d, a))
        else:
            parts.append(
                population_observables(m, s[..., S_NU_E], s[..., S_NU_I], d, a, s[..., S_W])
            )
    if len(parts) == 1:
        return parts[0]
    return {k: np.stack([p[k] for p in parts]) for k in parts[0]}


def to_dataset(
    model: ColumnModel,
    t: np.ndarray,
    states: np.ndarray,
    drive: np.ndarray,
    afferent: np.ndarray,
    attrs: dict[str, Any],
    observables: bool = True,
    models: Sequence[ColumnModel] | None = None,
) -> xr.Dataset:
    """Build the result Dataset from recorded states (..., time, 6) and inputs (..., time)."""
    lead = ("batch",) if states.ndim == 3 else ()
    tp = (*lead, "time", "population")
    tt = (*lead, "time")
    variables: dict[str, Any] = {
        "rate": (
            tp,
            states[..., [S_NU_E, S_NU_I]],
            {"units": "Hz", "long_name": "population rate"},
        ),
        "drive": (tt, drive, {"units": "Hz", "long_name": "external drive"}),
        "afferent": (tt, afferent, {"units": "Hz", "long_name": "afferent stimulus"}),
    }
    if model.order == 2:
        for k, name in ((S_C_EE, "c_ee"), (S_C_EI, "c_ei"), (S_C_II, "c_ii")):
            variables[name] = (tt, states[..., k], {"units": "Hz^2", "long_name": "covariance"})
        std = np.sqrt(np.maximum(states[..., [S_C_EE, S_C_II]], 0.0))
        variables["rate_std"] = (
            tp,
            std,
            {"units": "Hz", "long_name": "std of 5 ms-binned population rates, sqrt(c)"},
        )
    if model.adaptation:
        variables["W"] = (tt, states[..., S_W], {"units": "A", "long_name": "adaptation current"})
    if observables:
        obs = _observables(model, models, states, drive, afferent)
        for name, (unit, long_name) in POPULATION_OBSERVABLES.items():
            variables[name] = (tp, obs[name], {"units": unit, "long_name": long_name})
        mean_v = network_mean_potential(model, obs["mu_V"])
        variables["mu_V_network"] = (
            tt,
            mean_v,
            {"units": "V", "long_name": "(1-g) mu_V_exc + g mu_V_inh"},
        )
        variables["vsd"] = (
            tt,
            vsd_signal(mean_v),
            {
                "units": "1",
                "long_name": "VSD-like signal dV/V0 = |mu_V(t) - mu_V(t0)| / |mu_V(t0)|",
            },
        )
    return xr.Dataset(
        variables,
        coords={
            "time": ("time", t, {"units": "s"}),
            "population": ("population", ["exc", "inh"]),
            "cell_model": (
                "population",
                [model.preset.network.excitatory_cell, model.preset.network.inhibitory_cell],
            ),
        },
        attrs={**provenance(), **model.describe(), "model": model.label, **attrs},
    )
