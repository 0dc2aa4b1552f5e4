"""Benchmark of the command line against its kernels (issue 28): what a run costs beyond
the integration.

Run: ``python benchmarks/bench_cli.py [--repeats 3] [--compress]``. Prints, each measured in
this run, as marginal costs (long run minus short run, per unit of biological time, so that
start-up, imports and the loading of the compiled kernels cancel):

- ``adexmf mf run --order 2 --dt 0.1ms`` under the sinusoidal stimulus of
  ``docs/results.py`` (default outputs: NetCDF and figure), 1 s against 51 s, per biological
  second; baseline: the compiled Heun kernel (``integrate_kernel``) for the same runs;
- ``adexmf ring run --n-units 30 --no-figure``, 0.6 s against 60.6 s, per 600 ms of
  biological time; baseline: the ring's kernel (``RingModel.simulate``), as
  ``bench_ring.py`` measures it.

The ratio is kernel / command line: the share of a command's marginal cost that is its
kernel (1 would be a command that costs exactly its kernel). Each command runs in a fresh
process, short and long runs interleaved, median of ``--repeats``; ``--compress`` adds both
pairs with ``--compress``. Targets (issue 28): ``mf run`` <= 20 ms per
biological second, ``ring run`` <= 10 ms per 600 ms.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from _report import record
from adexmf.meanfield import MeanFieldModel
from adexmf.params import Ring
from adexmf.ring import RingModel, centred_stimulus
from adexmf.stimuli import parse_stimulus

STIMULUS = "sinusoid:A=2Hz,f=10Hz,t0=500ms"
MF_RUNS = (1.0, 51.0)  # s
RING_RUNS = (0.6, 60.6)  # s
RING_UNIT = 0.6  # s: the ring's cost is quoted per 600 ms


def cli_seconds(args: list[str], folder: Path) -> float:
    """Wall time (s) of ``adexmf ARGS --out FOLDER/x.nc`` in a fresh interpreter."""
    out = folder / f"run{time.monotonic_ns()}.nc"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adexmf", *args, "--out", str(out)], check=True,
                   capture_output=True)  # fmt: skip
    seconds = time.perf_counter() - start
    for f in folder.glob(f"{out.stem}.*"):
        f.unlink()
    return seconds


def marginal(times: dict[float, list[float]], unit: float) -> float:
    """(median long - median short) / (difference in biological time) x ``unit`` (s)."""
    short, long = sorted(times)
    gap = statistics.median(times[long]) - statistics.median(times[short])
    return gap / (long - short) * unit


def interleaved(make_args, durations, repeats: int, folder: Path) -> dict[float, list[float]]:
    times: dict[float, list[float]] = {d: [] for d in durations}
    for _ in range(repeats):
        for d in durations:
            times[d].append(cli_seconds(make_args(d), folder))
    return times


def mf_kernel_seconds(duration: float, repeats: int) -> float:
    """Median wall time (s) of the compiled Heun kernel alone for ``mf run``'s integration."""
    integrate = importlib.import_module("adexmf.meanfield.integrate")
    model = MeanFieldModel("zerlaut2018", order=2)
    t = integrate.time_grid(duration, 1e-4, model)
    drive = np.full(t.size, 4.0)
    afferent = parse_stimulus(STIMULUS)(t)
    y0 = model.fixed_point(4.0).vector
    out = np.empty((t.size, y0.size))
    pe, pi = model.packed_transfer
    code = integrate.METHODS["heun"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        integrate.integrate_kernel(model.packed, pe, pi, *model.flags, y0, drive, afferent,
                                   0.0, 0.0, 1e-4, code, 1, out)  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ring_kernel_seconds(duration: float, repeats: int) -> float:
    """Median wall time (s) of the ring's kernel (``RingModel.simulate``), N = 30."""
    ring = RingModel(Ring(n_units=30), MeanFieldModel("zerlaut2018", order=1))
    stim = [centred_stimulus(ring.ring, "code")]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ring.simulate(duration, stim)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, cli: dict[float, list[float]], kernel: dict[float, float], unit: float,
           per: str, target: str) -> None:  # fmt: skip
    cost = marginal(cli, unit)
    base = marginal({d: [s] for d, s in kernel.items()}, unit)
    spread = {d: f"{min(v):.2f}-{max(v):.2f} s" for d, v in cli.items()}
    print(f"{name}: {cost * 1e3:6.1f} ms per {per} (target {target}); kernel "
          f"{base * 1e3:5.1f} ms; kernel / command {base / cost:.2f}; runs {spread}")  # fmt: skip
    record("cli", f"{name}, marginal per {per}", cost, "its kernel, same runs", base, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compress", action="store_true", help="also mf run --compress")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the stimulus leaves the fit domain: flagged, not shown
    mf_args = ["mf", "run", "--order", "2", "--dt", "0.1ms", "--stimulus", STIMULUS]
    ring_args = ["ring", "run", "--n-units", "30", "--no-figure"]
    mf_kernel_seconds(MF_RUNS[0], 1)  # load the kernels from the cache
    ring_kernel_seconds(RING_RUNS[0], 1)
    mf_kernel = {d: mf_kernel_seconds(d, args.repeats) for d in MF_RUNS}
    ring_kernel = {d: ring_kernel_seconds(d, args.repeats) for d in RING_RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cli_seconds([*ring_args, "--duration", "0.6s"], folder)  # warm the file cache
        mf = interleaved(lambda d: [*mf_args, "--duration", f"{d:g}s"], MF_RUNS, args.repeats,
                         folder)  # fmt: skip
        report("adexmf mf run", mf, mf_kernel, 1.0, "s", "<= 20 ms")
        if args.compress:
            packed = interleaved(lambda d: [*mf_args, "--duration", f"{d:g}s", "--compress"],
                                 MF_RUNS, args.repeats, folder)  # fmt: skip
            report("adexmf mf run --compress", packed, mf_kernel, 1.0, "s", "")
        ring = interleaved(lambda d: [*ring_args, "--duration", f"{d:g}s"], RING_RUNS,
                           args.repeats, folder)  # fmt: skip
        report("adexmf ring run N=30", ring, ring_kernel, RING_UNIT, "600 ms", "<= 10 ms")
        if args.compress:
            packed = interleaved(lambda d: [*ring_args, "--duration", f"{d:g}s", "--compress"],
                                 RING_RUNS, args.repeats, folder)  # fmt: skip
            report("adexmf ring run N=30 --compress", packed, ring_kernel, RING_UNIT, "600 ms", "")


if __name__ == "__main__":
    main()
