"""Figures of the VSDI fits: one recording's four maps, the fit of one recording, and
Fig. 10 of Zerlaut et al. (2018) (the fits of every recording side by side).

Data arrive in SI (s, m) from :mod:`adexmf.vsdi`; axes show ms and mm, maps are normalised
(fits) or dF/F in % (recordings). Every figure is written as PNG and SVG
(:func:`~adexmf.figures.style.save_figure`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from ..netcdf import json_attr
from .style import COLORS, new_figure, panel_label, save_figure, style

#: How the ring's parameters are shown, by SI unit: (human unit, factor from SI).
HUMAN_UNITS = {"m/s": ("mm/s", 1e3), "m": ("mm", 1e3), "s": ("ms", 1e3)}


def _unit(ds: xr.Dataset, name: str) -> tuple[str, str, float]:
    """SI unit, human unit and factor from SI of parameter ``name`` of a fit or a fit table
    (read from its coordinate ``parameter_units``)."""
    si = str(ds["parameter_units"].sel(parameter=name).values)
    human, factor = HUMAN_UNITS[si]
    return si, human, factor


def _default(ds: xr.Dataset, name: str) -> float:
    """The paper's value of parameter ``name`` (SI), the same in every fit."""
    return float(np.ravel(ds["default"].sel(parameter=name).values)[0])


def _extent(t: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float]:
    """imshow extent (ms, mm) of a (time, x) map on uniform grids."""
    dt = (t[-1] - t[0]) / max(t.size - 1, 1)
    dx = (x[-1] - x[0]) / max(x.size - 1, 1)
    return ((t[0] - dt / 2) * 1e3, (t[-1] + dt / 2) * 1e3,
            (x[0] - dx / 2) * 1e3, (x[-1] + dx / 2) * 1e3)  # fmt: skip


def _show_map(ax, values, t, x, **kw):
    im = ax.imshow(np.asarray(values).T, origin="lower", aspect="auto", extent=_extent(t, x),
                   interpolation="nearest", **kw)  # fmt: skip
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("x (mm)")
    return im


def _limits(*arrays: np.ndarray, symmetric: bool = False) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    if not values.size:
        return (-1.0, 1.0) if symmetric else (0.0, 1.0)
    if symmetric:
        m = float(np.max(np.abs(values))) or 1.0
        return -m, m
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)


def _num(v: float, digits: int) -> str:
    """``v`` to ``digits`` significant digits, without an exponent for |v| >= 10^digits."""
    if math.isfinite(v) and abs(v) >= 10**digits:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def _with_sd(value: float, sd: float, factor: float) -> str:
    v = value * factor
    if not math.isfinite(sd):
        return f"{_num(v, 3)} ± unconstrained"
    return f"{_num(v, 3)} ± {_num(sd * factor, 2)}"


_SYMBOLS = {
    "v_c": "$v_c$", "l_stim": "$l_{stim}$", "l_exc": "$l_{exc}$", "l_inh": "$l_{inh}$",
    "tau1": "$\\tau_1$", "tau2": "$\\tau_2$",
}  # fmt: skip


