"""Typed parameter sets, one concept per module; every name is re-exported here.

All values are stored in SI units. Each field carries its unit and allowed range as dataclass
metadata (:mod:`.fields`); one generic reader/writer (:func:`from_mapping` /
:func:`to_mapping`, :mod:`.mapping`) turns them into TOML-friendly mappings with quantities
written with units (``"200 pF"``), and one validator checks every field. See SPEC.md
section 2.

Modules: :mod:`.cell` (AdEx cells, cell presets), :mod:`.synapses`, :mod:`.network` (sizes,
connectivity, population average), :mod:`.transfer` (transfer-function coefficients),
:mod:`.presets` (named parameter sets, TOML files), :mod:`.spatial` (ring, sheet and their
stimuli).
"""

from .cell import CAPACITANCE_VARIANTS, CELL_PRESETS, MAX_TAU_M, MIN_TAU_M, Cell, cell_preset
from .mapping import from_mapping, to_mapping
from .network import DEFAULT_NETWORK, Network, population_average
from .presets import Preset, available_presets, load_preset, save_preset
from .spatial import (
    BOUNDARIES,
    REFERENCE_STIMULI,
    RING_SETTINGS,
    Ring,
    RingStimulus,
    Sheet,
    load_ring_config,
)
from .synapses import DEFAULT_SYNAPSES, Synapses
from .transfer import (
    DOMAIN_FIELDS,
    INHIBITORY_TERMS,
    LAYOUT_SIZES,
    MAX_DOMAIN_RATE,
    InhibitoryTerm,
    Layout,
    TransferParams,
)

__all__ = [
    "BOUNDARIES",
    "CAPACITANCE_VARIANTS",
    "CELL_PRESETS",
    "Cell",
    "DEFAULT_NETWORK",
    "DEFAULT_SYNAPSES",
    "DOMAIN_FIELDS",
    "INHIBITORY_TERMS",
    "InhibitoryTerm",
    "LAYOUT_SIZES",
    "Layout",
    "MAX_DOMAIN_RATE",
    "MAX_TAU_M",
    "MIN_TAU_M",
    "Network",
    "Preset",
    "REFERENCE_STIMULI",
    "RING_SETTINGS",
    "Ring",
    "RingStimulus",
    "Sheet",
    "Synapses",
    "TransferParams",
    "available_presets",
    "cell_preset",
    "from_mapping",
    "load_preset",
    "load_ring_config",
    "population_average",
    "save_preset",
    "to_mapping",
]
