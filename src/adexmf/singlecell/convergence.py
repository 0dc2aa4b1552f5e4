"""Time-step convergence of the single-cell simulator against an adaptive reference.

The compiled kernel (:mod:`adexmf.singlecell.simulate`) is run at several integration
settings (scheme, dt) on a set of input points, and NEST's ``aeif_cond_exp`` with an
adaptive Runge-Kutta-Fehlberg 4(5) solver and a tight tolerance
(:mod:`adexmf.engines.nest_reference`) on the same points, each with its own independent
Poisson input. The result is an xarray Dataset of the mean rate and its standard error per
point and setting, the reference, and the relative error with its standard error: the two
routes share no random numbers, so an error is resolved only where it exceeds the combined
noise.

Every (cells, setting) and every reference run is one Dask task, stored as it finishes and
skipped on rerun (:func:`adexmf.sweep.run_tasks`). NEST and Numba's OpenMP layer crash one
process together; the LocalCluster's workers use Numba's "workqueue" layer.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..cell_inputs import SCHEMES
from ..engines.nest_reference import simulate_cells_nest
from ..errors import ParameterError
from ..params import Cell, Network, Synapses, from_mapping, load_preset, to_mapping
from ..store import provenance
from ..sweep import run_tasks
from .simulate import derive_seeds, simulate_cells

#: The settings of the study: the authors' scheme at the steps of the issue, and Heun.
STUDY_SETTINGS: tuple[tuple[str, float], ...] = (
    ("euler", 1e-4), ("euler", 5e-5), ("euler", 2.5e-5), ("euler", 1e-5), ("euler", 5e-6),
    ("heun", 1e-4), ("heun", 5e-5),
)  # fmt: skip


@dataclass(frozen=True)
class CheckPoint:
    """One input point of the study (rates in Hz per synapse, W in A).

    Attributes
    ----------
    regime : str
        What makes the point hard (e.g. "pure excitation near threshold").
    cell : str
        Cell of the preset ("RS", "FS").
    nu_e, nu_i : float
        Presynaptic rates (Hz).
    W : float
        Clamped adaptation current (A); NaN: w free.
    changes : tuple of (str, float)
        Changed cell or synapse fields (SI), e.g. ``(("E_L", -0.063),)``: a foreign cell.
    """

    regime: str
    cell: str
    nu_e: float
    nu_i: float
    W: float = math.nan
    changes: tuple[tuple[str, float], ...] = ()


#: Points where the time-step error is largest (ISSUE 14), plus a mean-driven and an
#: inhibition-dominated one; rates of the corrected preset's cells from ~0.8 to ~16 Hz.
REGIME_POINTS: tuple[CheckPoint, ...] = (
    CheckPoint("RS pure excitation near threshold", "RS", 1.75, 0.0),
    CheckPoint("RS low rate, balanced", "RS", 5.0, 8.0),
    CheckPoint("RS mean-driven", "RS", 8.0, 8.0),
    CheckPoint("RS inhibition-dominated", "RS", 16.0, 20.0),
    CheckPoint("RS strong clamped adaptation", "RS", 4.0, 2.0, 200e-12),
    CheckPoint("FS low rate", "FS", 4.0, 8.0),
    CheckPoint("FS pure excitation near threshold", "FS", 1.1, 0.0),
    CheckPoint("FS clamped adaptation 100 pA", "FS", 3.0, 2.0, 100e-12),
    CheckPoint("FS clamped adaptation 200 pA", "FS", 4.5, 2.0, 200e-12),
    CheckPoint(
        "foreign RS (E_L -63, V_reset -55 mV, Q_e 1.5 nS), pure excitation", "RS", 1.25, 0.0,
        changes=(("E_L", -0.063), ("V_reset", -0.055), ("Q_e", 1.5e-9)),
    ),
)  # fmt: skip


def _cell_and_synapses(preset: str, point: CheckPoint) -> tuple[Cell, Synapses, Network]:
    p = load_preset(preset)
    cell, syn = p.cells[point.cell], p.synapses
    cell_fields = {f.name for f in dataclasses.fields(Cell)}
    cell = dataclasses.replace(cell, **{k: v for k, v in point.changes if k in cell_fields})
    syn = dataclasses.replace(syn, **{k: v for k, v in point.changes if k not in cell_fields})
    return cell, syn, p.network


def _groups(preset: str, points: Sequence[CheckPoint]) -> dict[str, list[int]]:
    """Points sharing one cell and synapses (one simulation each), by a JSON key."""
    groups: dict[str, list[int]] = {}
    for k, pt in enumerate(points):
        cell, syn, _ = _cell_and_synapses(preset, pt)
        key = json.dumps({"cell": to_mapping(cell), "synapses": to_mapping(syn)}, sort_keys=True)
        groups.setdefault(key, []).append(k)
    return groups


def convergence_task(spec: Mapping[str, Any]) -> xr.Dataset:
    """Rates of one group of points at one setting (or the NEST reference): a Dask task.

    ``spec`` holds the preset, the cell and synapses as mappings with units, the points
    (``nu_e``, ``nu_i``, ``W`` lists; W None: free), ``n_cells``, ``duration_s``, ``seed`` and
    either ``scheme`` and ``dt_s`` (the kernel) or ``simulator = "nest"``.
    """
    fields = {k: v for k, v in spec["cell"].items() if k != "name"}
    cell = from_mapping(Cell, fields, "cell", name=spec["cell_name"])
    syn = from_mapping(Synapses, spec["synapses"], "synapses")
    network = load_preset(spec["preset"]).network
    n = int(spec["n_cells"])
    e = np.repeat(np.asarray(spec["nu_e"], float), n)
    i = np.repeat(np.asarray(spec["nu_i"], float), n)
    W = np.repeat([math.nan if w is None else float(w) for w in spec["W"]], n)
    if spec["simulator"] == "nest":
        rate = simulate_cells_nest(
            cell, syn, e, i, duration=spec["duration_s"], network=network, seed=spec["seed"],
            adaptation_clamp=W,
        )  # fmt: skip
    else:
        keys = np.stack([np.repeat(np.arange(len(spec["nu_e"])), n), np.tile(np.arange(n),
                         len(spec["nu_e"]))], 1)  # fmt: skip
        rate = simulate_cells(cell, syn, e, i, duration=spec["duration_s"], dt=spec["dt_s"],
                              scheme=spec["scheme"], network=network,
                              seeds=derive_seeds(spec["seed"], keys),
                              adaptation_clamp=W).rate  # fmt: skip
    return xr.Dataset({"rate": (("point", "replicate"), rate.reshape(-1, n), {"units": "Hz"})})


def _specs(preset, points, settings, n_cells, duration, seed) -> list[dict[str, Any]]:
    specs = []
    for members in _groups(preset, points).values():
        cell, syn, _ = _cell_and_synapses(preset, points[members[0]])
        base = {
            "protocol": "singlecell-convergence", "preset": preset, "cell_name": cell.name,
            "cell": to_mapping(cell), "synapses": to_mapping(syn), "n_cells": int(n_cells),
            "duration_s": float(duration), "seed": int(seed), "members": members,
            "nu_e": [points[k].nu_e for k in members], "nu_i": [points[k].nu_i for k in members],
            "W": [points[k].W if np.isfinite(points[k].W) else None for k in members],
        }  # fmt: skip
        specs.append({**base, "simulator": "nest"})
        specs += [{**base, "simulator": "kernel", "scheme": s, "dt_s": dt} for s, dt in settings]
    return specs


def _check_settings(settings: Sequence[tuple[str, float]]) -> None:
    """Refuse a (scheme, dt) setting the kernel does not take (dt in s)."""
    for scheme, dt in settings:
        if scheme not in SCHEMES or not 1e-7 <= dt <= 1e-3:
            raise ParameterError(
                f"setting ({scheme!r}, {dt!r} s) is not admissible; allowed: a scheme of "
                f"{', '.join(SCHEMES)} and dt in [1e-7, 1e-3] s"
            )


def _setting_names(settings: Sequence[tuple[str, float]]) -> list[str]:
    """Labels of the settings (``"heun 0.1 ms"``)."""
    return [f"{s} {dt * 1e3:g} ms" for s, dt in settings]


def _gather(specs, results, n_points: int, names: list[str]):
    """Mean rate and its standard error (Hz) per (point, setting) and of the reference per
    point, from the tasks' replicate rates."""
    mean = np.full((n_points, len(names)), np.nan)
    se = np.full_like(mean, np.nan)
    ref, ref_se = np.full(n_points, np.nan), np.full(n_points, np.nan)
    for spec, ds in zip(specs, results, strict=True):
        r = ds["rate"].values
        m, s = r.mean(1), r.std(1, ddof=1) / math.sqrt(r.shape[1])
        rows = spec["members"]
        if spec["simulator"] == "nest":
            ref[rows], ref_se[rows] = m, s
        else:
            col = names.index(f"{spec['scheme']} {spec['dt_s'] * 1e3:g} ms")
            mean[rows, col], se[rows, col] = m, s
    return mean, se, ref, ref_se


