"""Transfer-function characterisation of a single cell: grid design, batch runs, aggregation.

SPEC 4.2. The (nu_e, nu_i) plane is sampled so that output rates cover 0.1-30 Hz densely:
for each inhibitory level (and optionally each clamped adaptation current) an adaptive pilot
finds the excitatory rates giving a list of target output rates, then every grid point is
simulated with several independent seeds, all at once as independent cells
(:func:`~adexmf.singlecell.simulate.simulate_cells`). The result is an xarray Dataset with
the rate of every seed, their mean and standard error.

Pilot (per level, all levels in one batch):

1. *bracket*: a geometric ladder of nu_e, short runs; the bracket ends at the first rate
   above the highest target (times a margin) and starts at the last silent rung below it;
2. *refine*: a fine linear ladder inside the bracket, a few short seeds each; the rates are
   made monotone (isotonic regression) and inverted at the targets by linear interpolation;
   targets below the resolution of the pilot are reached by extrapolating ``log(rate)``
   linearly in nu_e from the lowest resolved rates (the rate falls off exponentially below
   threshold);
3. *low rates*: targets below ``low_rate`` (1 Hz) are placed again from a ladder of longer
   runs spanning them, whose resolution (0.05 Hz by default) resolves 0.1 Hz outputs.

Work is split into chunks (one per level), each stored on disk as soon as it finishes when a
``cache_dir`` is given, so an interrupted characterisation resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import CacheWarning, InputFileError, Interrupted, ParameterError, check_range
from ..params import DEFAULT_NETWORK, DEFAULT_SYNAPSES, Cell, Network, Synapses, to_mapping
from ..store import (
    check_destination,
    check_folder,
    deferred_interrupts,
    json_attr,
    output_error,
    provenance,
    read_netcdf,
    remove_stale_temporaries,
    write_netcdf,
    write_npz,
)
from .simulate import (
    AUTHORS_DT,
    AUTHORS_SCHEME,
    DEFAULT_DT,
    DEFAULT_SCHEME,
    SCHEMES,
    derive_seeds,
    simulate_cells,
)

#: Version of the simulation/design algorithm, part of every cache key.
ALGORITHM_VERSION = "2"

_DEFAULT_TARGETS = (
    0.02, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.5, 8.0,
    10.0, 12.0, 14.5, 17.0, 20.0, 23.0, 26.5, 30.0, 33.0,
)  # fmt: skip


@dataclass(frozen=True)
class GridDesign:
    """How the (nu_e, nu_i[, W]) plane is sampled (rates in Hz, currents in A).

    Attributes
    ----------
    nu_i_levels : tuple of float
        Inhibitory rates per synapse (Hz).
    target_rates : tuple of float
        Output rates (Hz) the adaptive walk aims at for every level; one grid point each.
    adaptation_levels : tuple of float
        Clamped adaptation currents W (A); empty: w evolves freely (the protocol of SPEC 4.2).
    nu_e_max : float
        Highest excitatory rate the pilot tries (Hz).
    bracket_points : int
        Rungs of the geometric bracketing ladder (0.1 Hz to ``nu_e_max``).
    bracket_duration : float
        Duration of each bracketing run (s).
    refine_points : int
        Rungs of the refining ladder.
    refine_duration : float
        Duration of each refining run (s).
    refine_seeds : int
        Seeds per refining rung.
    low_rate : float
        Targets below this rate (Hz) are placed by a third, longer pilot stage.
    low_points, low_duration, low_seeds : int, float (s), int
        Rungs, duration and seeds of that low-rate stage (its resolution is
        1 / (low_duration low_seeds)).
    """

    nu_i_levels: tuple[float, ...] = tuple(np.linspace(0.0, 20.0, 8).tolist())
    target_rates: tuple[float, ...] = _DEFAULT_TARGETS
    adaptation_levels: tuple[float, ...] = ()
    nu_e_max: float = 200.0
    bracket_points: int = 24
    bracket_duration: float = 1.0
    refine_points: int = 40
    refine_duration: float = 2.0
    refine_seeds: int = 4
    low_rate: float = 1.0
    low_points: int = 16
    low_duration: float = 5.0
    low_seeds: int = 4

    def __post_init__(self) -> None:
        for k, v in enumerate(self.nu_i_levels):
            check_range(f"GridDesign.nu_i_levels[{k}]", v, 0.0, 1e3, unit="Hz")
        for k, v in enumerate(self.target_rates):
            check_range(f"GridDesign.target_rates[{k}]", v, 0.0, 500.0, unit="Hz",
                        low_inclusive=False)  # fmt: skip
        for k, v in enumerate(self.adaptation_levels):
            check_range(f"GridDesign.adaptation_levels[{k}]", v, -1e-9, 1e-9, unit="A")
        if not self.nu_i_levels or not self.target_rates:
            raise ParameterError("GridDesign needs at least one nu_i level and one target rate")
        check_range("GridDesign.nu_e_max", self.nu_e_max, 1.0, 1e3, unit="Hz")
        for name in ("bracket_points", "refine_points", "low_points"):
            check_range(f"GridDesign.{name}", getattr(self, name), 4, 1000)
        for name in ("refine_seeds", "low_seeds"):
            check_range(f"GridDesign.{name}", getattr(self, name), 1, 100)
        check_range("GridDesign.low_rate", self.low_rate, 0.0, 500.0, unit="Hz")
        for name in ("bracket_duration", "refine_duration", "low_duration"):
            check_range(f"GridDesign.{name}", getattr(self, name), 0.0, 100.0, unit="s",
                        low_inclusive=False)  # fmt: skip

    @property
    def levels(self) -> list[tuple[float, float]]:
        """The (nu_i, W) pairs walked by the design; W is NaN when w is free."""
        ws = self.adaptation_levels or (float("nan"),)
        return [(ni, w) for w in ws for ni in self.nu_i_levels]

    @property
    def n_points(self) -> int:
        """Number of grid points of the design."""
        return len(self.levels) * len(self.target_rates)


@dataclass(frozen=True)
class CharacterizationConfig:
    """Protocol of the characterisation (SI units).

    Attributes
    ----------
    duration : float
        Simulated time per seed and grid point (s); SPEC 4.2: 10 s.
    dt : float
        Time step (s): 0.1 ms, converged with the "heun" scheme (the authors, SPEC 4.2:
        0.05 ms with "euler", :meth:`authors`).
    scheme : {"heun", "euler"}
        Integration scheme of the single-cell kernel
        (:mod:`adexmf.singlecell.simulate`).
    n_seeds : int
        Independent seeds per grid point. SPEC 4.2 uses 4; the default is 8 because at
        30 Hz a 10 s run has a Poisson-like count error of ~1.7 Hz, so with 4 seeds the
        measurement noise alone (RMS standard error ~0.43 Hz over the grid) exceeds the
        0.4 Hz fit target.
    seed : int
        User seed from which every cell's stream is derived.
    discard : float
        Initial transient excluded from the counts (s); 0 follows SPEC 4.2 (count / duration).
    design : GridDesign
    """

    duration: float = 10.0
    dt: float = DEFAULT_DT
    scheme: str = DEFAULT_SCHEME
    n_seeds: int = 8
    seed: int = 0
    discard: float = 0.0
    design: GridDesign = field(default_factory=GridDesign)

    def __post_init__(self) -> None:
        check_range("CharacterizationConfig.duration", self.duration, 0.0, 1e4, unit="s",
                    low_inclusive=False)  # fmt: skip
        check_range("CharacterizationConfig.dt", self.dt, 1e-7, 1e-3, unit="s")
        if self.scheme not in SCHEMES:
            raise ParameterError(
                f"CharacterizationConfig.scheme = {self.scheme!r} is not known; allowed: "
                f"{', '.join(SCHEMES)}"
            )
        check_range("CharacterizationConfig.n_seeds", self.n_seeds, 2, 1000)
        check_range("CharacterizationConfig.seed", self.seed, 0, 2**63 - 1)
        check_range("CharacterizationConfig.discard", self.discard, 0.0, self.duration,
                    unit="s", high_inclusive=False)  # fmt: skip
        # checked here, before the pilot: the kernel would refuse it only after minutes
        if self.duration - self.discard < self.dt:
            raise ParameterError(
                f"CharacterizationConfig: the counted time duration - discard = "
                f"{self.duration - self.discard:g} s is shorter than one step dt = {self.dt:g} s; "
                "lengthen --duration (SPEC 4.2: 10 s), shorten --discard or reduce --dt"
            )
        g = self.design
        for name in ("bracket_duration", "refine_duration", "low_duration"):
            if getattr(g, name) < self.dt:
                raise ParameterError(
                    f"GridDesign.{name} = {getattr(g, name):g} s is shorter than one step "
                    f"dt = {self.dt:g} s; lengthen it or reduce dt"
                )

    @classmethod
    def authors(cls, **changes) -> CharacterizationConfig:
        """The authors' protocol (SPEC 4.2): forward Euler at dt = 0.05 ms.

        The setting of the reference level and of the fits made before the converged
        default (``corrected*.toml`` up to adexmf 0.x: Euler 0.05 ms); ``changes`` override
        other fields (``n_seeds``, ``design``...).
        """
        return cls(**{"scheme": AUTHORS_SCHEME, "dt": AUTHORS_DT, **changes})


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


#: Expected content of a chunk: array name -> (shape, NaN allowed, lowest value or None).
ChunkSchema = dict[str, tuple[tuple[int, ...], bool, float | None]]


class _ChunkStore:
    """Finished chunks of work as small ``.npz`` files, written atomically, validated on read.

    Every chunk records the cache key and its own name; on read it must open as an ``.npz``
    (the zip CRC checks the bytes), carry the same key and name, and hold the arrays of the
    expected shapes with admissible values. A chunk failing any check is reported by name
    (:class:`~adexmf.errors.CacheWarning` on stderr), deleted and recomputed. With
    ``force`` nothing is read (every chunk is recomputed and rewritten). Temporary files
    left by a killed run are removed when the store is opened.
    """

    def __init__(self, folder: Path | None, key: str = "", *, force: bool = False) -> None:
        self.folder = folder
        self.key = key
        self.force = force
        self.discarded: list[Path] = []
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise output_error(exc, folder, "--out") from None
            remove_stale_temporaries(folder)

    def path(self, name: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{name}.npz"

    def count(self) -> int:
        """Number of chunk files present."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        return sum(1 for _ in self.folder.glob("*.npz"))

    def _problem(self, name: str, arrays: dict[str, np.ndarray], schema: ChunkSchema) -> str:
        """Why a chunk's content is unusable ('' if it is fine)."""
        if str(arrays.get("_key", "")) != self.key or str(arrays.get("_name", "")) != name:
            return "written for other inputs (cache key or chunk name differs)"
        for var, (shape, nan_ok, low) in schema.items():
            if var not in arrays:
                return f"no array {var!r}"
            a = arrays[var]
            if a.shape != shape:
                return f"array {var!r} has shape {a.shape}, expected {shape}"
            if a.dtype.kind not in "fiu":
                return f"array {var!r} has dtype {a.dtype}, expected numbers"
            finite = np.isfinite(a) | (np.isnan(a) if nan_ok else False)
            if not finite.all():
                return f"array {var!r} holds non-finite values"
            if low is not None and np.any(a[np.isfinite(a)] < low):
                return f"array {var!r} holds values below {low:g}"
        return ""

    def get(self, name: str, schema: ChunkSchema) -> dict[str, np.ndarray] | None:
        """The chunk ``name`` if present and valid; None (after reporting and deleting a bad
        one) if it must be computed."""
        if self.folder is None or self.force:
            return None
        path = self.path(name)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            problem = self._problem(name, arrays, schema)
        except Exception as exc:  # truncated, empty, garbage, pickled: BadZipFile, ValueError...
            problem = f"unreadable: {type(exc).__name__}: {exc}"
        if not problem:
            return {k: v for k, v in arrays.items() if not k.startswith("_")}
        warnings.warn(
            f"cache chunk {str(path)!r} is unusable ({problem}); discarded, recomputing it",
            CacheWarning,
            stacklevel=3,
        )
        self.discarded.append(path)
        try:
            path.unlink()
        except OSError:
            pass  # rewritten by put (or put reports why it cannot be)
        return None

    def put(self, name: str, **arrays: np.ndarray) -> None:
        if self.folder is None:
            return
        write_npz(self.path(name), {**arrays, "_key": np.array(self.key), "_name": np.array(name)})


