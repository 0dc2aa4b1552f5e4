"""Fig. 3 of Zerlaut et al. (2018): spontaneous activity of the spiking network (SPEC 7 row 3).

Protocol: 1.5 s, external drive ramped linearly from 0 to 4 Hz over the first 100 ms, then
constant. Figure: raster of 400 excitatory and 100 inhibitory cells, population rates in
5 ms bins with the drive, membrane potential and conductances of 3 + 3 sample cells.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..figures.style import (
    COLORS,
    LABELS,
    envelope,
    figure_paths,
    legend_on_top,
    panel_label,
    save_figure,
    style,
)
from ..network import NetworkModel, Recorders, check_layout, simulate
from ..store import check_destination, check_folder, read_netcdf, write_netcdf

#: Duration of the protocol (s).
DURATION = 1.5
#: Ramp of the drive (s).
RAMP = 0.1
#: Cells shown in the raster, per population.
RASTER_CELLS = {"exc": 400, "inh": 100}
#: Sample cells traced per population.
TRACED_CELLS = 3


def run_figure3(
    model: NetworkModel | None = None,
    *,
    seed: int = 5,
    backend: str = "brian2",
    mode: str = "runtime",
) -> xr.Dataset:
    """Run the Fig. 3 protocol.

    Parameters
    ----------
    model : NetworkModel, optional
        Network (default: the paper's, 10,000 neurons, drive 4 Hz); the drive ramp is set to
        100 ms and 3 + 3 cells are traced (V, G_e, G_i, w).
    seed : int
        Seed of the run.
    backend, mode : str
        See :func:`adexmf.network.simulate`.

    Returns
    -------
    xarray.Dataset
        The network result (SI units) with ``attrs["experiment"] = "figure3"``.
    """
    model = NetworkModel.from_preset() if model is None else model
    traced = {p.name: tuple(range(min(TRACED_CELLS, p.size))) for p in model.populations}
    model = model.replace(
        drive=dataclasses.replace(model.drive, ramp=RAMP),
        recorders=Recorders(traced=traced, variables=("V", "G_e", "G_i", "w")),
    )
    ds = simulate(model, DURATION, seed, backend=backend, mode=mode)
    ds.attrs["experiment"] = "figure3"
    return ds


def plot_figure3(ds: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Draw Fig. 3 from a network result and write it as PNG and SVG.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`run_figure3` (or of any network run with traced cells).
    out_dir : path
        Output folder (created if needed).

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    check_layout(ds)
    for var in ("V", "G_e", "G_i"):
        if var not in ds:
            raise ParameterError(
                f"the Dataset has no traces of {var}; run the network with traced cells "
                "(adexmf network figure3 does)"
            )
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=(7.2, 8.4), layout="constrained")
        FigureCanvasAgg(fig)
        _draw(fig, ds)
        paths = save_figure(fig, Path(out_dir) / "figure3", option="--out")
    return paths


def figure3_stage(
    out: str | Path,
    *,
    model: NetworkModel | None = None,
    data: str | Path | None = None,
    seed: int = 5,
    backend: str = "brian2",
    mode: str = "runtime",
) -> list[Path]:
    """Fig. 3 into ``out`` (``adexmf network figure3``): from a saved network result
    (``data``) or by running the protocol (:func:`run_figure3`, result kept as
    ``figure3.nc``). Every destination is checked, and ``data`` read, before any simulation.

    Returns
    -------
    list of Path
        The files written (data first when simulated, then PNG and SVG).

    Raises
    ------
    OutputError, InputFileError
        For an unwritable ``out`` or an unreadable ``data``, before the work.
    """
    out = check_folder(out, option="--out")
    figure_paths(out / "figure3", option="--out")
    written: list[Path] = []
    if data is not None:
        ds = read_netcdf(
            data, what="--data", hint="give a file written by `adexmf network run --out`"
        )
    else:
        target = check_destination(out / "figure3.nc", option="--out")
        ds = run_figure3(model, seed=seed, backend=backend, mode=mode)
        written.append(write_netcdf(ds, target, option="--out"))
    return written + plot_figure3(ds, out)


def _draw(fig, ds: xr.Dataset) -> None:
    """The four panels of Fig. 3 (human units on the axes)."""
    n_exc = int(ds.attrs["n_exc"])
    t_ms = ds["time"].values * 1e3
    spike_t = ds["spike_time"].values * 1e3
    spike_n = ds["spike_neuron"].values
    grid = fig.add_gridspec(4, 2, height_ratios=[2.2, 1.3, 1.3, 1.3])
    ax_raster = fig.add_subplot(grid[0, :])
    ax_rate = fig.add_subplot(grid[1, :], sharex=ax_raster)

    # A: raster, the first inhibitory cells at the bottom, the first excitatory cells above.
    n_inh, n_exc_shown = RASTER_CELLS["inh"], RASTER_CELLS["exc"]
    inh = (spike_n >= n_exc) & (spike_n < n_exc + n_inh)
    exc = spike_n < n_exc_shown
    marker = {"marker": "|", "ls": "none", "ms": 1.6, "mew": 0.6}
    ax_raster.plot(spike_t[inh], spike_n[inh] - n_exc, color=COLORS["inh"], **marker)
    ax_raster.plot(spike_t[exc], spike_n[exc] + n_inh, color=COLORS["exc"], **marker)
    ax_raster.set_ylim(-2, n_inh + n_exc_shown + 2)
    ax_raster.set_yticks([n_inh / 2, n_inh + n_exc_shown / 2])
    ax_raster.set_yticklabels([f"{n_inh}\ninh.", f"{n_exc_shown}\nexc."])
    ax_raster.set_ylabel("neurons")
    ax_raster.tick_params(labelbottom=False)
    panel_label(ax_raster, "A")

    # B: 5 ms-binned population rates with the drive.
    tb = ds["time_bin"].values * 1e3
    for pop in ("exc", "inh"):
        label = r"$\nu_e$ (exc.)" if pop == "exc" else r"$\nu_i$ (inh.)"
        rate = ds["rate_binned"].sel(population=pop).values
        ax_rate.plot(tb, rate, color=COLORS[pop], lw=0.9, label=label)
    ax_rate.plot(*envelope(t_ms, ds["drive"].values), color=COLORS["drive"], lw=1.4, ls="--",
                 label=r"drive $\nu_{drive}$")  # fmt: skip
    ax_rate.set_ylabel("rate (Hz), 5 ms bins")
    ax_rate.set_xlim(t_ms[0], t_ms[-1] + (t_ms[1] - t_ms[0]))
    ax_rate.set_ylim(bottom=0)
    ax_rate.set_xlabel("time (ms)")
    legend_on_top(ax_rate, ncol=3)
    panel_label(ax_rate, "B")

    # C, D: V and conductances of the sample cells; spikes drawn as bars above threshold.
    pops = ds["cell_population"].values
    cells = ds["cell"].values
    for col, pop in enumerate(("exc", "inh")):
        ax_v = fig.add_subplot(grid[2, col], sharex=ax_raster)
        ax_g = fig.add_subplot(grid[3, col], sharex=ax_raster)
        rows = np.flatnonzero(pops == pop)
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
        panel_label(ax_v, "C" if col == 0 else "D")
    fig.suptitle(
        f"Spontaneous activity: {n_exc + int(ds.attrs['n_inh'])} neurons, "
        f"{ds.attrs.get('backend', '')}, seed {ds.attrs.get('seed', '?')}"
    )
