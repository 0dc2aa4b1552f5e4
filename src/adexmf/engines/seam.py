"""The seam between the network description and the simulators (in the spirit of Brian2's
``Device``): one signature, one registry, one lookup.

An engine is an object with a ``name`` and one method,
``simulate(model, duration, seed, settings) -> RawRecording``: it reads the backend-neutral
description and hands back plain arrays (:mod:`adexmf.engines.recording`), which
:func:`adexmf.network.simulate` turns into the one Dataset layout. :data:`ENGINES` holds the
engines by name; :func:`get_engine` picks the one that checked
:class:`~adexmf.engines.settings.EngineSettings` select; :func:`simulate_network` checks the
seed and runs it. Adding a simulator is one class and one registry entry; the common checks
stay in :mod:`adexmf.engines.settings`.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import ParameterError
from .brian2_network import Brian2RuntimeEngine, Brian2StandaloneEngine
from .nest_network import NestEngine
from .recording import NetworkDescription, RawRecording
from .settings import EngineSettings, check_seed


class Engine(Protocol):
    """What the seam asks of a simulator."""

    #: Registry name (``"brian2-runtime"``...).
    name: str

    def simulate(
        self, model: NetworkDescription, duration: float, seed: int, settings: EngineSettings
    ) -> RawRecording:
        """Simulate ``model`` for ``duration`` (s) with ``seed`` under checked ``settings``."""
        ...


#: The network engines by name (:attr:`EngineSettings.engine` selects one).
ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (Brian2RuntimeEngine(), Brian2StandaloneEngine(), NestEngine())
}


def get_engine(settings: EngineSettings | str) -> Engine:
    """The engine that settings (or a registry name) select.

    Parameters
    ----------
    settings : EngineSettings or str
        Checked settings, or a name of :data:`ENGINES`.

    Returns
    -------
    Engine
        The registered engine.

    Raises
    ------
    ParameterError
        For a name that is not registered.
    """
    name = settings.engine if isinstance(settings, EngineSettings) else settings
    if name not in ENGINES:
        raise ParameterError(
            f"engine = {name!r}; allowed: {', '.join(ENGINES)}", parameters=("engine",)
        )
    return ENGINES[name]


def simulate_network(
    model: NetworkDescription, duration: float, seed: int, settings: EngineSettings
) -> RawRecording:
    """Simulate the network on the engine that ``settings`` select (SI units).

    Parameters
    ----------
    model : NetworkModel
        Network description.
    duration : float
        Biological duration (s).
    seed : int
        Seed of every random draw (connectivity and drive), in [0, 2**31 - 1).
    settings : EngineSettings
        Simulator, mode, code target and threads (checked when built).

    Returns
    -------
    RawRecording
        The engine's recording (:func:`adexmf.network.dataset.dataset_from_recording` makes
        the Dataset).
    """
    return get_engine(settings).simulate(model, duration, check_seed(seed), settings)
