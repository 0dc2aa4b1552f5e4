"""Transfer-function characterisation of a single cell: batch runs, caching, aggregation.

SPEC 4.2. The (nu_e, nu_i) plane is sampled so that output rates cover 0.1-30 Hz densely: an
adaptive pilot (:mod:`adexmf.singlecell.pilot`) finds, for each inhibitory level (and
optionally each clamped adaptation current), the excitatory rates giving a list of target
output rates (:class:`~adexmf.singlecell.config.GridDesign`); then every grid point is
simulated with several independent seeds, all at once as independent cells
(:func:`~adexmf.singlecell.simulate.simulate_cells`). The result is an xarray Dataset with
the rate of every seed, their mean and standard error.

Work is split into chunks (the design, then one per level), each stored on disk as soon as it
finishes when a ``cache_dir`` is given (:mod:`adexmf.singlecell.chunks`), so an interrupted
characterisation resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import CacheWarning, InputFileError, Interrupted, ParameterError
from ..interrupts import deferred_interrupts
from ..netcdf import json_attr, read_netcdf, write_netcdf
from ..params import (
    DEFAULT_NETWORK,
    DEFAULT_SYNAPSES,
    Cell,
    Network,
    Synapses,
    from_mapping,
    to_mapping,
)
from ..store import check_destination, check_folder, provenance
from .chunks import ChunkStore
from .config import CharacterizationConfig, estimate_text
from .pilot import design_grid
from .simulate import derive_seeds, simulate_cells

#: Version of the simulation/design algorithm, part of every cache key.
ALGORITHM_VERSION = "2"


def _cache_key(cell: Cell, synapses: Synapses, network: Network, config) -> str:
    """Hash of everything that determines a characterisation's numbers."""
    payload = {
        "algorithm": ALGORITHM_VERSION,
        "cell": to_mapping(cell),
        "synapses": to_mapping(synapses),
        "K": [network.K_e, network.K_i],
        "config": dataclasses.asdict(config),
    }
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _progress_display(progress, n_points: int, name: str):
    """(tqdm bar or None, callback(done, n)) for ``progress`` (True, a callable or False)."""
    if progress is True:
        from tqdm.auto import tqdm  # third-party display, needed only when a bar is asked

        bar = tqdm(total=n_points, desc=f"characterise {name}", unit="point")
        return bar, lambda done, n, step: bar.update(step)
    if callable(progress):
        return None, lambda done, n, step: progress(done, n)
    return None, lambda done, n, step: None


def _grid_rates(cell, synapses, network, config, grid, store, report, where) -> np.ndarray:
    """Rates (point, seed) at every grid point, one chunk per level; ``where["level"]``
    follows the level being simulated (for the message of an interruption)."""
    n_points = grid["nu_e"].size
    levels = grid["level"]
    rate = np.empty((n_points, config.n_seeds))
    done = 0
    for lev in range(len(config.design.levels)):
        where["level"] = lev
        idx = np.nonzero(levels == lev)[0]
        name = f"level{lev:03d}"
        reps = config.n_seeds
        chunk = store.get(name, {"rate": ((idx.size, reps), False, 0.0)})
        if chunk is None:
            with deferred_interrupts():  # a signal waits until this chunk is stored
                pts = np.repeat(idx, reps)
                keys = np.stack([np.full(pts.size, 2), pts, np.tile(np.arange(reps), idx.size)], 1)
                res = simulate_cells(
                    cell, synapses, grid["nu_e"][pts], grid["nu_i"][pts], network=network,
                    duration=config.duration, dt=config.dt, scheme=config.scheme,
                    seeds=derive_seeds(config.seed, keys), adaptation_clamp=grid["W"][pts],
                    stats_start=config.discard,
                )  # fmt: skip
                chunk = {"rate": res.rate.reshape(idx.size, reps)}
                store.put(name, **chunk)
        rate[idx] = chunk["rate"]
        done += idx.size
        report(done, n_points, idx.size)
    return rate


def _interrupted(exc: KeyboardInterrupt, cell: Cell, store: ChunkStore, where, n_lev: int):
    """The :class:`~adexmf.errors.Interrupted` error of a characterisation stopped by a
    signal: where it stopped and what was kept."""
    signum = getattr(exc, "signum", 2)
    how = str(exc) if isinstance(exc, Interrupted) else "interrupted"
    if store.folder is None:
        kept = "nothing was kept (no cache folder)"
    else:
        kept = (
            f"{store.count()} finished chunk(s) of {n_lev + 1} are kept in "
            f"{str(store.folder)!r}; rerun the same command to resume"
        )
    stage = where["stage"]
    if not stage.startswith("the pilot"):
        stage = f"{stage} (level {where['level']} of {n_lev})"
    return Interrupted(f"characterisation of {cell.name} {how} during {stage}: {kept}", signum)


