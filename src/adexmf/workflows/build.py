"""Bring your own cell: from AdEx parameters to a fitted, checked mean-field preset.

``adexmf build CELL.toml`` (:func:`build_preset`) takes a preset file without transfer
functions (``[meta]``, ``[network]``, ``[synapses]``, ``[cells.<E>]``, ``[cells.<I>]``: the
format of the shipped presets) and

1. checks that each cell can be characterised on the transfer-function grid (it fires
   under the strongest excitation and is not already above the grid's top rate under the
   weakest, without inhibition): otherwise it stops, before any long work, saying what to
   change (:func:`check_characterisable`);
2. characterises both cells by single-cell simulations and fits the template (SPEC 4),
   chained into one preset file ``OUT/<name>_fitted.toml``;
3. computes its mean-field fixed points against the drive (first and second order);
4. runs its spiking network (Dask tasks, stored as they finish) and reports the errors of the
   second-order mean field on the stationary rates;
5. optionally (``calibrate``) calibrates the threshold of both transfer functions on the
   network's stationary rates over drive (x b) and scores it on held-out points
   (:mod:`.calibrate`).

An excitatory cell with adaptation (a or b > 0) is characterised with its adaptation current
clamped at 5 levels (:func:`adaptation_levels`), so that its transfer function spans W, and
its mean field has the adaptation variable (SPEC 5.3); the others as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..compare.protocol import run_network_tasks, task_spec
from ..compare.stationary import T_START, network_task
from ..errors import ParameterError, check_range
from ..figures.transfer import plot_error_map
from ..meanfield import MeanFieldModel
from ..network import statistics_from_attrs
from ..network.run_spec import NetworkRun
from ..params import Preset, load_preset, save_preset
from ..singlecell import low_rate
from ..singlecell.characterize import CharacterizationConfig, characterize_to_file
from ..singlecell.config import GridDesign
from ..singlecell.refit import fit_file, preset_with_fits
from ..singlecell.simulate import simulate_cells
from ..store import check_destination, check_folder, file_digest
from ..theory.transfer import TransferFunction
from .calibrate import calibration_stage
from .meanfield import drive_scan_stage
from .stage import StageResult

#: Output rate (Hz) the grid's highest target reaches (``GridDesign.target_rates``).
TOP_RATE = 33.0
#: Below this rate (Hz) under the strongest excitation a cell is called silent.
SILENT_RATE = 1.0


@dataclass(frozen=True)
class BuildSettings:
    """How long and how often ``adexmf build`` simulates.

    Attributes
    ----------
    seeds : int
        Seeds per grid point of the characterisation (SPEC 4.2: >= 4).
    duration : float
        Simulated time per seed and grid point (s).
    drive : float
        External drive (Hz) of the network check.
    network_seeds : int
        Seeds of the network check (1.5 s each, statistics after 500 ms).
    seed : int
        User seed of the characterisation.
    calibrate : bool
        Also calibrate the threshold on the preset's network (:mod:`.calibrate`: minutes).
    low_rates : bool
        Also count the excitatory cell at output rates of 0.005-1 Hz over ~4,000
        cell-seconds per point and refit it with the Poisson loss
        (:mod:`adexmf.singlecell.low_rate`: about a minute): for networks with DOWN states,
        whose existence hangs on those rates.
    """

    seeds: int = 4
    duration: float = 5.0
    drive: float = 4.0
    network_seeds: int = 2
    seed: int = 0
    calibrate: bool = False
    low_rates: bool = False

    def __post_init__(self) -> None:
        check_range("seeds", self.seeds, 4, 64)
        check_range("duration", self.duration, 0.5, 100.0, unit="s")
        check_range("drive", self.drive, 0.0, 50.0, unit="Hz")
        check_range("network_seeds", self.network_seeds, 1, 20)


def adapts(preset: Preset) -> bool:
    """Whether the excitatory cell adapts (a or b > 0): its mean field then has the
    adaptation variable W and its transfer function spans W (SPEC 5.3)."""
    cell = preset.excitatory
    return cell.a > 0 or cell.b > 0


def adaptation_levels(cell) -> tuple[float, ...]:
    """Clamped W levels (A) of an adapting cell's characterisation: 0 to the stationary W of
    the cell at 20 Hz with its mean potential 15 mV above rest, b tau_w 20 Hz + a 15 mV
    (260 pA for the paper's RS cell; the corrected_w preset spans 0-200 pA), in 5 levels."""
    top = cell.b * cell.tau_w * 20.0 + cell.a * 15e-3
    return tuple(float(w) for w in np.linspace(0.0, top, 5))


def _rates(cell, preset: Preset, nu_e: float, nu_i: float, seed: int) -> float:
    res = simulate_cells(cell, preset.synapses, np.full(4, nu_e), np.full(4, nu_i),
                         network=preset.network, duration=1.0, seed=seed)  # fmt: skip
    return float(np.mean(res.rate))


def check_characterisable(preset: Preset, seed: int = 0) -> None:
    """Stop early on a cell the transfer-function grid cannot characterise.

    Each cell is simulated for 1 s (4 seeds) under the grid's strongest excitation without
    inhibition, and under its weakest excitation (0.1 Hz) with its weakest inhibition (the
    grid's first level, 0 Hz). The grid walks every inhibitory level from a silent cell up
    to its top rate (33 Hz); so the cell must reach the top rate under the strongest input,
    and stay below it under the weakest at every level: the least inhibited level is the
    binding one (a cell firing near its ceiling there, such as E_L = -30 mV above V_T, made
    fits of 12-14 Hz RMS and a mean field 90 % off its network).

    Raises
    ------
    ParameterError
        A cell that stays below 33 Hz (the grid's top rate) under the strongest excitation,
        or fires above it under the weakest input: the message gives the rates and what to
        change.
    """
    design = GridDesign()
    k_e = preset.network.K_e
    for name, cell in ((preset.network.excitatory_cell, preset.excitatory),
                       (preset.network.inhibitory_cell, preset.inhibitory)):  # fmt: skip
        strongest = _rates(cell, preset, design.nu_e_max, 0.0, seed)
        if strongest < TOP_RATE:
            what = "never fires" if strongest < SILENT_RATE else f"reaches only {strongest:.3g} Hz"
            raise ParameterError(
                f"cell {name!r} {what} under the strongest input of the grid (nu_e = "
                f"{design.nu_e_max:g} Hz on each of {k_e:g} excitatory synapses, no inhibition); "
                f"the grid needs it to reach {TOP_RATE:g} Hz: make it more excitable (V_T "
                "closer to E_L, a smaller g_L or b) or its excitation stronger (Q_e, "
                "connection_probability), or shorten t_ref"
            )
        nu_i = min(design.nu_i_levels)
        weakest = _rates(cell, preset, 0.1, nu_i, seed)
        if weakest > TOP_RATE:
            raise ParameterError(_ceiling_message(name, cell, weakest, nu_i))


def _ceiling_message(name: str, cell: Any, rate: float, nu_i: float) -> str:
    """Why a cell firing above the grid's top rate under its weakest input is refused, and
    what to change."""
    causes = []
    if cell.E_L >= cell.V_T:
        causes.append(f"its rest E_L = {cell.E_L * 1e3:g} mV is not below V_T = "
                      f"{cell.V_T * 1e3:g} mV: it fires without input")  # fmt: skip
    if cell.t_ref > 0:
        causes.append(f"its ceiling 1/t_ref is {1.0 / cell.t_ref:g} Hz")
    why = f" ({'; '.join(causes)})" if causes else ""
    return (
        f"cell {name!r} fires at {rate:.3g} Hz already under the weakest input of the grid "
        f"(nu_e = 0.1 Hz, nu_i = {nu_i:g} Hz){why}, above the ceiling of the grid (its top "
        f"rate {TOP_RATE:g} Hz): the grid cannot place its target rates (0.02-33 Hz) and "
        "the fit and the mean field would be wrong; make it less excitable (E_L well below "
        "V_T, a larger g_L) or give it a longer t_ref"
    )


def characterize_and_fit(
    preset_file: str | Path,
    cells: list[str],
    folder: Path,
    *,
    seeds: int = 8,
    duration: float = 10.0,
    seed: int = 0,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    w_levels: dict[str, tuple[float, ...]] | None = None,
) -> StageResult:
    """Characterise cells of a preset and fit their transfer functions, one after the other
    into one preset (each fit starts from the preset the previous one wrote); a cell named in
    ``w_levels`` is characterised with its adaptation current clamped at each level (A), so
    that its transfer function spans W.

    Returns
    -------
    StageResult
        Every file written (characterisation, fitted preset, error map per cell); summary
        ``fits`` (per cell, errors in Hz) and ``preset`` (the last preset written,
        ``folder/fitted_<cell>.toml``).
    """
    preset = load_preset(preset_file)
    base, fits, files, data_files = str(preset_file), {}, [], {}
    for cell in cells:
        levels = (w_levels or {}).get(cell, ())
        settings = CharacterizationConfig(duration=duration, n_seeds=seeds, seed=seed,
                                          design=GridDesign(adaptation_levels=levels))  # fmt: skip
        where = f", W clamped at {len(levels)} levels" if levels else ""
        echo(f"  characterising {cell} ({seeds} seeds x {duration:g} s per grid point{where})")
        data = characterize_to_file(preset.cells[cell], folder, preset.synapses, preset.network,
                                    settings, progress=progress)  # fmt: skip
        fit, toml = fit_file(data, base_preset=base, preset_out=folder / f"fitted_{cell}.toml")
        data_files[cell] = str(data)
        files += [data, toml, *plot_error_map(fit.error_map(), folder / f"fit_error_{cell}.png")]
        fits[cell] = {k: v for k, v in fit.summary().items() if k != "coefficients"}
        echo(f"  fit of {cell}: RMS {fit.rmse:.3f} Hz, max {fit.max_error:.3f} Hz")
        base = str(toml)
    return StageResult(files, {"fits": fits, "preset": base, "data": data_files})


def low_rate_refit(preset: Preset, data: dict[str, str], folder: Path,
                   echo: Callable[[str], None] = print) -> tuple[Preset, dict[str, Any]]:
    """Each cell of ``data`` (its characterisation file) counted at low rates and refitted
    with the Poisson loss (:mod:`adexmf.singlecell.low_rate`); the preset with the refits
    and, per cell, the fit's RMS error (Hz) on the characterisation, the median of model /
    measured at the low-rate points and the file of those points
    (``folder/low_rate_<cell>.nc``)."""
    fits, summary = [], {}
    for name, path in data.items():
        char = xr.load_dataset(path)
        tf = TransferFunction.from_preset(preset, name)
        echo(f"  low-rate points of {name} ({low_rate.CELLS} cells x {low_rate.DURATION:g} s)")
        low = low_rate.low_rate_points(tf, preset.cells[name], preset.synapses, preset.network,
                                       path=folder / f"low_rate_{name}.nc")  # fmt: skip
        fit = low_rate.fit_with_low_rates(char, low, layout=tf.params.layout,
                                          inhibitory_term=tf.params.inhibitory_term)  # fmt: skip
        n = char.sizes["point"]
        ratio = fit.model[n:] / np.maximum(low.rate_mean.values, 1e-4)
        summary[name] = {"rmse_Hz": float(np.sqrt(np.mean(fit.residuals[:n] ** 2))),
                         "low_points": int(low.sizes["point"]),
                         "low_rate_ratio_median": float(np.median(ratio)),
                         "file": str(folder / f"low_rate_{name}.nc")}  # fmt: skip
        echo(f"  refit of {name} with the Poisson loss: RMS {summary[name]['rmse_Hz']:.3f} Hz "
             f"on the grid; model / measured at the low-rate points: median "
             f"{summary[name]['low_rate_ratio_median']:.2f}")
        fits.append(fit)
    return preset_with_fits(preset, fits, name=preset.name, description=preset.description), summary


def network_check(
    preset_file: Path,
    folder: Path,
    settings: BuildSettings,
    *,
    scheduler: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Stationary rates of the preset's network (Brian2, Dask tasks in ``folder/tasks``) and
    of its second-order mean field at ``settings.drive``; errors in % of the network."""
    preset = load_preset(preset_file)
    network_runs = [
        NetworkRun(preset=str(preset_file), preset_digest=file_digest(preset_file),
                   n_total=preset.network.n_total, drive=settings.drive, seed=seed)
        for seed in range(1, settings.network_seeds + 1)
    ]  # fmt: skip
    specs = [task_spec("build-check", run, t_start_s=T_START) for run in network_runs]
    runs = run_network_tasks(network_task, specs, folder, scheduler, progress)
    stats = [statistics_from_attrs(r) for r in runs]
    nu_e, nu_i = [s["nu_e"] for s in stats], [s["nu_i"] for s in stats]
    fp = MeanFieldModel(preset, order=2, adaptation=adapts(preset)).fixed_point(settings.drive)
    net = {"nu_e": float(np.mean(nu_e)), "nu_i": float(np.mean(nu_i)),
           "nu_e_std": float(np.std(nu_e)), "nu_i_std": float(np.std(nu_i))}  # fmt: skip
    mf = {"nu_e": float(fp.state["nu_e"]), "nu_i": float(fp.state["nu_i"])}
    errors = {}
    for key in ("nu_e", "nu_i"):
        errors[f"error_{key}_percent"] = (
            100.0 * (mf[key] - net[key]) / net[key] if net[key] > 0 else None
        )
    return {"drive_Hz": settings.drive, "network": net, "mean_field": {**mf, **errors},
            "seeds": [run.seed for run in network_runs]}  # fmt: skip


def build_preset(
    cell_file: str | Path,
    out: str | Path,
    settings: BuildSettings | None = None,
    *,
    scheduler: str | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> StageResult:
    """From a preset file without transfer functions to a fitted, checked preset.

    Parameters
    ----------
    cell_file : str or Path
        Preset TOML (``[meta]``, ``[network]``, ``[synapses]``, ``[cells.*]``); any
        ``[transfer]`` sections are replaced by the fits.
    out : str or Path
        Results folder: characterisations, fits and their error maps, the preset
        ``<name>_fitted.toml``, fixed points vs drive, the network check's tasks.
    settings : BuildSettings, optional
    scheduler : str, optional
        Dask scheduler address of the network runs (default: a LocalCluster).
    progress : bool
        Progress bars.
    echo : callable
        Receives one line per step.

    Returns
    -------
    StageResult
        Every file written; summary ``preset`` (the fitted preset, TOML), ``fits`` (per
        cell: RMS and maximum error of the fit in Hz, points, settings), ``check``
        (network and mean-field stationary rates in Hz, errors in %), ``adaptation``
        (whether the mean field has W) and, when calibrating, ``calibration``
        (:func:`~adexmf.workflows.calibrate.calibration_stage`).

    Raises
    ------
    ParameterError
        A bad cell file, or a cell the grid cannot characterise (before any long work).
    """
    settings = settings or BuildSettings()
    preset = load_preset(cell_file)
    out = check_folder(out, option="out")
    target = check_destination(out / f"{preset.name}_fitted.toml", option="out")
    scan_path = check_destination(out / "fixed_points_vs_drive.nc", option="out")
    echo(f"build {preset.name!r}: checking that both cells can be characterised")
    check_characterisable(preset, settings.seed)
    cells = [preset.network.excitatory_cell, preset.network.inhibitory_cell]
    levels = {cells[0]: adaptation_levels(preset.excitatory)} if adapts(preset) else {}
    result = characterize_and_fit(
        cell_file, cells, out, seeds=settings.seeds, duration=settings.duration,
        seed=settings.seed, progress=progress, echo=echo, w_levels=levels,
    )  # fmt: skip
    final = load_preset(result.summary.pop("preset"))
    final = final.replace(name=f"{preset.name}_fitted", level="corrected",
                          description=f"{preset.description} (transfer functions fitted by "
                          "adexmf build)")  # fmt: skip
    data = result.summary.pop("data")
    if settings.low_rates:
        # The excitatory cell only: its rates at 0.005-1 Hz decide whether a DOWN state
        # exists. Refitting the FS cell as well (tvb_adex_cells) let the first order, started
        # from rest, run into one of its template's spurious high-inhibition states, far
        # outside the fitted 0-20 Hz (docs/paper-vs-code.md, "UP-DOWN states").
        exc = {cells[0]: data[cells[0]]}
        final, result.summary["low_rates"] = low_rate_refit(final, exc, out, echo)
        result.files += [Path(v["file"]) for v in result.summary["low_rates"].values()]
    result.files.append(save_preset(final, target, option="out"))
    echo("  mean-field fixed points vs drive" + (" (with adaptation)" if levels else ""))
    scan = drive_scan_stage(final, scan_path, np.linspace(0.0, 20.0, 41), adaptation=bool(levels))
    result.add(scan, "fixed_points")
    echo(f"  network check at drive {settings.drive:g} Hz ({settings.network_seeds} seeds)")
    check = network_check(target, out, settings, scheduler=scheduler, progress=progress)
    result.summary.update(preset=str(target), check=check, adaptation=bool(levels))
    if settings.calibrate:
        echo("  threshold calibrated on the network (9 drives" + (" x 3 b" if levels else "") + ")")
        model = MeanFieldModel(final, order=2, adaptation=bool(levels))
        result.add(calibration_stage(target, model, out, scheduler, progress), "calibration")
    return result
