"""Where the UP-DOWN cycle turns: the population's mean adaptation current W at each UP-state
onset and offset, in the spiking network and in a mean field (issue 26, item 4).

Without subthreshold adaptation (a = 0) every RS cell's w obeys ``dw/dt = -w / tau_w + b x
(its spikes)``, so the population mean obeys ``dW/dt = -W / tau_w + b nu_e``, the mean
field's equation, exactly: W is the excitatory population rate filtered by
``b exp(-t / tau_w)`` (:func:`population_adaptation`, each bin's rate held constant). The
cycle is cut into phases (:func:`cycle_phases`): DOWN where the rate stays below
:data:`DOWN_RATE` for at least :data:`MIN_DOWN`, UP in between (at least :data:`MIN_UP`),
sub-bursts included (the
regime criterion's :func:`adexmf.timeseries.up_states` splits the network's UP phases at
their sub-bursts: its levels are set by the opening peaks). The W at which a model leaves
its DOWN state (onset) and its UP state (offset), against the folds of the mean field's
fast subsystem (:func:`adexmf.meanfield.slow_fast.bistable_window`) and the frozen-W network
(:mod:`.frozen_adaptation`), say which transition sets the cycle's timing: in a DOWN state
(nu_e ~ 0) W decays freely, so a DOWN state lasts about tau_w ln(W_offset / W_onset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy.signal import lfilter

from ..errors import ParameterError
from ..meanfield.analysis import MeanFieldModel
from ..network.run_spec import NetworkRun
from ..params import load_preset
from ..timeseries import SILENT_RATE
from .protocol import run_network_tasks, simulate_run
from .regimes import population_rate
from .updown import B_RANGE, BIN, DRIVE_RANGE, DURATION, T_START, mean_field_course, network_specs
from .validity_map import check_grid

#: Statistics of the turns of a run: median W (A) at the UP onsets and offsets, median UP
#: and DOWN durations (s), the mean rate of the UP phases (Hz) and their number.
TURN_STATS = ("w_onset", "w_offset", "up_duration", "down_duration", "up_rate", "n_up")
#: A DOWN phase: the rate below DOWN_RATE (Hz; the regime criterion's silent rate, 10-100
#: times the DOWN states' 0.001-0.01 Hz) for MIN_DOWN (s) or longer; an UP phase lasts at
#: least MIN_UP (s: the network's opening peaks last ~50 ms).
DOWN_RATE = SILENT_RATE
MIN_DOWN = 0.1
MIN_UP = 0.03


def population_adaptation(rate: np.ndarray, bin_width: float, b: float,
                          tau_w: float) -> np.ndarray:  # fmt: skip
    """Mean adaptation current W (A) at the end of each bin of an excitatory rate series
    (Hz, bins of ``bin_width`` s from a state with W = 0), for spike-triggered adaptation
    ``b`` (A) with time constant ``tau_w`` (s) and a = 0: the exact solution of
    dW/dt = -W / tau_w + b nu_e for a rate constant within each bin."""
    decay = np.exp(-bin_width / tau_w)
    return lfilter([b * tau_w * (1.0 - decay)], [1.0, -decay], np.asarray(rate, float))


def cycle_phases(rate: np.ndarray, bin_width: float) -> np.ndarray:
    """UP-phase mask (bool per bin) of a rate series (Hz): runs of bins at or above
    :data:`DOWN_RATE`, with blips shorter than :data:`MIN_UP` dropped (a few spikes in a
    DOWN state) and dips shorter than :data:`MIN_DOWN` filled (between sub-bursts)."""
    up = np.asarray(rate, float) >= DOWN_RATE
    up = _drop_short_runs(up, int(round(MIN_UP / bin_width)))
    return ~_drop_short_runs(~up, int(round(MIN_DOWN / bin_width)))


def _drop_short_runs(mask: np.ndarray, shortest: int) -> np.ndarray:
    """``mask`` without its True runs shorter than ``shortest`` bins."""
    out = mask.copy()
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    for a, z in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if z - a < shortest:
            out[a:z] = False
    return out


def turn_statistics(rate: np.ndarray, W: np.ndarray, bin_width: float) -> np.ndarray:
    """:data:`TURN_STATS` of one run from :data:`T_START` (rate in Hz and W in A per bin
    from t = 0), over its complete UP phases; NaN without two of them."""
    start = int(round(T_START / bin_width))
    r, w = np.asarray(rate[start:], float), W[start:]
    edges = np.diff(cycle_phases(r, bin_width).astype(np.int8))
    on, off = np.flatnonzero(edges == 1) + 1, np.flatnonzero(edges == -1) + 1
    if on.size and off.size and off[0] < on[0]:
        off = off[1:]  # the run starts UP: that phase has no onset
    n = min(on.size, off.size)
    if n < 2:
        return np.array([np.nan] * 5 + [float(n)])
    on, off = on[:n], off[:n]
    up_rate = np.mean([r[a:z].mean() for a, z in zip(on, off, strict=True)])
    return np.array([np.median(w[on - 1]), np.median(w[off - 1]),
                     np.median(off - on) * bin_width, np.median(on[1:] - off[:-1]) * bin_width,
                     up_rate, float(n)])


def series_task(spec: dict[str, Any]) -> xr.Dataset:
    """One network run of the UP-DOWN map (:func:`adexmf.compare.updown.network_specs`): its
    excitatory rate (Hz) in the map's bins from t = 0 (a Dask task)."""
    run = NetworkRun.from_mapping(spec)
    ds = simulate_run(run)
    rate = population_rate(ds.spike_time.values, ds.spike_neuron.values, int(ds.attrs["n_exc"]),
                           0.0, run.duration, spec["regime_bin_s"])  # fmt: skip
    return xr.Dataset({"rate": (("time",), rate, {"units": "Hz"})})