def characterize(
    cell: Cell,
    synapses: Synapses = DEFAULT_SYNAPSES,
    network: Network = DEFAULT_NETWORK,
    config: CharacterizationConfig | None = None,
    *,
    cache_dir: str | Path | None = None,
    progress: bool | Callable[[int, int], None] = False,
    force: bool = False,
) -> xr.Dataset:
    """Measure the transfer function of ``cell`` on an adaptive grid (SPEC 4.2).

    Parameters
    ----------
    cell : Cell
        The cell (simulated with its adaptation unless the design clamps W).
    synapses : Synapses
    network : Network
        In-degrees K_e, K_i: rates are per presynaptic neuron.
    config : CharacterizationConfig, optional
        Protocol; default: 10 s x 8 seeds at dt = 0.1 ms (Heun) on the default design
        (:class:`~adexmf.singlecell.config.CharacterizationConfig`).
    cache_dir : str or Path, optional
        Folder for finished chunks; a rerun with the same inputs resumes from them.
    progress : bool or callable
        True: a tqdm progress bar over grid points; a callable receives (done, total).
    force : bool
        Recompute every chunk without reading the cache (chunks are rewritten).

    Returns
    -------
    xarray.Dataset
        Dims ``point`` and ``seed``. Variables: ``nu_e``, ``nu_i`` (Hz), ``W`` (A, NaN where
        w is free), ``target_rate`` (Hz), ``level``, ``rate`` (point, seed; Hz),
        ``rate_mean``, ``rate_sem`` (standard error of the mean), ``rate_std`` (Hz).
        Attributes record the cell, synapses, in-degrees, protocol and provenance.

    Raises
    ------
    Interrupted
        On SIGINT (or SIGTERM under the command line): finished chunks stay in the cache and
        the message says how many and where.
    """
    config = config or CharacterizationConfig()
    key = _cache_key(cell, synapses, network, config)
    store = ChunkStore(Path(cache_dir) / key if cache_dir is not None else None, key, force=force)
    where: dict[str, Any] = {"stage": "the pilot (grid design)", "level": 0}
    bar = None
    try:
        grid = design_grid(cell, synapses, network, config, store)
        where["stage"] = "the grid points"
        bar, report = _progress_display(progress, grid["nu_e"].size, cell.name)
        rate = _grid_rates(cell, synapses, network, config, grid, store, report, where)
    except KeyboardInterrupt as exc:
        raise _interrupted(exc, cell, store, where, len(config.design.levels)) from None
    finally:
        if bar is not None:
            bar.close()
    return _to_dataset(cell, synapses, network, config, grid, rate, key)


def _to_dataset(cell, synapses, network, config, grid, rate, key) -> xr.Dataset:
    n_seeds = rate.shape[1]
    std = rate.std(axis=1, ddof=1)

    def var(dims, values, units, long_name=""):
        attrs = {"units": units, "long_name": long_name} if long_name else {"units": units}
        return (dims, values, attrs)

    pt = ("point",)
    ds = xr.Dataset(
        {
            "nu_e": var(pt, grid["nu_e"], "Hz", "excitatory rate per synapse"),
            "nu_i": var(pt, grid["nu_i"], "Hz", "inhibitory rate per synapse"),
            "W": var(pt, grid["W"], "A", "clamped adaptation current (NaN: free)"),
            "target_rate": var(pt, grid["target_rate"], "Hz", "design target"),
            "level": (pt, grid["level"].astype(np.int64), {"units": "1"}),
            "rate": var(("point", "seed"), rate, "Hz", "output rate per seed"),
            "rate_mean": var(pt, rate.mean(axis=1), "Hz", "mean over seeds"),
            "rate_std": var(pt, std, "Hz", "standard deviation over seeds"),
            "rate_sem": var(pt, std / np.sqrt(n_seeds), "Hz", "standard error of the mean"),
        },
        coords={
            "point": ("point", np.arange(rate.shape[0]), {"units": "1", "long_name": "index"}),
            "seed": ("seed", np.arange(n_seeds), {"units": "1", "long_name": "index"}),
        },
        attrs={
            **provenance(),
            "title": f"transfer-function characterisation of cell {cell.name}",
            "cell_name": cell.name,
            "cell": json.dumps(to_mapping(cell)),
            "synapses": json.dumps(to_mapping(synapses)),
            "K_e": float(network.K_e),
            "K_i": float(network.K_i),
            "network": json.dumps(to_mapping(network)),
            "duration_s": float(config.duration),
            "dt_s": float(config.dt),
            "scheme": config.scheme,
            "discard_s": float(config.discard),
            "n_seeds": int(config.n_seeds),
            "seed": int(config.seed),
            "design": json.dumps(dataclasses.asdict(config.design)),
            "cache_key": key,
            "protocol": "SPEC 4.2: independent Poisson E and I trains per cell, start at "
            "V = E_L, G = w = 0, rate = spike count / counted duration",
        },
    )  # fmt: skip
    return ds


