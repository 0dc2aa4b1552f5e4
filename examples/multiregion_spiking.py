"""A spiking check at brain scale: regions of the paper's spiking network joined by delayed
excitatory projections (Brian2) against the mean-field network of the same regions.

Two regions (W[1, 0] = 1, W[0, 1] = 0.5 by default), each the RS-FS network of the
``corrected_w`` preset at ``--n-total`` neurons with the in-degrees of the 10,000-neuron
network kept (K_e = 400, K_i = 100), under a 4 Hz drive. Every RS and FS cell of region k
receives exactly K_lr = round(G W[k, j] K_ext) synapses from RS cells of region j with the
conduction delay d (:func:`adexmf.network.regions.simulate_regions`); the mean field is
:class:`adexmf.brain.BrainNetwork` with the same W, G and delays (weights used as given).
After ``--settle`` seconds, box pulses of ``--amplitude`` Hz per synapse (through K_ext
synapses, RS cells of region 0 only) are repeated every ``--period`` s.

Measured, per region: the stationary rates (mean over [--stationary-start, first onset) of
each seed; network mean +- sem over seeds), and the response to the pulses (trial- and
seed-averaged excess rate over the 100 ms before each onset): its peak and its onset delay,
the last time before the peak at which the excess rises through ``--threshold`` x peak
(linear interpolation between 1 ms bins). Each mean-field variant goes through the same
binning and measures; its error is relative to the network. Writes a JSON of every number
with the command line, and a PNG figure next to it.

Usage::

    python examples/multiregion_spiking.py --seeds 5 --n-total 10000 --out multiregion.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from adexmf.brain import BrainColumn, BrainNetwork, Connectome, RegionStimulus
from adexmf.meanfield.variants import VARIANTS
from adexmf.network.regions import PulseTrain, simulate_regions

#: Preset of the spiking cells: its RS and FS cells are those of every variant's preset.
PRESET = "corrected_w"
#: Mean-field variants compared (name, order).
#: Mean-field variants compared: (name, order, warm start). A warm start begins at the state
#: the variant's first order reaches without stimulus (rates, W; covariances 0); a cold start
#: at BrainNetwork's default (nu_e = 1, nu_i = 3 Hz, W = 0), kept for the second order as a
#: diagnostic (it is not drawn).
VARIANT_RUNS = (
    ("adaptation-W", 1, True), ("adaptation-W", 2, True), ("adaptation-WT", 1, True),
    ("adaptation", 1, True), ("corrected", 1, True), ("reference", 1, True),
    ("adaptation-W", 2, False),
)  # fmt: skip
#: Conduction velocity of the mean field (m/s): tract lengths are d * v.
VELOCITY = 4.0
#: Baseline window before each onset (s) and response window after it (s).
PRE, POST = 0.1, 0.2


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (human units in the names: Hz, ms, pA, s)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5, help="seeds 1..N of the network")
    p.add_argument("--n-total", type=int, default=10000, help="neurons per region")
    p.add_argument("--duration", type=float, default=None,
                   help="s; default settle + trials x period")  # fmt: skip
    p.add_argument("--settle", type=float, default=2.0, help="first pulse onset (s)")
    p.add_argument("--stationary-start", type=float, default=1.0, help="s")
    p.add_argument("--trials", type=int, default=8, help="pulses")
    p.add_argument("--period", type=float, default=0.6, help="s between pulse onsets")
    p.add_argument("--pulse", type=float, default=0.05, help="pulse length (s)")
    p.add_argument("--amplitude", type=float, default=2.0, help="Hz per synapse")
    p.add_argument("--coupling", type=float, default=0.4, help="G")
    p.add_argument("--weights", type=str, default="0,0.5;1,0",
                   help="W rows separated by ';' (W[k, j]: j -> k)")  # fmt: skip
    p.add_argument("--delay-ms", type=float, default=15.0, help="every conduction delay")
    p.add_argument("--drive", type=float, default=4.0, help="Hz per synapse")
    p.add_argument("--b-pA", type=float, default=None, help="RS adaptation b (default 20)")
    p.add_argument("--threshold", type=float, default=0.2, help="onset at this x peak")
    p.add_argument("--out", type=Path, default=Path("multiregion.json"))
    p.add_argument("--figure", type=Path, default=None, help="default: --out with .png")
    return p.parse_args(argv)


def settings_of(args: argparse.Namespace) -> dict:
    """Every setting of the comparison, SI."""
    weights = np.array([[float(x) for x in row.split(",")] for row in args.weights.split(";")])
    onsets = [args.settle + m * args.period for m in range(args.trials)]
    duration = args.duration or args.settle + args.trials * args.period
    return {
        "preset": PRESET, "n_total": args.n_total, "seeds": list(range(1, args.seeds + 1)),
        "weights": weights.tolist(), "coupling": args.coupling,
        "delay_s": args.delay_ms * 1e-3, "drive_Hz": args.drive,
        "b_A": None if args.b_pA is None else args.b_pA * 1e-12,
        "stimulus": {"region": 0, "amplitude_Hz": args.amplitude, "onsets_s": onsets,
                     "duration_s": args.pulse},
        "duration_s": duration, "dt_s": 1e-4, "rate_bin_s": 1e-3, "ramp_s": 0.1,
        "stationary_window_s": [args.stationary_start, onsets[0]],
        "response_window_s": [-PRE, POST], "onset_threshold": args.threshold,
        "meanfield": {"method": "heun", "initial": "warm: the variant's first-order state at "
                      "the first onset without stimulus (covariances 0); cold: nu_e = 1, "
                      "nu_i = 3 Hz, W = 0",
                      "conduction_velocity_m_per_s": VELOCITY, "normalisation": "none"},
    }  # fmt: skip


def run_network(s: dict) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Seed runs: rates (seed, population, time, region) in Hz, bin centres (s), timings."""
    n = len(s["weights"])
    stim = PulseTrain(s["stimulus"]["amplitude_Hz"], tuple(s["stimulus"]["onsets_s"]),
                      s["stimulus"]["duration_s"], region=0)  # fmt: skip
    rates, timings = [], []
    for seed in s["seeds"]:
        t0 = time.perf_counter()
        ds = simulate_regions(
            s["preset"], np.array(s["weights"]), np.full((n, n), s["delay_s"]), s["coupling"],
            drive=s["drive_Hz"], stimulus=stim, n_total=s["n_total"], duration=s["duration_s"],
            dt=s["dt_s"], seed=seed, b=s["b_A"], ramp=s["ramp_s"], rate_bin=s["rate_bin_s"],
        )  # fmt: skip
        k_lr = ds.long_range_in_degree.values
        assert (ds.long_range_in_degree_min.values == k_lr).all(), "in-degree not as asked"
        assert (ds.long_range_in_degree_max.values == k_lr).all(), "in-degree not as asked"
        rates.append(np.stack([ds.nu_e.values, ds.nu_i.values]))
        timings.append({"seed": seed, "wall_s": time.perf_counter() - t0,
                        "construction_s": ds.attrs["construction_s"],
                        "simulation_s": ds.attrs["simulation_s"]})  # fmt: skip
        print(f"network seed {seed}: {timings[-1]['wall_s']:.1f} s", flush=True)
    s["long_range_in_degree"] = k_lr.tolist()
    s["network_attrs"] = {k: ds.attrs[k] for k in ("connection_probability", "K_e", "K_i",
                                                   "simulator", "b_A", "software")}  # fmt: skip
    return np.array(rates), ds.time.values, timings


