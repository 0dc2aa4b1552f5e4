"""Right-hand sides of the mean-field models (SPEC 5.1-5.3), with exact derivatives.

Three variants share one state vector of six entries (SI units)::

    0 nu_e (Hz)  1 nu_i (Hz)  2 c_ee (Hz^2)  3 c_ei (Hz^2)  4 c_ii (Hz^2)  5 W (A)

- first order (``order=1``): ``T dnu_a/dt = F_a - nu_a`` (SPEC 5.2);
- second order (``order=2``), the Master Equation of El Boustani & Destexhe (2009, SPEC 5.1),
  which adds the covariances c_lm of the population rates;
- the adaptation variant (``adaptation=True``, di Volo et al. 2019, SPEC 5.3) adds the mean
  adaptation current W of the excitatory (RS) population,
  ``dW/dt = -W / tau_w + b nu_e + a (mu_V - E_L) / tau_w``, to either order.

Entries a variant does not use stay at zero. The inputs are

    F_e = F_RS(nu_e + x_de nu_drive + x_ae nu_aff, nu_i, W)
    F_i = F_FS(nu_e + x_di nu_drive + x_ai nu_aff, nu_i, 0)

with the routing weights x (defaults: drive to both populations, afferent stimulus to the
excitatory population only, SPEC 5.1). Derivatives are taken with respect to the two rate
arguments at the same point; they are the exact derivatives returned by
:func:`adexmf.theory.transfer.transfer_dual` (second-order dual numbers), never finite
differences, so that the equations are finite everywhere, zero drive included.

**Adaptation and the transfer function.** W enters the transfer function only through the
mean membrane potential, ``mu_V = (mu_Ge E_e + mu_Gi E_i + g_L E_L - W) / mu_G`` (SPEC 3.1).
The ``zerlaut2018`` and ``corrected`` presets were fitted on single cells whose w evolved
freely, and the fit evaluated the template at W = 0: their thresholds already absorb the
stationary adaptation of the RS cell (RS at nu_e = 6 Hz, nu_i = 5 Hz fires ~12 Hz with free
w, ~32 Hz with w clamped at 0; the published F_RS gives 11.5 Hz). With these presets the
variant counts adaptation twice (once in the threshold, once through W in mu_V) and lowers
the rates too much (4 Hz drive, first order: 0.94 Hz with ``corrected``).
**For an adaptation-consistent model use the preset ``corrected_adaptation`` with
``adaptation=True``**: its RS transfer function was refitted on the same data with the
template evaluated at the stationary W of each point (``adexmf tf fit --adaptation
stationary``, SPEC 5.3), so W is counted once (4 Hz drive: nu_e = 1.97 Hz first order,
2.03 Hz second order; the spiking network ~1.6-1.7 Hz). Without ``adaptation=True`` that
preset describes a non-adapting RS population and gives far too high rates. A preset fitted
on data that span W (``adexmf tf characterize --w-levels``, then ``tf fit``) can be used
unchanged too. The default preset is never switched silently.

Compiled kernels receive three packed float64 vectors: the model vector of
:meth:`MeanFieldModel.packed` (layout below) and the packed transfer functions of the
excitatory and inhibitory cells (:attr:`adexmf.theory.transfer.TransferFunction.packed`)::

    0 T  1 N_e  2 N_i  3 order  4 adaptation  5 a  6 b  7 tau_w
    8 drive->e  9 drive->i  10 afferent->e  11 afferent->i
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import ParameterError, check_range
from ..params import Preset, load_preset
from ..theory.fluctuations import MAX_RATE, membrane_moments
from ..theory.transfer import TransferFunction, transfer_dual

#: Names of the six state variables, in kernel order.
STATE_NAMES: tuple[str, ...] = ("nu_e", "nu_i", "c_ee", "c_ei", "c_ii", "W")
#: SI units of the state variables.
STATE_UNITS: dict[str, str] = {
    "nu_e": "Hz",
    "nu_i": "Hz",
    "c_ee": "Hz^2",
    "c_ei": "Hz^2",
    "c_ii": "Hz^2",
    "W": "A",
}
N_STATE = 6
N_MODEL_PARAMS = 12
#: Markov time constant of the reference model (s), SPEC 5.1.
DEFAULT_T = 5e-3


# ----------------------------------------------------------------------------- kernels
@njit(cache=True)
def moment_equations(T, N_e, N_i, order, nu_e, nu_i, c_ee, c_ei, c_ii, Fe, Fi):
    """Time derivatives of rates and covariances given the transfer functions (SPEC 5.1-5.2).

    Written once, compiled for the kernels; its pure-Python version (``.py_func``) serves the
    plain-NumPy baseline of the benchmark.

    Parameters
    ----------
    T : float
        Markov time constant (s).
    N_e, N_i : float
        Population sizes (finite-size term of the variances).
    order : float
        1 (first order) or 2 (second order).
    nu_e, nu_i : float
        Population rates (Hz).
    c_ee, c_ei, c_ii : float
        Covariances of the rates (Hz^2); ignored at first order.
    Fe, Fi : tuple of 10 floats
        Transfer functions as dual numbers (value, gradient, Hessian), as returned by
        :func:`~adexmf.theory.transfer.transfer_dual`.

    Returns
    -------
    tuple of 5 floats
        d nu_e/dt, d nu_i/dt (Hz/s), d c_ee/dt, d c_ei/dt, d c_ii/dt (Hz^2/s).
    """
    inv_T = 1.0 / T
    Fe0, Fi0 = Fe[0], Fi[0]
    if order < 1.5:
        return (Fe0 - nu_e) * inv_T, (Fi0 - nu_i) * inv_T, 0.0, 0.0, 0.0
    # Gradients (index 1: d/dnu_e, 2: d/dnu_i) and Hessians (4: ee, 5: ei, 7: ii).
    Fe_e, Fe_i, Fi_e, Fi_i = Fe[1], Fe[2], Fi[1], Fi[2]
    # T dnu_a/dt = F_a - nu_a + 1/2 sum_lm c_lm d2F_a/dnu_l dnu_m   (c_ie = c_ei)
    dnu_e = Fe0 - nu_e + 0.5 * (c_ee * Fe[4] + 2.0 * c_ei * Fe[5] + c_ii * Fe[7])
    dnu_i = Fi0 - nu_i + 0.5 * (c_ee * Fi[4] + 2.0 * c_ei * Fi[5] + c_ii * Fi[7])
    de = Fe0 - nu_e
    di = Fi0 - nu_i
    # T dc_lm/dt = A_lm + (F_l - nu_l)(F_m - nu_m) + sum_k c_lk dF_m/dnu_k
    #              + sum_k c_km dF_l/dnu_k - 2 c_lm,   A_ll = F_l (1/T - F_l) / N_l
    dc_ee = Fe0 * (inv_T - Fe0) / N_e + de * de + 2.0 * (c_ee * Fe_e + c_ei * Fe_i) - 2.0 * c_ee
    dc_ei = de * di + (c_ee * Fi_e + c_ei * Fi_i) + (c_ei * Fe_e + c_ii * Fe_i) - 2.0 * c_ei
    dc_ii = Fi0 * (inv_T - Fi0) / N_i + di * di + 2.0 * (c_ei * Fi_e + c_ii * Fi_i) - 2.0 * c_ii
    return dnu_e * inv_T, dnu_i * inv_T, dc_ee * inv_T, dc_ei * inv_T, dc_ii * inv_T


@njit(cache=True, inline="always")
def population_inputs(mp, y, drive, afferent):
    """Excitatory input rates (Hz) seen by the excitatory and inhibitory cells."""
    in_e = y[0] + mp[8] * drive + mp[10] * afferent
    in_i = y[0] + mp[9] * drive + mp[11] * afferent
    return in_e, in_i


@njit(cache=True, inline="always")
def adaptation_current(mp, y):
    """W (A) as seen by the excitatory transfer function: 0 unless the variant is on."""
    return y[5] if mp[4] != 0.0 else 0.0


@njit(cache=True)
def rhs_and_stiffness(mp, pe, pi, y, drive, afferent, dy):
    """Time derivative of the state (into ``dy``) and a bound on the system's stiffness.

    Parameters
    ----------
    mp : ndarray
        Packed model vector (:meth:`MeanFieldModel.packed`).
    pe, pi : ndarray
        Packed transfer functions of the excitatory and inhibitory cells.
    y : ndarray, shape (6,)
        State (nu_e, nu_i, c_ee, c_ei, c_ii in Hz and Hz^2; W in A).
    drive, afferent : float
        External drive and afferent stimulus rates (Hz) at this time.
    dy : ndarray, shape (6,)
        Output: d y / dt (Hz/s, Hz^2/s, A/s).

    Returns
    -------
    float
        Stiffness estimate (1/s): spectral radius of the rate Jacobian (dF/dnu - I) / T from
        the exact transfer-function gradients, doubled at second order (the covariances
        evolve under its Lyapunov operator). The integrators use it to keep explicit steps
        stable where steep transfer functions make the system stiff.
    """
    in_e, in_i = population_inputs(mp, y, drive, afferent)
    W = adaptation_current(mp, y)
    Fe = transfer_dual(pe, in_e, y[1], W)
    Fi = transfer_dual(pi, in_i, y[1], 0.0)
    r = moment_equations(mp[0], mp[1], mp[2], mp[3], y[0], y[1], y[2], y[3], y[4], Fe, Fi)
    dy[0] = r[0]
    dy[1] = r[1]
    dy[2] = r[2]
    dy[3] = r[3]
    dy[4] = r[4]
    if mp[4] != 0.0:
        # dW/dt = -W / tau_w + b nu_e + a (mu_V - E_L) / tau_w   (SPEC 5.3); E_L = pe[2]
        mu_V = membrane_moments(pe, max(in_e, 0.0), max(y[1], 0.0), W)[1][0]
        dy[5] = (-W + mp[5] * (mu_V - pe[2])) / mp[7] + mp[6] * y[0]
    else:
        dy[5] = 0.0
    # Spectral radius of the rate Jacobian (dF/dnu - I) / T, exactly (2x2); at second order
    # the covariances evolve under the Lyapunov operator of the same matrix, whose
    # eigenvalues are the pairwise sums: radius doubled.
    a, b, c, e = Fe[1] - 1.0, Fe[2], Fi[1], Fi[2] - 1.0
    half_trace = 0.5 * (a + e)
    det = a * e - b * c
    disc = half_trace * half_trace - det
    if disc >= 0.0:
        radius = abs(half_trace) + np.sqrt(disc)
    else:
        radius = np.sqrt(det)  # complex pair: |lambda|^2 = det
    return radius * (2.0 if mp[3] > 1.5 else 1.0) / mp[0]


@njit(cache=True)
def rhs(mp, pe, pi, y, drive, afferent, dy):
    """Time derivative of the mean-field state, written into ``dy`` (SI units per second).

    Arguments as in :func:`rhs_and_stiffness`.
    """
    rhs_and_stiffness(mp, pe, pi, y, drive, afferent, dy)


@njit(cache=True)
def active_indices(mp):
    """Indices of the state entries the variant evolves (others stay 0)."""
    n = (2 if mp[3] < 1.5 else 5) + (1 if mp[4] != 0.0 else 0)
    idx = np.empty(n, dtype=np.int64)
    m = 2 if mp[3] < 1.5 else 5
    for k in range(m):
        idx[k] = k
    if mp[4] != 0.0:
        idx[n - 1] = 5
    return idx


@njit(cache=True)
def jacobian(mp, pe, pi, y, drive, afferent, J):
    """Jacobian d(dy)/dy (1/s, in SI units of the state) of :func:`rhs`, into ``J`` (6x6).

    First order (with or without adaptation): exact, from the dual-number derivatives of the
    transfer functions and of mu_V. Second order: central differences of the exact-derivative
    right-hand side (an exact Jacobian would need third derivatives of the transfer function),
    with steps of 1e-6 of each entry's scale; accurate to ~1e-9 relative.
    """
    J[:, :] = 0.0
    if mp[3] < 1.5:
        T = mp[0]
        in_e, in_i = population_inputs(mp, y, drive, afferent)
        W = adaptation_current(mp, y)
        Fe = transfer_dual(pe, in_e, y[1], W)
        Fi = transfer_dual(pi, in_i, y[1], 0.0)
        J[0, 0] = (Fe[1] - 1.0) / T
        J[0, 1] = Fe[2] / T
        J[1, 0] = Fi[1] / T
        J[1, 1] = (Fi[2] - 1.0) / T
        if mp[4] != 0.0:
            J[0, 5] = Fe[3] / T
            mu_V = membrane_moments(pe, max(in_e, 0.0), max(y[1], 0.0), W)[1]
            a_over_tau = mp[5] / mp[7]
            J[5, 0] = mp[6] + a_over_tau * mu_V[1]
            J[5, 1] = a_over_tau * mu_V[2]
            J[5, 5] = -1.0 / mp[7] + a_over_tau * mu_V[3]
        return
    idx = active_indices(mp)
    yp = y.copy()
    fp = np.empty(N_STATE)
    fm = np.empty(N_STATE)
    for j in idx:
        typical = 1e-12 if j == 5 else (1.0 if j < 2 else 1e-2)
        h = 1e-6 * max(abs(y[j]), typical)
        yp[j] = y[j] + h
        rhs(mp, pe, pi, yp, drive, afferent, fp)
        yp[j] = y[j] - h
        rhs(mp, pe, pi, yp, drive, afferent, fm)
        yp[j] = y[j]
        for i in idx:
            J[i, j] = (fp[i] - fm[i]) / (2.0 * h)


# ------------------------------------------------------------------------------- model
@dataclass(frozen=True, eq=False)
class MeanFieldModel:
    """A mean-field model of the excitatory-inhibitory network of a preset.

    Parameters
    ----------
    preset : Preset or str
        Parameter set (or its name / TOML path); gives the cells, synapses, network sizes
        and the transfer functions of the excitatory and inhibitory cells.
    order : {1, 2}
        First order (rates) or second order (rates and covariances, SPEC 5.1).
    adaptation : bool
        Add the adaptation current W of the excitatory population (di Volo et al. 2019,
        SPEC 5.3). W enters the transfer function only through mu_V. The ``zerlaut2018``
        and ``corrected`` transfer functions were fitted at W = 0 on cells with free
        adaptation, so they already contain its stationary effect and the variant counts
        adaptation twice with them. For an adaptation-consistent model use
        ``preset="corrected_adaptation"`` with ``adaptation=True`` (RS refitted at the
        stationary W, see the module docstring); the preset is not changed for you.
    T : float
        Markov time constant (s), default 5 ms.
    a, b, tau_w : float, optional
        Adaptation parameters of the excitatory population: subthreshold conductance (S),
        spike-triggered increment (A), time constant (s). Default: those of the preset's
        excitatory cell. ``a = b = 0`` makes the variant reduce exactly to the first order.
    drive_to : tuple of 2 floats
        Weights of the external drive onto the excitatory input of the (exc, inh) cells;
        default (1, 1): both populations (SPEC 5.1).
    afferent_to : tuple of 2 floats
        Weights of the afferent stimulus; default (1, 0): excitatory population only.

    Examples
    --------
    >>> from adexmf.meanfield import MeanFieldModel
    >>> model = MeanFieldModel("zerlaut2018", order=2)
    >>> fp = model.fixed_point(drive=4.0)
    >>> round(fp.state["nu_e"], 4)
    2.3997
    """

    preset: Preset | str
    order: int = 2
    adaptation: bool = False
    T: float = DEFAULT_T
    a: float | None = None
    b: float | None = None
    tau_w: float | None = None
    drive_to: tuple[float, float] = (1.0, 1.0)
    afferent_to: tuple[float, float] = (1.0, 0.0)

    def __post_init__(self) -> None:
        preset = load_preset(self.preset) if isinstance(self.preset, str) else self.preset
        object.__setattr__(self, "preset", preset)
        if self.order not in (1, 2) or isinstance(self.order, bool):
            raise ParameterError(f"order = {self.order!r} is not allowed; allowed: 1, 2")
        object.__setattr__(self, "order", int(self.order))
        object.__setattr__(self, "adaptation", bool(self.adaptation))
        check_range("T", self.T, 0.0, 1.0, unit="s", low_inclusive=False)
        exc = preset.excitatory
        a = exc.a if self.a is None else self.a
        b = exc.b if self.b is None else self.b
        tau_w = exc.tau_w if self.tau_w is None else self.tau_w
        check_range("a", a, 0.0, 1e-6, unit="S")
        check_range("b", b, 0.0, 1e-9, unit="A")
        if self.adaptation:
            if tau_w is None:
                raise ParameterError(
                    f"tau_w is missing: the excitatory cell {exc.name!r} of preset "
                    f"{preset.name!r} has no adaptation time constant; give tau_w in (0, 100] s"
                )
            check_range("tau_w", tau_w, 0.0, 100.0, unit="s", low_inclusive=False)
        object.__setattr__(self, "a", float(a))
        object.__setattr__(self, "b", float(b))
        object.__setattr__(self, "tau_w", None if tau_w is None else float(tau_w))
        for name in ("drive_to", "afferent_to"):
            weights = tuple(float(w) for w in getattr(self, name))
            if len(weights) != 2:
                raise ParameterError(f"{name} needs 2 weights (exc, inh), got {weights!r}")
            for k, w in enumerate(weights):
                check_range(f"{name}[{k}]", w, 0.0, 10.0)
            object.__setattr__(self, name, weights)
        tf_e = TransferFunction.from_preset(preset, preset.network.excitatory_cell)
        tf_i = TransferFunction.from_preset(preset, preset.network.inhibitory_cell)
        object.__setattr__(self, "_tf", (tf_e, tf_i))

    # ------------------------------------------------------------------ packed vectors
    @property
    def transfer_functions(self) -> tuple[TransferFunction, TransferFunction]:
        """Transfer functions of the excitatory and inhibitory cells."""
        return self._tf  # type: ignore[attr-defined]

    @property
    def packed(self) -> np.ndarray:
        """Packed model vector for compiled kernels (layout in the module docstring)."""
        net = self.preset.network
        tau_w = self.tau_w if self.tau_w is not None else 1.0
        return np.array(
            [
                self.T, float(net.n_exc), float(net.n_inh), float(self.order),
                1.0 if self.adaptation else 0.0, self.a, self.b, tau_w,
                *self.drive_to, *self.afferent_to,
            ],
            dtype=np.float64,
        )  # fmt: skip

    @property
    def packed_transfer(self) -> tuple[np.ndarray, np.ndarray]:
        """Packed transfer functions (excitatory, inhibitory) as contiguous float64 arrays."""
        # Writable copies: kernels then see one array type everywhere (few compiled signatures).
        return tuple(np.array(tf.packed, dtype=np.float64) for tf in self._tf)  # type: ignore[return-value]

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names of the state entries this variant evolves."""
        return tuple(STATE_NAMES[k] for k in active_indices(self.packed))

    @property
    def label(self) -> str:
        """Short description, e.g. ``"second order"`` or ``"first order + adaptation"``."""
        text = "first order" if self.order == 1 else "second order"
        return text + (" + adaptation" if self.adaptation else "")

    def replace(self, **changes) -> MeanFieldModel:
        """Return a copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict[str, str | float | int]:
        """Settings as NetCDF-friendly attributes (SI units)."""
        return {
            "preset": self.preset.name,
            "level": self.preset.level,
            "order": self.order,
            "adaptation": int(self.adaptation),
            "T_s": self.T,
            "a_S": float(self.a),
            "b_A": float(self.b),
            "tau_w_s": float(self.tau_w) if self.tau_w is not None else float("nan"),
            "drive_to": f"exc {self.drive_to[0]:g}, inh {self.drive_to[1]:g}",
            "afferent_to": f"exc {self.afferent_to[0]:g}, inh {self.afferent_to[1]:g}",
            "N_e": self.preset.network.n_exc,
            "N_i": self.preset.network.n_inh,
            "transfer_layout": self._tf[0].params.layout,  # type: ignore[attr-defined]
            "inhibitory_term": self._tf[0].params.inhibitory_term,  # type: ignore[attr-defined]
        }

    # ------------------------------------------------------------------------- calls
    def state_vector(self, state=None, **values: float) -> np.ndarray:
        """A full 6-entry state vector (SI) from a mapping/array and keyword values."""
        y = np.zeros(N_STATE)
        if state is not None:
            if isinstance(state, dict):
                values = {**state, **values}
            else:
                arr = np.asarray(state, dtype=np.float64).ravel()
                if arr.size != N_STATE:
                    raise ParameterError(f"state needs {N_STATE} entries {STATE_NAMES}")
                y[:] = arr
        for name, value in values.items():
            if name not in STATE_NAMES:
                raise ParameterError(
                    f"unknown state variable {name!r}; allowed: {', '.join(STATE_NAMES)}"
                )
            y[STATE_NAMES.index(name)] = float(value)
        return y

    def rhs(self, state, drive: float = 0.0, afferent: float = 0.0) -> np.ndarray:
        """Time derivative of the state (SI units per second).

        Parameters
        ----------
        state : array_like of 6 floats or dict
            (nu_e, nu_i in Hz; c_ee, c_ei, c_ii in Hz^2; W in A).
        drive, afferent : float
            Input rates (Hz), >= 0.
        """
        check_inputs(drive, afferent)
        y = self.state_vector(state)
        dy = np.empty(N_STATE)
        pe, pi = self.packed_transfer
        rhs(self.packed, pe, pi, y, float(drive), float(afferent), dy)
        return dy

    def jacobian(self, state, drive: float = 0.0, afferent: float = 0.0) -> np.ndarray:
        """Jacobian of :meth:`rhs` restricted to the active state entries (1/s, SI)."""
        check_inputs(drive, afferent)
        y = self.state_vector(state)
        J = np.zeros((N_STATE, N_STATE))
        pe, pi = self.packed_transfer
        mp = self.packed
        jacobian(mp, pe, pi, y, float(drive), float(afferent), J)
        idx = active_indices(mp)
        return J[np.ix_(idx, idx)]

    def fixed_points(self, drive: float = 0.0, afferent: float = 0.0, **kwargs):
        """All fixed points in a box; see :func:`adexmf.meanfield.fixedpoints.find_fixed_points`."""
        from .fixedpoints import find_fixed_points

        return find_fixed_points(self, drive, afferent, **kwargs)

    def fixed_point(self, drive: float = 0.0, afferent: float = 0.0, **kwargs):
        """The relevant fixed point; see :func:`adexmf.meanfield.fixedpoints.fixed_point`."""
        from .fixedpoints import fixed_point

        return fixed_point(self, drive, afferent, **kwargs)

    def run(self, duration: float, **kwargs):
        """Integrate in time; see :func:`adexmf.meanfield.integrate.integrate`."""
        from .integrate import integrate

        return integrate(self, duration, **kwargs)


def check_inputs(drive, afferent=0.0) -> None:
    """Check that input rates (Hz) are finite and within [0, MAX_RATE].

    Raises
    ------
    InputRangeError
        Naming the offending input and the allowed range.
    """
    from ..errors import InputRangeError

    for name, value in (("drive", drive), ("afferent", afferent)):
        arr = np.asarray(value, dtype=np.float64)
        bad = ~(np.isfinite(arr) & (arr >= 0.0) & (arr <= MAX_RATE))
        if bad.any():
            first = float(arr[bad].flat[0])
            raise InputRangeError(
                f"{name} = {first:g} Hz is not admissible; allowed: finite rates in "
                f"[0, {MAX_RATE:g}] Hz"
            )
