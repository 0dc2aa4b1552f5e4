"""The fits of several VSDI recordings side by side: a table, its statistics and figures.

- :func:`fit_table` stacks the fit Datasets of :func:`adexmf.vsdi.fit.fit_recording` along
  ``recording`` (SI inside) and computes the across-recording statistics (attr
  ``statistics``, JSON): mean and sd of v_c and l_stim, the paired comparison of l_exc and
  l_inh (Wilcoxon signed-rank and paired t-test), the Spearman correlation of tau1 and tau2
  with the stimulus duration, and the fraction of recordings where the fit beats the paper's
  default parameters.
- :func:`write_table` writes it as NetCDF and as CSV (one row per recording, human units in
  the column names), :func:`summarize` builds it from a folder of ``*.fit.nc`` files.
- :func:`figure_fit` (one recording: data vs model maps, parameters and residuals),
  :func:`figure_summary` (Fig. 10-like: every recording) and :func:`figure_recording` (the
  four maps of a raw recording) draw with the Agg backend and write one file each (PNG by
  default; any format matplotlib writes, chosen by the suffix).
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputFileError, OutputError, ParameterError
from ..store import (
    atomic_path,
    check_destination,
    check_folder,
    json_attr,
    provenance,
    read_netcdf,
    write_netcdf,
    write_text,
)
from .io import MONKEYS
from .scan import DEFAULT_PARAMETERS, NAMES, PARAMETERS, human

__all__ = [
    "FIT_SUFFIX",
    "TABLE_NAME",
    "figure_fit",
    "figure_path",
    "figure_recording",
    "figure_summary",
    "fit_table",
    "summarize",
    "table_statistics",
    "write_table",
]

#: Suffix of the fit files :func:`summarize` reads from a folder.
FIT_SUFFIX = ".fit.nc"
#: Base name of the table files written by :func:`write_table`.
TABLE_NAME = "vsdi_fits"

#: Per-recording scalars of the table: variable, key of the fit's summary, long name.
_SCALARS = (
    ("residual", "residual", "residual of the fitted parameters (stim1)"),
    ("default_residual", "default_residual", "residual of the default parameters (stim1)"),
    ("relative_residual", "relative_residual", "fitted residual / sum of squared data"),
    ("stim2_residual", "stim2_residual", "residual of the predicted stim2 response"),
    ("both_residual", "both_residual", "residual of the predicted response to both stimuli"),
    ("suppression_min_data", "suppression_min_data", "minimum of both - (stim1 + stim2), data"),
    ("suppression_min_model", "suppression_min_model", "minimum of both - (stim1 + stim2), model"),
)


def _human(name: str) -> tuple[str, float]:
    """Human unit of a parameter as a name suffix (``mm_per_s``) and its factor from SI."""
    key, _, factor = human(name)
    return key[len(name) + 1 :], factor


def _label(name: str) -> str:
    """Unit of a parameter for text (``mm/s``)."""
    return PARAMETERS[name][3]


# ------------------------------------------------------------------------------ table
def _recording_names(summaries: Sequence[dict[str, Any]]) -> list[str]:
    """Session names, made unique: the duration appended where a session repeats, then
    ``_2``, ``_3``... where a session and duration repeat."""
    sessions = [str(s.get("session") or Path(str(s.get("file", "fit"))).stem) for s in summaries]
    repeated = Counter(sessions)
    names = [
        f"{name}_{s['duration_ms']:g}ms" if repeated[name] > 1 else name
        for name, s in zip(sessions, summaries, strict=True)
    ]
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


def _fit_summary(fit: xr.Dataset, k: int) -> dict[str, Any]:
    source = f"fit {k} ({fit.attrs.get('session', fit.encoding.get('source', '?'))})"
    summary = json_attr(fit, "summary", source=source)
    missing = [v for v in ("value", "uncertainty", "default") if v not in fit]
    if missing or "parameter" not in fit.dims:
        raise InputFileError(
            f"{source} lacks {', '.join(missing) or 'the dimension parameter'}: not a fit "
            "written by adexmf vsdi fit"
        )
    return summary


def fit_table(fits: Sequence[xr.Dataset]) -> xr.Dataset:
    """The fits of several recordings as one table, with across-recording statistics.

    Parameters
    ----------
    fits : sequence of xarray.Dataset
        Results of :func:`adexmf.vsdi.fit.fit_recording` (or their files read back).

    Returns
    -------
    xarray.Dataset
        Dims ``recording`` (session names, made unique by appending the stimulus duration,
        ``wa080507_100ms``, where a session appears more than once) and ``parameter``
        (``v_c``, ``l_stim``, ``l_exc``, ``l_inh``, ``tau1``, ``tau2``; SI unit of each in
        the coordinate ``parameter_units``). Variables ``value``, ``uncertainty`` (one sd,
        ``inf`` where the data do not constrain it), ``default`` (recording, parameter; SI);
        ``residual``, ``default_residual``, ``relative_residual``, ``stim2_residual``,
        ``both_residual``, ``suppression_min_data``, ``suppression_min_model`` (units ``1``),
        ``duration_s`` (stimulus duration, s), ``scan_n_points``, ``scan_n_units``.
        Coordinates ``session``, ``monkey``, ``file`` along ``recording``. Attrs
        ``statistics`` (JSON, :func:`table_statistics`), ``n_recordings``, provenance.

    Raises
    ------
    ParameterError
        For an empty sequence.
    InputFileError
        For a Dataset that is not a fit (no ``summary`` attribute or parameter variables).
    """
    fits = list(fits)
    if not fits:
        raise ParameterError("fit_table: no fits given; give at least one fit Dataset")
    summaries = [_fit_summary(f, k) for k, f in enumerate(fits)]
    names = _recording_names(summaries)
    order = list(NAMES)

    def stack(var: str) -> np.ndarray:
        return np.array([f[var].sel(parameter=order).values for f in fits], dtype=np.float64)

    def scalars(key: str) -> np.ndarray:
        return np.array([float(s.get(key, np.nan)) for s in summaries], dtype=np.float64)

    one = {"units": "1"}
    rec = ("recording",)
    data: dict[str, Any] = {
        "value": (("recording", "parameter"), stack("value"), {"long_name": "fitted value"}),
        "uncertainty": (
            ("recording", "parameter"),
            stack("uncertainty"),
            {"long_name": "one standard deviation of the fitted value (inf: unconstrained)"},
        ),
        "default": (
            ("recording", "parameter"),
            stack("default"),
            {"long_name": "default (paper) value"},
        ),  # fmt: skip
    }
    from .fit import at_bound

    flags = np.array([at_bound(v) for v in stack("value")], dtype=np.int8)
    bound_attrs = {**one, "long_name": "1 where the range of SPEC 9 sets the value"}
    data["at_bound"] = (("recording", "parameter"), flags, bound_attrs)
    for var, key, long_name in _SCALARS:
        data[var] = (rec, scalars(key), {**one, "long_name": long_name})
    durations = np.array([float(s.get("duration_ms", np.nan)) * 1e-3 for s in summaries])
    data["duration_s"] = (rec, durations, {"units": "s", "long_name": "stimulus duration"})
    for field in ("n_points", "n_units"):
        values = [int(f.attrs.get(f"scan_{field}", -1)) for f in fits]
        data[f"scan_{field}"] = (rec, np.array(values), {**one, "long_name": f"scan {field}"})
    sessions = [str(s.get("session", "")) for s in summaries]
    coords = {
        "recording": ("recording", names, {"long_name": "recording (session, duration)"}),
        "parameter": ("parameter", order),
        "parameter_units": ("parameter", [PARAMETERS[k][0] for k in order]),
        "session": ("recording", sessions),
        "monkey": ("recording", [MONKEYS.get(s[:2].lower(), "unknown") for s in sessions]),
        "file": ("recording", [str(s.get("file", "")) for s in summaries]),
    }
    table = xr.Dataset(data, coords=coords)
    for var in ("value", "uncertainty", "default"):  # one SI unit per parameter
        table[var].attrs["units_coordinate"] = "parameter_units"
    statistics = table_statistics(table)
    table.attrs = {
        "title": f"ring fits to {len(fits)} VSDI recording(s)",
        "n_recordings": len(fits),
        "statistics": json.dumps(_json_safe(statistics), allow_nan=False),
        **provenance(),
    }
    return table


def _json_safe(obj: Any) -> Any:
    """``obj`` with NaN and inf floats replaced by None (JSON has neither)."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _finite_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(a) & np.isfinite(b)
    return a[ok], b[ok]


