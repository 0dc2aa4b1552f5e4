"""A correction without free parameters: the network's spread of in-degrees averaged into the
transfer functions (issue 26, item 2; the numbers of docs/paper-vs-code.md).

In the network each cell draws its in-degrees K_e ~ Binomial(N_e, p), K_i ~ Binomial(N_i, p),
so its mean potential mu_V differs from the population's by a quenched, roughly Gaussian
amount of variance s^2 = (d mu_V / d K_e)^2 Var K_e + (d mu_V / d K_i)^2 Var K_i (the
derivatives of the shot-noise theory's mu_V, SPEC 3.1, at fixed per-synapse rates; the
external drive has a fixed in-degree). An adapting cell that
fires more also adapts more, W = b tau_w nu + a (mu_V - E_L), which pulls its mu_V back:
linearised, the spread shrinks to s / (1 + (a + b tau_w dnu/dmu_V) / mu_G). The population
rate is then the transfer function averaged over that spread, computed by Gauss-Hermite
quadrature: a shift of mu_V by x is a shift of W by -mu_G x (W enters only through mu_V), so
the adaptation-W transfer functions, which span W, give it directly.

The first-order stationary fixed points of adaptation-W with and without the average are
compared with the network on the stationary validity map (drive 1-10 Hz x b 0-60 pA,
Poisson drive, 3 seeds; Dask tasks stored in ``--out``/tasks and skipped on rerun).

Run: ``python examples/indegree_correction.py --out DIR [--json]`` (about 10 min on 2 cores
from an empty folder; seconds once the tasks are stored).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import fsolve

from adexmf import TransferFunction
from adexmf.compare.metrics import largest_ai_error, relative_error_percent, within_10_percent
from adexmf.meanfield.variants import get_variant
from adexmf.theory.fluctuations import stationary_adaptation
from adexmf.workflows.compare import comparison_stage

#: Gauss-Hermite nodes of the average over the quenched spread of mu_V.
NODES = 9


class Population:
    """One population's transfer function, with or without the in-degree average."""

    def __init__(self, preset, cell_name: str, averaged: bool) -> None:
        self.tf = TransferFunction.from_preset(preset, cell_name)
        self.cell, self.net = preset.cells[cell_name], preset.network
        self.averaged = averaged
        t, w = np.polynomial.hermite_e.hermegauss(NODES)
        self.nodes, self.weights = t, w / w.sum()

    def spread(self, nu_rec: float, nu_e: float, nu_i: float, W: float, b: float) -> float:
        """Standard deviation (V) of mu_V over the cells, after the adaptation's pull."""
        ev = self.tf.evaluate(nu_e, nu_i, W, check_domain=False)
        s = ev.stats
        # mu_V depends on K_e nu_e and K_i nu_i (SPEC 3.1): one more recurrent synapse adds
        # nu_rec / K_e to the per-synapse rate nu_e (the drive's in-degree is fixed)
        net, h = self.net, 1e-4  # Hz: central differences of the library's mu_V
        d_ke = nu_rec / net.K_e * self._slope(nu_e + h, nu_i, nu_e - h, nu_i, W, 2 * h)
        d_ki = nu_i / net.K_i * self._slope(nu_e, nu_i + h, nu_e, max(nu_i - h, 0.0), W,
                                            nu_i + h - max(nu_i - h, 0.0))  # fmt: skip
        p = net.connection_probability
        var = (d_ke**2 * net.n_exc + d_ki**2 * net.n_inh) * p * (1 - p)
        slope = max(-float(ev.gradient[2]) * float(s.mu_G), 0.0)  # d nu / d mu_V (Hz/V)
        tau_w = self.cell.tau_w or 0.0
        return float(np.sqrt(var)) / (1.0 + (self.cell.a + b * tau_w * slope) / float(s.mu_G))

    def _slope(self, e1: float, i1: float, e0: float, i0: float, W: float, step: float) -> float:
        """(mu_V(e1, i1) - mu_V(e0, i0)) / step (V/Hz), mu_V of the shot-noise theory."""
        mu = self.tf.evaluate([e1, e0], [i1, i0], W, check_domain=False).stats.mu_V
        return float(mu[0] - mu[1]) / step

    def rate(self, nu_rec: float, nu_e: float, nu_i: float, W: float, b: float) -> float:
        """Population rate (Hz) at per-synapse inputs nu_e (with the drive), nu_i and W."""
        if not self.averaged:
            return float(self.tf.evaluate(nu_e, nu_i, W, check_domain=False).rate)
        s = self.spread(nu_rec, nu_e, nu_i, W, b)
        mu_G = float(self.tf.evaluate(nu_e, nu_i, W, check_domain=False).stats.mu_G)
        n = self.nodes.size
        rates = self.tf.evaluate(np.full(n, nu_e), np.full(n, nu_i), W - mu_G * s * self.nodes,
                                 check_domain=False).rate  # fmt: skip
        return float(np.sum(self.weights * rates))


def fixed_point(pops, rs, drive: float, b: float, start) -> np.ndarray:
    """First-order stationary rates (Hz) from ``start``; NaN if the solver fails."""

    def residual(x):
        ne, ni = np.maximum(x, 1e-6)
        s0 = pops[0].tf.evaluate(ne + drive, ni, 0.0, check_domain=False).stats
        W = float(stationary_adaptation(rs.a, b, rs.tau_w, ne, s0.mu_V, s0.mu_G, rs.E_L))
        return [pops[0].rate(ne, ne + drive, ni, W, b) - ne,
                pops[1].rate(ne, ne + drive, ni, 0.0, 0.0) - ni]  # fmt: skip

    x, _, ok, _ = fsolve(residual, start, full_output=True)
    return x if ok == 1 else np.full(2, np.nan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="results folder and task store")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    args = parser.parse_args()
    ds = comparison_stage("validity", ["adaptation-W"], args.out, scale="quick", seeds=3,
                          progress=not args.json).data["validity"]  # fmt: skip
    preset = get_variant("adaptation-W").parameters
    rs = preset.excitatory
    net = ds.network_rate_mean.transpose("drive", "b", "population").values
    ai = ds.ai.values.astype(bool)
    cells = (preset.network.excitatory_cell, preset.network.inhibitory_cell)
    result = {}
    for label, averaged in (("first_order", False), ("first_order_indegree", True)):
        pops = [Population(preset, c, averaged) for c in cells]
        mf = np.array([[fixed_point(pops, rs, d, b, net[i, j])
                        for j, b in enumerate(ds.b.values)]
                       for i, d in enumerate(ds.drive.values)])  # fmt: skip
        err = relative_error_percent(mf, net)
        ee, ei = err[..., 0], err[..., 1]
        result[label] = {"within_10_percent_ai_fraction": within_10_percent(ee, ei, ai),
                         "max_abs_error_ai_percent": largest_ai_error(ee, ei, ai),
                         "error_nu_e_percent": ee.tolist()}  # fmt: skip
    if args.json:
        print(json.dumps(result))
        return
    for label, m in result.items():
        print(f"{label}: {100 * m['within_10_percent_ai_fraction']:.0f} % of AI points within "
              f"10 %, max {m['max_abs_error_ai_percent']:.1f} %")  # fmt: skip


if __name__ == "__main__":
    main()
