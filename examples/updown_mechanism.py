"""Why the built mean field misses the UP-DOWN states of TVB-AdEx's network, and a transfer
function that does not (issue 26, item 4).

1. The network's fast subsystem (:mod:`adexmf.compare.frozen_adaptation`): TVB-AdEx's
   10,000-neuron network with the RS cells' W frozen at 0-90 pA, at drive 0.35 and 1 Hz,
   from rest, kicked at 1.5 s: its DOWN rate before the kick and UP rate after it.
2. The mean fields' fast subsystems at the same W (:mod:`adexmf.meanfield.slow_fast`): the
   built one (``adexmf build``) and the one whose RS transfer function is refitted on
   low-rate points with the Poisson loss (``adexmf build --low-rates``); their windows of
   bistability.
3. The built RS transfer function against isolated RS cells at those low-rate points
   (0.005-1 Hz, each counted over 150 cells x 29.5 s).
4. Where the cycle turns (:mod:`adexmf.compare.updown_transitions`): the population's mean
   W at the UP onsets and offsets, the UP and DOWN durations and the UP phases' mean rate,
   of the oscillating network
   (drive 0.35 Hz, b = 40, 60, 90 pA, seed 1, the map's runs with the whole rate kept) and
   of both mean fields run like it.

Writes ``--out``/mechanism.nc and mechanism.png/.svg (the network's frozen-W rates on the
mean fields' critical manifolds); prints a table (``--json``: one JSON object, the record
of ``docs/results.py --record updown_mechanism``).

Run: ``python examples/updown_mechanism.py --out DIR [--json]`` (5-6 min on 2 cores
from an empty folder; the build, refit and network runs are shared with
``examples/updown_regimes.py`` when given the same folder).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
from updown_regimes import CELLS, low_rate_mean_field, mean_field

from adexmf.compare.frozen_adaptation import frozen_adaptation_map
from adexmf.compare.updown_transitions import TURN_STATS, turn_map
from adexmf.figures.updown import plot_fast_subsystem
from adexmf.meanfield.analysis import MeanFieldModel
from adexmf.meanfield.slow_fast import bistable_window, critical_manifold, fast_fixed_points
from adexmf.netcdf import write_netcdf
from adexmf.params import load_preset
from adexmf.theory.transfer import TransferFunction

DRIVES = (0.35, 1.0)
W_FROZEN = (0.0, 5e-12, 10e-12, 15e-12, 20e-12, 25e-12, 30e-12, 40e-12, 60e-12, 90e-12)
W_FINE = np.linspace(0.0, 100e-12, 201)
#: The oscillating points whose turns are measured: TVB-AdEx's drive (Hz), b (A).
TURN_DRIVE, TURN_B = 0.35, (40e-12, 60e-12, 90e-12)


def manifolds(models: dict[str, MeanFieldModel]) -> xr.Dataset:
    """Each model's critical manifold on W_FINE and window of bistability, per drive."""
    shape = (len(models), len(DRIVES), W_FINE.size, 3)
    nu_e, stable = np.full(shape, np.nan), np.zeros(shape, dtype=np.int8)
    window = np.full((len(models), len(DRIVES), 2), np.nan)
    for m, model in enumerate(models.values()):
        for i, d in enumerate(DRIVES):
            cm = critical_manifold(model, d, W_FINE)
            nu_e[m, i], stable[m, i] = cm.nu_e, cm.stable
            window[m, i] = bistable_window(model, d)
    dims = ("model", "drive", "W", "branch")
    return xr.Dataset(
        {"mf_nu_e": (dims, nu_e, {"units": "Hz"}), "mf_stable": (dims, stable),
         "window": (("model", "drive", "end"), window, {"units": "A"})},
        coords={"model": list(models), "drive": ("drive", list(DRIVES), {"units": "Hz"}),
                "W": ("W", W_FINE, {"units": "A"}), "branch": ["down", "middle", "up"],
                "end": ["low", "high"]},
    )  # fmt: skip


