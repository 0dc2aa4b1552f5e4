"""An independent plain-NumPy transcription of the ring (SPEC 8), for tests and benchmarks.

Written from the equations, not from the compiled kernel: full N x N matrices of distances,
weights and delays, the whole history kept, the transfer functions evaluated by
:meth:`adexmf.theory.transfer.TransferFunction.evaluate`. First order only. It uses the same
numerical scheme as the kernel (Euler or Heun; delays interpolated linearly in time, the
predictor read where a delay is shorter than one step) so that the two agree to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..meanfield import fixed_point
from ..params import Ring, RingStimulus, population_average
from ..stimuli import gaussian_profile
from .settings import DEFAULT_VSD_INPUT


def numpy_ring(
    ring: Ring,
    model,
    stimuli: Sequence[RingStimulus],
    duration: float,
    dt: float,
    method: str = "heun",
    initial: np.ndarray | None = None,
    vsd_input: str = DEFAULT_VSD_INPUT,
) -> dict[str, np.ndarray]:
    """Integrate the first-order ring with NumPy.

    Parameters
    ----------
    ring : Ring
    model : MeanFieldModel
        First-order column (its transfer functions, T and g are used).
    stimuli : sequence of RingStimulus
    duration, dt : float
        Biological time and step (s).
    method : {"heun", "euler"}
    initial : array (2,), optional
        Homogeneous rates (nu_e, nu_i) in Hz; default the column's fixed point.
    vsd_input : {"lateral", "total"}
        Inputs of dV/V0 (:meth:`adexmf.ring.RingModel.run`); default lateral only.

    Returns
    -------
    dict
        ``time`` (s), ``x`` (m), ``nu_e``, ``nu_i`` (time, x) in Hz, ``mu_V`` (V) and
        ``vsd`` (dimensionless).
    """
    tf_e, tf_i = model.transfer_functions
    g = model.preset.network.inhibitory_fraction
    lat = _Lateral.of(ring, dt)
    n_steps = int(round(duration / dt))
    t = np.arange(n_steps + 1) * dt
    aff = _afferent(ring, stimuli, lat.x, t)
    if initial is None:
        initial = fixed_point(model, ring.drive).vector[:2]
    he, hi = _integrate(model, ring.drive, lat, aff, initial, dt, method)
    nu_e, nu_i = he[lat.pad :], hi[lat.pad :]
    E = np.empty_like(nu_e)
    I = np.empty_like(nu_i)  # noqa: E741
    for n in range(n_steps + 1):
        E[n], I[n] = lat.inputs(he, hi, n)
    a = 0.0 if vsd_input == "lateral" else aff
    mu_e = tf_e.evaluate(E + ring.drive + a, I).stats.mu_V
    mu_i = tf_i.evaluate(E + ring.drive, I).stats.mu_V
    mu = population_average(mu_e, mu_i, g)
    mu0 = population_average(
        tf_e.evaluate(initial[0] + ring.drive, initial[1]).stats.mu_V,
        tf_i.evaluate(initial[0] + ring.drive, initial[1]).stats.mu_V,
        g,
    )
    return {
        "time": t,
        "x": lat.x,
        "nu_e": nu_e,
        "nu_i": nu_i,
        "mu_V": mu,
        "vsd": np.abs(mu - mu0) / abs(mu0),
    }


@dataclass(frozen=True)
class _Lateral:
    """Full N x N matrices of the ring: weights of both kernels (rows sum to 1) and delays
    in steps, split as s + f; the positions x (m) of the columns."""

    x: np.ndarray
    We: np.ndarray
    Wi: np.ndarray
    s: np.ndarray
    f: np.ndarray

    @classmethod
    def of(cls, ring: Ring, dt: float) -> _Lateral:
        """The matrices of ``ring`` for a step ``dt`` (s)."""
        N, L = ring.n_units, ring.length
        x = np.arange(N) * L / N
        D = np.abs(x[:, None] - x[None, :])
        D = np.minimum(D, L - D)  # shortest way round
        We = np.exp(-(D**2) / (2 * ring.l_exc**2))
        Wi = np.exp(-(D**2) / (2 * ring.l_inh**2))
        We /= We.sum(axis=1, keepdims=True)
        Wi /= Wi.sum(axis=1, keepdims=True)
        u = D / (ring.v_c * dt)
        s = np.floor(u).astype(int)
        return cls(x, We, Wi, s, u - s)

    @property
    def pad(self) -> int:
        """Rows of history before step 0 (row pad + n is time step n)."""
        return int(self.s.max()) + 2

    def inputs(self, he: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Lateral excitatory and inhibitory inputs (Hz) of every column at step n, from the
        histories ``he``, ``hi`` of the rates (delays interpolated linearly in time)."""
        cols = np.arange(self.x.size)[None, :]
        r = self.pad + n - self.s
        e = (1 - self.f) * he[r, cols] + self.f * he[r - 1, cols]
        i = (1 - self.f) * hi[r, cols] + self.f * hi[r - 1, cols]
        return (self.We * e).sum(axis=1), (self.Wi * i).sum(axis=1)


def _afferent(
    ring: Ring, stimuli: Sequence[RingStimulus], x: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Afferent input (Hz) of every column at every step, (n_times, N)."""
    N, L = ring.n_units, ring.length
    aff = np.zeros((t.size, N))
    for st in stimuli:
        # the stimulus's discretisation (cell averages) is shared, not re-derived here
        space = st.amplitude * gaussian_profile(x, st.x0, st.l_stim, cell=L / N, ring_length=L)
        width = np.where(t < st.t0, st.tau1, st.tau2)
        aff += np.exp(-((t - st.t0) ** 2) / (2 * width**2))[:, None] * space[None, :]
    return aff


def _integrate(
    model,
    drive: float,
    lat: _Lateral,
    aff: np.ndarray,
    initial: np.ndarray,
    dt: float,
    method: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Euler or Heun steps of the first-order rates from the homogeneous ``initial`` (Hz):
    the histories of nu_e and nu_i (Hz), rows pad + n for step n."""
    tf_e, tf_i = model.transfer_functions
    T = model.T
    n_steps = aff.shape[0] - 1
    pad = lat.pad
    he = np.full((pad + n_steps + 1, lat.x.size), float(initial[0]))
    hi = np.full((pad + n_steps + 1, lat.x.size), float(initial[1]))

    def deriv(n):
        E, I = lat.inputs(he, hi, n)  # noqa: E741
        Fe = tf_e(E + drive + aff[n], I)
        Fi = tf_i(E + drive, I)
        return (Fe - he[pad + n]) / T, (Fi - hi[pad + n]) / T

    for n in range(n_steps):
        de, di = deriv(n)
        ye, yi = he[pad + n].copy(), hi[pad + n].copy()
        he[pad + n + 1] = np.maximum(ye + dt * de, 0.0)
        hi[pad + n + 1] = np.maximum(yi + dt * di, 0.0)
        if method == "heun":
            de2, di2 = deriv(n + 1)
            he[pad + n + 1] = np.maximum(ye + 0.5 * dt * (de + de2), 0.0)
            hi[pad + n + 1] = np.maximum(yi + 0.5 * dt * (di + di2), 0.0)
    return he, hi
