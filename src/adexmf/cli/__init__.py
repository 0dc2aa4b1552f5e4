"""The ``adexmf`` command (Typer). One sub-command group per stage of the pipeline.

Each group lives in its own module (``tf``, ``mf``, ``network``) and is registered here;
``adexmf`` alone runs the default pipeline (:mod:`adexmf.pipeline`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError
from . import tf as _tf
from .common import fail

app = typer.Typer(
    help="adexmf: mean-field models of AdEx networks, validated against spiking simulations.",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(_tf.app, name="tf")


def _register_optional_groups() -> None:
    """Register the sub-command groups whose modules exist (grown by later work)."""
    import importlib

    for name in ("mf", "network"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        app.add_typer(module.app, name=name)


_register_optional_groups()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    out: Path = typer.Option(Path("adexmf-results"), help="Results folder of the default run."),
) -> None:
    """Run the default pipeline when no sub-command is given."""
    if ctx.invoked_subcommand is None:
        from ..pipeline import run_default

        try:
            run_default(out, echo=typer.echo)
        except AdexmfError as exc:
            fail(exc)


def main() -> None:
    """Entry point of the ``adexmf`` console script."""
    app()