def plot_vsdi_fit(fit_ds: xr.Dataset, path: str | Path) -> list[Path]:
    """The fit of one recording: data and model maps, the parameters and residuals.

    Rows: stim1 alone (fitted), stim2 alone and both stimuli in sequence (predicted, not
    fitted), and the suppression ``both - (stim1 + stim2)``; columns data and model, on one
    colour scale per row. Maps are normalised by the maximum of the stim1 data (stim2 on its
    own centre); time (ms) and position (mm) are relative to the centre of stim1 (stim2: its
    own centre). A text panel gives the fitted parameters ± one sd (default in brackets) and
    the residuals.

    Parameters
    ----------
    fit_ds : xarray.Dataset
        From :func:`adexmf.vsdi.fit.fit_recording`.
    path : str or Path
        Output file (PNG and SVG are written).

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    summary = json_attr(fit_ds, "summary", source="VSDI fit")
    t1, x1 = fit_ds.time.values, fit_ds.x.values
    t2, x2 = fit_ds.time_stim2.values, fit_ds.x_stim2.values
    res = {
        "stim1": f"fitted, residual {_num(summary['residual'], 3)}",
        "stim2": f"predicted, residual {_num(summary['stim2_residual'], 3)}",
        "both": f"predicted, residual {_num(summary['both_residual'], 3)}",
        "suppression": "predicted, residual "
        + _num(summary.get("suppression_residual", np.nan), 3),
    }
    rows = (
        ("stim1", "stim1 alone", t1, x1, "viridis", False),
        ("stim2", "stim2 alone", t2, x2, "viridis", False),
        ("both", "both (apparent motion)", t1, x1, "viridis", False),
        ("suppression", "suppression: both − (stim1 + stim2)", t1, x1, "RdBu_r", True),
    )
    with style():
        fig, axes = new_figure(9.6, 10.0, nrows=4, ncols=3,
                               gridspec_kw={"width_ratios": [1, 1, 0.62]})  # fmt: skip
        for k, (key, title, t, x, cmap, symmetric) in enumerate(rows):
            data = fit_ds[f"data_{key}"].values
            model = fit_ds[f"model_{key}"].values
            vmin, vmax = _limits(data, model, symmetric=symmetric)
            for j, (values, who) in enumerate(((data, "data"), (model, "model"))):
                ax = axes[k, j]
                im = _show_map(ax, values, t, x, cmap=cmap, vmin=vmin, vmax=vmax)
                ax.set_title(f"{title} — {who}" + (f"\n({res[key]})" if j else "\n"))
                if j:
                    ax.set_ylabel("")
                if k < 3:
                    ax.set_xlabel("")
            bar = fig.colorbar(im, ax=axes[k, :2].tolist(), pad=0.02, shrink=0.9)
            bar.set_label("normalised signal")
            axes[k, 2].set_axis_off()
        _fit_text(fig, axes[:, 2], fit_ds, summary)
        duration = summary.get("duration_ms", float("nan"))
        fig.suptitle(
            f"Ring fit to {summary.get('session', '?')} ({duration:g} ms stimuli): stim1 fitted, "
            "stim2 and both predicted\n(time and position relative to each response's centre; "
            "maps normalised by the stim1 data maximum)"
        )
    return save_figure(fig, path)


def _fit_text(fig, axes, fit_ds: xr.Dataset, summary: dict[str, Any]) -> None:
    lines = ["fitted parameters (± 1 sd)", "[default]"]
    for name in (str(p) for p in fit_ds.parameter.values):
        _, unit, factor = _unit(fit_ds, name)
        v = float(fit_ds.value.sel(parameter=name))
        sd = float(fit_ds.uncertainty.sel(parameter=name))
        d = _default(fit_ds, name) * factor
        lines.append(f"{_SYMBOLS[name]} = {_with_sd(v, sd, factor)} {unit}  [{d:g}]")
    axes[0].text(0.0, 1.0, "\n".join(lines), transform=axes[0].transAxes, va="top",
                 ha="left", fontsize=8.5, linespacing=1.5)  # fmt: skip
    s = summary
    lines = [
        "residuals (stim1)",
        f"fitted   {_num(s['residual'], 4)}",
        f"default  {_num(s['default_residual'], 4)}",
        f"relative {s.get('relative_residual', np.nan):.3g}",
        "",
        "held-out predictions",
        f"stim2    {_num(s['stim2_residual'], 4)}",
        f"both     {_num(s['both_residual'], 4)}",
    ]
    axes[1].text(0.0, 1.0, "\n".join(lines), transform=axes[1].transAxes, va="top",
                 ha="left", fontsize=8.5, family="DejaVu Sans Mono")  # fmt: skip
    if "suppression_min_data" in s:
        lines = ["suppression minimum", "(normalised; t ms, x mm)"]
        for who in ("data", "model"):
            lines.append(
                f"{who}: {s[f'suppression_min_{who}']:.3g} at "
                f"{s.get(f't_suppression_min_{who}_ms', np.nan):.0f} ms, "
                f"{s.get(f'x_suppression_min_{who}_mm', np.nan):.1f} mm"
            )
        lines += [
            "",
            f"stim2 − stim1: {s.get('stimulus_offset_mm', np.nan):.2f} mm,",
            f"  {s.get('stimulus_delay_ms', np.nan):.0f} ms",
        ]
        axes[3].text(0.0, 1.0, "\n".join(lines), transform=axes[3].transAxes, va="top",
                     ha="left", fontsize=8.5, linespacing=1.4)  # fmt: skip
    a = fit_ds.attrs
    scan = f"scan {a.get('scan_n_points', '?')}^6 points, N = {a.get('scan_n_units', '?')} columns"
    runs = s.get("model_runs")
    axes[2].text(0.0, 1.0, scan + (f"\n{runs} model runs" if runs is not None else ""),
                 transform=axes[2].transAxes, va="top", ha="left", fontsize=8,
                 color="0.35")  # fmt: skip


def _clipped_errors(values: np.ndarray, sd: np.ndarray, low: float, high: float) -> np.ndarray:
    """Asymmetric error bars of one sd, cut at the scan's range (inf sd: the whole range)."""
    sd = np.where(np.isfinite(sd), sd, np.inf)
    below = np.minimum(sd, np.maximum(values - low, 0.0))
    above = np.minimum(sd, np.maximum(high - values, 0.0))
    return np.vstack([below, above])


