"""Observables of a mean-field state (SPEC 5.4): membrane and conductance statistics, VSD.

Each population sees its own input: the excitatory cells receive
``nu_e + x_de nu_drive + x_ae nu_aff`` excitatory and ``nu_i`` inhibitory rates (and the
adaptation current W when the variant is on), the inhibitory cells the same without the
afferent stimulus (default routing). Inputs are routed and the statistics computed by the
column node itself (:func:`adexmf.meanfield.node.column_observables`), with each transfer
function's own formula variant (SPEC 3.2), so that the observables match the model being
integrated, in the single column and in the ring alike.
"""

from __future__ import annotations

import numpy as np

from ..layouts import (
    N_OBSERVABLES,
    N_STATE,
    OB_MU_GE,
    OB_MU_GI,
    OB_MU_V,
    OB_SIGMA_GE,
    OB_SIGMA_GI,
    OB_SIGMA_V,
    OB_TAU_V,
    S_NU_E,
    S_NU_I,
    S_W,
)
from .model import ColumnModel
from .node import isolated_column_observables

#: Observables per population, with SI units.
POPULATION_OBSERVABLES: dict[str, tuple[str, str]] = {
    "mu_V": ("V", "mean membrane potential"),
    "sigma_V": ("V", "standard deviation of the membrane potential"),
    "tau_V": ("s", "autocorrelation time of the membrane potential"),
    "mu_Ge": ("S", "mean excitatory conductance"),
    "mu_Gi": ("S", "mean inhibitory conductance"),
    "sigma_Ge": ("S", "standard deviation of the excitatory conductance"),
    "sigma_Gi": ("S", "standard deviation of the inhibitory conductance"),
}
#: Column of each observable in the node's output rows.
_COLUMNS = {
    "mu_V": OB_MU_V,
    "sigma_V": OB_SIGMA_V,
    "tau_V": OB_TAU_V,
    "mu_Ge": OB_MU_GE,
    "mu_Gi": OB_MU_GI,
    "sigma_Ge": OB_SIGMA_GE,
    "sigma_Gi": OB_SIGMA_GI,
}


def population_observables(
    model: ColumnModel,
    nu_e,
    nu_i,
    drive=0.0,
    afferent=0.0,
    W=0.0,
) -> dict[str, np.ndarray]:
    """Membrane and conductance statistics of both populations.

    Parameters
    ----------
    model : ColumnModel
    nu_e, nu_i : array_like
        Population rates (Hz), >= 0, broadcastable together with the inputs.
    drive, afferent : array_like
        External drive and afferent stimulus (Hz).
    W : array_like
        Adaptation current of the excitatory population (A); ignored unless
        ``model.adaptation``.

    Returns
    -------
    dict of str to ndarray
        Each entry of :data:`POPULATION_OBSERVABLES`, with a trailing axis of length 2
        (excitatory, inhibitory), SI units.
    """
    nu_e, nu_i, drive, afferent, W = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (nu_e, nu_i, drive, afferent, W))
    )
    shape = nu_e.shape
    states = np.zeros((nu_e.size, N_STATE))
    states[:, S_NU_E], states[:, S_NU_I], states[:, S_W] = nu_e.ravel(), nu_i.ravel(), W.ravel()
    obs = state_observables(model, states, drive.ravel(), afferent.ravel())
    return {k: v.reshape((*shape, 2)) for k, v in obs.items()}


def state_observables(
    model: ColumnModel, states: np.ndarray, drive: np.ndarray, afferent: np.ndarray
) -> dict[str, np.ndarray]:
    """:func:`population_observables` of recorded states, without repacking them.

    The time-course path (:func:`adexmf.meanfield.timecourse.to_dataset`): the node reads
    the rates and W of each state row and nothing else, so the integrator's own rows are
    passed as they are, in one compiled call over the whole series.

    Parameters
    ----------
    model : ColumnModel
    states : ndarray (n, 6)
        States in the layout of :mod:`adexmf.layouts` (SI units).
    drive, afferent : ndarray (n,)
        Inputs (Hz) at each state.

    Returns
    -------
    dict of str to ndarray
        Each entry of :data:`POPULATION_OBSERVABLES`, shape (n, 2), SI units.
    """
    states = np.ascontiguousarray(states, dtype=np.float64)
    out = np.empty((states.shape[0], 2, N_OBSERVABLES))
    pe, pi = model.packed_transfer
    isolated_column_observables(
        model.packed, pe, pi, model.flags[1], states,
        np.ascontiguousarray(drive, dtype=np.float64),
        np.ascontiguousarray(afferent, dtype=np.float64), out,
    )  # fmt: skip
    return {k: out[:, :, c] for k, c in _COLUMNS.items()}


def network_mean_potential(model: ColumnModel, mu_V: np.ndarray) -> np.ndarray:
    """Population-averaged mean potential ``(1 - g) mu_V^exc + g mu_V^inh`` (V).

    ``mu_V`` has a trailing population axis (excitatory, inhibitory).
    """
    return model.preset.network.population_average(mu_V[..., 0], mu_V[..., 1])


def vsd_signal(
    mean_potential: np.ndarray,
    reference: np.ndarray | float | None = None,
    *,
    out: np.ndarray | None = None,
):
    """VSD-like signal ``dV/V0 = |mu_V(t) - mu_V(t0)| / |mu_V(t0)|`` (dimensionless, SPEC 5.4).

    Parameters
    ----------
    mean_potential : ndarray
        Population-averaged mean potential (V), time on the last axis.
    reference : float or ndarray, optional
        mu_V(t0) (V); default the first time sample.
    out : ndarray, optional
        Float64 array of ``mean_potential``'s shape that receives the signal (default a new
        one); with a ``reference`` given it may be ``mean_potential`` itself.
    """
    v = np.asarray(mean_potential, dtype=np.float64)
    ref = v[..., :1] if reference is None else np.asarray(reference, dtype=np.float64)
    out = np.subtract(v, ref, out=out)  # |v - ref| / |ref| formed in it, same numbers
    if np.ndim(out) == 0:
        return np.abs(out) / np.abs(ref)
    np.abs(out, out=out)
    out /= np.abs(ref)
    return out
