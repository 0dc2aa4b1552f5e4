"""Parameter dataclasses <-> TOML-friendly mappings with quantities written with units
(``"200 pF"``): one generic writer (:func:`to_mapping`) and one reader (:func:`from_mapping`)
for every parameter set, driven by the unit metadata of its fields (SI inside)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from ..errors import ParameterError
from ..units import format_quantity, parse_quantity
from .transfer import DOMAIN_FIELDS, TransferParams

T = TypeVar("T")


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
