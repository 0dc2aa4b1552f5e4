"""A preset refitted from single-cell data: the fitted transfer functions put into a copy of
a preset (:func:`preset_with_fits`), and a characterisation file fitted and written as a
preset TOML (:func:`fit_file`, ``adexmf tf fit``). The fit itself is
:mod:`adexmf.singlecell.fit`; its error map is drawn by
:func:`adexmf.figures.transfer.plot_error_map`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError
from ..netcdf import read_netcdf
from ..params import Preset, load_preset, save_preset
from ..store import check_destination
from .fit import FitResult, check_characterization, fit_dataset


def preset_with_fits(
    base: Preset, fits: list[FitResult], *, name: str | None = None, description: str | None = None
) -> Preset:
    """A copy of ``base`` whose transfer functions (and cells) are replaced by ``fits``.

    Raises
    ------
    ParameterError
        If a fit was made with other synapses or in-degrees than the preset's.
    """
    cells = dict(base.cells)
    transfer = dict(base.transfer)
    for fit in fits:
        if fit.synapses != base.synapses:
            raise ParameterError(
                f"fit of {fit.cell.name}: its synapses differ from those of preset {base.name!r}"
            )
        if (fit.network.K_e, fit.network.K_i) != (base.network.K_e, base.network.K_i):
            raise ParameterError(
                f"fit of {fit.cell.name}: in-degrees K_e, K_i = {fit.network.K_e:g}, "
                f"{fit.network.K_i:g} differ from preset {base.name!r}"
            )
        cells[fit.cell.name] = fit.cell
        transfer[fit.cell.name] = fit.params
    return base.replace(
        name=name or base.name,
        description=base.description if description is None else description,
        cells=cells,
        transfer=transfer,
    )


def fit_file(
    file: Path,
    *,
    layout: str = "with_log",
    inhibitory_term: str = "paper",
    adaptation: str = "none",
    loss: str = "rate",
    base_preset: str = "corrected",
    preset_out: Path | None = None,
) -> tuple[FitResult, Path]:
    """Fit a characterisation file and write the refitted preset (``adexmf tf fit``).

    Nothing is drawn: the error map of the fit is
    :func:`adexmf.figures.transfer.plot_error_map` of
    :meth:`~adexmf.singlecell.fit.FitResult.error_map`.

    Parameters
    ----------
    file : Path
        A characterisation NetCDF written by ``adexmf tf characterize``.
    layout, inhibitory_term, adaptation, loss
        As in :func:`fit_dataset`.
    base_preset : str
        Preset whose transfer function of the fitted cell is replaced.
    preset_out : Path, optional
        Preset TOML written; default ``file`` with the suffix ``_fit.toml``.

    Returns
    -------
    (FitResult, Path)
        The fit and the preset file written.

    Raises
    ------
    InputFileError
        If the file is missing, unreadable or not a characterisation.
    OutputError
        If ``preset_out`` cannot be written (checked before the fit).
    """
    file = Path(file)
    path = Path(preset_out) if preset_out is not None else file.with_name(f"{file.stem}_fit.toml")
    check_destination(path, option="preset_out")
    ds = read_netcdf(
        file, what="characterisation file", hint="give a file written by `adexmf tf characterize`"
    )
    check_characterization(ds)
    note = (
        f"fitted by adexmf tf fit on {file.name} ({ds.sizes['point']} points x "
        f"{ds.sizes['seed']} seeds, {ds.attrs.get('duration_s', float('nan')):g} s each)"
    )
    result = fit_dataset(
        ds, layout=layout, inhibitory_term=inhibitory_term, adaptation=adaptation, loss=loss,
        note=note,
    )
    base = load_preset(base_preset)
    preset = preset_with_fits(
        base, [result], name=f"{base.name}-fit",
        description=f"{base.description}; {result.cell.name} refitted ({note})",
    )  # fmt: skip
    save_preset(preset, path, option="preset_out")
    return result, path


__all__ = ["fit_file", "preset_with_fits"]
