"""The AdEx cell with conductance-based synapses (SPEC 2.1) and the cell presets of SPEC 2.2.
SI units throughout; the presets are written in the human units of the SPEC and converted once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ParameterError
from .fields import quantity, validate

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
    g_L: float = field(metadata=quantity("S", 1e-12, 1e-6))
    C_m: float = field(metadata=quantity("F", 1e-13, 1e-8))
    t_ref: float = field(metadata=quantity("s", 0.0, 0.1))
    E_L: float = field(metadata=quantity("V", -0.15, 0.05))
    V_T: float = field(metadata=quantity("V", -0.15, 0.05))
    V_reset: float = field(metadata=quantity("V", -0.15, 0.05))
    delta_T: float = field(metadata=quantity("V", 0.0, 0.02))
    a: float = field(metadata=quantity("S", 0.0, 1e-6))
    b: float = field(metadata=quantity("A", 0.0, 1e-9))
    tau_w: float | None = field(
        default=None, metadata={**quantity("s", 0.0, 100.0, strict_low=True), "optional": True}
    )

    def __post_init__(self) -> None:
        validate(self)
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
