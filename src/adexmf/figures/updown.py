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
    seeds that oscillate, log scales; network black, models in colour; dashed: a model's
    singular-limit W-slow cycle, where the Dataset has it); where the Dataset has the
    continuation (:func:`adexmf.compare.updown.continuation`), a fourth row: each model's
    fixed points along b (solid stable, dotted unstable; star: Hopf point; shading: the b
    where the W-slow system has a relaxation cycle) under the network's mean nu_e. PNG + SVG."""
    scores = regime_scores(ds)
    b = ds.b.values * 1e12
    rows = [("network", scores["network"])] + list(scores["mf"].items())
    colors = ["k"] + [f"C{k}" for k in range(len(rows) - 1)]
    nrows = 4 if "branch_b" in ds else 3
    with style():
        fig, axes = new_figure(3.8 * ds.drive.size, 2.1 * nrows + 0.1, nrows=nrows,
                               ncols=ds.drive.size, sharex=True)  # fmt: skip
        axes = np.reshape(axes, (nrows, ds.drive.size))
        for i, drive in enumerate(ds.drive.values):
            top, freq, up = axes[:3, i]
            for y, ((name, s), color) in enumerate(zip(rows, colors, strict=True)):
                for regime, marker in MARKERS.items():
                    hit = np.array(s["regime"][i]) == regime
                    top.scatter(b[hit], np.full(hit.sum(), -y), marker=marker, color=color,
                                facecolors="none" if marker == "o" else color)  # fmt: skip
                for ax, key in ((freq, "oscillation_frequency_Hz"), (up, "up_rate_Hz")):
                    values = np.array(s[key][i], dtype=float)
                    ax.plot(b, values, marker="s", color=color, label=name)
                    if "w_slow_cycle" in s:  # the singular-limit cycle, dashed
                        cyc = np.array(s["w_slow_cycle"][key][i], dtype=float)
                        ax.plot(b, cyc, ls="--", lw=1.0, color=color)
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
            axes[-1, i].set_xlabel("b of the RS cells (pA)")
            freq.legend(fontsize=7)
            if nrows == 4:
                _draw_continuation(axes[3, i], ds.isel(drive=i), colors[1:], b,
                                   scores["network"]["nu_e"][i])  # fmt: skip
        return save_figure(fig, path)


def _draw_continuation(ax, ds: xr.Dataset, colors: list[str], b_grid: np.ndarray,
                       network_nu_e: list[float]) -> None:
    """One drive's fixed points along b of each model (b in pA), the network's mean nu_e."""
    ax.plot(b_grid, network_nu_e, "s", color="k", ms=4, label="network, mean")
    for model, color in zip(ds.model.values, colors, strict=True):
        m = ds.sel(model=model)
        bb, rate = m.branch_b.values * 1e12, m.branch_nu_e.values
        if not np.isfinite(bb).any():
            continue
        _stable_solid(ax, bb, rate, m.branch_stable.values.astype(bool), color)
        hb = float(m.hopf.sel(hopf_stat="b")) * 1e12
        if np.isfinite(hb):
            k = np.nanargmin(np.abs(bb - hb))
            ax.plot(hb, rate[k], "*", color=color, ms=8,
                    label=f"{model}: Hopf ({float(m.hopf.sel(hopf_stat='frequency')):.0f} Hz)")
        low, high = m.relaxation_b.values * 1e12
        _shade(ax, low, high if np.isfinite(high) else b_grid[-1], color)
    ax.set_xlim(b_grid[0] - 5, b_grid[-1] + 5)
    ax.set_yscale("log")
    ax.set_ylabel("fixed points, nu_e (Hz)")
    ax.legend(fontsize=6)


def plot_fast_subsystem(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """The network's fast subsystem against the mean fields' (a Dataset of
    examples/updown_mechanism.py), one column per drive: rates of the network with W frozen
    (open circles: from rest, before the kick; filled: after it) and each model's critical
    manifold (solid: stable, dotted: unstable; shading: its window of bistability), nu_e on
    a log scale against W in pA. PNG + SVG."""
    colors = {m: f"C{k}" for k, m in enumerate(ds.model.values)}
    with style():
        fig, axes = new_figure(3.8 * ds.drive.size, 3.4, ncols=ds.drive.size, sharey=True)
        axes = np.ravel(axes)
        for ax, drive in zip(axes, ds.drive.values, strict=True):
            net = ds.network_rate.sel(drive=drive)
            w = ds.W_frozen.values * 1e12
            ax.scatter(w, net.sel(phase="down"), facecolors="none", edgecolors="k",
                       label="network, from rest")  # fmt: skip
            ax.scatter(w, net.sel(phase="up"), color="k", s=12, label="network, kicked")
            for m in ds.model.values:
                _draw_manifold(ax, ds.sel(model=m, drive=drive), colors[m], str(m))
            ax.set_yscale("log")
            ax.set_ylim(1e-4, 30)
            ax.set_xlabel("frozen W (pA)")
            ax.set_title(f"drive {drive:g} Hz", fontsize=8)
        axes[0].set_ylabel("nu_e (Hz)")
        axes[0].legend(fontsize=6)
        return save_figure(fig, path)


def _draw_manifold(ax, m: xr.Dataset, color: str, name: str) -> None:
    w = m.W.values * 1e12
    for k, branch in enumerate(m.branch.values):
        _stable_solid(ax, w, m.mf_nu_e.sel(branch=branch).values,
                      m.mf_stable.sel(branch=branch).values.astype(bool), color,
                      name if k == 2 else None)  # fmt: skip
    _shade(ax, *(m.window.values * 1e12), color)


def _stable_solid(ax, x, rate, stable, color: str, label: str | None = None) -> None:
    """A branch of fixed points: solid where stable, dotted where not."""
    ax.plot(x, np.where(stable, rate, np.nan), color=color, lw=1.2, label=label)
    ax.plot(x, np.where(stable, np.nan, rate), color=color, lw=0.8, ls=":")


def _shade(ax, low: float, high: float, color: str) -> None:
    """A range of the x axis (none where ``low`` is NaN)."""
    if np.isfinite(low):
        ax.axvspan(low, high, color=color, alpha=0.08)