def _quietly(function, *args) -> tuple[float, float]:
    """(statistic, p) of a scipy test, NaN where it is undefined (too few or equal values)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = function(*args)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return float("nan"), float("nan")
    return float(result[0]), float(result[1])


def table_statistics(table: xr.Dataset) -> dict[str, Any]:
    """Across-recording statistics of a :func:`fit_table` (SI; unit in each key's name).

    Returns
    -------
    dict
        ``n_recordings``; ``v_c_m_per_s`` and ``l_stim_m``: ``mean``, ``sd`` (ddof 1),
        ``n``; ``l_exc_vs_l_inh``: ``n``, ``mean_difference_m`` (l_exc - l_inh),
        ``wilcoxon`` and ``t_test`` (paired; ``statistic``, ``p_value``); ``tau1_vs_duration``
        and ``tau2_vs_duration``: Spearman ``rho``, ``p_value``, ``n``;
        ``n_below_default`` and ``fraction_below_default`` (fitted residual below the
        default's). NaN where undefined (too few recordings, constant values).
    """
    from scipy import stats

    value = table["value"]

    def param(name: str) -> np.ndarray:
        return value.sel(parameter=name).values.astype(np.float64)

    def spread(name: str) -> dict[str, Any]:
        v = param(name)
        v = v[np.isfinite(v)]
        return {
            "mean": float(v.mean()) if v.size else float("nan"),
            "sd": float(v.std(ddof=1)) if v.size > 1 else float("nan"),
            "n": int(v.size),
        }

    exc, inh = _finite_pairs(param("l_exc"), param("l_inh"))
    w, p_w = _quietly(stats.wilcoxon, exc, inh) if exc.size else (float("nan"),) * 2
    t, p_t = _quietly(stats.ttest_rel, exc, inh) if exc.size > 1 else (float("nan"),) * 2
    out: dict[str, Any] = {
        "n_recordings": int(table.sizes["recording"]),
        "v_c_m_per_s": spread("v_c"),
        "l_stim_m": spread("l_stim"),
        "l_exc_vs_l_inh": {
            "n": int(exc.size),
            "mean_difference_m": float((exc - inh).mean()) if exc.size else float("nan"),
            "wilcoxon": {"statistic": w, "p_value": p_w},
            "t_test": {"statistic": t, "p_value": p_t},
        },
    }
    duration = table["duration_s"].values.astype(np.float64)
    for name in ("tau1", "tau2"):
        tau, d = _finite_pairs(param(name), duration)
        rho, p = _quietly(stats.spearmanr, d, tau) if tau.size > 1 else (float("nan"),) * 2
        out[f"{name}_vs_duration"] = {"rho": rho, "p_value": p, "n": int(tau.size)}
    fitted, default = _finite_pairs(
        table["residual"].values.astype(np.float64),
        table["default_residual"].values.astype(np.float64),
    )
    below = int(np.sum(fitted < default))
    out["n_below_default"] = below
    out["fraction_below_default"] = below / fitted.size if fitted.size else float("nan")
    return out


def _csv_number(v: float) -> str:
    v = float(v)
    return "nan" if math.isnan(v) else f"{v:.8g}"


def table_csv(table: xr.Dataset) -> str:
    """The table as CSV text: one row per recording, human units in the column names
    (``v_c_mm_per_s``, ``v_c_sd_mm_per_s``, ``v_c_default_mm_per_s``, ``duration_ms``...)."""
    header = ["recording", "session", "monkey", "duration_ms"]
    for name in NAMES:
        unit, _ = _human(name)
        header += [f"{name}_{unit}", f"{name}_sd_{unit}", f"{name}_default_{unit}",
                   f"{name}_at_bound"]  # fmt: skip
    header += [var for var, _, _ in _SCALARS] + ["file"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for k, rec in enumerate(table.recording.values):
        row = [str(rec), str(table.session.values[k]), str(table.monkey.values[k]),
               _csv_number(table.duration_s.values[k] * 1e3)]  # fmt: skip
        for name in NAMES:
            _, factor = _human(name)
            for var in ("value", "uncertainty", "default"):
                row.append(_csv_number(table[var].sel(parameter=name).values[k] * factor))
            row.append(str(int(table["at_bound"].sel(parameter=name).values[k])))
        row += [_csv_number(table[var].values[k]) for var, _, _ in _SCALARS]
        row.append(str(table.file.values[k]))
        writer.writerow(row)
    return buffer.getvalue()


def table_paths(folder: str | Path) -> tuple[Path, Path]:
    """The NetCDF and CSV files :func:`write_table` writes in ``folder``."""
    folder = Path(folder)
    return folder / f"{TABLE_NAME}.nc", folder / f"{TABLE_NAME}.csv"


def write_table(table: xr.Dataset, folder: str | Path, *, option: str | None = None) -> list[Path]:
    """Write the table as ``vsdi_fits.nc`` and ``vsdi_fits.csv`` in ``folder`` (atomic).

    Both destinations are checked before either is written.

    Returns
    -------
    list of Path
        The NetCDF and the CSV file.
    """
    check_folder(folder, option=option)
    nc, csv_path = table_paths(folder)
    check_destination(nc, option=option)
    check_destination(csv_path, option=option)
    text = table_csv(table)
    return [write_netcdf(table, nc, option=option), write_text(text, csv_path, option=option)]


def summarize(folder_or_fits: str | Path | Sequence[xr.Dataset | str | Path]) -> xr.Dataset:
    """The table of every fit in a folder (``*.fit.nc``), or of the fits (Datasets or
    files) given.

    Raises
    ------
    InputFileError
        For a folder that does not exist or holds no ``*.fit.nc`` file, or a file that is not
        a fit.
    """
    if isinstance(folder_or_fits, str | Path):
        folder = Path(folder_or_fits)
        if not folder.is_dir():
            what = "does not exist" if not folder.exists() else "is not a folder"
            raise InputFileError(f"fits folder {str(folder)!r} {what}; give the folder of the fits")
        items: list[Any] = sorted(folder.glob(f"*{FIT_SUFFIX}"))
        if not items:
            raise InputFileError(
                f"fits folder {str(folder)!r} holds no {FIT_SUFFIX} file; write fits into it "
                "with adexmf vsdi fit --out"
            )
    else:
        items = list(folder_or_fits)
    fits = []
    for item in items:
        if isinstance(item, xr.Dataset):
            fits.append(item)
            continue
        ds = read_netcdf(item, what="VSDI fit")
        ds.encoding["source"] = str(item)
        if "summary" not in ds.attrs:
            raise InputFileError(f"VSDI fit {str(item)!r} has no summary: not a fit file")
        fits.append(ds)
    return fit_table(fits)


# ------------------------------------------------------------------------------ figures
def figure_path(path: str | Path, *, option: str | None = None) -> Path:
    """The file a figure function writes for ``path`` (``.png`` added when there is no
    suffix), checked: the suffix is a format matplotlib writes and the file can be written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    if not path.suffix:
        path = path.with_name(path.name + ".png")
    formats = FigureCanvasAgg(Figure()).get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise OutputError(
            f"{option + ' ' if option else ''}{str(path)!r}: figure suffix {path.suffix!r} is "
            f"not a format matplotlib writes; allowed: {', '.join('.' + f for f in formats)}"
        )
    return check_destination(path, option=option)


def _save(fig, path: str | Path) -> Path:
    from ..figures.style import style

    target = figure_path(path)
    with style(), atomic_path(target) as tmp:
        fig.savefig(tmp, format=target.suffix[1:].lower())
    return target


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


def _with_sd(name: str, value: float, sd: float) -> str:
    _, factor = _human(name)
    v = value * factor
    if not math.isfinite(sd):
        return f"{_num(v, 3)} ± unconstrained"
    return f"{_num(v, 3)} ± {_num(sd * factor, 2)}"


_SYMBOLS = {
    "v_c": "$v_c$", "l_stim": "$l_{stim}$", "l_exc": "$l_{exc}$", "l_inh": "$l_{inh}$",
    "tau1": "$\\tau_1$", "tau2": "$\\tau_2$",
}  # fmt: skip


def figure_fit(fit_ds: xr.Dataset, path: str | Path) -> Path:
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
        Output file; its suffix chooses the format (none: PNG).

    Returns
    -------
    Path
        The file written.
    """
    from ..figures.style import new_figure, style

    target = figure_path(path)
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
        return _save(fig, target)


def _fit_text(fig, axes, fit_ds: xr.Dataset, summary: dict[str, Any]) -> None:
    lines = ["fitted parameters (± 1 sd)", "[default]"]
    for name in NAMES:
        v = float(fit_ds.value.sel(parameter=name))
        sd = float(fit_ds.uncertainty.sel(parameter=name))
        d = float(fit_ds.default.sel(parameter=name)) * _human(name)[1]
        lines.append(f"{_SYMBOLS[name]} = {_with_sd(name, v, sd)} {_label(name)}  [{d:g}]")
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


def figure_summary(table: xr.Dataset, path: str | Path) -> Path:
    """Fig. 10-like overview of the fits of every recording in a :func:`fit_table`.

    Panels: (A) residual of the fitted and of the default parameters per recording; (B)
    fitted v_c (mm/s) ± 1 sd; (C) l_exc vs l_inh, one line per recording, with the paired
    tests' p-values; (D) l_stim (mm) ± 1 sd; (E, F) tau1 and tau2 (ms) vs the stimulus
    duration (ms), with Spearman's rho. Error bars are cut at the scan's range (an
    unconstrained parameter spans it). Dashed lines: the paper's default values.

    Returns
    -------
    Path
        The file written (suffix chooses the format; none: PNG).
    """
    from matplotlib.ticker import NullFormatter

    from ..figures.style import COLORS, new_figure, panel_label, style

    target = figure_path(path)
    stats = json_attr(table, "statistics", source="VSDI fit table")
    names = [str(r) for r in table.recording.values]
    n = len(names)
    idx = np.arange(n)
    value, sd = table["value"], table["uncertainty"]
    duration_ms = table["duration_s"].values * 1e3
    monkey_colors = {"Monkey1": "#1f4e9c", "Monkey2": "#e08214"}
    colors = [monkey_colors.get(str(m), "0.4") for m in table.monkey.values]

    def series(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        _, f = _human(name)
        unit, lo, hi, _, _ = PARAMETERS[name]
        v = value.sel(parameter=name).values
        err = _clipped_errors(v, sd.sel(parameter=name).values, lo, hi)
        return v * f, err * f, np.array([lo, hi]) * f

    def per_recording(ax, name: str, letter: str) -> None:
        v, err, (lo, hi) = series(name)
        for k in idx:
            ax.errorbar(k, v[k], yerr=err[:, k : k + 1], fmt="o", color=colors[k], ms=5,
                        capsize=2.5, lw=1.0)  # fmt: skip
        ax.axhline(DEFAULT_PARAMETERS[name] * _human(name)[1], color="k", ls="--", lw=0.8)
        ax.axhspan(lo, hi, color="0.93", zorder=0)
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.12 * (hi - lo))
        ax.set_xticks(idx, names, rotation=60, ha="right", fontsize=7)
        ax.set_xlim(-0.6, n - 0.4)
        key = f"{name}_{PARAMETERS[name][0].replace('/', '_per_')}"
        s = stats.get(key, {})
        f = _human(name)[1]
        mean = s.get("mean")
        sd_all = s.get("sd")
        text = "mean n/a" if mean is None else f"mean {_num(mean * f, 3)}"
        text += "" if sd_all is None else f" ± {_num(sd_all * f, 2)}"
        ax.set_title(f"{_SYMBOLS[name]}: {text} {_label(name)} (n = {s.get('n', n)})")
        ax.set_ylabel(f"{_SYMBOLS[name]} ({_label(name)})")
        panel_label(ax, letter)

    with style():
        fig, axes = new_figure(10.5, 7.4, nrows=2, ncols=3)
        # A: residuals
        ax = axes[0, 0]
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
        ax.set_xticks(idx, names, rotation=60, ha="right", fontsize=7)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylabel("residual (stim1, normalised)")
        below, frac = stats.get("n_below_default"), stats.get("fraction_below_default")
        ax.set_title(
            "residual: fitted below default in "
            + ("n/a" if frac is None else f"{below}/{n} ({frac:.0%})")
        )
        ax.legend(loc="upper left", ncol=2, fontsize=7.5)
        panel_label(ax, "A")
        per_recording(axes[0, 1], "v_c", "B")
        per_recording(axes[1, 0], "l_stim", "D")
        # C: l_exc vs l_inh, paired
        ax = axes[0, 2]
        exc = value.sel(parameter="l_exc").values * 1e3
        inh = value.sel(parameter="l_inh").values * 1e3
        for k in idx:
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
            f"n = {test.get('n', n)}"
        )
        panel_label(ax, "C")
        # E, F: tau vs duration
        jitter = (idx - (n - 1) / 2) * min(1.2, 8.0 / max(n, 1))
        for ax, name, letter in ((axes[1, 1], "tau1", "E"), (axes[1, 2], "tau2", "F")):
            v, err, (lo, hi) = series(name)
            for k in idx:
                ax.errorbar(duration_ms[k] + jitter[k], v[k], yerr=err[:, k : k + 1], fmt="o",
                            color=colors[k], ms=5, capsize=2.5, lw=1.0)  # fmt: skip
            ax.axhline(DEFAULT_PARAMETERS[name] * 1e3, color="k", ls="--", lw=0.8)
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
        handles = [
            _marker(color, label) for label, color in monkey_colors.items()
            if label in set(table.monkey.values)
        ]  # fmt: skip
        handles.append(_line("k", "--", "default (paper)"))
        handles.append(_patch("0.93", "scan range"))
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8)
        fig.suptitle(
            f"Ring fits to {n} VSDI recording(s): fitted parameters ± 1 sd (cut at the scan range)"
        )
        return _save(fig, target)


def _marker(color, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], ls="", marker="o", color=color, label=label)


def _line(color, ls, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, ls=ls, lw=0.8, label=label)


def _patch(color, label):
    from matplotlib.patches import Patch

    return Patch(color=color, label=label)


def figure_recording(recording: xr.Dataset, path: str | Path) -> Path:
    """The four maps of a raw recording (:func:`adexmf.vsdi.load_recording`): stim1, stim2,
    both (apparent motion) on one colour scale, and the file's non-linearity map; dF/F in %,
    time (ms, the file's origin) and position (mm).

    Returns
    -------
    Path
        The file written (suffix chooses the format; none: PNG).
    """
    from ..figures.style import new_figure, panel_label, style

    target = figure_path(path)
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
        return _save(fig, target)
