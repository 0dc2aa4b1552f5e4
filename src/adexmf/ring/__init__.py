"""Ring and 2-D sheet of mean-field columns with conduction delays (SPEC 8), instances of the
network engine of :mod:`adexmf.columns`.

The main entry points::

    from adexmf.ring import RingModel, centred_stimulus
    ring = RingModel()                                   # 36 mm, N = 120, first order
    ds = ring.run(0.6, stimuli=[centred_stimulus(ring.ring)])   # Dataset (time, x), SI
    line = early_response_line(ds.vsd)                   # time of the early response vs x

Submodules: :mod:`.ring` (the ring), :mod:`.sheet` (the 2-D sheet), :mod:`.batch` (many
parameter sets of one ring in one compiled call), what they share (:mod:`.settings`: defaults,
outputs, VSD inputs; :mod:`.coupling`: kernels and their delay tables; :mod:`.stimulus`:
spatial stimuli), :mod:`.analysis` (early-response line,
propagation speed, apparent motion, summaries) and :mod:`.reference` (a plain-NumPy ring for
tests and benchmarks).
"""

from .batch import run_batch
from .ring import RingModel
from .settings import DEFAULT_DT, DEFAULT_METHOD, DEFAULT_VSD_INPUT, OUTPUTS, VSD_INPUTS
from .sheet import SheetModel
from .stimulus import centred_stimulus

__all__ = [
    "DEFAULT_DT",
    "DEFAULT_METHOD",
    "DEFAULT_VSD_INPUT",
    "OUTPUTS",
    "RingModel",
    "SheetModel",
    "VSD_INPUTS",
    "centred_stimulus",
    "run_batch",
]
