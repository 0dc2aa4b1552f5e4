"""An independent plain-NumPy transcription of the ring (SPEC 8), for tests and benchmarks.

Written from the equations, not from the compiled kernel: full N x N matrices of distances,
weights and delays, the whole history kept, the transfer functions evaluated by
:meth:`adexmf.theory.transfer.TransferFunction.evaluate`. First order only. It uses the same
numerical scheme as the kernel (Euler or Heun; delays interpolated linearly in time, the
predictor read where a delay is shorter than one step) so that the two agree to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..params import Ring, RingStimulus, population_average
from ..stimuli import gaussian_profile


def numpy_ring(
    ring: Ring,
    model,
    stimuli: Sequence[RingStimulus],
    duration: float,
    dt: float,
    method: str = "heun",
    initial: np.ndarray | None = None,
    vsd_input: str = "total",
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
    vsd_input : {"total", "lateral"}

    Returns
    -------
    dict
        ``time`` (s), ``x`` (m), ``nu_e``, ``nu_i`` (time, x) in Hz, ``mu_V`` (V) and
        ``vsd`` (dimensionless).
    """
    from ..meanfield import fixed_point

    tf_e, tf_i = model.transfer_functions
    T = model.T
    g = model.preset.network.inhibitory_fraction
    drive = ring.drive
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
    f = u - s
    n_steps = int(round(duration / dt))
    t = np.arange(n_steps + 1) * dt
    aff = np.zeros((n_steps + 1, N))
    for st in stimuli:
        # the stimulus's discretisation (cell averages) is shared, not re-derived here
        space = st.amplitude * gaussian_profile(x, st.x0, st.l_stim, cell=L / N, ring_length=L)
        width = np.where(t < st.t0, st.tau1, st.tau2)
        aff += np.exp(-((t - st.t0) ** 2) / (2 * width**2))[:, None] * space[None, :]
    if initial is None:
        initial = fixed_point(model, drive).vector[:2]
    pad = int(s.max()) + 2
    he = np.full((pad + n_steps + 1, N), float(initial[0]))  # row pad + n is time step n
    hi = np.full((pad + n_steps + 1, N), float(initial[1]))
    cols = np.arange(N)[None, :]

    def inputs(n):
        r = pad + n - s
        e = (1 - f) * he[r, cols] + f * he[r - 1, cols]
        i = (1 - f) * hi[r, cols] + f * hi[r - 1, cols]
        return (We * e).sum(axis=1), (Wi * i).sum(axis=1)

    def deriv(n):
        E, I = inputs(n)  # noqa: E741
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
    nu_e, nu_i = he[pad:], hi[pad:]
    E = np.empty_like(nu_e)
    I = np.empty_like(nu_i)  # noqa: E741
    for n in range(n_steps + 1):
        E[n], I[n] = inputs(n)
    a = 0.0 if vsd_input == "lateral" else aff
    mu_e = tf_e.evaluate(E + drive + a, I).stats.mu_V
    mu_i = tf_i.evaluate(E + drive, I).stats.mu_V
    mu = population_average(mu_e, mu_i, g)
    mu0 = population_average(
        tf_e.evaluate(initial[0] + drive, initial[1]).stats.mu_V,
        tf_i.evaluate(initial[0] + drive, initial[1]).stats.mu_V,
        g,
    )
    return {
        "time": t,
        "x": x,
        "nu_e": nu_e,
        "nu_i": nu_i,
        "mu_V": mu,
        "vsd": np.abs(mu - mu0) / abs(mu0),
    }
