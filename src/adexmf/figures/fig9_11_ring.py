"""Figs 9 and 11 of Zerlaut et al. (2018), the ring (SPEC 7 rows 9 and 11), and the sheet.

- Fig 9: space-time maps of the afferent input, the network rate and dV/V0 after a local
  stimulus, with the early-response line of each map and the line of the conduction
  velocity from the stimulus centre.
- Fig 11: apparent motion: each stimulus alone, both, the linear prediction and the
  suppression map (both minus the sum).
- The sheet: dV/V0 snapshots and an animated GIF (matplotlib's PillowWriter).

Data arrive in SI (s, m) from :mod:`adexmf.ring`; axes show ms and mm.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import AdexmfError
from ..ring.analysis import early_response_line
from .style import new_figure, panel_label, save_figure, style


def _map(ax, da: xr.DataArray, scale: float, label: str, cmap: str = "viridis", **kw):
    """A (time, x) map with time (ms) horizontal and position (mm) vertical."""
    s = da.transpose("time", "x")
    t = s["time"].values * 1e3
    x = s["x"].values * 1e3
    im = ax.pcolormesh(t, x, s.values.T * scale, shading="auto", cmap=cmap, rasterized=True, **kw)
    ax.set_ylabel("position (mm)")
    bar = ax.figure.colorbar(im, ax=ax, pad=0.01)
    bar.set_label(label)
    return im


def _line(ax, line: xr.DataArray, **kw) -> None:
    ax.plot(line.values * 1e3, line["x"].values * 1e3, **kw)


def plot_figure9(
    ds: xr.Dataset, path: str | Path, criteria: str = "text", window: float | None = None
) -> list[Path]:
    """Fig 9: maps of nu_aff, nu and dV/V0 (time x position) with early-response lines.

    Parameters
    ----------
    ds : xarray.Dataset
        A ring run (:meth:`adexmf.ring.RingModel.run`).
    path : str or Path
        Figure file; PNG and SVG are written.
    criteria : {"text", "code"}
        Early-response criteria.
    window : float, optional
        Half-width (m) of the position range shown around the stimulus; default all.
    """
    v_c = float(ds.attrs["v_c_m_per_s"])
    x0 = float(ds.x.values[int(np.argmax(ds.nu_aff.max("time").values))])
    t_stim = float(ds.time.values[int(np.argmax(ds.nu_aff.max("x").values))])
    with style():
        fig, axes = new_figure(6.5, 7.0, nrows=3, sharex=True)
        panels = (
            ("nu_aff", 1.0, "afferent input (Hz)", "Greys"),
            ("nu", 1.0, "network rate (Hz)", "viridis"),
            ("vsd", 100.0, "dV/V0 (%)", "magma"),
        )
        for k, (ax, (name, scale, label, cmap)) in enumerate(zip(axes[:, 0], panels, strict=True)):
            da = ds[name] - ds[name].isel(time=0) if name == "nu" else ds[name]
            if name == "nu":
                label = "network rate - baseline (Hz)"
            _map(ax, da, scale, label, cmap)
            if name != "nu_aff":  # the input itself does not propagate: no response line
                try:
                    line = early_response_line(ds[name], criteria)
                    _line(ax, line, color="w", ls="--", lw=1.0, label="early response")
                except AdexmfError:
                    pass
            # The conduction-velocity line from the stimulus centre, drawn until it has gone
            # half way round the ring (where the two fronts meet), not along the edges.
            L = float(ds.attrs["length_m"])
            t_start = t_stim - 0.1
            tt = np.linspace(t_start, min(t_start + 0.5 * L / v_c, float(ds.time.values[-1])),
                             50)  # fmt: skip
            reach = v_c * (tt - t_start)
            for sign in (-1, 1):
                ax.plot(tt * 1e3, (x0 + sign * reach) * 1e3, color="c", lw=0.9, ls=":",
                        label=f"v_c = {v_c * 1e3:g} mm/s" if sign > 0 else None)  # fmt: skip
            if window is not None:
                ax.set_ylim((x0 - window) * 1e3, (x0 + window) * 1e3)
            else:
                ax.set_ylim(0, L * 1e3)
            panel_label(ax, "ABC"[k])
        axes[0, 0].legend(loc="upper right", fontsize=7, frameon=True)
        axes[-1, 0].set_xlabel("time (ms)")
        fig.suptitle(
            f"ring: {ds.attrs['column']}, v_c = {v_c * 1e3:g} mm/s, l_exc = "
            f"{ds.attrs['l_exc_m'] * 1e3:g} mm, l_inh = {ds.attrs['l_inh_m'] * 1e3:g} mm, "
            f"N = {ds.attrs['n_units']}"
        )
    return save_figure(fig, path)


def plot_figure11(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig 11: apparent motion (two stimuli 8.1 mm and 50 ms apart).

    Panels: first stimulus alone, second alone, both, the linear prediction (sum) and the
    suppression map (both minus the sum), all dV/V0 (%), time x position.
    """
    vmax = 100 * float(max(ds.vsd_both.max(), ds.vsd_linear.max()))
    smax = 100 * float(abs(ds.suppression).max())
    with style():
        fig, axes = new_figure(6.5, 9.0, nrows=5, sharex=True)
        panels = (
            ("vsd_first", "first stimulus alone"),
            ("vsd_second", "second stimulus alone"),
            ("vsd_both", "both stimuli"),
            ("vsd_linear", "linear prediction (sum)"),
        )
        for k, (name, title) in enumerate(panels):
            ax = axes[k, 0]
            _map(ax, ds[name], 100.0, "dV/V0 (%)", "magma", vmin=0, vmax=vmax)
            ax.set_title(title, loc="left")
            panel_label(ax, "ABCDE"[k])
        ax = axes[4, 0]
        _map(ax, ds.suppression, 100.0, "both - sum (%)", "RdBu_r", vmin=-smax, vmax=smax)
        t_min = float(ds.attrs.get("t_suppression_min_s", np.nan))
        x_min = float(ds.attrs.get("x_suppression_min_mm", np.nan))
        ax.plot(t_min * 1e3, x_min, marker="x", color="k")
        ax.set_title(
            f"suppression: min {100 * ds.attrs.get('suppression_min', np.nan):.2f} % at "
            f"{t_min * 1e3:.0f} ms, {x_min:.1f} mm",
            loc="left",
        )
        panel_label(ax, "E")
        ax.set_xlabel("time (ms)")
    return save_figure(fig, path)


