"""Benchmark of the spiking network (SPEC 2.3): Brian2 runtime, Brian2 standalone and NEST.

For each backend and biological duration (1 s and 5 s by default, 10,000 neurons, drive
4 Hz) one fresh process builds and runs the network and reports construction time, CPU time
of the simulation per biological second and peak resident memory. The marginal cost
``(CPU(5 s) - CPU(1 s)) / 4 s`` removes fixed costs (code generation, the standalone binary's
own set-up). Ratios are printed against Brian2 runtime measured in the same session.

Caches: "warm" runs use the user's cache (compiled once by a warm-up run); ``--cold`` adds
Brian2 runs in an empty temporary cache (``XDG_CACHE_HOME``), i.e. with full compilation.
The standalone entry also reruns the compiled binary with a new seed in the same process
and checks that it was not recompiled.

Usage::

    python benchmarks/bench_network.py [--n-total 10000] [--durations 1 5] [--cold]
        [--backends brian2-runtime brian2-standalone nest] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from _report import record

BACKENDS = ("brian2-runtime", "brian2-standalone", "nest")


def worker(backend: str, duration: float, n_total: int, seed: int) -> dict:
    """Build and run one network in this process; return timings (s) and peak memory."""
    from adexmf.network import Brian2Standalone, NetworkModel, simulate, stationary_statistics

    model = NetworkModel.from_preset(n_total=n_total, keep_in_degrees=n_total < 10_000)
    wall0 = time.perf_counter()
    out: dict = {"backend": backend, "duration": duration, "n_total": n_total}
    if backend == "brian2-standalone":
        sim = Brian2Standalone(model, duration)
        build = time.perf_counter() - wall0
        mtime = sim.binary.stat().st_mtime
        ds = sim.run(seed)
        rerun0 = time.perf_counter()
        again = sim.run(seed + 1)
        out["rerun_new_seed_s"] = time.perf_counter() - rerun0
        out["rerun_recompiled"] = sim.binary.stat().st_mtime != mtime
        out["rerun_nu_e"] = stationary_statistics(again)["nu_e"] if duration > 0.5 else None
        out["build_s"] = build
        out["recompiled"] = sim.recompiled
    elif backend == "brian2-runtime":
        ds = simulate(model, duration, seed)
    else:
        ds = simulate(model, duration, seed, backend="nest")
    timings = json.loads(ds.attrs["timings"])
    out.update({k: float(v) for k, v in timings.items()})
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = max(own, child) / 1024
    out["total_wall_s"] = time.perf_counter() - wall0
    if duration > 0.5:
        st = stationary_statistics(ds)
        out["nu_e"], out["nu_i"] = st["nu_e"], st["nu_i"]
    if backend == "brian2-standalone":
        # The binary builds the connectivity itself: its time is in simulation_s.
        out["construction_s"] = out["build_s"]
    return out


def _spawn(backend: str, duration: float, n_total: int, seed: int, cache: str | None) -> dict:
    env = dict(os.environ)
    if cache is not None:
        env["XDG_CACHE_HOME"] = cache
    cmd = [sys.executable, __file__, "--worker", backend, str(duration), str(n_total), str(seed)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{backend} {duration} s failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-total", type=int, default=10_000)
    parser.add_argument("--durations", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--cold", action="store_true", help="also measure empty-cache runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write all measurements to this file")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        backend, duration, n_total, seed = args.worker
        print(json.dumps(worker(backend, float(duration), int(n_total), int(seed))))
        return

    results = []
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="adexmf-cold-") as cache:
            for backend in ("brian2-runtime", "brian2-standalone"):
                if backend in args.backends:
                    r = _spawn(backend, args.durations[0], args.n_total, args.seed, cache)
                    r["cache"] = "cold"
                    results.append(r)
                    print(f"cold {backend}: {r['total_wall_s']:.1f} s in all", flush=True)
    for backend in args.backends:
        for duration in args.durations:
            # Warm-up: compile into the user's cache (standalone code depends on the duration).
            if backend == "brian2-standalone" or (
                backend == "brian2-runtime" and duration == args.durations[0]
            ):
                _spawn(backend, duration, args.n_total, args.seed, None)
            r = _spawn(backend, duration, args.n_total, args.seed, None)
            r["cache"] = "warm"
            results.append(r)
            print(f"warm {backend} {duration:g} s: {r['total_wall_s']:.1f} s in all", flush=True)

    def cpu_per_s(r: dict) -> float:
        return r["simulation_cpu_s"] / r["duration"]

    warm = [r for r in results if r["cache"] == "warm"]
    base = {r["duration"]: cpu_per_s(r) for r in warm if r["backend"] == "brian2-runtime"}
    header = (
        f"{'backend':<18} {'cache':<5} {'T (s)':>5} {'constr. (s)':>11} {'sim CPU (s)':>11} "
        f"{'CPU s/bio s':>11} {'vs runtime':>10} {'peak MB':>8} {'nu_e':>6} {'nu_i':>6}"
    )
    print(f"\n{args.n_total} neurons, drive 4 Hz, seed {args.seed}\n{header}")
    for r in results:
        ratio = cpu_per_s(r) / base[r["duration"]] if r["duration"] in base else float("nan")
        print(
            f"{r['backend']:<18} {r['cache']:<5} {r['duration']:>5g} {r['construction_s']:>11.2f} "
            f"{r['simulation_cpu_s']:>11.2f} {cpu_per_s(r):>11.2f} {ratio:>10.2f} "
            f"{r['peak_rss_mb']:>8.0f} {r.get('nu_e', float('nan')):>6.2f} "
            f"{r.get('nu_i', float('nan')):>6.2f}"
        )
    durations = sorted(args.durations)
    if len(durations) >= 2:
        lo, hi = durations[0], durations[-1]
        print(
            f"\nmarginal CPU per biological second, (CPU({hi:g} s) - CPU({lo:g} s)) / {hi - lo:g} s"
        )
        for backend in args.backends:
            runs = {r["duration"]: r for r in warm if r["backend"] == backend}
            if lo in runs and hi in runs:
                m = (runs[hi]["simulation_cpu_s"] - runs[lo]["simulation_cpu_s"]) / (hi - lo)
                print(f"  {backend:<18} {m:.2f} s")
    for r in results:
        if r["backend"] == "brian2-standalone":
            print(
                f"standalone ({r['cache']}, {r['duration']:g} s): build {r['build_s']:.1f} s "
                f"(recompiled: {r['recompiled']}); rerun with a new seed "
                f"{r['rerun_new_seed_s']:.2f} s, recompiled: {r['rerun_recompiled']}"
            )
    for r in warm:
        if r["duration"] in base:
            record("network", f"{r['backend']} {r['duration']:g} s: CPU per biological s",
                   cpu_per_s(r), "Brian2 runtime", base[r["duration"]])  # fmt: skip
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
