"""Exponential conductance synapses (SPEC 2.2) and the default synapses of the SPEC. SI units."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .fields import quantity, validate


@dataclass(frozen=True)
class Synapses:
    """Exponential conductance synapses, which depend only on the presynaptic type (SPEC 2.2).

    Attributes
    ----------
    Q_e, Q_i : float
        Quantal conductance increments (S).
    tau_e, tau_i : float
        Decay time constants (s).
    E_e, E_i : float
        Reversal potentials (V).
    """

    Q_e: float = field(metadata=quantity("S", 0.0, 1e-6))
    Q_i: float = field(metadata=quantity("S", 0.0, 1e-6))
    tau_e: float = field(metadata=quantity("s", 0.0, 1.0, strict_low=True))
    tau_i: float = field(metadata=quantity("s", 0.0, 1.0, strict_low=True))
    E_e: float = field(metadata=quantity("V", -0.15, 0.1))
    E_i: float = field(metadata=quantity("V", -0.15, 0.1))

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> Synapses:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


#: Synapses of SPEC 2.2.
DEFAULT_SYNAPSES = Synapses(Q_e=1e-9, Q_i=5e-9, tau_e=5e-3, tau_i=5e-3, E_e=0.0, E_i=-80e-3)
