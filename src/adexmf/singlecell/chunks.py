"""Finished chunks of a resumable computation, kept as small checked ``.npz`` files.

A long characterisation (:mod:`adexmf.singlecell.characterize`) is cut into chunks (the
pilot's grid design, then one chunk per level); each is written atomically as soon as it
finishes, under the cache key of its inputs, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import CacheWarning
from ..store import output_error, remove_stale_temporaries, write_npz

#: Expected content of a chunk: array name -> (shape, NaN allowed, lowest value or None).
ChunkSchema = dict[str, tuple[tuple[int, ...], bool, float | None]]


class ChunkStore:
    """Finished chunks of work as small ``.npz`` files, written atomically, validated on read.

    Every chunk records the cache key and its own name; on read it must open as an ``.npz``
    (the zip CRC checks the bytes), carry the same key and name, and hold the arrays of the
    expected shapes with admissible values. A chunk failing any check is reported by name
    (:class:`~adexmf.errors.CacheWarning` on stderr), deleted and recomputed. With
    ``force`` nothing is read (every chunk is recomputed and rewritten). Temporary files
    left by a killed run are removed when the store is opened.
    """

    def __init__(self, folder: Path | None, key: str = "", *, force: bool = False) -> None:
        self.folder = folder
        self.key = key
        self.force = force
        self.discarded: list[Path] = []
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise output_error(exc, folder, "cache_dir") from None
            remove_stale_temporaries(folder)

    def path(self, name: str) -> Path:
        """The file of chunk ``name``."""
        assert self.folder is not None
        return self.folder / f"{name}.npz"

    def count(self) -> int:
        """Number of chunk files present."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        return sum(1 for _ in self.folder.glob("*.npz"))

    def _problem(self, name: str, arrays: dict[str, np.ndarray], schema: ChunkSchema) -> str:
        """Why a chunk's content is unusable ('' if it is fine)."""
        if str(arrays.get("_key", "")) != self.key or str(arrays.get("_name", "")) != name:
            return "written for other inputs (cache key or chunk name differs)"
        for var, (shape, nan_ok, low) in schema.items():
            if var not in arrays:
                return f"no array {var!r}"
            a = arrays[var]
            if a.shape != shape:
                return f"array {var!r} has shape {a.shape}, expected {shape}"
            if a.dtype.kind not in "fiu":
                return f"array {var!r} has dtype {a.dtype}, expected numbers"
            finite = np.isfinite(a) | (np.isnan(a) if nan_ok else False)
            if not finite.all():
                return f"array {var!r} holds non-finite values"
            if low is not None and np.any(a[np.isfinite(a)] < low):
                return f"array {var!r} holds values below {low:g}"
        return ""

    def get(self, name: str, schema: ChunkSchema) -> dict[str, np.ndarray] | None:
        """The chunk ``name`` if present and valid; None (after reporting and deleting a bad
        one) if it must be computed."""
        if self.folder is None or self.force:
            return None
        path = self.path(name)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            problem = self._problem(name, arrays, schema)
        except Exception as exc:  # truncated, empty, garbage, pickled: BadZipFile, ValueError...
            problem = f"unreadable: {type(exc).__name__}: {exc}"
        if not problem:
            return {k: v for k, v in arrays.items() if not k.startswith("_")}
        warnings.warn(
            f"cache chunk {str(path)!r} is unusable ({problem}); discarded, recomputing it",
            CacheWarning,
            stacklevel=3,
        )
        self.discarded.append(path)
        try:
            path.unlink()
        except OSError:
            pass  # rewritten by put (or put reports why it cannot be)
        return None

    def put(self, name: str, **arrays: np.ndarray) -> None:
        """Store chunk ``name`` (atomically, with the key and name); nothing without a folder."""
        if self.folder is None:
            return
        write_npz(self.path(name), {**arrays, "_key": np.array(self.key), "_name": np.array(name)})
