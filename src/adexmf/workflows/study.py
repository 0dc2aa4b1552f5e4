"""Run a study: its stages in order, each cached by a hash of its inputs, then the report.

Each stage writes into ``OUT/<stage>/`` and, last, a manifest ``OUT/<stage>/stage.json``
(the key of its inputs, the files written, its summary, its warnings and how long it took). A
rerun skips a stage whose manifest has the same key and whose files are all there and
readable; a missing, unreadable or stale manifest, or a damaged file, makes the stage run
again. A stage interrupted (SIGINT, SIGTERM, SIGKILL) has no manifest, so the next run redoes
it, and the finished network runs and scan chunks inside it are reused from their own task
stores.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from ..compare.settings import protocol_settings
from ..params import REFERENCE_STIMULI
from ..report import build_report
from ..store import check_folder, file_digest, provenance, write_text
from ..sweep import task_key
from ..units import format_quantity
from ..vsdi.io import load_recording
from ..vsdi.scan import ScanSettings
from .brain import brain_study_stage
from .compare import compare_study_stage
from .config import STAGES, StudyConfig, settings_mapping, study_toml
from .expected import expected_shares, remember
from .meanfield import meanfield_study_stage
from .network import network_study_stage
from .ring import ring_study_stage
from .stage import StageContext, StageResult, json_safe, record_stage
from .transfer import transfer_study_stage
from .vsdi import recording_path, vsdi_study_stage
from .warmup import WARMED_STAGES, start_warmup

#: Manifest of a finished stage, in its folder.
MANIFEST = "stage.json"

#: Stage name -> function of (study, folder, context), in the order a study runs them.
STUDY_STAGES: dict[str, Callable[[StudyConfig, Path, StageContext], StageResult]] = {
    "transfer": lambda c, folder, ctx: transfer_study_stage(
        c.transfer, c.preset, c.preset_source, folder, ctx),
    "meanfield": lambda c, folder, ctx: meanfield_study_stage(c.meanfield, c.preset, folder),
    "network": lambda c, folder, ctx: network_study_stage(c.network, c.preset, folder),
    "compare": lambda c, folder, ctx: compare_study_stage(c.compare, c.scale, folder, ctx),
    "ring": lambda c, folder, ctx: ring_study_stage(c.ring, c.preset, folder),
    "vsdi": lambda c, folder, ctx: vsdi_study_stage(c.vsdi, folder, ctx),
    "brain": lambda c, folder, ctx: brain_study_stage(c.brain, folder, ctx),
}  # fmt: skip
assert tuple(STUDY_STAGES) == STAGES


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


def stage_key(name: str, config: StudyConfig) -> str:
    """Hash of everything a stage's result depends on: its settings, the preset's content,
    the scale, the package version and, for the vsdi stage, the recording's bytes."""
    inputs: dict[str, Any] = {
        "stage": name,
        "settings": settings_mapping(config.settings(name)),
        "preset": config.preset_key(),
        "scale": config.scale,
        "version": importlib.metadata.version("adexmf"),
    }
    if name == "vsdi":
        inputs["recording"] = file_digest(recording_path(config.vsdi.recording))
    return task_key(inputs)


def _readable(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if path.suffix == ".nc":
        try:
            xr.open_dataset(path, engine="h5netcdf").close()
        except Exception:  # noqa: BLE001 - any failure to read means: recompute
            return False
    return True


#: Fields of a manifest and the types they must have for a stage to be reused.
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "key": str, "seconds": (int, float), "files": list, "summary": dict, "warnings": list,
}  # fmt: skip


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a finished stage, or None where there is none or it is damaged (not
    a regular file, unreadable, not JSON, or a field missing or of the wrong type: the stage
    then runs again)."""
    path = folder / MANIFEST
    try:
        if not path.is_file():  # a directory or a FIFO in its place: damaged (never read)
            return None
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(manifest, dict):
        return None
    for name, kind in _MANIFEST_FIELDS.items():
        value = manifest.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
    if not math.isfinite(manifest["seconds"]) or manifest["seconds"] < 0:
        return None
    if not all(isinstance(f, str) for f in manifest["files"] + manifest["warnings"]):
        return None
    return manifest


def _clear_manifest(path: Path) -> None:
    """Remove a stage's manifest before the stage runs (it is stale until the stage ends),
    whatever took its name: a file, a link, a FIFO, or a directory (damage, not a result)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _reusable(manifest: dict[str, Any] | None, key: str, out: Path) -> bool:
    if manifest is None or manifest.get("key") != key:
        return False
    files = manifest.get("files", [])
    return isinstance(files, list) and all(_readable(out / str(f)) for f in files)


def _other_finished_stages(config: StudyConfig, out: Path) -> dict[str, dict[str, Any]]:
    """Up-to-date stages of the study not selected in this run (``stages``): the report
    shows them too, so that running one stage does not hide the others."""
    found = {}
    for name in STAGES:
        if name in config.stages:
            continue
        manifest = read_manifest(out / name)
        if _reusable(manifest, stage_key(name, config), out):
            found[name] = manifest
    return found


