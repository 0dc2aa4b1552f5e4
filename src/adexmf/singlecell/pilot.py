"""The adaptive pilot of a characterisation: grid points reaching the design's target rates.

SPEC 4.2. For each inhibitory level (and each clamped adaptation current), in one batch over
all levels:

1. *bracket*: a geometric ladder of nu_e, short runs; the bracket ends at the first rate
   above the highest target (times a margin) and starts at the last silent rung below it;
2. *refine*: a fine linear ladder inside the bracket, a few short seeds each; the rates are
   made monotone (isotonic regression) and inverted at the targets by linear interpolation;
   targets below the resolution of the pilot are reached by extrapolating ``log(rate)``
   linearly in nu_e from the lowest resolved rates (the rate falls off exponentially below
   threshold);
3. *low rates*: targets below ``low_rate`` (1 Hz) are placed again from a ladder of longer
   runs spanning them, whose resolution (0.05 Hz by default) resolves 0.1 Hz outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..interrupts import deferred_interrupts
from ..params import DEFAULT_NETWORK, DEFAULT_SYNAPSES, Cell, Network, Synapses
from .chunks import ChunkSchema, ChunkStore
from .config import CharacterizationConfig
from .simulate import derive_seeds, simulate_cells


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


@dataclass(frozen=True)
class _Levels:
    """The cell, its inputs and the (nu_i, W) levels the pilot walks, all in one batch.

    ``nu_i`` (Hz) and ``w`` (A, NaN where w is free) hold one entry per level.
    """

    cell: Cell
    synapses: Synapses
    network: Network
    config: CharacterizationConfig
    nu_i: np.ndarray
    w: np.ndarray

    @property
    def n(self) -> int:
        """Number of levels."""
        return self.nu_i.size

    def simulate(self, E, I_, W, keys, duration: float) -> np.ndarray:
        """Output rates (Hz) of one cell per entry of ``E``, ``I_`` (Hz) and ``W`` (A)."""
        config = self.config
        res = simulate_cells(
            self.cell, self.synapses, E, I_, network=self.network, duration=duration,
            dt=config.dt, scheme=config.scheme, seeds=derive_seeds(config.seed, keys),
            adaptation_clamp=W,
        )  # fmt: skip
        return res.rate

    def ladder_rates(self, ladders: np.ndarray, reps: int, duration: float, stage: int):
        """Mean rates (Hz) on per-level ladders of nu_e, shape (level, rung)."""
        n_rungs = ladders.shape[1]
        E = np.repeat(ladders.ravel(), reps)
        I_ = np.repeat(np.repeat(self.nu_i, n_rungs), reps)
        W = np.repeat(np.repeat(self.w, n_rungs), reps)
        keys = np.stack([np.full(E.size, stage), np.arange(E.size)], 1)
        rate = self.simulate(E, I_, W, keys, duration)
        return rate.reshape(self.n, n_rungs, reps).mean(axis=2)

    def invert(self, ladders, rates, wanted, resolution) -> np.ndarray:
        """Excitatory rates (level, target) reaching ``wanted`` (:func:`_invert_rates`)."""
        return np.stack([_invert_rates(ladders[k], rates[k], wanted, resolution)
                         for k in range(self.n)])  # fmt: skip


def _bracket(levels: _Levels) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: per level, the (low, high) ends (Hz) of the nu_e range to refine."""
    g = levels.config.design
    n_lev = levels.n
    top = 1.2 * max(g.target_rates)
    ladder = np.geomspace(0.1, g.nu_e_max, g.bracket_points)
    E = np.tile(ladder, n_lev)
    I_ = np.repeat(levels.nu_i, ladder.size)
    W = np.repeat(levels.w, ladder.size)
    keys = np.stack([np.zeros(E.size, int), np.arange(E.size)], 1)
    rates = levels.simulate(E, I_, W, keys, g.bracket_duration).reshape(n_lev, ladder.size)
    lo = np.zeros(n_lev)
    hi = np.full(n_lev, g.nu_e_max)
    for k in range(n_lev):
        above = np.nonzero(rates[k] >= top)[0]
        j_hi = above[0] if above.size else ladder.size - 1
        hi[k] = ladder[j_hi]
        silent = np.nonzero(rates[k, :j_hi] == 0.0)[0]
        lo[k] = ladder[silent[-1]] if silent.size else 0.0
    return lo, hi


