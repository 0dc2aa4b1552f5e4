"""Benchmark of the brain network (issue 27): 76 regions, first order + W, delays, 10 s of
biological time at dt = 0.1 ms (Heun), against the baselines of the same run:

- tvb-library's simulator on the same model (ZerlautAdaptationFirstOrder, the adexmf column
  ``tvb_zerlaut``, HeunDeterministic, same connectome and settings) where tvb-library and
  tvb-data are installed (``pip install -e ".[tvb]"``);
- always, a plain NumPy network: the same equations vectorised over regions (transfer
  functions through :class:`adexmf.theory.transfer.TransferFunction`, delays rounded to
  whole steps), run for ``--numpy-duration`` and scaled to 10 s (stated in the output).

Run: ``python benchmarks/bench_brain.py [--tvb-duration 10] [--numpy-duration 1]``.
Target (issue 27): <= 2 s for the 10 s run on one core, >= 50x tvb-library.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from _report import record
from adexmf.brain import BrainNetwork, load_connectome
from adexmf.layouts import S_NU_E, S_NU_I, S_W

HERE = Path(__file__).resolve().parent
#: The settings of the reference asynchronous state of tests/test_brain_tvb_parity.py.
COUPLING, DRIVE_HZ, B_PA = 0.01, 1.0, 5.0


def connectome_name() -> str:
    return "connectivity_76" if importlib.util.find_spec("tvb_data") else "synthetic68"


def adexmf_seconds(net: BrainNetwork, method: str, duration: float, repeat: int) -> float:
    y0 = net.initial_state(2.0, 8.0, 50e-12)
    net.run(0.2, drive=DRIVE_HZ, method=method, initial=y0)  # load / compile
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        net.run(duration, drive=DRIVE_HZ, method=method, initial=y0, record_period=1e-3)
        times.append(time.perf_counter() - t)
    return min(times)


def method_errors(net: BrainNetwork, duration: float = 4.0) -> dict[str, tuple[float, float]]:
    """Accuracy of each scheme at dt = 0.1 ms against Heun at 0.05 ms, over ``duration``:
    the largest relative error of a region's time-averaged nu_e (from half the run) and the
    largest error of the nu_e time courses (Hz)."""
    y0 = net.initial_state(2.0, 8.0, 50e-12)

    def run(method: str, dt: float):
        ds = net.run(duration, drive=DRIVE_HZ, method=method, dt=dt, initial=y0)
        return ds.nu_e.sel(time=slice(duration / 2, None)).mean("time").values, ds.nu_e.values

    ref_mean, ref_course = run("heun", 5e-5)
    errors = {}
    for method in ("heun", "euler"):
        mean, course = run(method, 1e-4)
        errors[method] = (float(np.max(np.abs(mean - ref_mean) / ref_mean)),
                          float(np.abs(course - ref_course).max()))  # fmt: skip
    return errors


def numpy_seconds(net: BrainNetwork, duration: float, dt: float = 1e-4) -> float:
    """Heun steps of the first-order + W network, vectorised over regions (the baseline)."""
    model, conn = net.model, net.connectome
    tf_e, tf_i = model.transfer_functions
    spont = net.column.spontaneous_rate
    w = conn.weights * net.coupling
    delay = np.rint(conn.delays(net.conduction_velocity) / dt).astype(int)
    src = np.nonzero(w)
    n_steps = int(round(duration / dt))
    hist = np.empty((n_steps + 1, conn.n_regions))
    y = net.initial_state(2.0, 8.0, 50e-12)[:, [S_NU_E, S_NU_I, S_W]].T.copy()
    hist[0] = y[0]

    def rhs(state, ext):
        e, i, W = state[0] + spont, state[1] + spont, state[2]
        ev = tf_e.evaluate(e + ext, i, W, check_domain=False)
        fi = tf_i.evaluate(e + ext, i, np.zeros_like(W), check_domain=False).rate
        dW = (-W + model.a * (ev.stats.mu_V - tf_e.cell.E_L)) / model.tau_w + model.b * state[0]
        fe = ev.rate
        return np.array([(fe - state[0]) / model.T, (fi - state[1]) / model.T, dW])

    t = time.perf_counter()
    for n in range(n_steps):
        past = hist[np.maximum(n - delay[src], 0), src[1]]
        c = np.zeros(conn.n_regions)
        np.add.at(c, src[0], w[src] * past)
        ext = DRIVE_HZ + np.maximum(c, 0.0)
        k1 = rhs(y, ext)
        yp = y + dt * k1
        yp[:2] = np.maximum(yp[:2], 0.0)
        y = y + 0.5 * dt * (k1 + rhs(yp, ext))
        y[:2] = np.maximum(y[:2], 0.0)
        hist[n + 1] = y[0]
    return time.perf_counter() - t


def tvb_seconds(duration: float) -> float | None:
    if importlib.util.find_spec("tvb") is None or importlib.util.find_spec("tvb_data") is None:
        return None
    sys.path.insert(0, str(HERE.parent / "tests"))
    import tvb_reference

    out = tvb_reference.run_tvb_zerlaut(
        "connectivity_76", coupling_a=COUPLING, speed_m_s=4.0, b_e_pA=B_PA,
        external_input_Hz=DRIVE_HZ, duration_s=duration, initial_rates_Hz=(2.0, 8.0),
        initial_W_pA=50.0,
    )  # fmt: skip
    return float(out["wall_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="biological time (s)")
    parser.add_argument("--tvb-duration", type=float, default=10.0)
    parser.add_argument("--numpy-duration", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the baselines' domain warnings
    name = connectome_name()
    net = BrainNetwork(load_connectome(name), "tvb_zerlaut", coupling=COUPLING,
                       conduction_velocity=4.0, b=B_PA * 1e-12)  # fmt: skip
    n = net.connectome.n_regions
    heun = adexmf_seconds(net, "heun", args.duration, args.repeat)
    euler = adexmf_seconds(net, "euler", args.duration, args.repeat)
    scale = args.duration / args.numpy_duration
    numpy_t = numpy_seconds(net, args.numpy_duration) * scale
    tvb_t = tvb_seconds(args.tvb_duration)
    tvb_t = None if tvb_t is None else tvb_t * args.duration / args.tvb_duration
    label = f"{n} regions ({name}), {args.duration:g} s, dt 0.1 ms"
    print(f"brain network, {label}, first order + W, delays, tvb_zerlaut column:")
    print(f"  adexmf Heun  {heun:7.3f} s   adexmf Euler {euler:7.3f} s")
    for method, (mean_err, course_err) in method_errors(net).items():
        print(f"  {method} at 0.1 ms vs Heun at 0.05 ms: time-averaged nu_e within "
              f"{mean_err:.1e} (relative), time courses within {course_err:.1e} Hz")
    print(f"  NumPy network (Heun, {args.numpy_duration:g} s run x {scale:g}) {numpy_t:8.1f} s: "
          f"ratio {numpy_t / heun:6.0f}x")  # fmt: skip
    record("brain", f"brain {label}, Heun", heun, "NumPy network", numpy_t, "<= 2 s")
    if tvb_t is None:
        print("  tvb-library not installed: no TVB baseline (pip install -e '.[tvb]')")
    else:
        print(f"  tvb-library simulator ({args.tvb_duration:g} s run) {tvb_t:8.1f} s: "
              f"ratio {tvb_t / heun:6.1f}x")  # fmt: skip
        record("brain", f"brain {label}, Heun", heun, "tvb-library simulator", tvb_t, ">= 50x")
    record("brain", f"brain {label}, Euler", euler, "", None, "")


if __name__ == "__main__":
    main()
