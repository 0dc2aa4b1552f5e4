"""Compile the kernels of a study's later stages in the background while its first stages
run. On a cold cache (the first run after an install or an upgrade) the quick study's mean
field, ring and VSDi stages spend most of their time compiling (the column's kernels, the
network engine and its batch mode); the first stages (transfer functions, the Brian2
network) keep one core busy, so the other compiles meanwhile and the later stages load the
kernels from the on-disk cache. On a warm cache the task only loads them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from ..brain import BrainNetwork
from ..errors import CacheWarning
from ..params import Ring, Sheet, load_preset
from ..ring import RingModel, SheetModel, centred_stimulus
from ..vsdi.scan import ScanSettings, compile_scan_kernel
from .config import MeanFieldSettings
from .meanfield import meanfield_study_stage

#: Stages whose compiled kernels the warm-up prepares, in the order it prepares them.
WARMED_STAGES = ("meanfield", "ring", "vsdi", "brain")


def _meanfield_kernels() -> None:
    with tempfile.TemporaryDirectory() as tmp:  # the stage's own path, on a short run
        settings = MeanFieldSettings(max_drive=2.0, duration=0.02)
        meanfield_study_stage(settings, load_preset("zerlaut2018"), Path(tmp))


def _ring_kernels() -> None:
    ring = RingModel(Ring(n_units=8))
    ring.simulate(0.01, [centred_stimulus(ring.ring).replace(t0=0.005)])
    sheet = SheetModel(Sheet(n_units=4))
    sheet.run(0.01, [centred_stimulus(sheet.sheet).replace(t0=0.005)], record_every=1)


def _scan_kernels() -> None:
    compile_scan_kernel(ScanSettings())


def _brain_kernels() -> None:
    BrainNetwork(coupling=0.1).run(0.05, record_period=1e-2)


#: What compiles each stage's kernels: a tiny run through the stage's own code path.
WARMERS: dict[str, Callable[[], None]] = {
    "meanfield": _meanfield_kernels,
    "ring": _ring_kernels,
    "vsdi": _scan_kernels,
    "brain": _brain_kernels,
}


def warm_kernels(stages: Sequence[str]) -> list[str]:
    """Compile (or load) the kernels of ``stages`` (names of :data:`WARMED_STAGES`) into
    this machine's on-disk cache; returns the stages warmed."""
    for name in stages:
        WARMERS[name]()
    return list(stages)


class Warmup:
    """:func:`warm_kernels` in a background process (``python -m adexmf.workflows.warmup
    STAGE...``): one process that compiles, not distributed work, so a plain child process
    that :meth:`cancel` stops at once (a Ctrl-C of the study included). A warm-up only ever
    saves time: if it fails, :meth:`wait` warns and the stages compile themselves."""

    def __init__(self, stages: Sequence[str]) -> None:
        self.stages = list(stages)
        self._proc: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-m", __name__, *self.stages],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def wait(self) -> bool:
        """Wait for the warm-up; True if it compiled everything (no-op once finished)."""
        if self._proc is None:
            return False
        try:
            _, err = self._proc.communicate()
            ok = self._proc.returncode == 0
        finally:
            self.cancel()
        if not ok:
            last = (err or b"").decode(errors="replace").strip().splitlines()[-1:]
            warnings.warn(f"background compilation failed ({' '.join(last) or 'no message'}); "
                          "the stages compile their kernels themselves", CacheWarning,
                          stacklevel=2)  # fmt: skip
        return ok

    def cancel(self) -> None:
        """Stop the warm-up if it still runs (no-op once finished)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def start_warmup(stages: Sequence[str], scheduler: str | None) -> Warmup | None:
    """Start :func:`warm_kernels` for the ``stages`` that have kernels to warm, in the
    background; None when there are none or the study runs on a remote ``scheduler`` (its
    stages still run here, but a cold cache then costs only what they compile)."""
    todo = [s for s in WARMED_STAGES if s in stages]
    if not todo or scheduler is not None:
        return None
    return Warmup(todo)


if __name__ == "__main__":
    warm_kernels([s for s in sys.argv[1:] if s in WARMERS])
