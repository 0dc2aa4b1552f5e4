"""Result files: atomic NetCDF writes with provenance attributes."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

import xarray as xr


def provenance() -> dict[str, str]:
    """Attributes recording what produced a result (package version, time, platform)."""
    from . import __version__

    return {
        "software": f"adexmf {__version__}",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` atomically: a temporary file in the same folder, renamed.

    A crash or interruption never leaves a half-written result under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
