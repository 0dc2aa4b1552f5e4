"""The output layer: every file adexmf writes or reads back goes through here (or through
:mod:`adexmf.netcdf`, which writes and reads Datasets with it).

- **Destinations are checked before the work** (:func:`check_destination`,
  :func:`check_folder`): the folder exists or can be created, is writable (probed by creating
  and removing a file, so read-only mounts, ``/proc`` and root-owned folders are caught even
  when running as root), the path is not a directory where a file is meant, not under a
  regular file, and not a device or pipe.
- **Writes are atomic** (:func:`atomic_path`): a temporary file ``.<name>.<pid>.tmp`` in the
  destination folder, renamed into place; it is removed on any error, on SIGINT and on SIGTERM
  (the command line turns SIGTERM into the same interrupt,
  :func:`adexmf.interrupts.deferred_interrupts`). Temporaries left by a killed process
  (SIGKILL, power loss) are removed by :func:`remove_stale_temporaries`, called on every write
  into a folder.
- **OS errors become** :class:`~adexmf.errors.OutputError` **or**
  :class:`~adexmf.errors.InputFileError`, whose messages name the path, the reason and what to
  do; reading (:func:`read_text`, :func:`adexmf.netcdf.read_netcdf`) reports a missing file, a
  directory, a special file, permissions, encoding and format the same way.
- **Provenance** (:func:`provenance`): the attributes recording what produced a result.

Writers: :func:`adexmf.netcdf.write_netcdf` (results), :func:`write_text` (TOML presets,
CSV), :func:`write_npz` (cache chunks); figures go through
:func:`adexmf.figures.style.save_figure`, which uses :func:`atomic_path`. No data library is
imported here, so that reading a preset keeps ``import adexmf`` light.
"""

from __future__ import annotations

import datetime as _dt
import errno
import functools
import hashlib
import importlib.metadata
import os
import platform
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import AdexmfError, InputFileError, OutputError

#: Suffix of every temporary file: ``.<final name>.<pid>.tmp``.
TEMP_SUFFIX = ".tmp"
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")
#: A temporary file whose process is alive is still considered stale after this age (s).
STALE_AGE = 86400.0

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a component of the path is a file, not a folder",
    errno.ENOENT: "the folder cannot hold new files",
    errno.ENAMETOOLONG: "file name too long",
    errno.EEXIST: "already exists",
}


@functools.cache
def _version() -> str:
    """The installed package's version, read from its metadata (not from the package root,
    which imports the parameter sets that read presets through this module)."""
    try:
        return importlib.metadata.version("adexmf")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


def provenance() -> dict[str, str]:
    """Attributes recording what produced a result (package version, time, platform)."""
    return {
        "software": f"adexmf {_version()}",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }


def file_digest(path: str | Path) -> str:
    """Short content hash (16 hex digits of SHA-256) of a file: cache keys that follow what a
    file says, not where it is."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _label(path: Path, option: str | None) -> str:
    return f"{option} {str(path)!r}" if option else repr(str(path))


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or -1, exc.strerror or type(exc).__name__)


def output_error(exc: OSError, path: str | Path, option: str | None = None) -> OutputError:
    """An :class:`OutputError` explaining why ``path`` could not be written, with the fix."""
    path = Path(path)
    reason = _reason(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space or write elsewhere"
    else:
        fix = "choose a folder you can write to" + (f" with {option}" if option else "")
    return OutputError(f"cannot write {_label(path, option)}: {reason}; {fix}")


def _existing_ancestor(folder: Path) -> Path:
    """The nearest existing ancestor of ``folder`` (``folder`` itself if it exists)."""
    current = folder
    while not current.exists() and not current.is_symlink():
        if current.parent == current:
            break
        current = current.parent
    return current


def _probe(folder: Path, target: Path, option: str | None) -> None:
    """Create and remove a file in ``folder``: the only reliable writability test (as root,
    ``os.access`` says yes to read-only mounts and ``/proc``)."""
    probe = folder / f".adexmf-probe.{os.getpid()}{TEMP_SUFFIX}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # our own probe from an interrupted check: the folder is writable
    except OSError as exc:
        reason = _reason(exc)
        where = "" if folder == target else f" (its folder {str(folder)!r} would hold it)"
        raise OutputError(
            f"cannot write {_label(target, option)}{where}: {reason}; choose a folder you can "
            "write to" + (f" with {option}" if option else "")
        ) from None
    os.close(fd)
    try:
        probe.unlink()
    except OSError:
        pass


def check_folder(path: str | Path, *, option: str | None = None) -> Path:
    """Check that ``path`` is, or can be created as, a folder adexmf can write into.

    Nothing is created. Call it before any expensive work.

    Parameters
    ----------
    path : str or Path
        The results folder.
    option : str, optional
        Name of the parameter (or, from the command line, the option) that gave the path,
        named in errors.

    Returns
    -------
    Path
        ``path`` as a Path.

    Raises
    ------
    OutputError
        If the path is an existing file, lies under a regular file, or its nearest existing
        ancestor is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"{_label(path, option)} is a file, not a folder; give a folder"
            + (f" with {option}" if option else "")
        )
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise OutputError(
            f"cannot create {_label(path, option)}: {str(base)!r} is a file, not a folder, so "
            "nothing can be created under it; choose another path"
        )
    _probe(base, path, option)
    return path


