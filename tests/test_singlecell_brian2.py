"""Cross-check: the compiled simulator and Brian2 agree within 3 standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from adexmf import DEFAULT_SYNAPSES, cell_preset
from adexmf.engines.brian2_cells import simulate_cells_brian2
from adexmf.singlecell.simulate import simulate_cells

POINTS = [  # (cell, nu_e, nu_i) spanning low to high output rates
    ("RS", 1.5, 0.0), ("RS", 2.5, 0.0), ("RS", 4.0, 5.0), ("RS", 6.0, 5.0), ("RS", 9.0, 10.0),
    ("RS", 15.0, 20.0), ("FS", 1.2, 0.0), ("FS", 3.0, 5.0), ("FS", 6.0, 10.0),
    ("FS", 12.0, 20.0), ("FS", 5.0, 5.0),
]  # fmt: skip


def _compare(duration: float, reps: int, target: str, **scheme):
    z_all = []
    for name in ("RS", "FS"):
        cell = cell_preset(name)
        pts = [(e, i) for c, e, i in POINTS if c == name]
        E = np.repeat([p[0] for p in pts], reps)
        I = np.repeat([p[1] for p in pts], reps)
        ours = simulate_cells(cell, DEFAULT_SYNAPSES, E, I, duration=duration, seed=5,
                              **scheme).rate  # fmt: skip
        theirs = simulate_cells_brian2(
            cell, DEFAULT_SYNAPSES, E, I, duration=duration, seed=5, target=target, **scheme
        )
        a, b = ours.reshape(-1, reps), theirs.reshape(-1, reps)
        se = np.sqrt(a.var(axis=1, ddof=1) / reps + b.var(axis=1, ddof=1) / reps)
        z_all.append((a.mean(axis=1) - b.mean(axis=1)) / np.maximum(se, 1e-9))
    return np.concatenate(z_all)


def test_brian2_numpy_agrees():
    z = _compare(duration=1.0, reps=8, target="numpy")
    assert z.size >= 10
    assert np.all(np.abs(z) < 3.0), z


def test_brian2_numpy_agrees_on_the_authors_scheme():
    """Forward Euler at 0.05 ms (the reference level's setting) on both routes."""
    z = _compare(duration=1.0, reps=8, target="numpy", scheme="euler", dt=5e-5)
    assert np.all(np.abs(z) < 3.0), z


@pytest.mark.slow
def test_brian2_full_protocol():
    z = _compare(duration=10.0, reps=4, target="numpy")
    assert np.all(np.abs(z) < 3.0), z


def test_without_a_compiler_brian2_falls_back_to_numpy_saying_so(monkeypatch):
    """Where Cython cannot build (no C++ compiler), the default target is NumPy and a
    RuntimeWarning names what to install; with the compiler it is Cython."""
    from adexmf.engines import brian2_cells

    real_which = brian2_cells.shutil.which
    if not brian2_cells.can_compile():
        pytest.skip("this machine cannot compile Cython: the fallback is the default here")
    assert brian2_cells.default_target() == "cython"
    monkeypatch.setattr(brian2_cells.shutil, "which", lambda name: None)
    with pytest.warns(RuntimeWarning, match="build-essential python3-dev"):
        assert brian2_cells.default_target() == "numpy"
    monkeypatch.setattr(brian2_cells.shutil, "which", real_which)
