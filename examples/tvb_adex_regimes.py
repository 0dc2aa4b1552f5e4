"""Does the spiking network with TVB-AdEx's cells and synapses enter slow oscillations?
(issue 26, item 4; the numbers of docs/paper-vs-code.md).

The validity map's network (the paper's cells) stays asynchronous up to b = 150 pA. This runs
the 10,000-neuron network of the ``tvb_zerlaut`` preset instead (TVB's AdEx parameters: Q_e
1.5 nS, a = 4 nS; di Volo et al. 2019) at low drives and b = 0-120 pA, Poisson drive, 6 s,
and classifies each run with the map's criterion (:mod:`adexmf.timeseries`: silent,
asynchronous, slow oscillation or oscillation of the RS population rate after 1.5 s).

Run: ``python examples/tvb_adex_regimes.py`` (12 runs, about 4 min on 2 cores; serial).
"""

from __future__ import annotations

from adexmf.compare.protocol import task_spec
from adexmf.compare.validity_map import BIN, network_task
from adexmf.network.run_spec import NetworkRun
from adexmf.timeseries import REGIMES

DRIVES = (0.5, 1.0, 2.0, 4.0)  # Hz per synapse
B_VALUES = (0.0, 60e-12, 120e-12)  # A
DURATION, T_START = 6.0, 1.5  # s


def main(seed: int = 1) -> None:
    print("drive  b(pA)  nu_e   nu_i  (Hz)  CV    Fano  regime")
    for drive in DRIVES:
        for b in B_VALUES:
            run = NetworkRun(preset="tvb_zerlaut", drive=drive, rs_b=b, duration=DURATION,
                             seed=seed, drive_events="poisson")  # fmt: skip
            ds = network_task(task_spec("validity", run, t_start_s=T_START, regime_bin_s=BIN))
            nu_e, nu_i = ds.rate.values
            print(f"{drive:5.1f}  {b * 1e12:5.0f}  {nu_e:5.2f}  {nu_i:5.2f}        "
                  f"{float(ds.cv_isi):4.2f}  {float(ds.fano):4.2f}  "
                  f"{REGIMES[int(ds.regime_code)]}")  # fmt: skip


if __name__ == "__main__":
    main()
