"""Sizes and connectivity of the RS-FS network (SPEC 2.3), its default, and the population
average ``(1 - g) x_exc + g x_inh`` of rates and potentials."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from .fields import quantity, validate

#: Entries per block of :func:`population_average` on large arrays (512 KiB of float64).
_AVERAGE_BLOCK = 1 << 16


def population_average(excitatory, inhibitory, inhibitory_fraction: float, *, out=None):
    """``(1 - g) x_exc + g x_inh`` for an inhibitory fraction g: the one place this average
    is written (network rate, population-averaged mean potential; SPEC 2.3, 5.4).

    Works on floats, arrays and DataArrays. Two large float64 arrays of one shape (the maps
    of a ring, a sheet, a brain: channels of the kernels' output) are averaged
    block by block along their first axis into one new array, with the temporaries of a
    block kept in cache: the same operations in the same order, so the same numbers, at
    about two thirds of the cost of the whole-array expression. ``out``, a float64 array of
    their shape, receives the average instead of a new array; it may be ``excitatory``
    itself (each block is read before it is overwritten), never ``inhibitory``.
    """
    g = inhibitory_fraction
    if out is not None:
        if np.may_share_memory(out, inhibitory) or out.shape != np.shape(excitatory):
            raise ValueError("population_average: out must have the inputs' shape and may "
                             "alias the excitatory input only")  # fmt: skip
    elif not (
        type(excitatory) is np.ndarray
        and type(inhibitory) is np.ndarray
        and excitatory.dtype == inhibitory.dtype == np.float64
        and excitatory.shape == inhibitory.shape
        and excitatory.ndim >= 1
        and excitatory.size > _AVERAGE_BLOCK
    ):
        return (1.0 - g) * excitatory + g * inhibitory
    if out is None:
        out = np.empty(excitatory.shape)
    rows = max(1, _AVERAGE_BLOCK // (excitatory.size // excitatory.shape[0] or 1))
    scratch = np.empty((rows, *excitatory.shape[1:]))
    for start in range(0, excitatory.shape[0], rows):
        stop = min(start + rows, excitatory.shape[0])
        block, inh = out[start:stop], scratch[: stop - start]
        np.multiply(excitatory[start:stop], 1.0 - g, out=block)
        np.multiply(inhibitory[start:stop], g, out=inh)
        block += inh
    return out


@dataclass(frozen=True)
class Network:
    """Sizes and connectivity of the RS-FS network (SPEC 2.3).

    Attributes
    ----------
    n_total : int
        Number of neurons.
    inhibitory_fraction : float
        Fraction g of inhibitory neurons.
    connection_probability : float
        Probability p of each ordered pair being connected (no autapses).
    excitatory_cell, inhibitory_cell : str
        Names of the cell models of the two populations.
    """

    n_total: int = field(metadata=quantity("", 2, 10_000_000))
    inhibitory_fraction: float = field(metadata=quantity("", 0.0, 1.0, strict_low=True))
    connection_probability: float = field(metadata=quantity("", 0.0, 1.0, strict_low=True))
    excitatory_cell: str = "RS"
    inhibitory_cell: str = "FS"

    def __post_init__(self) -> None:
        validate(self)
        if int(self.n_total) != self.n_total:
            raise ParameterError(f"Network.n_total = {self.n_total!r} must be an integer")
        object.__setattr__(self, "n_total", int(self.n_total))
        if self.n_exc < 1 or self.n_inh < 1:
            raise ParameterError(
                f"Network: n_total = {self.n_total} with inhibitory_fraction = "
                f"{self.inhibitory_fraction:g} leaves an empty population; both need >= 1 neuron"
            )

    def population_average(self, excitatory, inhibitory):
        """Population-weighted average ``(1 - g) x_exc + g x_inh`` (SPEC 2.3, 5.4).

        The network rate ``nu = (1 - g) nu_e + g nu_i`` and the VSD-relevant mean potential
        ``(1 - g) mu_V^exc + g mu_V^inh`` are this average; works on floats and arrays (any
        unit, returned unchanged).
        """
        return population_average(excitatory, inhibitory, self.inhibitory_fraction)

    @property
    def n_inh(self) -> int:
        """Number of inhibitory neurons, round(g N)."""
        return int(round(self.inhibitory_fraction * self.n_total))

    @property
    def n_exc(self) -> int:
        """Number of excitatory neurons."""
        return self.n_total - self.n_inh

    @property
    def K_e(self) -> float:
        """Mean excitatory in-degree p N_e."""
        return self.connection_probability * self.n_exc

    @property
    def K_i(self) -> float:
        """Mean inhibitory in-degree p N_i."""
        return self.connection_probability * self.n_inh

    def replace(self, **changes: Any) -> Network:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


#: Network of SPEC 2.3.
DEFAULT_NETWORK = Network(n_total=10_000, inhibitory_fraction=0.2, connection_probability=0.05)
