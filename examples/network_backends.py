"""Brian2 against NEST on the reference network: the README's backend table.

The 10,000-neuron network at 4 Hz of drive, 1.5 s, stationary statistics after 500 ms, for
each drive model and simulator; prints one JSON object (rates in Hz: mean and std over the
seeds, per configuration). Run it through ``python docs/results.py --record
network_backends``, which stores the numbers with the command, date, commit and machine in
``docs/results/recorded.json`` and renders the table. NEST runs need the ``nest`` extra.

Usage::

    python examples/network_backends.py [--seeds 5] [--population-seeds 3]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from adexmf.network import NetworkModel, simulate, stationary_statistics

#: Configuration -> (backend, drive model, drive events).
CONFIGURATIONS = {
    "brian2_bernoulli": ("brian2", "independent", "bernoulli"),
    "brian2_poisson": ("brian2", "independent", "poisson"),
    "nest_poisson": ("nest", "independent", "poisson"),
    "brian2_population": ("brian2", "population", "bernoulli"),
    "nest_population": ("nest", "population", "bernoulli"),
}


def rates(backend: str, drive_model: str, events: str, seeds: list[int]) -> dict[str, float]:
    """Mean and std over ``seeds`` of the stationary nu_e, nu_i (Hz)."""
    model = NetworkModel.from_preset("zerlaut2018", drive_model=drive_model,
                                     drive_events=events, traced_cells=0)  # fmt: skip
    stats = [stationary_statistics(simulate(model, 1.5, seed, backend=backend)) for seed in seeds]
    out = {}
    for key in ("nu_e", "nu_i"):
        values = np.array([s[key] for s in stats])
        out[key], out[f"{key}_std"] = float(values.mean()), float(values.std(ddof=1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--population-seeds", type=int, default=3)
    args = parser.parse_args()
    result = {}
    for name, (backend, drive_model, events) in CONFIGURATIONS.items():
        n = args.population_seeds if drive_model == "population" else args.seeds
        result[name] = {**rates(backend, drive_model, events, list(range(1, n + 1))),
                        "seeds": n}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
