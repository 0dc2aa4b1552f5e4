"""Observables of a mean-field state (SPEC 5.4): membrane and conductance statistics, VSD.

Each population sees its own input: the excitatory cells receive
``nu_e + x_de nu_drive + x_ae nu_aff`` excitatory and ``nu_i`` inhibitory rates (and the
adaptation current W when the variant is on), the inhibitory cells the same without the
afferent stimulus (default routing). The shot-noise statistics are those of
:func:`adexmf.theory.fluctuations.shot_noise_statistics` with each transfer function's own
formula variant (SPEC 3.2), so that the observables match the model being integrated.
"""

from __future__ import annotations

import numpy as np

from ..theory.fluctuations import shot_noise_statistics
from .equations import MeanFieldModel

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


def population_observables(
    model: MeanFieldModel,
    nu_e,
    nu_i,
    drive=0.0,
    afferent=0.0,
    W=0.0,
) -> dict[str, np.ndarray]:
    """Membrane and conductance statistics of both populations.

    Parameters
    ----------
    model : MeanFieldModel
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
    preset = model.preset
    inputs = (
        (preset.excitatory, nu_e + model.drive_to[0] * drive + model.afferent_to[0] * afferent,
         W if model.adaptation else np.zeros_like(W), model.transfer_functions[0]),
        (preset.inhibitory, nu_e + model.drive_to[1] * drive + model.afferent_to[1] * afferent,
         np.zeros_like(W), model.transfer_functions[1]),
    )  # fmt: skip
    out: dict[str, list[np.ndarray]] = {k: [] for k in POPULATION_OBSERVABLES}
    for cell, exc_input, w, tf in inputs:
        stats = shot_noise_statistics(
            exc_input,
            nu_i,
            cell,
            preset.synapses,
            preset.network,
            W=w,
            inhibitory_term=tf.params.inhibitory_term,
        )
        for k in out:
            out[k].append(getattr(stats, k))
    return {k: np.stack(v, axis=-1) for k, v in out.items()}


def network_mean_potential(model: MeanFieldModel, mu_V: np.ndarray) -> np.ndarray:
    """Population-averaged mean potential ``(1 - g) mu_V^exc + g mu_V^inh`` (V).

    ``mu_V`` has a trailing population axis (excitatory, inhibitory).
    """
    g = model.preset.network.inhibitory_fraction
    return (1.0 - g) * mu_V[..., 0] + g * mu_V[..., 1]


def vsd_signal(mean_potential: np.ndarray, reference: np.ndarray | float | None = None):
    """VSD-like signal ``dV/V0 = |mu_V(t) - mu_V(t0)| / |mu_V(t0)|`` (dimensionless, SPEC 5.4).

    Parameters
    ----------
    mean_potential : ndarray
        Population-averaged mean potential (V), time on the last axis.
    reference : float or ndarray, optional
        mu_V(t0) (V); default the first time sample.
    """
    v = np.asarray(mean_potential, dtype=np.float64)
    ref = v[..., :1] if reference is None else np.asarray(reference, dtype=np.float64)
    return np.abs(v - ref) / np.abs(ref)