def brain_network(s: dict, name: str, order: int) -> BrainNetwork:
    """The mean-field network of the regions: the weights the spiking network realised."""
    n = len(s["weights"])
    # the weights the network realised: K_lr / (G K_ext) (equal to W unless rounded)
    k_ext = s["network_attrs"]["K_e"]
    weights = np.array(s["weights"])
    if s["coupling"] > 0:
        weights = np.array(s["long_range_in_degree"], float) / (s["coupling"] * k_ext)
    lengths = np.full((n, n), s["delay_s"] * VELOCITY)
    conn = Connectome(weights, lengths, tuple(f"region {k}" for k in range(n)),
                      np.zeros((n, 3)), name=f"{n} regions")  # fmt: skip
    column = BrainColumn(name, VARIANTS[name].model(order, n_total=s["n_total"]))
    b = s["b_A"] if column.model.adaptation else None  # b is not a parameter without W
    return BrainNetwork(conn, column, coupling=s["coupling"], conduction_velocity=VELOCITY,
                        normalisation="none", b=b)  # fmt: skip


def run_meanfield(s: dict, name: str, order: int, warm: bool) -> np.ndarray:
    """Rates (population, time, region) in Hz of one variant, averaged in the network's bins
    (the mean field is sampled at every step, then binned as the spikes are)."""
    n = len(s["weights"])
    net = brain_network(s, name, order)
    initial = None
    if warm:  # the first order's state after the first onset's time without stimulus
        first = brain_network(s, name, 1).run(s["stimulus"]["onsets_s"][0], drive=s["drive_Hz"],
                                              dt=s["dt_s"])  # fmt: skip
        initial = net.initial_state()
        initial[:, 0], initial[:, 1] = first.nu_e.values[-1], first.nu_i.values[-1]
        initial[:, 5] = first.W.values[-1]
    stimuli = [RegionStimulus((0,), s["stimulus"]["amplitude_Hz"], t, s["stimulus"]["duration_s"])
               for t in s["stimulus"]["onsets_s"]]  # fmt: skip
    ds = net.run(s["duration_s"], drive=s["drive_Hz"], dt=s["dt_s"], stimuli=stimuli,
                 record_period=s["dt_s"], initial=initial)  # fmt: skip
    per_bin = int(round(s["rate_bin_s"] / s["dt_s"]))
    out = []
    for key in ("nu_e", "nu_i"):
        x = ds[key].values[:-1]  # samples k dt, k < n_steps
        n_bins = x.shape[0] // per_bin
        out.append(x[: n_bins * per_bin].reshape(n_bins, per_bin, n).mean(axis=1))
    return np.array(out)