def dataset_parameters(ds: xr.Dataset) -> tuple[Cell, Synapses, Network]:
    """Rebuild the cell, synapses and network recorded in a characterisation Dataset."""
    for key in ("cell", "synapses", "network"):
        if key not in ds.attrs:
            raise ParameterError(
                f"dataset has no {key!r} attribute: not a characterisation made by adexmf"
            )
    cell = from_mapping(Cell, json_attr(ds, "cell"), "dataset.cell")
    synapses = from_mapping(Synapses, json_attr(ds, "synapses"), "dataset.synapses")
    network = from_mapping(Network, json_attr(ds, "network"), "dataset.network")
    return cell, synapses, network


def characterize_to_file(
    cell: Cell,
    out: str | Path,
    synapses: Synapses = DEFAULT_SYNAPSES,
    network: Network = DEFAULT_NETWORK,
    config: CharacterizationConfig | None = None,
    *,
    progress: bool | Callable[[int, int], None] = False,
    force: bool = False,
) -> Path:
    """Characterise ``cell`` into ``out/tf_<cell name>.nc``, reusing an up-to-date file.

    Finished chunks are kept in ``out/.tf-cache/<key>/`` so that an interrupted run resumes
    where it stopped; the final file is written atomically and records the cache key of its
    inputs, so a rerun with the same inputs returns at once (unless ``force``). The folder is
    checked before any work; an existing file that cannot be read or does not match its
    inputs' design is reported on stderr and recomputed; ``force`` recomputes everything
    without reading the file or the cached chunks.

    Returns
    -------
    Path
        The NetCDF file.

    Raises
    ------
    OutputError
        If ``out`` cannot be written (before any simulation).
    Interrupted
        On SIGINT/SIGTERM; finished chunks are kept.
    """
    config = config or CharacterizationConfig()
    out = check_folder(out, option="out")
    path = check_destination(out / f"tf_{cell.name}.nc", option="out")
    check_folder(out / ".tf-cache", option="out")
    key = _cache_key(cell, synapses, network, config)
    if not force and (path.exists() or path.is_symlink()):
        problem = existing_result_problem(path, key, config)
        if problem is None:
            return path
        if problem:
            warnings.warn(
                f"existing result {str(path)!r} is unusable ({problem}); recomputing it",
                CacheWarning,
                stacklevel=2,
            )
    if progress is True:
        print(f"characterise {cell.name}: {estimate_text(config)}", file=sys.stderr, flush=True)
    ds = characterize(
        cell, synapses, network, config, cache_dir=out / ".tf-cache", progress=progress,
        force=force,
    )  # fmt: skip
    write_netcdf(ds, path, option="out")
    return path


def existing_result_problem(path: Path, key: str, config: CharacterizationConfig) -> str | None:
    """Whether an existing characterisation file can be reused for inputs of cache ``key``.

    Returns
    -------
    str or None
        None: up to date and valid (reuse it); ``""``: valid but for other inputs (recompute
        silently); otherwise why the file is unusable (recompute and report it).
    """
    try:
        ds = read_netcdf(path, what="existing result")
    except InputFileError as exc:
        return str(exc)
    if ds.attrs.get("cache_key") != key:
        return ""
    n_points, n_seeds = config.design.n_points, config.n_seeds
    for var, dims in (("nu_e", ("point",)), ("nu_i", ("point",)), ("rate", ("point", "seed")),
                      ("rate_mean", ("point",)), ("rate_sem", ("point",))):  # fmt: skip
        if var not in ds or ds[var].dims != dims:
            return f"no variable {var!r} with dims {dims}"
    if ds.sizes["point"] != n_points or ds.sizes["seed"] != n_seeds:
        return (
            f"{ds.sizes['point']} points x {ds.sizes['seed']} seeds, the design has "
            f"{n_points} x {n_seeds}"
        )
    if not np.isfinite(ds["rate"].values).all():
        return "non-finite rates"
    try:
        dataset_parameters(ds)
    except ParameterError as exc:
        return str(exc)
    return None
