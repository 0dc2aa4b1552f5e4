"""Where a network leaves the asynchronous state: UP-DOWN states of TVB-AdEx's spiking network
against its mean field, over the RS cells' adaptation b (issue 26, item 4).

1. ``adexmf build`` of examples/tvb_adex_cells.toml (TVB-AdEx's cells, Goldman et al. 2023):
   transfer functions fitted on single cells, the RS cell's spanning W; skipped when
   ``--out``/build already holds the fitted preset.
2. The 10,000-neuron network over drive 0.35 and 1 Hz x b = 0, 20, 40, 60, 90, 120, 150 pA,
   3 seeds, 10 s runs (Poisson drive events, no added noise: its fluctuations are its own),
   42 Dask tasks stored in ``--out``/tasks and skipped on rerun
   (:func:`adexmf.compare.updown.regime_map`).
3. The built mean field, first and second order with W, run like the network from its
   silent state, without noise and with each Ornstein-Uhlenbeck drive of ``--mf-noise``
   (Hz, tau 5 ms, TVB-AdEx's; seed k reads the realization of network seed k); and the
   first order with the finite-size noise of the network's 8,000 + 2,000 cells
   (:mod:`adexmf.meanfield.finite_size`), seed k for network seed k.
4. The same first order with the RS transfer function refitted on low-rate points with the
   Poisson loss (``order1-lowrate``: what ``adexmf build --low-rates`` does,
   :func:`adexmf.workflows.build.low_rate_refit`), without noise and with finite-size
   noise; and, for both first-order models, the singular-limit W-slow cycle
   (:func:`adexmf.compare.updown.w_slow_cycles`: dashed on the figure) and the fixed points
   along b with their Hopf points and the b range of the relaxation cycle
   (:func:`adexmf.compare.updown.continuation`: the figure's fourth row).

Writes ``--out``/updown.nc and updown.png/.svg; prints the scores (``--json``: one JSON object,
the record of ``docs/results.py --record updown_regimes``).

Run: ``python examples/updown_regimes.py --out DIR [--mf-noise 0.1,0.3] [--json]`` (about
17 min on 2 cores from an empty folder; two minutes once the build and tasks are stored).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import xarray as xr

from adexmf.compare.updown import continuation, regime_map, regime_scores, w_slow_cycles
from adexmf.figures.updown import plot_regime_map
from adexmf.meanfield.analysis import MeanFieldModel
from adexmf.netcdf import write_netcdf
from adexmf.params import load_preset, save_preset
from adexmf.workflows.build import build_preset, low_rate_refit

CELLS = Path(__file__).resolve().with_name("tvb_adex_cells.toml")
ORDERS = (1, 2)


def mean_field(out: Path) -> Path:
    """The fitted preset of the cells (built into ``out``/build unless it is there)."""
    fitted = out / "build" / "tvb_adex_cells_fitted.toml"
    if not fitted.exists():
        build_preset(CELLS, out / "build", progress=False, echo=lambda line: None)
    return fitted


def low_rate_mean_field(out: Path) -> Path:
    """The built preset with its RS transfer function refitted on low-rate points with the
    Poisson loss (what ``adexmf build --low-rates`` does), in ``out``/build."""
    path = out / "build" / "tvb_adex_cells_lowrate.toml"
    if not path.exists():
        built = load_preset(mean_field(out))
        refit, _ = low_rate_refit(built, {"RS": str(out / "build" / "tf_RS.nc")},
                                  out / "build", echo=lambda line: None)  # fmt: skip
        save_preset(refit.replace(name="tvb_adex_cells_lowrate"), path)
    return path


def run(out: Path, mf_noise: list[float]) -> tuple[xr.Dataset, dict]:
    """The map for every mean-field noise level (network runs shared), and its scores."""
    fitted = load_preset(mean_field(out))
    maps = []
    for sigma in [0.0, *mf_noise]:
        # Names without spaces or dots: the docs' markers address them (order1+OU100mHz).
        tag = "" if sigma == 0.0 else f"+OU{sigma * 1e3:.0f}mHz"
        models = {f"order{o}{tag}": MeanFieldModel(fitted, order=o, adaptation=True)
                  for o in ORDERS}  # fmt: skip
        maps.append(regime_map(CELLS, models, mf_noise_sigma=sigma, out=out))
    lowrate = load_preset(low_rate_mean_field(out))
    low = {"order1-lowrate": MeanFieldModel(lowrate, order=1, adaptation=True)}
    maps.append(regime_map(CELLS, low, out=out))
    first = {"order1+finite": MeanFieldModel(fitted, order=1, adaptation=True),
             "order1-lowrate+finite": MeanFieldModel(lowrate, order=1, adaptation=True)}
    maps.append(regime_map(CELLS, first, finite_size=True, out=out))
    mf = xr.concat([m[["mf_rate", "mf_regime_stats"]] for m in maps], dim="model")
    ds = maps[0].drop_vars(["mf_rate", "mf_regime_stats", "model"]).merge(mf)
    cycles = {"order1": MeanFieldModel(fitted, order=1, adaptation=True), **low}
    ds = ds.merge(w_slow_cycles(cycles, ds.drive.values, ds.b.values), join="left")
    ds = ds.merge(continuation(cycles, ds.drive.values), join="left")
    # Per model, not per map: the noise levels run and the models with finite-size noise.
    ds.attrs["mf_noise_sigma_Hz"] = json.dumps([0.0, *mf_noise])
    ds.attrs["mf_finite_size"] = json.dumps(list(first))
    return ds, regime_scores(ds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="results folder and task store")
    parser.add_argument("--mf-noise", default="0.1,0.3",
                        help="OU noise levels of the mean field's drive (Hz, comma-separated)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    noise = [float(x) for x in args.mf_noise.split(",") if x.strip()]
    t0 = time.perf_counter()
    ds, scores = run(args.out, noise)
    write_netcdf(ds, args.out / "updown.nc")
    plot_regime_map(ds, args.out / "updown.png")
    scores["seconds"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(scores))
        return
    for name, s in [("network", scores["network"]), *scores["mf"].items()]:
        print(f"{name}: boundary b (pA) per drive "
              f"{[None if x is None else round(x * 1e12) for x in s['boundary_b_A']]}")
        for i, d in enumerate(scores["drive_Hz"]):
            print(f"  drive {d:g} Hz: " + " ".join(r[0] for r in s["regime"][i]))


if __name__ == "__main__":
    main()