def responses(rates: np.ndarray, times: np.ndarray, s: dict) -> tuple[np.ndarray, np.ndarray]:
    """Trial-averaged excess rate over the pre-onset baseline: (..., lag, region), lags (s)."""
    bin_s = s["rate_bin_s"]
    pre, post = int(round(PRE / bin_s)), int(round(POST / bin_s))
    trials = []
    for onset in s["stimulus"]["onsets_s"]:
        i0 = int(round(onset / bin_s))
        seg = rates[..., i0 - pre : i0 + post, :]
        trials.append(seg - seg[..., :pre, :].mean(axis=-2, keepdims=True))
    lags = (np.arange(-pre, post) + 0.5) * bin_s
    return np.mean(trials, axis=0), lags


def onset_and_peak(excess: np.ndarray, lags: np.ndarray, threshold: float) -> dict:
    """Peak of a (lag,) excess after the onset, and the onset delay: the last rise through
    ``threshold`` x peak before the peak (s, linear interpolation); the area of the excess
    over the response window (Hz s: extra spikes per cell)."""
    after = lags > 0
    e, t = excess[after], lags[after]
    k = int(np.argmax(e))
    level = threshold * e[k]
    m = k
    while m > 0 and e[m - 1] >= level:
        m -= 1
    if m == 0:
        onset = float(t[0] - 0.5 * (t[1] - t[0]))
    else:
        onset = float(t[m - 1] + (level - e[m - 1]) / (e[m] - e[m - 1]) * (t[m] - t[m - 1]))
    area = float(e.sum() * (t[1] - t[0]))
    return {"peak_Hz": float(e[k]), "peak_time_s": float(t[k]), "onset_s": onset,
            "area_Hz_s": area}  # fmt: skip


def jackknife_sem(values: np.ndarray) -> float:
    """Leave-one-seed-out standard error of a statistic (values: one per left-out seed)."""
    n = len(values)
    return float(np.sqrt((n - 1) / n * np.sum((values - values.mean()) ** 2))) if n > 1 else 0.0


