"""Fig. 2 of Zerlaut et al. (2018): single cells and their transfer functions (SPEC 7, row 2).

(A, B) membrane potential of the RS and FS cells under a 200 pA current step (100 ms rest,
400 ms step [code]); (C, D) transfer-function data, mean +- standard error over seeds, versus
the excitatory input for each inhibitory level, with the fitted template as lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from ..figures.style import (
    COLORS,
    envelope,
    figure_paths,
    legend_on_top,
    new_figure,
    panel_label,
    save_figure,
    style,
)
from ..params import Cell, Preset, Synapses, load_preset
from ..singlecell.characterize import CharacterizationConfig, characterize_to_file
from ..singlecell.fit import fit_dataset
from ..singlecell.simulate import CurrentStep, simulate_cells
from ..store import check_destination, check_folder, provenance, write_netcdf
from ..theory.transfer import TransferFunction

#: Display value of V at a spike (V); the model itself resets at threshold.
SPIKE_PEAK = 0.0


def step_responses(
    cells: Mapping[str, Cell],
    synapses: Synapses,
    *,
    amplitude: float = 200e-12,
    rest: float = 0.1,
    step: float = 0.4,
    after: float = 0.1,
    dt: float = 5e-5,
) -> xr.Dataset:
    """Responses of isolated cells (no synaptic input) to a current step.

    Parameters
    ----------
    cells : mapping of str to Cell
        Cells to stimulate, by name.
    synapses : Synapses
        Unused by the protocol (no input), required by the simulator.
    amplitude : float
        Step amplitude (A); Fig. 2: 200 pA.
    rest, step, after : float
        Durations before, during and after the step (s).
    dt : float
        Time step (s).

    Returns
    -------
    xarray.Dataset
        ``V`` and ``w`` (cell, time) in V and A, ``spike`` (cell, time) markers, ``current``
        (time) in A.
    """
    duration = rest + step + after
    V, w, spikes = [], [], []
    for cell in cells.values():
        res = simulate_cells(
            cell, synapses, 0.0, 0.0, duration=duration, dt=dt, record=[0],
            current_steps=[CurrentStep(rest, rest + step, amplitude)],
        )  # fmt: skip
        V.append(res.V[0])
        w.append(res.w[0])
        spikes.append(res.spikes[0])
        time = res.time
    current = np.where((time >= rest) & (time < rest + step), amplitude, 0.0)
    return xr.Dataset(
        {
            "V": (("cell", "time"), np.array(V), {"units": "V"}),
            "w": (("cell", "time"), np.array(w), {"units": "A"}),
            "spike": (("cell", "time"), np.array(spikes)),
            "current": (("time",), current, {"units": "A"}),
        },
        coords={"cell": list(cells), "time": time},
        attrs={**provenance(), "protocol": f"{amplitude * 1e12:g} pA step, {step * 1e3:g} ms"},
    )


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
    import matplotlib as mpl

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


def plot_figure2(
    steps: xr.Dataset,
    data: Mapping[str, xr.Dataset],
    transfer: Mapping[str, TransferFunction],
    source: str = "fit",
):
    """Draw Fig. 2: step responses (top) and transfer functions (bottom), one column per cell.

    Parameters
    ----------
    steps : xarray.Dataset
        Output of :func:`step_responses`.
    data : mapping of str to Dataset
        Characterisations (:func:`~adexmf.singlecell.characterize.characterize`) by cell.
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


def run_figure2(
    out: str | Path,
    *,
    preset: str | Preset = "corrected",
    refit: bool = True,
    layout: str = "with_log",
    inhibitory_term: str = "paper",
    config: CharacterizationConfig | None = None,
    cells: tuple[str, ...] = ("RS", "FS"),
    progress: bool = False,
) -> dict[str, Path]:
    """Run the Fig. 2 protocol and write ``figure2.png``, ``figure2.svg`` and the data to ``out``.

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
    dict of str to Path
        Paths of the written files.
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    out = check_folder(out, option="--out")
    check_destination(out / "figure2_steps.nc", option="--out")
    figure_paths(out / "figure2", option="--out")
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
    written["steps"] = write_netcdf(steps, out / "figure2_steps.nc")
    fig = plot_figure2(steps, data, transfer, "fit" if refit else f"preset {p.name}")
    for path in save_figure(fig, out / "figure2", option="--out"):  # atomic, one by one
        written[path.suffix[1:]] = path
    return written


__all__ = [
    "plot_figure2",
    "run_figure2",
    "step_responses",
]
