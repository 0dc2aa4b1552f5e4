"""The 2-D sheet of mean-field columns with conduction delays (SPEC 8): N x N columns of
side L, isotropic Gaussian kernels, periodic or open edges.

The sheet is a network of columns on the engine of :mod:`adexmf.columns`: the same column
steps (:func:`adexmf.columns.engine.node_derivatives`) and the same interpolated delays
(:func:`adexmf.columns.coupling.interpolation_terms`). Only its lateral sums are evaluated
differently: as convolutions per delay step in Fourier space (:mod:`numpy.fft`), because a
direct sum over all pairs (N^4 per step, the engine's tables) is far too slow at N = 64 and
Numba has no FFT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..columns.coupling import interpolation_terms, own_rates
from ..columns.engine import (
    CH_MU_V_E,
    CH_MU_V_I,
    CH_NU_E,
    CH_NU_I,
    N_CHANNELS,
    node_derivatives,
    node_record,
    project_units,
)
from ..columns.network import ColumnNetwork, method_code, time_steps
from ..errors import ParameterError, check_range
from ..meanfield import MeanFieldModel, vsd_signal
from ..params import Ring, RingStimulus, Sheet, population_average
from ..stimuli import gaussian_space_time
from ..store import provenance
from .ring import RingModel
from .settings import DEFAULT_DT, DEFAULT_METHOD, DEFAULT_VSD_INPUT, describe_ring, vsd_code
from .stimulus import (
    centred_stimulus,
    check_stimulus_time,
    describe_stimuli,
    double_gaussian_courses,
)


class _FourierHistory:
    """Transformed rates of one population, each row stored twice (no modulo), and its
    kernel split over delay steps: ``now`` (k = 0) and ``back`` (k = K .. 1)."""

    def __init__(self, hat: np.ndarray, first: np.ndarray, rows: int) -> None:
        self.K = hat.shape[0] - 1
        self.M = rows
        self.now = hat[0]
        self.back = hat[1:][::-1].copy()  # k = K .. 1, matching the buffer slice
        self.buf = np.broadcast_to(first, (2 * rows, *first.shape)).copy()

    def store(self, pos: int, row: np.ndarray) -> None:
        """Write the transformed rates of the newest step at position ``pos``."""
        self.buf[pos] = row
        self.buf[pos + self.M] = row

    def known(self, pos_next: int) -> np.ndarray:
        """The part of the lateral sum from the rows already known, for the step stored
        next at ``pos_next``."""
        lo = pos_next + self.M - self.K
        return np.einsum("kab,kab->ab", self.back, self.buf[lo : pos_next + self.M])


class _FourierCoupling:
    """Lateral sums of the sheet in Fourier space: both populations' histories (one position
    counter of M rows for both) and the normalisation of every column's inputs (N, N)."""

    def __init__(
        self,
        n_units: int,
        kernels_e: tuple[np.ndarray, np.ndarray],
        kernels_i: tuple[np.ndarray, np.ndarray],
        y: np.ndarray,
    ) -> None:
        (hat_e, self.norm_e), (hat_i, self.norm_i) = kernels_e, kernels_i
        self.N, self.P = n_units, hat_e.shape[1]
        self.first = (self.transform(y[:, 0]), self.transform(y[:, 1]))
        self.M = max(hat_e.shape[0], hat_i.shape[0])
        self.e = _FourierHistory(hat_e, self.first[0], self.M)
        self.i = _FourierHistory(hat_i, self.first[1], self.M)

    def transform(self, rates: np.ndarray) -> np.ndarray:
        """Real FFT of the rates (Hz) of the N x N columns on the (padded) P x P grid."""
        grid = np.zeros((self.P, self.P))
        grid[: self.N, : self.N] = rates.reshape(self.N, self.N)
        return np.fft.rfft2(grid)

    def known(self, pos_next: int) -> tuple[np.ndarray, np.ndarray]:
        """Known parts of both lateral sums (:meth:`_FourierHistory.known`)."""
        return self.e.known(pos_next), self.i.known(pos_next)

    def store(self, pos: int, fe: np.ndarray, fi: np.ndarray) -> None:
        """Store both populations' transformed rates of the newest step."""
        self.e.store(pos, fe)
        self.i.store(pos, fi)

    def sums(
        self, known_e: np.ndarray, known_i: np.ndarray, fe: np.ndarray, fi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lateral inputs (Hz) of every column, (N * N,) each: the known parts plus the
        current row ``fe``, ``fi`` (transformed rates) weighted by the k = 0 kernels."""
        P, N = self.P, self.N
        E = np.fft.irfft2(known_e + self.e.now * fe, s=(P, P))[:N, :N] / self.norm_e
        I = np.fft.irfft2(known_i + self.i.now * fi, s=(P, P))[:N, :N] / self.norm_i  # noqa: E741
        return np.ascontiguousarray(E.ravel()), np.ascontiguousarray(I.ravel())


class SheetModel:
    """A square sheet of N x N mean-field columns with isotropic Gaussian kernels and
    distance-dependent delays (periodic or open edges).

    The lateral sums are convolutions, one per delay step (each kernel weight split between
    the two steps around its interpolated delay), done in Fourier space on a history of
    the transformed rates: ``E^(n) = sum_k W_k * nu^(n-k)``. The column node steps every
    unit (:func:`adexmf.columns.engine.node_derivatives`, the network engine's). Open edges use a
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
        rows, cols = np.nonzero(w)
        # the engine's rule: each weight split between the two rows around its delay
        which, back, share = interpolation_terms(r[rows, cols] / (self.sheet.v_c * dt))
        lagged = np.zeros((int(back.max()) + 1, P, P))
        np.add.at(lagged, (back, rows[which], cols[which]), w[rows, cols][which] * share)
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
        vsd_input: str = DEFAULT_VSD_INPUT,
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
        if stimuli is None:
            stimuli = [centred_stimulus(self.sheet)]
        code = method_code(method)
        lateral_vsd = vsd_code(vsd_input)
        n_steps = time_steps(duration, dt, self.model)
        every = self._record_every(record_every, dt, n_steps)
        self._check_stimuli(stimuli, duration)
        profiles = self._profiles(stimuli)
        courses = double_gaussian_courses(stimuli, np.arange(n_steps + 1) * dt)
        out, worst = self._integrate(profiles, courses, code, lateral_vsd, dt, n_steps, every)
        times = np.arange(out.shape[1]) * every * dt
        settings = {
            "dt_s": float(dt),
            "duration_s": float(duration),
            "method": method,
            "record_every": every,
            "vsd_input": vsd_input,
            "stimuli": describe_stimuli(stimuli),
            "max_stiffness_dt": worst,
        }
        return self._dataset(times, out, stimuli, profiles, settings)

    @staticmethod
    def _record_every(record_every: int | None, dt: float, n_steps: int) -> int:
        """Steps between records: ``record_every``, default every 10 ms."""
        every = max(int(round(0.01 / dt)), 1) if record_every is None else int(record_every)
        if every != (record_every or every) or not 1 <= every <= n_steps:
            raise ParameterError(
                f"record_every = {record_every!r}; allowed: integers in [1, {n_steps}] (steps)"
            )
        return every

    def _check_stimuli(self, stimuli: Sequence[RingStimulus], duration: float) -> None:
        """Check that every stimulus is a :class:`RingStimulus` centred on the sheet and
        peaking within the run's ``duration`` (s)."""
        for k, s in enumerate(stimuli):
            if not isinstance(s, RingStimulus):
                raise ParameterError(f"stimuli[{k}] is a {type(s).__name__}; give RingStimulus")
            for name in ("x0", "y0"):
                check_range(f"stimuli[{k}].{name}", getattr(s, name), 0.0, self.sheet.length,
                            unit="m", high_inclusive=False)  # fmt: skip
            check_stimulus_time(s, duration, k)

    def _integrate(
        self,
        profiles: np.ndarray,
        courses: np.ndarray,
        code: int,
        lateral_vsd: int,
        dt: float,
        n_steps: int,
        every: int,
    ) -> tuple[np.ndarray, float]:
        """Step every column from the homogeneous state (Euler, or Heun for ``code`` 1):
        the recorded channels (5, n_records, N * N) and the largest stiffness x dt."""
        N = self.sheet.n_units
        U = N * N
        net = ColumnNetwork(self.model, own_rates())  # the lateral sums are done here
        mp, pe, pi = net.mp, net.pe, net.pi
        order, adapt = int(self.model.order), int(self.model.adaptation)
        T = float(self.model.T)
        ext = np.full(U, float(self.sheet.drive))
        kernels_e = self._lag_kernels(self.sheet.l_exc, dt)
        kernels_i = self._lag_kernels(self.sheet.l_inh, dt)
        y = np.tile(self.column.homogeneous_state().vector, (U, 1))
        lat = _FourierCoupling(N, kernels_e, kernels_i, y)
        out = np.zeros((N_CHANNELS, n_steps // every + 1, U))
        k1 = np.empty((U, 6))
        k2 = np.empty((U, 6))
        worst = 0.0
        pos = 0
        known_e, known_i = lat.known(pos)
        fe, fi = lat.first
        for n in range(n_steps + 1):
            E, I = lat.sums(known_e, known_i, fe, fi)  # noqa: E741
            aff = np.ascontiguousarray(courses[:, n] @ profiles)
            if n % every == 0:
                node_record(
                    mp, pe, pi, adapt, 0.0, lateral_vsd, y, E, I, ext, aff, 1.0, out, n // every
                )
            if n == n_steps:
                break
            rho = node_derivatives(mp, pe, pi, order, adapt, 0.0, y, E, I, ext, aff, k1, True)
            worst = max(worst, rho * dt)
            pos1 = pos + 1 if pos + 1 < lat.M else 0
            # known part at t_{n+1}: rows <= n only, shared by Heun's two stages
            known_e, known_i = lat.known(pos1)
            if code == 1:
                ytmp = y + dt * k1
                project_units(ytmp, order, T)
                ge, gi = lat.transform(ytmp[:, 0]), lat.transform(ytmp[:, 1])
                E, I = lat.sums(known_e, known_i, ge, gi)  # noqa: E741
                aff = np.ascontiguousarray(courses[:, n + 1] @ profiles)
                rho = node_derivatives(
                    mp, pe, pi, order, adapt, 0.0, ytmp, E, I, ext, aff, k2, True
                )
                worst = max(worst, rho * dt)
                y += 0.5 * dt * (k1 + k2)
            else:
                y += dt * k1
            project_units(y, order, T)
            fe, fi = lat.transform(y[:, 0]), lat.transform(y[:, 1])
            lat.store(pos1, fe, fi)
            pos = pos1
        return out, worst

    def _dataset(
        self,
        times: np.ndarray,
        out: np.ndarray,
        stimuli: Sequence[RingStimulus],
        profiles: np.ndarray,
        settings: dict[str, Any],
    ) -> xr.Dataset:
        """The recorded channels as a Dataset with dims (time, x, y), SI."""
        N = self.sheet.n_units
        g = self.column.inhibitory_fraction
        mu0 = self.column.baseline_potential()
        shape = (times.size, N, N)
        nu_e = out[CH_NU_E].reshape(shape)
        nu_i = out[CH_NU_I].reshape(shape)
        mu_V = population_average(out[CH_MU_V_E], out[CH_MU_V_I], g).reshape(shape)
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
                    vsd_signal(mu_V, mu0),
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
                **describe_ring(self.sheet),
                "boundary": self.sheet.boundary,
                **settings,
                "mu_V0_V": mu0,
                "inhibitory_fraction": g,
                **provenance(),
            },
        )
