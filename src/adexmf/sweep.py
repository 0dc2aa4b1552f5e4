"""Independent tasks on Dask, each stored as it finishes and skipped on rerun.

A sweep is a list of task specifications (JSON-safe dicts: protocol, parameters, seed) and a
module-level function ``spec -> xarray.Dataset``. Each task's result is stored in a folder
under the hash of its specification (:func:`task_key`), as soon as it finishes, by the
client process; a rerun loads finished tasks and submits only the missing ones, so a killed
sweep (or a worker killed mid-sweep: Dask reschedules its task) costs only the work in
flight. Stored results are validated on read (readable NetCDF carrying its own key); a bad
one is reported on stderr by name, removed and recomputed.

Tasks run on a ``distributed.LocalCluster`` of single-threaded worker processes by default,
or on any running scheduler given by address (``tcp://host:8786``). Results are returned in
the order of the specifications.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import CacheWarning, ParameterError
from .netcdf import read_netcdf, write_netcdf
from .store import check_folder

#: Version of the task-key scheme: bump it when the meaning of stored results changes.
KEY_VERSION = 1


def task_key(spec: Mapping[str, Any]) -> str:
    """Hash (32 hex digits) of everything that determines a task's result.

    The specification is serialised as canonical JSON (sorted keys); floats keep their full
    precision, so two specifications differing in any value get different keys.

    Raises
    ------
    ParameterError
        If the specification is not JSON-serialisable.
    """
    try:
        text = json.dumps({"v": KEY_VERSION, **spec}, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"task specification {spec!r} is not JSON-safe: {exc}") from None
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class TaskStore:
    """A folder of task results, one NetCDF file per task key.

    Parameters
    ----------
    folder : str or Path
        Where results are stored (created on the first write).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """File of the task ``key``."""
        return self.folder / f"{key}.nc"

    def load(self, key: str) -> xr.Dataset | None:
        """The stored result of ``key``, or None when absent or invalid (then removed)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            ds = read_netcdf(path, what="stored task result")
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is recomputed
            reason = str(exc)
        else:
            if ds.attrs.get("task_key") == key:
                return ds
            reason = f"its task_key attribute is {ds.attrs.get('task_key')!r}, not {key!r}"
        warnings.warn(
            f"stored task result {str(path)!r} is invalid ({reason}); it is removed and recomputed",
            CacheWarning,
            stacklevel=2,
        )
        path.unlink(missing_ok=True)
        return None

    def save(self, key: str, spec: Mapping[str, Any], ds: xr.Dataset) -> xr.Dataset:
        """Store ``ds`` as the result of ``key`` (atomically), with its specification;
        return the stored Dataset (with the ``task_key`` and ``task_spec`` attrs)."""
        ds = ds.copy()
        ds.attrs["task_key"] = key
        ds.attrs["task_spec"] = json.dumps(dict(spec), sort_keys=True)
        write_netcdf(ds, self.path(key))
        return ds


def _client(scheduler: str | None, n_workers: int | None, preload: Sequence[str]):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        # one task per core: compiled kernels and BLAS must not spawn threads of their own
        env={
            "NUMBA_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            # Numba's OpenMP layer and NEST's OpenMP runtime crash one process together
            "NUMBA_THREADING_LAYER": "workqueue",
        },
        dashboard_address=":0",  # any free port: never clash with another cluster
        preload=list(preload),
    )
    return Client(cluster), cluster


def run_tasks(
    function: Callable[[dict[str, Any]], xr.Dataset],
    specs: Sequence[Mapping[str, Any]],
    folder: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
    preload: Sequence[str] = (),
    warm_up: Callable[[], None] | None = None,
) -> list[xr.Dataset]:
    """Run ``function(spec)`` for every specification not already stored; return all results.

    Parameters
    ----------
    function : callable
        A module-level (picklable) function of one specification returning a Dataset.
    specs : sequence of dict
        JSON-safe task specifications; identical ones share one result.
    folder : str or Path
        The task store (:class:`TaskStore`); checked for writability before any task runs.
    scheduler : str, optional
        Address of a running Dask scheduler; default: a LocalCluster on this machine.
    n_workers : int, optional
        Workers of the LocalCluster (default: Dask's choice, one per core).
    progress : bool or callable
        True: a tqdm bar; a callable receives (done, total) after each task.
    preload : sequence of str
        Modules the LocalCluster's workers import at start, in their main thread (Brian2
        installs a signal handler on import, which fails in a task thread: pass
        ``("brian2",)`` for network tasks; start the workers of a remote cluster with
        ``dask worker ADDRESS --preload brian2``).
    warm_up : callable, optional
        Called once here before a LocalCluster starts, only if some task is missing:
        compiles the tasks' kernels into this machine's on-disk cache, so that the workers
        load them instead of each compiling the same kernels at once (on a cold cache that
        doubles the compile time on 2 cores and can dominate a short sweep). Not called
        with ``scheduler``: a remote cluster's workers do not share this machine's cache.

    Returns
    -------
    list of xarray.Dataset
        One result per specification, in order, each with ``task_key`` and ``task_spec``
        attrs.
    """
    folder = check_folder(folder, option="task store")
    store = TaskStore(folder)
    keys = [task_key(s) for s in specs]
    results: dict[str, xr.Dataset] = {}
    for key in dict.fromkeys(keys):
        ds = store.load(key)
        if ds is not None:
            results[key] = ds
    missing = {k: dict(s) for k, s in zip(keys, specs, strict=True) if k not in results}
    total, done = len(set(keys)), len(results)
    report = _progress(progress, total, done)
    if missing:
        from distributed import as_completed

        if warm_up is not None and scheduler is None:
            warm_up()
        client, cluster = _client(scheduler, n_workers, preload)
        try:
            futures = {client.submit(function, spec, key=f"adexmf-{k}", pure=False): k
                       for k, spec in missing.items()}  # fmt: skip
            for future in as_completed(list(futures)):
                key = futures.pop(future)
                ds = future.result()
                results[key] = store.save(key, missing[key], ds)
                # Stored: let the cluster forget it, or a worker killed later would take the
                # result with it and the scheduler would compute it again.
                future.release()
                done += 1
                report(done)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    report(None)
    return [results[k] for k in keys]


def _progress(progress, total: int, done: int) -> Callable[[int | None], None]:
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=done, desc="tasks", unit="task")

        def update(n: int | None) -> None:
            if n is None:
                bar.close()
            else:
                bar.update(n - bar.n)

        return update
    if callable(progress):
        return lambda n: None if n is None else progress(n, total)
    return lambda n: None