def _place_low_targets(levels: _Levels, fine, rates, targets, nu_e_pts) -> None:
    """Stage 3: targets below ``low_rate`` placed again from a longer ladder spanning them
    (in place in ``nu_e_pts``, where that ladder reaches them)."""
    g = levels.config.design
    low = targets < g.low_rate
    ends = levels.invert(fine, rates, np.array([targets.min(), g.low_rate]),
                         1.0 / (g.refine_duration * g.refine_seeds))  # fmt: skip
    a, b = ends[:, 0], np.maximum(ends[:, 1], ends[:, 0] + 1e-3)
    a, b = np.maximum(a - 0.5 * (b - a), 0.0), b + 0.5 * (b - a)  # margins both sides
    frac = np.linspace(0.0, 1.0, g.low_points)
    slow = a[:, None] + (b - a)[:, None] * frac[None, :]
    slow_rates = levels.ladder_rates(slow, g.low_seeds, g.low_duration, 3)
    refined = levels.invert(slow, slow_rates, targets[low], 1.0 / (g.low_duration * g.low_seeds))
    # keep the refined placement only for targets the longer ladder actually reaches
    reached = targets[low][None, :] <= slow_rates.max(axis=1)[:, None]
    nu_e_pts[:, low] = np.where(reached, refined, nu_e_pts[:, low])


def design_grid(
    cell: Cell,
    synapses: Synapses = DEFAULT_SYNAPSES,
    network: Network = DEFAULT_NETWORK,
    config: CharacterizationConfig | None = None,
    store: ChunkStore | None = None,
) -> dict[str, np.ndarray]:
    """Adaptive pilot: the (nu_e, nu_i, W) grid points reaching the design's target rates.

    Parameters
    ----------
    cell, synapses, network
        The cell, its synapses and in-degrees, as for
        :func:`~adexmf.singlecell.characterize.characterize`.
    config : CharacterizationConfig, optional
        Protocol and design (default :class:`CharacterizationConfig`).
    store : ChunkStore, optional
        Where the finished design is kept (chunk ``design``) and read back on rerun.

    Returns
    -------
    dict
        ``nu_e``, ``nu_i`` (Hz), ``W`` (A, NaN where w is free), ``target_rate`` (Hz) and
        ``level`` (index of the (nu_i, W) level), one entry per grid point.
    """
    config = config or CharacterizationConfig()
    store = store or ChunkStore(None)
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
    nu_i_lv = np.array([lv[0] for lv in g.levels])
    w_lv = np.array([lv[1] for lv in g.levels])
    levels = _Levels(cell, synapses, network, config, nu_i_lv, w_lv)
    lo, hi = _bracket(levels)
    # 2. refine: a fine ladder inside the bracket
    frac = np.linspace(0.0, 1.0, g.refine_points)
    fine = lo[:, None] + (hi - lo)[:, None] * frac[None, :]  # (level, rung)
    rates = levels.ladder_rates(fine, g.refine_seeds, g.refine_duration, 1)
    targets = np.asarray(g.target_rates, dtype=float)
    nu_e_pts = levels.invert(fine, rates, targets, 1.0 / (g.refine_duration * g.refine_seeds))
    if (targets < g.low_rate).any():  # 3. low rates: a longer pilot below low_rate
        _place_low_targets(levels, fine, rates, targets, nu_e_pts)
    out = {
        "nu_e": nu_e_pts.ravel(),
        "nu_i": np.repeat(nu_i_lv, targets.size),
        "W": np.repeat(w_lv, targets.size),
        "target_rate": np.tile(targets, levels.n),
        "level": np.repeat(np.arange(levels.n), targets.size),
    }
    with deferred_interrupts():
        store.put("design", **out)
    return out
