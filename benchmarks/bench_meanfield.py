"""Benchmark of the mean-field integrators (second order, dt = 0.1 ms).

Prints the wall time of 1 s and 100 s of biological time after compilation (Euler and Heun,
compiled kernel and the full ``integrate`` call), the ratio to a plain NumPy implementation
of the same equations measured in the same run, and the throughput of the batch mode for
1000 drives. The NumPy baseline is the honest "plain NumPy" route: a Python time loop that
evaluates the transfer functions and their derivatives through the public NumPy front end
:meth:`adexmf.TransferFunction.evaluate` at each step and applies the same moment equations
(the pure-Python versions of the node's :func:`adexmf.meanfield.node.moment_equations`
and :func:`adexmf.meanfield.node.route_inputs`).

Run:  python benchmarks/bench_meanfield.py [--repeats 20] [--batch 1000]
Targets (issue 4): 1 s in <= 10 ms after compilation, >= 100x the NumPy version.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import warnings

import numba
import numpy as np

from _report import record
from adexmf import stimuli
from adexmf.layouts import MF_N_E, MF_N_I, MF_T, N_STATE
from adexmf.meanfield import MeanFieldModel, integrate, integrate_batch
from adexmf.meanfield.fixedpoints import continued_fixed_points, fixed_point
from adexmf.meanfield.integrate import METHODS, integrate_kernel
from adexmf.meanfield.node import moment_equations, route_inputs

DT = 1e-4
DRIVE = 4.0
STIMULUS = functools.partial(
    stimuli.double_gaussian, amplitude=2.0, t0=0.5, tau1=0.06, tau2=0.1
)  # SPEC 7 row 5 shape, centred in the first second


def timed(func, repeats: int) -> tuple[float, float]:
    """Minimum and median wall time (s) of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def numpy_euler(model: MeanFieldModel, y0: np.ndarray, drive: np.ndarray, afferent: np.ndarray):
    """Plain NumPy/Python Euler integration of the second-order equations."""
    tf_e, tf_i = model.transfer_functions
    mp = model.packed
    equations = moment_equations.py_func
    routing = route_inputs.py_func
    y = y0.copy()

    def dual(ev):
        h = ev.hessian
        g = ev.gradient
        return (float(ev.rate), g[0], g[1], g[2], h[0, 0], h[0, 1], h[0, 2], h[1, 1], h[1, 2],
                h[2, 2])  # fmt: skip

    for n in range(drive.size - 1):
        in_ee, in_ie, in_i = routing(mp, y[0], y[1], drive[n], afferent[n])
        Fe = dual(tf_e.evaluate(max(in_ee, 0.0), max(in_i, 0.0)))
        Fi = dual(tf_i.evaluate(max(in_ie, 0.0), max(in_i, 0.0)))
        dy = equations(mp[MF_T], mp[MF_N_E], mp[MF_N_I], 2, y[0], y[1], y[2], y[3], y[4], Fe, Fi)
        y[:5] += DT * np.asarray(dy)
        y[:2] = np.maximum(y[:2], 0.0)
    return y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="repeats of the 1 s timing")
    parser.add_argument("--batch", type=int, default=1000, help="drives in the batch timing")
    parser.add_argument("--numpy-seconds", type=float, default=1.0,
                        help="biological time of the NumPy baseline (s)")  # fmt: skip
    args = parser.parse_args()

    model = MeanFieldModel("zerlaut2018", order=2)
    pe, pi = model.packed_transfer
    mp = model.packed
    flags = model.flags
    fp = fixed_point(model, DRIVE)
    y0 = fp.vector
    print(f"adexmf mean-field benchmark: second order, dt = {DT * 1e3:g} ms, drive {DRIVE:g} Hz, "
          f"double-Gaussian stimulus; numba {numba.__version__}, "
          f"{numba.get_num_threads()} threads")  # fmt: skip

    def inputs(seconds):
        t = np.arange(int(round(seconds / DT)) + 1) * DT
        return np.full(t.size, DRIVE), np.ascontiguousarray(STIMULUS(t))

    start = time.perf_counter()
    d1, a1 = inputs(1.0)
    out1 = np.empty((d1.size, N_STATE))
    integrate_kernel(mp, pe, pi, *flags, y0, d1, a1, 0.0, 0.0, DT, 0, 1, out1)
    print(f"  first call (compile or load from cache): {time.perf_counter() - start:.2f} s")

    results = {}
    for name, code in METHODS.items():
        best, med = timed(
            lambda code=code: integrate_kernel(
                mp, pe, pi, *flags, y0, d1, a1, 0.0, 0.0, DT, code, 1, out1
            ),
            args.repeats,
        )
        results[name] = best
        full, _ = timed(
            lambda name=name: integrate(model, 1.0, fp, dt=DT, drive=DRIVE, afferent=STIMULUS,
                                        method=name, observables=False),
            max(3, args.repeats // 4),
        )  # fmt: skip
        print(f"  1 s   {name:5s}: kernel {best * 1e3:7.2f} ms (median {med * 1e3:.2f}), "
              f"integrate() -> Dataset {full * 1e3:7.2f} ms")  # fmt: skip
    d100, a100 = inputs(100.0)
    out100 = np.empty((d100.size // 10 + 1, N_STATE))
    for name, code in METHODS.items():
        best, _ = timed(
            lambda code=code: integrate_kernel(
                mp, pe, pi, *flags, y0, d100, a100, 0.0, 0.0, DT, code, 10, out100
            ),
            1,
        )  # fmt: skip
        print(f"  100 s {name:5s}: kernel {best:7.3f} s ({best / 100 * 1e3:.2f} ms per s)")

    seconds = args.numpy_seconds
    dn, an = inputs(seconds)
    # the baseline evaluates the transfer functions one step at a time with their domain
    # check on: its warnings (the stimulus peak leaves the fit's domain) are not results
    warnings.simplefilter("ignore")
    numpy_euler(model, y0, dn[:3], an[:3])  # compile (or load) the front end's kernels first
    start = time.perf_counter()
    y_np = numpy_euler(model, y0, dn, an)
    t_np = (time.perf_counter() - start) / seconds
    outn = np.empty((dn.size, N_STATE))
    integrate_kernel(mp, pe, pi, *flags, y0, dn, an, 0.0, 0.0, DT, 0, 1, outn)
    diff = np.abs(y_np[:5] - outn[-1, :5]).max()
    print(f"  plain NumPy Euler (TransferFunction.evaluate per step): {t_np:.3f} s per s "
          f"(measured on {seconds:g} s); max |difference| to the kernel {diff:.1e}")  # fmt: skip
    for name in METHODS:
        record("meanfield", f"1 s second order, {name}", results[name], "plain NumPy Euler", t_np,
               "<= 10 ms")  # fmt: skip
    print(f"  ratio NumPy / Numba (Euler, 1 s): {t_np / results['euler']:.0f}x; "
          f"NumPy Euler / Numba Heun: {t_np / results['heun']:.0f}x")  # fmt: skip

    B = args.batch
    drives = np.linspace(0.0, 20.0, B)
    start = time.perf_counter()
    init = continued_fixed_points([model] * B, drives, np.zeros(B))
    t_init = time.perf_counter() - start
    integrate_batch(
        model, 0.01, init, drive_levels=drives, afferent=STIMULUS, observables=False
    )  # fmt: skip  (compile / load)
    n_serial = min(B, 100)
    for name, code in METHODS.items():
        best, _ = timed(
            lambda name=name: integrate_batch(model, 1.0, init, dt=DT, drive_levels=drives,
                                              afferent=STIMULUS, method=name,
                                              record_every=10, observables=False),
            2,
        )  # fmt: skip
        # Serial reference in the same conditions: members one by one through the kernel.
        t_ser = np.arange(d1.size) * DT
        a_ser = np.ascontiguousarray(STIMULUS(t_ser))
        out_ser = np.empty((d1.size // 10 + 1, N_STATE))
        start = time.perf_counter()
        for b in range(n_serial):
            integrate_kernel(mp, pe, pi, *flags, init[b], np.zeros(d1.size), a_ser, drives[b],
                             0.0, DT, code, 10, out_ser)  # fmt: skip
        serial = (time.perf_counter() - start) / n_serial * B
        print(
            f"  batch {B} drives x 1 s {name:5s}: {best:6.2f} s = {B / best:6.1f} runs/s "
            f"({B / best:.0f} biological s per s); serial loop {serial:.2f} s "
            f"(from {n_serial} members) -> parallel speed-up {serial / best:.2f}x"
        )
        record("meanfield", f"batch {B} drives x 1 s, {name}", best, "serial kernel loop", serial)
    print(f"  initial fixed points of the batch (continuation): {t_init:.2f} s")


if __name__ == "__main__":
    main()
