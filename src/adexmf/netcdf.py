"""Datasets on disk: results written as NetCDF 4 (through h5netcdf, numeric variables
compressed unless a caller stores its float series plain) atomically through the output layer
(:func:`adexmf.store.atomic_path`), read back into memory with clear errors
(:class:`~adexmf.errors.InputFileError`), and the JSON-encoded attributes they carry
(:func:`json_attr`).

What compression costs (measured on the 2-core development machine, 51 s of second-order mean
field at dt = 0.1 ms under a sinusoidal stimulus, 26 float64 series, 106 MB in memory): gzip
level 1 with the byte shuffle writes 15 MB in ~0.55 s, about the cost of the integration
itself (~0.6 s), because deflate works through every noisy low-order mantissa byte; stored
plain, the file is 106 MB written in ~0.13 s. The maps of a 60.6 s ring (N = 30, 0.5 ms
steps, 175 MB) take ~0.73 s compressed (18 MB: the ring is at rest after its stimulus) and
~0.09 s plain. Level 1 is the lightest deflate (higher levels cost more for a few percent);
deflate is the only codec every NetCDF 4 reader decodes without plugins. Hence two policies,
both exact: :func:`write_netcdf` compresses every numeric variable by default (small files
for the stages whose data are small or regular: spikes, scans, tables), and the long time
courses of ``adexmf mf run``, ``adexmf ring run`` and ``adexmf ring apparent-motion`` store
their float series plain unless ``--compress`` is given (``compress_floats`` below).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import InputFileError, OutputError
from .store import atomic_path, check_readable_file

#: gzip level of compressed NetCDF variables: level 1 with the byte shuffle already gives
#: most of the size reduction at a fraction of the cost of higher levels.
NETCDF_COMPRESSION = 1
#: Target size (bytes) of one chunk of a compressed variable. HDF5's own guess for a series
#: of 510,001 x 2 float64 is 3,985 x 1 (32 KiB, each population apart); chunks of ~1 MiB
#: along the first dimension (whole along the others) write ~15 % faster and give files half
#: the size (measured as above: 0.56 s and 15 MB against 0.65 s and 32 MB).
CHUNK_BYTES = 1 << 20


def _chunks(var: xr.Variable) -> tuple[int, ...]:
    """Chunk shape of a compressed variable: about :data:`CHUNK_BYTES` along its first
    dimension (at least one entry), the whole extent of the others."""
    row = var.dtype.itemsize
    for n in var.shape[1:]:
        row *= max(int(n), 1)
    first = max(1, min(int(var.shape[0]), CHUNK_BYTES // row))
    return (first, *(int(n) for n in var.shape[1:]))


def compression_encoding(
    ds: xr.Dataset, *, compress_floats: bool = True
) -> dict[str, dict[str, object]]:
    """Encoding that compresses every numeric variable of more than 1,000 values (gzip
    level :data:`NETCDF_COMPRESSION`, byte shuffle, chunks of about :data:`CHUNK_BYTES`);
    small ones and strings stay plain.

    Parameters
    ----------
    ds : xarray.Dataset
    compress_floats : bool
        Compress floating-point variables too (default). False stores them plain (written at
        memory speed, files 3-7x larger for noisy series); integer variables (spike indices,
        counts) stay compressed, which is cheap and pays.
    """
    out: dict[str, dict[str, object]] = {}
    kinds = "fiu" if compress_floats else "iu"
    for name, var in ds.variables.items():
        if var.dtype.kind in kinds and var.size > 1000 and var.ndim > 0:
            out[str(name)] = {
                "zlib": True,
                "complevel": NETCDF_COMPRESSION,
                "shuffle": True,
                "chunksizes": _chunks(var),
            }
    return out


def _not_storable() -> tuple[type[Exception], ...]:
    """Errors of a Dataset that NetCDF cannot hold (a bug or a bad attribute, not an OS
    problem), h5netcdf's own refusal (a boolean attribute...) included."""
    try:
        from h5netcdf.utils import CompatibilityError
    except ImportError:  # pragma: no cover - older h5netcdf raise a ValueError
        return (TypeError, ValueError)
    return (TypeError, ValueError, CompatibilityError)


def write_netcdf(
    ds: xr.Dataset,
    path: str | Path,
    *,
    option: str | None = None,
    compress_floats: bool = True,
) -> Path:
    """Write ``ds`` to ``path`` atomically (NetCDF 4 through h5netcdf, numeric variables
    compressed: :func:`compression_encoding`).

    A crash or interruption never leaves a half-written result under the final name, nor a
    temporary file. The values read back are the values written, with or without
    compression.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or Path
        Destination (``.nc``).
    option : str, optional
        Command-line option that named ``path``, for error messages.
    compress_floats : bool
        Compress the floating-point variables too (default); False stores them plain, for
        long time courses whose deflate would cost as much as computing them (see the module
        docstring); integer variables are compressed either way.

    Raises
    ------
    OutputError
        If the destination cannot be written (the message names it and the fix).
    """
    path = Path(path)
    encoding = compression_encoding(ds, compress_floats=compress_floats)
    with atomic_path(path, option=option) as tmp:
        try:
            ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
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
    "CHUNK_BYTES",
    "NETCDF_COMPRESSION",
    "compression_encoding",
    "json_attr",
    "read_netcdf",
    "write_netcdf",
]
