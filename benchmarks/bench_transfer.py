"""Cost of one transfer-function evaluation with all derivatives, compiled, per call.

Run: ``python benchmarks/bench_transfer.py``. Prints the compiled cost per call (value,
gradient and Hessian in nu_e, nu_i, W in one pass of dual numbers) and its ratio to two
baselines measured in the same run: the vectorised NumPy front end (per point) and
central finite differences of that front end for the same derivatives (the authors' route,
h = 1e-4 Hz, 9 evaluations per point for gradient and Hessian in (nu_e, nu_i)).
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from _report import record
from adexmf import TransferFunction, load_preset
from adexmf.theory.transfer import transfer_dual


@njit(cache=True)
def _sweep(p, nu_e, nu_i, W):
    acc = 0.0
    for k in range(nu_e.size):
        r = transfer_dual(p, nu_e[k], nu_i[k], W[k])
        # consume every entry, or the compiler drops the unused derivatives (the function
        # is inlined) and the figure would not be "all derivatives"
        acc += r[0] + r[1] + r[2] + r[3] + r[4] + r[5] + r[6] + r[7] + r[8] + r[9]
    return acc


@njit(cache=True)
def _sweep_value(p, nu_e, nu_i, W):
    acc = 0.0
    for k in range(nu_e.size):
        acc += transfer_dual(p, nu_e[k], nu_i[k], W[k])[0]
    return acc


def best_of(fn, repeats: int = 5) -> float:
    """Smallest wall time of ``repeats`` calls (s)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int = 200_000) -> None:
    tf = TransferFunction.from_preset(load_preset("zerlaut2018"), "RS")
    rng = np.random.default_rng(0)
    e, i = rng.uniform(0, 30, n), rng.uniform(0, 30, n)
    w = np.zeros(n)
    _sweep(tf.packed, e[:10], i[:10], w[:10])  # compile (or load from cache)
    _sweep_value(tf.packed, e[:10], i[:10], w[:10])
    t_dual = best_of(lambda: _sweep(tf.packed, e, i, w)) / n
    t_value = best_of(lambda: _sweep_value(tf.packed, e, i, w)) / n
    m = n // 10
    t_front = best_of(lambda: tf.evaluate(e[:m], i[:m])) / m
    h = 1e-4
    shifts = [(a * h, b * h) for a in (-1, 0, 1) for b in (-1, 0, 1)]
    t_fd = best_of(lambda: [tf(e[:m] + 1.0 + a, i[:m] + 1.0 + b) for a, b in shifts]) / m
    print(f"compiled dual, value+gradient+Hessian : {t_dual * 1e9:8.1f} ns per call")
    print(f"compiled, value only (inlined, derivatives compiled away): {t_value * 1e9:8.1f} ns")
    print(
        f"NumPy front end (evaluate), per point  : {t_front * 1e9:8.1f} ns  "
        f"(ratio {t_front / t_dual:.1f}x)"
    )
    print(
        f"central finite differences, per point  : {t_fd * 1e9:8.1f} ns  "
        f"(ratio {t_fd / t_dual:.1f}x)"
    )
    record("transfer", "TF value+gradient+Hessian per call", t_dual, "NumPy front end", t_front)
    record("transfer", "TF value+gradient+Hessian per call", t_dual, "finite differences", t_fd)


if __name__ == "__main__":
    main()
