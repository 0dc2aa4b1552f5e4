"""The data of Fig. 2 of Zerlaut et al. (2018): single cells and their transfer functions
(SPEC 7, row 2).

Each cell is characterised (cached in the results folder and reused), its template fitted (or
the preset's taken), and the cells' responses to a 200 pA current step simulated (100 ms
rest, 400 ms step [code]). Nothing is drawn here: the caller draws the result with
:func:`adexmf.figures.fig2_single_cells.plot_figure2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from ..netcdf import write_netcdf
from ..params import Preset, load_preset
from ..singlecell.characterize import characterize_to_file
from ..singlecell.config import CharacterizationConfig
from ..singlecell.fit import fit_dataset
from ..singlecell.step_responses import step_responses
from ..store import check_destination, check_folder
from ..theory.transfer import TransferFunction

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


__all__ = ["STEPS_FILE", "Figure2Data", "figure2_data"]
