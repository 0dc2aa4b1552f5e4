"""Shared helpers of the command line: quantities with units, JSON output, clean errors."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import click
import typer

from ..errors import AdexmfError, CacheWarning, ValidityWarning
from ..units import parse_quantity


def quantity(text: str, unit: str, name: str) -> float:
    """Parse a command-line quantity (``"5Hz"``, ``"1.5s"``, ``"0.1 ms"``) into SI.

    A bare number is accepted for rates (read in Hz); every other quantity, times included,
    must carry its unit: ``--duration 2`` could mean 2 s or 2 ms, so it is an error that says
    how to write it.
    """
    return parse_quantity(text, unit, name=name)


def emit_json(payload: dict[str, Any]) -> None:
    """Print one JSON object (SI units); NaN/inf are refused rather than printed."""
    for key, value in payload.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise AdexmfError(f"internal error: {key} = {value} is not finite")
    typer.echo(json.dumps(payload, allow_nan=False))


def _current_context():
    """The running command's context: from the copy of click that newer Typer releases
    bundle (their commands run under it), else from click itself."""
    try:
        from typer._click.globals import get_current_context  # Typer >= 0.29 (private)
    except ImportError:
        get_current_context = click.get_current_context
    return get_current_context(silent=True)


def in_option_words(message: str) -> str:
    """A library message in the words of the running command: the library names the
    parameter that gave a path (``out '/x/y.nc' ...``, ``... with out``); the user typed an
    option (``--out``). Only those two patterns are translated, so a value named in a message
    (``max_drive = 0 Hz``) is left as the library wrote it."""
    ctx = _current_context()
    if ctx is None:
        return message
    for param in ctx.command.params:
        options = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        if not options or not isinstance(ctx.params.get(param.name), Path):
            continue  # only paths: the library names them in its output checks
        name = re.escape(param.name)
        message = re.sub(rf"(?<![\w-]){name}(?= ')", options[0], message)
        message = re.sub(rf"(?<=\bwith ){name}\b", options[0], message)
    return message


def fail(exc: Exception) -> None:
    """Report a user error on stderr, in the command's words, and exit with status 2 (no
    traceback)."""
    typer.secho(f"error: {in_option_words(str(exc))}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one ``warning: ...`` line on stderr (no source line)."""
    label = {ValidityWarning: "warning", CacheWarning: "cache"}.get(category, "warning")
    typer.secho(f"{label}: {message}", fg=typer.colors.YELLOW, err=True)


def show_warnings() -> None:
    """Show every warning (validity, cache...) once per message, as a plain stderr line."""
    warnings.showwarning = _show_warning
    warnings.simplefilter("default", ValidityWarning)
    warnings.simplefilter("default", CacheWarning)
