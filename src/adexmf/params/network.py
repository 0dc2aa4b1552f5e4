"""Sizes and connectivity of the RS-FS network (SPEC 2.3), its default, and the population
average ``(1 - g) x_exc + g x_inh`` of rates and potentials."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParameterError
from .fields import quantity, validate


def population_average(excitatory, inhibitory, inhibitory_fraction: float):
    """``(1 - g) x_exc + g x_inh`` for an inhibitory fraction g: the one place this average
    is written (network rate, population-averaged mean potential; SPEC 2.3, 5.4)."""
    g = inhibitory_fraction
    return (1.0 - g) * excitatory + g * inhibitory


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
