"""Figures of a network of columns on a connectome: the structure, the regions x time
raster of the excitatory rates, the time-averaged rates, and the functional connectivity
(rates, BOLD when computed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.colors import LogNorm

from .style import new_figure, panel_label, save_figure, style


def _image(fig, ax, values, title, cmap, **kwargs):
    im = ax.imshow(values, aspect="auto", interpolation="nearest", cmap=cmap, **kwargs)
    ax.set_title(title, fontsize=8)
    fig.colorbar(im, ax=ax, shrink=0.8)


def plot_brain_run(
    ds: xr.Dataset, path: str | Path, matrices: dict[str, np.ndarray] | None = None
) -> list[Path]:
    """A brain run on one page: (A) weights (source -> region, log scale), (B) nu_e of every
    region over time, (C) time-averaged nu_e and nu_i per region over the second half,
    (D) the functional connectivity of the rates (and of BOLD when in ``matrices``).

    Parameters
    ----------
    ds : xarray.Dataset
        A run of :meth:`adexmf.brain.BrainNetwork.run`.
    path : str or Path
        Figure file; PNG and SVG are written.
    matrices : dict, optional
        ``rate_fc`` and ``bold_fc`` (:func:`adexmf.brain.summary.summarize_brain`).
    """
    matrices = matrices or {}
    t = ds.time.values
    with style():
        fig, axes = new_figure(8.0, 6.5, nrows=2, ncols=2)
        (a, b), (c, d) = axes
        w = ds.weights.values
        positive = w[w > 0]
        norm = LogNorm(positive.min(), positive.max()) if positive.size else None
        name = Path(str(ds.attrs["connectome"])).name
        _image(fig, a, np.where(w > 0, w, np.nan), f"weights ({name}, "
               f"{ds.attrs['normalisation']})", "viridis", norm=norm)  # fmt: skip
        a.set_xlabel("source region")
        a.set_ylabel("target region")
        rates = ds.nu_e.values.T
        _image(fig, b, rates, "excitatory rate (Hz; colours: 1st-99th percentile)",
               "magma", extent=(t[0], t[-1], ds.sizes["region"] - 0.5, -0.5),
               vmin=np.percentile(rates, 1), vmax=np.percentile(rates, 99))  # fmt: skip
        b.set_xlabel("time (s)")
        b.set_ylabel("region")
        late = ds.sel(time=slice(0.5 * t[-1], None))
        k = np.arange(ds.sizes["region"])
        c.plot(k, late.nu_e.mean("time").values, "o", ms=3, label="nu_e", color="C3")
        c.plot(k, late.nu_i.mean("time").values, "s", ms=3, label="nu_i", color="C0")
        c.set_xlabel("region")
        c.set_ylabel("mean rate, second half (Hz)")
        c.legend(fontsize=7)
        fc = matrices.get("bold_fc", matrices.get("rate_fc"))
        if fc is not None:
            name = "BOLD" if "bold_fc" in matrices else "rate"
            _image(fig, d, fc, f"functional connectivity ({name})", "RdBu_r", vmin=-1, vmax=1)
            d.set_xlabel("region")
        else:
            d.axis("off")
        for ax, letter in zip((a, b, c, d), "ABCD", strict=True):
            panel_label(ax, letter)
        return save_figure(fig, path)


def plot_brain_sweep(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """The regime map of a coupling x b sweep: (A) mean nu_e over regions, (B) share of
    regions in slow oscillation, (C) median dominant frequency."""
    b_pA = ds.b.values * 1e12
    g = ds.coupling.values
    panels = (
        (ds.nu_e.mean("region").values, "mean nu_e (Hz)", "magma", {}),
        (ds.slow_oscillation_fraction.values, "share of regions in slow oscillation",
         "Blues", {"vmin": 0.0, "vmax": 1.0}),
        (ds.dominant_frequency.median("region").values, "median dominant frequency (Hz)",
         "viridis", {}),
    )  # fmt: skip
    with style():
        fig, axes = new_figure(9.0, 3.2, ncols=3)
        for ax, (values, title, cmap, limits), letter in zip(axes[0], panels, "ABC", strict=True):
            im = ax.pcolormesh(_edges(b_pA), _edges(g), values, cmap=cmap, **limits)
            fig.colorbar(im, ax=ax, shrink=0.85)
            ax.set_title(title, fontsize=8)
            ax.set_xlabel("b (pA)")
            ax.set_ylabel("coupling G")
            panel_label(ax, letter)
        return save_figure(fig, path)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around grid centres (a single value gets a unit-wide cell)."""
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])
