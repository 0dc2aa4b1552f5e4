"""The network-calibrated threshold for a user's cells (``adexmf build --calibrate``).

The preset's own 10,000-neuron network runs on a grid of drives (and, for an excitatory cell
with spike-triggered adaptation, of b around its own); the threshold of both transfer
functions is calibrated on the asynchronous-irregular points of the even half of the grid
(:func:`adexmf.compare.calibration.calibrate_threshold`) and the mean field is scored on
both halves. Network runs are Dask tasks stored in the build folder: a rerun reuses them.
Cost on 2 cores: ~8 s per run of 3 s, so ~1.5 min for a cell without adaptation (9 runs)
and ~4 min with (27 runs), plus ~10-30 s for the calibration.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..compare.calibration import calibrate_threshold, checkerboard
from ..compare.metrics import split_scores
from ..compare.protocol import run_network_tasks, task_spec
from ..compare.validity_map import BIN, DURATION, T_START, branch_rates, network_grid, network_task
from ..meanfield import MeanFieldModel
from ..netcdf import write_netcdf
from ..network import POPULATIONS
from ..network.run_spec import NetworkRun
from ..params import Preset, load_preset, save_preset
from ..store import file_digest, provenance
from .stage import StageResult

#: Drives of the calibration grid (Hz): the validity map's range, in steps of 1 Hz.
DRIVES = tuple(float(d) for d in range(2, 11))
#: Multiples of the excitatory cell's b on the grid (b > 0 only).
B_FACTORS = (0.5, 1.0, 1.5)
#: The half calibrated on; the other is held out.
HALF = "even"


def calibration_grid(preset: Preset) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Drives (Hz) and b values (A) of the calibration grid of ``preset``."""
    b = preset.excitatory.b
    return DRIVES, (tuple(f * b for f in B_FACTORS) if b > 0 else (0.0,))


def network_map(preset_file: Path, folder: Path, scheduler: str | None = None,
                progress: bool = True) -> xr.Dataset:  # fmt: skip
    """The preset's network on its calibration grid (one seed, Poisson drive): rates, AI
    statistics and regimes, as in a validity map."""
    preset = load_preset(preset_file)
    drives, b_values = calibration_grid(preset)
    specs = [
        task_spec("validity", NetworkRun(preset=str(preset_file),
                                         preset_digest=file_digest(preset_file),
                                         n_total=preset.network.n_total, drive=d, rs_b=b,
                                         duration=DURATION, seed=1, drive_events="poisson"),
                  t_start_s=T_START, regime_bin_s=BIN)
        for d in drives
        for b in b_values
    ]  # fmt: skip
    runs = run_network_tasks(network_task, specs, folder, scheduler, progress)
    return xr.Dataset(
        network_grid(runs, len(drives), len(b_values), 1),
        coords={"drive": ("drive", list(drives), {"units": "Hz"}),
                "b": ("b", list(b_values), {"units": "A"}), "population": list(POPULATIONS),
                "seed": [1]},
        attrs={**provenance(), "protocol": "calibration map (drive x b)",
               "n_total": preset.network.n_total, "duration_s": DURATION,
               "stationary_start_s": T_START, "drive_events": "poisson"},
    )  # fmt: skip


def calibration_stage(
    preset_file: Path,
    model: MeanFieldModel,
    folder: Path,
    scheduler: str | None = None,
    progress: bool = True,
) -> StageResult:
    """Calibrate ``model`` (second order, the preset of ``preset_file``) on its network.

    Returns
    -------
    StageResult
        Files: ``folder/calibration_map.nc`` and the calibrated preset
        ``folder/<name>_calibrated.toml``; summary ``preset``, ``half``, ``points``
        ((drive Hz, b A)), ``shifts_V`` (per cell: P0, P1, P2), ``ridge``, ``before`` /
        ``after`` (:func:`~adexmf.compare.metrics.split_scores`) and ``seconds`` (wall time
        of the stage, network runs included; stored runs cost nothing).
    """
    start = time.perf_counter()
    ds = network_map(preset_file, folder, scheduler, progress)
    files = [write_netcdf(ds, folder / "calibration_map.nc", option="out")]
    cal = calibrate_threshold(ds, model, HALF)
    files.append(save_preset(cal.preset, folder / f"{cal.preset.name}.toml", option="out"))
    rates = ds.network_rate_mean.transpose("drive", "b", "population").values
    ai = ds.ai.values.astype(bool)
    used = checkerboard(ds.sizes["drive"], ds.sizes["b"], HALF)
    summary: dict[str, Any] = {
        "preset": str(files[-1]), "half": HALF, "points": [list(p) for p in cal.points],
        "shifts_V": {c: list(s) for c, s in cal.shifts.items()}, "ridge": cal.ridge,
    }  # fmt: skip
    for label, m in (("before", model), ("after", model.replace(preset=cal.preset))):
        mf = branch_rates(m, ds.drive.values, ds.b.values)
        with np.errstate(divide="ignore", invalid="ignore"):
            summary[label] = split_scores(100.0 * (mf - rates) / rates, ai, used)
    summary["seconds"] = time.perf_counter() - start
    return StageResult(files, summary, data={"calibration_map": ds})
