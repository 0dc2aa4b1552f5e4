"""Input replay (issue 26, item 1): do the inputs a network RS cell receives carry the cause
of the mean field's error, and which property of them does?

A transfer function is measured on isolated cells under independent Poisson input; the
network's RS cells at b >= 20 pA fire 11-21 % below such cells at the network's own mean
rates. Here the spike trains that a sample of network RS cells actually received are
recorded (NEST: the network of :meth:`NetworkRun.network_model`, its connections into the
sample) and replayed into isolated copies of the cell, each copy reading the same
presynaptic trains through the same synapses as its original. Each surrogate removes one
property of the replayed input, from the network's own trains to the transfer function's
assumption:

- ``replay``: the recorded trains as they are (the copies should fire as the originals);
- ``ei_shift``: the inhibitory trains shifted together by a random circular lag (0.25-0.75
  of the window): the excitation-inhibition alignment is gone, the structure within each
  population is kept;
- ``isi_shuffle``: the interspike intervals of every presynaptic train permuted (circularly,
  from a random phase): each train keeps its rate and its regularity, the synchrony between
  trains (shared population fluctuations, E-I alignment) is gone;
- ``gamma``: every presynaptic train an independent gamma renewal train at its own rate,
  with the mean coefficient of variation of its population's trains (one number per
  population: if this restores the network's rate, the regularity of the trains, as a
  renewal process, is the whole mechanism);
- ``poisson``: every presynaptic train Poisson at its own rate (regularity gone too);
- ``poisson_mean``: every presynaptic train Poisson at its population's mean rate (the rate
  heterogeneity of the sources gone: the transfer function's input, with the sample's own
  in-degrees).

The external drive is an independent Poisson train per cell in the network (the
"independent" drive, Poisson events); the copies get a fresh one of the same rate. The
surrogates act on ``[t_surrogate, T]``; before it every copy reads the recorded trains (the
same warm-up), and rates are counted on ``[t_measure, T]``, later by more than the
adaptation's time constant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..engines.nest_cells import import_nest
from ..engines.nest_network import build_network, cell_parameters, connect_drive
from ..errors import ParameterError
from ..network.run_spec import NetworkRun
from ..store import provenance

#: The surrogates, from the network's own input to the transfer function's (module docstring).
SURROGATES: tuple[str, ...] = ("replay", "ei_shift", "isi_shuffle", "gamma", "poisson",
                                "poisson_mean")  # fmt: skip


@dataclass(frozen=True)
class RecordedInputs:
    """What a sample of network RS cells received and how they fired.

    Attributes
    ----------
    run : NetworkRun
        The network run (Poisson drive events).
    times, sources : ndarray
        Every recurrent spike (s, NEST's stamps) and its source neuron (0-based; excitatory
        sources first: ``sources < n_exc``), sorted by source then time.
    n_exc, n_total : int
        Sizes of the network.
    pre, post, weight : ndarray
        Recurrent connections into the sample: source neuron, target index in the sample
        (0..n_targets-1), NEST weight (nS, negative for inhibition).
    target_rates : ndarray
        Rate (Hz) of every sampled cell in the network on ``[t_measure, T]``.
    t_surrogate, t_measure : float
        Start of the surrogates and of the rate count (s).
    """

    run: NetworkRun
    times: np.ndarray
    sources: np.ndarray
    n_exc: int
    n_total: int
    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    target_rates: np.ndarray
    t_surrogate: float
    t_measure: float

    @property
    def n_targets(self) -> int:
        return int(self.target_rates.size)


def _start_kernel(nest, dt: float, seed: int) -> None:
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt * 1e3, "local_num_threads": 1,
                          "rng_seed": int(seed) + 1, "print_time": False})  # fmt: skip


def _window_rates(times, cells, n_cells: int, start: float, stop: float) -> np.ndarray:
    """Rate (Hz) of each of ``n_cells`` cells from its spike times in ``[start, stop)``."""
    inside = (times >= start) & (times < stop)
    return np.bincount(cells[inside], minlength=n_cells) / (stop - start)


def record_inputs(
    run: NetworkRun, n_targets: int, t_surrogate: float, t_measure: float
) -> RecordedInputs:
    """Simulate ``run`` in NEST and record the recurrent input of ``n_targets`` RS cells.

    Parameters
    ----------
    run : NetworkRun
        The network (its drive is simulated with Poisson events, NEST's generators).
    n_targets : int
        Sampled excitatory cells (drawn with the run's seed).
    t_surrogate, t_measure : float
        Start of the surrogates and of the rate count (s), ``0 < t_surrogate <= t_measure <
        duration``.
    """
    if not 0 < t_surrogate <= t_measure < run.duration:
        raise ParameterError(
            f"t_surrogate = {t_surrogate:g} s, t_measure = {t_measure:g} s; allowed: 0 < "
            f"t_surrogate <= t_measure < duration = {run.duration:g} s"
        )
    model = run.network_model()
    n_exc = model.population("exc").size
    if not 1 <= n_targets <= n_exc:
        raise ParameterError(f"n_targets = {n_targets}; allowed: 1 to {n_exc} (the RS cells)")
    nest = import_nest()
    _start_kernel(nest, model.dt, run.seed)
    groups = build_network(nest, model, model.external_rates(run.duration), run.duration)
    neurons = groups["exc"] + groups["inh"]
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    nest.Simulate(model.n_steps(run.duration) * model.dt * 1e3)
    first = neurons[0].global_id
    events = recorder.get("events")
    times = np.asarray(events["times"], dtype=np.float64) * 1e-3
    sources = np.asarray(events["senders"], dtype=np.int64) - first
    order = np.lexsort((times, sources))
    rng = np.random.default_rng(run.seed)
    sample = np.sort(rng.choice(n_exc, n_targets, replace=False))
    conns = nest.GetConnections(source=neurons, target=groups["exc"][sample.tolist()])
    table = conns.get(("source", "target", "weight"), output="pandas")
    post = np.searchsorted(sample, table["target"].to_numpy() - first)
    own = np.isin(sources, sample)
    target_rates = _window_rates(times[own], np.searchsorted(sample, sources[own]), n_targets,
                                 t_measure, run.duration + 1e-12)  # fmt: skip
    return RecordedInputs(
        run=run, times=times[order], sources=sources[order], n_exc=n_exc,
        n_total=len(neurons), pre=table["source"].to_numpy() - first, post=post,
        weight=table["weight"].to_numpy(dtype=np.float64), target_rates=target_rates,
        t_surrogate=float(t_surrogate), t_measure=float(t_measure),
    )  # fmt: skip


def _check_surrogates(kinds) -> None:
    for kind in kinds:
        if kind not in SURROGATES:
            raise ParameterError(f"surrogate = {kind!r}; allowed: {', '.join(SURROGATES)}")


def surrogate_trains(
    times: np.ndarray,
    sources: np.ndarray,
    n_exc: int,
    window: tuple[float, float],
    kind: str,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The spikes of every source with one property removed inside ``window`` (s).

    Spikes outside the window are kept as they are. ``times``, ``sources`` sorted by source
    then time; returns the new trains in the same order (see the module docstring for
    ``kind``).
    """
    _check_surrogates((kind,))
    start, stop = window
    inside = (times >= start) & (times < stop)
    t, s = times[inside], sources[inside]
    if kind == "ei_shift":
        lag = rng.uniform(0.25, 0.75) * (stop - start)
        inh = s >= n_exc
        t = t.copy()
        t[inh] = start + np.mod(t[inh] - start + lag, stop - start)
    elif kind == "isi_shuffle":
        t = _shuffled_intervals(t, s, start, stop, rng)
    elif kind == "gamma":
        t, s = _matched_gamma_trains(t, s, n_exc, int(sources.max(initial=-1)) + 1, window, rng)
    elif kind in ("poisson", "poisson_mean"):
        t, s = _poisson_trains(s, n_exc, int(sources.max(initial=-1)) + 1, start, stop,
                               kind == "poisson_mean", rng)  # fmt: skip
    merged_t = np.concatenate([times[~inside], t])
    merged_s = np.concatenate([sources[~inside], s])
    order = np.lexsort((merged_t, merged_s))
    return merged_t[order], merged_s[order]


def _shuffled_intervals(t, s, start: float, stop: float, rng) -> np.ndarray:
    """Each source's spikes (sorted by source then time) with their circular intervals
    permuted, from a random phase: same count, same intervals, no timing kept."""
    length = stop - start
    out = np.empty_like(t)
    bounds = np.flatnonzero(np.diff(s)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, t.size], strict=True):
        train = t[lo:hi]
        gaps = np.diff(np.r_[train, train[0] + length])  # circular intervals, sum = length
        cum = np.cumsum(rng.permutation(gaps))
        out[lo:hi] = np.sort(start + np.mod(rng.uniform(0.0, length) + cum, length))
    return out


def population_cvs(times, sources, n_exc: int, window: tuple[float, float]) -> tuple[float, float]:
    """Coefficient of variation of the ISIs of the excitatory and of the inhibitory trains in
    ``window``: each interval times its train's rate (count / window), pooled over the
    population. (The mean of per-train CVs is biased low when a train has a few spikes in
    the window, as at 3 Hz over 2 s; rescaling by the count's rate is nearly unbiased.)"""
    start, stop = window
    inside = (times >= start) & (times < stop)
    t, s = times[inside], sources[inside]
    same = s[1:] == s[:-1]
    rate = np.bincount(s, minlength=int(sources.max(initial=-1)) + 1) / (stop - start)
    scaled, owner = np.diff(t)[same] * rate[s[1:][same]], s[1:][same]
    out = []
    for pick in (owner < n_exc, owner >= n_exc):
        x = scaled[pick]
        out.append(float(x.std() / x.mean()) if x.size > 1 else float("nan"))
    return out[0], out[1]


def _matched_gamma_trains(t, s, n_exc: int, n_sources: int, window, rng, iterations: int = 3):
    """Gamma trains whose population CVs, measured by :func:`population_cvs` on the window,
    are those of the given trains: the estimator is biased low for trains of a few spikes,
    so the shapes are corrected until the surrogate measures as the original (a few %)."""
    target = np.array(population_cvs(t, s, n_exc, window))
    cv = target.copy()
    for _ in range(iterations):
        state = rng.bit_generator.state
        gt, gs = _gamma_trains(s, n_exc, n_sources, window, tuple(cv), rng)
        cv = cv * target / np.array(population_cvs(gt, gs, n_exc, window))
        rng.bit_generator.state = state  # the same draws: the correction converges smoothly
    return _gamma_trains(s, n_exc, n_sources, window, tuple(cv), rng)


def _gamma_trains(s, n_exc: int, n_sources: int, window, cv: tuple[float, float], rng):
    """Independent stationary gamma renewal trains at each source's rate in the window,
    shape 1 / CV^2 of its population (a random phase: the train starts five mean
    intervals before the window)."""
    start, stop = window
    counts = np.bincount(s, minlength=n_sources)
    out_t, out_s = [], []
    for k in np.flatnonzero(counts):
        rate = counts[k] / (stop - start)
        c = cv[0] if k < n_exc else cv[1]
        shape = 1.0 / max(c, 0.05) ** 2 if np.isfinite(c) else 1.0  # no ISI seen: Poisson
        n = int(counts[k] * 2 + 20)
        t = start - 5.0 / rate + np.cumsum(rng.gamma(shape, 1.0 / (shape * rate), n))
        t = t[(t >= start) & (t < stop)]
        out_t.append(t)
        out_s.append(np.full(t.size, k))
    return np.concatenate(out_t), np.concatenate(out_s)


def _poisson_trains(s, n_exc: int, n_sources: int, start: float, stop: float,
                    population_mean: bool, rng) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Poisson trains at each source's own rate in the window (or at its population's mean
    rate), sorted by source then time."""
    counts = np.bincount(s, minlength=n_sources).astype(np.float64)
    if population_mean:
        counts[:n_exc] = counts[:n_exc].mean()
        counts[n_exc:] = counts[n_exc:].mean()
    drawn = rng.poisson(counts)
    src = np.repeat(np.arange(n_sources), drawn)
    t = rng.uniform(start, stop, src.size)
    order = np.lexsort((t, src))
    return t[order], src[order]


def _grid_trains(times, sources, dt: float) -> list[dict[str, list[float]]]:
    """``spike_times`` (ms) of one spike_generator per source: on the step grid, at least
    one step, one spike per step at most (two Poisson events in one 0.1 ms step are merged:
    ~0.1 % of the events at 10 Hz)."""
    steps = np.maximum(np.rint(times / dt).astype(np.int64), 1)
    key = np.unique(sources * (1 << 40) + steps)
    src, step = key >> 40, key & ((1 << 40) - 1)
    bounds = np.searchsorted(src, np.arange(int(sources.max(initial=-1)) + 2))
    ms = step * (dt * 1e3)
    return [{"spike_times": ms[lo:hi].tolist()} for lo, hi in zip(bounds[:-1], bounds[1:],
                                                                  strict=True)]  # fmt: skip


def _add_copies(nest, recorded: RecordedInputs, model, times, sources):
    """Copies of the sample reading ``times``/``sources`` through its connections, with a
    fresh drive; returns their spike recorder and first node id."""
    dt = model.dt
    gens = nest.Create("spike_generator", recorded.n_total)
    gens.set(_grid_trains(times, sources, dt))
    copies = nest.Create("aeif_cond_exp", recorded.n_targets,
                         params=cell_parameters(model, model.population("exc")))  # fmt: skip
    g0, c0 = gens[0].global_id, copies[0].global_id
    nest.Connect(recorded.pre + g0, recorded.post + c0, "one_to_one",
                 {"synapse_model": "static_synapse", "weight": recorded.weight,
                  "delay": np.full(recorded.pre.size, dt * 1e3)})  # fmt: skip
    connect_drive(nest, model, model.external_rates(recorded.run.duration),
                  recorded.run.duration, {"exc": copies})  # fmt: skip
    rec = nest.Create("spike_recorder")
    nest.Connect(copies, rec)
    return rec, c0


def replay_rates(
    recorded: RecordedInputs, surrogates: tuple[str, ...] = SURROGATES, seed: int = 0
) -> xr.Dataset:
    """Rates of isolated copies of the sampled cells under each surrogate of their input.

    Returns
    -------
    xarray.Dataset
        ``rate`` (surrogate, cell) and ``network_rate`` (cell), Hz on ``[t_measure, T]``;
        ``mean_rate`` (surrogate) and ``network_mean_rate``; the sample's in-degrees
        ``k_e``, ``k_i`` (cell); ``source_cv`` (population): the mean CV of the ISIs of the
        network's trains on ``[t_measure, T]``; settings and provenance in attrs.
    """
    _check_surrogates(surrogates)  # before any simulation
    nest = import_nest()
    run = recorded.run
    model = run.network_model()
    _start_kernel(nest, model.dt, seed)
    rng = np.random.default_rng(seed)
    window = (recorded.t_surrogate, run.duration + model.dt)
    recorders = []
    for kind in surrogates:
        t, s = surrogate_trains(recorded.times, recorded.sources, recorded.n_exc, window, kind,
                                rng)  # fmt: skip
        recorders.append(_add_copies(nest, recorded, model, t, s))
    nest.Simulate(model.n_steps(run.duration) * model.dt * 1e3)
    rates = np.empty((len(surrogates), recorded.n_targets))
    for row, (rec, c0) in enumerate(recorders):
        ev = rec.get("events")
        rates[row] = _window_rates(np.asarray(ev["times"]) * 1e-3,
                                   np.asarray(ev["senders"], dtype=np.int64) - c0,
                                   recorded.n_targets, recorded.t_measure,
                                   run.duration + 1e-12)  # fmt: skip
    exc = recorded.pre < recorded.n_exc
    cells = ("cell",)
    measured = (recorded.t_measure, run.duration + model.dt)
    cv_e, cv_i = population_cvs(recorded.times, recorded.sources, recorded.n_exc, measured)
    return xr.Dataset(
        {
            "rate": (("surrogate", "cell"), rates, {"units": "Hz"}),
            "mean_rate": (("surrogate",), rates.mean(axis=1), {"units": "Hz"}),
            "network_rate": (cells, recorded.target_rates, {"units": "Hz"}),
            "network_mean_rate": ((), recorded.target_rates.mean(), {"units": "Hz"}),
            "k_e": (cells, np.bincount(recorded.post[exc], minlength=recorded.n_targets)),
            "k_i": (cells, np.bincount(recorded.post[~exc], minlength=recorded.n_targets)),
            "source_cv": (("population",), [cv_e, cv_i],
                          {"long_name": "mean CV of the ISIs of the network's trains"}),
        },
        coords={"surrogate": list(surrogates), "population": ["exc", "inh"]},
        attrs={"drive_Hz": run.drive, "rs_b_A": float(run.rs_b or 0.0),
               "n_total": run.n_total, "duration_s": run.duration, "network_seed": run.seed,
               "replay_seed": int(seed), "t_surrogate_s": recorded.t_surrogate,
               "t_measure_s": recorded.t_measure, "backend": "nest", **provenance()},
    )  # fmt: skip


def replay_task(spec: dict) -> xr.Dataset:
    """One point of the replay experiment (a Dask task of :func:`adexmf.sweep.run_tasks`):
    ``spec`` holds ``drive_Hz``, ``rs_b_A``, ``n_total``, ``duration_s``, ``seed``,
    ``n_targets``, ``t_surrogate_s`` and ``t_measure_s``."""
    run = NetworkRun(n_total=int(spec["n_total"]), drive=float(spec["drive_Hz"]),
                     rs_b=float(spec["rs_b_A"]), duration=float(spec["duration_s"]),
                     seed=int(spec["seed"]), drive_events="poisson")  # fmt: skip
    recorded = record_inputs(run, int(spec["n_targets"]), float(spec["t_surrogate_s"]),
                             float(spec["t_measure_s"]))  # fmt: skip
    return replay_rates(recorded, seed=int(spec["seed"]) + 1)
