"""Interrupts: SIGTERM handled as SIGINT, and blocks of work (a chunk being computed and
stored) during which a first signal waits until the block ends. Both raise
:class:`~adexmf.errors.Interrupted` (a KeyboardInterrupt): ``finally`` blocks run, temporary
files are removed (:func:`adexmf.store.atomic_path`), finished chunks stay on disk."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import Interrupted

_SIGNAL_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
_interrupts: dict[str, Any] = {"depth": 0, "pending": None, "installed": False}


def _on_signal(signum: int, frame: Any) -> None:
    name = _SIGNAL_NAMES.get(signum, str(signum))
    if _interrupts["depth"] > 0 and _interrupts["pending"] is None:
        _interrupts["pending"] = signum
        print(
            f"adexmf: {name} received: stopping after the current chunk is stored "
            "(send it again to stop at once)",
            file=sys.stderr,
            flush=True,
        )
        return
    raise Interrupted(f"stopped by {name}", signum)


def install_signal_handlers() -> None:
    """Make SIGTERM behave like SIGINT (and both wait for the chunk being finished).

    Both raise :class:`~adexmf.errors.Interrupted` (a KeyboardInterrupt): ``finally`` blocks
    run, temporary files are removed, finished chunks stay on disk. Inside
    :func:`deferred_interrupts` the first signal is held until the block ends. Called by the
    ``adexmf`` entry point; only from the main thread.
    """
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _interrupts["installed"] = True


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Block during which a first SIGINT/SIGTERM is held until the block ends (the chunk of
    work being computed is finished and stored), then raised as
    :class:`~adexmf.errors.Interrupted`. A second signal interrupts at once. Without
    :func:`install_signal_handlers` (library use), signals act as usual."""
    _interrupts["depth"] += 1
    try:
        yield
    finally:
        _interrupts["depth"] -= 1
    if _interrupts["depth"] == 0 and _interrupts["pending"] is not None:
        signum = _interrupts["pending"]
        _interrupts["pending"] = None
        raise Interrupted(f"stopped by {_SIGNAL_NAMES.get(signum, signum)}", signum)


__all__ = ["deferred_interrupts", "install_signal_handlers"]
