"""The figure style of the toolkit and its one save convention (PNG + SVG).

Figures are built as :class:`matplotlib.figure.Figure` objects rendered by the Agg backend
(no pyplot state, no display needed) and written to files as PNG and SVG by
:func:`save_figure`. Data arrive in SI units; axes show human units (ms, mV, Hz, nS).
Colours: excitatory population green, inhibitory red (as in Zerlaut et al. 2018), inputs
grey/purple; stable fixed points filled, unstable ones open.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import OutputError
from ..store import atomic_path, check_destination

#: Population colours.
COLORS = {
    "exc": "#1b9e3e",
    "inh": "#c8102e",
    "drive": "#7f7f7f",
    "afferent": "#6a3d9a",
    "network": "#1f1f1f",
    "adaptation": "#e08214",
}
#: Names of the populations on plots.
LABELS = {"exc": "excitatory (RS)", "inh": "inhibitory (FS)"}

#: Matplotlib settings of every figure of the toolkit.
STYLE: dict[str, object] = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.4,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}
FORMATS = ("png", "svg")


#: Colours of the mean-field variants in comparison figures, in the order they are given
#: (C0 is left for the network's own colour, C7 grey for data spreads).
VARIANT_COLORS = ("C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")


#: Pixel columns a time series is reduced to before plotting (a 6-inch figure at 200 dpi
#: is 1200 px wide): the figure's size and drawing time no longer grow with the data.
PLOT_COLUMNS = 2000


def _chunks(y: np.ndarray, columns: int) -> tuple[np.ndarray, int]:
    """``y`` in consecutive chunks of equal length, as (n_chunks <= columns, chunk); the last
    chunk is padded with the last value."""
    chunk = -(-y.size // columns)
    n = -(-y.size // chunk)
    padded = np.concatenate([y, np.full(n * chunk - y.size, y[-1])])
    return padded.reshape(n, chunk), chunk


def _block_reduce(y: np.ndarray, columns: int, reduce) -> tuple[np.ndarray, int]:
    """``reduce`` (``np.argmin``, ``np.min``...) of each chunk of :func:`_chunks`, without
    its padded copy: the whole chunks are reduced in place, the last, shorter one apart. The
    padding repeats the last value, which the last chunk holds already, so the results
    (first positions of extremes included) are those of the padded blocks."""
    chunk = -(-y.size // columns)
    whole = y.size // chunk
    out = reduce(y[: whole * chunk].reshape(whole, chunk), axis=1)
    if whole * chunk < y.size:
        out = np.append(out, reduce(y[whole * chunk :]))
    return out, chunk


def envelope(t: np.ndarray, y: np.ndarray, columns: int = PLOT_COLUMNS):
    """A series reduced to its minimum and maximum per column, in time order.

    Drawn as a line at a resolution of ``columns`` pixels, the result covers exactly the
    pixels the full series covers (every extreme is kept), with at most ``2 columns``
    points. Series of at most ``2 columns`` samples are returned unchanged. NaNs count as
    missing.

    Returns
    -------
    (ndarray, ndarray)
        Times and values.
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.size <= 2 * columns:
        return t, y
    if not np.isnan(y.min()):  # no NaN (one pass): whole blocks read in place, tail apart
        lo, chunk = _block_reduce(y, columns, np.argmin)
        hi, _ = _block_reduce(y, columns, np.argmax)
        base = np.arange(lo.size) * chunk
        idx = np.stack([base + np.minimum(lo, hi), base + np.maximum(lo, hi)], axis=1).ravel()
        return t[idx], y[idx]
    blocks, chunk = _chunks(y, columns)
    filled = np.where(np.isnan(blocks), np.nanmean(y) if np.isfinite(y).any() else 0.0, blocks)
    lo, hi = np.argmin(filled, axis=1), np.argmax(filled, axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    base = np.arange(blocks.shape[0]) * chunk
    idx = np.minimum(np.stack([base + first, base + second], axis=1).ravel(), y.size - 1)
    return t[idx], y[idx]


def band_envelope(t: np.ndarray, low: np.ndarray, high: np.ndarray, columns: int = PLOT_COLUMNS):
    """A band (``fill_between``) reduced per column to its lowest low and highest high,
    at the column's first time; unchanged if it has at most ``2 columns`` samples."""
    t = np.asarray(t, dtype=np.float64)
    if t.size <= 2 * columns:
        return t, np.asarray(low), np.asarray(high)
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    if not (np.isnan(low.min()) or np.isnan(high.max())):  # no NaN: blocks read in place
        lows, chunk = _block_reduce(low, columns, np.min)
        highs, _ = _block_reduce(high, columns, np.max)
        return t[np.arange(lows.size) * chunk], lows, highs
    lo_blocks, chunk = _chunks(low, columns)
    hi_blocks, _ = _chunks(high, columns)
    times = t[np.arange(lo_blocks.shape[0]) * chunk]
    return times, np.nanmin(lo_blocks, axis=1), np.nanmax(hi_blocks, axis=1)


@contextmanager
def style():
    """Context in which the toolkit's matplotlib style is active."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float = 6.5, height: float = 4.0, **subplots) -> tuple[Figure, np.ndarray]:
    """A figure (inches) with a grid of axes, rendered by Agg; call inside :func:`style`.

    Keyword arguments go to :meth:`Figure.subplots` (``nrows``, ``ncols``, ``sharex``...);
    the axes are returned as an array.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(squeeze=False, **subplots)
    return fig, axes


#: Suffixes a figure path may carry (each format replaces it); "" for none.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf", "")


def figure_paths(
    path: str | Path, formats: Iterable[str] = FORMATS, *, option: str | None = None
) -> list[Path]:
    """The files :func:`save_figure` writes for ``path``, checked before any work.

    ``path`` may carry a figure suffix (``fig.png``) or none (``fig``); each format replaces
    it. Raises :class:`~adexmf.errors.OutputError` for another suffix or a destination that
    cannot be written (:func:`adexmf.store.check_destination`).
    """
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise OutputError(
            f"{option + ' ' if option else ''}{str(path)!r}: figure suffix "
            f"{path.suffix!r} is not supported; allowed: .png, .svg, .pdf or none "
            "(PNG and SVG are written)"
        )
    base = path.with_suffix("") if path.suffix else path
    targets = [base.with_name(f"{base.name}.{fmt}") for fmt in formats]
    for target in targets:
        check_destination(target, option=option)
    return targets


def save_figure(
    fig: Figure,
    path: str | Path,
    formats: Iterable[str] = FORMATS,
    *,
    option: str | None = None,
) -> list[Path]:
    """Write ``fig`` as PNG and SVG (by default) next to ``path``; return the files.

    ``path`` may carry a suffix (``fig.png``) or not (``fig``); each format replaces it.
    Every file goes through the output layer (:func:`adexmf.store.atomic_path`): checked,
    written atomically, never a temporary file left behind.
    """
    written = []
    with style():
        for target in figure_paths(path, formats, option=option):
            with atomic_path(target, option=option) as tmp:
                fig.savefig(tmp, format=target.suffix[1:])
            written.append(target)
    return written


def legend_on_top(ax, ncol: int = 3, room: float = 0.35) -> None:
    """Legend in the upper-left corner, with the y range extended so it covers no data."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + room * (hi - lo))
    ax.legend(loc="upper left", ncol=ncol)


def panel_label(ax, letter: str) -> None:
    """Bold panel letter in the upper-left corner, outside the axes."""
    ax.text(-0.02, 1.02, letter, transform=ax.transAxes, fontweight="bold", fontsize=10,
            ha="right", va="bottom")  # fmt: skip
