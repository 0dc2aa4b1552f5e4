"""Reading monkey V1 voltage-sensitive-dye imaging (VSDI) recordings.

The recordings are MATLAB v5 files holding one struct ``matNL`` with the fields

- ``name``: the session name (text), normally the file name without ``.mat``;
- ``time``: 1 x n_t frame times (ms), uniform (~9.09 ms, ~110 frames/s); the origin differs
  between files;
- ``space``: 1 x n_x positions along the cortex (mm), uniform (~0.0566 mm), from 0;
- ``stim1``, ``stim2``: n_x x n_t maps (space x time) of dF/F (a fraction, peaks ~1e-3):
  responses to the first and to the second stimulus alone;
- ``matAM``: the response to both stimuli in sequence (apparent motion);
- ``mat``: a non-linearity map close to ``matAM - (stim1 + stim2)``.

Each field may also be wrapped in a 1 x 1 cell. The file name ends in ``NL_up_<D><S>``: D
is the stimulus duration in ms, read as a leading digit followed by its zeros (``1050`` ->
10 and 50, ``10050`` -> 100 and 50, ``100100`` -> 100 and 100), S a second number (ms) that
the model comparison does not use. Sessions starting with ``wa`` are from Monkey1, ``br``
from Monkey2.

:func:`load_recording` returns the maps as an :class:`xarray.Dataset` in the layout of
``docs/data-model.md``: SI units (s, m), ``time`` first.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataWarning, InputFileError
from ..store import check_readable_file, provenance

__all__ = ["MAP_FIELDS", "load_recording", "parse_file_name"]

#: Monkey of each session-name prefix.
MONKEYS = {"wa": "Monkey1", "br": "Monkey2"}

#: Map fields of the file -> (variable of the Dataset, long name).
MAP_FIELDS: dict[str, tuple[str, str]] = {
    "stim1": ("stim1", "dF/F response to the first stimulus alone"),
    "stim2": ("stim2", "dF/F response to the second stimulus alone"),
    "matAM": ("both", "dF/F response to both stimuli in sequence (apparent motion)"),
    "mat": (
        "nonlinearity",
        "non-linearity map of the file (field 'mat'), close to both - (stim1 + stim2)",
    ),
}
#: Every field the ``matNL`` struct must have.
REQUIRED_FIELDS = ("name", "time", "space", *MAP_FIELDS)
#: Largest relative deviation of one step of the time or space axis from the mean step.
UNIFORM_TOLERANCE = 1e-3

_PATTERN = "[<prefix>_]<session>_NL_up_<D><S>[_<extra>][.mat]"
_NAME_RE = re.compile(
    r"^(?:(?P<prefix>[A-Za-z0-9]+)_)??(?P<session>[A-Za-z]+\d+[A-Za-z]*)"
    r"_NL_up_(?P<code>\d+)(?:_[A-Za-z0-9]+)*$"
)
_CODE_RE = re.compile(r"^(?P<duration>[1-9]0*)(?P<second>[1-9]\d*)$")


def parse_file_name(name: str | Path) -> dict[str, Any]:
    """Session, monkey and stimulus timing encoded in a recording's name.

    Parameters
    ----------
    name : str or Path
        A file name or path (``matx2_wa080208_NL_up_10050.mat``), or the internal name of a
        recording (``matx2_br131023_NL_up_1020_23``); a folder part and a ``.mat`` suffix are
        ignored, trailing ``_<token>`` parts after the code too.

    Returns
    -------
    dict
        ``session`` (``"wa080208"``), ``monkey`` (``"Monkey1"`` for the prefix ``wa``,
        ``"Monkey2"`` for ``br``, else ``None``), ``duration_s`` (stimulus duration, s: the
        code's leading digit followed by its zeros, in ms) and ``second_ms`` (the rest of
        the code, ms, int; its meaning is not documented).

    Raises
    ------
    InputFileError
        If the name does not follow ``[<prefix>_]<session>_NL_up_<D><S>``; the message names
        it and gives the pattern.

    Examples
    --------
    >>> parse_file_name("matx2_wa080208_NL_up_10050.mat")
    {'session': 'wa080208', 'monkey': 'Monkey1', 'duration_s': 0.1, 'second_ms': 50}
    >>> parse_file_name("matx2_br140206_NL_up_10100.mat")["duration_s"]
    0.01
    """
    stem = Path(str(name)).name
    if stem.lower().endswith(".mat"):
        stem = stem[:-4]
    match = _NAME_RE.match(stem)
    code = _CODE_RE.match(match["code"]) if match else None
    if match is None or code is None:
        raise InputFileError(
            f"VSDI recording name {str(name)!r} does not follow the pattern {_PATTERN!r} (e.g. "
            "'matx2_wa080208_NL_up_10050.mat': D = stimulus duration in ms, a leading digit "
            "followed by its zeros, then S, a second number in ms)"
        )
    session = match["session"]
    return {
        "session": session,
        "monkey": MONKEYS.get(session[:2].lower()),
        "duration_s": int(code["duration"]) / 1000.0,
        "second_ms": int(code["second"]),
    }


# --------------------------------------------------------------------------- loading
def _unwrap(value: Any) -> Any:
    """The content of (nested) 1 x 1 cells."""
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.flat[0]
    return value


def _text(value: Any, label: str) -> str:
    value = _unwrap(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "US":
        return "".join(str(v) for v in value.ravel())
    kind = getattr(value, "dtype", type(value).__name__)
    raise InputFileError(f"{label}: field 'name' is not text (got {kind})")


def _numeric(value: Any, field: str, label: str) -> np.ndarray:
    value = _unwrap(value)
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
        raise InputFileError(f"{label}: field {field!r} is not a numeric array (got {kind})")
    return value.astype(np.float64)


def _axis(value: Any, field: str, unit: str, label: str) -> tuple[np.ndarray, float]:
    """A uniform, increasing, finite 1-D axis (file units) and its step."""
    arr = _numeric(value, field, label)
    if arr.ndim > 2 or (arr.ndim == 2 and min(arr.shape) != 1):
        raise InputFileError(
            f"{label}: field {field!r} has shape {arr.shape}; expected a 1 x n vector"
        )
    arr = arr.ravel()
    if arr.size < 2:
        raise InputFileError(f"{label}: field {field!r} has {arr.size} value(s); expected >= 2")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputFileError(
            f"{label}: field {field!r} has {bad.size} non-finite value(s) (first at index "
            f"{bad[0]}: {arr[bad[0]]})"
        )
    step = (arr[-1] - arr[0]) / (arr.size - 1)
    if not step > 0:
        raise InputFileError(
            f"{label}: field {field!r} is not increasing (from {arr[0]:g} to {arr[-1]:g} {unit})"
        )
    deviation = np.abs(np.diff(arr) - step) / step
    k = int(np.argmax(deviation))
    if deviation[k] > UNIFORM_TOLERANCE:
        raise InputFileError(
            f"{label}: field {field!r} is not uniform: step {k} ({arr[k]:g} -> {arr[k + 1]:g} "
            f"{unit}) deviates from the mean step {step:g} {unit} by {deviation[k]:.3g} "
            f"(relative; allowed {UNIFORM_TOLERANCE:g})"
        )
    return arr, float(step)


def _read_struct(path: Path, label: str) -> dict[str, Any]:
    """The fields of the ``matNL`` struct of a MATLAB file."""
    from scipy.io import loadmat

    try:
        raw = loadmat(path)
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise InputFileError(
            f"{label} cannot be read: {exc}; save it as a MATLAB v5 file (save -v7)"
        ) from None
    except Exception as exc:  # scipy raises ValueError, TypeError, MatReadError, OSError...
        raise InputFileError(
            f"{label} cannot be read as a MATLAB file ({type(exc).__name__}: {exc})"
        ) from None
    if "matNL" not in raw:
        found = sorted(k for k in raw if not k.startswith("__"))
        raise InputFileError(
            f"{label} has no variable 'matNL' (found: {', '.join(found) or 'none'}): "
            "not a VSDI recording"
        )
    struct = _unwrap(raw["matNL"])
    names = getattr(getattr(struct, "dtype", None), "names", None)
    if not isinstance(struct, np.ndarray) or names is None:
        raise InputFileError(f"{label}: variable 'matNL' is not a struct")
    if struct.size != 1:
        raise InputFileError(
            f"{label}: variable 'matNL' holds {struct.size} structs (shape {struct.shape}); "
            "expected one"
        )
    missing = [f for f in REQUIRED_FIELDS if f not in names]
    if missing:
        raise InputFileError(
            f"{label}: struct 'matNL' lacks the field(s) {', '.join(map(repr, missing))} "
            f"(it has {', '.join(names) or 'none'})"
        )
    element = struct.flat[0]
    return {f: element[f] for f in REQUIRED_FIELDS}


def _check_names(path: Path, internal: str, label: str) -> dict[str, Any]:
    """The file-name parameters, checked against the internal name (warnings on
    disagreement; the file name wins)."""
    try:
        from_file = parse_file_name(path.name)
    except InputFileError:
        try:
            from_internal = parse_file_name(internal)
        except InputFileError:
            raise InputFileError(
                f"{label}: neither its file name nor its internal name {internal!r} follows "
                f"the pattern {_PATTERN!r} (e.g. 'matx2_wa080208_NL_up_10050.mat')"
            ) from None
        warnings.warn(
            f"{label}: the file name does not follow the pattern {_PATTERN!r}; session and "
            f"stimulus duration taken from the internal name {internal!r}",
            DataWarning,
            stacklevel=3,
        )
        return from_internal
    try:
        from_internal = parse_file_name(internal)
    except InputFileError:
        warnings.warn(
            f"{label}: internal name {internal!r} does not follow the pattern {_PATTERN!r}; "
            "session and stimulus duration taken from the file name",
            DataWarning,
            stacklevel=3,
        )
        return from_file
    differ = [k for k in ("session", "duration_s", "second_ms") if from_file[k] != from_internal[k]]
    if differ:
        what = ", ".join(f"{k} {from_file[k]!r} vs {from_internal[k]!r}" for k in differ)
        warnings.warn(
            f"{label}: internal name {internal!r} disagrees with the file name ({what}); "
            "trusting the file name",
            DataWarning,
            stacklevel=3,
        )
    return from_file


def _maps(
    fields: dict[str, Any], expected: tuple[int, int], label: str
) -> tuple[dict[str, xr.Variable], dict[str, dict[str, Any]]]:
    """The maps of :data:`MAP_FIELDS` as (time, x) variables of dF/F (dimensionless), and
    per variable where it is NaN (:func:`_nan_layout`)."""
    data: dict[str, xr.Variable] = {}
    layout: dict[str, dict[str, Any]] = {}
    for field, (var, long_name) in MAP_FIELDS.items():
        arr = _numeric(fields[field], field, label)
        if arr.shape != expected:
            raise InputFileError(
                f"{label}: map {field!r} has shape {arr.shape}; expected (n_x, n_t) = "
                f"{expected} from the fields 'space' and 'time'"
            )
        n_inf = int(np.isinf(arr).sum())
        if n_inf:
            raise InputFileError(f"{label}: map {field!r} holds {n_inf} infinite value(s)")
        if not np.isfinite(arr).any():
            raise InputFileError(
                f"{label}: map {field!r} has no finite value (every one of its {arr.size} "
                "samples is NaN): nothing to fit or compare"
            )
        layout[var] = _nan_layout(arr)
        data[var] = xr.Variable(
            ("time", "x"),
            np.ascontiguousarray(arr.T),
            {"units": "1", "long_name": long_name, "source_field": field},
        )
    return data, layout


def _nan_layout(arr: np.ndarray) -> dict[str, Any]:
    """Where a map (n_x, n_t) is NaN: ``rows`` (x indices NaN at every time: positions never
    imaged), ``frames`` (time indices NaN at every position) and ``scattered`` (the number of
    other NaN samples)."""
    nan = np.isnan(arr)
    rows, frames = nan.all(axis=1), nan.all(axis=0)
    scattered = nan & ~rows[:, None] & ~frames[None, :]
    return {
        "rows": [int(i) for i in np.flatnonzero(rows)],
        "frames": [int(k) for k in np.flatnonzero(frames)],
        "scattered": int(scattered.sum()),
    }


def _warn_missing_rows(missing: dict[str, list[int]], label: str) -> None:
    """Warn (for the caller of :func:`load_recording`) about positions never imaged."""
    holes = {v: rows for v, rows in missing.items() if rows}
    if holes:
        if len(holes) == len(missing) and len({tuple(r) for r in holes.values()}) == 1:
            where = f"x indices {next(iter(holes.values()))} of every map"
        else:
            where = "; ".join(f"{v}: x indices {rows}" for v, rows in holes.items())
        warnings.warn(
            f"{label}: all-NaN rows (positions never imaged), kept as NaN: {where}",
            DataWarning,
            stacklevel=3,
        )


def _warn_other_nans(layout: dict[str, dict[str, Any]], label: str) -> None:
    """Warn about all-NaN frames and scattered NaN samples, naming the file and each map.

    Unlike a position never imaged, they are defects of the recording inside the imaged
    field: the temporal smoothing spreads each over about its width in frames, and the
    pre-processing leaves all of them out of the means and residuals of the fit.
    """
    field_of = {var: field for field, (var, _) in MAP_FIELDS.items()}
    parts = []
    for var, where in layout.items():
        frames, n = where["frames"], where["scattered"]
        what = []
        if frames:
            shown = ", ".join(map(str, frames[:8])) + (", ..." if len(frames) > 8 else "")
            what.append(f"{len(frames)} all-NaN frame(s) (time indices {shown})")
        if n:
            what.append(f"{n} scattered NaN value(s)")
        if what:
            parts.append(f"map {field_of[var]!r} ({var}): {' and '.join(what)}")
    if parts:
        warnings.warn(
            f"{label}: {'; '.join(parts)}; kept as NaN and left out of the fit with the "
            "samples their temporal smoothing reaches: the fit uses less of the recording "
            "than it seems (listed in attrs['missing_time_indices'] and "
            "attrs['scattered_nan_values'])",
            DataWarning,
            stacklevel=3,
        )


def load_recording(path: str | Path) -> xr.Dataset:
    """Load one VSDI recording (a ``matNL`` MATLAB file) as a Dataset in SI units.

    Parameters
    ----------
    path : str or Path
        The ``.mat`` file (e.g. ``Monkey1/matx2_wa080208_NL_up_10050.mat``).

    Returns
    -------
    xarray.Dataset
        Dims ``("time", "x")``, time first. Coordinates ``time`` (s, frame times with the
        file's origin, which differs between files) and ``x`` (m, position along the
        cortex). Variables ``stim1``, ``stim2`` (responses to each stimulus alone),
        ``both`` (to both in sequence: the file's ``matAM``) and ``nonlinearity`` (the
        file's ``mat``), all dF/F fractions (units ``"1"``), NaN where not measured.
        Attributes: ``title``; ``file`` (absolute path); ``session``; ``monkey``
        (``"Monkey1"``, ``"Monkey2"`` or ``"unknown"``); ``internal_name`` (the struct's
        ``name``); ``duration_s`` (stimulus duration, from the file name); ``second_s`` (the
        second number of the file-name code, s, meaning undocumented);
        ``frame_interval_s``; ``dx_m``; ``n_time``, ``n_x``; ``missing_x_indices`` (JSON
        object: variable -> indices along ``x`` where the map is NaN at every time);
        ``missing_time_indices`` (the same for frames NaN at every position);
        ``scattered_nan_values`` (JSON object: variable -> number of other NaN samples); and
        :func:`adexmf.store.provenance`.

    Raises
    ------
    InputFileError
        When the file is missing, a directory, unreadable or not a MATLAB v5 file; has no
        ``matNL`` struct or lacks some of its fields (named); a map is not n_x x n_t,
        holds infinite values or no finite value; the time or space axis is not finite,
        increasing and uniform (relative step deviation above 1e-3); or neither the file
        name nor the internal name gives the session and stimulus duration. Messages name
        the file.

    Warns
    -----
    DataWarning
        When a map has all-NaN rows (positions never imaged; kept as NaN and listed in
        ``missing_x_indices``), all-NaN frames or scattered NaN values (named per map: the
        fit leaves them out), or the internal name disagrees with the file name (the file
        name is trusted).
    """
    path = check_readable_file(Path(path).expanduser(), what="VSDI recording")
    path = path.resolve()
    label = f"VSDI recording {str(path)!r}"
    fields = _read_struct(path, label)
    internal = _text(fields["name"], label)
    time_ms, dt_ms = _axis(fields["time"], "time", "ms", label)
    x_mm, dx_mm = _axis(fields["space"], "space", "mm", label)
    data, layout = _maps(fields, (x_mm.size, time_ms.size), label)
    names = _check_names(path, internal, label)
    missing = {var: where["rows"] for var, where in layout.items()}
    _warn_missing_rows(missing, label)
    _warn_other_nans(layout, label)
    monkey = names["monkey"] or "unknown"
    duration_ms = names["duration_s"] * 1e3
    attrs: dict[str, Any] = {
        "title": f"VSDI recording {names['session']} ({monkey}), {duration_ms:g} ms stimuli",
        "file": str(path),
        "session": names["session"],
        "monkey": monkey,
        "internal_name": internal,
        "duration_s": names["duration_s"],
        "second_s": names["second_ms"] / 1e3,
        "frame_interval_s": dt_ms * 1e-3,
        "dx_m": dx_mm * 1e-3,
        "n_time": int(time_ms.size),
        "n_x": int(x_mm.size),
        "missing_x_indices": json.dumps(missing),
        "missing_time_indices": json.dumps({v: w["frames"] for v, w in layout.items()}),
        "scattered_nan_values": json.dumps({v: w["scattered"] for v, w in layout.items()}),
        **provenance(),
    }
    coords = {
        "time": ("time", time_ms * 1e-3, {"units": "s", "long_name": "frame time"}),
        "x": ("x", x_mm * 1e-3, {"units": "m", "long_name": "position along the cortex"}),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