def _isotonic(y: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit of ``y`` (pool-adjacent-violators)."""
    values: list[float] = []
    weights: list[int] = []
    for v in y:
        values.append(float(v))
        weights.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            w = weights[-2] + weights[-1]
            values[-2] = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w
            weights[-2] = w
            values.pop()
            weights.pop()
    return np.repeat(values, weights)


def _invert_rates(nu_e: np.ndarray, rates: np.ndarray, targets: np.ndarray, resolution: float):
    """Excitatory rates at which a measured, increasing rate curve reaches ``targets``.

    Parameters
    ----------
    nu_e, rates : ndarray
        Pilot ladder (Hz) and measured rates (Hz), ``nu_e`` increasing.
    targets : ndarray
        Wanted output rates (Hz).
    resolution : float
        Smallest non-zero rate the pilot can measure (Hz, one spike over its duration).
    """
    mono = _isotonic(rates)
    out = np.empty(targets.size)
    resolved = mono >= 4.0 * resolution  # at least ~4 spikes: usable for interpolation
    # log-linear tail below the resolved part, from the lowest measurably non-zero rates
    low = (rates > 0.0) & (rates <= max(8.0 * resolution, 3.0))
    slope = intercept = None
    if low.sum() >= 2 and np.ptp(nu_e[low]) > 0:
        slope, intercept = np.polyfit(nu_e[low], np.log(rates[low]), 1)
        if slope <= 0:
            slope = None
    first = np.argmax(resolved) if resolved.any() else nu_e.size - 1
    for k, target in enumerate(targets):
        if resolved.any() and target >= mono[first]:
            # strictly increasing subsequence for interpolation
            keep = np.concatenate([[True], np.diff(mono) > 0]) & resolved
            out[k] = np.interp(target, mono[keep], nu_e[keep])
        elif slope is not None:
            out[k] = (np.log(target) - intercept) / slope
        else:
            out[k] = nu_e[first] * target / max(mono[first], resolution)
    return np.clip(out, 0.0, None)


def design_grid(
    cell: Cell,
    synapses: Synapses = DEFAULT_SYNAPSES,
    network: Network = DEFAULT_NETWORK,
    config: CharacterizationConfig | None = None,
    store: _ChunkStore | None = None,
) -> dict[str, np.ndarray]:
    """Adaptive pilot: the (nu_e, nu_i, W) grid points reaching the design's target rates.

    Returns
    -------
    dict
        ``nu_e``, ``nu_i`` (Hz), ``W`` (A, NaN where w is free), ``target_rate`` (Hz) and
        ``level`` (index of the (nu_i, W) level), one entry per grid point.
    """
    config = config or CharacterizationConfig()
    store = store or _ChunkStore(None)
    g = config.design
    n_design = g.n_points
    schema: ChunkSchema = {
        "nu_e": ((n_design,), False, 0.0),
        "nu_i": ((n_design,), False, 0.0),
        "W": ((n_design,), True, None),
        "target_rate": ((n_design,), False, 0.0),
        "level": ((n_design,), False, 0.0),
    }
    cached = store.get("design", schema)
    if cached is not None:
        return cached
    levels = g.levels
    n_lev = len(levels)
    nu_i_lv = np.array([lv[0] for lv in levels])
    w_lv = np.array([lv[1] for lv in levels])
    top = 1.2 * max(g.target_rates)

    # 1. bracket
    ladder = np.geomspace(0.1, g.nu_e_max, g.bracket_points)
    E = np.tile(ladder, n_lev)
    I_ = np.repeat(nu_i_lv, ladder.size)
    W = np.repeat(w_lv, ladder.size)
    keys = np.stack([np.zeros(E.size, int), np.arange(E.size)], 1)
    res = simulate_cells(
        cell, synapses, E, I_, network=network, duration=g.bracket_duration, dt=config.dt,
        scheme=config.scheme, seeds=derive_seeds(config.seed, keys), adaptation_clamp=W,
    )  # fmt: skip
    rates = res.rate.reshape(n_lev, ladder.size)
    lo = np.zeros(n_lev)
    hi = np.full(n_lev, g.nu_e_max)
    for k in range(n_lev):
        above = np.nonzero(rates[k] >= top)[0]
        j_hi = above[0] if above.size else ladder.size - 1
        hi[k] = ladder[j_hi]
        silent = np.nonzero(rates[k, :j_hi] == 0.0)[0]
        lo[k] = ladder[silent[-1]] if silent.size else 0.0

    def ladder_rates(ladders: np.ndarray, reps: int, duration: float, stage: int):
        """Mean rates (Hz) on per-level ladders of nu_e, shape (level, rung)."""
        n_rungs = ladders.shape[1]
        E = np.repeat(ladders.ravel(), reps)
        I_ = np.repeat(np.repeat(nu_i_lv, n_rungs), reps)
        W = np.repeat(np.repeat(w_lv, n_rungs), reps)
        keys = np.stack([np.full(E.size, stage), np.arange(E.size)], 1)
        res = simulate_cells(
            cell, synapses, E, I_, network=network, duration=duration, dt=config.dt,
            scheme=config.scheme, seeds=derive_seeds(config.seed, keys), adaptation_clamp=W,
        )  # fmt: skip
        return res.rate.reshape(n_lev, n_rungs, reps).mean(axis=2)

    def invert(ladders, rates, wanted, resolution):
        return np.stack([_invert_rates(ladders[k], rates[k], wanted, resolution)
                         for k in range(n_lev)])  # fmt: skip

    # 2. refine: a fine ladder inside the bracket
    frac = np.linspace(0.0, 1.0, g.refine_points)
    fine = lo[:, None] + (hi - lo)[:, None] * frac[None, :]  # (level, rung)
    rates = ladder_rates(fine, g.refine_seeds, g.refine_duration, 1)
    targets = np.asarray(g.target_rates, dtype=float)
    nu_e_pts = invert(fine, rates, targets, 1.0 / (g.refine_duration * g.refine_seeds))

    # 3. low rates: a longer pilot between the lowest target and low_rate
    low = targets < g.low_rate
    if low.any():
        ends = invert(fine, rates, np.array([targets.min(), g.low_rate]),
                      1.0 / (g.refine_duration * g.refine_seeds))  # fmt: skip
        a, b = ends[:, 0], np.maximum(ends[:, 1], ends[:, 0] + 1e-3)
        a, b = np.maximum(a - 0.5 * (b - a), 0.0), b + 0.5 * (b - a)  # margins both sides
        frac = np.linspace(0.0, 1.0, g.low_points)
        slow = a[:, None] + (b - a)[:, None] * frac[None, :]
        slow_rates = ladder_rates(slow, g.low_seeds, g.low_duration, 3)
        refined = invert(slow, slow_rates, targets[low], 1.0 / (g.low_duration * g.low_seeds))
        # keep the refined placement only for targets the longer ladder actually reaches
        reached = targets[low][None, :] <= slow_rates.max(axis=1)[:, None]
        nu_e_pts[:, low] = np.where(reached, refined, nu_e_pts[:, low])
    out = {
        "nu_e": nu_e_pts.ravel(),
        "nu_i": np.repeat(nu_i_lv, targets.size),
        "W": np.repeat(w_lv, targets.size),
        "target_rate": np.tile(targets, n_lev),
        "level": np.repeat(np.arange(n_lev), targets.size),
    }
    with deferred_interrupts():
        store.put("design", **out)
    return out


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
        Protocol; default: 10 s x 8 seeds at dt = 0.05 ms on the default design
        (:class:`CharacterizationConfig`).
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
    store = _ChunkStore(Path(cache_dir) / key if cache_dir is not None else None, key, force=force)
    stage = "the pilot (grid design)"
    bar = None
    n_lev = len(config.design.levels)
    lev = 0
    try:
        grid = design_grid(cell, synapses, network, config, store)
        stage = "the grid points"
        n_points = grid["nu_e"].size
        levels = grid["level"]
        rate = np.empty((n_points, config.n_seeds))
        if progress is True:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_points, desc=f"characterise {cell.name}", unit="point")
        done = 0
        for lev in range(n_lev):
            idx = np.nonzero(levels == lev)[0]
            name = f"level{lev:03d}"
            reps = config.n_seeds
            chunk = store.get(name, {"rate": ((idx.size, reps), False, 0.0)})
            if chunk is None:
                with deferred_interrupts():  # a signal waits until this chunk is stored
                    pts = np.repeat(idx, reps)
                    keys = np.stack(
                        [np.full(pts.size, 2), pts, np.tile(np.arange(reps), idx.size)], 1
                    )
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
            if bar is not None:
                bar.update(idx.size)
            elif callable(progress):
                progress(done, n_points)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", 2)
        how = str(exc) if isinstance(exc, Interrupted) else "interrupted"
        if store.folder is None:
            kept = "nothing was kept (no cache folder)"
        else:
            kept = (
                f"{store.count()} finished chunk(s) of {n_lev + 1} are kept in "
                f"{str(store.folder)!r}; rerun the same command to resume"
            )
        where = stage if stage.startswith("the pilot") else f"{stage} (level {lev} of {n_lev})"
        raise Interrupted(
            f"characterisation of {cell.name} {how} during {where}: {kept}", signum
        ) from None
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
    from ..params import from_mapping

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
    out = check_folder(out, option="--out")
    path = check_destination(out / f"tf_{cell.name}.nc", option="--out")
    check_folder(out / ".tf-cache", option="--out")
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
    write_netcdf(ds, path, option="--out")
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


#: Measured cost of one cell for one Euler time step of the compiled single-cell kernel (s),
#: on the 2-core development machine (benchmarks/bench_characterize.py order of magnitude).
CELL_STEP_COST = 2.5e-8
#: Cost of a step of each scheme relative to Euler: Heun evaluates the right-hand side twice,
#: but the Poisson draws and the loop dominate (benchmarks/bench_convergence.py).
SCHEME_COST = {"euler": 1.0, "heun": 1.2}


def estimate_cell_steps(config: CharacterizationConfig) -> float:
    """Cell-steps (cells x time steps) of a characterisation: pilot stages and grid."""
    g = config.design
    n_lev = len(g.levels)
    pilot = n_lev * (
        g.bracket_points * g.bracket_duration
        + g.refine_points * g.refine_seeds * g.refine_duration
        + (g.low_points * g.low_seeds * g.low_duration if min(g.target_rates) < g.low_rate else 0)
    )
    grid = g.n_points * config.n_seeds * config.duration
    return (pilot + grid) / config.dt


def estimate_text(config: CharacterizationConfig) -> str:
    """One line: the size of the work and a rough duration on this kind of machine."""
    steps = estimate_cell_steps(config)
    seconds = steps * CELL_STEP_COST * SCHEME_COST[config.scheme]
    if seconds < 120:
        eta = f"{seconds:.0f} s"
    elif seconds < 7200:
        eta = f"{seconds / 60:.0f} min"
    else:
        eta = f"{seconds / 3600:.1f} h"
    return (
        f"{config.design.n_points} points x {config.n_seeds} seeds x {config.duration:g} s at "
        f"dt = {config.dt * 1e3:g} ms ({config.scheme}) plus the pilot: {steps:.2g} "
        f"cell-steps, roughly {eta} "
        "on 2 cores (interrupt with Ctrl-C or SIGTERM; a rerun resumes)"
    )
