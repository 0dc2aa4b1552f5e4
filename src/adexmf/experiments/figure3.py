"""Fig. 3 of Zerlaut et al. (2018): spontaneous activity of the spiking network (SPEC 7 row 3).

Protocol: 1.5 s, external drive ramped linearly from 0 to 4 Hz over the first 100 ms, then
constant. Figure: raster of 400 excitatory and 100 inhibitory cells, population rates in
5 ms bins with the drive, membrane potential and conductances of 3 + 3 sample cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..network import Drive, NetworkModel, Recorders, simulate

#: Duration of the protocol (s).
DURATION = 1.5
#: Ramp of the drive (s).
RAMP = 0.1
#: Cells shown in the raster, per population.
RASTER_CELLS = {"exc": 400, "inh": 100}
#: Sample cells traced per population.
TRACED_CELLS = 3
#: Colours of the two populations (the paper's: green excitatory, red inhibitory).
COLOURS = {"exc": "#2ca02c", "inh": "#d62728", "drive": "0.3"}


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
        drive=Drive(rate=model.drive.rate, ramp=RAMP, model=model.drive.model),
        recorders=Recorders(traced=traced, variables=("V", "G_e", "G_i", "w")),
    )
    ds = simulate(model, DURATION, seed, backend=backend, mode=mode)
    ds.attrs["experiment"] = "figure3"
    return ds


def _style():
    """The shared plotting style if the package has one, else a local equivalent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        from .. import plotting  # type: ignore[attr-defined]

        apply = getattr(plotting, "apply_style", None) or getattr(plotting, "use_style", None)
        if callable(apply):
            apply()
            return plt
    except ImportError:
        pass
    plt.rcParams.update(
        {
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 9,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "figure.dpi": 150,
        }
    )
    return plt


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
    for var in ("V", "G_e", "G_i"):
        if var not in ds:
            raise ParameterError(
                f"the Dataset has no traces of {var}; run the network with traced cells "
                "(adexmf network figure3 does)"
            )
    plt = _style()
    n_exc = int(ds.attrs["n_exc"])
    t_ms = ds["time"].values * 1e3
    spike_t = ds["spike_time"].values * 1e3
    spike_n = ds["spike_neuron"].values

    fig = plt.figure(figsize=(7.2, 8.0), constrained_layout=True)
    grid = fig.add_gridspec(4, 2, height_ratios=[2.2, 1.2, 1.4, 1.4])
    ax_raster = fig.add_subplot(grid[0, :])
    ax_rate = fig.add_subplot(grid[1, :], sharex=ax_raster)

    # A: raster, inhibitory cells at the bottom, excitatory cells above.
    n_show_inh, n_show_exc = RASTER_CELLS["inh"], RASTER_CELLS["exc"]
    inh = (spike_n >= n_exc) & (spike_n < n_exc + n_show_inh)
    exc = spike_n < n_show_exc
    ax_raster.plot(spike_t[inh], spike_n[inh] - n_exc, "|", ms=1.5, mew=0.6, color=COLOURS["inh"])
    ax_raster.plot(
        spike_t[exc], spike_n[exc] + n_show_inh, "|", ms=1.5, mew=0.6, color=COLOURS["exc"]
    )
    ax_raster.set_ylim(-2, n_show_inh + n_show_exc + 2)
    ax_raster.set_yticks([n_show_inh / 2, n_show_inh + n_show_exc / 2])
    ax_raster.set_yticklabels([f"{n_show_inh}\ninh.", f"{n_show_exc}\nexc."])
    ax_raster.set_title("A  spiking activity")
    ax_raster.tick_params(labelbottom=False)

    # B: 5 ms-binned population rates and the drive.
    tb = ds["time_bin"].values * 1e3
    for k, pop in enumerate(("exc", "inh")):
        ax_rate.plot(tb, ds["rate_binned"].values[k], color=COLOURS[pop], lw=0.8,
                     label=r"$\nu_e$" if pop == "exc" else r"$\nu_i$")  # fmt: skip
    ax_rate.plot(t_ms, ds["drive"].values, color=COLOURS["drive"], lw=1.2, ls="--",
                 label=r"drive $\nu_{drive}$")  # fmt: skip
    ax_rate.set_ylabel("rate (Hz)")
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_title("B  population rates (5 ms bins)")
    ax_rate.legend(frameon=False, ncol=3, loc="upper left")
    ax_rate.set_xlim(t_ms[0], t_ms[-1] + (t_ms[1] - t_ms[0]))

    # C, D: V and conductances of the sample cells.
    pops = ds["cell_population"].values
    cells = ds["cell"].values
    for col, pop in enumerate(("exc", "inh")):
        ax_v = fig.add_subplot(grid[2, col], sharex=ax_raster)
        ax_g = fig.add_subplot(grid[3, col], sharex=ax_raster)
        rows = np.flatnonzero(pops == pop)
        for shift, r in enumerate(rows):
            v = ds["V"].values[r] * 1e3
            # Draw each spike as a bar to 0 mV (V is reset within the step of the spike).
            spikes = spike_t[spike_n == cells[r]]
            ax_v.plot(t_ms, v, color=COLOURS[pop], lw=0.5, alpha=1.0 - 0.25 * shift)
            ax_v.vlines(spikes, -50, -40, color=COLOURS[pop], lw=0.5, alpha=1.0 - 0.25 * shift)
            ax_g.plot(t_ms, ds["G_e"].values[r] * 1e9, color=COLOURS["exc"], lw=0.4,
                      alpha=1.0 - 0.25 * shift)  # fmt: skip
            ax_g.plot(t_ms, ds["G_i"].values[r] * 1e9, color=COLOURS["inh"], lw=0.4,
                      alpha=1.0 - 0.25 * shift)  # fmt: skip
        name = "excitatory (RS)" if pop == "exc" else "inhibitory (FS)"
        ax_v.set_title(f"{'C' if col == 0 else 'D'}  {len(rows)} {name} cells")
        ax_v.set_ylabel("V (mV)")
        ax_v.tick_params(labelbottom=False)
        ax_g.set_ylabel(r"$G_e$, $G_i$ (nS)")
        ax_g.set_xlabel("time (ms)")
    seed = ds.attrs.get("seed", "?")
    fig.suptitle(
        f"Spontaneous activity, {n_exc + int(ds.attrs['n_inh'])} neurons, "
        f"{ds.attrs.get('backend', '')}, seed {seed}",
        fontsize=9,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "figure3.png", out_dir / "figure3.svg"]
    for path in paths:
        fig.savefig(path)
    plt.close(fig)
    return paths
