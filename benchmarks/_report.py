"""The one place benchmarks report their headline figures for ``run_all.py``.

A benchmark calls :func:`record` for each figure it measured, with the baseline measured in
the same run; when ``ADEXMF_BENCH_JSON`` names a file (``run_all.py`` sets it) the row is
appended to it as one JSON line. Run alone, a benchmark only prints, as before.
"""

from __future__ import annotations

import json
import math
import os

ENV = "ADEXMF_BENCH_JSON"


def record(
    benchmark: str,
    figure: str,
    seconds: float,
    baseline: str = "",
    baseline_seconds: float | None = None,
    target: str = "",
) -> None:
    """One measured time (s) and its baseline of the same run (ratio = baseline / time)."""
    path = os.environ.get(ENV)
    if not path:
        return
    ratio = (baseline_seconds / seconds) if baseline_seconds and seconds > 0 else None
    row = {
        "benchmark": benchmark, "figure": figure, "seconds": float(seconds),
        "baseline": baseline,
        "baseline_seconds": None if baseline_seconds is None else float(baseline_seconds),
        "ratio": None if ratio is None or not math.isfinite(ratio) else float(ratio),
        "target": target,
    }  # fmt: skip
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
