"""The inputs of a many-cell AdEx simulation, shared by every engine that simulates cells
(the compiled kernel of :mod:`adexmf.singlecell.simulate`, the Brian2 and NEST references of
:mod:`adexmf.engines`): admissible ranges, the integration schemes and their defaults, and the
per-cell broadcasting check. No physics.
"""

from __future__ import annotations

import numpy as np

from .errors import InputRangeError

#: Largest admissible presynaptic rate per synapse (Hz).
MAX_INPUT_RATE = 1.0e4
#: Largest admissible injected current (A).
MAX_CURRENT = 1.0e-8

#: Integration schemes of the kernel (module docstring), by name; the kernel takes the index.
SCHEMES: tuple[str, ...] = ("euler", "heun")
#: The converged default (scheme, dt in s) and the authors' protocol (SPEC 4.2).
DEFAULT_SCHEME, DEFAULT_DT = "heun", 1e-4
AUTHORS_SCHEME, AUTHORS_DT = "euler", 5e-5


def check_scheme(scheme: str) -> str:
    """Return ``scheme`` if it names an integration scheme, else raise a clear error."""
    if scheme not in SCHEMES:
        raise InputRangeError(f"scheme = {scheme!r} is not known; allowed: {', '.join(SCHEMES)}")
    return scheme


def per_cell(name: str, value, n: int, low: float, high: float, unit: str) -> np.ndarray:
    """Broadcast ``value`` to n cells and check it lies in [low, high]."""
    try:
        arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    except ValueError:
        raise InputRangeError(
            f"{name} has shape {np.shape(value)}; give a scalar or one value per cell ({n})"
        ) from None
    bad = ~(np.isfinite(arr) & (arr >= low) & (arr <= high))
    if bad.any():
        raise InputRangeError(
            f"{name} = {arr[bad][0]:g} {unit} is not admissible; allowed: [{low:g}, {high:g}] "
            f"{unit} ({int(bad.sum())} offending value(s))"
        )
    return arr