def _run_one(name: str, config: StudyConfig, folder: Path, out: Path, key: str,
             ctx: StageContext) -> dict[str, Any]:
    """Run one stage and write its manifest (last, so that an interrupted stage has none)."""
    _clear_manifest(folder / MANIFEST)  # stale until this run finishes
    t0 = time.perf_counter()
    done = record_stage(STUDY_STAGES[name], config, folder, ctx)  # warnings: to the report
    manifest = {
        "stage": name,
        "key": key,
        "settings": settings_mapping(config.settings(name)),
        "files": [str(Path(f).resolve().relative_to(out.resolve())) for f in done.files],
        "summary": json_safe(done.summary),
        "seconds": time.perf_counter() - t0,
        "warnings": done.warnings,
        **provenance(),
    }
    write_text(json.dumps(manifest, indent=1, allow_nan=False), folder / MANIFEST)
    return manifest


def paper_vs_code_settings() -> dict[str, str]:
    """The settings of the study's protocols where the paper's text and the authors' code
    differ, in human units, read from the protocols' own constants (name -> value)."""
    rows = {f"{protocol}: {name}": value
            for protocol, settings in protocol_settings().items()
            for name, value in settings.items()}  # fmt: skip
    stimuli = {k: REFERENCE_STIMULI[k] for k in ("code", "text")}
    rows["ring stimulus"] = ", ".join(
        f"{k}: {format_quantity(s.amplitude, 'Hz')}, l_stim "
        f"{format_quantity(s.l_stim, 'm', 'mm')}" for k, s in stimuli.items()
    )
    rows["VSD signal of the fit"] = f"{ScanSettings().vsd_input} input"
    return rows


#: The order the stages run in (the report keeps :data:`STAGES`'s): the network before the
#: mean field, which does not need it, so that the network's single-core Brian2 code
#: generation overlaps the background compilation of the mean field's kernels
#: (:mod:`.warmup`) on the other core.
RUN_ORDER = ("transfer", "network", "meanfield", "compare", "ring", "vsdi", "brain")
assert sorted(RUN_ORDER) == sorted(STAGES)


def run_study(
    config: StudyConfig,
    out: str | Path,
    *,
    scheduler: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> StudyResult:
    """Run the stages of a study into ``out`` and write its HTML report.

    Parameters
    ----------
    config : StudyConfig
        A checked study (:func:`adexmf.workflows.config.load_study`).
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
    start = time.perf_counter()
    out = check_folder(out, option="out")
    folders = {name: check_folder(out / name, option="out") for name in config.stages}
    check_folder(out / "report", option="out")
    if "vsdi" in config.stages:  # a bad recording fails now, not an hour in
        load_recording(recording_path(config.vsdi.recording))
    ctx = StageContext(scheduler=scheduler, progress=progress, echo=echo)
    result = StudyResult(out)
    keys = {name: stage_key(name, config) for name in config.stages}
    order = [name for name in RUN_ORDER if name in config.stages]
    to_run = [n for n in order if not _reusable(read_manifest(folders[n]), keys[n], out)]
    # later stages' kernels compile on the other core while the first stages run
    warmup = start_warmup(to_run[1:], scheduler)
    shares = expected_shares(config.scale, to_run)
    try:
        for k, name in enumerate(order, 1):
            head = f"[{k}/{len(order)}] {name}"
            if name not in to_run:
                manifest = read_manifest(folders[name])
                echo(f"{head}: up to date (took {manifest['seconds']:.1f} s)")
                result.manifests[name] = manifest
                result.reused.append(name)
                continue
            if warmup is not None and name in WARMED_STAGES:
                warmup.wait()  # its kernels are in the cache now (or it failed: compile here)
            share = f" (~{shares[name]:.0%} of the expected time)" if shares else ""
            echo(f"{head}: running{share}")
            manifest = _run_one(name, config, folders[name], out, keys[name], ctx)
            remember(config.scale, name, manifest["seconds"])
            flagged = f"; {len(manifest['warnings'])} warning(s), in the report"
            echo(f"    done in {manifest['seconds']:.1f} s"
                 f"{flagged if manifest['warnings'] else ''}")  # fmt: skip
            result.manifests[name] = manifest
            result.ran.append(name)
    finally:  # waited for above; stopped here if a stage failed or was interrupted
        if warmup is not None:
            warmup.cancel()
    result.seconds = time.perf_counter() - start
    shown = {**result.manifests, **_other_finished_stages(config, out)}
    shown = {name: shown[name] for name in STAGES if name in shown}
    result.report = build_report(
        out, shown, scale=config.scale, preset=config.preset, config_text=study_toml(config),
        settings=paper_vs_code_settings(), seconds=result.seconds,
    )  # fmt: skip
    echo(f"report: {result.report}")
    return result
