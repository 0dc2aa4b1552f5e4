"""Figures of the comparisons with the network (Figs 4-7 of the paper and the validity map).

Each function draws the Dataset of one protocol of :mod:`adexmf.compare` (which returns data
only) and writes it as PNG + SVG (:func:`adexmf.figures.style.save_figure`): Fig. 4
:func:`plot_stationary`, Fig. 5 :func:`plot_transient`, Fig. 6 :func:`plot_frequency`,
Fig. 7 :func:`plot_integrative`, and :func:`plot_validity`. Rates in Hz, times in ms, b in pA
on the axes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.patches import Rectangle

from ..compare.regimes import regime_grids
from ..compare.stationary import CELL_STATISTICS
from ..compare.transient import WINDOW
from ..network import POPULATIONS
from .style import VARIANT_COLORS, new_figure, panel_label, save_figure, style


def _quantised_bins(values: np.ndarray, target: int = 30) -> np.ndarray:
    """Histogram edges on multiples of the rate quantum (one spike per population per bin),
    so that no bin is empty by aliasing."""
    levels = np.unique(values)
    if levels.size < 2:
        return np.array([levels[0] - 0.5, levels[0] + 0.5]) if levels.size else np.arange(2.0)
    quantum = float(np.min(np.diff(levels)))
    step = quantum * max(1, int(np.ceil((levels[-1] - levels[0]) / quantum / target)))
    return np.arange(levels[0] - quantum / 2, levels[-1] + step, step)


def plot_stationary(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig. 4: distributions of 5 ms-binned rates (network histogram vs N(nu*, sqrt(c*)) of
    each variant) and the relative errors of the predicted cell statistics; PNG + SVG."""
    colors = VARIANT_COLORS
    with style():
        fig, axes = new_figure(9.0, 3.2, ncols=3)
        for ax, pop, label in zip(axes[0, :2], POPULATIONS, ("excitatory", "inhibitory"),
                                  strict=True):  # fmt: skip
            lo, hi = [], []
            if "network_rate_binned" in ds:
                values = ds.network_rate_binned.sel(population=pop).values.ravel()
                ax.hist(values, bins=_quantised_bins(values), density=True, color="0.7",
                        label="network")  # fmt: skip
                lo.append(values.min())
                hi.append(values.max())
            for k, v in enumerate(ds.variant.values):
                mu = float(ds.mf_rate.sel(variant=v, population=pop))
                sd = float(ds.mf_rate_std.sel(variant=v, population=pop))
                lo.append(mu - 4 * sd)
                hi.append(mu + 4 * sd)
                x = np.linspace(mu - 4 * sd, mu + 4 * sd, 200)
                ax.plot(x, np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
                        color=colors[k % len(colors)], label=str(v))  # fmt: skip
            ax.set_xlim(max(min(lo), 0.0), max(hi))
            ax.set_xlabel(f"{label} rate, 5 ms bins (Hz)")
            ax.set_ylabel("density (1/Hz)")
        axes[0, 0].legend(loc="upper right", fontsize=7)
        ax = axes[0, 2]
        if "error_rate_percent" in ds:
            names = ["rate", *CELL_STATISTICS]
            width = 0.8 / ds.sizes["variant"]
            for k, v in enumerate(ds.variant.values):
                errs = [float(ds[f"error_{n}_percent"].sel(variant=v, population="exc"))
                        for n in names]  # fmt: skip
                ax.barh(np.arange(len(names)) + k * width, errs, height=width,
                        color=colors[k % len(colors)], label=str(v))  # fmt: skip
            ax.set_yticks(np.arange(len(names)) + 0.4 - width / 2, names)
            ax.axvline(0.0, color="k", lw=0.8)
            ax.set_xlabel("mean-field error, exc. (%)")
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "network not run", ha="center", va="center")
        fig.suptitle(
            f"stationary state, drive {ds.attrs['drive_Hz']:g} Hz, {ds.attrs['n_total']} "
            f"neurons, after {ds.attrs['stationary_start_s'] * 1e3:g} ms"
        )
        return save_figure(fig, path)


