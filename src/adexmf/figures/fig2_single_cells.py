"""Fig. 2 of Zerlaut et al. (2018): single cells and their transfer functions (SPEC 7, row 2).

(A, B) membrane potential of the RS and FS cells under a 200 pA current step; (C, D)
transfer-function data, mean +- standard error over seeds, versus the excitatory input for
each inhibitory level, with the fitted template as lines. The data come from
:func:`adexmf.singlecell.step_responses.step_responses` and
:func:`adexmf.singlecell.characterize.characterize`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ..theory.transfer import TransferFunction
from .style import COLORS, envelope, legend_on_top, new_figure, panel_label, save_figure, style

#: Display value of V at a spike (V); the model itself resets at threshold.
SPIKE_PEAK = 0.0


def _plot_step(ax, ax_current, steps: xr.Dataset, name: str, color: str) -> None:
    s = steps.sel(cell=name)
    V = s["V"].values.copy()
    V[s["spike"].values] = SPIKE_PEAK  # draw spikes as vertical strokes
    t_ms = steps["time"].values * 1e3
    ax.plot(*envelope(t_ms, V * 1e3), lw=0.8, color=color)
    ax.set_ylabel("V (mV)")
    ax.set_title(f"{name} cell, {steps['current'].values.max() * 1e12:g} pA step")
    ax.tick_params(labelbottom=False)
    ax_current.plot(*envelope(t_ms, steps["current"].values * 1e12), color=COLORS["drive"], lw=1)
    ax_current.set_ylabel("I (pA)")
    ax_current.set_xlabel("time (ms)")
    ax_current.set_xlim(t_ms[0], t_ms[-1])
    ax.set_xlim(t_ms[0], t_ms[-1])


def _plot_transfer(ax, ds: xr.Dataset, tf: TransferFunction, name: str, source: str) -> None:
    levels = np.unique(ds["nu_i"].values)
    top = 1.05 * float(ds["rate_mean"].max())
    cmap = mpl.colormaps["viridis"]
    for k, ni in enumerate(levels):
        color = cmap(k / max(len(levels) - 1, 1))
        m = ds["nu_i"].values == ni
        e = ds["nu_e"].values[m]
        ax.errorbar(
            e, ds["rate_mean"].values[m], yerr=ds["rate_sem"].values[m], fmt="o", ms=2.5,
            color=color, elinewidth=0.8, capsize=0, label=f"{ni:.1f}",
        )  # fmt: skip
        grid = np.linspace(0.0, e.max() * 1.05, 200)
        # the curve runs 5 % past the data on purpose: no out-of-domain warning for a plot
        curve = tf.evaluate(grid, np.full_like(grid, ni), check_domain=False).rate
        ax.plot(grid, np.where(curve <= top, curve, np.nan), color=color, lw=1)
    ax.set_ylim(0, top)
    ax.set_xlabel(r"excitatory input $\nu_e$ (Hz)")
    ax.set_ylabel(r"output rate $\nu_{out}$ (Hz)")
    p = tf.params
    ax.set_title(f"{name}: data (mean $\\pm$ s.e.) and {source}\n"
                 f"({p.layout}, {p.inhibitory_term} formula)")  # fmt: skip
    legend_on_top(ax, ncol=4, room=0.3)
    ax.get_legend().set_title(r"$\nu_i$ (Hz)")


def draw_figure2(
    steps: xr.Dataset,
    data: Mapping[str, xr.Dataset],
    transfer: Mapping[str, TransferFunction],
    source: str = "fit",
) -> Figure:
    """Draw Fig. 2: step responses (top) and transfer functions (bottom), one column per cell.

    Parameters
    ----------
    steps : xarray.Dataset
        Output of :func:`adexmf.singlecell.step_responses.step_responses` (SI units).
    data : mapping of str to Dataset
        Characterisations (:func:`~adexmf.singlecell.characterize.characterize`) by cell;
        rates in Hz.
    transfer : mapping of str to TransferFunction
        Template drawn over each cell's data.
    source : str
        Where the template comes from, shown in the titles (e.g. ``"fit"``, a preset name).

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(data)
    cell_colors = [COLORS["exc"], COLORS["inh"], COLORS["network"]]
    with style():
        fig, axes = new_figure(
            3.6 * len(names), 7.0, nrows=3, ncols=len(names),
            gridspec_kw={"height_ratios": [3.0, 0.7, 4.0]},
        )  # fmt: skip
        for j, name in enumerate(names):
            color = cell_colors[min(j, len(cell_colors) - 1)]
            _plot_step(axes[0, j], axes[1, j], steps, name, color)
            _plot_transfer(axes[2, j], data[name], transfer[name], name, source)
        for j in range(len(names)):
            panel_label(axes[0, j], "ABCDEFGH"[j])
            panel_label(axes[2, j], "ABCDEFGH"[len(names) + j])
    return fig


def plot_figure2(
    steps: xr.Dataset,
    data: Mapping[str, xr.Dataset],
    transfer: Mapping[str, TransferFunction],
    path: str | Path,
    source: str = "fit",
    *,
    option: str | None = None,
) -> list[Path]:
    """Draw Fig. 2 (:func:`draw_figure2`) and write it as PNG and SVG.

    Parameters
    ----------
    steps, data, transfer, source
        As in :func:`draw_figure2`.
    path : str or Path
        Output file (PNG and SVG are written, :func:`~adexmf.figures.style.save_figure`).
    option : str, optional
        Name of the parameter or option that gave ``path``, named in errors.

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    fig = draw_figure2(steps, data, transfer, source)
    return save_figure(fig, path, option=option)


__all__ = ["SPIKE_PEAK", "draw_figure2", "plot_figure2"]
