"""Benchmark: transfer-function characterisation of RS and FS, compiled kernel vs Brian2.

Times the full characterisation (adaptive pilot + >= 150 grid points x 4 seeds x 10 s at the
default settings, Heun at dt = 0.1 ms) of the RS and FS cells with the compiled simulator,
then Brian2 simulating the same grid points (all points x seeds of a cell as one
NeuronGroup, runtime mode, same scheme) in the same run, and prints the ratio. Brian2 is run
for ``--brian2-duration`` seconds of biological time (default: the full 10 s) and, if
shorter, its time is extrapolated linearly to 10 s (stated in the output); its compilation
time (Cython, cached in the user cache folder) is excluded by a short warm-up run.

    python benchmarks/bench_characterize.py [--seeds 4] [--brian2-duration 10] [--target cython]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _report import record
from adexmf import DEFAULT_NETWORK, DEFAULT_SYNAPSES, cell_preset
from adexmf.engines.brian2_cells import simulate_cells_brian2
from adexmf.singlecell.characterize import CharacterizationConfig, characterize
from adexmf.singlecell.simulate import simulate_cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4, help="seeds per grid point")
    parser.add_argument("--duration", type=float, default=10.0, help="s per seed and point")
    parser.add_argument("--brian2-duration", type=float, default=10.0, help="s simulated")
    parser.add_argument("--target", default="cython", choices=["cython", "numpy"])
    args = parser.parse_args()
    config = CharacterizationConfig(duration=args.duration, n_seeds=args.seeds)
    cells = [cell_preset("RS"), cell_preset("FS")]

    # warm-up: load (or compile) the kernel outside the timing
    simulate_cells(cells[0], DEFAULT_SYNAPSES, [1.0], [1.0], duration=0.01)
    t0 = time.perf_counter()
    data = {c.name: characterize(c, config=config) for c in cells}
    ours = time.perf_counter() - t0
    n_pts = {k: v.sizes["point"] for k, v in data.items()}
    print(
        f"compiled: RS + FS characterised in {ours:.1f} s wall "
        f"({n_pts['RS']} + {n_pts['FS']} points x {args.seeds} seeds x {args.duration:g} s, "
        f"{config.scheme} at dt {config.dt * 1e3:g} ms, pilot included)"
    )

    # like for like: the compiled kernel on exactly the grid given to Brian2 (no pilot)
    t0 = time.perf_counter()
    for cell in cells:
        ds = data[cell.name]
        e = np.repeat(ds.nu_e.values, args.seeds)
        i = np.repeat(ds.nu_i.values, args.seeds)
        simulate_cells(cell, DEFAULT_SYNAPSES, e, i, duration=args.duration, dt=config.dt,
                       scheme=config.scheme)  # fmt: skip
    grid_only = time.perf_counter() - t0
    print(f"compiled: the final grids alone (no pilot) in {grid_only:.1f} s wall")

    # Brian2: the same grid points and seeds, one NeuronGroup per cell, runtime mode
    simulate_cells_brian2(cells[1], DEFAULT_SYNAPSES, [1.0], [1.0], duration=0.01,
                          target=args.target)  # fmt: skip
    t0 = time.perf_counter()
    for cell in cells:
        ds = data[cell.name]
        e = np.repeat(ds.nu_e.values, args.seeds)
        i = np.repeat(ds.nu_i.values, args.seeds)
        simulate_cells_brian2(cell, DEFAULT_SYNAPSES, e, i, duration=args.brian2_duration,
                              dt=config.dt, scheme=config.scheme, network=DEFAULT_NETWORK,
                              target=args.target)  # fmt: skip
    theirs = time.perf_counter() - t0
    scale = args.duration / args.brian2_duration
    note = (
        ""
        if scale == 1
        else f" (measured {theirs:.1f} s for {args.brian2_duration:g} s, x{scale:g})"
    )
    brian2 = theirs * scale
    print(f"Brian2 ({args.target}, runtime): same grids in {brian2:.1f} s wall{note}")
    print(f"ratio Brian2 / compiled, same grids: {brian2 / grid_only:.1f}x")
    print(f"ratio Brian2 (grids only) / compiled full characterisation: {brian2 / ours:.1f}x")
    record("characterize", "RS + FS grids, compiled", grid_only, "Brian2, same grids", brian2)
    record("characterize", "RS + FS characterisation (pilot incl.)", ours, "Brian2, same grids",
           brian2, "<= 60 s")  # fmt: skip


if __name__ == "__main__":
    main()
