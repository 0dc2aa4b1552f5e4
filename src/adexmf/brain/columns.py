"""The column of every region of a brain network: a mean-field variant of the registry
(:data:`adexmf.meanfield.variants.VARIANTS`) at first or second order, or TVB's
``ZerlautAdaptationFirstOrder`` (``"tvb_zerlaut"``), with its conventions."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..meanfield import MeanFieldModel
from ..meanfield.variants import COLUMN_VARIANTS, VARIANTS

#: TVB's name for its model, and adexmf's for the column that reproduces it.
TVB_ZERLAUT = "tvb_zerlaut"
#: TVB adds 1e-6 kHz to the recurrent rates E and I before scaling them by their synapse
#: counts (spontaneous release): 1e-3 Hz.
TVB_SPONTANEOUS_HZ = 1e-3
#: TVB's Markov time constant (s).
TVB_T = 20e-3
#: The column of a brain network when none is named: first order with the adaptation
#: current and the RS transfer function fitted over W (one fit for every b).
DEFAULT_COLUMN = "adaptation-W"


@dataclass(frozen=True, eq=False)
class BrainColumn:
    """A region's column: its name, mean-field model, spontaneous rate (Hz) added to the
    recurrent rates (0 except TVB's convention) and the weight normalisation it is used
    with unless another is asked for (adexmf's columns: ``in_degree``, so that the coupling
    G reads as the share of a region's input from the others; TVB's: weights as given)."""

    name: str
    model: MeanFieldModel
    spontaneous_rate: float = 0.0
    normalisation: str = "in_degree"


def brain_column(name: str = DEFAULT_COLUMN, order: int = 1) -> BrainColumn:
    """The column named ``name``: a variant of :data:`COLUMN_VARIANTS` at ``order`` or
    :data:`TVB_ZERLAUT` (TVB's first order with adaptation, T = 20 ms, spontaneous term)."""
    if name == TVB_ZERLAUT:
        if order != 1:
            raise ParameterError(
                f"order = {order} is not allowed with {TVB_ZERLAUT!r}: TVB's "
                "ZerlautAdaptationFirstOrder is a first-order model; allowed: 1",
                parameters=("order",),
            )
        model = MeanFieldModel(TVB_ZERLAUT, order=1, adaptation=True, T=TVB_T)
        return BrainColumn(TVB_ZERLAUT, model, TVB_SPONTANEOUS_HZ, normalisation="none")
    if name not in COLUMN_VARIANTS:
        why = " (a synaptic filter the column kernels lack)" if name in VARIANTS else ""
        raise ParameterError(
            f"column = {name!r} is not allowed{why}; allowed: {', '.join(COLUMN_VARIANTS)}, "
            f"{TVB_ZERLAUT}",
            parameters=("column",),
        )
    return BrainColumn(name, VARIANTS[name].model(order))
