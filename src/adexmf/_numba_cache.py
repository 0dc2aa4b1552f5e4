"""Where Numba caches the compiled kernels of adexmf.

Numba's on-disk cache is keyed by the source file of each kernel only: a kernel that inlines
a function from another module (every kernel inlines the transfer function) is *not*
recompiled when that other module changes, and silently runs stale code. We therefore keep
the cache in the user's cache folder, in a sub-folder named by a hash of the whole package's
compiled source (every module that uses Numba): any edit to a kernel or to what it inlines
starts a fresh cache, edits elsewhere (CLI, plots) do not, and an installed, read-only package
still caches. Imported first by ``adexmf/__init__.py``, before any kernel.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs


def source_fingerprint() -> str:
    """Short hash of the package's compiled source: every ``.py`` file that uses Numba."""
    root = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text and path.name != "_numba_cache.py":
            h.update(str(path.relative_to(root)).encode())
            h.update(text)
    return h.hexdigest()


#: How many fingerprint folders (the current one included) are kept; older ones are removed.
KEEP_FOLDERS = 4


def _prune(parent: Path, keep: Path) -> None:
    """Remove all but the most recently used fingerprint folders (never ``keep``)."""
    import shutil

    folders = sorted(
        (p for p in parent.iterdir() if p.is_dir() and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEEP_FOLDERS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)  # another process may be removing it too


def configure() -> Path:
    """Point Numba's cache at ``<user cache>/adexmf/numba/<fingerprint>`` and return it.

    A ``NUMBA_CACHE_DIR`` set by the user is respected as the parent folder.
    """
    base = os.environ.get("NUMBA_CACHE_DIR") or platformdirs.user_cache_dir("adexmf")
    folder = Path(base) / "numba" / source_fingerprint()
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # mark as recently used, for pruning
    _prune(folder.parent, folder)
    from numba.core import config

    config.CACHE_DIR = str(folder)
    return folder


CACHE_DIR = configure()
