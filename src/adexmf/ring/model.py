"""Ring and 2-D sheet of mean-field columns with conduction delays (SPEC 8).

Each column is the node of :mod:`adexmf.meanfield.node` (the only copy of the mean-field
equations); this module only assembles its inputs. The unit at x receives

    nu_e_in(x, t) = nu_drive + sum_y w_e(x - y) nu_e(y, t - |x - y| / v_c)
    nu_i_in(x, t) =            sum_y w_i(x - y) nu_i(y, t - |x - y| / v_c)

(plus the afferent stimulus on its excitatory cells), routed into the column by
:func:`~adexmf.meanfield.node.route_inputs`. Distances are the shortest way round the ring;
the Gaussian kernels are discretised on the grid and normalised to sum 1, so the homogeneous
state of the ring is the fixed point of a single column (:func:`adexmf.meanfield.fixed_point`).

**Delays** are interpolated linearly in time on a history buffer (never floored to steps):
the rate of column y seen at x at time t_n is
``(1 - f) nu(y, t_{n-s}) + f nu(y, t_{n-s-1})`` with ``s + f = |x - y| / (v_c dt)``. Delays
shorter than one step (the column's own rate, near neighbours on fine grids) read the state
being computed: Heun's corrector uses its predictor there, so both schemes keep their order.
Each step splits the lateral sums into the part from rows already known (computed once per
step) and the part from the current row (recomputed at each Heun stage). The buffer stores
each history row twice (and each row's units twice, for the periodic wrap), so the inner
loops are contiguous, with no modulo.

**Outputs** are sampled at requested times by linear interpolation between steps: rates,
and the mean membrane potentials of both populations from the column's own observables
(:func:`~adexmf.meanfield.node.column_observables`) at the same inputs; the population
average ``(1 - g) mu_V^exc + g mu_V^inh`` and dV/V0 are formed afterwards with
:func:`adexmf.params.population_average`. The VSD-like signal includes the afferent input of
the excitatory cells by default (as the single column, SPEC 5.4); ``vsd_input="lateral"``
is the authors' choice (lateral inputs only).

**The sheet** (N x N columns, periodic or open edges) uses the same node and the same
interpolated delays; its lateral sums are convolutions per delay step, done in Fourier space
(:mod:`numpy.fft`), because a direct sum over all pairs (N^4 per step) is far too slow at
N = 64.

Integrator: forward Euler at dt = 0.5 ms by default (Heun is an option). Measured at the
defaults (N = 120, reference stimulus [code], 600 ms; docs/paper-vs-code.md has the table):
peak dV/V0, its time and the early-response line change by <= 0.03 % between dt and dt/2
and between N = 120 and 240, for Euler and Heun alike; Euler at 1 ms meets the criterion
too but runs at stiffness x dt ~ 1, half its stability limit, so 0.5 ms keeps a margin for
stronger stimuli.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError, check_range
from ..layouts import N_MODEL, S_NU_E, S_NU_I
from ..meanfield import MeanFieldModel, fixed_point
from ..params import REFERENCE_STIMULI, Ring, RingStimulus, Sheet, population_average
from ..stimuli import double_gaussian, gaussian_space_time
from ..store import provenance
from .kernels import (
    CH_MU_V_E,
    CH_MU_V_I,
    CH_NU_E,
    CH_NU_I,
    N_CHANNELS,
    node_derivatives,
    node_record,
    project_units,
    ring_batch_kernel,
    ring_kernel,
)

#: Integration schemes.
METHODS = {"euler": 0, "heun": 1}
#: Default scheme and step (s): the cheapest that meets the < 1 % convergence criterion.
DEFAULT_METHOD = "euler"
DEFAULT_DT = 5e-4
#: Quantities a run or a batch can return.
OUTPUTS = ("nu_aff", "nu_e", "nu_i", "nu", "mu_V", "vsd")
#: Inputs seen by the VSD-like signal: afferent included (default) or lateral only.
VSD_INPUTS = ("total", "lateral")


# ----------------------------------------------------------------------------- helpers
def packed_model(model: MeanFieldModel) -> np.ndarray:
    """The model vector of the column (``MF_*`` layout) as a contiguous float64 array."""
    mp = np.array(model.packed, dtype=np.float64)
    if mp.size != N_MODEL:
        raise ParameterError(
            f"MeanFieldModel.packed has {mp.size} entries; the column node needs the "
            f"{N_MODEL}-entry MF_* layout of adexmf.layouts"
        )
    return mp


def ring_distances(length: float, n_units: int) -> np.ndarray:
    """Distance (m) from unit 0 to unit m = 0..N-1, the shortest way round the ring."""
    m = np.arange(n_units)
    return np.minimum(m, n_units - m) * (length / n_units)


def gaussian_kernel(distance: np.ndarray, width: float) -> np.ndarray:
    """Gaussian weights of the given distances (m) for a standard deviation ``width`` (m),
    normalised to sum 1 over the grid (so that the homogeneous state is the column's)."""
    w = np.exp(-0.5 * (np.asarray(distance) / width) ** 2)
    return w / w.sum()


def delay_terms(
    distance: np.ndarray, w_e: np.ndarray, w_i: np.ndarray, v_c: float, dt: float
) -> dict[str, np.ndarray | int]:
    """Interpolated-delay tables of the kernels (see :func:`ring_kernel`).

    The delay of offset m is ``u = d_m / (v_c dt)`` steps, split as ``s + f``: its rate is
    read as ``(1 - f)`` x row n - s plus ``f`` x row n - s - 1. Terms that read the current
    row (s = 0, weight 1 - f) go to the ``z_*`` arrays, the others to the ``t_*`` arrays.
    """
    u = np.asarray(distance) / (v_c * dt)
    s = np.floor(u).astype(np.int64)
    f = u - s
    m = np.arange(u.size, dtype=np.int64)
    now = s == 0
    # (1 - f) at s rows back, for s >= 1; f at s + 1 rows back, always
    t_m = np.concatenate([m[~now], m])
    t_back = np.concatenate([s[~now], s + 1])
    t_ce = np.concatenate([(w_e * (1 - f))[~now], w_e * f])
    t_ci = np.concatenate([(w_i * (1 - f))[~now], w_i * f])
    keep = (t_ce != 0.0) | (t_ci != 0.0)
    # rows in increasing order of age: neighbouring reads share cache lines
    order = np.lexsort((t_m[keep], t_back[keep]))
    return {
        "t_m": t_m[keep][order],
        "t_back": t_back[keep][order],
        "t_ce": t_ce[keep][order],
        "t_ci": t_ci[keep][order],
        "z_m": m[now],
        "z_ce": (w_e * (1 - f))[now],
        "z_ci": (w_i * (1 - f))[now],
        "n_rows": int(s.max()) + 3,
    }


def check_stimuli(stimuli: Sequence[RingStimulus], length: float) -> list[RingStimulus]:
    """Check that every stimulus is a :class:`RingStimulus` centred on the ring [0, L).

    Raises
    ------
    ParameterError
        For another type or a centre outside the ring.
    """
    out = []
    for k, s in enumerate(stimuli):
        if not isinstance(s, RingStimulus):
            raise ParameterError(f"stimuli[{k}] is a {type(s).__name__}; give RingStimulus objects")
        check_range(
            f"stimuli[{k}].x0", s.x0, 0.0, length, unit="m", high_inclusive=False
        )  # fmt: skip
        out.append(s)
    return out


def stimulus_tables(
    stimuli: Sequence[RingStimulus], x: np.ndarray, t: np.ndarray, length: float
) -> tuple[np.ndarray, np.ndarray]:
    """Separable afferent input: profiles (S, N) in Hz on the ring and time courses
    (S, n_times) in [0, 1], from :func:`adexmf.stimuli.gaussian_space_time` (averaged over
    each unit's cell of width L/N) and :func:`adexmf.stimuli.double_gaussian`. ``x`` must
    be the N columns of the ring."""
    S = max(len(stimuli), 1)
    profiles = np.zeros((S, x.size))
    courses = np.zeros((S, t.size))
    for k, s in enumerate(stimuli):
        # the space-time stimulus at its peak time t0 is A x the spatial profile
        profiles[k] = gaussian_space_time(
            s.t0, x, s.amplitude, s.x0, s.l_stim, s.t0, s.tau1, s.tau2,
            ring_length=length, cell=length / x.size,
        )  # fmt: skip
        courses[k] = double_gaussian(t, 1.0, s.t0, s.tau1, s.tau2)
    return profiles, courses


def time_steps(duration: float, dt: float, model: MeanFieldModel) -> int:
    """Number of steps of ``dt`` (s) in ``duration`` (s), after checking both.

    Raises
    ------
    ParameterError
        If dt is not in (0, min(T/2, duration)) or the duration is not a whole number of
        steps.
    """
    check_range("duration", duration, 0.0, 1e4, unit="s", low_inclusive=False)
    check_range(
        "dt", dt, 0.0, min(model.T / 2, duration), unit="s",
        low_inclusive=False, high_inclusive=False,
    )  # fmt: skip
    n = int(round(duration / dt))
    if abs(n * dt - duration) > 1e-6 * dt:
        raise ParameterError(
            f"duration = {duration:g} s is not a whole number of steps dt = {dt:g} s; "
            "choose a duration that is a multiple of dt"
        )
    return n


def sample_grid(times: np.ndarray, dt: float, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Step index and interpolation fraction of each sample time (s), sorted, in [0, T]."""
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0:
        raise ParameterError("times must be a non-empty 1-D array of sample times (s)")
    if np.any(np.diff(times) < 0):
        raise ParameterError("times must be sorted in increasing order")
    t_end = n_steps * dt
    if times[0] < 0 or times[-1] > t_end * (1 + 1e-12):
        raise ParameterError(
            f"sample times span [{times[0]:g}, {times[-1]:g}] s; allowed: [0, {t_end:g}] s "
            "(the run's duration)"
        )
    u = np.clip(times / dt, 0.0, n_steps)
    step = np.minimum(np.floor(u + 1e-9).astype(np.int64), n_steps)
    frac = np.where(step < n_steps, np.clip(u - step, 0.0, 1.0), 0.0)
    frac[np.abs(frac) < 1e-9] = 0.0
    return step, frac


def _method_code(method: str) -> int:
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}; allowed: {', '.join(METHODS)}")
    return METHODS[method]


def _vsd_code(vsd_input: str) -> int:
    if vsd_input not in VSD_INPUTS:
        raise ParameterError(
            f"vsd_input = {vsd_input!r}; allowed: 'total' (afferent input included, "
            "default) or 'lateral' (the authors' choice)"
        )
    return 1 if vsd_input == "lateral" else 0


def _describe_ring(ring: Ring) -> dict[str, Any]:
    return {
        "length_m": ring.length,
        "n_units": ring.n_units,
        "l_exc_m": ring.l_exc,
        "l_inh_m": ring.l_inh,
        "v_c_m_per_s": ring.v_c,
        "drive_Hz": ring.drive,
    }


def _describe_stimuli(stimuli: Sequence[RingStimulus]) -> str:
    if not stimuli:
        return "none"
    return "; ".join(
        f"A={s.amplitude:g} Hz, x0={s.x0 * 1e3:g} mm, y0={s.y0 * 1e3:g} mm, "
        f"l_stim={s.l_stim * 1e3:g} mm, t0={s.t0 * 1e3:g} ms, tau1={s.tau1 * 1e3:g} ms, "
        f"tau2={s.tau2 * 1e3:g} ms"
        for s in stimuli
    )


def centred_stimulus(ring: Ring, setting: str = "code", **changes: float) -> RingStimulus:
    """The reference stimulus of SPEC 8 (``"code"``: 15 Hz, 1.0 mm; ``"text"``: 10 Hz,
    1.5 mm) centred on the ring (x0 = L/2), with optional changes (SI values)."""
    if setting not in REFERENCE_STIMULI:
        raise ParameterError(
            f"stimulus setting {setting!r}; allowed: {', '.join(REFERENCE_STIMULI)}"
        )
    base = REFERENCE_STIMULI[setting].replace(x0=ring.length / 2, y0=ring.length / 2)
    return base.replace(**changes) if changes else base


# ------------------------------------------------------------------------------- model
class RingModel:
    """A ring of mean-field columns (SPEC 8).

    Parameters
    ----------
    ring : Ring, optional
        Geometry, kernels, conduction velocity and drive; default :class:`Ring()`
        (36 mm, N = 120, l_exc = 5 mm, l_inh = 1 mm, v_c = 300 mm/s, 4 Hz).
    model : MeanFieldModel, optional
        The column; default first order with the ``zerlaut2018`` preset. Second order and
        the adaptation variant are options of the column model.

    Examples
    --------
    >>> from adexmf.ring import RingModel, centred_stimulus
    >>> ring = RingModel()
    >>> ds = ring.run(0.6, stimuli=[centred_stimulus(ring.ring)])
    >>> float(ds.vsd.max())  # doctest: +SKIP
    0.03...
    """

    def __init__(self, ring: Ring | None = None, model: MeanFieldModel | None = None) -> None:
        self.ring = Ring() if ring is None else ring
        if not isinstance(self.ring, Ring):
            raise ParameterError(f"ring is a {type(self.ring).__name__}; give a Ring")
        self.model = MeanFieldModel("zerlaut2018", order=1) if model is None else model
        self._mp = packed_model(self.model)
        pe, pi = self.model.packed_transfer
        self._pe = np.ascontiguousarray(pe, dtype=np.float64)
        self._pi = np.ascontiguousarray(pi, dtype=np.float64)
        self._homogeneous = None

    # --------------------------------------------------------------------- properties
    @property
    def positions(self) -> np.ndarray:
        """Positions of the columns x_j = j L / N (m)."""
        return np.arange(self.ring.n_units) * self.ring.spacing

    @property
    def inhibitory_fraction(self) -> float:
        """g of the column's network (population average of rates and potentials)."""
        return float(self.model.preset.network.inhibitory_fraction)

    def homogeneous_state(self):
        """The homogeneous state: the column's fixed point at the ring's drive (the kernels
        sum to 1, so every column sees its own rates); a :class:`FixedPoint`."""
        if self._homogeneous is None:
            self._homogeneous = fixed_point(self.model, self.ring.drive)
        return self._homogeneous

    def baseline_potential(self) -> float:
        """Population-averaged mean potential of the homogeneous state (V): mu_V(t0) of
        dV/V0."""
        y0 = self.homogeneous_state().vector
        rates = np.array([y0[S_NU_E]]), np.array([y0[S_NU_I]])  # lateral inputs = own rates
        out = np.zeros((N_CHANNELS, 1))
        node_record(
            self._mp, self._pe, self._pi, int(self.model.adaptation), float(self.ring.drive),
            0, y0[None, :].copy(), *rates, np.zeros(1), 1.0, out,
        )  # fmt: skip
        return float(population_average(out[CH_MU_V_E, 0], out[CH_MU_V_I, 0],
                                        self.inhibitory_fraction))  # fmt: skip

    # --------------------------------------------------------------------------- runs
    def _tables(self, ring: Ring, dt: float) -> dict[str, Any]:
        d = ring_distances(ring.length, ring.n_units)
        return delay_terms(
            d, gaussian_kernel(d, ring.l_exc), gaussian_kernel(d, ring.l_inh), ring.v_c, dt
        )

    def simulate(
        self,
        duration: float,
        stimuli: Sequence[RingStimulus] = (),
        *,
        times: np.ndarray | None = None,
        dt: float = DEFAULT_DT,
        method: str = DEFAULT_METHOD,
        vsd_input: str = "total",
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Integrate and return the raw samples: times (s), array (K, 4, N) of nu_e, nu_i
        (Hz), mu_V of exc. and inh. cells (V), and the largest stiffness x dt."""
        code = _method_code(method)
        lateral = _vsd_code(vsd_input)
        n_steps = time_steps(duration, dt, self.model)
        stimuli = check_stimuli(stimuli, self.ring.length)
        t_grid = np.arange(n_steps + 1) * dt
        times = t_grid if times is None else np.asarray(times, dtype=np.float64)
        step, frac = sample_grid(times, dt, n_steps)
        tab = self._tables(self.ring, dt)
        profiles, courses = stimulus_tables(stimuli, self.positions, t_grid, self.ring.length)
        out = np.empty((times.size, N_CHANNELS, self.ring.n_units))
        worst = ring_kernel(
            self._mp, self._pe, self._pi, int(self.model.order), int(self.model.adaptation),
            code, float(self.ring.drive),
            tab["t_m"], tab["t_back"], tab["t_ce"], tab["t_ci"],
            tab["z_m"], tab["z_ce"], tab["z_ci"], tab["n_rows"],
            self.homogeneous_state().vector, profiles, courses, float(dt), n_steps,
            step, frac, lateral, out,
        )  # fmt: skip
        return times, out, float(worst)

    def run(
        self,
        duration: float = 0.6,
        stimuli: Sequence[RingStimulus] | None = None,
        *,
        dt: float = DEFAULT_DT,
        method: str = DEFAULT_METHOD,
        record_every: int = 1,
        vsd_input: str = "total",
    ) -> xr.Dataset:
        """Integrate the ring from its homogeneous state under spatial stimuli.

        Parameters
        ----------
        duration : float
            Biological time (s), a whole number of steps.
        stimuli : sequence of RingStimulus, optional
            Stimuli (any number; ``()`` for none). Default: the reference stimulus [code]
            centred on the ring (:func:`centred_stimulus`).
        dt : float
            Step (s), in (0, min(T/2, duration)); default 0.5 ms.
        method : {"heun", "euler"}
            Integration scheme.
        record_every : int
            Store every n-th step.
        vsd_input : {"total", "lateral"}
            Inputs of the mean potential behind dV/V0: with the afferent input (default,
            as the single column) or lateral only (the authors' choice).

        Returns
        -------
        xarray.Dataset
            Dims (time, x), SI coordinates (s, m): ``nu_aff``, ``nu_e``, ``nu_i``, ``nu``
            (Hz), ``mu_V`` (V), ``vsd`` (dV/V0, dimensionless); settings in attrs.

        Raises
        ------
        ParameterError
            For a bad step, duration, method, option or stimulus (before any work).
        """
        if stimuli is None:
            stimuli = [centred_stimulus(self.ring)]
        n_steps = time_steps(duration, dt, self.model)
        every = int(record_every)
        if every != record_every or not 1 <= every <= n_steps:
            raise ParameterError(
                f"record_every = {record_every!r}; allowed: integers in [1, {n_steps}] (steps)"
            )
        times = np.arange(0, n_steps + 1, every) * dt
        times, out, worst = self.simulate(
            duration, stimuli, times=times, dt=dt, method=method, vsd_input=vsd_input
        )
        attrs = {
            "model": "ring",
            "column": self.model.label,
            "preset": self.model.preset.name,
            "order": int(self.model.order),
            "adaptation": int(self.model.adaptation),
            **_describe_ring(self.ring),
            "dt_s": float(dt),
            "duration_s": float(duration),
            "method": method,
            "record_every": every,
            "vsd_input": vsd_input,
            "stimuli": _describe_stimuli(stimuli),
            "n_stimuli": len(stimuli),
            "max_stiffness_dt": worst,
        }
        return self._dataset(times, self.positions, out, stimuli, attrs)

    def _dataset(self, times, x, out, stimuli, attrs) -> xr.Dataset:
        g = self.inhibitory_fraction
        mu0 = self.baseline_potential()
        nu_e = out[:, CH_NU_E]
        nu_i = out[:, CH_NU_I]
        mu_V = population_average(out[:, CH_MU_V_E], out[:, CH_MU_V_I], g)
        profiles, courses = stimulus_tables(stimuli, x, times, self.ring.length)
        nu_aff = courses.T @ profiles
        dims = ("time", "x")
        ds = xr.Dataset(
            {
                "nu_aff": (dims, nu_aff, {"units": "Hz", "long_name": "afferent input"}),
                "nu_e": (dims, nu_e, {"units": "Hz", "long_name": "excitatory rate"}),
                "nu_i": (dims, nu_i, {"units": "Hz", "long_name": "inhibitory rate"}),
                "nu": (
                    dims,
                    population_average(nu_e, nu_i, g),
                    {"units": "Hz", "long_name": "network rate (1-g) nu_e + g nu_i"},
                ),
                "mu_V": (
                    dims,
                    mu_V,
                    {"units": "V", "long_name": "mean potential (1-g) mu_V^e + g mu_V^i"},
                ),
                "vsd": (
                    dims,
                    np.abs(mu_V - mu0) / abs(mu0),
                    {"units": "1", "long_name": "VSD-like signal dV/V0"},
                ),
            },  # fmt: skip
            coords={
                "time": ("time", times, {"units": "s"}),
                "x": ("x", x, {"units": "m", "long_name": "position along the ring"}),
            },
            attrs={**attrs, "mu_V0_V": mu0, "inhibitory_fraction": g, **provenance()},
        )
        return ds


# ------------------------------------------------------------------------------- batch
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
    vsd_input: str = "total",
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
    code = _method_code(method)
    lateral = _vsd_code(vsd_input)
    n_steps = time_steps(duration, dt, ring_model.model)
    base_stim = centred_stimulus(ring) if stimulus is None else stimulus
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
            stims.append(check_stimuli([stim], ring.length)[0])
        except ParameterError as exc:
            raise ParameterError(f"parameter set {b}: {exc}") from None
    t_grid = np.arange(n_steps + 1) * dt
    times = t_grid if times is None else np.asarray(times, dtype=np.float64)
    step, frac = sample_grid(times, dt, n_steps)
    x = ring_model.positions
    N = ring.n_units
    tables = [ring_model._tables(r, dt) for r in rings]
    n_t = np.array([tb["t_m"].size for tb in tables], dtype=np.int64)
    n_z = np.array([tb["z_m"].size for tb in tables], dtype=np.int64)

    def pad(key, width, dtype):
        arr = np.zeros((B, max(width, 1)), dtype=dtype)
        for b, tb in enumerate(tables):
            arr[b, : tb[key].size] = tb[key]
        return arr

    T_max, Z_max = int(n_t.max()), int(n_z.max())
    profiles = np.empty((B, 1, N))
    courses = np.empty((B, 1, n_steps + 1))
    for b, s in enumerate(stims):
        profiles[b], courses[b] = stimulus_tables([s], x, t_grid, ring.length)
    out = np.empty((B, times.size, N_CHANNELS, N))
    worst = np.empty(B)
    ring_batch_kernel(
        ring_model._mp, ring_model._pe, ring_model._pi, int(ring_model.model.order),
        int(ring_model.model.adaptation), code, float(ring.drive),
        pad("t_m", T_max, np.int64), pad("t_back", T_max, np.int64),
        pad("t_ce", T_max, np.float64), pad("t_ci", T_max, np.float64), n_t,
        pad("z_m", Z_max, np.int64), pad("z_ce", Z_max, np.float64),
        pad("z_ci", Z_max, np.float64), n_z,
        np.array([tb["n_rows"] for tb in tables], dtype=np.int64),
        ring_model.homogeneous_state().vector, profiles, courses, float(dt), n_steps,
        step, frac, lateral, out, worst,
    )  # fmt: skip
    g = ring_model.inhibitory_fraction
    result: dict[str, np.ndarray] = {}
    want = set(outputs)
    if want & {"mu_V", "vsd"}:
        mu_V = population_average(out[:, :, CH_MU_V_E], out[:, :, CH_MU_V_I], g)
        if "mu_V" in want:
            result["mu_V"] = mu_V
        if "vsd" in want:
            mu0 = ring_model.baseline_potential()
            result["vsd"] = np.abs(mu_V - mu0) / abs(mu0)
    if "nu_e" in want:
        result["nu_e"] = out[:, :, CH_NU_E]
    if "nu_i" in want:
        result["nu_i"] = out[:, :, CH_NU_I]
    if "nu" in want:
        result["nu"] = population_average(out[:, :, CH_NU_E], out[:, :, CH_NU_I], g)
    if "nu_aff" in want:
        # the stimulus itself at the sample times (not interpolated between steps)
        result["nu_aff"] = np.empty((B, times.size, N))
        for b, s in enumerate(stims):
            p, c = stimulus_tables([s], x, times, ring.length)
            result["nu_aff"][b] = c.T @ p
    x_out = x
    if positions is not None:
        x_out = np.asarray(positions, dtype=np.float64)
        if x_out.ndim != 1 or np.any((x_out < 0) | (x_out >= ring.length)):
            raise ParameterError(
                f"positions must be a 1-D array within [0, {ring.length:g}) m (the ring)"
            )
        result = {k: periodic_interp(v, x, x_out, ring.length) for k, v in result.items()}
    units = {"nu_aff": "Hz", "nu_e": "Hz", "nu_i": "Hz", "nu": "Hz", "mu_V": "V", "vsd": "1"}
    coords: dict[str, Any] = {
        "time": ("time", times, {"units": "s"}),
        "x": ("x", x_out, {"units": "m"}),
    }
    unit_of = {"v_c": "m/s", "amplitude": "Hz", "t0": "s", "tau1": "s", "tau2": "s"}
    for k, v in values.items():
        coords[k] = ("set", np.array(v), {"units": unit_of.get(k, "m")})
    return xr.Dataset(
        {k: (("set", "time", "x"), v, {"units": units[k]}) for k, v in result.items()},
        coords=coords,
        attrs={
            "model": "ring batch",
            "column": ring_model.model.label,
            "preset": ring_model.model.preset.name,
            **_describe_ring(ring),
            "dt_s": float(dt),
            "duration_s": float(duration),
            "method": method,
            "vsd_input": vsd_input,
            "max_stiffness_dt": float(worst.max()),
            **provenance(),
        },
    )


def periodic_interp(values: np.ndarray, x: np.ndarray, x_new: np.ndarray, length: float):
    """Linear interpolation along the last axis of ``values`` sampled at the evenly spaced
    ``x`` (m) of a ring of ``length`` (m), at ``x_new`` (m)."""
    dx = length / x.size
    u = np.asarray(x_new) / dx
    j = np.floor(u).astype(np.int64) % x.size
    f = u - np.floor(u)
    return (1 - f) * values[..., j] + f * values[..., (j + 1) % x.size]


# ------------------------------------------------------------------------------- sheet
class SheetModel:
    """A square sheet of N x N mean-field columns with isotropic Gaussian kernels and
    distance-dependent delays (periodic or open edges).

    The lateral sums are convolutions, one per delay step (each kernel weight split between
    the two steps around its interpolated delay), done in Fourier space on a history of
    the transformed rates: ``E^(n) = sum_k W_k * nu^(n-k)``. The column node steps every
    unit (:func:`adexmf.ring.kernels.node_derivatives`, the ring's kernel). Open edges use a
    zero-padded grid and kernels renormalised over the existing columns, so that the
    homogeneous state stays the column's fixed point everywhere.

    Parameters
    ----------
    sheet : Sheet, optional
        Geometry (side L, N columns per side, boundary), kernels, v_c and drive; default
        :class:`Sheet()` (36 mm, 64 x 64, periodic).
    model : MeanFieldModel, optional
        The column; default first order, ``zerlaut2018``.
    """

    #: Kernel weights below this fraction of the central weight are dropped (shortens the
    #: history of narrow kernels; renormalised after).
    CUTOFF = 1e-12

    def __init__(self, sheet: Sheet | None = None, model: MeanFieldModel | None = None) -> None:
        self.sheet = Sheet() if sheet is None else sheet
        if not isinstance(self.sheet, Sheet):
            raise ParameterError(f"sheet is a {type(self.sheet).__name__}; give a Sheet")
        self.column = RingModel(
            Ring(length=self.sheet.length, n_units=3, drive=self.sheet.drive), model
        )
        self.model = self.column.model

    @property
    def positions(self) -> np.ndarray:
        """Coordinates of the columns along each side, j L / N (m)."""
        return np.arange(self.sheet.n_units) * self.sheet.spacing

    def _grid(self) -> tuple[int, np.ndarray]:
        """Size P of the FFT grid and the distance (m) of every displacement on it."""
        N, dx = self.sheet.n_units, self.sheet.spacing
        periodic = self.sheet.boundary == "periodic"
        P = N if periodic else 2 * N
        d = np.arange(P)
        d = np.minimum(d, P - d)  # displacement -> |offset| (open: offsets up to N - 1)
        if not periodic:
            d = np.where(d <= N - 1, d, np.inf)
        r = np.hypot(d[:, None], d[None, :]) * dx
        return P, r

    def _lag_kernels(self, width: float, dt: float):
        """Fourier transforms of the kernel split over delay steps, (K + 1, P, P // 2 + 1),
        and the normalisation of every column's inputs (N, N)."""
        N = self.sheet.n_units
        P, r = self._grid()
        w = np.where(
            np.isfinite(r), np.exp(-0.5 * (np.where(np.isfinite(r), r, 0) / width) ** 2), 0
        )
        w[w < self.CUTOFF] = 0.0
        w /= w.sum()
        u = np.where(w > 0, r, 0.0) / (self.sheet.v_c * dt)
        s = np.floor(u).astype(np.int64)
        f = u - s
        K = int(s[w > 0].max()) + 1
        lagged = np.zeros((K + 1, P, P))
        rows, cols = np.nonzero(w)
        np.add.at(lagged, (s[rows, cols], rows, cols), (w * (1 - f))[rows, cols])
        np.add.at(lagged, (s[rows, cols] + 1, rows, cols), (w * f)[rows, cols])
        hat = np.fft.rfft2(lagged).real.copy()  # symmetric kernels: real transforms
        if self.sheet.boundary == "periodic":
            norm = np.ones((N, N))
        else:
            mask = np.zeros((P, P))
            mask[:N, :N] = 1.0
            norm = np.fft.irfft2(np.fft.rfft2(mask) * np.fft.rfft2(w), s=(P, P))[:N, :N]
        return hat, norm

    def _profiles(self, stimuli: Sequence[RingStimulus]) -> np.ndarray:
        """Spatial profiles (S, N * N) in Hz: products of two 1-D Gaussians, an isotropic
        2-D Gaussian (distances the shortest way round on a periodic sheet)."""
        x = self.positions
        L = self.sheet.length
        wrap = L if self.sheet.boundary == "periodic" else None
        out = np.zeros((max(len(stimuli), 1), x.size * x.size))
        for k, s in enumerate(stimuli):
            args = (s.l_stim, s.t0, s.tau1, s.tau2)
            cell = L / x.size
            gx = gaussian_space_time(s.t0, x, s.amplitude, s.x0, *args, ring_length=wrap, cell=cell)
            gy = gaussian_space_time(s.t0, x, 1.0, s.y0, *args, ring_length=wrap, cell=cell)
            out[k] = np.outer(gx, gy).ravel()
        return out

    def run(
        self,
        duration: float = 0.6,
        stimuli: Sequence[RingStimulus] | None = None,
        *,
        dt: float = DEFAULT_DT,
        method: str = DEFAULT_METHOD,
        record_every: int | None = None,
        vsd_input: str = "total",
    ) -> xr.Dataset:
        """Integrate the sheet from its homogeneous state under point-like stimuli.

        Parameters
        ----------
        duration : float
            Biological time (s).
        stimuli : sequence of RingStimulus, optional
            Stimuli centred at (x0, y0) (m); default the reference stimulus [code] at the
            centre of the sheet.
        dt, method, vsd_input
            As in :meth:`RingModel.run`.
        record_every : int, optional
            Store every n-th step; default every 10 ms.

        Returns
        -------
        xarray.Dataset
            Dims (time, x, y), SI: ``nu_aff``, ``nu_e``, ``nu_i``, ``nu`` (Hz), ``mu_V``
            (V), ``vsd`` (dV/V0).
        """
        sheet = self.sheet
        if stimuli is None:
            stimuli = [centred_stimulus(sheet)]
        code = _method_code(method)
        lateral_vsd = _vsd_code(vsd_input)
        n_steps = time_steps(duration, dt, self.model)
        every = max(int(round(0.01 / dt)), 1) if record_every is None else int(record_every)
        if every != (record_every or every) or not 1 <= every <= n_steps:
            raise ParameterError(
                f"record_every = {record_every!r}; allowed: integers in [1, {n_steps}] (steps)"
            )
        for k, s in enumerate(stimuli):
            if not isinstance(s, RingStimulus):
                raise ParameterError(f"stimuli[{k}] is a {type(s).__name__}; give RingStimulus")
            for name in ("x0", "y0"):
                check_range(f"stimuli[{k}].{name}", getattr(s, name), 0.0, sheet.length,
                            unit="m", high_inclusive=False)  # fmt: skip
        N = sheet.n_units
        U = N * N
        t_grid = np.arange(n_steps + 1) * dt
        profiles = self._profiles(stimuli)
        courses = np.zeros((profiles.shape[0], n_steps + 1))
        for k, s in enumerate(stimuli):
            courses[k] = double_gaussian(t_grid, 1.0, s.t0, s.tau1, s.tau2)
        hat_e, norm_e = self._lag_kernels(sheet.l_exc, dt)
        hat_i, norm_i = self._lag_kernels(sheet.l_inh, dt)
        P = hat_e.shape[1]
        mp, pe, pi = self.column._mp, self.column._pe, self.column._pi
        order, adapt = int(self.model.order), int(self.model.adaptation)
        T = float(self.model.T)
        drive = float(sheet.drive)
        y0 = self.column.homogeneous_state().vector
        y = np.tile(y0, (U, 1))

        def transform(rates: np.ndarray) -> np.ndarray:
            grid = np.zeros((P, P))
            grid[:N, :N] = rates.reshape(N, N)
            return np.fft.rfft2(grid)

        class History:
            """Transformed rates of one population, each row stored twice (no modulo)."""

            def __init__(self, hat: np.ndarray, first: np.ndarray) -> None:
                self.K = hat.shape[0] - 1
                self.M = self.K + 1
                self.now = hat[0]
                self.back = hat[1:][::-1].copy()  # k = K .. 1, matching the buffer slice
                self.buf = np.empty((2 * self.M, *first.shape), dtype=complex)
                self.buf[:] = first

            def store(self, pos: int, row: np.ndarray) -> None:
                self.buf[pos] = row
                self.buf[pos + self.M] = row

            def known(self, pos_next: int) -> np.ndarray:
                lo = pos_next + self.M - self.K
                return np.einsum("kab,kab->ab", self.back, self.buf[lo : pos_next + self.M])

        first_e, first_i = transform(y[:, 0]), transform(y[:, 1])
        hist_e, hist_i = History(hat_e, first_e), History(hat_i, first_i)
        M = max(hist_e.M, hist_i.M)
        hist_e.M = hist_i.M = M  # one position counter for both histories
        hist_e.buf = np.broadcast_to(first_e, (2 * M, *first_e.shape)).copy()
        hist_i.buf = np.broadcast_to(first_i, (2 * M, *first_i.shape)).copy()

        def lateral(known_e, known_i, fe, fi):
            E = np.fft.irfft2(known_e + hist_e.now * fe, s=(P, P))[:N, :N] / norm_e
            I = np.fft.irfft2(known_i + hist_i.now * fi, s=(P, P))[:N, :N] / norm_i  # noqa: E741
            return np.ascontiguousarray(E.ravel()), np.ascontiguousarray(I.ravel())

        n_rec = n_steps // every + 1
        out = np.zeros((n_rec, N_CHANNELS, U))
        k1 = np.empty((U, 6))
        k2 = np.empty((U, 6))
        worst = 0.0
        pos = 0
        known_e, known_i = hist_e.known(pos), hist_i.known(pos)
        fe, fi = first_e, first_i
        for n in range(n_steps + 1):
            E, I = lateral(known_e, known_i, fe, fi)  # noqa: E741
            aff = np.ascontiguousarray(courses[:, n] @ profiles)
            if n % every == 0:
                node_record(
                    mp, pe, pi, adapt, drive, lateral_vsd, y, E, I, aff, 1.0, out[n // every]
                )
            if n == n_steps:
                break
            rho = node_derivatives(mp, pe, pi, order, adapt, drive, y, E, I, aff, k1, True)
            worst = max(worst, rho * dt)
            pos1 = pos + 1 if pos + 1 < M else 0
            # known part at t_{n+1}: rows <= n only, shared by Heun's two stages
            known_e, known_i = hist_e.known(pos1), hist_i.known(pos1)
            if code == 1:
                ytmp = y + dt * k1
                project_units(ytmp, order, T)
                E, I = lateral(known_e, known_i, transform(ytmp[:, 0]), transform(ytmp[:, 1]))  # noqa: E741
                aff = np.ascontiguousarray(courses[:, n + 1] @ profiles)
                rho = node_derivatives(mp, pe, pi, order, adapt, drive, ytmp, E, I, aff, k2, True)
                worst = max(worst, rho * dt)
                y += 0.5 * dt * (k1 + k2)
            else:
                y += dt * k1
            project_units(y, order, T)
            fe, fi = transform(y[:, 0]), transform(y[:, 1])
            hist_e.store(pos1, fe)
            hist_i.store(pos1, fi)
            pos = pos1
        times = np.arange(n_rec) * every * dt
        g = self.column.inhibitory_fraction
        mu0 = self.column.baseline_potential()
        shape = (n_rec, N, N)
        nu_e = out[:, CH_NU_E].reshape(shape)
        nu_i = out[:, CH_NU_I].reshape(shape)
        mu_V = population_average(out[:, CH_MU_V_E], out[:, CH_MU_V_I], g).reshape(shape)
        nu_aff = (double_gaussian_courses(stimuli, times).T @ profiles).reshape(shape)
        dims = ("time", "x", "y")
        return xr.Dataset(
            {
                "nu_aff": (dims, nu_aff, {"units": "Hz", "long_name": "afferent input"}),
                "nu_e": (dims, nu_e, {"units": "Hz", "long_name": "excitatory rate"}),
                "nu_i": (dims, nu_i, {"units": "Hz", "long_name": "inhibitory rate"}),
                "nu": (
                    dims,
                    population_average(nu_e, nu_i, g),
                    {"units": "Hz", "long_name": "network rate (1-g) nu_e + g nu_i"},
                ),
                "mu_V": (dims, mu_V, {"units": "V", "long_name": "mean potential"}),
                "vsd": (
                    dims,
                    np.abs(mu_V - mu0) / abs(mu0),
                    {"units": "1", "long_name": "VSD-like signal dV/V0"},
                ),
            },  # fmt: skip
            coords={
                "time": ("time", times, {"units": "s"}),
                "x": ("x", self.positions, {"units": "m"}),
                "y": ("y", self.positions, {"units": "m"}),
            },
            attrs={
                "model": "sheet",
                "column": self.model.label,
                "preset": self.model.preset.name,
                **_describe_ring(sheet),
                "boundary": sheet.boundary,
                "dt_s": float(dt),
                "duration_s": float(duration),
                "method": method,
                "record_every": every,
                "vsd_input": vsd_input,
                "stimuli": _describe_stimuli(stimuli),
                "max_stiffness_dt": worst,
                "mu_V0_V": mu0,
                "inhibitory_fraction": g,
                **provenance(),
            },
        )


def double_gaussian_courses(stimuli: Sequence[RingStimulus], times: np.ndarray) -> np.ndarray:
    """Time courses (S, n_times) in [0, 1] of the stimuli at ``times`` (s)."""
    out = np.zeros((max(len(stimuli), 1), np.size(times)))
    for k, s in enumerate(stimuli):
        out[k] = double_gaussian(times, 1.0, s.t0, s.tau1, s.tau2)
    return out
