"""Compile the kernels of a study's later stages in the background while its first stages
run. On a cold cache (the first run after an install or an upgrade) the quick study's ring
and VSDi stages spend most of their time compiling the network engine and its batch mode;
the first stages (transfer functions, mean field, the Brian2 network) keep one core busy, so
the other compiles meanwhile and the later stages load the kernels from the on-disk cache.
On a warm cache the task only loads them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..brain import BrainNetwork
from ..params import Ring, Sheet
from ..ring import RingModel, SheetModel, centred_stimulus
from ..sweep import BackgroundTask
from ..vsdi.scan import ScanSettings, compile_scan_kernel

#: Stages whose compiled kernels the warm-up prepares.
WARMED_STAGES = ("ring", "vsdi", "brain")


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


def start_warmup(stages: Sequence[str], scheduler: str | None) -> BackgroundTask | None:
    """Start :func:`warm_kernels` for the ``stages`` that have kernels to warm, in the
    background; None when there are none or the study runs on a remote ``scheduler`` (its
    stages still run here, but a cold cache then costs only what they compile)."""
    todo = [s for s in WARMED_STAGES if s in stages]
    if not todo or scheduler is not None:
        return None
    return BackgroundTask(warm_kernels, todo)
