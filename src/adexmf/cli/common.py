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

#: ``--compress/--no-compress`` of the commands that write long time courses (``mf run``,
#: ``ring run``, ``ring apparent-motion``); the costs are those of :mod:`adexmf.netcdf`.
COMPRESS = typer.Option(
    False,
    "--compress/--no-compress",
    help=(
        "Compress the float series of --out (gzip level 1, byte shuffle): files 3-7x "
        "smaller under a stimulus, but deflate costs about as much as the integration. "
        "Default: stored plain (about 2 MB per simulated second of a second-order mean "
        "field at dt 0.1 ms), written at memory speed; the numbers are the same either way."
    ),
)


def quantity(text: str, unit: str, name: str) -> float:
    """Parse a command-line quantity (``"5Hz"``, ``"1.5s"``, ``"0.1 ms"``) into SI.

    A bare number is accepted for rates (read in Hz); every other quantity, times included,
    must carry its unit: ``--duration 2`` could mean 2 s or 2 ms, so it is an error that says
    how to write it.
    """
    return parse_quantity(text, unit, name=name)


def quantity_list(text: str, unit: str, name: str) -> list[float]:
    """Parse comma-separated quantities (``"3Hz,5Hz,7Hz"``), each with its unit, into SI
    (:func:`quantity`); empty items are skipped."""
    return [quantity(item, unit, name) for item in text.split(",") if item.strip()]


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


def _options(ctx) -> dict[str, str]:
    """Parameter name -> its long option (``out`` -> ``--out``) of the running command."""
    found = {}
    for param in ctx.command.params:
        options = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        if options and param.name:
            found[param.name] = options[0]
    return found


def in_option_words(
    message: str, parameters: tuple[str, ...] = (), aliases: dict[str, str] | None = None
) -> str:
    """A library message in the words of the running command.

    The library names parameters; the user typed options. Two uses are translated:

    - a path a parameter gave (``out '/x/y.nc' ...``, ``... with out``), for every option of
      the command whose value is a path;
    - a quantity (``ramp = 10 s``, ``ramp <= t_start``) of the ``parameters`` an error says it
      names (:attr:`adexmf.errors.AdexmfError.parameters`), never the same word in prose.

    ``aliases`` maps a library parameter to the command's parameter where they differ
    (``t_start`` -> ``stationary_start``). An error that names no parameter (a check of a
    lower layer: ``seeds = 0 is out of range``, ``Network.n_total = -1 ...``, ``(max_drive
    1e+300 Hz / step 0.5 Hz)``) names the option of the first parameter of the running
    command whose value it states: ``name = value`` (alone or as the field of a parameter
    class) becomes ``--option = value``; a bound or a number (``<``, ``>``, ``1e+300``) is
    prefixed with the option, ``--max-drive: (max_drive 1e+300 Hz / ...)``.
    """
    ctx = _current_context()
    if ctx is None:
        return message
    options = _options(ctx)
    for name, option in options.items():
        if isinstance(ctx.params.get(name), Path):
            message = re.sub(rf"(?<![\w-]){re.escape(name)}(?= ')", option, message)
            message = re.sub(rf"(?<=\bwith ){re.escape(name)}\b", option, message)
    for name in parameters:
        option = options.get((aliases or {}).get(name, name))
        if option is not None:
            word = re.escape(name)
            pattern = rf"(?<![\w-]){word}(?=\s*[=<>])|(?<=[=<>] ){word}\b"
            message = re.sub(pattern, option, message)
    if not parameters:
        stated = _stated_option(message, options, aliases or {})
        if stated is not None and not re.search(rf"{re.escape(stated[2])}\b", message):
            start, end, option = stated
            if re.match(r"\s*=", message[end:]):  # "Sheet.n_units = 2": the option's value
                message = message[:start] + option + message[end:]
            else:
                message = f"{option}: {message}"
    return message


def _stated_option(
    message: str, options: dict[str, str], aliases: dict[str, str]
) -> tuple[int, int, str] | None:
    """Where ``message`` states the value of a parameter of the command (``name =``,
    ``Class.name <``, ``name 1e+300``; the first one) and its option: (start, end, option),
    or None (:func:`in_option_words`)."""
    names = {**{n: n for n in options}, **aliases}
    found = []
    for word, name in names.items():
        option = options.get(name)
        if option is None or option == "--out":
            continue
        pattern = rf"(?<![\w.-])(?:[A-Z]\w*\.)?{re.escape(word)}(?=\s*[=<>]|\s[-+]?\.?\d)"
        match = re.search(pattern, message)
        if match is not None:
            found.append((match.start(), match.end(), option))
    return min(found) if found else None


def fail(exc: Exception, aliases: dict[str, str] | None = None) -> None:
    """Report a user error on stderr, in the command's words (:func:`in_option_words`), and
    exit with status 2 (no traceback)."""
    parameters = getattr(exc, "parameters", ())
    text = in_option_words(str(exc), parameters, aliases)
    typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
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
