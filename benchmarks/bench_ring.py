"""Benchmark of the ring and the sheet (issue 10): compiled kernels vs a NumPy ring.

Run: ``python benchmarks/bench_ring.py [--batch 1000] [--sheet 64]``. Prints, each measured
in this run:

- one ring run (36 mm, 600 ms, first order, the default Euler dt = 0.5 ms) at N = 30 and
  N = 120, best of several after compilation, with the plain-NumPy transcription of the same
  equations (:mod:`adexmf.ring.reference`) as the baseline and the ratio;
- a batch of parameter sets (v_c, l_exc, l_inh, l_stim, tau1, tau2 varied; N = 30; only the
  dV/V0 map on a 41 x 30 space-time grid returned), parallel across sets;
- the 64 x 64 sheet for 600 ms.

Targets: N = 30 run <= 10 ms, 1000-set batch <= 15 s on 2 cores, sheet <= 30 s.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from _report import record
from adexmf.meanfield import MeanFieldModel
from adexmf.params import Ring, Sheet
from adexmf.ring import RingModel, SheetModel, centred_stimulus, run_batch
from adexmf.ring.reference import numpy_ring


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=1000, help="parameter sets in the batch")
    parser.add_argument("--sheet", type=int, default=64, help="columns per side of the sheet")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # the NumPy baseline evaluates the transfer functions with their domain check on
    warnings.simplefilter("ignore")
    column = MeanFieldModel("zerlaut2018", order=1)
    duration = 0.6
    numpy_time: dict[int, float] = {}
    for n in (30, 120):
        ring = RingModel(Ring(n_units=n), column)
        stim = [centred_stimulus(ring.ring)]
        ring.simulate(duration, stim)  # compile / warm up
        t_kernel = best_of(lambda r=ring, s=stim: r.simulate(duration, s), args.repeat)
        t_run = best_of(lambda r=ring, s=stim: r.run(duration, s), args.repeat)
        t_numpy = best_of(lambda r=ring, s=stim: numpy_ring(r.ring, column, s, duration, 5e-4), 1)
        numpy_time[n] = t_numpy
        record("ring", f"ring N = {n}, 600 ms", t_kernel, "NumPy ring", t_numpy,
               "<= 10 ms" if n == 30 else "")  # fmt: skip
        print(
            f"ring N = {n:3d}, 600 ms, euler dt = 0.5 ms: kernel {t_kernel * 1e3:7.2f} ms, "
            f"run() with Dataset {t_run * 1e3:7.2f} ms, NumPy {t_numpy * 1e3:8.1f} ms, "
            f"ratio NumPy / kernel {t_numpy / t_kernel:6.0f}x"
        )
    ring = RingModel(Ring(n_units=30), column)
    rng = np.random.default_rng(1)
    B = args.batch
    params = {
        "v_c": rng.uniform(0.05, 0.6, B),
        "l_exc": rng.uniform(1e-3, 7e-3, B),
        "l_inh": rng.uniform(1e-3, 7e-3, B),
        "l_stim": rng.uniform(0.2e-3, 2e-3, B),
        "tau1": rng.uniform(0.005, 0.05, B),
        "tau2": rng.uniform(0.05, 0.2, B),
    }
    times = np.linspace(0.05, 0.45, 41)
    run_batch(ring, {k: v[:2] for k, v in params.items()}, duration, times=times)  # compile
    t = time.perf_counter()
    out = run_batch(ring, params, duration, times=times)
    t_batch = time.perf_counter() - t
    print(
        f"batch of {B} sets (N = 30, 600 ms, vsd on 41 x 30): {t_batch:6.2f} s "
        f"({t_batch / B * 1e3:.2f} ms per set); finite: {bool(np.isfinite(out.vsd).all())}"
    )
    estimate = numpy_time[30] * B
    print(f"  NumPy baseline, same batch (estimate): {estimate:.0f} s ({estimate / t_batch:.0f}x)")
    record("ring", f"batch of {B} ring sets", t_batch, "NumPy ring (estimate)", estimate,
           "<= 15 s" if B == 1000 else "")  # fmt: skip
    sheet = SheetModel(Sheet(n_units=args.sheet), column)
    sheet.run(0.2, [centred_stimulus(sheet.sheet)])  # warm up (the stimulus peaks at 150 ms)
    t = time.perf_counter()
    ds = sheet.run(duration, [centred_stimulus(sheet.sheet)])
    t_sheet = time.perf_counter() - t
    print(
        f"sheet {args.sheet} x {args.sheet}, 600 ms, euler dt = 0.5 ms: {t_sheet:6.2f} s; "
        f"peak dV/V0 {float(ds.vsd.max()) * 100:.2f} %"
    )
    record("ring", f"sheet {args.sheet} x {args.sheet}, 600 ms", t_sheet, target="<= 30 s")


if __name__ == "__main__":
    main()
