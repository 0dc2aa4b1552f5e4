"""Benchmark of the VSDi fit (issue 11): the full scan from a cold scan cache, then one fit.

Run: ``python benchmarks/bench_vsdi.py [--points 5] [--recording FILE]``. Prints, each
measured in this run:

- the n^6 scan of ring maps (``adexmf.vsdi.scan.run_scan``) into an empty task folder, on
  a LocalCluster of one worker per core, against the plain-NumPy ring
  (:mod:`adexmf.ring.reference`) timed on one parameter set and scaled to the whole grid;
- a fit of one recording with that scan in memory (grid residuals, refinement, uncertainty,
  predictions).

Targets: full 5^6 scan <= 15 min on 2 cores; a fit <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

from _report import record

DEFAULT_RECORDING = (
    Path(__file__).resolve().parents[2] / "shared/data/vsdi/Monkey1/matx2_wa080208_NL_up_10050.mat"
)


def numpy_seconds_per_set(settings) -> float:
    from adexmf.params import RingStimulus
    from adexmf.ring.reference import numpy_ring
    from adexmf.vsdi.scan import ring_model

    model = ring_model(settings)
    stim = RingStimulus(amplitude=settings.amplitude, x0=settings.length / 2, t0=settings.t0)
    t = time.perf_counter()
    numpy_ring(model.ring, model.model, [stim], settings.duration, settings.dt)
    return time.perf_counter() - t


def main() -> None:
    from adexmf.vsdi import load_recording
    from adexmf.vsdi.fit import fit_recording
    from adexmf.vsdi.scan import ScanSettings, run_scan

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--n-units", type=int, default=60)
    parser.add_argument("--recording", type=Path, default=DEFAULT_RECORDING)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    settings = ScanSettings(n_points=args.points, n_units=args.n_units)
    n = settings.n_points**6
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        scan = run_scan(settings, folder=folder, progress=True)
        t_scan = time.perf_counter() - t
    per_set = numpy_seconds_per_set(settings)
    print(
        f"scan {settings.n_points}^6 = {n} sets (N = {settings.n_units}, 600 ms): "
        f"{t_scan:.1f} s ({t_scan / n * 1e3:.2f} ms per set); NumPy ring {per_set:.2f} s per "
        f"set, {per_set * n / 3600:.1f} h for the grid ({per_set * n / t_scan:.0f}x)"
    )
    record("vsdi", f"scan {settings.n_points}^6 ring maps", t_scan, "NumPy ring (estimate)",
           per_set * n, "<= 15 min" if settings.n_points == 5 else "")  # fmt: skip
    rec = load_recording(args.recording)
    t = time.perf_counter()
    ds = fit_recording(rec, scan)
    t_fit = time.perf_counter() - t
    s = json.loads(ds.attrs["summary"])
    print(
        f"fit of {rec.attrs['session']} ({s['duration_ms']:.0f} ms stimulus): {t_fit:.1f} s, "
        f"{s['model_runs']} ring runs; residual {s['residual']:.2f} vs default "
        f"{s['default_residual']:.2f}"
    )
    record("vsdi", "fit of one recording", t_fit, target="<= 30 s")


if __name__ == "__main__":
    main()
