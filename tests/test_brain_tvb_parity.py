"""TVB parity: adexmf's brain network with the tvb_zerlaut column against tvb-library's own
simulator of ZerlautAdaptationFirstOrder on a tvb-data connectome, same settings (SPEC 11;
the mapping is docs/tvb-conventions.md). tvb-library and tvb-data are GPL test
dependencies (pip install -e ".[tvb]"), never imported by the package."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tvb.simulator.simulator")
pytest.importorskip("tvb_data")
sys.path.insert(0, str(Path(__file__).parent))
import tvb_reference  # noqa: E402
from adexmf.brain import BrainNetwork  # noqa: E402


def both(a, drive_Hz, b_pA, duration):
    """TVB's run and adexmf's, 76 regions, HeunDeterministic 0.1 ms, 4 m/s, weights as
    given, the same constant initial history (E 2 Hz, I 8 Hz, W_e 50 pA)."""
    ref = tvb_reference.run_tvb_zerlaut(
        "connectivity_76", coupling_a=a, speed_m_s=4.0, b_e_pA=b_pA,
        external_input_Hz=drive_Hz, duration_s=duration, initial_rates_Hz=(2.0, 8.0),
        initial_W_pA=50.0,
    )  # fmt: skip
    net = BrainNetwork("connectivity_76", "tvb_zerlaut", coupling=a, conduction_velocity=4.0,
                       b=b_pA * 1e-12)  # fmt: skip
    ds = net.run(duration, drive=drive_Hz, initial=net.initial_state(2.0, 8.0, 50e-12))
    assert list(ds.region.values) == list(ref["region_labels"])
    return ref, ds


def window_means(ref, ds, start):
    late = ref["time"] >= start
    tvb = np.array([ref["E"][late].mean(0), ref["I"][late].mean(0)])
    ours = np.array([ds.nu_e.sel(time=slice(start, None)).mean("time").values,
                     ds.nu_i.sel(time=slice(start, None)).mean("time").values])  # fmt: skip
    return tvb, ours


def test_asynchronous_rates_per_region_as_tvb():
    """Coupling 0.01 on the raw weights, drive 1 Hz, b_e 5 pA: every region settles on a
    stationary state (rates 0.7-2.9 Hz) that does not depend on the delays. The issue's
    bound is 1 % per region; measured: 7e-7 relative (TVB sums its coupling in float32)."""
    ref, ds = both(0.01, 1.0, 5.0, 3.0)
    tvb, ours = window_means(ref, ds, 2.0)
    assert tvb[0].min() > 0.5 and tvb[0].max() < 3.0  # the asynchronous regime
    np.testing.assert_allclose(ours, tvb, rtol=1e-5)
    # the time courses from the same initial state: TVB rounds delays to whole steps and
    # holds the coupling over a step; adexmf interpolates. Agreement within 1 % of the rate
    # at every sample (measured worst 0.19 %, TVB's samples are 1 ms averages).
    scale = np.maximum(ref["E"], 0.1)
    n = min(len(ref["time"]), ds.sizes["time"])
    t_ours = ds.time.values[:n]
    ours_e = np.array([np.interp(ref["time"], t_ours, ds.nu_e.values[:n, k])
                       for k in range(76)]).T  # fmt: skip
    keep = ref["time"] >= 0.05  # the first 50 ms: the two histories start one step apart
    assert np.max(np.abs(ours_e[keep] - ref["E"][keep]) / scale[keep]) < 0.01


@pytest.mark.slow
def test_slow_oscillation_time_averages_as_tvb():
    """Coupling 0.03, drive 1 Hz, b_e 60 pA: a ~1.2 Hz oscillation. Time averages over the
    last 5 s within 1 % per region (measured: 0.04 %; the delays' rounding shifts phases)."""
    ref, ds = both(0.03, 1.0, 60.0, 10.0)
    tvb, ours = window_means(ref, ds, 5.0)
    assert np.ptp(ref["E"][ref["time"] > 5.0], axis=0).max() > 0.5  # it oscillates
    np.testing.assert_allclose(ours, tvb, rtol=0.01)
