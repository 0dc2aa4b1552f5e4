"""The validity layer: where a result can be trusted, and flags where it cannot.

A fitted transfer function is a polynomial threshold fitted on a characterisation grid; away
from that grid it extrapolates freely (the RS rate of the published fit falls from 99 Hz at
nu_e = 30 Hz to 0 above 200 Hz). Each :class:`~adexmf.params.TransferParams` therefore carries
the domain of its fit (``domain_nu_e``, ``domain_nu_i``, Hz per synapse), and every result
computed from inputs outside it is

- **warned about** with a :class:`~adexmf.errors.ValidityWarning` (Python ``warnings``; the
  command line prints it on stderr), and
- **flagged** in the attrs of the Dataset: ``outside_fit_domain`` (number of samples, grid
  points or fixed points whose transfer-function inputs lie outside the domain; 0 when all
  are inside), with the same convention for ``nonfinite_values`` and the mean field's
  ``substepped_steps``.

The checks are a few vectorised comparisons per result: negligible next to the computation.
This module depends only on :mod:`adexmf.errors` (it is imported by the transfer function,
the mean field and the fit), and duck-types the models it inspects.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import ValidityWarning

#: Tolerance (Hz) on the domain bounds: inputs within it count as inside.
DOMAIN_TOLERANCE = 1e-9


def warn_validity(message: str, stacklevel: int = 3) -> None:
    """Issue a :class:`~adexmf.errors.ValidityWarning` (shown on stderr by the CLI)."""
    warnings.warn(message, ValidityWarning, stacklevel=stacklevel)


def fit_domain(params: Any) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """``((nu_e_low, nu_e_high), (nu_i_low, nu_i_high))`` in Hz of a transfer function's fit,
    or None when the coefficients carry no domain (a user's preset without one)."""
    e = getattr(params, "domain_nu_e", None)
    i = getattr(params, "domain_nu_i", None)
    if e is None or i is None:
        return None
    return (float(e[0]), float(e[1])), (float(i[0]), float(i[1]))


def describe_domain(params: Any) -> str:
    """``"nu_e 0-30 Hz, nu_i 0-20 Hz"`` (or ``"unknown"``)."""
    dom = fit_domain(params)
    if dom is None:
        return "unknown"
    (e0, e1), (i0, i1) = dom
    return f"nu_e {e0:g}-{e1:g} Hz, nu_i {i0:g}-{i1:g} Hz"


def outside_fit_domain(params: Any, nu_e: Any, nu_i: Any) -> np.ndarray:
    """Boolean mask of the inputs (Hz per synapse) outside the fit domain of ``params``.

    NaN inputs (padding of a scan) count as inside; all False when the domain is unknown.
    """
    e, i = np.broadcast_arrays(np.asarray(nu_e, dtype=float), np.asarray(nu_i, dtype=float))
    dom = fit_domain(params)
    if dom is None:
        return np.zeros(e.shape, dtype=bool)
    (e0, e1), (i0, i1) = dom
    tol = DOMAIN_TOLERANCE
    with np.errstate(invalid="ignore"):
        out = (e < e0 - tol) | (e > e1 + tol) | (i < i0 - tol) | (i > i1 + tol)
    return out & np.isfinite(e) & np.isfinite(i)


def check_transfer_inputs(
    params: Any, cell: str, nu_e: Any, nu_i: Any, *, where: str = "", stacklevel: int = 4
) -> int:
    """Warn if a transfer function is evaluated outside its fit domain; return the count.

    Parameters
    ----------
    params : TransferParams
    cell : str
        Name of the cell, for the message.
    nu_e, nu_i : array_like
        Inputs (Hz per synapse).
    where : str
        What was computed (appended to the message).
    """
    mask = outside_fit_domain(params, nu_e, nu_i)
    n = int(mask.sum())
    if n:
        e, i = np.broadcast_arrays(np.asarray(nu_e, dtype=float), np.asarray(nu_i, dtype=float))
        k = int(np.argmax(mask.ravel()))
        suffix = f" ({where})" if where else ""
        warn_validity(
            f"transfer function of {cell} evaluated outside the domain of its fit "
            f"({describe_domain(params)}) at {n} of {mask.size} input(s), e.g. nu_e = "
            f"{e.ravel()[k]:g} Hz, nu_i = {i.ravel()[k]:g} Hz{suffix}: the fitted threshold is "
            "extrapolated there and the rate is not to be trusted",
            stacklevel=stacklevel,
        )
    return n


def mean_field_inputs(
    model: Any, nu_e: Any, nu_i: Any, drive: Any, afferent: Any
) -> list[tuple[Any, str, np.ndarray, np.ndarray]]:
    """The transfer-function inputs of each population of a mean-field column.

    Mirrors :func:`adexmf.meanfield.node.column_inputs` (SPEC 5.1): the excitatory input
    seen by population p is ``nu_e + drive_to[p] drive + afferent_to[p] afferent``, the
    inhibitory input ``nu_i``.

    Returns
    -------
    list of (TransferParams, cell name, exc. input, inh. input)
        One entry per population (exc, inh); inputs in Hz, broadcast together.
    """
    out = []
    e = np.asarray(nu_e, dtype=float)
    d = np.asarray(drive, dtype=float)
    a = np.asarray(afferent, dtype=float)
    for p, tf in enumerate(model.transfer_functions):
        exc_input = e + model.drive_to[p] * d + model.afferent_to[p] * a
        inh_input = np.broadcast_to(np.asarray(nu_i, dtype=float), exc_input.shape)
        out.append((tf.params, tf.cell.name, exc_input, inh_input))
    return out


def outside_mean_field(
    model: Any, nu_e: Any, nu_i: Any, drive: Any, afferent: Any
) -> tuple[np.ndarray, list[str]]:
    """Mask of the mean-field states whose transfer-function inputs lie outside the fit
    domain of either population's transfer function, and one example per population.

    Parameters
    ----------
    model : ColumnModel
    nu_e, nu_i, drive, afferent : array_like
        Rates (Hz) of the states to check, broadcast together (NaN entries count as inside).

    Returns
    -------
    mask : ndarray of bool
        True for a state with at least one population outside the domain.
    details : list of str
        For each population outside somewhere: its inputs at the first such state and its
        domain.
    """
    mask = None
    details = []
    for params, cell, e, i in mean_field_inputs(model, nu_e, nu_i, drive, afferent):
        m = outside_fit_domain(params, e, i)
        mask = m if mask is None else mask | m
        if m.any():
            k = int(np.argmax(m.ravel()))
            details.append(
                f"{cell} inputs nu_e = {e.ravel()[k]:g} Hz, nu_i = {i.ravel()[k]:g} Hz "
                f"outside its fit domain ({describe_domain(params)})"
            )
    if mask is None:
        mask = np.zeros(np.broadcast(np.asarray(nu_e), np.asarray(nu_i)).shape, dtype=bool)
    return mask, details


def flag_mean_field(
    model: Any, nu_e: Any, nu_i: Any, drive: Any, afferent: Any, *, what: str
) -> int:
    """Count (and warn about) mean-field states whose transfer-function inputs lie outside
    the fit domain of either population's transfer function (:func:`outside_mean_field`).

    Parameters
    ----------
    model : ColumnModel
    nu_e, nu_i, drive, afferent : array_like
        Rates (Hz) of the states to check, broadcast together (NaN entries are ignored).
    what : str
        What the states are (``"time course"``, ``"fixed points"``), for the message.

    Returns
    -------
    int
        Number of states with at least one population outside the domain.
    """
    mask, details = outside_mean_field(model, nu_e, nu_i, drive, afferent)
    n = int(mask.sum())
    if n:
        warn_validity(
            f"{what}: {n} of {mask.size} state(s) drive a transfer function outside the "
            f"domain of its fit ({'; '.join(details)}); the mean field extrapolates the "
            "fitted threshold there and these numbers are not to be trusted "
            "(flagged in attrs['outside_fit_domain'])",
            stacklevel=4,
        )
    return n


def count_nonfinite(ds: Any, *, what: str) -> int:
    """Count (and warn about) non-finite values in the numeric data variables of ``ds``.

    NaN padding can be excluded by the caller by passing a Dataset without it.
    """
    n = 0
    names = []
    for name, var in ds.data_vars.items():
        values = np.asarray(var.values)
        if values.dtype.kind != "f":
            continue
        if np.isfinite(np.add.reduce(values, axis=None)):  # one pass, no temporary: a
            continue  # finite sum has no NaN or inf term (an overflow is counted below)
        bad = int((~np.isfinite(values)).sum())
        if bad:
            n += bad
            names.append(f"{name} ({bad})")
    if n:
        warn_validity(
            f"{what}: {n} non-finite value(s) in {', '.join(names)}; the inputs or parameters "
            "are outside the range where the model is defined "
            "(flagged in attrs['nonfinite_values'])",
            stacklevel=4,
        )
    return n


def warn_substepped(n_split: int, n_steps: int, dt: float, limit: float) -> None:
    """Warn that ``n_split`` of ``n_steps`` mean-field steps had to be sub-stepped."""
    if n_split <= 0:
        return
    warn_validity(
        f"{n_split} of {n_steps} mean-field steps were stiff (spectral radius x dt > "
        f"{limit:g}) and were split into sub-steps; at dt = {dt * 1e3:g} ms the time course "
        "is not a number to trust: reduce dt (e.g. to a tenth) "
        "(flagged in attrs['substepped_steps'])",
        stacklevel=4,
    )


def flags_summary(attrs: Mapping[str, Any]) -> dict[str, int]:
    """The validity flags present in a Dataset's attrs (for summaries and the CLI)."""
    keys = ("outside_fit_domain", "nonfinite_values", "substepped_steps")
    return {k: int(attrs[k]) for k in keys if k in attrs}


__all__ = [
    "DOMAIN_TOLERANCE",
    "check_transfer_inputs",
    "count_nonfinite",
    "describe_domain",
    "fit_domain",
    "flag_mean_field",
    "flags_summary",
    "mean_field_inputs",
    "outside_fit_domain",
    "outside_mean_field",
    "warn_substepped",
    "warn_validity",
]
