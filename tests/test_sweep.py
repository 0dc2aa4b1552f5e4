"""Dask sweeps: tasks stored as they finish, skipped on rerun, bad entries recomputed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from adexmf.errors import CacheWarning, OutputError, ParameterError
from adexmf.sweep import TaskStore, run_tasks, task_key


def square_task(spec: dict) -> xr.Dataset:
    """A cheap task that leaves a mark for every call (so tests can count the calls)."""
    marks = Path(spec["marks"])
    marks.mkdir(parents=True, exist_ok=True)
    (marks / f"{spec['x']}-{os.getpid()}-{len(list(marks.iterdir()))}").touch()
    return xr.Dataset({"y": ("i", np.array([spec["x"] ** 2], dtype=float))})


def killer_task(spec: dict) -> xr.Dataset:
    """square_task, but its first call for ``spec["kill"]`` kills its own worker process
    (SIGKILL, as the OOM killer would) after the other tasks had time to finish."""
    import signal
    import time

    marks = Path(spec["marks"])
    if spec["x"] == spec["kill"] and not (marks / "killed").exists():
        marks.mkdir(parents=True, exist_ok=True)
        (marks / "killed").touch()
        (marks / f"{spec['x']}-{os.getpid()}-killed").touch()
        time.sleep(2.0)  # long enough for the finished results to be stored
        os.kill(os.getpid(), signal.SIGKILL)
    return square_task(spec)


def _calls(marks: Path, x: int) -> int:
    return sum(1 for p in marks.iterdir() if p.name.startswith(f"{x}-"))


def test_task_key_is_stable_and_distinguishes_values():
    a = {"protocol": "stationary", "drive_Hz": 4.0, "seed": 1}
    assert task_key(a) == task_key(dict(reversed(list(a.items()))))
    assert task_key(a) != task_key({**a, "seed": 2})
    assert task_key(a) != task_key({**a, "drive_Hz": 4.0 + 1e-12})
    assert len(task_key(a)) == 32
    with pytest.raises(ParameterError, match="not JSON-safe"):
        task_key({"x": object()})


def test_run_tasks_stores_skips_and_heals(tmp_path):
    marks = tmp_path / "marks"
    store = tmp_path / "store"
    specs = [{"x": x, "marks": str(marks)} for x in (1, 2, 3)]
    warmed = []
    first = run_tasks(square_task, specs, store, n_workers=2, warm_up=lambda: warmed.append(1))
    assert [float(ds.y[0]) for ds in first] == [1.0, 4.0, 9.0]
    assert warmed == [1]  # once, before the workers
    assert all(_calls(marks, x) == 1 for x in (1, 2, 3))
    assert json.loads(first[1].attrs["task_spec"])["x"] == 2

    # Rerun: nothing recomputed (no cluster is even started).
    again = run_tasks(square_task, specs, store, warm_up=lambda: warmed.append(1))
    assert [float(ds.y[0]) for ds in again] == [1.0, 4.0, 9.0]
    assert warmed == [1]  # nothing to compute: no warm-up either
    assert all(_calls(marks, x) == 1 for x in (1, 2, 3))

    # A lost result and a corrupt one are recomputed, the good one is kept.
    keys = [task_key(s) for s in specs]
    TaskStore(store).path(keys[0]).unlink()
    TaskStore(store).path(keys[1]).write_bytes(b"not a netcdf file")
    with pytest.warns(CacheWarning, match=keys[1]):
        healed = run_tasks(square_task, specs, store, n_workers=1)
    assert [float(ds.y[0]) for ds in healed] == [1.0, 4.0, 9.0]
    assert [_calls(marks, x) for x in (1, 2, 3)] == [2, 2, 1]


def test_a_result_stored_under_another_key_is_not_trusted(tmp_path):
    store = TaskStore(tmp_path)
    spec = {"x": 5}
    store.save(task_key(spec), spec, xr.Dataset({"y": ("i", [25.0])}))
    wrong = task_key({"x": 6})
    store.path(task_key(spec)).rename(store.path(wrong))
    with pytest.warns(CacheWarning, match="task_key"):
        assert store.load(wrong) is None
    assert not store.path(wrong).exists()


def test_store_destination_is_checked_before_any_task(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        run_tasks(square_task, [{"x": 1, "marks": str(tmp_path)}], blocker)


def test_a_worker_killed_mid_sweep_costs_only_its_task(tmp_path):
    """Dask's nanny restarts the killed worker and the scheduler reruns the task it held;
    the tasks finished before are stored once and never recomputed, now or on a rerun."""
    marks = tmp_path / "marks"
    specs = [{"x": x, "marks": str(marks), "kill": 3} for x in (1, 2, 3)]
    results = run_tasks(killer_task, specs, tmp_path / "store", n_workers=2)
    assert [float(ds.y[0]) for ds in results] == [1.0, 4.0, 9.0]
    assert (marks / "killed").exists()
    assert [_calls(marks, x) for x in (1, 2)] == [1, 1]
    assert _calls(marks, 3) == 2  # the killed call and its rerun
    again = run_tasks(killer_task, specs, tmp_path / "store")
    assert [float(ds.y[0]) for ds in again] == [1.0, 4.0, 9.0]
    assert [_calls(marks, x) for x in (1, 2, 3)] == [1, 1, 2]