def _p_text(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    if p == 0:
        return "0"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


#: Colours of the recordings in Fig. 10, by monkey (grey for another).
MONKEY_COLORS = {"Monkey1": "#1f4e9c", "Monkey2": "#e08214"}


def plot_figure10(table: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig. 10-like overview of the fits of every recording in a fit table.

    Panels: (A) residual of the fitted and of the default parameters per recording; (B)
    fitted v_c (mm/s) ± 1 sd; (C) l_exc vs l_inh, one line per recording, with the paired
    tests' p-values; (D) l_stim (mm) ± 1 sd; (E, F) tau1 and tau2 (ms) vs the stimulus
    duration (ms), with Spearman's rho. Error bars are cut at the scan's range (an
    unconstrained parameter spans it). Dashed lines: the paper's default values.

    Parameters
    ----------
    table : xarray.Dataset
        :func:`adexmf.vsdi.summary.fit_table` (SI units; attr ``statistics``).
    path : str or Path
        Output file (PNG and SVG are written).

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    stats = json_attr(table, "statistics", source="VSDI fit table")
    colors = [MONKEY_COLORS.get(str(m), "0.4") for m in table.monkey.values]
    n = table.sizes["recording"]
    with style():
        fig, axes = new_figure(10.5, 7.4, nrows=2, ncols=3)
        _residuals(axes[0, 0], table, stats)
        _per_recording(axes[0, 1], table, stats, colors, "v_c", "B")
        _per_recording(axes[1, 0], table, stats, colors, "l_stim", "D")
        _lengths(axes[0, 2], table, stats, colors)
        _tau_vs_duration(axes[1, 1], table, stats, colors, "tau1", "E")
        _tau_vs_duration(axes[1, 2], table, stats, colors, "tau2", "F")
        handles = [
            _marker(color, label) for label, color in MONKEY_COLORS.items()
            if label in set(table.monkey.values)
        ]  # fmt: skip
        handles.append(_line("k", "--", "default (paper)"))
        handles.append(_patch("0.93", "scan range"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8)
        fig.suptitle(
            f"Ring fits to {n} VSDI recording(s): fitted parameters ± 1 sd (cut at the scan range)"
        )
    return save_figure(fig, path)


def _series(table: xr.Dataset, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A parameter across recordings in its human unit: values, error bars cut at the scan's
    range, and that range."""
    _, _, f = _unit(table, name)
    lo = float(table["low"].sel(parameter=name))
    hi = float(table["high"].sel(parameter=name))
    v = table["value"].sel(parameter=name).values
    err = _clipped_errors(v, table["uncertainty"].sel(parameter=name).values, lo, hi)
    return v * f, err * f, np.array([lo, hi]) * f


def _recording_axis(ax, table: xr.Dataset) -> None:
    """One tick per recording, named."""
    names = [str(r) for r in table.recording.values]
    ax.set_xticks(np.arange(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_xlim(-0.6, len(names) - 0.4)


def _residuals(ax, table: xr.Dataset, stats: dict[str, Any]) -> None:
    """A: residuals of the fitted and of the default parameters per recording."""
    idx = np.arange(table.sizes["recording"])
    width = 0.38
    fitted = table["residual"].values
    default = table["default_residual"].values
    ax.bar(idx - width / 2, default, width, color="0.75", label="default parameters")
    ax.bar(idx + width / 2, fitted, width, color=COLORS["exc"], label="fitted")
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())
    lo_r = np.nanmin(np.concatenate([fitted, default]))
    hi_r = np.nanmax(np.concatenate([fitted, default]))
    if np.isfinite(lo_r) and lo_r > 0:
        ax.set_ylim(lo_r / 2, hi_r * 8)
    _recording_axis(ax, table)
    ax.set_ylabel("residual (stim1, normalised)")
    below, frac = stats.get("n_below_default"), stats.get("fraction_below_default")
    ax.set_title(
        "residual: fitted below default in "
        + ("n/a" if frac is None else f"{below}/{idx.size} ({frac:.0%})")
    )
    ax.legend(loc="upper left", ncol=2, fontsize=7.5)
    panel_label(ax, "A")


def _per_recording(ax, table, stats: dict[str, Any], colors, name: str, letter: str) -> None:
    """B, D: one parameter ± 1 sd per recording, with its mean ± sd across recordings."""
    n = table.sizes["recording"]
    v, err, (lo, hi) = _series(table, name)
    for k in range(n):
        ax.errorbar(k, v[k], yerr=err[:, k : k + 1], fmt="o", color=colors[k], ms=5,
                    capsize=2.5, lw=1.0)  # fmt: skip
    si, unit, f = _unit(table, name)
    ax.axhline(_default(table, name) * f, color="k", ls="--", lw=0.8)
    ax.axhspan(lo, hi, color="0.93", zorder=0)
    ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.12 * (hi - lo))
    _recording_axis(ax, table)
    s = stats.get(f"{name}_{si.replace('/', '_per_')}", {})
    mean = s.get("mean")
    sd_all = s.get("sd")
    text = "mean n/a" if mean is None else f"mean {_num(mean * f, 3)}"
    text += "" if sd_all is None else f" ± {_num(sd_all * f, 2)}"
    ax.set_title(f"{_SYMBOLS[name]}: {text} {unit} (n = {s.get('n', n)})")
    ax.set_ylabel(f"{_SYMBOLS[name]} ({unit})")
    panel_label(ax, letter)


def _lengths(ax, table: xr.Dataset, stats: dict[str, Any], colors) -> None:
    """C: l_exc vs l_inh, paired, one line per recording, with the paired tests."""
    exc = table["value"].sel(parameter="l_exc").values * 1e3
    inh = table["value"].sel(parameter="l_inh").values * 1e3
    for k in range(table.sizes["recording"]):
        ax.plot([0, 1], [exc[k], inh[k]], "-o", color=colors[k], ms=4, lw=1.0, alpha=0.85)
    ax.set_xticks([0, 1], ["$l_{exc}$", "$l_{inh}$"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylim(0.5, 8.2)
    ax.axhspan(1, 7, color="0.93", zorder=0)
    ax.set_ylabel("kernel extent (mm)")
    test = stats.get("l_exc_vs_l_inh", {})
    diff = test.get("mean_difference_m")
    ax.set_title(
        "$l_{exc}$ vs $l_{inh}$ (paired): "
        + ("" if diff is None else f"mean diff {diff * 1e3:.2g} mm")
        + f"\nWilcoxon p = {_p_text(test.get('wilcoxon', {}).get('p_value'))}, "
        f"t-test p = {_p_text(test.get('t_test', {}).get('p_value'))}, "
        f"n = {test.get('n', table.sizes['recording'])}"
    )
    panel_label(ax, "C")


def _tau_vs_duration(ax, table, stats: dict[str, Any], colors, name: str, letter: str) -> None:
    """E, F: a time constant (ms) vs the stimulus duration (ms), with Spearman's rho."""
    n = table.sizes["recording"]
    duration_ms = table["duration_s"].values * 1e3
    jitter = (np.arange(n) - (n - 1) / 2) * min(1.2, 8.0 / max(n, 1))
    v, err, (lo, hi) = _series(table, name)
    for k in range(n):
        ax.errorbar(duration_ms[k] + jitter[k], v[k], yerr=err[:, k : k + 1], fmt="o",
                    color=colors[k], ms=5, capsize=2.5, lw=1.0)  # fmt: skip
    ax.axhline(_default(table, name) * 1e3, color="k", ls="--", lw=0.8)
    ax.axhspan(lo, hi, color="0.93", zorder=0)
    ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.12 * (hi - lo))
    finite = duration_ms[np.isfinite(duration_ms)]
    if finite.size:
        ax.set_xlim(0, finite.max() * 1.15 + 5)
    ax.set_xlabel("stimulus duration (ms)")
    ax.set_ylabel(f"{_SYMBOLS[name]} (ms)")
    s = stats.get(f"{name}_vs_duration", {})
    rho = s.get("rho")
    ax.set_title(
        f"{_SYMBOLS[name]} vs duration: Spearman "
        + ("ρ n/a" if rho is None else f"ρ = {rho:.2f}")
        + f", p = {_p_text(s.get('p_value'))}"
    )
    panel_label(ax, letter)


def _marker(color, label):
    return Line2D([], [], ls="", marker="o", color=color, label=label)


def _line(color, ls, label):
    return Line2D([], [], color=color, ls=ls, lw=0.8, label=label)


def _patch(color, label):
    return Patch(color=color, label=label)


def plot_vsdi_recording(recording: xr.Dataset, path: str | Path) -> list[Path]:
    """The four maps of a raw recording (:func:`adexmf.vsdi.load_recording`): stim1, stim2,
    both (apparent motion) on one colour scale, and the file's non-linearity map; dF/F in %,
    time (ms, the file's origin) and position (mm).

    Returns
    -------
    list of Path
        The PNG and SVG files written.
    """
    t, x = recording.time.values, recording.x.values
    panels = (
        ("stim1", "stim1 alone"),
        ("stim2", "stim2 alone"),
        ("both", "both in sequence (apparent motion)"),
        ("nonlinearity", "non-linearity (file's 'mat')"),
    )
    vmin, vmax = _limits(*(recording[k].values * 100 for k, _ in panels[:3]))
    nl = _limits(recording["nonlinearity"].values * 100, symmetric=True)
    with style():
        fig, axes = new_figure(9.0, 6.4, nrows=2, ncols=2)
        for k, (ax, (var, title)) in enumerate(zip(axes.ravel(), panels, strict=True)):
            last = var == "nonlinearity"
            im = _show_map(ax, recording[var].values * 100, t, x,
                           cmap="RdBu_r" if last else "viridis",
                           vmin=nl[0] if last else vmin, vmax=nl[1] if last else vmax)  # fmt: skip
            ax.set_title(title)
            fig.colorbar(im, ax=ax, pad=0.02).set_label("dF/F (%)")
            panel_label(ax, "ABCD"[k])
        a = recording.attrs
        fig.suptitle(
            f"VSDI recording {a.get('session', '?')} ({a.get('monkey', '?')}), "
            f"{a.get('duration_s', float('nan')) * 1e3:g} ms stimuli — "
            f"{Path(a.get('file', '')).name}"
        )
    return save_figure(fig, path)


__all__ = ["MONKEY_COLORS", "plot_figure10", "plot_vsdi_fit", "plot_vsdi_recording"]