def _relative_errors(mean, se, ref, ref_se) -> tuple[np.ndarray, np.ndarray]:
    """Relative error to the reference (point, setting) and its standard error, combining
    the noise of both routes (dimensionless)."""
    # relative errors are undefined where the reference cell is silent: NaN there
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ref[:, None] > 0, mean / ref[:, None], np.nan)
        error = ratio - 1.0
        error_se = np.sqrt(se**2 + ratio**2 * ref_se[:, None] ** 2) / ref[:, None]
    return error, error_se


def _coords(points: list[CheckPoint], settings, names: list[str]) -> dict[str, Any]:
    """Coordinates of the study: the points (rates in Hz, W in A) and the settings (dt in s)."""
    return {
        "point": np.arange(len(points)),
        "setting": names,
        "regime": ("point", [p.regime for p in points]),
        "nu_e": ("point", [p.nu_e for p in points], {"units": "Hz"}),
        "nu_i": ("point", [p.nu_i for p in points], {"units": "Hz"}),
        "W": ("point", [p.W for p in points], {"units": "A"}),
        "scheme": ("setting", [s for s, _ in settings]),
        "dt": ("setting", [dt for _, dt in settings], {"units": "s"}),
    }


def convergence_study(
    points: Sequence[CheckPoint] = REGIME_POINTS,
    *,
    preset: str = "corrected",
    settings: Sequence[tuple[str, float]] = STUDY_SETTINGS,
    n_cells: int = 400,
    duration: float = 10.0,
    seed: int = 0,
    folder: str | Path,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """Rates at every setting and the adaptive NEST reference on every point.

    Parameters
    ----------
    points : sequence of CheckPoint
        Input points (default: :data:`REGIME_POINTS`).
    preset : str
        Preset giving the cells, synapses and in-degrees.
    settings : sequence of (scheme, dt)
        Kernel settings (dt in s).
    n_cells : int
        Independent cells (each 10 s of its own Poisson input) per point and route.
    duration : float
        Simulated time per cell (s).
    seed : int
        User seed of the kernel's cells and of NEST.
    folder : str or Path
        Task store: finished tasks are kept and skipped on rerun.
    scheduler, n_workers, progress
        As for :func:`adexmf.sweep.run_tasks`.

    Returns
    -------
    xarray.Dataset
        ``rate``, ``rate_se`` (point, setting) and ``reference``, ``reference_se`` (point)
        in Hz; ``error`` and ``error_se`` (point, setting): relative error to the reference
        and its standard error (combined noise of both routes); NaN where the reference is 0.
    """
    points = list(points)
    if not points:
        raise ParameterError("convergence_study needs at least one point")
    _check_settings(settings)
    specs = _specs(preset, points, settings, n_cells, duration, seed)
    results = run_tasks(convergence_task, specs, folder, scheduler=scheduler,
                        n_workers=n_workers, progress=progress)  # fmt: skip
    names = _setting_names(settings)
    mean, se, ref, ref_se = _gather(specs, results, len(points), names)
    error, error_se = _relative_errors(mean, se, ref, ref_se)
    return xr.Dataset(
        {
            "rate": (("point", "setting"), mean, {"units": "Hz"}),
            "rate_se": (("point", "setting"), se, {"units": "Hz"}),
            "reference": ("point", ref, {"units": "Hz", "long_name": "NEST aeif_cond_exp"}),
            "reference_se": ("point", ref_se, {"units": "Hz"}),
            "error": (("point", "setting"), error, {"units": "1"}),
            "error_se": (("point", "setting"), error_se, {"units": "1"}),
        },
        coords=_coords(points, settings, names),
        attrs={
            **provenance(),
            "title": "time-step convergence of the single-cell simulator",
            "preset": preset,
            "n_cells": int(n_cells),
            "duration_s": float(duration),
            "seed": int(seed),
            "reference": "NEST aeif_cond_exp, GSL RKF45, gsl_error_tol 1e-9, resolution 0.1 ms",
        },
    )


def convergence_table(ds: xr.Dataset) -> str:
    """The study as a text table: reference rate and error (%) +- SE per point and setting."""
    names = [str(s) for s in ds.setting.values]
    head = f"{'regime':<44} {'NEST (Hz)':>14} " + " ".join(f"{n:>15}" for n in names)
    lines = [head, "-" * len(head)]
    for k in range(ds.sizes["point"]):
        cells = " ".join(
            f"{100 * ds.error.values[k, j]:+6.2f}+-{100 * ds.error_se.values[k, j]:4.2f}%"
            for j in range(len(names))
        )
        ref = f"{ds.reference.values[k]:7.3f}+-{ds.reference_se.values[k]:.3f}"
        lines.append(f"{str(ds.regime.values[k])[:44]:<44} {ref:>14} {cells}")
    mean = ds.error.mean("point", skipna=True).values
    n = ds.error.notnull().sum("point").values
    mean_se = np.sqrt((ds.error_se**2).sum("point", skipna=True).values) / n
    lines.append(
        f"{'mean over points':<44} {'':>14} "
        + " ".join(f"{100 * m:+6.2f}+-{100 * s:4.2f}%" for m, s in zip(mean, mean_se, strict=True))
    )
    return "\n".join(lines)
