"""Batch mode of the ring: many parameter sets of one ring (kernels, conduction velocity,
stimulus) integrated in one compiled call, parallel across sets, returning only the requested
outputs on the requested space-time grid (the engine of the VSDi fit). SI units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..columns.engine import CH_MU_V_E, CH_MU_V_I, CH_NU_E, CH_NU_I
from ..columns.network import Sampling, method_code, sample_grid, time_steps, uniform_state
from ..errors import ParameterError
from ..meanfield import vsd_signal
from ..params import Ring, RingStimulus, population_average
from ..store import provenance
from .coupling import ring_delay_tables
from .ring import STIFFNESS_EVERY, RingModel
from .settings import (
    DEFAULT_DT,
    DEFAULT_METHOD,
    DEFAULT_VSD_INPUT,
    OUTPUTS,
    describe_ring,
    vsd_code,
)
from .stimulus import centred_stimulus, check_stimuli, stimulus_tables

#: Parameters a batch may vary per set, with their home (ring or stimulus).
BATCH_PARAMETERS: dict[str, str] = {
    "v_c": "ring",
    "l_exc": "ring",
    "l_inh": "ring",
    "amplitude": "stimulus",
    "x0": "stimulus",
    "l_stim": "stimulus",
    "t0": "stimulus",
    "tau1": "stimulus",
    "tau2": "stimulus",
}


def run_batch(
    ring_model: RingModel,
    parameters: Mapping[str, Any],
    duration: float,
    *,
    times: np.ndarray | None = None,
    positions: np.ndarray | None = None,
    outputs: Sequence[str] = ("vsd",),
    stimulus: RingStimulus | None = None,
    dt: float = DEFAULT_DT,
    method: str = DEFAULT_METHOD,
    vsd_input: str = DEFAULT_VSD_INPUT,
) -> xr.Dataset:
    """Integrate many parameter sets of one ring in one compiled call, parallel across sets.

    Each set has one stimulus (the VSDi fit's protocol). This is the engine of the fit:
    only the requested outputs, on the requested space-time grid, are returned.

    Parameters
    ----------
    ring_model : RingModel
        Column model, geometry (L, N) and drive shared by every set; the defaults of the
        varied parameters.
    parameters : mapping of str to float or array of B floats
        Per-set values (SI) of any of :data:`BATCH_PARAMETERS`: ``v_c`` (m/s), ``l_exc``,
        ``l_inh``, ``x0``, ``l_stim`` (m), ``amplitude`` (Hz), ``t0``, ``tau1``, ``tau2``
        (s). Scalars are shared.
    duration : float
        Biological time (s).
    times : array, optional
        Sample times (s), sorted, within [0, duration]; default every step.
    positions : array, optional
        Sample positions (m) on the ring, interpolated linearly (periodically) between
        columns; default the columns.
    outputs : sequence of str
        Any of :data:`OUTPUTS`.
    stimulus : RingStimulus, optional
        Defaults of the stimulus parameters; default :func:`centred_stimulus` [code].
    dt, method, vsd_input
        As in :meth:`RingModel.run`.

    Returns
    -------
    xarray.Dataset
        The requested outputs with dims (set, time, x); the parameters as ``set``
        coordinates (SI).

    Raises
    ------
    ParameterError
        For an unknown parameter or output, a value out of range (naming the set), or
        mismatched lengths, before any work.
    """
    ring = ring_model.ring
    _check_request(parameters, outputs)
    method_code(method)  # checked before any work
    lateral = vsd_code(vsd_input)
    n_steps = time_steps(duration, dt, ring_model.model)
    base_stim = centred_stimulus(ring) if stimulus is None else stimulus
    values, rings, stims = _parameter_sets(ring, base_stim, parameters, duration)
    times = np.arange(n_steps + 1) * dt if times is None else np.asarray(times, dtype=np.float64)
    step, frac = sample_grid(times, dt, n_steps)
    x = ring_model.positions
    x_out = x if positions is None else _check_positions(positions, ring.length)
    sampling = Sampling(step, frac, lateral, STIFFNESS_EVERY)
    out, worst = _integrate(ring_model, rings, stims, method, dt, n_steps, sampling)
    result = _outputs(ring_model, out, set(outputs), stims, times)
    if positions is not None:
        result = {k: periodic_interp(v, x, x_out, ring.length) for k, v in result.items()}
    settings = {"dt_s": float(dt), "duration_s": float(duration), "method": method,
                "vsd_input": vsd_input, "max_stiffness_dt": float(worst.max())}  # fmt: skip
    return _dataset(result, values, times, x_out, _attrs(ring_model, settings))


def _check_request(parameters: Mapping[str, Any], outputs: Sequence[str]) -> None:
    """Check the names of the varied parameters and of the requested outputs."""
    unknown = sorted(set(parameters) - set(BATCH_PARAMETERS))
    if unknown:
        raise ParameterError(
            f"unknown batch parameter(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(BATCH_PARAMETERS)}"
        )
    bad = sorted(set(outputs) - set(OUTPUTS))
    if bad or not outputs:
        raise ParameterError(
            f"outputs {', '.join(bad) or '(none)'} not available; allowed: {', '.join(OUTPUTS)}"
        )


def _parameter_sets(
    ring: Ring, base_stim: RingStimulus, parameters: Mapping[str, Any], duration: float
) -> tuple[dict[str, np.ndarray], list[Ring], list[RingStimulus]]:
    """The per-set values (SI, broadcast to B sets), and each set's ring and stimulus,
    checked against the ring and the run's ``duration`` (s) (an error names the set)."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in parameters.items()}
    sizes = {k: a.size for k, a in arrays.items() if a.size != 1}
    B = max(sizes.values(), default=1)
    if any(s != B for s in sizes.values()) or any(a.ndim != 1 for a in arrays.values()):
        raise ParameterError(
            "batch parameters must be scalars or 1-D arrays of one common length; got "
            + ", ".join(f"{k}: {a.shape}" for k, a in arrays.items())
        )
    values = {k: np.broadcast_to(a, B) for k, a in arrays.items()}
    rings: list[Ring] = []
    stims: list[RingStimulus] = []
    for b in range(B):
        try:
            rings.append(ring.replace(
                **{k: float(v[b]) for k, v in values.items() if BATCH_PARAMETERS[k] == "ring"}
            ))  # fmt: skip
            stim = base_stim.replace(
                **{k: float(v[b]) for k, v in values.items() if BATCH_PARAMETERS[k] == "stimulus"}
            )
            stims.append(check_stimuli([stim], ring.length, duration)[0])
        except ParameterError as exc:
            raise ParameterError(f"parameter set {b}: {exc}") from None
    return values, rings, stims


def _check_positions(positions: np.ndarray, length: float) -> np.ndarray:
    """Sample positions (m) as a float array, checked to lie on the ring [0, L)."""
    x_out = np.asarray(positions, dtype=np.float64)
    if x_out.ndim != 1 or np.any((x_out < 0) | (x_out >= length)):
        raise ParameterError(f"positions must be a 1-D array within [0, {length:g}) m (the ring)")
    return x_out


def _integrate(
    ring_model: RingModel,
    rings: list[Ring],
    stims: list[RingStimulus],
    method: str,
    dt: float,
    n_steps: int,
    sampling: Sampling,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the sets on the engine's batch mode: samples (B, n_times, 5, N) of every set and
    the largest stiffness x dt of each set."""
    ring = ring_model.ring
    x = ring_model.positions
    B, N = len(rings), ring.n_units
    t_grid = np.arange(n_steps + 1) * dt
    profiles = np.empty((B, 1, N))
    courses = np.empty((B, 1, n_steps + 1))
    for b, s in enumerate(stims):
        profiles[b], courses[b] = stimulus_tables([s], x, t_grid, ring.length)
    return ring_model.network(dt).integrate_batch(
        [ring_delay_tables(r, dt) for r in rings],
        uniform_state(ring_model.homogeneous_state().vector, N), np.full(N, float(ring.drive)),
        profiles, courses, dt, n_steps, method, sampling,
    )


def _outputs(
    ring_model: RingModel,
    out: np.ndarray,
    want: set[str],
    stims: list[RingStimulus],
    times: np.ndarray,
) -> dict[str, np.ndarray]:
    """The requested outputs (set, time, x) on the columns, from the kernel's samples."""
    g = ring_model.inhibitory_fraction
    result: dict[str, np.ndarray] = {}
    if want & {"mu_V", "vsd"}:
        mu_V = population_average(out[:, CH_MU_V_E], out[:, CH_MU_V_I], g)
        if "mu_V" in want:
            result["mu_V"] = mu_V
        if "vsd" in want:
            mu0 = ring_model.baseline_potential()
            result["vsd"] = vsd_signal(mu_V, mu0)
    if "nu_e" in want:
        result["nu_e"] = out[:, CH_NU_E]
    if "nu_i" in want:
        result["nu_i"] = out[:, CH_NU_I]
    if "nu" in want:
        result["nu"] = population_average(out[:, CH_NU_E], out[:, CH_NU_I], g)
    if "nu_aff" in want:
        # the stimulus itself at the sample times (not interpolated between steps)
        x, length = ring_model.positions, ring_model.ring.length
        result["nu_aff"] = np.empty((len(stims), times.size, x.size))
        for b, s in enumerate(stims):
            p, c = stimulus_tables([s], x, times, length)
            result["nu_aff"][b] = c.T @ p
    return result


def _attrs(ring_model: RingModel, settings: dict[str, Any]) -> dict[str, Any]:
    """Attrs of a batch: the column, the ring, the run's settings and the provenance."""
    return {
        "model": "ring batch",
        "column": ring_model.model.label,
        "preset": ring_model.model.preset.name,
        **describe_ring(ring_model.ring),
        **settings,
        **provenance(),
    }


def _dataset(
    result: dict[str, np.ndarray],
    values: dict[str, np.ndarray],
    times: np.ndarray,
    x: np.ndarray,
    attrs: dict[str, Any],
) -> xr.Dataset:
    """The outputs with dims (set, time, x) and the varied parameters as ``set``
    coordinates (SI)."""
    units = {"nu_aff": "Hz", "nu_e": "Hz", "nu_i": "Hz", "nu": "Hz", "mu_V": "V", "vsd": "1"}
    coords: dict[str, Any] = {
        "time": ("time", times, {"units": "s"}),
        "x": ("x", x, {"units": "m"}),
    }
    unit_of = {"v_c": "m/s", "amplitude": "Hz", "t0": "s", "tau1": "s", "tau2": "s"}
    for k, v in values.items():
        coords[k] = ("set", np.array(v), {"units": unit_of.get(k, "m")})
    return xr.Dataset(
        {k: (("set", "time", "x"), v, {"units": units[k]}) for k, v in result.items()},
        coords=coords,
        attrs=attrs,
    )


def periodic_interp(values: np.ndarray, x: np.ndarray, x_new: np.ndarray, length: float):
    """Linear interpolation along the last axis of ``values`` sampled at the evenly spaced
    ``x`` (m) of a ring of ``length`` (m), at ``x_new`` (m)."""
    dx = length / x.size
    u = np.asarray(x_new) / dx
    j = np.floor(u).astype(np.int64) % x.size
    f = u - np.floor(u)
    return (1 - f) * values[..., j] + f * values[..., (j + 1) % x.size]
