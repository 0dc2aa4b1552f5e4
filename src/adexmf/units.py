"""Quantities with units: parse "200 pF" / "5 ms" / "5Hz" into SI floats, format SI for humans.

Inside the toolkit every number is in SI units (s, V, S, F, A, Hz, m). Units appear only at
the edges: configuration files, the command line and plots.
"""

from __future__ import annotations

import math
import re

from .errors import UnitError

#: SI prefixes accepted in front of a base unit.
PREFIXES: dict[str, float] = {
    "f": 1e-15,
    "p": 1e-12,
    "n": 1e-9,
    "u": 1e-6,
    "µ": 1e-6,
    "μ": 1e-6,
    "m": 1e-3,
    "c": 1e-2,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
}

#: Base units, longest first so that "Hz" wins over "H" and "m/s" over "m".
BASE_UNITS: tuple[str, ...] = ("m/s", "Hz", "S", "F", "s", "V", "A", "m")

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def split_unit(unit: str) -> tuple[float, str]:
    """Split a unit symbol such as ``"pF"`` into its prefix factor and base unit.

    Parameters
    ----------
    unit : str
        Unit symbol, e.g. ``"mV"``, ``"Hz"``, ``"mm/s"``.

    Returns
    -------
    factor : float
        Multiplier to SI.
    base : str
        Base SI unit (one of :data:`BASE_UNITS`).
    """
    for base in BASE_UNITS:
        if unit.endswith(base):
            prefix = unit[: len(unit) - len(base)]
            if prefix in PREFIXES:
                return PREFIXES[prefix], base
    raise UnitError(f"unknown unit {unit!r}; allowed base units: {', '.join(BASE_UNITS)}")


def parse_quantity(text: str | float | int, unit: str, *, name: str = "quantity") -> float:
    """Parse a quantity written with units into an SI float.

    Parameters
    ----------
    text : str or float
        ``"200 pF"``, ``"5ms"``, ``"-65 mV"``. A bare number is accepted only when the
        expected unit is dimensionless (``unit=""``), or when it is given as a str/float
        for a quantity whose expected unit is ``"Hz"`` (rates given in Hz).
    unit : str
        Expected SI base unit (``"F"``, ``"s"``, ``"V"``, ``"S"``, ``"A"``, ``"Hz"``,
        ``"m"``, ``"m/s"``) or ``""`` for a pure number.
    name : str
        Name of the parameter, used in error messages.

    Returns
    -------
    float
        Value in SI units.
    """
    if isinstance(text, bool):
        raise UnitError(f"{name}: expected a quantity in {unit or 'no unit'}, got {text!r}")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise UnitError(f"{name} = {text!r} is not finite")
        if unit in ("", "Hz"):
            return float(text)
        raise UnitError(
            f"{name} = {text!r} has no unit; write it with a unit, e.g. '{text} m{unit}'"
            if unit in ("V", "s")
            else f"{name} = {text!r} has no unit; expected a quantity in {unit} (e.g. '1 n{unit}')"
        )
    m = _NUMBER.match(str(text))
    if m is None:
        raise UnitError(f"{name}: cannot read {text!r} as a number with a unit ({unit or '-'})")
    value = float(m.group(1))
    written = m.group(2)
    if not math.isfinite(value):
        raise UnitError(f"{name} = {text!r} is not finite")
    if written == "":
        if unit in ("", "Hz"):
            return value
        raise UnitError(
            f"{name} = {text!r} has no unit; expected a quantity in {unit}, "
            f"e.g. '{value:g} {unit}' or '{value:g} m{unit}'"
        )
    if unit == "":
        raise UnitError(f"{name} = {text!r} must be a plain number (no unit)")
    try:
        factor, base = split_unit(written)
    except UnitError as exc:
        raise UnitError(f"{name} = {text!r}: {exc}") from None
    if base != unit:
        raise UnitError(f"{name} = {text!r} has unit {base}, expected a quantity in {unit}")
    result = value * factor
    if not math.isfinite(result):
        raise UnitError(f"{name} = {text!r} is not finite")
    return result


#: Human units used when formatting SI values, by base unit.
HUMAN_UNITS: dict[str, str] = {
    "F": "pF",
    "S": "nS",
    "s": "ms",
    "V": "mV",
    "A": "pA",
    "Hz": "Hz",
    "m": "mm",
    "m/s": "mm/s",
    "": "",
}


def to_unit(value: float, unit: str) -> float:
    """Convert an SI value to the (prefixed) ``unit``, e.g. ``to_unit(0.005, "ms") == 5``."""
    if unit == "":
        return float(value)
    factor, _ = split_unit(unit)
    return float(value) / factor


def format_quantity(value: float, base: str, unit: str | None = None, digits: int = 17) -> str:
    """Format an SI value as a string with a human unit, e.g. ``2e-10, "F" -> "200 pF"``.

    Parameters
    ----------
    value : float
        SI value.
    base : str
        Its SI base unit.
    unit : str, optional
        Prefixed unit to use; defaults to :data:`HUMAN_UNITS` for ``base``.
    digits : int
        Significant digits (17 round-trips a float exactly).
    """
    unit = HUMAN_UNITS[base] if unit is None else unit
    factor = split_unit(unit)[0] if unit else 1.0
    v = float(value) / factor
    # Fallback: the SI base unit, where repr round-trips exactly.
    text, shown = repr(float(value)), base
    # Prefer the shortest text that parses back to exactly the same SI value.
    for d in range(1, digits + 1):
        candidate = float(f"{v:.{d}g}")
        if candidate * factor == float(value):
            text, shown = repr(candidate).removesuffix(".0"), unit
            break
    return f"{text} {shown}".strip()
