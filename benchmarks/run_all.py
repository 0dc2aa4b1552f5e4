"""Run every benchmark and print one table: figure, time, baseline, ratio (each measured in
the same run), and write it as JSON.

Run: ``python benchmarks/run_all.py [--quick] [--only NAME ...] [--json FILE]``. Each
benchmark runs in its own process (a fresh interpreter, the kernels loaded from the cache)
and reports its headline figures through :mod:`_report`; ``--quick`` passes smaller sizes
(fewer repeats, a 1 s Brian2 baseline extrapolated, a 4^6 VSDi scan, the quick comparison
suite) where a benchmark has them. A benchmark that fails is listed with its exit status;
the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import ENV

HERE = Path(__file__).resolve().parent
#: name -> (arguments, arguments with --quick)
BENCHMARKS = {
    "transfer": ([], []),
    "meanfield": ([], ["--repeats", "5", "--batch", "200"]),
    "characterize": ([], ["--brian2-duration", "1"]),
    "network": (["--backends", "brian2-runtime", "brian2-standalone"],
                ["--backends", "brian2-runtime", "--durations", "1", "2"]),
    "ring": ([], ["--batch", "200", "--repeat", "3"]),
    "vsdi": ([], ["--points", "4"]),
    "compare": (["--scale", "paper"], ["--scale", "quick"]),
    "convergence": ([], ["--cells", "100"]),
    "network_convergence": ([], ["--seeds", "1", "--no-nest"]),
    "brain": ([], ["--tvb-duration", "2", "--numpy-duration", "0.2", "--repeat", "1"]),
    # three repeats even in --quick: a marginal cost is the difference of two wall times,
    # and one hiccup of a single run (page cache, a figure's fonts) can double it
    "cli": (["--compress"], ["--repeats", "3"]),
}  # fmt: skip


def run(name: str, args: list[str], rows_file: Path) -> tuple[int, float]:
    env = {**os.environ, ENV: str(rows_file)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py"), *args], env=env,
                          check=False)  # fmt: skip
    return proc.returncode, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes where available")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument("--json", type=Path, default=Path("adexmf-results/benchmarks.json"))
    args = parser.parse_args()
    rows, status = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.jsonl"
        rows_file.touch()
        for name in args.only:
            full, quick = BENCHMARKS[name]
            print(f"== bench_{name}.py", flush=True)
            rc, wall = run(name, quick if args.quick else full, rows_file)
            status[name] = {"returncode": rc, "wall_s": wall}
        rows = [json.loads(line) for line in rows_file.read_text().splitlines() if line]
    print(f"\n{'benchmark':<13} {'figure':<46} {'time':>11} {'baseline':<34} {'ratio':>8}")
    for r in rows:
        base = r["baseline"] or "-"
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else "-"
        print(f"{r['benchmark']:<13} {r['figure']:<46} {_time(r['seconds']):>11} "
              f"{base:<34} {ratio:>8}")  # fmt: skip
    for name, s in status.items():
        if s["returncode"] != 0:
            print(f"{name}: FAILED (exit status {s['returncode']})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp_json = args.json.with_name(args.json.name + ".part")
    tmp_json.write_text(json.dumps({"quick": args.quick, "rows": rows, "status": status},
                                   indent=1))  # fmt: skip
    tmp_json.replace(args.json)
    print(f"\n{args.json}")
    sys.exit(1 if any(s["returncode"] for s in status.values()) else 0)


def _time(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:.1f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