def run(out: Path) -> tuple[xr.Dataset, dict]:
    built = load_preset(mean_field(out))
    lowrate = load_preset(low_rate_mean_field(out))
    models = {name: MeanFieldModel(p, order=1, adaptation=True)
              for name, p in (("built", built), ("lowrate", lowrate))}  # fmt: skip
    frozen = frozen_adaptation_map(CELLS, DRIVES, W_FROZEN, out=out / "frozen")
    ds = manifolds(models)
    ds["network_rate"] = (("drive", "W_frozen", "phase"),
                          frozen.rate.sel(population="exc").values, {"units": "Hz"})
    ds = ds.assign_coords(W_frozen=("W_frozen", list(W_FROZEN), {"units": "A"}),
                          phase=["down", "up"])  # fmt: skip
    low = xr.load_dataset(out / "build" / "low_rate_RS.nc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # below the built fit's domain: the point
        predicted = TransferFunction.from_preset(built, "RS").evaluate(
            low.nu_e.values, low.nu_i.values, low.W.values).rate
    # Per drive index (the JSON keys of the docs' markers may not contain dots).
    fast = {name: [[[p[0] for p in fast_fixed_points(m, w, d)] for w in W_FROZEN]
                   for d in DRIVES] for name, m in models.items()}  # fmt: skip
    counted = low.rate_mean.values > 0.003  # at least ~13 spikes counted
    ratio = predicted[counted] / low.rate_mean.values[counted]
    summary = {
        "W_A": list(W_FROZEN), "drive_Hz": list(DRIVES),
        "network": ds.network_rate.values.tolist(),
        "fast": fast, "window_pA": {name: (ds.window.sel(model=name).values * 1e12).tolist()
                                   for name in models},
        "built_tf_over_cells": {"median": float(np.median(ratio)), "max": float(ratio.max()),
                                "points": int(counted.sum())},
        "turns": turns_summary(turn_map(CELLS, models, TURN_DRIVE, TURN_B, out=out)),
    }  # fmt: skip
    return ds, summary


def turns_summary(turns: xr.Dataset) -> dict:
    """Per b (list index): the network's turn statistics (seed 1) and each model's."""
    net = turns.network_turns.isel(seed=0)
    return {"b_A": turns.b.values.tolist(),
            "network": {k: net.sel(turn_stat=k).values.tolist() for k in TURN_STATS},
            "mf": {str(m): {k: turns.mf_turns.sel(model=m, turn_stat=k).values.tolist()
                            for k in TURN_STATS} for m in turns.model.values}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="results folder and store")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    t0 = time.perf_counter()
    ds, summary = run(args.out)
    write_netcdf(ds, args.out / "mechanism.nc")
    plot_fast_subsystem(ds, args.out / "mechanism.png")
    summary["seconds"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(summary, default=float))
        return
    for i, d in enumerate(DRIVES):
        print(f"drive {d:g} Hz: W (pA) | network from rest, kicked (Hz) | built | lowrate")
        for k, w in enumerate(W_FROZEN):
            net = summary["network"][i][k]
            print(f"  {w * 1e12:4.0f} | {net[0]:.3f}, {net[1]:.2f} | "
                  f"{np.round(summary['fast']['built'][i][k], 3).tolist()} | "
                  f"{np.round(summary['fast']['lowrate'][i][k], 3).tolist()}")
    for name, w in summary["window_pA"].items():
        print(f"{name}: window of bistability (pA) per drive {np.round(w, 1).tolist()}")
    r = summary["built_tf_over_cells"]
    print(f"built RS transfer function / isolated cells at {r['points']} low-rate points: "
          f"median {r['median']:.2f}, max {r['max']:.2f}")
    t = summary["turns"]
    print(f"turns at {TURN_DRIVE:g} Hz: W at UP onset / offset (pA), UP / DOWN duration (s), "
          "UP-phase rate (Hz)")
    for name, s in [("network", t["network"]), *t["mf"].items()]:
        for j, b in enumerate(t["b_A"]):
            print(f"  {name} b {b * 1e12:.0f} pA: {s['w_onset'][j] * 1e12:.1f} / "
                  f"{s['w_offset'][j] * 1e12:.1f}, {s['up_duration'][j]:.3f} / "
                  f"{s['down_duration'][j]:.3f}, {s['up_rate'][j]:.2f}")


if __name__ == "__main__":
    main()