def sheet_frames(ds: xr.Dataset, times: Sequence[float]) -> list[int]:
    """Indices of the recorded frames nearest to ``times`` (s)."""
    t = ds.time.values
    return [int(np.argmin(np.abs(t - s))) for s in times]


def plot_sheet_snapshots(
    ds: xr.Dataset, path: str | Path, times: Sequence[float] | None = None
) -> list[Path]:
    """dV/V0 maps of the sheet at a series of times (default 8 frames from the stimulus
    onset to the end)."""
    if times is None:
        times = np.linspace(0.1, float(ds.time.values[-1]), 8)
    idx = sheet_frames(ds, times)
    vmax = 100 * float(ds.vsd.max())
    L = float(ds.attrs["length_m"]) * 1e3
    ncol = 4
    nrow = int(np.ceil(len(idx) / ncol))
    with style():
        fig, axes = new_figure(7.0, 1.9 * nrow + 0.4, nrows=nrow, ncols=ncol)
        for ax in axes.ravel():
            ax.set_axis_off()
        for ax, k in zip(axes.ravel(), idx, strict=False):
            im = ax.imshow(100 * ds.vsd.values[k].T, origin="lower", extent=(0, L, 0, L),
                           cmap="magma", vmin=0, vmax=vmax)  # fmt: skip
            ax.set_title(f"{ds.time.values[k] * 1e3:.0f} ms")
            ax.set_axis_on()
            ax.set_xticks([0, L / 2, L])
            ax.set_yticks([0, L / 2, L])
        bar = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)
        bar.set_label("dV/V0 (%)")
        fig.suptitle(
            f"sheet {ds.attrs['n_units']} x {ds.attrs['n_units']} ({ds.attrs['boundary']}), "
            f"v_c = {ds.attrs['v_c_m_per_s'] * 1e3:g} mm/s; positions in mm"
        )
    return save_figure(fig, path)


def write_sheet_gif(ds: xr.Dataset, path: str | Path, fps: int = 12) -> Path:
    """Animated GIF of the sheet's dV/V0 maps (every recorded frame), written atomically."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    path = Path(path).with_suffix(".gif")
    path.parent.mkdir(parents=True, exist_ok=True)
    vmax = 100 * float(ds.vsd.max())
    L = float(ds.attrs["length_m"]) * 1e3
    with style():
        fig, axes = new_figure(3.6, 3.2)
        ax = axes[0, 0]
        im = ax.imshow(100 * ds.vsd.values[0].T, origin="lower", extent=(0, L, 0, L),
                       cmap="magma", vmin=0, vmax=vmax)  # fmt: skip
        fig.colorbar(im, ax=ax).set_label("dV/V0 (%)")
        ax.set_xlabel("x (mm)")
        ax.set_ylabel("y (mm)")
        title = ax.set_title("")

        def update(k: int):
            im.set_data(100 * ds.vsd.values[k].T)
            title.set_text(f"t = {ds.time.values[k] * 1e3:.0f} ms")
            return im, title

        anim = FuncAnimation(fig, update, frames=ds.sizes["time"], blit=False)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gif")
        try:
            anim.save(tmp, writer=PillowWriter(fps=fps), dpi=80)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path
