"""Where the mean field's error on the validity map comes from (docs/paper-vs-code.md).

Reads the map written by ``adexmf compare validity --scale paper --out DIR`` and, at a few
of its points, simulates isolated RS cells under independent Poisson input at the
network's own mean rates in four ways:

- free adaptation (what the map's ``isolated_rate`` holds);
- W clamped at those cells' own mean W (does the mean-W closure of the mean field matter?);
- other integration schemes (is it a time-step error?);
- the network's binomial in-degrees K_e ~ B(N_e, p), K_i ~ B(N_i, p) (heterogeneity).

Run: ``python examples/validity_diagnostics.py DIR/validity.nc`` (about 2 min on 2 cores).
"""

from __future__ import annotations

import argparse

import numpy as np

from adexmf.netcdf import read_netcdf
from adexmf.params import load_preset
from adexmf.singlecell.simulate import simulate_cells

POINTS = ((10.0, 0.0), (10.0, 20e-12), (10.0, 60e-12), (4.0, 20e-12))  # drive (Hz), b (A)
N_CELLS, DURATION, START = 2000, 8.0, 3.0


def diagnose(path: str, seed: int = 7) -> None:
    ds = read_netcdf(path)
    preset = load_preset("zerlaut2018")
    net = preset.network
    rng = np.random.default_rng(seed)
    k_e = rng.binomial(net.n_exc, net.connection_probability, N_CELLS)
    k_i = rng.binomial(net.n_inh, net.connection_probability, N_CELLS)
    print(f"network drive: {ds.attrs.get('drive_events', 'bernoulli')}")
    print("drive  b(pA)  network | free W  clamped W  euler 0.1ms  heun 0.05ms  in-degrees")
    for drive, b in POINTS:
        rate = ds.network_rate_mean.sel(drive=drive, b=b, method="nearest").values
        cell = preset.excitatory.replace(b=b)
        nu_e, nu_i = np.full(N_CELLS, rate[0] + drive), np.full(N_CELLS, rate[1])

        def run(e=nu_e, i=nu_i, cell=cell, **options):
            return simulate_cells(cell, preset.synapses, e, i, duration=DURATION,
                                  stats_start=START, network=net, seed=seed, **options)  # fmt: skip

        free = run(record=np.arange(200))
        w_mean = float(free.w[:, int(round(START / (free.time[1] - free.time[0]))) :].mean())
        clamped = run(adaptation_clamp=w_mean)
        euler = run(scheme="euler", dt=1e-4)
        fine = run(dt=5e-5)
        # Per cell: K_e,k recurrent excitatory synapses at nu_e and the drive on the K_e of
        # the model; K_i,k inhibitory at nu_i (per-synapse rates scaled to the model's K).
        hetero = run(e=(k_e * rate[0] + net.K_e * drive) / net.K_e, i=k_i * rate[1] / net.K_i)
        print(f"{drive:5.1f}  {b * 1e12:5.0f}  {rate[0]:7.3f} | {free.rate.mean():6.3f}  "
              f"{clamped.rate.mean():9.3f}  {euler.rate.mean():11.3f}  {fine.rate.mean():11.3f}"
              f"  {hetero.rate.mean():10.3f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("validity", help="validity.nc from adexmf compare validity")
    diagnose(parser.parse_args().validity)
