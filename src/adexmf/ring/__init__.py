"""Ring and 2-D sheet of mean-field columns with conduction delays (SPEC 8).

The main entry points::

    from adexmf.ring import RingModel, centred_stimulus
    ring = RingModel()                                   # 36 mm, N = 120, first order
    ds = ring.run(0.6, stimuli=[centred_stimulus(ring.ring)])   # Dataset (time, x), SI
    line = early_response_line(ds.vsd)                   # time of the early response vs x

Submodules: :mod:`.model` (ring and sheet kernels, batch mode), :mod:`.analysis`
(early-response line, propagation speed, apparent motion, summaries).
"""

from .model import (
    DEFAULT_DT,
    DEFAULT_METHOD,
    OUTPUTS,
    RingModel,
    centred_stimulus,
    run_batch,
)

__all__ = [
    "DEFAULT_DT",
    "DEFAULT_METHOD",
    "OUTPUTS",
    "RingModel",
    "centred_stimulus",
    "run_batch",
]
