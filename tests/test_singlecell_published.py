"""Against the published grids (../shared/data/tf/): same cells, same protocol (10 s runs, 8 seeds).

Measured (8 seeds x 10 s each, seed 1): 92% (RS) and 89% (FS) of the 72 published points
agree within their spread, 100% / 94% within 3 combined standard errors; mean difference
+0.13 / +0.12 Hz (about 1.5% at the highest rates). Systematic pattern: at nu_i >= 8.6 Hz our
rates are higher by 0.1-0.5 Hz, at nu_i <= 5.7 Hz slightly lower (-0.1 to -0.5 Hz, < 1 SD).
The published runs drew the E and I trains from the same seed; positively correlated E and
I events partly cancel, which lowers V fluctuations and the rate, more so with more
inhibition. Making E and I counts fully comonotone (one uniform per step for both) in our
kernel lowers the rates by 1.4-3.6 Hz (RS) and 3.7-7.6 Hz (FS), far more than observed, so
the published trains were only weakly correlated (e.g. time-rescaled copies of one random
sequence), consistent with the small positive offset at high nu_i. The residual offsets at
nu_i = 0 (no inhibitory train: -0.1 Hz) are within the statistics.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from adexmf import DEFAULT_SYNAPSES, cell_preset
from adexmf.singlecell import simulate_cells

#: Read-only reference data beside the repository; a copy of the two grids (3 kB each) ships
#: with the tests so that they run on a checkout without it (CI on a fresh machine).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


def _load(name):
    path = SHARED_DATA / "tf" / f"{name}_published_grid.csv"
    if not path.exists():
        path = TEST_DATA / "tf" / path.name
    with path.open() as f:
        rows = list(csv.DictReader(f))
    cols = ("nu_e_Hz", "nu_i_Hz", "rate_mean_Hz", "rate_sd_Hz")
    return [np.array([float(r[c]) for r in rows]) for c in cols]


@pytest.mark.parametrize("name", ["RS", "FS"])
def test_published_grid_within_spread(name):
    e, i, mean, sd = _load(name)
    reps = 8
    rate = simulate_cells(
        cell_preset(name), DEFAULT_SYNAPSES, np.repeat(e, reps), np.repeat(i, reps),
        duration=10.0, seed=1,
    ).rate.reshape(-1, reps)  # fmt: skip
    ours, our_sd = rate.mean(axis=1), rate.std(axis=1, ddof=1)
    diff = ours - mean
    se = np.sqrt(our_sd**2 / reps + sd**2 / 4)
    assert np.mean(np.abs(diff) <= 3 * np.maximum(se, 0.05)) >= 0.9
    assert np.mean(np.abs(diff) <= np.maximum(sd, our_sd)) >= 0.8
    assert abs(diff.mean()) < 0.3  # no global bias beyond a fraction of a Hz


@pytest.mark.parametrize("name", ["RS", "FS"])
def test_the_copy_beside_the_tests_is_the_shared_grid(name):
    """The fallback copy is byte for byte the reference data (where that is present)."""
    shared = SHARED_DATA / "tf" / f"{name}_published_grid.csv"
    if not shared.exists():
        pytest.skip(f"{shared} not available: nothing to compare the copy with")
    assert (TEST_DATA / "tf" / shared.name).read_bytes() == shared.read_bytes()
