"""Run a study: its stages in order, each cached by a hash of its inputs, then the report.

Each stage writes into ``OUT/<stage>/`` and, last, a manifest ``OUT/<stage>/stage.json``
(the key of its inputs, the files written, its summary and how long it took). A rerun skips
a stage whose manifest has the same key and whose files are all there and readable; a
missing, unreadable or stale manifest, or a damaged file, makes the stage run again. A stage
interrupted (SIGINT, SIGTERM, SIGKILL) has no manifest, so the next run redoes it, and the
finished network runs and scan chunks inside it are reused from their own task stores.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..store import check_folder, file_digest, provenance, write_text
from ..sweep import task_key
from .config import STAGES
from .stages import STAGE_FUNCTIONS, StageContext, recording_path

#: Manifest of a finished stage, in its folder.
MANIFEST = "stage.json"


@dataclass
class StudyResult:
    """What :func:`run_study` did.

    Attributes
    ----------
    out : Path
        Results folder.
    manifests : dict of str to dict
        The manifest of every stage run or reused.
    ran, reused : list of str
        Stages computed in this run, and stages taken from a previous one.
    report : Path or None
        ``OUT/report/index.html``.
    seconds : float
        Wall-clock time of this run (s).
    """

    out: Path
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    report: Path | None = None
    seconds: float = 0.0


def _preset_digest(preset: str) -> str:
    """Digest of the preset's text (a shipped name or a file): editing it invalidates."""
    path = Path(preset)
    if not path.is_file():
        path = Path(str(resources.files("adexmf") / "presets" / f"{preset}.toml"))
    return file_digest(path) if path.is_file() else preset


def stage_key(name: str, config: dict[str, Any]) -> str:
    """Hash of everything a stage's result depends on: its settings, the preset's text,
    the scale, the package version and, for the vsdi stage, the recording's bytes."""
    from .. import __version__

    inputs: dict[str, Any] = {
        "stage": name,
        "settings": config[name],
        "preset": _preset_digest(config["preset"]),
        "scale": config["scale"],
        "version": __version__,
    }
    if name == "vsdi":
        inputs["recording"] = file_digest(recording_path(config))
    return task_key(inputs)


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


def _readable(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if path.suffix == ".nc":
        import xarray as xr

        try:
            xr.open_dataset(path, engine="h5netcdf").close()
        except Exception:  # noqa: BLE001 - any failure to read means: recompute
            return False
    return True


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a finished stage, or None where there is none or it is damaged."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "key" in manifest else None


def _reusable(manifest: dict[str, Any] | None, key: str, out: Path) -> bool:
    if manifest is None or manifest.get("key") != key:
        return False
    return all(_readable(out / f) for f in manifest.get("files", []))


def _other_finished_stages(config: dict[str, Any], out: Path) -> dict[str, dict[str, Any]]:
    """Up-to-date stages of the study not selected in this run (``--stage``): the report
    shows them too, so that running one stage does not hide the others."""
    found = {}
    for name in STAGES:
        if name in config["stages"]:
            continue
        manifest = read_manifest(out / name)
        if _reusable(manifest, stage_key(name, config), out):
            found[name] = manifest
    return found


def _own_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """adexmf's warnings (results flagged outside a model's domain...), each once, in order;
    third-party deprecation notices are left out of the report."""
    own = [w for w in caught if w.category.__module__.split(".")[0] == "adexmf"]
    return list(dict.fromkeys(str(w.message) for w in own))


def _check_inputs(config: dict[str, Any]) -> None:
    """Read what every stage needs before the first one runs (a bad preset or recording
    fails now, not an hour in)."""
    from ..params import load_preset

    load_preset(config["preset"])
    if "vsdi" in config["stages"]:
        from ..vsdi.io import load_recording

        load_recording(recording_path(config))


def run_study(
    config: dict[str, Any],
    out: str | Path,
    *,
    scheduler: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> StudyResult:
    """Run the stages of a study into ``out`` and write its HTML report.

    Parameters
    ----------
    config : dict
        A checked configuration (:func:`adexmf.study.config.load_config`).
    out : str or Path
        Results folder: ``OUT/<stage>/`` per stage, ``OUT/report/index.html``.
    scheduler : str, optional
        Address of a Dask scheduler for the network runs and scans (default: LocalCluster).
    progress : bool
        Progress bars inside the long stages.
    echo : callable
        Receives one line per stage and per step (the command line prints them).

    Returns
    -------
    StudyResult
    """
    from ..report import build_report

    start = time.perf_counter()
    out = check_folder(out, option="--out")
    folders = {name: check_folder(out / name, option="--out") for name in config["stages"]}
    check_folder(out / "report", option="--out")
    _check_inputs(config)
    ctx = StageContext(scheduler=scheduler, progress=progress, echo=echo)
    result = StudyResult(out)
    stages = [s for s in STAGES if s in config["stages"]]
    for k, name in enumerate(stages, 1):
        folder, key = folders[name], stage_key(name, config)
        manifest = read_manifest(folder)
        if _reusable(manifest, key, out):
            echo(f"[{k}/{len(stages)}] {name}: up to date (took {manifest['seconds']:.1f} s)")
            result.manifests[name] = manifest
            result.reused.append(name)
            continue
        echo(f"[{k}/{len(stages)}] {name}: running")
        (folder / MANIFEST).unlink(missing_ok=True)  # stale until this run finishes
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:  # the filters in force apply
            done = STAGE_FUNCTIONS[name](config, folder, ctx)
        notes = _own_warnings(caught)
        manifest = {
            "stage": name,
            "key": key,
            "settings": config[name],
            "files": [str(Path(f).resolve().relative_to(out.resolve())) for f in done.files],
            "summary": json_safe(done.summary),
            "seconds": time.perf_counter() - t0,
            "warnings": notes,
            **provenance(),
        }
        write_text(json.dumps(manifest, indent=1, allow_nan=False), folder / MANIFEST)
        flagged = f"; {len(notes)} warning(s), in the report" if notes else ""
        echo(f"    done in {manifest['seconds']:.1f} s{flagged}")
        result.manifests[name] = manifest
        result.ran.append(name)
    result.seconds = time.perf_counter() - start
    shown = {**result.manifests, **_other_finished_stages(config, out)}
    shown = {name: shown[name] for name in STAGES if name in shown}
    result.report = build_report(out, config, shown, seconds=result.seconds)
    echo(f"report: {result.report}")
    return result
