"""Single-cell stages: the characterisation of a cell (``adexmf tf characterize``), the fit of
its transfer function (``adexmf tf fit``) and Fig. 2 (``adexmf tf figure2``).

Fig. 2 of Zerlaut et al. (2018), SPEC 7 row 2: each cell is characterised (cached in the
results folder and reused), its template fitted (or the preset's taken), and the cells'
responses to a 200 pA current step simulated (100 ms rest, 400 ms step [code]).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from ..figures.fig2_single_cells import plot_figure2
from ..figures.style import figure_paths
from ..figures.transfer import plot_error_map
from ..netcdf import write_netcdf
from ..params import Cell, Preset, load_preset
from ..singlecell.characterize import characterize_to_file
from ..singlecell.config import CharacterizationConfig
from ..singlecell.fit import fit_dataset
from ..singlecell.refit import fit_file
from ..singlecell.step_responses import step_responses
from ..store import check_destination, check_folder
from ..theory.transfer import TransferFunction
from .stage import StageResult

#: Name of the step responses' file in the results folder.
STEPS_FILE = "figure2_steps.nc"


@dataclass(frozen=True)
class Figure2Data:
    """What Fig. 2 shows, and the files written while computing it.

    Attributes
    ----------
    steps : xarray.Dataset
        Step responses (:func:`adexmf.singlecell.step_responses.step_responses`; SI units).
    data : dict of str to Dataset
        Characterisations by cell (rates in Hz).
    transfer : dict of str to TransferFunction
        Template drawn over each cell's data (fitted, or the preset's).
    source : str
        Where the template comes from (``"fit"`` or ``"preset <name>"``).
    written : dict of str to Path
        Files written: ``data_<cell>`` (characterisations) and ``steps``.
    """

    steps: xr.Dataset
    data: dict[str, xr.Dataset]
    transfer: dict[str, TransferFunction]
    source: str
    written: dict[str, Path]


def figure2_data(
    out: str | Path,
    *,
    preset: str | Preset = "corrected",
    refit: bool = True,
    layout: str = "with_log",
    inhibitory_term: str = "paper",
    config: CharacterizationConfig | None = None,
    cells: tuple[str, ...] = ("RS", "FS"),
    progress: bool = False,
) -> Figure2Data:
    """Run the Fig. 2 protocol and write its data (``tf_<cell>.nc``, ``figure2_steps.nc``).

    Every destination is checked before the work; the figure itself is the caller's (its
    destination is checked there too).

    Parameters
    ----------
    out : str or Path
        Results folder; characterisations are cached there (``tf_<cell>.nc``) and reused.
    preset : str or Preset
        Cells, synapses and network; also the template drawn when ``refit`` is False.
    refit : bool
        Fit the template to the data (``layout``, ``inhibitory_term``) rather than draw the
        preset's transfer functions.
    config : CharacterizationConfig, optional
        Characterisation protocol.
    cells : tuple of str
        Cells of the preset to show.
    progress : bool
        Show progress bars.

    Returns
    -------
    Figure2Data
        The step responses, characterisations and templates, and the files written.
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    out = check_folder(out, option="out")
    check_destination(out / STEPS_FILE, option="out")
    written: dict[str, Path] = {}
    data: dict[str, xr.Dataset] = {}
    transfer: dict[str, TransferFunction] = {}
    for name in cells:
        ds = characterize_to_file(
            p.cells[name], out, p.synapses, p.network, config, progress=progress
        )
        data[name] = xr.load_dataset(ds)
        written[f"data_{name}"] = ds
        if refit:
            transfer[name] = fit_dataset(
                data[name], layout=layout, inhibitory_term=inhibitory_term
            ).transfer_function
        else:
            transfer[name] = TransferFunction.from_preset(p, name)
    steps = step_responses({n: p.cells[n] for n in cells}, p.synapses)
    written["steps"] = write_netcdf(steps, out / STEPS_FILE)
    source = "fit" if refit else f"preset {p.name}"
    return Figure2Data(steps, data, transfer, source, written)



def characterize_stage(
    cell: Cell, preset: Preset, out: Path, config: CharacterizationConfig, *,
    force: bool = False, progress: bool = True,
) -> StageResult:
    """Characterise ``cell`` with the preset's synapses and in-degrees: ``out/tf_<cell>.nc``
    (:func:`adexmf.singlecell.characterize.characterize_to_file`; resumable, reused when up
    to date)."""
    path = characterize_to_file(cell, out, preset.synapses, preset.network, config,
                                progress=progress, force=force)  # fmt: skip
    return StageResult([Path(path)], {"cell": cell.name})


def fit_stage(file: Path, *, error_map: Path | None = None, **options: Any) -> StageResult:
    """Fit the transfer-function template to a characterisation (two steps, SPEC 4.3) and
    write the preset; draw the error map (PNG + SVG) if ``error_map`` is given.

    Keyword arguments go to :func:`adexmf.singlecell.refit.fit_file` (``layout``,
    ``inhibitory_term``, ``adaptation``, ``base_preset``, ``preset_out``).

    Returns
    -------
    StageResult
        Files (the preset, then the error map); summary: the fit's
        (:meth:`adexmf.singlecell.fit.FitResult.summary`, errors in Hz, coefficients in V) with
        ``preset_file``; data ``errors`` (per point).
    """
    if error_map is not None:
        figure_paths(error_map, option="error_map")  # before the fit
    result, path = fit_file(file, **options)
    files = [Path(path)]
    if error_map is not None:
        files += plot_error_map(result.error_map(), error_map, option="error_map")
    summary = {**result.summary(), "preset_file": str(path)}
    return StageResult(files, summary, data={"errors": result.error_map()})


def figure2_stage(out: Path, **options: Any) -> StageResult:
    """Fig. 2: the data (:func:`figure2_data`, keyword arguments) and the figure
    ``out/figure2.png`` and ``.svg``; the figure's destination is checked before the
    characterisations."""
    figure_paths(Path(out) / "figure2", option="out")
    fig2 = figure2_data(out, **options)
    files = [*fig2.written.values()]
    files += plot_figure2(fig2.steps, fig2.data, fig2.transfer, Path(out) / "figure2",
                          fig2.source, option="out")  # fmt: skip
    return StageResult(files, {"source": fig2.source}, data={"steps": fig2.steps, **fig2.data})
