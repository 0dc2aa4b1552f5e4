"""The stage contract: typed settings and a destination in, one :class:`StageResult` out.

A stage runs one piece of the toolkit (a mean-field scan, a network run, a comparison
protocol, the ring...), writes its data (NetCDF) and its figures (PNG + SVG), and returns what
it wrote, a JSON-friendly summary (SI units, the unit in the key) for the console and the
report, and the warnings it raised. The command line, the study and ``adexmf build`` call the
same stage functions through :func:`run_stage`; nothing composes a stage a second time.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import ParameterError
from ..figures.style import figure_paths
from ..store import check_destination


@dataclass
class StageContext:
    """What a stage gets besides its settings.

    Attributes
    ----------
    scheduler : str or None
        Address of a Dask scheduler (None: a LocalCluster).
    progress : bool
        Show progress bars of the long parts (network tasks, scans).
    echo : callable
        Receives one line of progress text.
    """

    scheduler: str | None = None
    progress: bool = True
    echo: Callable[[str], None] = print


@dataclass
class StageResult:
    """What a stage wrote and what it found.

    Attributes
    ----------
    files : list of Path
        Every file written (data first, then figures).
    summary : dict
        Numbers for the console and the report (SI units, unit in the key).
    warnings : list of str
        adexmf's warnings raised while the stage ran (each once, in order).
    data : dict of str to Dataset
        The Datasets computed, by name (in memory only: for a caller that goes on with them).
    """

    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, xr.Dataset] = field(default_factory=dict)

    def add(self, other: StageResult, name: str | None = None) -> StageResult:
        """Merge ``other`` into this result (its summary under ``name`` if given)."""
        self.files += other.files
        if name is None:
            self.summary.update(other.summary)
        else:
            self.summary[name] = other.summary
        self.warnings += [w for w in other.warnings if w not in self.warnings]
        self.data.update(other.data)
        return self


def own_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """adexmf's warnings (results flagged outside a model's domain...), each once, in order;
    third-party deprecation notices are left out."""
    own = [w for w in caught if w.category.__module__.split(".")[0] == "adexmf"]
    return list(dict.fromkeys(str(w.message) for w in own))


def record_stage(stage: Callable[..., StageResult], *args: Any, **kwargs: Any) -> StageResult:
    """Run ``stage(*args, **kwargs)`` with adexmf's warnings recorded in its result only (the
    study: they go to the stage's manifest and the report)."""
    with warnings.catch_warnings(record=True) as caught:  # the filters in force apply
        result = stage(*args, **kwargs)
    result.warnings += [w for w in own_warnings(caught) if w not in result.warnings]
    return result


def run_stage(stage: Callable[..., StageResult], *args: Any, **kwargs: Any) -> StageResult:
    """Run ``stage(*args, **kwargs)``, record adexmf's warnings in its result and show each
    of them once afterwards, with its category, to the warning filters in force (the command
    line prints them on stderr)."""
    with warnings.catch_warnings(record=True) as caught:  # the filters in force apply
        result = stage(*args, **kwargs)
    shown = own_warnings(caught)
    result.warnings += [w for w in shown if w not in result.warnings]
    categories = {str(w.message): w.category for w in caught}
    for message in shown:
        warnings.warn(message, categories[message], stacklevel=2)
    return result


def json_safe(obj: Any) -> Any:
    """Summaries as JSON: numpy scalars to Python numbers, NaN/inf to None, paths to str."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return json_safe(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def check_outputs(out: Path, draw: bool, gif: bool = False) -> Path:
    """Every destination of a stage that writes one NetCDF file and its figure (ring,
    sheet, brain) checked before the run: the data file (``.nc``), the figures, the GIF;
    return the data file."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise ParameterError(f"out {str(out)!r} is a folder; give a .nc file path")
    out = check_destination(out, option="out", suffixes=(".nc", ""))
    if draw:
        figure_paths(out.with_suffix(".png"), option="out")
    if draw and gif:
        check_destination(out.with_suffix(".gif"), option="out")
    return out
