"""Coefficients and settings of a fitted transfer function (SPEC 4.1 and 3.2), with the
checks of its fit domain (Hz) and its layouts (10 or 11 coefficients, V)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ParameterError, check_range
from .fields import quantity, validate

#: Fields of :class:`TransferParams` holding the domain of the fit (Hz).
DOMAIN_FIELDS: tuple[str, ...] = ("domain_nu_e", "domain_nu_i")
#: Largest rate (Hz) a fit domain may reach.
MAX_DOMAIN_RATE = 1.0e4


def _check_domain(name: str, value: Any) -> tuple[float, float]:
    """A fit domain (low, high) in Hz: two finite rates with 0 <= low < high <= 1e4 Hz."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name} = {value!r} must be two rates (low, high) in Hz, e.g. ['0 Hz', '30 Hz']"
        ) from None
    check_range(f"{name}[0]", low, 0.0, MAX_DOMAIN_RATE, unit="Hz")
    check_range(f"{name}[1]", high, 0.0, MAX_DOMAIN_RATE, unit="Hz")
    if not low < high:
        raise ParameterError(f"{name} = ({low:g}, {high:g}) Hz: the low end must be below the high")
    return low, high


Layout = Literal["with_log", "without_log"]
InhibitoryTerm = Literal["paper", "slip"]
LAYOUT_SIZES: dict[str, int] = {"with_log": 11, "without_log": 10}
INHIBITORY_TERMS: tuple[str, ...] = ("paper", "slip")


@dataclass(frozen=True)
class TransferParams:
    """Coefficients and settings of a fitted transfer function (SPEC 4.1 and 3.2).

    Attributes
    ----------
    coefficients : tuple of float
        P0..P10 (layout ``"with_log"``, 11 values, the authors' code) or P0..P3, P5..P10
        (layout ``"without_log"``, 10 values, the paper's text), in volts.
    layout : {"with_log", "without_log"}
        Whether the threshold polynomial has the ``P4 ln(mu_G / g_L)`` term.
    inhibitory_term : {"paper", "slip"}
        Shot-noise formula for sigma_V and tau_V: ``"paper"`` uses (U_i tau_i)^2 as the paper
        states; ``"slip"`` reproduces the authors' code, (Q_i U_i)^2 (SPEC 3.2).
    mu_V0, d_mu_V0, sigma_V0, d_sigma_V0 : float
        Normalisation of mu_V and sigma_V (V).
    tau_V0, d_tau_V0 : float
        Normalisation of tau_V^N (dimensionless).
    note : str
        Provenance of the coefficients.
    domain_nu_e, domain_nu_i : (float, float) or None
        Domain of the fit: the ranges of excitatory and inhibitory input rates per synapse
        (Hz) spanned by the characterisation the coefficients were fitted on; inputs outside
        it are flagged (:mod:`adexmf.validity`). None: unknown (no check). Written in TOML
        as ``domain_nu_e = ["0 Hz", "30 Hz"]``.
    """

    coefficients: tuple[float, ...]
    layout: Layout = "with_log"
    inhibitory_term: InhibitoryTerm = "paper"
    mu_V0: float = field(default=-0.060, metadata=quantity("V", -0.2, 0.1))
    d_mu_V0: float = field(default=0.010, metadata=quantity("V", 0.0, 1.0, strict_low=True))
    sigma_V0: float = field(default=0.004, metadata=quantity("V", 0.0, 1.0))
    d_sigma_V0: float = field(default=0.006, metadata=quantity("V", 0.0, 1.0, strict_low=True))
    tau_V0: float = field(default=0.5, metadata=quantity("", 0.0, 100.0))
    d_tau_V0: float = field(default=1.0, metadata=quantity("", 0.0, 100.0, strict_low=True))
    note: str = ""
    domain_nu_e: tuple[float, float] | None = None
    domain_nu_i: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in DOMAIN_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _check_domain(f"TransferParams.{name}", value))
        if self.layout not in LAYOUT_SIZES:
            raise ParameterError(
                f"TransferParams.layout = {self.layout!r}; allowed: {', '.join(LAYOUT_SIZES)}"
            )
        if self.inhibitory_term not in INHIBITORY_TERMS:
            raise ParameterError(
                f"TransferParams.inhibitory_term = {self.inhibitory_term!r}; "
                f"allowed: {', '.join(INHIBITORY_TERMS)}"
            )
        coeffs = tuple(float(c) for c in self.coefficients)
        n = LAYOUT_SIZES[self.layout]
        if len(coeffs) != n:
            raise ParameterError(
                f"TransferParams.coefficients has {len(coeffs)} values; layout "
                f"{self.layout!r} needs exactly {n}"
            )
        for k, c in enumerate(coeffs):
            check_range(f"TransferParams.coefficients[{k}]", c, -1.0, 1.0, unit="V")
        object.__setattr__(self, "coefficients", coeffs)
        validate(self)

    @property
    def full_coefficients(self) -> tuple[float, ...]:
        """The 11 coefficients P0..P10 (P4 = 0 for the ``"without_log"`` layout)."""
        if self.layout == "with_log":
            return self.coefficients
        c = self.coefficients
        return (*c[:4], 0.0, *c[4:])

    def replace(self, **changes: Any) -> TransferParams:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)
