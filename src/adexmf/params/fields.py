"""Field metadata of the typed parameter sets: the SI unit and allowed range of each
physical field, and the one validator that checks every field against them (SPEC 2)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..errors import check_range

#: Tolerance at the bounds of a range, in units in the last place of the bound: a value
#: written in other units lands a few ulps beyond the bound it denotes ("1000 nS" is
#: 1000 * 1e-9 = 1.0000000000000002e-06 S, one ulp above the upper bound 1e-6 S of g_L).
BOUND_ULPS = 4


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


def snap_to_bounds(
    value: Any, low: float | None, high: float | None, *, low_inclusive: bool = True
) -> Any:
    """``value``, or the inclusive bound it lies within :data:`BOUND_ULPS` ulps of (outside
    or inside the range): round-off of a unit conversion never refuses a documented bound,
    and the value kept is the bound itself. Anything else (None, text...) is returned as is.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return value
    bounds = [b for b, inclusive in ((low, low_inclusive), (high, True)) if inclusive]
    for bound in bounds:
        if bound is not None and value != bound:
            if abs(value - bound) <= BOUND_ULPS * math.ulp(bound):
                return float(bound)
    return value


def validate(obj: Any) -> None:
    """Check every field of a parameter dataclass against its metadata (a value within
    :data:`BOUND_ULPS` ulps of an inclusive bound is taken as the bound:
    :func:`snap_to_bounds`).

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
        snapped = snap_to_bounds(value, meta["low"], meta["high"],
                                 low_inclusive=not meta["strict_low"])  # fmt: skip
        if snapped is not value:
            object.__setattr__(obj, f.name, snapped)  # frozen dataclasses too
            value = snapped
        check_range(
            f"{type(obj).__name__}.{f.name}",
            value,
            meta["low"],
            meta["high"],
            unit=meta["unit"],
            low_inclusive=not meta["strict_low"],
        )