def check_destination(
    path: str | Path,
    *,
    option: str | None = None,
    suffixes: Iterable[str] | None = None,
) -> Path:
    """Check that a file can be written at ``path`` (atomically) before any expensive work.

    Nothing is created.

    Parameters
    ----------
    path : str or Path
        The file to be written.
    option : str, optional
        Name of the parameter (or, from the command line, the option) that gave the path,
        named in errors.
    suffixes : iterable of str, optional
        Allowed suffixes (``(".nc",)``); ``""`` allows a name without suffix.

    Returns
    -------
    Path
        ``path`` as a Path.

    Raises
    ------
    OutputError
        If the path is an existing directory or a special file (device, pipe), has a suffix
        not allowed, lies under a regular file, or its folder cannot be written.
    """
    path = Path(path)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            kinds = {".nc": "NetCDF", ".toml": "TOML", ".csv": "CSV"}
            kind = next((kinds[s] for s in allowed if s in kinds), "")
            shown = " or ".join(s or "no suffix" for s in allowed)
            raise OutputError(
                f"{_label(path, option)} must be a {kind + ' ' if kind else ''}file ending "
                f"in {shown}"
            )
    if path.is_dir():
        raise OutputError(
            f"{_label(path, option)} is an existing directory; give a file name "
            f"(e.g. {str(path / 'result')!r} with its suffix)"
        )
    if path.exists() and not path.is_file():
        raise OutputError(
            f"{_label(path, option)} is not a regular file (a device, pipe or socket); "
            "give the path of an ordinary file"
        )
    check_folder(path.parent, option=option)
    return path


def temporary_path(path: str | Path) -> Path:
    """The temporary name of ``path`` during an atomic write: ``.<name>.<pid>.tmp``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_stale_temporaries(folder: str | Path, *, max_age: float = STALE_AGE) -> list[Path]:
    """Remove temporary files left in ``folder`` by a killed process.

    A temporary ``.<name>.<pid>.tmp`` is stale when its process is gone, or when it is older
    than ``max_age`` seconds (a recycled pid). Temporaries of live processes are kept.

    Returns
    -------
    list of Path
        The files removed.
    """
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            pid = int(m.group("pid"))
            if pid == os.getpid() or (_pid_alive(pid) and age < max_age):
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


@contextmanager
def atomic_path(path: str | Path, *, option: str | None = None) -> Iterator[Path]:
    """Context giving a temporary path to write; renamed to ``path`` if the block succeeds.

    The folder is created if needed; stale temporaries in it are removed first. On any error
    or interrupt (SIGINT, or SIGTERM under :func:`deferred_interrupts`) the temporary file is
    removed and ``path`` is left as it was. OS errors are raised as :class:`OutputError`
    naming ``path``.

    Examples
    --------
    >>> with atomic_path("out/table.csv") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("a,b\\n1,2\\n")
    """
    path = Path(path)
    check_destination(path, option=option)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, path, option) from None
    remove_stale_temporaries(path.parent)
    tmp = temporary_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except AdexmfError:
        raise
    except OSError as exc:
        raise output_error(exc, path, option) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def write_text(text: str, path: str | Path, *, option: str | None = None) -> Path:
    """Write UTF-8 text (a TOML preset, a CSV table) to ``path`` atomically."""
    path = Path(path)
    with atomic_path(path, option=option) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write arrays as an uncompressed ``.npz`` atomically (cache chunks)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, **arrays)
    return path


# --------------------------------------------------------------------------- reading
def check_readable_file(path: str | Path, *, what: str = "file", hint: str = "") -> Path:
    """Check that ``path`` is an existing, regular, readable file.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for messages (``"preset file"``, ``"recording"``).
    hint : str
        What to give instead, appended to messages.

    Raises
    ------
    InputFileError
        For a missing path, a directory, a special file (``/dev/null``, a pipe) or a file
        that cannot be opened for reading.
    """
    path = Path(path)
    tail = f"; {hint}" if hint else ""
    if path.is_dir():
        raise InputFileError(f"{what} {str(path)!r} is a directory, not a file{tail}")
    if not path.exists():
        raise InputFileError(f"{what} {str(path)!r} does not exist{tail}")
    if not path.is_file():
        raise InputFileError(
            f"{what} {str(path)!r} is not a regular file (a device, pipe or socket){tail}"
        )
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        fix = "; check its permissions (chmod u+r)" if exc.errno == errno.EACCES else tail
        raise InputFileError(f"{what} {str(path)!r} cannot be read: {_reason(exc)}{fix}") from None
    return path


def read_text(path: str | Path, *, what: str = "file", hint: str = "") -> str:
    """Read a UTF-8 text file, with clear errors naming the file.

    Raises
    ------
    InputFileError
        As :func:`check_readable_file`, and for text that is not valid UTF-8 (the message
        gives the byte, line and column).
    """
    path = check_readable_file(path, what=what, hint=hint)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{what} {str(path)!r} cannot be read: {_reason(exc)}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(
            f"{what} {str(path)!r} is not UTF-8 text: byte 0x{data[exc.start]:02x} at line "
            f"{line}, column {column}; save it with UTF-8 encoding"
        ) from None


__all__ = [
    "atomic_path",
    "check_destination",
    "check_folder",
    "check_readable_file",
    "file_digest",
    "output_error",
    "provenance",
    "read_text",
    "remove_stale_temporaries",
    "temporary_path",
    "write_npz",
    "write_text",
]
