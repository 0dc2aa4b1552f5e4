"""adexmf: mean-field models of conductance-based AdEx networks (Zerlaut et al. 2018).

The main entry points::

    from adexmf import load_preset, TransferFunction
    preset = load_preset("zerlaut2018")
    tf = TransferFunction.from_preset(preset, "RS")
    tf(5.0, 5.0)            # output rate (Hz) for 5 Hz per excitatory and inhibitory synapse
"""

from . import _numba_cache  # noqa: F401  (must precede every compiled kernel)
from .errors import AdexmfError, InputRangeError, ParameterError, UnitError
from .params import (
    CELL_PRESETS,
    DEFAULT_NETWORK,
    DEFAULT_SYNAPSES,
    Cell,
    Network,
    Preset,
    Synapses,
    TransferParams,
    available_presets,
    cell_preset,
    load_preset,
    save_preset,
)
from .theory.fluctuations import ShotNoiseStatistics, shot_noise_statistics
from .theory.transfer import TransferEvaluation, TransferFunction

__version__ = "0.1.0"

__all__ = [
    "AdexmfError",
    "CELL_PRESETS",
    "Cell",
    "DEFAULT_NETWORK",
    "DEFAULT_SYNAPSES",
    "InputRangeError",
    "Network",
    "ParameterError",
    "Preset",
    "ShotNoiseStatistics",
    "Synapses",
    "TransferEvaluation",
    "TransferFunction",
    "TransferParams",
    "UnitError",
    "__version__",
    "available_presets",
    "cell_preset",
    "load_preset",
    "save_preset",
    "shot_noise_statistics",
]
