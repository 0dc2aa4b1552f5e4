"""Reference runs of The Virtual Brain's ZerlautAdaptationFirstOrder on a tvb-data connectome.

A plain helper for tests and benchmarks (not a test file). It needs tvb-library and tvb-data
(GPL, test-only references: adexmf's src never imports them). Use it in-process,

    from tvb_reference import run_tvb_zerlaut
    out = run_tvb_zerlaut(coupling_a=0.01, b_e_pA=60.0, external_input_Hz=1.0, duration_s=2.0)

or, from an interpreter without TVB, through the interpreter that has it:

    /path/to/tvb/python tests/tvb_reference.py --out run.npz --coupling-a 0.01 ...

(``--json`` writes the same content as JSON; ``python tests/tvb_reference.py --help``).

The run (conventions in docs/tvb-conventions.md): HeunDeterministic, weight_noise = 0 (no
Ornstein-Uhlenbeck input), Linear(a, b = 0) coupling of E, delays tract_length / speed rounded
to whole steps, a constant initial history (E, I, W_e at the given values, W_i = ou_drift = 0),
TVB's defaults for every model parameter except b_e, T (20 ms unless given) and the external
inputs (external_input_ex_ex = external_input_in_ex = the drive, in kHz). Output in SI.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

#: Keys of the returned dict holding arrays (the rest are scalars or strings).
ARRAY_KEYS = ("time", "E", "I", "W_e", "region_labels", "weights", "tract_lengths")


def load_connectivity(name="connectivity_76", normalise: str | None = None):
    """A tvb-data connectivity (``"connectivity_76"`` or a file name in tvb_data.connectivity),
    or one built from a mapping with ``weights`` (W[k, j]: from j to k) and ``tract_lengths``
    (mm) arrays.

    normalise: None (weights as stored), ``"max"`` (divided by the largest weight) or
    ``"column_sum"`` (each column j divided by sum_k W[k, j] + 1e-12, as the TVB-AdEx tooling
    does when ``normalised`` is set).
    """
    from tvb.datatypes.connectivity import Connectivity

    if isinstance(name, str):
        conn = Connectivity.from_file(name if name.endswith((".zip", ".h5")) else f"{name}.zip")
    else:
        w = np.asarray(name["weights"], dtype=float)
        n = w.shape[0]
        conn = Connectivity(
            weights=w,
            tract_lengths=np.asarray(name["tract_lengths"], dtype=float),
            region_labels=np.array([f"r{k}" for k in range(n)]),
            centres=np.zeros((n, 3)),
        )
    w = np.array(conn.weights, dtype=float)
    if normalise == "max":
        w = w / w.max()
    elif normalise == "column_sum":
        w = w / (w.sum(axis=0) + 1e-12)
    elif normalise is not None:
        raise ValueError(f"normalise = {normalise!r}; allowed: None, 'max', 'column_sum'")
    conn.weights = w
    return conn


def run_tvb_zerlaut(
    connectivity="connectivity_76",
    coupling_a: float = 0.01,
    speed_m_s: float = 4.0,
    b_e_pA: float = 60.0,
    external_input_Hz: float = 1.0,
    duration_s: float = 2.0,
    dt_ms: float = 0.1,
    initial_rates_Hz: tuple[float, float] = (1.0, 5.0),
    initial_W_pA: float = 50.0,
    *,
    T_ms: float = 20.0,
    normalise: str | None = None,
    monitor_period_ms: float | None = 1.0,
) -> dict:
    """Run TVB's ZerlautAdaptationFirstOrder on a connectome, deterministically.

    Parameters
    ----------
    connectivity : str or mapping
        tvb-data connectivity name, or ``{"weights": ..., "tract_lengths": ...}``
        (:func:`load_connectivity`).
    coupling_a : float
        Linear coupling slope a (TVB's units: the coupling term is in kHz, like E).
    speed_m_s : float
        Conduction speed (m/s = mm/ms); delays are rint(tract_length / speed / dt) steps.
    b_e_pA : float
        Spike-triggered adaptation increment of the excitatory population (pA).
    external_input_Hz : float
        external_input_ex_ex = external_input_in_ex (given in Hz, passed to TVB in kHz).
    duration_s, dt_ms : float
        Biological duration (s) and integration step (ms).
    initial_rates_Hz, initial_W_pA :
        Constant initial history of every region: (E, I) in Hz and W_e in pA.
    T_ms : float
        Time constant T of the rate equations (ms; TVB's default 20).
    normalise : None, "max" or "column_sum"
        Weight normalisation before the run (:func:`load_connectivity`); the returned
        ``weights`` are the ones used.
    monitor_period_ms : float or None
        TemporalAverage period (ms): each sample averages the states after the period's steps
        and is stamped, as TVB does, half a period before the period's end. None: Raw monitor,
        every step, stamped at the step's end (first sample: t = dt).

    Returns
    -------
    dict
        ``time`` (s), ``E``, ``I`` (Hz, shape (n_time, n_regions)), ``W_e`` (A), ``region_labels``,
        ``weights`` (as used), ``tract_lengths`` (mm), ``delays_steps`` summary, the settings,
        and ``wall_s`` (seconds spent in TVB's integration loop) and ``configure_s``.
    """
    from tvb.simulator import coupling, integrators, models, monitors, simulator

    warnings.filterwarnings("ignore")  # TVB's and numba's deprecation chatter
    _quiet_tvb_logging()
    conn = load_connectivity(connectivity, normalise)
    conn.speed = np.array([float(speed_m_s)])

    model = models.ZerlautAdaptationFirstOrder()
    model.b_e = np.array([float(b_e_pA)])
    model.T = np.array([float(T_ms)])
    model.weight_noise = np.array([0.0])
    model.external_input_ex_ex = np.array([external_input_Hz * 1e-3])
    model.external_input_in_ex = np.array([external_input_Hz * 1e-3])
    model.variables_of_interest = ("E", "I", "W_e")

    if monitor_period_ms is None:
        monitor = monitors.Raw()
    else:
        monitor = monitors.TemporalAverage(period=float(monitor_period_ms))
    sim = simulator.Simulator(
        model=model,
        connectivity=conn,
        coupling=coupling.Linear(a=np.array([float(coupling_a)]), b=np.array([0.0])),
        integrator=integrators.HeunDeterministic(dt=float(dt_ms)),
        monitors=(monitor,),
    )
    t0 = time.perf_counter()
    conn.configure()
    conn.set_idelays(float(dt_ms))
    n = conn.number_of_regions
    # A full constant history (no random fill). TVB starts counting steps at its length - 1;
    # making that a multiple of the averaging period keeps TemporalAverage's first sample from
    # averaging unfilled (zero) slots.
    istep = 1 if monitor_period_ms is None else round(monitor_period_ms / dt_ms)
    offset = -(-(conn.horizon - 1) // istep) * istep  # steps before t = 0
    history = np.zeros((offset + 1, 5, n, 1))
    history[:, 0] = initial_rates_Hz[0] * 1e-3
    history[:, 1] = initial_rates_Hz[1] * 1e-3
    history[:, 2] = initial_W_pA
    sim.initial_conditions = history
    sim.configure()
    configure_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ((t, y),) = sim.run(simulation_length=duration_s * 1e3)
    wall_s = time.perf_counter() - t0
    return {
        "time": (np.asarray(t) - offset * dt_ms) * 1e-3,  # s from the start of the run
        "E": y[:, 0, :, 0] * 1e3,
        "I": y[:, 1, :, 0] * 1e3,
        "W_e": y[:, 2, :, 0] * 1e-12,
        "region_labels": np.asarray(conn.region_labels).astype(str),
        "weights": np.array(conn.weights),
        "tract_lengths": np.array(conn.tract_lengths),
        "max_delay_steps": int(conn.idelays.max()),
        "connectivity": connectivity if isinstance(connectivity, str) else "custom",
        "coupling_a": float(coupling_a),
        "speed_m_s": float(speed_m_s),
        "b_e_pA": float(b_e_pA),
        "external_input_Hz": float(external_input_Hz),
        "duration_s": float(duration_s),
        "dt_ms": float(dt_ms),
        "T_ms": float(T_ms),
        "initial_rates_Hz": [float(v) for v in initial_rates_Hz],
        "initial_W_pA": float(initial_W_pA),
        "normalise": normalise,
        "monitor_period_ms": monitor_period_ms,
        "wall_s": wall_s,
        "configure_s": configure_s,
        "tvb_library": _version("tvb-library"),
        "tvb_data": _version("tvb-data"),
    }


def _quiet_tvb_logging() -> None:
    """TVB logs warnings and information to stdout: keep only its errors (stdout carries the
    command line's JSON summary)."""
    import logging

    for name in ["tvb", *logging.root.manager.loggerDict]:
        if name.startswith("tvb"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def summary(out: dict, last_fraction: float = 0.5) -> dict:
    """Time-averaged E and I (Hz) per region over the last fraction of the run, with their
    min / median / max over regions and the largest temporal std (a stationarity check)."""
    t = out["time"]
    keep = t >= t[0] + (t[-1] - t[0]) * (1.0 - last_fraction)
    res = {}
    for key in ("E", "I"):
        mean = out[key][keep].mean(axis=0)
        res[key] = {
            "min": float(mean.min()),
            "median": float(np.median(mean)),
            "max": float(mean.max()),
            "max_temporal_std": float(out[key][keep].std(axis=0).max()),
        }
    return res


def save(out: dict, path: str | Path) -> Path:
    """Write a run as .npz (arrays) or .json (lists), by the file's suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        data = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in out.items()}
        path.write_text(json.dumps(data))
    else:
        np.savez_compressed(path, **{k: np.asarray(v) for k, v in out.items() if v is not None})
    return path


def load(path: str | Path) -> dict:
    """Read a run written by :func:`save` (arrays as NumPy arrays)."""
    path = Path(path)
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        return {k: (np.asarray(v) if k in ARRAY_KEYS else v) for k, v in data.items()}
    with np.load(path, allow_pickle=False) as f:
        return {k: (f[k].item() if f[k].ndim == 0 else f[k]) for k in f.files}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="output file (.npz or .json)")
    ap.add_argument("--json", metavar="FILE", help="output file as JSON (same as --out F.json)")
    ap.add_argument("--connectivity", default="connectivity_76")
    ap.add_argument("--coupling-a", type=float, default=0.01)
    ap.add_argument("--speed", type=float, default=4.0, help="m/s (= mm/ms)")
    ap.add_argument("--b-e", type=float, default=60.0, help="pA")
    ap.add_argument("--drive", type=float, default=1.0, help="external input per synapse, Hz")
    ap.add_argument("--duration", type=float, default=2.0, help="s")
    ap.add_argument("--dt", type=float, default=0.1, help="ms")
    ap.add_argument("--T", type=float, default=20.0, help="ms")
    ap.add_argument("--initial-rates", type=float, nargs=2, default=(1.0, 5.0), help="E I, Hz")
    ap.add_argument("--initial-W", type=float, default=50.0, help="pA")
    ap.add_argument("--normalise", choices=("max", "column_sum"), default=None)
    ap.add_argument("--period", type=float, default=1.0, help="TemporalAverage period, ms; 0: Raw")
    args = ap.parse_args(argv)
    out = run_tvb_zerlaut(
        args.connectivity, args.coupling_a, args.speed, args.b_e, args.drive, args.duration,
        args.dt, tuple(args.initial_rates), args.initial_W, T_ms=args.T,
        normalise=args.normalise, monitor_period_ms=args.period or None,
    )  # fmt: skip
    stats = summary(out)
    for target in (args.out, args.json and str(Path(args.json).with_suffix(".json"))):
        if target:
            save(out, target)
    print(json.dumps({"wall_s": out["wall_s"], "configure_s": out["configure_s"], **stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