def _rs_tau_w(preset: Path | str) -> float:
    """tau_w (s) of the preset's RS cells, which must have a = 0."""
    p = load_preset(str(preset))
    cell = p.cells[p.network.excitatory_cell]
    if cell.a != 0.0 or not cell.tau_w:
        raise ParameterError(f"the {cell.name} cells have a = {cell.a:g} S; allowed: a = 0 and "
                             "a tau_w (the mean W follows the rate only then)")  # fmt: skip
    return float(cell.tau_w)


def turn_map(preset: Path | str, models: Mapping[str, MeanFieldModel], drive: float,
             b_values: Sequence[float], *, seeds: int = 1, out: str | Path = "adexmf-results/turns",
             scheduler: str | None = None, progress: bool = False) -> xr.Dataset:  # fmt: skip
    """:data:`TURN_STATS` of the network (``network_turns``: seed, b, turn_stat) and of each
    first-order or second-order model with W run like it (``mf_turns``: model, b,
    turn_stat; deterministic, no noise) at one drive (Hz) and each b (A). Network runs are
    Dask tasks stored in ``out/tasks`` and skipped on rerun."""
    d, b = check_grid([drive], b_values, DRIVE_RANGE, B_RANGE)
    tau_w = _rs_tau_w(preset)
    seed_list = list(range(1, int(seeds) + 1))
    specs = network_specs(preset, d, b, seed_list)
    for spec in specs:
        spec["protocol"] = "updown_series"  # its own task: the whole series is kept
    runs = run_network_tasks(series_task, specs, out, scheduler, progress)
    net = np.array([turn_statistics(r.rate.values, population_adaptation(
        r.rate.values, BIN, float(bb), tau_w), BIN) for r, bb in
        zip(runs, np.repeat(b, len(seed_list)), strict=True)])  # fmt: skip
    net = net.reshape(b.size, len(seed_list), len(TURN_STATS)).transpose(1, 0, 2)
    mf = np.full((len(models), b.size, len(TURN_STATS)), np.nan)
    for m, model in enumerate(models.values()):
        for j, bb in enumerate(b):
            ds = mean_field_course(model, float(d[0]), float(bb), seed=1)
            rate = ds.rate.sel(population="exc").values[1:]  # bins ending at each sample
            mf[m, j] = turn_statistics(rate, ds.W.values[1:], BIN)
    return xr.Dataset(
        {"network_turns": (("seed", "b", "turn_stat"), net),
         "mf_turns": (("model", "b", "turn_stat"), mf)},
        coords={"seed": seed_list, "b": ("b", b, {"units": "A"}), "model": list(models),
                "turn_stat": list(TURN_STATS)},
        attrs={"drive_Hz": float(d[0]), "tau_w_s": tau_w, "duration_s": DURATION,
               "t_start_s": T_START, "bin_s": BIN, "units": "A, A, s, s, Hz, 1",
               "down_rate_Hz": DOWN_RATE, "min_down_s": MIN_DOWN},
    )  # fmt: skip