def plot_transient(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig. 5: binned rates in the window, network (mean and spread over seeds, and its
    control run) and each variant (mean +- sqrt(c)); a third panel: the excitatory response
    minus the control run, where the undershoot is measured; PNG + SVG."""
    colors = VARIANT_COLORS
    t = ds.time_bin.values
    inside = (t >= WINDOW[0]) & (t <= WINDOW[1])
    with style():
        fig, axes = new_figure(12.0, 3.4, ncols=3)
        for ax, pop, label in zip(axes[0, :2], POPULATIONS, ("excitatory", "inhibitory"),
                                  strict=True):  # fmt: skip
            if "network_rate" in ds:
                net = ds.network_rate.sel(population=pop).values[:, inside]
                ax.fill_between(t[inside] * 1e3, net.min(0), net.max(0), color="0.8",
                                label="network (seed range)")  # fmt: skip
                ax.plot(t[inside] * 1e3, net.mean(0), color="k", lw=1.2, label="network")
            if "network_control_rate" in ds:
                control = ds.network_control_rate.sel(population=pop).values[:, inside]
                ax.plot(t[inside] * 1e3, control.mean(0), color="k", lw=0.8, ls=":",
                        label="network, no stimulus")  # fmt: skip
            for k, v in enumerate(ds.variant.values):
                mu = ds.mf_rate.sel(variant=v, population=pop).values[inside]
                sd = ds.mf_rate_std.sel(variant=v, population=pop).values[inside]
                c = colors[k % len(colors)]
                ax.plot(t[inside] * 1e3, mu, color=c, label=str(v))
                ax.fill_between(t[inside] * 1e3, mu - sd, mu + sd, color=c, alpha=0.15, lw=0)
            ax.set_xlabel("time (ms)")
            ax.set_ylabel(f"{label} rate (Hz)")
        _plot_against_control(axes[0, 2], ds, inside, colors)
        axes[0, 0].legend(loc="upper left", fontsize=7)
        fig.suptitle(f"response to a transient ({ds.attrs['stimulus']}), "
                     f"{ds.attrs['n_total']} neurons")  # fmt: skip
        return save_figure(fig, path)


def _plot_against_control(ax, ds: xr.Dataset, inside: np.ndarray, colors) -> None:
    """Excitatory rate minus the control run's, network and variants (the undershoot)."""
    t = ds.time_bin.values[inside] * 1e3
    if "network_control_rate" in ds:
        net = ds.network_rate.sel(population="exc").values[:, inside].mean(0)
        control = ds.network_control_rate.sel(population="exc").values[:, inside].mean(0)
        ax.plot(t, net - control, color="k", lw=1.2, label="network")
    for k, v in enumerate(ds.variant.values):
        mf = ds.mf_rate.sel(variant=v, population="exc").values[inside]
        mf_control = ds.mf_control_rate.sel(variant=v, population="exc").values[inside]
        ax.plot(t, mf - mf_control, color=colors[k % len(colors)], label=str(v))
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_ylim(-2.5, 2.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("excitatory rate - no-stimulus run (Hz)")
    ax.set_title("against the paired control run (zoom on the undershoot)", fontsize=8)


def plot_frequency(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig. 6: amplitude and phase of the response of the Dataset's signal (the population
    signal nu by default, as the paper) vs frequency, network (mean +- std over seeds) and
    each variant (simulated, and its linear response dashed); below, the cycle-averaged
    response at a low frequency and near 50 Hz. PNG + SVG."""
    colors = VARIANT_COLORS
    f = ds.frequency.values
    name = ds.attrs["signal"]
    exc = {"signal": name}
    with style():
        fig, axes = new_figure(8.0, 6.2, nrows=2, ncols=2)
        ax_a, ax_p = axes[0]
        if "network_amplitude" in ds:
            amp, sd = ds.network_amplitude.sel(**exc).values, ds.network_amplitude_std.sel(**exc)
            ax_a.errorbar(f, amp, yerr=sd.values, color="k", marker="o", ms=3, capsize=2,
                          label="network")  # fmt: skip
            # unwrapped along frequency: a lag past -pi is drawn as one, not as a jump to +pi
            ax_p.plot(f, np.unwrap(ds.network_phase.sel(**exc).values), "ko-", ms=3,
                      label="network")  # fmt: skip
        for k, v in enumerate(ds.variant.values):
            c = colors[k % len(colors)]
            fit = ds.mf_fit.sel(variant=v, **exc)
            ax_a.plot(f, fit.sel(fit="amplitude").values, color=c, marker="s", ms=3, label=str(v))
            ax_a.plot(f, ds.mf_linear_amplitude.sel(variant=v, **exc).values, color=c, ls="--",
                      lw=0.8)  # fmt: skip
            ax_p.plot(f, np.unwrap(fit.sel(fit="phase").values), color=c, marker="s", ms=3,
                      label=str(v))  # fmt: skip
            ax_p.plot(f, np.unwrap(ds.mf_linear_phase.sel(variant=v, **exc).values), color=c,
                      ls="--", lw=0.8)  # fmt: skip
        for ax in (ax_a, ax_p):
            ax.set_xscale("log")
            ax.set_xlabel("input frequency (Hz)")
        ax_a.set_yscale("log")
        ax_a.set_ylabel(f"amplitude A' of {name} (Hz)")
        ax_p.set_ylabel(f"phase phi of {name} (rad; < 0: lag)")
        ax_a.legend(fontsize=7, title="dashed: linear response", title_fontsize=7)
        for ax, target in zip(axes[1], (5.0, 50.0), strict=True):
            _plot_cycle(ax, ds, int(np.argmin(np.abs(np.log(f / target)))), colors)
        for ax, letter in zip(axes.ravel(), "ABCD", strict=True):
            panel_label(ax, letter)
        fig.suptitle(f"frequency response (A = {ds.attrs['amplitude_Hz']:g} Hz on drive "
                     f"{ds.attrs['drive_Hz']:g} Hz, order {ds.attrs['order']}), "
                     f"{ds.attrs['n_total']} neurons")  # fmt: skip
        return save_figure(fig, path)


def _plot_cycle(ax, ds: xr.Dataset, i: int, colors) -> None:
    """Cycle-averaged signal at frequency index ``i``, with the input's shape."""
    phase = ds.cycle_phase.values
    f = float(ds.frequency.values[i])
    name = ds.attrs["signal"]
    if "network_cycle" in ds:
        ax.plot(phase, ds.network_cycle.isel(frequency=i).sel(signal=name), "k",
                label="network")  # fmt: skip
    for k, v in enumerate(ds.variant.values):
        ax.plot(phase, ds.mf_cycle.sel(variant=v, signal=name).isel(frequency=i),
                color=colors[k % len(colors)], label=str(v))  # fmt: skip
    twin = ax.twinx()
    twin.plot(phase, ds.attrs["amplitude_Hz"] * (1 - np.cos(2 * np.pi * phase)) / 2, color="0.6",
              ls=":", label="input")  # fmt: skip
    twin.set_ylabel("input (Hz)", color="0.5")
    ax.set_xlabel(f"phase of the input cycle at {f:.3g} Hz (cycles)")
    ax.set_ylabel(f"{name}, cycle average (Hz)")


def plot_integrative(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """Fig. 7: (A) time courses of nu and dV/V0 for the amplitudes and their peaks vs A;
    (B) the same for the backgrounds. Time courses of the first variant, peaks of all.
    PNG + SVG."""
    colors = VARIANT_COLORS
    first = ds.variant.values[0]
    t = ds.time.values * 1e3
    rows = (
        ("amplitude", "rate", "vsd", "peak_rate", "peak_vsd", "stimulus amplitude A (Hz)"),
        ("background", "background_rate", "background_vsd_time", "background_rate_change",
         "background_vsd", f"background (Hz), A = {ds.attrs['background_amplitude_Hz']:g} Hz"),
    )  # fmt: skip
    with style():
        fig, axes = new_figure(10.0, 5.8, nrows=2, ncols=3)
        for r, (dim, rate, vsd, peak_rate, peak_vsd, xlabel) in enumerate(rows):
            levels = ds[dim].values
            cmap = mpl.colormaps["viridis"]
            for k in range(len(levels)):
                c = cmap(k / max(len(levels) - 1, 1))
                axes[r, 0].plot(t, ds[rate].sel(variant=first).isel({dim: k}), color=c, lw=0.8)
                axes[r, 1].plot(t, ds[vsd].sel(variant=first).isel({dim: k}), color=c, lw=0.8)
            axes[r, 0].set_ylabel("rate nu (Hz)")
            axes[r, 1].set_ylabel("dV/V0 (%)")
            for ax in axes[r, :2]:
                ax.set_xlabel(f"time (ms); colour: {dim} (dark: 0)")
            ax_peak = axes[r, 2]
            twin = ax_peak.twinx()
            for k, v in enumerate(ds.variant.values):
                c = colors[k % len(colors)]
                ax_peak.plot(levels, ds[peak_rate].sel(variant=v), color=c, marker="o", ms=3,
                             label=f"{v}: rate (dashed: dV/V0)")  # fmt: skip
                twin.plot(levels, ds[peak_vsd].sel(variant=v), color=c, ls="--", marker="s",
                          ms=3)  # fmt: skip
            ax_peak.set_xlabel(xlabel)
            ax_peak.set_ylabel("peak rate (Hz)" if r == 0 else "rate change (Hz)")
            twin.set_ylabel("peak dV/V0 (%), dashed")
            if r == 0:
                ax_peak.legend(fontsize=7, loc="upper left")
        for ax, letter in zip(axes.ravel(), "ABCDEF", strict=True):
            panel_label(ax, letter)
        fig.suptitle(f"integrative properties of the mean field (drive {ds.attrs['drive_Hz']:g} "
                     f"Hz, tau1/tau2 = {ds.attrs['tau1_s'] * 1e3:g}/"
                     f"{ds.attrs['tau2_s'] * 1e3:g} ms, order {ds.attrs['order']}); "
                     f"time courses: {first}")  # fmt: skip
        return save_figure(fig, path)


def _edges(x: np.ndarray) -> np.ndarray:
    """Cell edges of a pcolormesh around the centres ``x`` (midpoints, ends mirrored)."""
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])


def plot_validity(ds: xr.Dataset, path: str | Path) -> list[Path]:
    """The validity map: the network's nu_e (AI points marked) and, per variant, the error
    of nu_e (%), with the mean field's folds and Hopf points; PNG + SVG."""
    has_net = "network_rate_mean" in ds
    has_isolated = "isolated_error_percent" in ds
    n = len(ds.variant) + (1 if has_net else 0) + (1 if has_isolated else 0)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    d, b = ds.drive.values, ds.b.values * 1e12
    de, be = _edges(d), _edges(b)
    with style():
        fig, axes = new_figure(3.6 * ncols, 3.0 * nrows, nrows=nrows, ncols=ncols)
        flat = list(axes.ravel())
        if has_net:
            ax = flat.pop(0)
            rate = ds.network_rate_mean.sel(population="exc").values.T
            mesh = ax.pcolormesh(de, be, rate, cmap="viridis", shading="flat")
            fig.colorbar(mesh, ax=ax, label="network nu_e (Hz)")
            stats = ds.get("network_regime_stats")
            marks = None if stats is None else _regime_marks(stats.values)
            _annotate(ax, d, b, rate, "{:.2f}", ds.ai.values.T, marks)
            ax.set_title("network (x: not AI; s: silent, o: oscillating)", fontsize=8)
        if has_isolated:
            ax = flat.pop(0)
            err = ds.isolated_error_percent.sel(population="exc").values.T
            mesh = ax.pcolormesh(de, be, err, cmap="RdBu_r", vmin=-60, vmax=60)
            fig.colorbar(mesh, ax=ax, label="isolated cells - network, nu_e (%)")
            _annotate(ax, d, b, err, "{:+.0f}", ds.ai.values.T)
            ax.set_title("isolated cells at the network's rates", fontsize=8)
        for k, v in enumerate(ds.variant.values):
            ax = flat.pop(0)
            if "error_percent" in ds:
                err = ds.error_percent.sel(variant=v, population="exc").values.T
                mesh = ax.pcolormesh(de, be, err, cmap="RdBu_r", vmin=-60, vmax=60)
                fig.colorbar(mesh, ax=ax, label="error of nu_e (%)")
                _annotate(ax, d, b, err, "{:+.0f}", ds.ai.values.T, _variant_marks(ds, k))
            else:
                rate = ds.mf_rate.sel(variant=v, population="exc").values.T
                mesh = ax.pcolormesh(de, be, rate, cmap="viridis")
                fig.colorbar(mesh, ax=ax, label="mean-field nu_e (Hz)")
            kinds = ds.bifurcation_kind.values[k]
            for kind, marker in (("fold", "v"), ("hopf", "*")):
                sel = kinds == kind
                ax.plot(ds.bifurcation_drive.values[k][sel], ds.bifurcation_b.values[k][sel] * 1e12,
                        marker, color="k", ms=7, ls="-", label=kind)  # fmt: skip
            none = not np.any(kinds != "")
            boxed = _box_calibration_points(ax, ds, k, d, b)
            notes = "a/s/o: regime unlike the network's" + ("; boxed: calibrated" if boxed else "")
            title = f"{v}" + (" (branch: no fold, no Hopf)" if none else "")
            ax.set_title(f"{title}\n{notes}", fontsize=6.5)
        for ax in axes.ravel()[:n]:
            ax.set_xlabel("drive (Hz)")
            ax.set_ylabel("RS adaptation b (pA)")
            ax.set_xlim(de[0], de[-1])
            ax.set_ylim(be[0], be[-1])
        for ax in flat:
            ax.set_visible(False)
        for ax, letter in zip(axes.ravel()[:n], "ABCDEFGH", strict=False):
            panel_label(ax, letter)
        fig.suptitle(f"validity map: stationary rates, network ({ds.attrs['n_total']} neurons, "
                     f"{ds.attrs.get('drive_events', 'bernoulli')} drive) vs second-order "
                     "mean field")  # fmt: skip
        return save_figure(fig, path)


def _variant_marks(ds: xr.Dataset, k: int) -> np.ndarray | None:
    """The k-th variant's regime letters where its regime differs from the network's."""
    if "mf_regime_stats" not in ds or "network_regime_stats" not in ds:
        return None
    network = np.array(regime_grids(ds.network_regime_stats.values)["regime"])
    return _regime_marks(ds.mf_regime_stats.values[k][None], network)


def _box_calibration_points(ax, ds: xr.Dataset, k: int, d, b) -> bool:
    """Outline the cells the k-th variant was calibrated on; whether there were any."""
    if "calibration_point" not in ds:
        return False
    de, be = _edges(d), _edges(b)
    used = ds.calibration_point.values[k].astype(bool)
    for i, j in zip(*np.nonzero(used), strict=True):
        w, h = de[i + 1] - de[i], be[j + 1] - be[j]  # inset, so diagonal cells stay apart
        ax.add_patch(Rectangle((de[i] + 0.08 * w, be[j] + 0.08 * h), 0.84 * w, 0.84 * h,
                               fill=False, ec="k", lw=1.0))  # fmt: skip
    return bool(used.any())


def _regime_marks(stats: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """(b, drive) grid of regime letters from regime statistics (seed, drive, b, stat):
    "s" silent, "o" oscillating, blank where asynchronous; with ``reference`` (a grid of
    regime names) the letter ("a" for asynchronous too) only where the regimes differ."""
    regime = np.array(regime_grids(stats)["regime"])
    letters = np.vectorize(lambda r: r[0])(regime)
    if reference is None:
        return np.where(regime == "asynchronous", "", letters).T
    return np.where(regime == reference, "", letters).T


def _annotate(ax, d, b, values, fmt, ai, marks=None) -> None:
    """Write each value of the map on its cell ("x" below where the point is not AI, then
    the regime letter of ``marks``, a (b, drive) grid of strings, if any)."""
    for i, x in enumerate(d):
        for j, y in enumerate(b):
            v = values[j, i]
            text = "-" if not np.isfinite(v) else (">999" if abs(v) >= 999.5 else fmt.format(v))
            below = ("" if ai[j, i] else "x") + ("" if marks is None else marks[j, i])
            ax.text(x, y, text + (f"\n{below}" if below else ""), ha="center", va="center",
                    fontsize=6)  # fmt: skip
