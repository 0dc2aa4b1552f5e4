"""What crosses the seam: the description an engine is given and the recording it hands back.

Engines sit below :mod:`adexmf.network`, which calls them: they read the backend-neutral
description (:class:`adexmf.network.model.NetworkModel`) through its attributes without
importing it, and hand back a :class:`RawRecording` of plain arrays (SI units), which
:func:`adexmf.network.dataset.dataset_from_recording` turns into the one Dataset layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The backend-neutral network description, :class:`adexmf.network.model.NetworkModel`
#: (named here, not imported: the network package calls the engines, not the reverse).
NetworkDescription = Any


@dataclass
class RawRecording:
    """What an engine hands back (SI units).

    Attributes
    ----------
    spike_times : dict of str to ndarray
        Spike times per population (s), stamped on the grid ``k dt``.
    spike_neurons : dict of str to ndarray
        Index within the population of each spike's neuron.
    traces : dict of str to dict of str to ndarray
        ``traces[variable][population]`` of shape (n_cells, n_steps), on the grid ``k dt``
        (the value at the start of each step).
    timings : dict of str to float
        Wall-clock and CPU times (s), e.g. ``construction_s``, ``simulation_s``.
    info : dict
        Backend details recorded in the attrs (simulator version, integrator, ...).
    backend : str
        Label of the engine recorded in the Dataset (``"brian2-runtime-cython"``,
        ``"brian2-standalone"``, ``"nest"``); empty when not set.
    external_rates : dict of str to ndarray, optional
        External rate per synapse of each population on the grid (Hz), when it differs from
        the description's (a standalone rerun with other waveforms).
    drive : ndarray, optional
        Drive rate per synapse on the grid (Hz), when it differs from the description's.
    simulated : NetworkModel, optional
        The description as simulated, when the engine had to change it (NEST draws the
        independent drive's events from Poisson generators only); None: as given.
    """

    spike_times: dict[str, np.ndarray]
    spike_neurons: dict[str, np.ndarray]
    traces: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    backend: str = ""
    external_rates: dict[str, np.ndarray] | None = None
    drive: np.ndarray | None = None
    simulated: NetworkDescription | None = None
