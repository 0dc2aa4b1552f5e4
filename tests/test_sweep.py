"""Dask sweeps: tasks stored as they finish, skipped on rerun, bad entries recomputed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from adexmf import sweep
from adexmf.errors import AdexmfError, CacheWarning, OutputError, ParameterError
from adexmf.sweep import TaskStore, check_scheduler, run_tasks, task_key


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


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://127.0.0.1:8786", "unknown scheme 'http://'"),
        ("bogus-address", "missing port number"),
        ("tcp://127.0.0.1:0", "a port in 1-65535"),
        ("", "empty"),
    ],
)
def test_a_malformed_scheduler_address_is_refused_at_once(tmp_path, address, why):
    """Refused by the format check, before the store is even created: no connection tried."""
    start = time.perf_counter()
    with pytest.raises(ParameterError, match=re.escape(why)) as info:
        run_tasks(square_task, [{"x": 1, "marks": str(tmp_path)}], tmp_path / "store",
                  scheduler=address)  # fmt: skip
    assert time.perf_counter() - start < 2.0
    assert info.value.parameters == ("scheduler",)
    assert "tcp://host:port" in str(info.value)
    assert not (tmp_path / "store").exists()
    assert check_scheduler("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert check_scheduler("inproc://x") == "inproc://x"


def test_a_scheduler_nobody_listens_on_is_one_line_after_the_stated_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "CONNECT_TIMEOUT_S", 0.5)
    start = time.perf_counter()
    with pytest.raises(AdexmfError, match=r"no Dask scheduler answered within 0\.5 s") as info:
        run_tasks(square_task, [{"x": 1, "marks": str(tmp_path)}], tmp_path / "store",
                  scheduler="tcp://127.0.0.1:1")  # fmt: skip
    assert time.perf_counter() - start < 10.0
    assert "\n" not in str(info.value)
    assert info.value.parameters == ("scheduler",)


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("http://127.0.0.1:8786", "unknown scheme 'http://'"),
        ("bogus-address", "missing port number"),
    ],
)
def test_the_command_line_refuses_a_malformed_scheduler_before_any_work(tmp_path, address, words):
    from typer.testing import CliRunner

    from adexmf.cli import app

    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["compare", "stationary", "--scheduler", address, "--out", str(out)]
    )
    assert result.exit_code == 2
    text = result.output.strip()
    assert text.startswith(f"error: --scheduler = '{address}' is not a Dask scheduler address")
    assert words in text and "\n" not in text and "Traceback" not in text
    assert not out.exists()


@pytest.fixture
def plain_cluster(tmp_path):
    """A scheduler and one plain worker (no --preload) on loopback, in their own processes;
    yields the scheduler's address."""
    file = tmp_path / "scheduler.json"
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen(
        ["dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(file)], stdout=logs[0], stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        ["dask", "worker", "--scheduler-file", str(file), "--nworkers", "1", "--nthreads",
         "1", "--no-dashboard"], stdout=logs[1], stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not file.exists() or not file.read_text().strip():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


@pytest.mark.network
def test_a_network_task_runs_on_a_plain_dask_worker(tmp_path, plain_cluster):
    """Brian2 installs a signal handler on import, which fails in a worker's task thread;
    the sweep makes the workers import it in their main thread (a worker plugin)."""
    from adexmf.compare.protocol import run_network_tasks, task_spec
    from adexmf.compare.stationary import network_task
    from adexmf.network.run_spec import NetworkRun

    run = NetworkRun(n_total=1000, duration=0.3, seed=3)
    specs = [task_spec("stationary", run, t_start_s=0.1)]
    (ds,) = run_network_tasks(network_task, specs, tmp_path, plain_cluster, progress=False)
    rates = ds["rate_binned"].values
    assert rates.size > 0 and np.all(np.isfinite(rates)) and np.all(rates >= 0)
    assert ds.attrs["seed"] == 3
    assert ds.attrs["task_key"] == task_key(specs[0])


def test_the_warm_up_runs_only_for_stages_with_kernels_and_on_this_machine():
    """Each warmer runs its stage's own path; the background process finishes (True), a
    cancelled one reports False, and one that fails (killed) only warns; nothing is started
    for stages without kernels or for a remote scheduler."""
    from adexmf.workflows.warmup import WARMED_STAGES, WARMERS, Warmup, start_warmup, warm_kernels

    assert set(WARMERS) == set(WARMED_STAGES)
    assert warm_kernels(WARMED_STAGES) == list(WARMED_STAGES)
    assert start_warmup(["transfer", "ring"], None).wait() is True
    stopped = start_warmup(["ring"], None)
    stopped.cancel()
    assert stopped.wait() is False
    broken = Warmup(["ring"])
    broken._proc.kill()
    with pytest.warns(CacheWarning, match="background compilation failed"):
        assert broken.wait() is False
    assert start_warmup(["transfer", "network", "compare"], None) is None
    assert start_warmup(["ring", "brain"], "tcp://10.0.0.1:8786") is None
