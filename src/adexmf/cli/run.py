"""``adexmf run``: the whole study (every stage, cached), then its HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import AdexmfError
from ..sweep import check_scheduler
from .common import fail

SCALE = typer.Option(
    None, help="quick (minutes) or paper (the paper's full protocols); default: the "
    "--config file's scale, else quick.",
)  # fmt: skip
OUT = typer.Option(Path("adexmf-results"), help="Results folder (a sub-folder per stage).")
SCHEDULER = typer.Option(None, help="Address of a Dask scheduler (default: a local cluster).")
CONFIG = typer.Option(None, "--config", help="TOML file of the study (--print-config).")
STAGE = typer.Option(None, "--stage", help="Run only this stage (repeatable).")
PRINT = typer.Option(False, "--print-config", help="Print the configuration as TOML and stop.")


def study(
    scale: str | None = SCALE,
    out: Path = OUT,
    scheduler: str | None = SCHEDULER,
    config: Path | None = CONFIG,
    stage: list[str] | None = STAGE,
    print_config: bool = PRINT,
) -> None:
    """Run the study: transfer functions, mean field, network, comparisons, ring and
    apparent motion, the fit of a VSDi recording; then OUT/report/index.html.

    Each stage is cached by a hash of its inputs: a second run reuses every finished stage,
    an interrupted one resumes (finished network runs and scan chunks are kept).
    """
    from ..workflows.config import load_study, study_toml
    from ..workflows.study import run_study

    try:
        check_scheduler(scheduler)
        settings = load_study(config, scale, hint="write one with adexmf run --print-config")
        if stage:
            settings = settings.with_stages(stage)
        if print_config:
            typer.echo("# use: adexmf run --config FILE.toml\n" + study_toml(settings), nl=False)
            return
        result = run_study(settings, out, scheduler=scheduler, echo=typer.echo)
    except AdexmfError as exc:
        fail(exc)
    ran, reused = ", ".join(result.ran) or "nothing", ", ".join(result.reused) or "nothing"
    typer.echo(f"study ({settings.scale}) in {result.seconds:.1f} s: ran {ran}; reused {reused}")
