"""The network-calibrated threshold, validated on held-out points (issue 26, item 2; the
numbers of docs/paper-vs-code.md).

1. The validity map of the 10,000-neuron network over drive 1, 2, 4, 6, 8, 10 Hz x b = 0, 20,
   40, 60, 90, 120, 150 pA (Poisson drive, 3 seeds, 3 s runs: 126 Dask tasks, stored in
   ``--out``/tasks and skipped on rerun), with the mean fields ``adaptation-W`` and the shipped
   ``adaptation-cal`` (calibrated on the even half of the b <= 60 pA part).
2. Its b <= 60 pA part is the stationary map; each of its two checkerboard halves calibrates
   adaptation-W in turn (:func:`adexmf.compare.calibration.calibrate_file`) and is scored with
   the other held out. The same on the whole map (b up to 150 pA).
3. The shipped adaptation-cal on both maps, split into the points it was calibrated on and
   the others.

Run: ``python examples/calibrated_threshold.py --out DIR [--json]`` (about 20 min on 2 cores
from an empty folder; seconds once the tasks are stored). ``--json`` prints one JSON object
(the record of ``docs/results.py --record calibration``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adexmf.compare.calibration import HALVES, calibrate_file
from adexmf.compare.validity_map import validity_summary
from adexmf.netcdf import write_netcdf
from adexmf.workflows.compare import comparison_stage

DRIVES = (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)
B_VALUES = (0.0, 20e-12, 40e-12, 60e-12, 90e-12, 120e-12, 150e-12)
#: The stationary map's largest b (A): the grid of the issue's first criterion.
STATIONARY_B_MAX = 60e-12
VARIANTS = ("adaptation-W", "adaptation-cal")
KEYS = ("within_10_percent_ai_fraction", "max_abs_error_ai_percent", "split")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="results folder and task store")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    args = parser.parse_args()
    done = comparison_stage("validity", VARIANTS, args.out, scale="quick", seeds=3,
                            drives=DRIVES, b_values=B_VALUES, progress=not args.json)  # fmt: skip
    extended = done.data["validity"]
    stationary = extended.sel(b=extended.b[extended.b <= STATIONARY_B_MAX + 1e-15])
    maps = {"stationary": (stationary, write_netcdf(stationary, args.out / "stationary.nc")),
            "extended": (extended, done.files[0])}  # fmt: skip
    result = {}
    for name, (ds, path) in maps.items():
        summary = validity_summary(ds)["mf"]
        result[name] = {
            "variants": {v: {k: summary[v].get(k) for k in KEYS} for v in VARIANTS},
            "calibrations": {h: calibrate_file(path, "adaptation-W", h)[1] for h in HALVES},
        }
    if args.json:
        print(json.dumps(result))
        return
    for name, entry in result.items():
        print(f"{name} map")
        for v, m in entry["variants"].items():
            print(f"  {v}: {100 * m['within_10_percent_ai_fraction']:.0f} % of AI points within"
                  f" 10 %, max {m['max_abs_error_ai_percent']:.1f} %")  # fmt: skip
        for half, cal in entry["calibrations"].items():
            after = cal["after"]
            print(f"  adaptation-W calibrated on the {half} half: " + "; ".join(
                f"{k} {100 * s['within_10_percent_fraction']:.0f} % within 10 %, max "
                f"{s['max_abs_error_percent']:.1f} %" for k, s in after.items()))  # fmt: skip


if __name__ == "__main__":
    main()
