"""Benchmark of the mean field against the network (issue: validation suite, Figs 4-7 and
the validity map): every protocol at one scale from an empty task folder.

Run: ``python benchmarks/bench_compare.py [--scale quick|paper] [--out DIR]``. For each
protocol it times, in this run, the mean-field part alone (``network=False``, the baseline)
and the whole comparison with the network on a LocalCluster of one worker per core, and
prints the network runs' share of the total. Targets (2 cores): the whole suite at paper
scale <= 30 min, quick <= 5 min.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

from _report import record

PROTOCOLS = ("stationary", "transient", "frequency", "integrative", "validity")
VARIANTS = ("reference", "corrected", "adaptation", "adaptation-T", "adaptation-W", "adaptation-WT")


def timed(protocol: str, out: Path, scale: str, network: bool) -> float:
    from adexmf.workflows.compare import comparison_stage

    options = {} if protocol == "integrative" else {"scale": scale, "network": network}
    t = time.perf_counter()
    comparison_stage(protocol, VARIANTS, out, **options)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="quick", choices=("quick", "paper"))
    parser.add_argument("--out", type=Path, default=None, help="keep the results here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        rows = []
        for protocol in PROTOCOLS:
            mf = timed(protocol, out / "mf", args.scale, network=False)
            total = mf if protocol == "integrative" else timed(protocol, out, args.scale, True)
            rows.append({"protocol": protocol, "mean_field_s": mf, "total_s": total,
                         "network_share": max(0.0, 1.0 - mf / total)})  # fmt: skip
            print(
                f"{protocol:12s} mean field {mf:7.1f} s   with network {total:7.1f} s   "
                f"network share {100 * rows[-1]['network_share']:5.1f} %",
                flush=True,
            )
    total = sum(r["total_s"] for r in rows)
    mf = sum(r["mean_field_s"] for r in rows)
    print(
        f"{'suite':12s} mean field {mf:7.1f} s   with network {total:7.1f} s "
        f"({total / 60:.1f} min; target {'5' if args.scale == 'quick' else '30'} min)"
    )
    for r in rows:
        record("compare", f"{r['protocol']} ({args.scale})", r["total_s"], "mean field alone",
               r["mean_field_s"])  # fmt: skip
    record("compare", f"whole suite ({args.scale})", total, "mean field alone", mf,
           "<= 5 min" if args.scale == "quick" else "<= 30 min")  # fmt: skip
    print(json.dumps({"scale": args.scale, "rows": rows, "total_s": total}))


if __name__ == "__main__":
    main()
