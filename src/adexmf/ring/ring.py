"""The ring of mean-field columns with conduction delays (SPEC 8).

Each column is the node of :mod:`adexmf.meanfield.node` (the only copy of the mean-field
equations); this module only assembles its inputs (:mod:`.coupling`, :mod:`.stimulus`)
and turns the kernel's samples into a Dataset. The unit at x receives

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
:func:`adexmf.params.population_average`. The VSD-like signal sees the lateral inputs only
by default (:data:`~.settings.DEFAULT_VSD_INPUT`, the authors' signal and the VSDi fit's): a
wave spreading from the stimulus, as in the paper; ``vsd_input="total"`` adds the afferent
input of the excitatory cells (as the single column, SPEC 5.4), whose map is dominated by a
standing response at the stimulus.

Integrator: forward Euler at dt = 0.5 ms by default (Heun is an option). Measured at the
defaults (N = 120, reference stimulus [code], 600 ms; docs/paper-vs-code.md has the table):
peak dV/V0, its time and the early-response line change by <= 0.03 % between dt and dt/2
and between N = 120 and 240, for Euler and Heun alike; Euler at 1 ms meets the criterion
too but runs at stiffness x dt ~ 1, half its stability limit, so 0.5 ms keeps a margin for
stronger stimuli.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..columns.coupling import own_rates
from ..columns.engine import CH_MU_V_E, CH_MU_V_I, CH_NU_E, CH_NU_I, CH_W, N_CHANNELS, node_record
from ..columns.network import (
    ColumnNetwork,
    Sampling,
    method_code,
    sample_grid,
    time_steps,
    uniform_state,
)
from ..errors import ParameterError
from ..layouts import S_NU_E, S_NU_I
from ..meanfield import MeanFieldModel, fixed_point, vsd_signal
from ..params import Ring, RingStimulus, population_average
from ..store import provenance
from .coupling import ring_delay_tables
from .settings import DEFAULT_DT, DEFAULT_METHOD, DEFAULT_VSD_INPUT, describe_ring, vsd_code
from .stimulus import centred_stimulus, check_stimuli, describe_stimuli, stimulus_tables

#: The stiffness diagnostic is evaluated on one step in this many: at first order it is the
#: only reader of the transfer functions' gradients, so the other steps compute values only
#: (about a third of the ring's cost). At 0.5 ms steps this samples it every 4 ms, finer than
#: the Markov time T = 5 ms on which rates move.
STIFFNESS_EVERY = 8


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
        out = np.zeros((N_CHANNELS, 1, 1))
        net = ColumnNetwork(self.model, own_rates())
        node_record(
            net.mp, net.pe, net.pi, int(self.model.adaptation), 0.0, 0, y0[None, :].copy(),
            *rates, np.array([float(self.ring.drive)]), np.zeros(1), 1.0, out, 0,
        )  # fmt: skip
        return float(population_average(out[CH_MU_V_E, 0, 0], out[CH_MU_V_I, 0, 0],
                                        self.inhibitory_fraction))  # fmt: skip

    # --------------------------------------------------------------------------- runs
    def simulate(
        self,
        duration: float,
        stimuli: Sequence[RingStimulus] = (),
        *,
        times: np.ndarray | None = None,
        dt: float = DEFAULT_DT,
        method: str = DEFAULT_METHOD,
        vsd_input: str = DEFAULT_VSD_INPUT,
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Integrate and return the raw samples: times (s), the engine's channels (5, K, N)
        (nu_e, nu_i (Hz), W (A), mu_V of exc. and inh. cells (V): ``CH_*`` of
        :mod:`adexmf.columns.engine`), and the largest stiffness x dt."""
        method_code(method)  # checked before any work
        lateral = vsd_code(vsd_input)
        n_steps = time_steps(duration, dt, self.model)
        stimuli = check_stimuli(stimuli, self.ring.length, duration)
        t_grid = np.arange(n_steps + 1) * dt
        times = t_grid if times is None else np.asarray(times, dtype=np.float64)
        step, frac = sample_grid(times, dt, n_steps)
        profiles, courses = stimulus_tables(stimuli, self.positions, t_grid, self.ring.length)
        N = self.ring.n_units
        out, worst = self.network(dt).integrate(
            uniform_state(self.homogeneous_state().vector, N), np.full(N, float(self.ring.drive)),
            profiles, courses, dt, n_steps, method,
            Sampling(step, frac, lateral, STIFFNESS_EVERY),
        )  # fmt: skip
        return times, out, worst

    def network(self, dt: float) -> ColumnNetwork:
        """The ring as a network of columns on the engine: its Gaussian kernels and
        distance-dependent delays as lateral terms for a step ``dt`` (s)."""
        return ColumnNetwork(self.model, ring_delay_tables(self.ring, dt))

    def run(
        self,
        duration: float = 0.6,
        stimuli: Sequence[RingStimulus] | None = None,
        *,
        dt: float = DEFAULT_DT,
        method: str = DEFAULT_METHOD,
        record_every: int = 1,
        vsd_input: str = DEFAULT_VSD_INPUT,
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
        vsd_input : {"lateral", "total"}
            Inputs of the mean potential behind dV/V0: lateral only (default,
            :data:`~.settings.DEFAULT_VSD_INPUT`: the authors' signal, a spreading wave) or
            with the afferent input (as the single column).

        Returns
        -------
        xarray.Dataset
            Dims (time, x), SI coordinates (s, m): ``nu_aff``, ``nu_e``, ``nu_i``, ``nu``
            (Hz), ``mu_V`` (V), ``vsd`` (dV/V0, dimensionless); settings in attrs.

        Raises
        ------
        ParameterError
            For a bad step, duration, method, option or stimulus, or a stimulus peaking after
            the end of the run (before any work).
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
            **describe_ring(self.ring),
            "dt_s": float(dt),
            "duration_s": float(duration),
            "method": method,
            "record_every": every,
            "vsd_input": vsd_input,
            "stimuli": describe_stimuli(stimuli),
            "n_stimuli": len(stimuli),
            "max_stiffness_dt": worst,
        }
        return self._dataset(times, self.positions, out, stimuli, attrs)

    def _dataset(self, times, x, out, stimuli, attrs) -> xr.Dataset:
        g = self.inhibitory_fraction
        mu0 = self.baseline_potential()
        nu_e, nu_i = out[CH_NU_E], out[CH_NU_I]
        # The derived maps are formed in the channels the ring does not keep (W; the
        # populations' mean potentials once averaged): on a long run fresh memory for them
        # would cost about as much as the integration (same operations, same numbers).
        mu_V = population_average(out[CH_MU_V_E], out[CH_MU_V_I], g, out=out[CH_MU_V_E])
        nu = population_average(nu_e, nu_i, g, out=out[CH_W])
        vsd = vsd_signal(mu_V, mu0, out=out[CH_MU_V_I])
        profiles, courses = stimulus_tables(stimuli, x, times, self.ring.length)
        nu_aff = courses.T @ profiles
        dims = ("time", "x")
        ds = xr.Dataset(
            {
                "nu_aff": (dims, nu_aff, {"units": "Hz", "long_name": "afferent input"}),
                "nu_e": (dims, nu_e, {"units": "Hz", "long_name": "excitatory rate"}),
                "nu_i": (dims, nu_i, {"units": "Hz", "long_name": "inhibitory rate"}),
                "nu": (dims, nu, {"units": "Hz", "long_name": "network rate (1-g) nu_e + g nu_i"}),
                "mu_V": (
                    dims,
                    mu_V,
                    {"units": "V", "long_name": "mean potential (1-g) mu_V^e + g mu_V^i"},
                ),
                "vsd": (dims, vsd, {"units": "1", "long_name": "VSD-like signal dV/V0"}),
            },  # fmt: skip
            coords={
                "time": ("time", times, {"units": "s"}),
                "x": ("x", x, {"units": "m", "long_name": "position along the ring"}),
            },
            attrs={**attrs, "mu_V0_V": mu0, "inhibitory_fraction": g, **provenance()},
        )
        return ds
