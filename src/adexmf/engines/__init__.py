"""Simulator adapters behind one seam (in the spirit of Brian2's ``Device``).

One typed setting selects the engine (:class:`EngineSettings`: Brian2 runtime or standalone,
or NEST), its checks written once; every engine has one signature,
``simulate(model, duration, seed, settings) -> RawRecording``, and is found in one registry
(:data:`ENGINES`, :func:`get_engine`). The modules:

- :mod:`.settings`: the settings and the seed check;
- :mod:`.seam`: the engine protocol, the registry, :func:`simulate_network`;
- :mod:`.recording`: what crosses the seam (the description in, a :class:`RawRecording` out);
- :mod:`.brian2_cells`, :mod:`.nest_cells`: the one Brian2 and the one NEST transcription of
  the AdEx cell, and each simulator's set-up;
- :mod:`.brian2_build`, :mod:`.brian2_network`, :mod:`.nest_network`: the network engines.

The engines sit below :mod:`adexmf.network`, whose :func:`~adexmf.network.simulate` calls
them and turns their recordings into Datasets. Brian2 and NEST are imported only when an
engine runs.
"""

from .brian2_network import Brian2Compiled
from .recording import NetworkDescription, RawRecording
from .seam import ENGINES, Engine, get_engine, simulate_network
from .settings import BACKENDS, BRIAN2_MODES, MAX_SEED, EngineSettings, check_seed

__all__ = [
    "BACKENDS",
    "BRIAN2_MODES",
    "ENGINES",
    "MAX_SEED",
    "Brian2Compiled",
    "Engine",
    "EngineSettings",
    "NetworkDescription",
    "RawRecording",
    "check_seed",
    "get_engine",
    "simulate_network",
]
