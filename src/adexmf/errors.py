"""Exception classes of adexmf.

Every error raised on purpose by the toolkit derives from :class:`AdexmfError`, so that a
caller (and the command line) can tell a user mistake from a bug. Messages name the
offending parameter, its value and what is allowed.
"""

from __future__ import annotations


class AdexmfError(Exception):
    """Base class of every deliberate adexmf error.

    Parameters
    ----------
    *args
        The message (and any further arguments of :class:`Exception`).
    parameters : tuple of str
        Names of the parameters that the message names in the form ``name = value``, so that
        a front end can show them under its own names (the command line maps them to its
        options); empty when none is given.
    """

    def __init__(self, *args: object, parameters: tuple[str, ...] = ()) -> None:
        super().__init__(*args)
        self.parameters = tuple(parameters)


class ParameterError(AdexmfError, ValueError):
    """A parameter is missing, unknown, of the wrong unit or out of its allowed range."""


class UnitError(ParameterError):
    """A quantity could not be parsed or carries a unit of the wrong dimension."""


class InputRangeError(AdexmfError, ValueError):
    """A numerical input (rate, current, time step...) lies outside its admissible domain."""


def check_range(
    name: str,
    value: float,
    low: float | None = None,
    high: float | None = None,
    *,
    unit: str = "",
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    error: type[AdexmfError] = ParameterError,
) -> float:
    """Return ``value`` as a float if it is finite and within [low, high], else raise.

    Parameters
    ----------
    name : str
        Name of the parameter, used in the message.
    value : float
        Value to check (SI units).
    low, high : float or None
        Bounds (SI units); ``None`` means unbounded.
    unit : str
        SI unit symbol shown in the message.
    low_inclusive, high_inclusive : bool
        Whether the bounds are allowed values.
    error : type
        Exception class to raise.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise error(f"{name} must be a number, got {value!r}") from None
    lo_ok = low is None or (v >= low if low_inclusive else v > low)
    hi_ok = high is None or (v <= high if high_inclusive else v < high)
    if v != v or v in (float("inf"), float("-inf")) or not (lo_ok and hi_ok):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        lb = "[" if low_inclusive and low is not None else "("
        hb = "]" if high_inclusive and high is not None else ")"
        u = f" {unit}" if unit else ""
        raise error(f"{name} = {v:g}{u} is out of range; allowed: {lb}{lo}, {hi}{hb}{u}")
    return v


class OutputError(AdexmfError):
    """A result cannot be written where it was asked to go (a folder that cannot be created,
    a read-only place, a directory where a file is meant...). Raised before the work when
    possible; the message names the path and what to do."""


class InputFileError(ParameterError):
    """An input file (preset, data, cached result) cannot be read: missing, a directory or
    a special file, unreadable, wrongly encoded or not of the expected format (a
    :class:`ParameterError`: the file is a parameter of the call)."""


class ValidityWarning(UserWarning):
    """A result was computed outside the domain where the model can be trusted: a transfer
    function evaluated outside the inputs it was fitted on, sub-stepped (stiff) mean-field
    steps, non-finite intermediate values. The result is still returned, flagged in its
    attributes; the command line shows the warning on stderr."""


class DataWarning(UserWarning):
    """An input data file has a known defect (missing values, metadata that disagree with its
    name...); it was read anyway, the defect recorded in the result's attributes, and the
    message names the file and the defect."""


class CacheWarning(UserWarning):
    """A cached chunk or an existing result file was unreadable or inconsistent; it was
    discarded and is being recomputed (the message names the file)."""


class Interrupted(KeyboardInterrupt):
    """Work stopped by SIGINT or SIGTERM between two chunks; the message says what was kept
    (finished chunks, where) and how to resume. A :class:`KeyboardInterrupt`, so that
    ``except Exception`` clauses never swallow it.

    Parameters
    ----------
    message : str
        What was interrupted, what was kept and how to resume.
    signum : int
        The signal (``signal.SIGINT`` = 2 or ``signal.SIGTERM`` = 15).
    """

    #: The most recent instance (the command line reports it after Typer turned the
    #: interrupt into a bare exit status 130).
    latest: Interrupted | None = None

    def __init__(self, message: str = "interrupted", signum: int = 2) -> None:
        super().__init__(message)
        self.signum = int(signum)
        Interrupted.latest = self

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "interrupted"
