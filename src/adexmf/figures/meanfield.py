"""Figures of the mean field: time courses, phase planes, fixed points vs drive, and rates
compared across runs (style and save convention: :mod:`adexmf.figures.style`).

Data arrive in SI units; axes show ms, mV, pA and Hz. Every time series is reduced by
:func:`~adexmf.figures.style.envelope` before it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.lines
import numpy as np
import xarray as xr

from .style import (
    COLORS,
    LABELS,
    band_envelope,
    envelope,
    legend_on_top,
    new_figure,
    panel_label,
    save_figure,
    style,
)


def plot_time_course(
    ds: xr.Dataset, path: str | Path, title: str | None = None, window=None
) -> list[Path]:
    """Time course of a mean-field run: inputs, rates (mean +- sqrt(c)), mu_V and VSD.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`adexmf.meanfield.integrate` (single run, SI units).
    path : str or Path
        Output file (PNG and SVG are written).
    title : str, optional
    window : (float, float), optional
        Time window shown (s).
    """
    if window is not None:
        ds = ds.sel(time=slice(*window))
    t = ds.time.values * 1e3
    has_obs = "mu_V" in ds
    has_w = "W" in ds
    n = 3 + 2 * int(has_obs) + int(has_w)
    ratios = [0.7, 1, 1] + [1, 0.8] * int(has_obs) + [0.8] * int(has_w)
    with style():
        fig, axes = new_figure(6.0, 1.35 * n + 0.4, nrows=n, sharex=True,
                               gridspec_kw={"height_ratios": ratios})  # fmt: skip
        axes = axes[:, 0]
        ax = axes[0]
        ax.plot(*envelope(t, ds.afferent.values), color=COLORS["afferent"],
                label="afferent stimulus")  # fmt: skip
        ax.plot(*envelope(t, ds.drive.values), color=COLORS["drive"], ls="--", label="drive")
        ax.set_ylabel("input (Hz)")
        ax.set_ylim(0, 1.05 * max(float(ds.afferent.max()), float(ds.drive.max()), 1e-3))
        legend_on_top(ax, ncol=2, room=0.45)
        for k, pop in enumerate(("exc", "inh")):
            ax = axes[1 + k]
            rate = ds.rate.sel(population=pop).values
            ax.plot(*envelope(t, rate), color=COLORS[pop], label=LABELS[pop])
            if "rate_std" in ds:
                std = ds.rate_std.sel(population=pop).values
                ax.fill_between(*band_envelope(t, rate - std, rate + std), color=COLORS[pop],
                                alpha=0.25, lw=0, label="mean $\\pm\\sqrt{c}$")  # fmt: skip
            ax.set_ylabel(f"$\\nu_{pop[0]}$ (Hz)")
            legend_on_top(ax, ncol=2)
        row = 3
        if has_obs:
            ax = axes[row]
            for pop in ("exc", "inh"):
                ax.plot(*envelope(t, ds.mu_V.sel(population=pop).values * 1e3),
                        color=COLORS[pop], lw=1.2, label=f"$\\mu_V$ {pop}")  # fmt: skip
            ax.plot(*envelope(t, ds.mu_V_network.values * 1e3), color=COLORS["network"], ls="--",
                    lw=1.0, label="network mean")  # fmt: skip
            ax.set_ylabel("$\\mu_V$ (mV)")
            legend_on_top(ax, ncol=3, room=0.45)
            ax = axes[row + 1]
            ax.plot(*envelope(t, ds.vsd.values * 100), color=COLORS["afferent"])
            ax.set_ylabel("dV/V$_0$ (%)")
            row += 2
        if has_w:
            ax = axes[row]
            ax.plot(*envelope(t, ds.W.values * 1e12), color=COLORS["adaptation"])
            ax.set_ylabel("W (pA)")
        axes[-1].set_xlabel("time (ms)")
        axes[-1].set_xlim(t[0], t[-1])
        for ax, letter in zip(axes, "ABCDEF", strict=False):
            panel_label(ax, letter)
        fig.suptitle(title or _run_title(ds))
    return save_figure(fig, path)


def _run_title(ds: xr.Dataset) -> str:
    a = ds.attrs
    dt = f", dt {a['dt_s'] * 1e3:g} ms" if "dt_s" in a else ""
    return (
        f"{a.get('model', 'mean field')} mean field — preset {a.get('preset', '?')}, "
        f"{a.get('method', '')}{dt}"
    )


def plot_phase_planes(planes: Sequence[xr.Dataset], path: str | Path) -> list[Path]:
    """First-order phase planes side by side: field, nullclines, trajectories, fixed points.

    Parameters
    ----------
    planes : sequence of xarray.Dataset
        Results of :func:`adexmf.meanfield.phase_plane`.
    path : str or Path
        Output file (PNG and SVG).
    """
    with style():
        fig, axes = new_figure(3.2 * len(planes) + 0.6, 3.6, ncols=len(planes))
        for k, (ax, ds) in enumerate(zip(axes[0], planes, strict=True)):
            e, i = ds.nu_e.values, ds.nu_i.values
            u, v = ds.dnu_e_dt.values.T, ds.dnu_i_dt.values.T
            speed = np.log10(np.hypot(u, v) + 1e-3)
            lw = (speed - speed.min()) / max(np.ptp(speed), 1e-12)  # width grows with speed
            ax.streamplot(e, i, u, v, color="0.62", density=1.1, linewidth=0.5 + 0.7 * lw,
                          arrowsize=0.7)  # fmt: skip
            ax.contour(e, i, u, levels=[0.0], colors=COLORS["exc"], linewidths=1.6)
            ax.contour(e, i, v, levels=[0.0], colors=COLORS["inh"], linewidths=1.6)
            for j in range(ds.sizes["trajectory"]):
                xe, xi = ds.trajectory_nu_e[j].values, ds.trajectory_nu_i[j].values
                ax.plot(xe, xi, color="#1f4e9c", lw=1.0)
                ax.plot(xe[0], xi[0], "o", color="#1f4e9c", ms=3)
            for x, y, s in zip(ds.fixed_point_nu_e.values, ds.fixed_point_nu_i.values,
                               ds.fixed_point_stable.values, strict=True):  # fmt: skip
                ax.plot(x, y, "o", ms=8, mec="k", mew=1.2, mfc="k" if s else "w", zorder=5,
                        clip_on=False)  # fmt: skip
            ax.set_xlim(e[0], e[-1])
            ax.set_ylim(i[0], i[-1])
            ax.set_xlabel("$\\nu_e$ (Hz)")
            ax.set_ylabel("$\\nu_i$ (Hz)")
            ax.set_title(f"drive {ds.attrs['drive_Hz']:g} Hz")
            panel_label(ax, "ABCDEF"[k])
        handles = [
            matplotlib.lines.Line2D([], [], color=COLORS["exc"], lw=1.6,
                                    label="$d\\nu_e/dt = 0$"),
            matplotlib.lines.Line2D([], [], color=COLORS["inh"], lw=1.6,
                                    label="$d\\nu_i/dt = 0$"),
            matplotlib.lines.Line2D([], [], color="#1f4e9c", lw=1.0, label="trajectories"),
            matplotlib.lines.Line2D([], [], ls="", marker="o", mfc="k", mec="k",
                                    label="stable fixed point"),
            matplotlib.lines.Line2D([], [], ls="", marker="o", mfc="w", mec="k",
                                    label="unstable fixed point"),
        ]  # fmt: skip
        fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=7.5)
        fig.suptitle("First-order mean field: phase plane")
    return save_figure(fig, path)


def plot_fixed_points_vs_drive(
    scans: xr.Dataset | Sequence[xr.Dataset],
    path: str | Path,
    labels: Sequence[str] | None = None,
) -> list[Path]:
    """Fixed points vs drive (one line style per scan): rates, and c for second order.

    Stable branches are drawn solid, unstable ones dashed.

    Parameters
    ----------
    scans : xarray.Dataset or sequence of them
        Results of :func:`adexmf.meanfield.fixed_points_vs_drive`, or of
        :func:`adexmf.meanfield.drive_scan` (one line style per ``order``).
    path : str or Path
        Output file (PNG and SVG).
    labels : sequence of str, optional
        Legend entries (default: each scan's model description).
    """
    if isinstance(scans, xr.Dataset):
        if "order" in scans.dims:
            orders = [int(o) for o in scans.order.values]
            scans = [scans.sel(order=o) for o in orders]
            names = {1: "first order", 2: "second order"}
            labels = labels or [names.get(o, f"order {o}") for o in orders]
        else:
            scans = [scans]
    labels = list(labels) if labels is not None else [s.attrs.get("model", "") for s in scans]
    has_cov = any("c_ee" in s and bool(np.isfinite(s.c_ee).any()) for s in scans)
    styles = ["-", (0, (1.5, 1.2)), "-.", (0, (5, 2))]
    widths = [4.0, 1.5, 1.4, 1.2]
    alphas = [0.4, 1.0, 1.0, 1.0]
    with style():
        fig, axes = new_figure(6.8 if has_cov else 4.6, 3.2, ncols=2 if has_cov else 1)
        ax = axes[0, 0]
        for n, (ds, label) in enumerate(zip(scans, labels, strict=True)):
            d = ds.drive.values
            for pop, var in (("exc", "nu_e"), ("inh", "nu_i")):
                _branches(ax, d, ds[var].values, ds.stable.values, COLORS[pop],
                          styles[n % 4], widths[n % 4], alphas[n % 4])  # fmt: skip
            ax.plot([], [], color="k", ls=styles[n % 4], lw=widths[n % 4], alpha=alphas[n % 4],
                    label=label)  # fmt: skip
        ax.plot([], [], color=COLORS["exc"], label="$\\nu_e$")
        ax.plot([], [], color=COLORS["inh"], label="$\\nu_i$")
        ax.set_xlabel("drive (Hz)")
        ax.set_ylabel("fixed-point rate (Hz)")
        ax.set_xlim(d[0], d[-1])
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
        panel_label(ax, "A")
        if has_cov:
            ax = axes[0, 1]
            for ds in scans:
                if "c_ee" not in ds or not bool(np.isfinite(ds.c_ee).any()):
                    continue
                d = ds.drive.values
                for var, color in (("c_ee", COLORS["exc"]), ("c_ii", COLORS["inh"]),
                                   ("c_ei", "#555555")):  # fmt: skip
                    _branches(ax, d, np.sqrt(np.maximum(ds[var].values, 0)), ds.stable.values,
                              color, "-", 1.6)  # fmt: skip
                    ax.plot([], [], color=color, label=f"$\\sqrt{{c_{{{var[2:]}}}}}$")
            ax.set_xlabel("drive (Hz)")
            ax.set_ylabel("rate fluctuations $\\sqrt{c}$ (Hz)")
            ax.set_xlim(d[0], d[-1])
            ax.set_ylim(bottom=0)
            ax.legend(loc="upper left")
            ax.set_title("second order", fontsize=8)
            panel_label(ax, "B")
        fig.suptitle("Mean-field fixed points vs external drive (solid: stable, dashed: unstable)")
    return save_figure(fig, path)


def _branches(ax, x, values, stable, color, ls, lw, alpha=1.0) -> None:
    """Plot each fixed-point index as a line, dashed where unstable."""
    for j in range(values.shape[1]):
        y = values[:, j]
        st = stable[:, j]
        ax.plot(x, np.where(st == 1, y, np.nan), color=color, ls=ls, lw=lw, alpha=alpha)
        if np.any(st == 0):
            ax.plot(x, np.where(st == 0, y, np.nan), color=color, ls="--", lw=1.0)


def plot_rate_comparison(
    runs: Sequence[xr.Dataset],
    labels: Sequence[str],
    path: str | Path,
    population: str = "exc",
    window=None,
    title: str | None = None,
) -> list[Path]:
    """Compare the rate of one population across runs: absolute, and change from baseline.

    The second panel shows ``nu(t) - nu(t0)`` with a y range set by the smallest excursion,
    so that post-stimulus undershoots are visible next to large transients.

    Parameters
    ----------
    runs : sequence of xarray.Dataset
        Results of :func:`adexmf.meanfield.integrate`.
    labels : sequence of str
        Legend entries.
    path : str or Path
        Output file (PNG and SVG).
    population : {"exc", "inh"}
    window : (float, float), optional
        Time window shown (s).
    title : str, optional
    """
    palette = ["#555555", COLORS[population], "#1f4e9c", COLORS["adaptation"]]
    with style():
        fig, axes = new_figure(6.0, 4.6, nrows=3, sharex=True,
                               gridspec_kw={"height_ratios": [0.6, 1, 1]})  # fmt: skip
        axes = axes[:, 0]
        lows = []
        for k, (ds, label) in enumerate(zip(runs, labels, strict=True)):
            if window is not None:
                ds = ds.sel(time=slice(*window))
            t = ds.time.values * 1e3
            rate = ds.rate.sel(population=population).values
            color = palette[k % len(palette)]
            if k == 0:
                axes[0].plot(*envelope(t, ds.afferent.values), color=COLORS["afferent"])
            axes[1].plot(*envelope(t, rate), color=color, label=label)
            change = rate - rate[0]
            axes[2].plot(*envelope(t, change), color=color, label=label)
            lows.append(change.min())
            k_min = int(np.argmin(change))
            if change[k_min] < -0.01 * rate[0]:
                axes[2].annotate(
                    f"undershoot {change[k_min] / rate[0] * 100:.0f} %",
                    (t[k_min], change[k_min]), xytext=(12, -14), textcoords="offset points",
                    color=color, fontsize=8, arrowprops={"arrowstyle": "-", "color": color},
                )  # fmt: skip
        axes[0].set_ylabel("afferent (Hz)")
        axes[1].set_ylabel(f"$\\nu_{population[0]}$ (Hz)")
        legend_on_top(axes[1], ncol=2)
        low = min(min(lows), -1e-3)
        axes[2].axhline(0.0, color="k", lw=0.6, ls=":")
        axes[2].set_ylim(3.0 * low, -2.0 * low)
        axes[2].set_ylabel(f"$\\nu_{population[0]} - \\nu_{population[0]}(t_0)$ (Hz)")
        axes[2].set_title("change from baseline (zoom on the undershoot)", fontsize=8)
        axes[-1].set_xlabel("time (ms)")
        axes[-1].set_xlim(t[0], t[-1])
        for ax, letter in zip(axes, "ABC", strict=False):
            panel_label(ax, letter)
        if title:
            fig.suptitle(title)
    return save_figure(fig, path)
