"""Fig. 3 of Zerlaut et al. (2018): spontaneous activity of the spiking network (SPEC 7 row 3).

Raster of 400 excitatory and 100 inhibitory cells, population rates in 5 ms bins with the
drive, membrane potential and conductances of 3 + 3 sample cells. The data come from
:func:`adexmf.workflows.network.run_figure3` (or any network run with traced cells); SI
inside, ms, mV and nS on the axes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import ParameterError
from ..network import check_layout
from .style import COLORS, LABELS, envelope, legend_on_top, panel_label, save_figure, style

#: Cells shown in the raster, per population.
RASTER_CELLS = {"exc": 400, "inh": 100}


def plot_figure3(ds: xr.Dataset, path: str | Path, *, option: str | None = None) -> list[Path]:
    """Draw Fig. 3 from a network result and write it as PNG and SVG.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`adexmf.workflows.network.run_figure3` (or of any network run
        with traced cells; SI units).
    path : str or Path
        Output file (PNG and SVG are written, :func:`~adexmf.figures.style.save_figure`).
    option : str, optional
        Name of the parameter or option that gave ``path``, named in errors.

    Returns
    -------
    list of Path
        The PNG and SVG files written.

    Raises
    ------
    ParameterError
        If the Dataset has no traced V, G_e and G_i.
    """
    check_layout(ds)
    for var in ("V", "G_e", "G_i"):
        if var not in ds:
            raise ParameterError(
                f"the Dataset has no traces of {var}; run the network with traced cells "
                "(adexmf network figure3 does)"
            )
    with style():
        fig = Figure(figsize=(7.2, 8.4), layout="constrained")  # panels on their own grid
        FigureCanvasAgg(fig)
        _draw(fig, ds)
    return save_figure(fig, path, option=option)


def _draw(fig, ds: xr.Dataset) -> None:
    """The four panels of Fig. 3 (human units on the axes)."""
    grid = fig.add_gridspec(4, 2, height_ratios=[2.2, 1.3, 1.3, 1.3])
    ax_raster = fig.add_subplot(grid[0, :])
    ax_rate = fig.add_subplot(grid[1, :], sharex=ax_raster)
    _raster(ax_raster, ds)
    _rates(ax_rate, ds)
    for col, pop in enumerate(("exc", "inh")):
        ax_v = fig.add_subplot(grid[2, col], sharex=ax_raster)
        ax_g = fig.add_subplot(grid[3, col], sharex=ax_raster)
        _traces(ax_v, ax_g, ds, pop)
        panel_label(ax_v, "C" if col == 0 else "D")
    fig.suptitle(
        f"Spontaneous activity: {int(ds.attrs['n_exc']) + int(ds.attrs['n_inh'])} neurons, "
        f"{ds.attrs.get('backend', '')}, seed {ds.attrs.get('seed', '?')}"
    )


def _raster(ax, ds: xr.Dataset) -> None:
    """A: raster, the first inhibitory cells at the bottom, the first excitatory cells above."""
    n_exc = int(ds.attrs["n_exc"])
    spike_t = ds["spike_time"].values * 1e3
    spike_n = ds["spike_neuron"].values
    n_inh, n_exc_shown = RASTER_CELLS["inh"], RASTER_CELLS["exc"]
    inh = (spike_n >= n_exc) & (spike_n < n_exc + n_inh)
    exc = spike_n < n_exc_shown
    marker = {"marker": "|", "ls": "none", "ms": 1.6, "mew": 0.6}
    ax.plot(spike_t[inh], spike_n[inh] - n_exc, color=COLORS["inh"], **marker)
    ax.plot(spike_t[exc], spike_n[exc] + n_inh, color=COLORS["exc"], **marker)
    ax.set_ylim(-2, n_inh + n_exc_shown + 2)
    ax.set_yticks([n_inh / 2, n_inh + n_exc_shown / 2])
    ax.set_yticklabels([f"{n_inh}\ninh.", f"{n_exc_shown}\nexc."])
    ax.set_ylabel("neurons")
    ax.tick_params(labelbottom=False)
    panel_label(ax, "A")


def _rates(ax, ds: xr.Dataset) -> None:
    """B: 5 ms-binned population rates with the drive."""
    t_ms = ds["time"].values * 1e3
    tb = ds["time_bin"].values * 1e3
    for pop in ("exc", "inh"):
        label = r"$\nu_e$ (exc.)" if pop == "exc" else r"$\nu_i$ (inh.)"
        rate = ds["rate_binned"].sel(population=pop).values
        ax.plot(*envelope(tb, rate), color=COLORS[pop], lw=0.9, label=label)
    ax.plot(*envelope(t_ms, ds["drive"].values), color=COLORS["drive"], lw=1.4, ls="--",
            label=r"drive $\nu_{drive}$")  # fmt: skip
    ax.set_ylabel("rate (Hz), 5 ms bins")
    ax.set_xlim(t_ms[0], t_ms[-1] + (t_ms[1] - t_ms[0]))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (ms)")
    legend_on_top(ax, ncol=3)
    panel_label(ax, "B")


def _traces(ax_v, ax_g, ds: xr.Dataset, pop: str) -> None:
    """C, D: V and conductances of the sample cells; spikes drawn as bars above threshold."""
    t_ms = ds["time"].values * 1e3
    spike_t = ds["spike_time"].values * 1e3
    spike_n = ds["spike_neuron"].values
    cells = ds["cell"].values
    rows = np.flatnonzero(ds["cell_population"].values == pop)
    for shade, r in enumerate(rows):
        alpha = 1.0 - 0.3 * shade
        spikes = spike_t[spike_n == cells[r]]
        v, g_e, g_i = (ds[var].isel(cell=r).values for var in ("V", "G_e", "G_i"))
        ax_v.plot(*envelope(t_ms, v * 1e3), color=COLORS[pop], lw=0.5, alpha=alpha)
        ax_v.vlines(spikes, -45, -35, color=COLORS[pop], lw=0.5, alpha=alpha)
        ax_g.plot(*envelope(t_ms, g_i * 1e9), color=COLORS["inh"], lw=0.4, alpha=alpha)
        ax_g.plot(*envelope(t_ms, g_e * 1e9), color=COLORS["exc"], lw=0.4, alpha=alpha)
    ax_v.set_title(f"{len(rows)} {LABELS[pop]} cells", loc="left")
    ax_v.set_ylabel("V (mV)")
    ax_v.tick_params(labelbottom=False)
    ax_g.set_ylabel(r"$G_e$ (green), $G_i$ (red) (nS)")
    ax_g.set_xlabel("time (ms)")


__all__ = ["RASTER_CELLS", "plot_figure3"]
