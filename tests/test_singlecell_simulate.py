"""The compiled single-cell simulator: rules of SPEC 2.1, seeding, errors."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from adexmf import DEFAULT_SYNAPSES, InputRangeError, ParameterError, cell_preset
from adexmf.singlecell import CurrentStep, derive_seeds, simulate_cells

RS = cell_preset("RS")
FS = cell_preset("FS")


#: Threads of the parallel run: more than one, and not a divisor of the cell count, so
#: that the cells are split unevenly across threads.
THREADS = 3
#: The determinism check, run in a child process where numba cannot use THREADS threads here
#: (NUMBA_NUM_THREADS is fixed at start-up from the cores; more threads than cores is legal).
CHILD = """
import sys, numba, numpy as np
from adexmf import DEFAULT_SYNAPSES, cell_preset
from adexmf.singlecell import simulate_cells
out = []
for threads in (1, int(sys.argv[1])):
    numba.set_num_threads(threads)
    assert numba.get_num_threads() == threads
    r = simulate_cells(cell_preset("RS"), DEFAULT_SYNAPSES, np.linspace(1.0, 8.0, 7), 4.0,
                       duration=0.5, seed=3)
    out.append((r.spike_counts, r.V_mean))
same = all(np.array_equal(a, b) for a, b in zip(out[0], out[1]))
print("SAME" if same else "DIFFERENT")
"""


def _runs_on_threads(threads: int) -> list:
    """The 7-cell run on 1 thread and on ``threads`` threads, in this process."""
    e = np.linspace(1.0, 8.0, 7)
    runs = []
    before = numba.get_num_threads()
    try:
        for n in (1, threads):
            numba.set_num_threads(n)
            assert numba.get_num_threads() == n
            runs.append(simulate_cells(RS, DEFAULT_SYNAPSES, e, 4.0, duration=0.5, seed=3))
    finally:
        numba.set_num_threads(before)
    return runs


def test_same_seed_same_result_any_threads():
    """Per-cell seeds: the result of a cell does not depend on the thread that ran it. The
    comparison is exact (same operations, same numbers), between 1 and THREADS threads."""
    if numba.config.NUMBA_NUM_THREADS >= THREADS:
        runs = _runs_on_threads(THREADS)
        assert np.array_equal(runs[0].spike_counts, runs[1].spike_counts)
        assert np.array_equal(runs[0].V_mean, runs[1].V_mean)
    else:  # too few cores for THREADS threads here: a child process started with them
        env = {**os.environ, "NUMBA_NUM_THREADS": str(THREADS)}
        done = subprocess.run([sys.executable, "-c", CHILD, str(THREADS)], env=env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "SAME", done.stdout
    e = np.linspace(1.0, 8.0, 7)
    base = simulate_cells(RS, DEFAULT_SYNAPSES, e, 4.0, duration=0.5, seed=3)
    other = simulate_cells(RS, DEFAULT_SYNAPSES, e, 4.0, duration=0.5, seed=4)
    assert not np.array_equal(other.V_mean, base.V_mean)


def test_cell_result_independent_of_batch():
    seeds = derive_seeds(7, [[0, 5], [0, 6], [0, 7]])
    batch = simulate_cells(FS, DEFAULT_SYNAPSES, [3.0, 4.0, 5.0], 5.0, duration=0.3, seeds=seeds)
    alone = simulate_cells(FS, DEFAULT_SYNAPSES, [4.0], 5.0, duration=0.3, seeds=seeds[1:2])
    assert alone.spike_counts[0] == batch.spike_counts[1]
    assert alone.V_mean[0] == batch.V_mean[1]


def test_subthreshold_step_reaches_ohmic_level():
    # FS: E_L = -65 mV, g_L = 10 nS; 100 pA -> -55 mV (exponential term e^-10: negligible)
    res = simulate_cells(
        FS, DEFAULT_SYNAPSES, 0.0, 0.0, duration=0.5, record=[0],
        current_steps=[CurrentStep(0.1, 0.5, 100e-12)],
    )  # fmt: skip
    assert res.V[0, np.searchsorted(res.time, 0.09)] == pytest.approx(-65e-3, abs=1e-12)
    assert res.V[0, -1] == pytest.approx(-55e-3, abs=0.05e-3)
    assert res.spike_counts[0] == 0


def test_reset_refractory_and_adaptation_rules():
    dt = 5e-5
    res = simulate_cells(
        RS, DEFAULT_SYNAPSES, 0.0, 0.0, duration=0.6, dt=dt, record=[0],
        current_steps=[CurrentStep(0.1, 0.5, 200e-12)],
    )  # fmt: skip
    spikes = np.nonzero(res.spikes[0])[0]
    assert spikes.size == res.spike_counts[0] >= 3
    n_ref = round(RS.t_ref / dt)
    for k in spikes:
        held = res.V[0, k : k + n_ref]
        assert np.all(held == RS.V_reset)  # held at V_reset for t_ref ...
        assert res.V[0, k + n_ref] != RS.V_reset  # ... then integrated again
        assert res.w[0, k] - res.w[0, k - 1] == pytest.approx(RS.b, rel=0.01)  # w += b
        assert np.all(np.diff(res.w[0, k : k + n_ref]) != 0)  # w keeps evolving
    isi = np.diff(spikes)
    assert np.all(np.diff(isi) > 0)  # spike-frequency adaptation
    assert res.V[0, spikes - 1].max() <= RS.spike_threshold + 1e-3


def test_clamped_adaptation_and_constant_current():
    res = simulate_cells(
        RS, DEFAULT_SYNAPSES, [0.0, 0.0], 0.0, duration=0.3, record=[0, 1],
        current=[250e-12, 0.0],
        adaptation_clamp=[50e-12, np.nan],
    )  # fmt: skip
    assert np.all(res.w[0] == 50e-12)
    assert res.spike_counts[0] > 0 and res.spike_counts[1] == 0
    # with w clamped at 50 pA the cell fires at a constant rate: equal late ISIs
    isi = np.diff(np.nonzero(res.spikes[0])[0])
    assert isi[-1] == isi[-2]


def test_poisson_input_mean_conductance_drives_mean_voltage():
    # total excitatory conductance mean Q_e tau_e K_e nu_e: check via the passive mean of V
    res = simulate_cells(FS, DEFAULT_SYNAPSES, [0.0, 5.0], 0.0, duration=1.0, spiking=False,
                         stats_start=0.2)  # fmt: skip
    assert res.V_mean[0] == pytest.approx(FS.E_L, abs=1e-12)
    assert res.V_std[0] == pytest.approx(0.0, abs=1e-9)
    assert res.V_mean[1] > FS.E_L + 0.02


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"nu_e": -1.0}, "nu_e"),
        ({"nu_i": np.nan}, "nu_i"),
        ({"current": 1.0}, "current"),
        ({"dt": 0.1}, "dt"),
        ({"duration": 1e-6, "dt": 1e-5}, "shorter than one time step"),
        ({"nu_e": 2000.0, "dt": 1e-3}, "nu_e = 2000 Hz gives 800 presynaptic events per step"),
    ],
)
def test_errors_name_the_parameter(kwargs, name):
    args = {"nu_e": 1.0, "nu_i": 1.0, "duration": 0.01, **kwargs}
    e, i = args.pop("nu_e"), args.pop("nu_i")
    with pytest.raises(InputRangeError, match=name):
        simulate_cells(FS, DEFAULT_SYNAPSES, e, i, **args)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ParameterError, match="seed"):
        simulate_cells(FS, DEFAULT_SYNAPSES, 1.0, 1.0, duration=0.01, seed=seed)


def test_event_counts_follow_the_poisson_law():
    from numba import njit

    from adexmf.singlecell.kernel import _poisson_count

    @njit
    def draw(seed, lam, n):
        state = np.uint64(seed)
        out = np.empty(n, dtype=np.int64)
        e = np.exp(-lam)
        for k in range(n):
            state, out[k] = _poisson_count(state, lam, e)
        return out

    n = 400_000
    for lam in (0.02, 0.4, 2.0):
        x = draw(12345, lam, n)
        assert x.mean() == pytest.approx(lam, abs=5 * np.sqrt(lam / n))
        assert x.var() == pytest.approx(lam, rel=0.02 + 5 * np.sqrt(2 / n))
        p0 = np.mean(x == 0)
        assert p0 == pytest.approx(np.exp(-lam), abs=5 * np.sqrt(p0 * (1 - p0) / n))
