"""Which property of a network RS cell's input makes it fire below the transfer function?
(issue 26, item 1; the numbers of docs/paper-vs-code.md).

At each (drive, b) point the 10,000-neuron network runs in NEST; the recurrent spike trains
received by a sample of its RS cells are replayed into isolated copies of the cell, as they
are and with one property removed at a time (:mod:`adexmf.compare.replay`): the E-I
alignment (``ei_shift``), the synchrony between trains (``isi_shuffle``), the timing of each
train beyond its regularity (``gamma``: renewal trains with the network's CV), the
regularity (``poisson``), the spread of the sources' rates (``poisson_mean``). Points run as
Dask tasks, stored in ``--store`` and skipped on rerun.

Run: ``python examples/input_replay.py --store DIR [--out replay.nc] [--json]`` (7 points,
about 40 min on 2 cores); ``--json`` prints the numbers as one JSON object (the record of
``docs/results.py --record input_replay``).
"""

from __future__ import annotations

import argparse
import json

import xarray as xr

from adexmf.compare.replay import SURROGATES, replay_task
from adexmf.netcdf import write_netcdf
from adexmf.sweep import run_tasks

POINTS = ((4.0, 0.0), (4.0, 20e-12), (4.0, 60e-12), (10.0, 0.0), (10.0, 20e-12),
          (10.0, 60e-12), (10.0, 150e-12))  # drive (Hz), b (A)  # fmt: skip
SETTINGS = {"n_total": 10_000, "duration_s": 4.0, "n_targets": 300, "t_surrogate_s": 1.0,
            "t_measure_s": 2.0}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="task store (reruns skip done points)")
    parser.add_argument("--out", default=None, help="NetCDF file of every point")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    specs = [{"drive_Hz": d, "rs_b_A": b, "seed": args.seed, **SETTINGS} for d, b in POINTS]
    results = run_tasks(replay_task, specs, args.store, progress=not args.json)
    if args.out:
        keyed = [ds.expand_dims(point=[f"{d:g}Hz,{b * 1e12:g}pA"])
                 for (d, b), ds in zip(POINTS, results, strict=True)]  # fmt: skip
        write_netcdf(xr.concat(keyed, "point", combine_attrs="drop_conflicts"), args.out)
    if args.json:
        print(json.dumps({"settings": SETTINGS, "seed": args.seed, "points": [
            {"drive_Hz": d, "b_pA": b * 1e12, "network_Hz": float(ds.network_mean_rate),
             "source_cv": ds.source_cv.values.tolist(), "k_e": float(ds.k_e.mean()),
             **{k: float(r) for k, r in zip(SURROGATES, ds.mean_rate.values, strict=True)}}
            for (d, b), ds in zip(POINTS, results, strict=True)]}))  # fmt: skip
        return
    print("drive  b(pA)  network  | " + "  ".join(f"{k:>12s}" for k in SURROGATES)
          + "   (Hz; % vs network)")  # fmt: skip
    for (drive, b), ds in zip(POINTS, results, strict=True):
        net = float(ds.network_mean_rate)
        cells = "  ".join(f"{float(r):5.2f} {100 * (float(r) / net - 1):+5.0f}%"
                          for r in ds.mean_rate.values)  # fmt: skip
        print(f"{drive:5.1f}  {b * 1e12:5.0f}  {net:7.2f}  | {cells}")


if __name__ == "__main__":
    main()
