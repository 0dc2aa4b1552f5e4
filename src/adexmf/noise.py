"""A seeded Ornstein-Uhlenbeck fluctuation of the external drive, as a function of time.

TVB-AdEx (SPEC 11) adds ``weight_noise * ou_drift``, an Ornstein-Uhlenbeck process of
correlation time tau_OU = 5 ms, to the external excitatory rate of both populations and sets
negative rates to 0. :class:`DriveNoise` is that fluctuation for one column: one realization
per seed, defined on a fixed grid of :data:`NOISE_STEP` and read at any times by linear
interpolation, so that the spiking network (grid ``k dt``) and the mean field (its own grid)
receive the *same* realization, and a longer run extends a shorter one (the first values do
not depend on the run's length).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from .errors import ParameterError, check_range

#: Grid of the realization (s): the network's and the mean field's usual step.
NOISE_STEP = 1e-4
#: Mixed into the seed so that the realization is independent of the engine's own draws,
#: which take the same run seed.
_STREAM = 0x0D12_1F7


def ou_step(sigma: float, tau: float, dt: float) -> tuple[float, float]:
    """(decay, kick) of one exact step of ``dt`` (s) of an Ornstein-Uhlenbeck process of
    stationary standard deviation ``sigma`` and correlation time ``tau`` (s):
    ``xi <- decay xi + kick N(0, 1)`` with ``decay = exp(-dt / tau)`` and ``kick = sigma
    sqrt(1 - decay^2)``, which keeps the stationary law exactly at any step."""
    decay = float(np.exp(-dt / tau))
    return decay, float(sigma * np.sqrt(1.0 - decay * decay))


@dataclass(frozen=True)
class DriveNoise:
    """Ornstein-Uhlenbeck fluctuation of the drive: ``dxi = -xi / tau dt + sigma sqrt(2 /
    tau) dB``, started in its stationary law (mean 0, standard deviation ``sigma``).

    Attributes
    ----------
    sigma : float
        Stationary standard deviation (Hz per synapse), >= 0; 0 is no fluctuation.
    tau : float
        Correlation time (s), > 0 (TVB-AdEx: 5 ms).
    seed : int
        Seed of the realization, >= 0.
    """

    sigma: float
    tau: float = 5e-3
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("noise_sigma", self.sigma, 0.0, 1e3, unit="Hz")
        check_range("noise_tau", self.tau, 0.0, 100.0, unit="s", low_inclusive=False)
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            raise ParameterError(f"noise seed = {self.seed!r}; allowed: an integer >= 0")

    def values(self, times: np.ndarray) -> np.ndarray:
        """The realization xi (Hz) at ``times`` (s, >= 0; earlier times read xi(0)).

        Exact AR(1) steps of :data:`NOISE_STEP` from a stationary start, interpolated
        linearly; the values at times up to T are the same whatever the largest time.
        """
        t = np.asarray(times, dtype=np.float64)
        if self.sigma == 0.0 or t.size == 0:
            return np.zeros_like(t)
        n = int(np.ceil(max(float(t.max()), 0.0) / NOISE_STEP)) + 2
        decay, kick = ou_step(self.sigma, self.tau, NOISE_STEP)
        normal = np.random.default_rng([int(self.seed), _STREAM]).standard_normal(n)
        # xi[0] = sigma N0 (the stationary law); xi[k] = decay xi[k-1] + kick N_k.
        kicks = normal * kick
        kicks[0] = normal[0] * self.sigma
        xi = lfilter([1.0], [1.0, -decay], kicks)
        return np.interp(t, np.arange(n) * NOISE_STEP, xi)

    def apply(self, rate: np.ndarray, times: np.ndarray) -> np.ndarray:
        """``max(0, rate + xi(times))`` (Hz): TVB-AdEx's rectified noisy drive."""
        return np.maximum(np.asarray(rate, dtype=np.float64) + self.values(times), 0.0)
