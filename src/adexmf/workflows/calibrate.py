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

import xarray as xr

from ..compare.calibration import calibrate_threshold, calibration_summary
from ..compare.protocol import Scale, run_network_tasks
from ..compare.validity_map import DURATION, T_START, network_grid, network_specs, network_task
from ..meanfield import MeanFieldModel
from ..netcdf import write_netcdf
from ..network import POPULATIONS
from ..params import Preset, load_preset, save_preset
from ..store import provenance
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
    scale = Scale(n_total=preset.network.n_total, duration=DURATION, seeds=1, traced_cells=0)
    specs = network_specs(scale, [1], drives, b_values, "poisson", preset=Path(preset_file))
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
        ``folder/<name>_calibrated.toml``; summary ``preset``, the
        :func:`~adexmf.compare.calibration.calibration_summary` and ``seconds`` (wall time
        of the stage, network runs included; stored runs cost nothing).
    """
    start = time.perf_counter()
    ds = network_map(preset_file, folder, scheduler, progress)
    files = [write_netcdf(ds, folder / "calibration_map.nc", option="out")]
    cal = calibrate_threshold(ds, model, HALF)
    files.append(save_preset(cal.preset, folder / f"{cal.preset.name}.toml", option="out"))
    summary = {"preset": str(files[-1]), **calibration_summary(ds, model, cal)}
    summary["seconds"] = time.perf_counter() - start
    return StageResult(files, summary, data={"calibration_map": ds})
