"""The fits of several VSDI recordings side by side: a table and its statistics.

- :func:`fit_table` stacks the fit Datasets of :func:`adexmf.vsdi.fit.fit_recording` along
  ``recording`` (SI inside) and computes the across-recording statistics (attr
  ``statistics``, JSON): mean and sd of v_c and l_stim, the paired comparison of l_exc and
  l_inh (Wilcoxon signed-rank and paired t-test), the Spearman correlation of tau1 and tau2
  with the stimulus duration, and the fraction of recordings where the fit beats the paper's
  default parameters.
- :func:`write_table` writes it as NetCDF and as CSV (one row per recording, human units in
  the column names), :func:`summarize` builds it from a folder of ``*.fit.nc`` files.

The figures of the fits (one recording, every recording as Fig. 10, a raw recording) are
drawn by :mod:`adexmf.figures.fig10_vsdi`.
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

from ..errors import InputFileError, ParameterError
from ..netcdf import json_attr, read_netcdf, write_netcdf
from ..store import check_destination, check_folder, provenance, write_text
from .fit import at_bound
from .io import MONKEYS
from .scan import HIGH, LOW, NAMES, PARAMETERS, human

__all__ = [
    "FIT_SUFFIX",
    "TABLE_NAME",
    "fit_table",
    "summarize",
    "table_csv",
    "table_paths",
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
        ``inf`` where the data do not constrain it), ``default`` (recording, parameter; SI),
        ``at_bound`` (recording, parameter; 1 at the scan's range), ``low`` and ``high``
        (parameter: the scan's range, SI);
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
    table = xr.Dataset(_table_variables(fits, summaries), coords=_table_coords(summaries))
    for var in ("value", "uncertainty", "default", "low", "high"):  # one SI unit per parameter
        table[var].attrs["units_coordinate"] = "parameter_units"
    statistics = table_statistics(table)
    table.attrs = {
        "title": f"ring fits to {len(fits)} VSDI recording(s)",
        "n_recordings": len(fits),
        "statistics": json.dumps(_json_safe(statistics), allow_nan=False),
        **provenance(),
    }
    return table


def _table_variables(
    fits: Sequence[xr.Dataset], summaries: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The variables of :func:`fit_table` (SI; units ``1`` for the residuals and counts)."""
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
    flags = np.array([at_bound(v) for v in stack("value")], dtype=np.int8)
    bound_attrs = {**one, "long_name": "1 where the range of SPEC 9 sets the value"}
    data["at_bound"] = (("recording", "parameter"), flags, bound_attrs)
    data["low"] = (("parameter",), LOW.copy(), {"long_name": "lower end of the scan's range"})
    data["high"] = (("parameter",), HIGH.copy(), {"long_name": "upper end of the scan's range"})
    for var, key, long_name in _SCALARS:
        data[var] = (rec, scalars(key), {**one, "long_name": long_name})
    durations = np.array([float(s.get("duration_ms", np.nan)) * 1e-3 for s in summaries])
    data["duration_s"] = (rec, durations, {"units": "s", "long_name": "stimulus duration"})
    for field in ("n_points", "n_units"):
        values = [int(f.attrs.get(f"scan_{field}", -1)) for f in fits]
        data[f"scan_{field}"] = (rec, np.array(values), {**one, "long_name": f"scan {field}"})
    return data


def _table_coords(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The coordinates of :func:`fit_table`: recordings (unique names) and parameters."""
    order = list(NAMES)
    sessions = [str(s.get("session", "")) for s in summaries]
    return {
        "recording": (
            "recording",
            _recording_names(summaries),
            {"long_name": "recording (session, duration)"},
        ),
        "parameter": ("parameter", order),
        "parameter_units": ("parameter", [PARAMETERS[k][0] for k in order]),
        "session": ("recording", sessions),
        "monkey": ("recording", [MONKEYS.get(s[:2].lower(), "unknown") for s in sessions]),
        "file": ("recording", [str(s.get("file", "")) for s in summaries]),
    }


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
                f"fits folder {str(folder)!r} holds no {FIT_SUFFIX} file; fit recordings into it "
                "first (adexmf vsdi fit)"
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
