"""Figure of the UP-DOWN regime map (:func:`adexmf.compare.updown.regime_map`): per drive,
the network's and each mean field's regime along b, and where they oscillate the
oscillation frequency and the UP-state rate. b in pA, rates and frequencies in Hz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..compare.updown import regime_scores
from .style import new_figure, save_figure, style

#: Marker of each regime of the map.
MARKERS = {"silent": "x", "asynchronous": "o", "oscillating": "s"}


def plot_regime_map(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Three rows per drive column: regimes along b (network on top, one row per model;
    squares oscillating, open circles asynchronous, crosses silent; the dashed line is the
    network's boundary), the oscillation frequency and the UP-state rate (means over the
    seeds that oscillate, log scales; network black, models in colour). PNG + SVG."""
    scores = regime_scores(ds)
    b = ds.b.values * 1e12
    rows = [("network", scores["network"])] + list(scores["mf"].items())
    colors = ["k"] + [f"C{k}" for k in range(len(rows) - 1)]
    with style():
        fig, axes = new_figure(3.8 * ds.drive.size, 6.4, nrows=3, ncols=ds.drive.size,
                               sharex=True)  # fmt: skip
        for i, drive in enumerate(ds.drive.values):
            top, freq, up = axes[:, i]
            for y, ((name, s), color) in enumerate(zip(rows, colors, strict=True)):
                for regime, marker in MARKERS.items():
                    hit = np.array(s["regime"][i]) == regime
                    top.scatter(b[hit], np.full(hit.sum(), -y), marker=marker, color=color,
                                facecolors="none" if marker == "o" else color)  # fmt: skip
                for ax, key in ((freq, "oscillation_frequency_Hz"), (up, "up_rate_Hz")):
                    values = np.array(s[key][i], dtype=float)
                    ax.plot(b, values, marker="s", color=color, label=name)
            edge = scores["network"]["boundary_b_A"][i]
            if edge is not None:
                top.axvline(edge * 1e12, color="k", ls="--", lw=0.8)
            top.set_yticks([-y for y in range(len(rows))], [r[0] for r in rows])
            top.set_ylim(-len(rows) + 0.5, 0.5)
            top.set_title(f"drive {drive:g} Hz (square: oscillating, circle: asynchronous)",
                          fontsize=8)  # fmt: skip
            for ax in (freq, up):  # from a DOWN state's 0.1 Hz to a ceiling's 200 Hz
                ax.set_yscale("log")
            freq.set_ylabel("oscillation frequency (Hz)")
            up.set_ylabel("UP-state rate, exc (Hz)")
            up.set_xlabel("b of the RS cells (pA)")
            freq.legend(fontsize=7)
        return save_figure(fig, path)
