"""The network's fast subsystem: the spiking network with its adaptation frozen (issue 26,
item 4).

With W frozen at a value the same for every RS cell, the network is what the W-slow
reduction of the mean field calls the fast subsystem
(:mod:`adexmf.meanfield.slow_fast`). Without subthreshold adaptation (a = 0) a frozen W is
exactly a constant current -W, i.e. the RS cells' leak reversal lowered by W / g_L, with
b = 0: so each W is a preset derived from the network's. Each run starts from rest, is left
alone until :data:`KICK_ON`, gets a brief excitatory kick (:data:`KICK`, afferent onto the
RS cells) and runs on: its rate before the kick is its DOWN state if it has one (else it
ignites by itself), its rate after the kick its UP state if one persists. Both states
persisting is bistability of the fast subsystem: the condition for the W-slow relaxation
oscillation (UP-DOWN states).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError, check_range
from ..network import POPULATIONS
from ..network.run_spec import NetworkRun
from ..params import load_preset, save_preset
from ..stimuli import Stimulus
from ..store import file_digest, provenance
from .protocol import run_network_tasks, simulate_run, task_spec

#: Run length (s), the kick (Hz per synapse, onto the RS cells, on [KICK_ON, KICK_OFF] s)
#: and the windows of the DOWN (before the kick) and UP (after it) rates (s).
DURATION = 4.0
KICK_ON, KICK_OFF, KICK = 1.5, 1.6, 5.0
DOWN_WINDOW = (0.5, KICK_ON)
UP_WINDOW = (KICK_OFF + 0.9, DURATION)
#: Frozen W (A) allowed.
W_RANGE = (0.0, 300e-12)


def frozen_preset(preset: str | Path, W: float, folder: Path) -> Path:
    """A TOML of ``preset`` whose RS cells carry a frozen adaptation current W (A): leak
    reversal E_L - W / g_L, a = b = 0 (exact for a = 0; refused otherwise)."""
    check_range("W", W, *W_RANGE, unit="A")
    p = load_preset(str(preset))
    name = p.network.excitatory_cell
    cell = p.cells[name]
    if cell.a != 0.0:
        raise ParameterError(
            f"the {name} cells have a = {cell.a:g} S; a frozen W is a constant current only "
            "for a = 0 (allowed: presets without subthreshold adaptation)"
        )
    frozen = cell.replace(E_L=cell.E_L - W / cell.g_L, b=0.0)
    out = p.replace(name=f"{p.name}_W{W * 1e12:g}pA", cells={**p.cells, name: frozen})
    return save_preset(out, Path(folder) / f"{out.name}.toml")


def frozen_task(spec: dict[str, Any]) -> xr.Dataset:
    """One frozen-W run: mean rates (Hz; exc, inh) in the DOWN and UP windows (a Dask task)."""
    ds = simulate_run(NetworkRun.from_mapping(spec))
    t = ds.time.values
    rates = [ds.rate.sel(population=list(POPULATIONS)).values[(t >= a) & (t < b)].mean(axis=0)
             for a, b in (DOWN_WINDOW, UP_WINDOW)]  # fmt: skip
    return xr.Dataset({"rate": (("phase", "population"), np.array(rates), {"units": "Hz"})},
                      coords={"phase": ["down", "up"], "population": list(POPULATIONS)})


def frozen_adaptation_map(
    preset: str | Path, drives: Sequence[float], W_values: Sequence[float], *, seed: int = 1,
    out: str | Path = "adexmf-results/frozen", scheduler: str | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """The network's rates with W frozen, before and after the kick, for each drive (Hz per
    synapse) and W (A): ``rate`` (drive, W, phase, population; Hz). Runs are Dask tasks
    stored in ``out/tasks`` and skipped on rerun."""
    for k, w in enumerate(W_values):
        check_range(f"W_values[{k}]", w, *W_RANGE, unit="A")
    for k, d in enumerate(drives):
        check_range(f"drives[{k}]", d, 0.0, 20.0, unit="Hz")
    folder = Path(out) / "presets"
    folder.mkdir(parents=True, exist_ok=True)
    files = [frozen_preset(preset, float(w), folder) for w in W_values]
    kick = Stimulus("step", {"amplitude": KICK, "t_on": KICK_ON, "t_off": KICK_OFF})
    specs = [task_spec("frozen_adaptation",
                       NetworkRun(preset=str(f), preset_digest=file_digest(f), drive=float(d),
                                  duration=DURATION, seed=seed, drive_events="poisson",
                                  stimulus=kick))
             for d in drives for f in files]  # fmt: skip
    runs = run_network_tasks(frozen_task, specs, out, scheduler, progress)
    rate = np.stack([r.rate.values for r in runs]).reshape(len(drives), len(files), 2, 2)
    return xr.Dataset(
        {"rate": (("drive", "W", "phase", "population"), rate, {"units": "Hz"})},
        coords={"drive": ("drive", np.asarray(drives, float), {"units": "Hz"}),
                "W": ("W", np.asarray(W_values, float), {"units": "A"}),
                "phase": ["down", "up"], "population": list(POPULATIONS)},
        attrs={**provenance(), "preset": str(preset), "duration_s": DURATION,
               "kick": f"{KICK:g} Hz on the RS cells, {KICK_ON:g}-{KICK_OFF:g} s",
               "down_window_s": str(DOWN_WINDOW), "up_window_s": str(UP_WINDOW)},
    )  # fmt: skip
