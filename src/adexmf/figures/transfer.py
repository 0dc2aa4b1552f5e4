"""Figures of the transfer functions: output rate vs input, and the error map of a fit
(style and save convention: :mod:`adexmf.figures.style`). Rates in Hz."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from .style import COLORS, new_figure, save_figure, style


def plot_transfer_functions(
    table: xr.Dataset,
    path: str | Path,
    nu_i_levels: Sequence[float] = (0.0, 5.0, 10.0, 20.0),
    max_fitted_rate: float = 33.0,
) -> list[Path]:
    """Output rate vs excitatory input of each cell at a few inhibitory inputs.

    Parameters
    ----------
    table : xarray.Dataset
        :func:`adexmf.workflows.transfer.transfer_function_table` (``rate(cell, nu_e, nu_i)``, Hz).
    path : str or Path
        Output file (PNG and SVG).
    nu_i_levels : sequence of float
        Inhibitory rates per synapse (Hz) drawn, darker for more inhibition; points outside
        the domain of the fit, or above the highest output rate the fits were made on
        (``max_fitted_rate``), are drawn thin and dotted.
    max_fitted_rate : float
        Output rate (Hz) up to which the transfer functions were characterised.
    """
    cells = [str(c) for c in table.cell.values]
    with style():
        fig, axes = new_figure(3.3 * len(cells), 3.0, ncols=len(cells))
        for ax, cell in zip(axes[0], cells, strict=True):
            base = COLORS["exc"] if cell == cells[0] else COLORS["inh"]
            for k, level in enumerate(nu_i_levels):
                row = table.sel(cell=cell).sel(nu_i=level, method="nearest")
                outside = row.outside_fit_domain.values.astype(bool)
                outside |= np.maximum.accumulate(row.rate.values) > max_fitted_rate
                shade = 1.0 - 0.6 * k / max(len(nu_i_levels) - 1, 1)
                inside_rate = np.where(outside, np.nan, row.rate.values)
                ax.plot(row.nu_e, inside_rate, color=base, alpha=shade,
                        label=f"$\\nu_i$ = {float(row.nu_i):g} Hz")  # fmt: skip
                ax.plot(row.nu_e, np.where(outside, row.rate.values, np.nan), color=base,
                        alpha=shade, lw=0.8, ls=":")  # fmt: skip
            ax.set_xlabel("excitatory input $\\nu_e$ per synapse (Hz)")
            ax.set_ylabel(f"{cell} output rate (Hz)")
            ax.set_ylim(0, 1.4 * max_fitted_rate)
            ax.legend(loc="upper left")
        fig.suptitle(f"Transfer functions, preset {table.attrs.get('preset', '')}\n(dotted: "
                     f"outside the fits' domain or above {max_fitted_rate:g} Hz)")  # fmt: skip
    return save_figure(fig, path)


def plot_error_map(
    errors: xr.Dataset, path: str | Path, *, option: str | None = None
) -> list[Path]:
    """Scatter of a fit's error (template - data, Hz) in the (nu_e, nu_i) plane.

    Parameters
    ----------
    errors : xarray.Dataset
        :meth:`adexmf.singlecell.fit.FitResult.error_map`: ``nu_e``, ``nu_i`` (Hz) and
        ``residual`` (Hz) per point; attrs ``cell``, ``rmse_Hz``, ``max_error_Hz``.
    path : str or Path
        Output file (PNG and SVG).
    option : str, optional
        Name of the parameter or option that gave ``path``, named in errors.

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    err = errors["residual"].values
    lim = max(float(np.max(np.abs(err))), 1e-6)
    with style():
        fig, axes = new_figure(4.5, 3.5)
        ax = axes[0, 0]
        sc = ax.scatter(errors["nu_e"].values, errors["nu_i"].values, c=err, cmap="RdBu_r",
                        vmin=-lim, vmax=lim, s=18)  # fmt: skip
        fig.colorbar(sc, ax=ax, label="template - data (Hz)")
        ax.set_xlabel(r"$\nu_e$ (Hz)")
        ax.set_ylabel(r"$\nu_i$ (Hz)")
        a = errors.attrs
        ax.set_title(
            f"{a.get('cell', '')}: RMS {a['rmse_Hz']:.2f} Hz, max {a['max_error_Hz']:.2f} Hz",
            fontsize=9,
        )
    return save_figure(fig, path, option=option)
