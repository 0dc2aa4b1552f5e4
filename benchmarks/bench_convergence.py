"""Benchmark: time-step convergence of the single-cell simulator against adaptive NEST.

Rates of the compiled kernel at the authors' scheme (forward Euler, dt 0.1 to 0.005 ms) and
at the default (Heun, 0.1 ms) against NEST's ``aeif_cond_exp`` (RKF45, gsl_error_tol 1e-9)
on the points where the step error is largest (``REGIME_POINTS``) and, with ``--grid``, on
the characterisation grids of RS and FS; then the cost of each setting (the same cells,
timed in this run) relative to the authors' Euler at 0.05 ms. Tasks run on a local Dask
cluster and are stored in ``--folder``: a rerun skips finished ones.

    python benchmarks/bench_convergence.py [--cells 400] [--grid] [--folder DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from _report import record
from adexmf import load_preset
from adexmf.singlecell.convergence import (
    REGIME_POINTS,
    STUDY_SETTINGS,
    CheckPoint,
    convergence_study,
    convergence_table,
)
from adexmf.singlecell.simulate import simulate_cells


def grid_points(folder: Path, preset: str) -> list[CheckPoint]:
    """The characterisation grids of RS and FS at the default settings (cached in folder)."""
    from adexmf.netcdf import read_netcdf
    from adexmf.singlecell.characterize import characterize_to_file

    p = load_preset(preset)
    points = []
    for name in ("RS", "FS"):
        path = characterize_to_file(p.cells[name], folder / "tf", p.synapses, p.network)
        ds = read_netcdf(path)
        points += [CheckPoint(f"grid {name}", name, float(e), float(i))
                   for e, i in zip(ds.nu_e.values, ds.nu_i.values, strict=True)]  # fmt: skip
    return points


def costs(preset: str, n_cells: int = 400, duration: float = 2.0) -> dict[str, float]:
    """Wall time (s) of each setting on the same cells (RS, 8 Hz / 8 Hz input)."""
    p = load_preset(preset)
    e = np.full(n_cells, 8.0)
    simulate_cells(p.excitatory, p.synapses, e[:2], 8.0, duration=0.01)  # load the kernel
    out = {}
    for scheme, dt in STUDY_SETTINGS:
        t0 = time.perf_counter()
        simulate_cells(p.excitatory, p.synapses, e, 8.0, duration=duration, dt=dt, scheme=scheme)
        out[f"{scheme} {dt * 1e3:g} ms"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=400, help="cells per regime point")
    parser.add_argument("--grid-cells", type=int, default=8, help="cells per grid point")
    parser.add_argument("--grid", action="store_true", help="also the characterisation grids")
    parser.add_argument("--preset", default="corrected")
    parser.add_argument("--folder", type=Path, default=Path("adexmf-results/convergence"))
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ds = convergence_study(REGIME_POINTS, preset=args.preset, n_cells=args.cells,
                           folder=args.folder / "regimes", scheduler=args.scheduler,
                           progress=True)  # fmt: skip
    print(f"\nregime points, {args.cells} cells x 10 s per point and route "
          f"({time.perf_counter() - t0:.0f} s wall):")  # fmt: skip
    print(convergence_table(ds))
    if args.grid:
        points = grid_points(args.folder, args.preset)
        grid = convergence_study(points, preset=args.preset, n_cells=args.grid_cells,
                                 folder=args.folder / "grid", scheduler=args.scheduler,
                                 progress=True)  # fmt: skip
        for name in ("RS", "FS"):
            sel = grid.isel(point=np.flatnonzero(grid.regime.values == f"grid {name}"))
            total = float(sel.reference.sum())
            diff = (sel.rate - sel.reference).sum("point") / total
            diff_se = np.sqrt((sel.rate_se**2 + sel.reference_se**2).sum("point")) / total
            print(f"\ngrid {name} ({sel.sizes['point']} points x {args.grid_cells} cells): "
                  "rate-weighted error sum(rate - NEST) / sum(NEST), and mean relative "
                  "error over points with rate > 0.5 Hz")  # fmt: skip
            fast = sel.isel(point=np.flatnonzero(sel.reference.values > 0.5))
            for j, setting in enumerate(grid.setting.values):
                print(f"  {setting:>14}: {100 * float(diff[j]):+6.2f} +- "
                      f"{100 * float(diff_se[j]):.2f} %   "
                      f"{100 * float(fast.error[:, j].mean()):+6.2f} %")  # fmt: skip
    cost = costs(args.preset)
    base = cost["euler 0.05 ms"]
    print("\ncost of each setting (RS, 400 cells x 2 s), relative to Euler 0.05 ms:")
    for name, seconds in cost.items():
        print(f"  {name:>14}: {seconds:6.2f} s  ({seconds / base:.2f}x)")
    record("convergence", "kernel, Heun 0.1 ms (default)", cost["heun 0.1 ms"],
           "kernel, Euler 0.05 ms (authors)", base)  # fmt: skip


if __name__ == "__main__":
    main()
