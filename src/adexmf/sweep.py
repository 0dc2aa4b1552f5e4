"""Independent tasks on Dask, each stored as it finishes and skipped on rerun.

A sweep is a list of task specifications (JSON-safe dicts: protocol, parameters, seed) and a
module-level function ``spec -> xarray.Dataset``. Each task's result is stored in a folder
under the hash of its specification (:func:`task_key`), as soon as it finishes, by the
client process; a rerun loads finished tasks and submits only the missing ones, so a killed
sweep (or a worker killed mid-sweep: Dask reschedules its task) costs only the work in
flight. Stored results are validated on read (readable NetCDF carrying its own key); a bad
one is reported on stderr by name, removed and recomputed.

Tasks run on a ``distributed.LocalCluster`` of single-threaded worker processes by default,
or on any running scheduler given by address (``tcp://host:8786``: checked before any work
by :func:`check_scheduler`, reached within :data:`CONNECT_TIMEOUT_S` or refused in one
line). Results are returned in the order of the specifications.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import AdexmfError, CacheWarning, ParameterError
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


#: Seconds allowed to reach a running scheduler (:func:`_client`) before giving up.
CONNECT_TIMEOUT_S = 5.0

#: Address forms of a Dask scheduler, as named in the error of :func:`check_scheduler`.
SCHEDULER_FORMS = (
    "tcp://host:port, tls://host:port, ws://host:port, wss://host:port, ucx://host:port or "
    "inproc://name (host:port alone means tcp://)"
)


def check_scheduler(address: str | None) -> str | None:
    """Return ``address`` if it is a well-formed Dask scheduler address (or None), else raise.

    Uses distributed's own parser and its registry of transports, so every scheme that
    distributed can connect to is accepted: ``tcp://host:port`` (or ``host:port``),
    ``tls://``, ``ws://``, ``wss://``, ``ucx://`` with a host and a port in 1-65535, and
    ``inproc://``. Nothing is contacted: a reachable scheduler is checked on connection.

    Raises
    ------
    ParameterError
        Naming ``scheduler``, its value and the allowed forms.
    """
    if address is None:
        return None
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    def refuse(why: str) -> ParameterError:
        return ParameterError(
            f"scheduler = {address!r} is not a Dask scheduler address ({why}); allowed: "
            f"{SCHEDULER_FORMS}",
            parameters=("scheduler",),
        )

    text = str(address).strip()
    if not text:
        raise refuse("it is empty")
    try:
        scheme, location = parse_address(text, strict=False)
    except (TypeError, ValueError) as exc:
        raise refuse(str(exc)) from None
    if scheme not in backends:
        raise refuse(f"unknown scheme {scheme + '://'!r}")
    if scheme == "inproc":
        if not location:
            raise refuse("inproc:// needs a name")
        return text
    try:
        host, port = parse_host_port(location)
    except (TypeError, ValueError) as exc:
        raise refuse(str(exc)) from None
    if not host or not 1 <= int(port) <= 65535:
        raise refuse("a host and a port in 1-65535 are needed")
    return text


class ImportModules:
    """Worker plugin that imports modules in the worker's main thread when it starts (and
    in every worker started later: a restarted one included).

    Brian2 installs a SIGINT handler on import, which only the main thread may do: imported
    first inside a task thread it fails (``signal only works in main thread``). Registered
    on a running scheduler's workers (:func:`_client`), it makes network tasks run on any
    plain ``dask worker``, without ``--preload brian2``.

    Parameters
    ----------
    modules : sequence of str
        Names of the modules to import.
    """

    idempotent = True

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = tuple(modules)
        self.name = "adexmf-import-" + "-".join(self.modules)

    def setup(self, worker: Any = None) -> None:
        """Import the modules (the worker calls this in its main thread)."""
        import importlib

        for module in self.modules:
            importlib.import_module(module)


def _worker_plugin(modules: Sequence[str]) -> Any:
    """An :class:`ImportModules` that is a ``distributed`` WorkerPlugin (built here, so that
    importing this module does not import distributed; pickled by value to the workers)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    plugin = type("ImportModulesPlugin", (ImportModules, WorkerPlugin), {})
    return plugin(modules)


def _connect(scheduler: str, preload: Sequence[str]) -> Any:
    """A client of the running scheduler at ``scheduler``, its workers importing
    ``preload``; every failure is a one-line :class:`AdexmfError`."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise AdexmfError(
            f"scheduler = {scheduler!r}: no Dask scheduler answered within "
            f"{CONNECT_TIMEOUT_S:g} s ({exc}); start one (dask scheduler) or correct the "
            "address",
            parameters=("scheduler",),
        ) from None
    if preload:
        try:
            client.register_plugin(_worker_plugin(preload))
        except Exception as exc:  # noqa: BLE001 - any failure on a worker: one line
            client.close()
            raise AdexmfError(
                f"scheduler = {scheduler!r}: its workers cannot import "
                f"{', '.join(preload)} ({type(exc).__name__}: {exc}); install "
                f"{', '.join(preload)} in the workers' environment",
                parameters=("scheduler",),
            ) from None
    return client


def _client(scheduler: str | None, n_workers: int | None, preload: Sequence[str]):
    from distributed import Client, LocalCluster

    if scheduler:
        return _connect(scheduler, preload), None
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
        Address of a running Dask scheduler (:func:`check_scheduler`; reached within
        :data:`CONNECT_TIMEOUT_S`); default: a LocalCluster on this machine.
    n_workers : int, optional
        Workers of the LocalCluster (default: Dask's choice, one per core).
    progress : bool or callable
        True: a tqdm bar; a callable receives (done, total) after each task.
    preload : sequence of str
        Modules the LocalCluster's workers import at start, in their main thread (Brian2
        installs a signal handler on import, which fails in a task thread: pass
        ``("brian2",)`` for network tasks). The workers of a running ``scheduler`` import
        them through a worker plugin (:class:`ImportModules`): plain ``dask worker``
        processes do, no ``--preload`` needed.
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
    scheduler = check_scheduler(scheduler)
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
    if not missing:
        _progress(progress, total, done)(None)
        return [results[k] for k in keys]
    if warm_up is not None and scheduler is None:
        warm_up()
    client, cluster = _client(scheduler, n_workers, preload)  # its errors before the bar
    report = _progress(progress, total, done)
    try:
        _store_as_completed(client, function, missing, store, results, report, done)
    finally:
        report(None)
        client.close()
        if cluster is not None:
            cluster.close()
    return [results[k] for k in keys]


def _store_as_completed(
    client: Any,
    function: Callable[[dict[str, Any]], xr.Dataset],
    missing: dict[str, dict[str, Any]],
    store: TaskStore,
    results: dict[str, xr.Dataset],
    report: Callable[[int | None], None],
    done: int,
) -> None:
    """Submit the ``missing`` tasks (key -> spec) and store each result as it finishes."""
    from distributed import as_completed

    futures = {client.submit(function, spec, key=f"adexmf-{k}", pure=False): k
               for k, spec in missing.items()}  # fmt: skip
    for future in as_completed(list(futures)):
        key = futures.pop(future)
        results[key] = store.save(key, missing[key], future.result())
        # Stored: let the cluster forget it, or a worker killed later would take the result
        # with it and the scheduler would compute it again.
        future.release()
        done += 1
        report(done)


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
