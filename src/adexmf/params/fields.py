"""Field metadata of the typed parameter sets: the SI unit and allowed range of each
physical field, and the one validator that checks every field against them (SPEC 2)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import check_range


def quantity(
    unit: str, low: float | None = None, high: float | None = None, *, strict_low: bool = False
) -> dict[str, Any]:
    """Metadata of a physical field: its SI unit and allowed range.

    Parameters
    ----------
    unit : str
        SI unit of the field (``"S"``, ``"V"``, ``"s"``...; ``""`` for a dimensionless one).
    low, high : float, optional
        Bounds of the allowed range, in ``unit``; None: unbounded on that side.
    strict_low : bool
        Whether ``low`` itself is excluded.
    """
    return {"unit": unit, "low": low, "high": high, "strict_low": strict_low}


def validate(obj: Any) -> None:
    """Check every field of a parameter dataclass against its metadata.

    Raises
    ------
    ParameterError
        For a value outside its range (the message names the field, its unit and the range).
    """
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
