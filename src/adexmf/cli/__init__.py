"""The ``adexmf`` command (Typer). One sub-command group per stage of the pipeline.

Each group lives in its own module (``tf``, ``mf``, ``network``, ``compare``, ``ring``) and
is registered here;
``adexmf run`` runs the whole study (:mod:`adexmf.study`) and ``adexmf`` alone is
``adexmf run --scale quick``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:  # a SIGINT while the command's modules load (a second or two): one line, status 130
    import typer

    from ..errors import Interrupted
    from . import brain as _brain
    from . import build as _build
    from . import compare as _compare
    from . import mf as _mf
    from . import network as _network
    from . import ring as _ring
    from . import run as _run
    from . import tf as _tf
    from . import vsdi as _vsdi
    from .common import show_warnings
except KeyboardInterrupt:
    sys.stderr.write("interrupted: stopped by SIGINT during start-up\n")
    raise SystemExit(130) from None

app = typer.Typer(
    rich_markup_mode=None,  # help texts are plain text: [cells] stays [cells]
    help="adexmf: mean-field models of AdEx networks, validated against spiking simulations.",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(_tf.app, name="tf")
app.add_typer(_mf.app, name="mf")
app.add_typer(_network.app, name="network")
app.add_typer(_compare.app, name="compare")
app.add_typer(_ring.app, name="ring")
app.add_typer(_ring.sheet_app, name="sheet")
app.add_typer(_vsdi.app, name="vsdi")
app.add_typer(_brain.app, name="brain")
app.command("run")(_run.study)
app.command("build")(_build.build)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    out: Path = typer.Option(Path("adexmf-results"), help="Results folder of the quick study."),
) -> None:
    """Run the quick study (``adexmf run --scale quick``) when no sub-command is given."""
    show_warnings()
    if ctx.invoked_subcommand is None:
        _run.study(scale="quick", out=out, scheduler=None, config=None, stage=None,
                   print_config=False)  # fmt: skip


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    """``click.exceptions.<name>``, and the same class of the copy of click that newer Typer
    releases bundle (their parser raises that one)."""
    import click

    classes: list[type[BaseException]] = [getattr(click.exceptions, name)]
    try:
        from typer._click import exceptions as bundled  # Typer >= 0.29 (private module)
    except ImportError:
        pass
    else:
        if hasattr(bundled, name):
            classes.append(getattr(bundled, name))
    return tuple(classes)


def main() -> None:
    """Entry point of the ``adexmf`` console script.

    SIGTERM behaves like SIGINT (:func:`adexmf.interrupts.install_signal_handlers`): work stops
    cleanly between chunks, temporary files are removed, and the interrupted state is
    reported on stderr (exit status 128 + signal: 130 for SIGINT, 143 for SIGTERM).
    """
    try:
        from ..interrupts import install_signal_handlers

        install_signal_handlers()
    except KeyboardInterrupt:  # before the handlers: still start-up
        typer.secho("interrupted: stopped by SIGINT during start-up", fg=typer.colors.RED,
                    err=True)  # fmt: skip
        sys.exit(130)
    try:
        code = app(standalone_mode=False)
    except _click_classes("Abort"):  # EOF on a prompt
        typer.secho("aborted", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except _click_classes("ClickException") as exc:
        exc.show()
        sys.exit(exc.exit_code)
    stopped = Interrupted.latest  # Typer turns KeyboardInterrupt into exit status 130
    if stopped is not None or code == 130:
        message = str(stopped) if stopped is not None else "stopped by SIGINT"
        typer.secho(f"interrupted: {message}", fg=typer.colors.RED, err=True)
        sys.exit(128 + (stopped.signum if stopped is not None else 2))
    sys.exit(code if isinstance(code, int) else 0)
