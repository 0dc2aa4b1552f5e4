"""Benchmark of the mean field against the network (issue: validation suite, Figs 4-7 and
the validity map): every protocol at one scale from an empty task folder.

Run: ``python benchmarks/bench_compare.py [--scale quick|paper] [--extended] [--out DIR]``.
For each protocol it times, in this run, the mean-field part alone (``network=False``, the
baseline) and the whole comparison with the network on a LocalCluster of one worker per
core, and prints the network runs' share of the total. ``--extended`` runs the validity map
on the extended grid of issue 26 (b = 0-150 pA, which contains the default grid's points).
Targets (2 cores): the whole suite at paper scale <= 30 min, <= 45 min with the extended
map; quick <= 5 min.
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
VARIANTS = ("reference", "corrected", "adaptation", "adaptation-T", "adaptation-W", "adaptation-WT",
            "adaptation-cal")  # fmt: skip
#: The extended validity map's b values (A): issue 26, item 4.
EXTENDED_B = (0.0, 20e-12, 40e-12, 60e-12, 90e-12, 120e-12, 150e-12)


def timed(protocol: str, out: Path, scale: str, network: bool, extended: bool = False) -> float:
    from adexmf.workflows.compare import comparison_stage

    options = {} if protocol == "integrative" else {"scale": scale, "network": network}
    if protocol == "validity" and extended:
        options["b_values"] = EXTENDED_B
    t = time.perf_counter()
    comparison_stage(protocol, VARIANTS, out, **options)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="quick", choices=("quick", "paper"))
    parser.add_argument("--out", type=Path, default=None, help="keep the results here")
    parser.add_argument("--extended", action="store_true", help="validity map to b = 150 pA")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        rows = []
        for protocol in PROTOCOLS:
            mf = timed(protocol, out / "mf", args.scale, False, args.extended)
            total = (mf if protocol == "integrative"
                     else timed(protocol, out, args.scale, True, args.extended))  # fmt: skip
            rows.append({"protocol": protocol, "mean_field_s": mf, "total_s": total,
                         "network_share": max(0.0, 1.0 - mf / total)})  # fmt: skip
            print(
                f"{protocol:12s} mean field {mf:7.1f} s   with network {total:7.1f} s   "
                f"network share {100 * rows[-1]['network_share']:5.1f} %",
                flush=True,
            )
    total = sum(r["total_s"] for r in rows)
    mf = sum(r["mean_field_s"] for r in rows)
    target = 5 if args.scale == "quick" else (45 if args.extended else 30)
    label = f"{args.scale}{', extended map' if args.extended else ''}"
    print(
        f"{'suite':12s} mean field {mf:7.1f} s   with network {total:7.1f} s "
        f"({total / 60:.1f} min; target {target} min)"
    )
    for r in rows:
        record("compare", f"{r['protocol']} ({label})", r["total_s"], "mean field alone",
               r["mean_field_s"])  # fmt: skip
    record("compare", f"whole suite ({label})", total, "mean field alone", mf,
           f"<= {target} min")  # fmt: skip
    print(json.dumps({"scale": args.scale, "extended": args.extended, "rows": rows,
                      "total_s": total}))  # fmt: skip


if __name__ == "__main__":
    main()