def measure_network(rates: np.ndarray, times: np.ndarray, s: dict) -> dict:
    """Stationary rates and responses of the network (mean +- sem over seeds)."""
    window = (times >= s["stationary_window_s"][0]) & (times < s["stationary_window_s"][1])
    stat = rates[..., window, :].mean(axis=-2)  # (seed, population, region)
    excess, lags = responses(rates, times, s)  # (seed, population, lag, region)
    out: dict = {"stationary": {}, "propagation": {}}
    n_seeds, n = rates.shape[0], rates.shape[-1]
    for p, key in enumerate(("nu_e", "nu_i")):
        out["stationary"][key] = {
            "mean_Hz": stat[:, p].mean(axis=0).tolist(), "per_seed_Hz": stat[:, p].tolist(),
            "sem_Hz": (stat[:, p].std(axis=0, ddof=1) / np.sqrt(n_seeds)).tolist()
            if n_seeds > 1 else [0.0] * n,
        }  # fmt: skip
        per_region, loos = [], []
        for r in range(n):
            best = onset_and_peak(excess[:, p, :, r].mean(axis=0), lags, s["onset_threshold"])
            loo = [onset_and_peak(np.delete(excess[:, p, :, r], i, axis=0).mean(axis=0), lags,
                                  s["onset_threshold"]) for i in range(n_seeds)]  # fmt: skip
            # lag: onset here minus onset in region 0 (the same seeds left out)
            for i, x in enumerate(loo):
                x["lag_s"] = x["onset_s"] - loos[0][i]["onset_s"] if r else 0.0
            best["lag_s"] = best["onset_s"] - per_region[0]["onset_s"] if r else 0.0
            for q in ("peak_Hz", "onset_s", "area_Hz_s", "lag_s"):
                best[q.replace("_", "_sem_", 1)] = jackknife_sem(np.array([x[q] for x in loo]))
            per_region.append(best)
            loos.append(loo)
        out["propagation"][key] = per_region
    out["excess"] = excess.mean(axis=0)
    out["excess_sem"] = excess.std(axis=0, ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else None
    out["lags"] = lags
    return out


def measure_variant(rates: np.ndarray, times: np.ndarray, s: dict, net: dict) -> dict:
    """Stationary rates, responses and their errors relative to the network."""
    window = (times >= s["stationary_window_s"][0]) & (times < s["stationary_window_s"][1])
    stat = rates[:, window, :].mean(axis=-2)
    excess, lags = responses(rates, times, s)
    out: dict = {"stationary": {}, "propagation": {}}
    for p, key in enumerate(("nu_e", "nu_i")):
        ref = np.array(net["stationary"][key]["mean_Hz"])
        out["stationary"][key] = {"Hz": stat[p].tolist(),
                                  "relative_error": ((stat[p] - ref) / ref).tolist()}  # fmt: skip
        per_region = []
        for r in range(rates.shape[-1]):
            m = onset_and_peak(excess[p, :, r], lags, s["onset_threshold"])
            ref_r = net["propagation"][key][r]
            m["peak_relative_error"] = (m["peak_Hz"] - ref_r["peak_Hz"]) / ref_r["peak_Hz"]
            m["onset_error_s"] = m["onset_s"] - ref_r["onset_s"]
            m["lag_s"] = m["onset_s"] - per_region[0]["onset_s"] if r else 0.0
            m["lag_error_s"] = m["lag_s"] - ref_r["lag_s"]
            m["area_relative_error"] = (m["area_Hz_s"] - ref_r["area_Hz_s"]) / ref_r["area_Hz_s"]
            per_region.append(m)
        out["propagation"][key] = per_region
    out["excess"] = excess
    return out


def draw(path: Path, times, net_rates, net: dict, variants: dict, s: dict) -> None:
    """Rates of each region (network seed mean, variants) and the trial-averaged responses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = net_rates.shape[-1]
    fig, axes = plt.subplots(n, 2, figsize=(12, 3.2 * n + 0.8), squeeze=False,
                             gridspec_kw={"width_ratios": [2.2, 1]})  # fmt: skip
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    smooth = 5  # 5 ms bins for the time course
    n5 = times.size // smooth
    t5 = times[: n5 * smooth].reshape(n5, smooth).mean(axis=1)

    def five(x):
        return x[: n5 * smooth].reshape(n5, smooth, *x.shape[1:]).mean(axis=1)

    mean = net_rates.mean(axis=0)
    for r in range(n):
        ax, bx = axes[r]
        ax.plot(t5, five(mean[0])[:, r], color="k", lw=1.0, label="network nu_e (seed mean)")
        ax.plot(t5, five(mean[1])[:, r], color="0.6", lw=0.8, label="network nu_i")
        bx.plot(net["lags"] * 1e3, net["excess"][0, :, r], color="k", lw=1.2, label="network")
        if net["excess_sem"] is not None:
            lo = net["excess"][0, :, r] - net["excess_sem"][0, :, r]
            hi = net["excess"][0, :, r] + net["excess_sem"][0, :, r]
            bx.fill_between(net["lags"] * 1e3, lo, hi, color="k", alpha=0.2, lw=0)
        for c, (label, v) in enumerate(variants.items()):
            ax.plot(t5, five(v["rates"][0])[:, r], color=colours[c % 10], lw=0.9, label=label)
            bx.plot(net["lags"] * 1e3, v["excess"][0, :, r], color=colours[c % 10], lw=0.9)
        for onset in s["stimulus"]["onsets_s"]:
            ax.axvspan(onset, onset + s["stimulus"]["duration_s"], color="y", alpha=0.3, lw=0)
        ax.axvspan(*s["stationary_window_s"], color="c", alpha=0.08, lw=0)
        bx.axvspan(0, s["stimulus"]["duration_s"] * 1e3, color="y", alpha=0.3, lw=0)
        bx.axvline(s["delay_s"] * 1e3, color="r", ls=":", lw=0.8)
        ax.set_ylabel(f"region {r}: rate (Hz)")
        bx.set_ylabel("excess nu_e (Hz)")
        bx.set_xlim(-30, 150)
        ax.set_xlim(0, s["duration_s"])
        ax.set_ylim(0, None)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, ncol=4, loc="lower center")
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("lag after pulse onset (ms); dotted: conduction delay")
    fig.suptitle(f"{n} regions of {s['n_total']} neurons, b = "
                 f"{s['network_attrs']['b_A'] * 1e12:g} pA, G = {s['coupling']:g}, d = "
                 f"{s['delay_s'] * 1e3:g} ms, pulse {s['stimulus']['amplitude_Hz']:g} Hz x "
                 f"{s['stimulus']['duration_s'] * 1e3:g} ms on region 0; {len(s['seeds'])} "
                 f"seeds x {len(s['stimulus']['onsets_s'])} trials", fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    s = settings_of(args)
    t0 = time.perf_counter()
    net_rates, times, timings = run_network(s)
    t_net = time.perf_counter() - t0
    net = measure_network(net_rates, times, s)
    variants, t_mf = {}, {}
    for name, order, warm in VARIANT_RUNS:
        label = f"{name} (order {order}{'' if warm else ', cold start'})"
        t1 = time.perf_counter()
        rates = run_meanfield(s, name, order, warm)
        t_mf[label] = time.perf_counter() - t1
        variants[label] = {**measure_variant(rates, times, s, net), "rates": rates}
    figure = args.figure or args.out.with_suffix(".png")
    drawn = {k: v for k, v in variants.items() if "cold start" not in k}
    draw(figure, times, net_rates, net, drawn, s)
    result = {
        "command": "python "
        + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "settings": s,
        "network": {k: net[k] for k in ("stationary", "propagation")},
        "variants": {
            k: {q: v[q] for q in ("stationary", "propagation")} for k, v in variants.items()
        },  # fmt: skip
        "timings": {"network_total_s": t_net, "network_runs": timings, "meanfield_s": t_mf},
        "figure": str(figure),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out} and {figure}")


if __name__ == "__main__":
    main()
