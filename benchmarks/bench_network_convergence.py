"""Benchmark: stationary rates of the 10,000-neuron network vs its integration.

Drive 2, 4 and 8 Hz, >= 3 seeds each, 1.5 s (statistics after 0.5 s), Poisson drive events
on every route (NEST has no Bernoulli generator): Brian2 forward Euler at dt 0.1 (the
paper's protocol), 0.05 and 0.025 ms, Brian2 Heun at 0.1 ms, and NEST's adaptive
``aeif_cond_exp`` (RKF45 inside 0.1 ms steps) as the reference. Prints the mean rates, their
seed spread, the difference to NEST per setting and the wall time of each route. Tasks run
on a local Dask cluster and are stored in ``--folder``: a rerun skips finished ones.

    python benchmarks/bench_network_convergence.py [--seeds 3] [--folder DIR] [--no-nest]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from _report import record
from adexmf.compare.protocol import run_network_tasks, task_spec
from adexmf.compare.stationary import T_START, network_task
from adexmf.network.run_spec import NetworkRun

SETTINGS = (
    ("brian2", "euler", 1e-4), ("brian2", "euler", 5e-5), ("brian2", "euler", 2.5e-5),
    ("brian2", "heun", 1e-4), ("nest", "adaptive", 1e-4),
)  # fmt: skip
DRIVES = (2.0, 4.0, 8.0)


def spec(backend: str, integrator: str, dt: float, drive: float, seed: int) -> dict:
    run = NetworkRun(n_total=10_000, drive=drive, dt=dt, duration=1.5, seed=seed,
                     backend=backend, drive_events="poisson",
                     integrator="euler" if backend == "nest" else integrator)  # fmt: skip
    return task_spec("network-convergence", run, t_start_s=T_START)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path("adexmf-results/net-convergence"))
    parser.add_argument("--no-nest", action="store_true", help="leave out the NEST reference")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address")
    args = parser.parse_args()
    settings = [s for s in SETTINGS if not (args.no_nest and s[0] == "nest")]
    routes = [(b, m, dt, d, seed) for b, m, dt in settings for d in DRIVES
              for seed in range(1, args.seeds + 1)]  # fmt: skip
    specs = [spec(*route) for route in routes]
    runs = run_network_tasks(network_task, specs, args.folder, args.scheduler, True)
    table: dict[tuple, dict[str, list[float]]] = {}
    for route, ds in zip(routes, runs, strict=True):
        key = route[:4]  # backend, integrator ("adaptive": NEST), dt, drive
        row = table.setdefault(key, {"nu_e": [], "nu_i": [], "wall": []})
        row["nu_e"].append(float(ds.attrs["stationary_nu_e_Hz"]))
        row["nu_i"].append(float(ds.attrs["stationary_nu_i_Hz"]))
        timings = ds.attrs["timings"]
        timings = json.loads(timings) if isinstance(timings, str) else timings
        row["wall"].append(float(timings.get("simulation_s", np.nan)))
    print(f"\nstationary rates, 10,000 neurons, {args.seeds} seeds, mean +- seed SD (Hz); "
          "difference to NEST in % (+- SE of the difference)")  # fmt: skip
    for drive in DRIVES:
        ref = table.get(("nest", "adaptive", 1e-4, drive))
        print(f"drive {drive:g} Hz")
        for b, m, dt in settings:
            row = table[(b, m, dt, drive)]
            cells = []
            for pop in ("nu_e", "nu_i"):
                x = np.array(row[pop])
                text = f"{pop} {x.mean():7.3f} +- {x.std(ddof=1):.3f}"
                if ref is not None and b != "nest":
                    r = np.array(ref[pop])
                    se = np.sqrt(x.var(ddof=1) / x.size + r.var(ddof=1) / r.size)
                    diff = 100 * (x.mean() / r.mean() - 1)
                    text += f" ({diff:+5.1f} +- {100 * se / r.mean():.1f} %)"
                cells.append(text)
            print(f"  {b:>6} {m:>8} {dt * 1e3:5.3g} ms: " + "   ".join(cells)
                  + f"   [{np.mean(row['wall']):.0f} s per run]")  # fmt: skip
    walls = {s: np.mean([w for d in DRIVES for w in table[(*s, d)]["wall"]]) for s in settings}
    record("network-convergence", "Brian2 Heun 0.1 ms", walls[("brian2", "heun", 1e-4)],
           "Brian2 Euler 0.025 ms", walls[("brian2", "euler", 2.5e-5)])  # fmt: skip


if __name__ == "__main__":
    main()
