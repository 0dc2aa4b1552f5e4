"""Networks of columns at brain scale (SPEC 11): connectomes, the network of columns with
delayed coupling, and what is measured on it (:mod:`.bold`, :mod:`.analysis`)."""

from .columns import BrainColumn, brain_column
from .connectome import Connectome, load_connectome, read_tvb_connectivity, synthetic_connectome
from .network import BrainNetwork, OUNoise, RegionStimulus

__all__ = [
    "BrainColumn",
    "BrainNetwork",
    "Connectome",
    "OUNoise",
    "RegionStimulus",
    "brain_column",
    "load_connectome",
    "read_tvb_connectivity",
    "synthetic_connectome",
]
