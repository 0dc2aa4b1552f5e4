"""Datasets on disk: results written as NetCDF 4 (through h5netcdf, numeric variables
compressed) atomically through the output layer (:func:`adexmf.store.atomic_path`), read back
into memory with clear errors (:class:`~adexmf.errors.InputFileError`), and the JSON-encoded
attributes they carry (:func:`json_attr`)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import InputFileError, OutputError
from .store import atomic_path, check_readable_file

#: gzip level of numeric NetCDF variables: level 1 with the byte shuffle already gives
#: most of the size reduction at a fraction of the cost of higher levels.
NETCDF_COMPRESSION = 1


def compression_encoding(ds: xr.Dataset) -> dict[str, dict[str, object]]:
    """Encoding that compresses every numeric variable of more than 1,000 values (gzip
    level :data:`NETCDF_COMPRESSION`, byte shuffle); small ones and strings stay plain."""
    out: dict[str, dict[str, object]] = {}
    for name, var in ds.variables.items():
        if var.dtype.kind in "fiu" and var.size > 1000 and var.ndim > 0:
            out[str(name)] = {"zlib": True, "complevel": NETCDF_COMPRESSION, "shuffle": True}
    return out


def _not_storable() -> tuple[type[Exception], ...]:
    """Errors of a Dataset that NetCDF cannot hold (a bug or a bad attribute, not an OS
    problem), h5netcdf's own refusal (a boolean attribute...) included."""
    try:
        from h5netcdf.utils import CompatibilityError
    except ImportError:  # pragma: no cover - older h5netcdf raise a ValueError
        return (TypeError, ValueError)
    return (TypeError, ValueError, CompatibilityError)


def write_netcdf(ds: xr.Dataset, path: str | Path, *, option: str | None = None) -> Path:
    """Write ``ds`` to ``path`` atomically (NetCDF 4 through h5netcdf, numeric variables
    compressed: :func:`compression_encoding`).

    A crash or interruption never leaves a half-written result under the final name, nor a
    temporary file.

    Raises
    ------
    OutputError
        If the destination cannot be written (the message names it and the fix).
    """
    path = Path(path)
    with atomic_path(path, option=option) as tmp:
        try:
            ds.to_netcdf(tmp, engine="h5netcdf", encoding=compression_encoding(ds))
        except _not_storable() as exc:
            raise OutputError(f"cannot store the result as NetCDF in {str(path)!r}: {exc}") from exc
    return path


def read_netcdf(path: str | Path, *, what: str = "NetCDF file", hint: str = "") -> xr.Dataset:
    """Load a NetCDF file into memory (file closed on return), with clear errors.

    Raises
    ------
    InputFileError
        As :func:`check_readable_file`, and for a file that is not readable NetCDF 4 (empty,
        truncated, another format).
    """
    path = check_readable_file(path, what=what, hint=hint)
    try:
        with warnings.catch_warnings():
            # An HDF5 file without dimension scales (not written by adexmf: its reader then
            # refuses it in one line) made h5netcdf warn about its default naming of such
            # dimensions (a FutureWarning, a UserWarning in later releases) on stderr before
            # that error: the naming is given here, and the notice kept off the console.
            warnings.filterwarnings("ignore", message=r".*phony_dims", category=Warning)
            with xr.open_dataset(path, engine="h5netcdf", phony_dims="access") as ds:
                return ds.load()
    except Exception as exc:  # h5py/h5netcdf raise OSError, ValueError, KeyError...
        tail = f"; {hint}" if hint else ""
        raise InputFileError(
            f"cannot read {what} {str(path)!r}: the file cannot be read as NetCDF "
            f"({type(exc).__name__}: {exc}){tail}"
        ) from None


def json_attr(ds: xr.Dataset, key: str, *, source: str = "dataset") -> Any:
    """The JSON-encoded attribute ``key`` of ``ds``, decoded; errors name the attribute.

    Raises
    ------
    InputFileError
        If the attribute is missing or not valid JSON.
    """
    if key not in ds.attrs:
        raise InputFileError(f"{source} has no attribute {key!r}: not a file written by adexmf")
    try:
        return json.loads(ds.attrs[key])
    except (TypeError, ValueError) as exc:
        raise InputFileError(
            f"{source}: attribute {key!r} is not valid JSON ({exc}); the file was damaged or "
            "not written by adexmf: recompute it"
        ) from None


__all__ = [
    "NETCDF_COMPRESSION",
    "compression_encoding",
    "json_attr",
    "read_netcdf",
    "write_netcdf",
]
