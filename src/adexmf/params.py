"""Typed parameter sets: cells, synapses, network, transfer-function coefficients, presets.

All values are stored in SI units. Each field carries its unit and allowed range as dataclass
metadata; one generic reader/writer (:func:`from_mapping` / :func:`to_mapping`) turns them
into TOML-friendly mappings with quantities written with units (``"200 pF"``), and one
validator checks every field. See SPEC.md section 2.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import tomli_w

from .errors import ParameterError, check_range
from .units import format_quantity, parse_quantity

T = TypeVar("T")


def _q(unit: str, low: float | None = None, high: float | None = None, *, strict_low=False):
    """Metadata of a physical field: SI unit and allowed range."""
    return {"unit": unit, "low": low, "high": high, "strict_low": strict_low}


def _validate(obj: Any) -> None:
    """Check every field of a parameter dataclass against its metadata."""
    for f in dataclasses.fields(obj):
        meta = f.metadata
        if "unit" not in meta:
            continue
        value = getattr(obj, f.name)
        if value is None and meta.get("optional"):
            continue
        check_range(
            f"{type(obj).__name__}.{f.name}",
            value,
            meta["low"],
            meta["high"],
            unit=meta["unit"],
            low_inclusive=not meta["strict_low"],
        )


#: Admissible membrane time constants C_m / g_L (s): 0.1 ms to 1 s spans every cortical
#: cell; beyond, the shot-noise statistics and the fitted threshold overflow.
MIN_TAU_M, MAX_TAU_M = 1e-4, 1.0


@dataclass(frozen=True)
class Cell:
    """AdEx cell with conductance-based synapses (SPEC 2.1). SI units throughout.

    Attributes
    ----------
    name : str
        Label (e.g. ``"RS"``).
    g_L : float
        Leak conductance (S).
    C_m : float
        Membrane capacitance (F).
    t_ref : float
        Refractory period (s).
    E_L, V_T, V_reset : float
        Leak reversal, threshold of the exponential term and reset potential (V).
    delta_T : float
        Slope factor of the exponential term (V); 0 gives a LIF with threshold V_T.
    a : float
        Subthreshold adaptation conductance (S).
    b : float
        Spike-triggered adaptation increment (A).
    tau_w : float or None
        Adaptation time constant (s); ``None`` for a cell without adaptation (a = b = 0).
    """

    name: str
    g_L: float = field(metadata=_q("S", 1e-12, 1e-6))
    C_m: float = field(metadata=_q("F", 1e-13, 1e-8))
    t_ref: float = field(metadata=_q("s", 0.0, 0.1))
    E_L: float = field(metadata=_q("V", -0.15, 0.05))
    V_T: float = field(metadata=_q("V", -0.15, 0.05))
    V_reset: float = field(metadata=_q("V", -0.15, 0.05))
    delta_T: float = field(metadata=_q("V", 0.0, 0.02))
    a: float = field(metadata=_q("S", 0.0, 1e-6))
    b: float = field(metadata=_q("A", 0.0, 1e-9))
    tau_w: float | None = field(
        default=None, metadata={**_q("s", 0.0, 100.0, strict_low=True), "optional": True}
    )

    def __post_init__(self) -> None:
        _validate(self)
        if self.tau_w is None and (self.a != 0.0 or self.b != 0.0):
            raise ParameterError(
                f"Cell.tau_w is missing for cell {self.name!r} with adaptation "
                f"(a = {self.a:g} S, b = {self.b:g} A); give tau_w > 0 s"
            )
        tau_m = self.C_m / self.g_L
        if not MIN_TAU_M <= tau_m <= MAX_TAU_M:
            raise ParameterError(
                f"Cell {self.name!r}: membrane time constant C_m / g_L = {tau_m:g} s "
                f"(C_m = {self.C_m:g} F, g_L = {self.g_L:g} S) is out of range; allowed: "
                f"[{MIN_TAU_M:g}, {MAX_TAU_M:g}] s (outside it the thresholds and rates of the "
                "theory are not finite); change C_m or g_L"
            )
        if self.V_reset >= self.spike_threshold:
            raise ParameterError(
                f"Cell.V_reset = {self.V_reset:g} V must lie below the spike threshold "
                f"{self.spike_threshold:g} V of cell {self.name!r}"
            )

    @property
    def spike_threshold(self) -> float:
        """Voltage at which a spike is detected (V): V_T + 5 delta_T, or V_T if delta_T = 0."""
        return self.V_T + 5.0 * self.delta_T

    @property
    def tau_m(self) -> float:
        """Leak time constant C_m / g_L (s)."""
        return self.C_m / self.g_L

    @property
    def has_adaptation(self) -> bool:
        """Whether the cell has an adaptation current."""
        return self.a != 0.0 or self.b != 0.0

    def replace(self, **changes: Any) -> Cell:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


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

    Q_e: float = field(metadata=_q("S", 0.0, 1e-6))
    Q_i: float = field(metadata=_q("S", 0.0, 1e-6))
    tau_e: float = field(metadata=_q("s", 0.0, 1.0, strict_low=True))
    tau_i: float = field(metadata=_q("s", 0.0, 1.0, strict_low=True))
    E_e: float = field(metadata=_q("V", -0.15, 0.1))
    E_i: float = field(metadata=_q("V", -0.15, 0.1))

    def __post_init__(self) -> None:
        _validate(self)

    def replace(self, **changes: Any) -> Synapses:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


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

    n_total: int = field(metadata=_q("", 2, 10_000_000))
    inhibitory_fraction: float = field(metadata=_q("", 0.0, 1.0, strict_low=True))
    connection_probability: float = field(metadata=_q("", 0.0, 1.0, strict_low=True))
    excitatory_cell: str = "RS"
    inhibitory_cell: str = "FS"

    def __post_init__(self) -> None:
        _validate(self)
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
    mu_V0: float = field(default=-0.060, metadata=_q("V", -0.2, 0.1))
    d_mu_V0: float = field(default=0.010, metadata=_q("V", 0.0, 1.0, strict_low=True))
    sigma_V0: float = field(default=0.004, metadata=_q("V", 0.0, 1.0))
    d_sigma_V0: float = field(default=0.006, metadata=_q("V", 0.0, 1.0, strict_low=True))
    tau_V0: float = field(default=0.5, metadata=_q("", 0.0, 100.0))
    d_tau_V0: float = field(default=1.0, metadata=_q("", 0.0, 100.0, strict_low=True))
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
        _validate(self)

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


# --------------------------------------------------------------------------- cell presets
def _cell(name, g_L, C_m, t_ref, E_L, V_T, V_reset, delta_T, a, b, tau_w) -> Cell:
    """Build a cell from the human units of SPEC 2.2 (nS, pF, ms, mV, nS, pA, ms)."""
    return Cell(
        name=name,
        g_L=g_L * 1e-9,
        C_m=C_m * 1e-12,
        t_ref=t_ref * 1e-3,
        E_L=E_L * 1e-3,
        V_T=V_T * 1e-3,
        V_reset=V_reset * 1e-3,
        delta_T=delta_T * 1e-3,
        a=a * 1e-9,
        b=b * 1e-12,
        tau_w=None if tau_w is None else tau_w * 1e-3,
    )


#: Cell presets of SPEC 2.2; RS and FS with C_m = 200 pF as in the authors' code.
CELL_PRESETS: dict[str, Cell] = {
    "RS": _cell("RS", 10, 200, 5, -65, -50, -65, 2.0, 4, 20, 500),
    "FS": _cell("FS", 10, 200, 5, -65, -50, -65, 0.5, 0, 0, None),
    "LIF": _cell("LIF", 10, 150, 5, -60, -50, -60, 0.0, 0, 0, None),
    "EIF": _cell("EIF", 10, 150, 5, -60, -50, -60, 2.0, 0, 0, None),
    "AdEx": _cell("AdEx", 10, 150, 5, -60, -50, -60, 2.0, 4, 20, 500),
}

#: Membrane capacitance variants of the RS and FS cells (F): authors' code vs paper's text.
CAPACITANCE_VARIANTS: dict[str, float] = {"code": 200e-12, "text": 150e-12}


def cell_preset(name: str, capacitance: Literal["code", "text"] = "code") -> Cell:
    """Return a cell preset of SPEC 2.2.

    Parameters
    ----------
    name : {"RS", "FS", "LIF", "EIF", "AdEx"}
        Preset name.
    capacitance : {"code", "text"}
        For RS and FS: C_m = 200 pF (authors' code, used for the published numbers) or
        150 pF (paper's text). Ignored by the other presets.
    """
    if name not in CELL_PRESETS:
        raise ParameterError(f"unknown cell preset {name!r}; allowed: {', '.join(CELL_PRESETS)}")
    if capacitance not in CAPACITANCE_VARIANTS:
        raise ParameterError(
            f"capacitance = {capacitance!r}; allowed: {', '.join(CAPACITANCE_VARIANTS)}"
        )
    cell = CELL_PRESETS[name]
    if name in ("RS", "FS"):
        cell = cell.replace(C_m=CAPACITANCE_VARIANTS[capacitance])
    return cell


#: Synapses of SPEC 2.2.
DEFAULT_SYNAPSES = Synapses(Q_e=1e-9, Q_i=5e-9, tau_e=5e-3, tau_i=5e-3, E_e=0.0, E_i=-80e-3)
#: Network of SPEC 2.3.
DEFAULT_NETWORK = Network(n_total=10_000, inhibitory_fraction=0.2, connection_probability=0.05)


# ------------------------------------------------------------------ mapping <-> dataclass
def _field_to_text(f: dataclasses.Field, value: Any) -> Any:
    unit = f.metadata.get("unit")
    if unit is None or unit == "":
        return value
    if value is None:
        return "none"
    return format_quantity(value, unit)


def to_mapping(obj: Any) -> dict[str, Any]:
    """Turn a parameter dataclass into a TOML-friendly mapping with units written out."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(obj, TransferParams) and f.name == "coefficients":
            out[f.name] = [format_quantity(c, "V", "V") for c in value]
        elif isinstance(obj, TransferParams) and f.name in DOMAIN_FIELDS:
            if value is not None:  # TOML has no null: an unknown domain is left out
                out[f.name] = [format_quantity(v, "Hz") for v in value]
        else:
            out[f.name] = _field_to_text(f, value)
    return out


def from_mapping(cls: type[T], data: Mapping[str, Any], section: str, **fixed: Any) -> T:
    """Build a parameter dataclass from a mapping of quantities written with units.

    Parameters
    ----------
    cls : type
        One of :class:`Cell`, :class:`Synapses`, :class:`Network`, :class:`TransferParams`.
    data : mapping
        Keys are field names; physical values are strings with units (``"10 nS"``).
    section : str
        Where the mapping came from (e.g. ``"cells.RS"``), used in error messages.
    **fixed
        Fields given directly rather than read (e.g. the cell name).

    Raises
    ------
    ParameterError
        For a missing key, an unknown key, a wrong unit or an out-of-range value.
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in fixed}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ParameterError(
            f"[{section}] unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(fields)}"
        )
    kwargs: dict[str, Any] = dict(fixed)
    for name, f in fields.items():
        has_default = (
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        )
        if name not in data:
            if has_default and not (f.metadata.get("optional") and f.metadata.get("unit")):
                continue
            raise ParameterError(f"[{section}] missing key {name!r}")
        raw = data[name]
        unit = f.metadata.get("unit")
        where = f"{section}.{name}"
        if cls is TransferParams and name == "coefficients":
            if not isinstance(raw, list | tuple):
                raise ParameterError(f"[{section}] coefficients must be a list of voltages")
            kwargs[name] = tuple(
                parse_quantity(c, "V", name=f"{where}[{k}]") for k, c in enumerate(raw)
            )
        elif cls is TransferParams and name in DOMAIN_FIELDS:
            if not isinstance(raw, list | tuple) or len(raw) != 2:
                raise ParameterError(
                    f"[{section}] {name} = {raw!r} must be a list of two rates, e.g. "
                    "['0 Hz', '30 Hz']"
                )
            kwargs[name] = tuple(
                parse_quantity(v, "Hz", name=f"{where}[{k}]") for k, v in enumerate(raw)
            )
        elif unit is None:
            kwargs[name] = raw
        elif f.metadata.get("optional") and isinstance(raw, str) and raw.strip() == "none":
            kwargs[name] = None
        else:
            kwargs[name] = parse_quantity(raw, unit, name=where)
    try:
        return cls(**kwargs)
    except ParameterError as exc:
        raise ParameterError(f"[{section}] {exc}") from None


# ------------------------------------------------------------------------------ presets
@dataclass(frozen=True)
class Preset:
    """A complete, named parameter set: network, synapses, cells and transfer functions.

    Attributes
    ----------
    name : str
        Preset name (``"zerlaut2018"``, ``"corrected"``, or a user's).
    level : str
        Fidelity level, ``"reference"`` or ``"corrected"`` (SPEC 0).
    description : str
        Provenance in words.
    network : Network
    synapses : Synapses
    cells : dict of str to Cell
        At least the excitatory and inhibitory cells named by the network.
    transfer : dict of str to TransferParams
        Transfer-function coefficients by cell name.
    """

    name: str
    level: str
    description: str
    network: Network
    synapses: Synapses
    cells: dict[str, Cell]
    transfer: dict[str, TransferParams]

    def __post_init__(self) -> None:
        for cell in self.transfer:
            if cell not in self.cells:
                raise ParameterError(
                    f"preset {self.name!r}: [transfer.{cell}] has no matching [cells.{cell}] "
                    f"section; available: {', '.join(self.cells)}"
                )
        for role in ("excitatory_cell", "inhibitory_cell"):
            cell = getattr(self.network, role)
            if cell not in self.cells:
                raise ParameterError(
                    f"preset {self.name!r}: network.{role} = {cell!r} has no [cells.{cell}] "
                    f"section; available: {', '.join(self.cells)}"
                )

    @property
    def excitatory(self) -> Cell:
        """The excitatory cell model."""
        return self.cells[self.network.excitatory_cell]

    @property
    def inhibitory(self) -> Cell:
        """The inhibitory cell model."""
        return self.cells[self.network.inhibitory_cell]

    def transfer_params(self, cell: str) -> TransferParams:
        """Coefficients of the transfer function of ``cell`` (error if the preset has none)."""
        if cell not in self.transfer:
            raise ParameterError(
                f"preset {self.name!r} has no transfer function for cell {cell!r}; "
                f"available: {', '.join(self.transfer) or 'none'}"
            )
        return self.transfer[cell]

    def replace(self, **changes: Any) -> Preset:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_mapping(self) -> dict[str, Any]:
        """The preset as a TOML-friendly mapping."""
        return {
            "meta": {"name": self.name, "level": self.level, "description": self.description},
            "network": to_mapping(self.network),
            "synapses": to_mapping(self.synapses),
            "cells": {
                k: {kk: vv for kk, vv in to_mapping(c).items() if kk != "name"}
                for k, c in self.cells.items()
            },
            "transfer": {k: to_mapping(t) for k, t in self.transfer.items()},
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<mapping>") -> Preset:
        """Build a preset from a mapping (as read from TOML); errors name ``source``."""
        allowed = {"meta", "network", "synapses", "cells", "transfer"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ParameterError(
                f"{source}: unknown section(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )
        for key in ("meta", "network", "synapses", "cells"):
            if key not in data:
                raise ParameterError(f"{source}: missing section [{key}]")
        meta = dict(data["meta"])
        extra = sorted(set(meta) - {"name", "level", "description"})
        if extra:
            raise ParameterError(f"{source}: [meta] unknown key(s) {', '.join(extra)}")
        if "name" not in meta:
            raise ParameterError(f"{source}: [meta] missing key 'name'")
        level = meta.get("level", "corrected")
        if level not in ("reference", "corrected"):
            raise ParameterError(
                f"{source}: [meta] level = {level!r}; allowed: 'reference', 'corrected'"
            )
        try:
            return cls(
                name=str(meta["name"]),
                level=level,
                description=str(meta.get("description", "")),
                network=from_mapping(Network, data["network"], "network"),
                synapses=from_mapping(Synapses, data["synapses"], "synapses"),
                cells={
                    k: from_mapping(Cell, v, f"cells.{k}", name=k) for k, v in data["cells"].items()
                },
                transfer={
                    k: from_mapping(TransferParams, v, f"transfer.{k}")
                    for k, v in data.get("transfer", {}).items()
                },
            )
        except ParameterError as exc:
            raise ParameterError(f"{source}: {exc}") from None


def available_presets() -> list[str]:
    """Names of the presets shipped with the package."""
    root = resources.files("adexmf") / "presets"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_preset(name_or_path: str | Path) -> Preset:
    """Load a preset by name (shipped with the package) or from a TOML file path.

    Parameters
    ----------
    name_or_path : str or Path
        ``"zerlaut2018"``, ``"corrected"``, or the path of a TOML file.
    """
    from .store import read_text

    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or path.is_symlink():
        text = read_text(
            path, what="preset file", hint="give a shipped preset name "
            f"({', '.join(available_presets())}) or the path of a UTF-8 .toml file",
        )  # fmt: skip
        source = str(path)
    else:
        names = available_presets()
        if str(name_or_path) not in names:
            raise ParameterError(
                f"unknown preset {str(name_or_path)!r}; shipped presets: {', '.join(names)} "
                "(or give the path of a .toml file)"
            )
        text = (resources.files("adexmf") / "presets" / f"{name_or_path}.toml").read_text()
        source = f"preset {name_or_path!r}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{source}: invalid TOML: {exc}") from None
    return Preset.from_mapping(data, source)


def save_preset(preset: Preset, path: str | Path, *, option: str | None = None) -> Path:
    """Write a preset as TOML through the output layer (:func:`adexmf.store.write_text`:
    destination checked, atomic, no temporary file left behind).

    Raises
    ------
    OutputError
        If ``path`` cannot be written (a directory, a read-only folder...).
    """
    from .store import write_text

    return write_text(tomli_w.dumps(preset.to_mapping()), path, option=option)


# ------------------------------------------------------------------- ring and sheet (SPEC 8)
#: Boundaries of the 2-D sheet.
BOUNDARIES: tuple[str, ...] = ("periodic", "open")


@dataclass(frozen=True)
class Ring:
    """A ring of cortex made of mean-field columns with Gaussian lateral connectivity and
    conduction delays (SPEC 8). SI units throughout (m, m/s, Hz); mm only at the edges.

    Attributes
    ----------
    length : float
        Circumference L (m): 36 mm [code], 40 mm [text].
    n_units : int
        Number N of columns (>= 3), evenly spaced at x_j = j L / N.
    l_exc, l_inh : float
        Standard deviations of the excitatory and inhibitory lateral kernels (m), 1-7 mm
        (SPEC 9 ranges); 5 mm and 1 mm in the paper.
    v_c : float
        Axonal conduction velocity (m/s), 50-600 mm/s; 300 mm/s in the paper.
    drive : float
        External drive onto both populations of every column (Hz).
    """

    length: float = field(default=0.036, metadata=_q("m", 0.001, 1.0))
    n_units: int = field(default=120, metadata=_q("", 3, 100_000))
    l_exc: float = field(default=0.005, metadata=_q("m", 0.001, 0.007))
    l_inh: float = field(default=0.001, metadata=_q("m", 0.001, 0.007))
    v_c: float = field(default=0.3, metadata=_q("m/s", 0.05, 0.6))
    drive: float = field(default=4.0, metadata=_q("Hz", 0.0, 100.0))

    def __post_init__(self) -> None:
        _validate(self)
        if int(self.n_units) != self.n_units:
            raise ParameterError(
                f"{type(self).__name__}.n_units = {self.n_units!r} must be an integer >= 3"
            )
        object.__setattr__(self, "n_units", int(self.n_units))

    @property
    def spacing(self) -> float:
        """Distance between neighbouring columns L / N (m)."""
        return self.length / self.n_units

    def replace(self, **changes: Any) -> Ring:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Sheet(Ring):
    """A square sheet of N x N mean-field columns of side ``length`` (m), with isotropic
    Gaussian kernels and distance-dependent delays; ``n_units`` is N, the columns per side.

    Attributes
    ----------
    boundary : {"periodic", "open"}
        Periodic (a torus: distances the shortest way round) or open edges (kernels
        renormalised over the columns that exist, so that the homogeneous state stays a
        fixed point).
    """

    n_units: int = field(default=64, metadata=_q("", 3, 1024))
    boundary: str = "periodic"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.boundary not in BOUNDARIES:
            raise ParameterError(
                f"Sheet.boundary = {self.boundary!r}; allowed: {', '.join(BOUNDARIES)}"
            )


@dataclass(frozen=True)
class RingStimulus:
    """A spatial stimulus of the ring or sheet: a Gaussian in space times a double Gaussian
    in time (SPEC 6, 8). SI units.

    Attributes
    ----------
    amplitude : float
        Peak afferent rate A (Hz) onto the excitatory population.
    x0 : float
        Centre (m) along the ring (on the sheet: the first coordinate).
    y0 : float
        Second coordinate of the centre on a sheet (m); ignored by the ring.
    l_stim : float
        Spatial standard deviation (m), 0.2-2 mm (SPEC 9).
    t0, tau1, tau2 : float
        Time of the peak, rise and decay widths (s).
    """

    amplitude: float = field(default=15.0, metadata=_q("Hz", 0.0, 200.0))
    x0: float = field(default=0.018, metadata=_q("m", 0.0, 1.0))
    y0: float = field(default=0.018, metadata=_q("m", 0.0, 1.0))
    l_stim: float = field(default=0.001, metadata=_q("m", 0.0002, 0.002))
    t0: float = field(default=0.15, metadata=_q("s", 0.0, 100.0))
    tau1: float = field(default=0.05, metadata=_q("s", 0.001, 1.0))
    tau2: float = field(default=0.15, metadata=_q("s", 0.001, 1.0))

    def __post_init__(self) -> None:
        _validate(self)

    def replace(self, **changes: Any) -> RingStimulus:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


#: Ring settings: the authors' code (L = 36 mm, N = 30) and the paper's text (L = 40 mm).
RING_SETTINGS: dict[str, Ring] = {
    "code": Ring(length=0.036, n_units=30),
    "text": Ring(length=0.040, n_units=120),
}
#: Reference stimulus of SPEC 8: [code] A = 15 Hz, l_stim = 1.0 mm; [text] 10 Hz, 1.5 mm;
#: both t0 = 150 ms, tau1 = 50 ms, tau2 = 150 ms, centred on the 36 mm ring.
REFERENCE_STIMULI: dict[str, RingStimulus] = {
    "code": RingStimulus(amplitude=15.0, l_stim=0.001),
    "text": RingStimulus(amplitude=10.0, l_stim=0.0015),
}


def load_ring_config(path: str | Path) -> tuple[Ring | Sheet, list[RingStimulus]]:
    """Read a ring (``[ring]``) or sheet (``[sheet]``) and its ``[[stimulus]]`` list from TOML.

    Quantities are strings with units (``length = "36 mm"``, ``v_c = "300 mm/s"``); missing
    keys take the defaults of :class:`Ring`, :class:`Sheet` and :class:`RingStimulus`.

    Raises
    ------
    ParameterError
        For an unreadable file, an unknown section or key, a wrong unit or a value out of
        range (the message names the key and the allowed range).
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"ring configuration {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"ring", "sheet", "stimulus"})
    if unknown or ("ring" in data) == ("sheet" in data):
        raise ParameterError(
            f"{path}: needs exactly one of [ring] or [sheet] and optional [[stimulus]] "
            f"sections; found {', '.join(map(repr, data)) or 'nothing'}"
        )
    try:
        if "ring" in data:
            geometry: Ring | Sheet = from_mapping(Ring, data["ring"], "ring")
        else:
            geometry = from_mapping(Sheet, data["sheet"], "sheet")
        stimuli = data.get("stimulus", [])
        if not isinstance(stimuli, list):
            raise ParameterError("[[stimulus]] must be an array of tables")
        parsed = [from_mapping(RingStimulus, s, f"stimulus[{k}]") for k, s in enumerate(stimuli)]
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    return geometry, parsed
