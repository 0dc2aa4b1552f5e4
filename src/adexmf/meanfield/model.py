"""The mean-field model of one RS-FS column: parameters, validation, packing (SPEC 5.1-5.3).

This is the bottom of the mean-field package's one-way layering::

    node.py        the compiled equations of one column, from its inputs (the only copy)
    model.py       ColumnModel: parameters, validation, packed vectors, rhs/Jacobian calls
    fixedpoints.py roots, stability, continuation        observables.py  SPEC 5.4
    integrate.py   time integration from an explicit start state -> Dataset
    analysis.py    MeanFieldModel (.run, .fixed_point), runs from the relevant fixed point,
                   scans, phase plane

Three variants share one state vector of six entries (SI units, ``S_*`` of
:mod:`adexmf.layouts`): nu_e, nu_i (Hz), c_ee, c_ei, c_ii (Hz^2), W (A).

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
:attr:`ColumnModel.packed` (``MF_*`` layout of :mod:`adexmf.layouts`) and the packed transfer
functions of the excitatory and inhibitory cells
(:attr:`adexmf.theory.transfer.TransferFunction.packed`), plus the integer flags
:attr:`ColumnModel.flags` (order, adaptation).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import InputRangeError, ParameterError, check_range
from ..layouts import (
    MF_A,
    MF_AFFERENT_E,
    MF_AFFERENT_I,
    MF_B,
    MF_DRIVE_E,
    MF_DRIVE_I,
    MF_N_E,
    MF_N_I,
    MF_T,
    MF_TAU_W,
    N_MODEL,
    N_STATE,
)
from ..params import Preset, load_preset
from ..theory.fluctuations import MAX_RATE
from ..theory.transfer import TransferFunction
from .node import active_indices, isolated_column_jacobian, isolated_column_rhs

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
#: Markov time constant of the reference model (s), SPEC 5.1.
DEFAULT_T = 5e-3


# ------------------------------------------------------------------------------- model
@dataclass(frozen=True, eq=False)
class ColumnModel:
    """A mean-field model of the excitatory-inhibitory network of a preset (one column).

    The settings, their validation and the packed vectors of the compiled kernels. Use
    :class:`adexmf.meanfield.MeanFieldModel`, which adds ``.run`` and ``.fixed_point``.

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

    @property
    def synaptic_filter(self) -> float:
        """Time constant (s) of a synaptic filter on the transfer functions' inputs: none
        (0) for this model; a
        :class:`~adexmf.meanfield.synaptic_filter.FilteredMeanFieldModel` has one."""
        return 0.0

    # ------------------------------------------------------------------ packed vectors
    @property
    def transfer_functions(self) -> tuple[TransferFunction, TransferFunction]:
        """Transfer functions of the excitatory and inhibitory cells."""
        return self._tf  # type: ignore[attr-defined]

    @property
    def packed(self) -> np.ndarray:
        """Packed model vector for compiled kernels (``MF_*`` layout of :mod:`adexmf.layouts`)."""
        net = self.preset.network
        mp = np.empty(N_MODEL, dtype=np.float64)
        mp[MF_T], mp[MF_N_E], mp[MF_N_I] = self.T, float(net.n_exc), float(net.n_inh)
        mp[MF_A], mp[MF_B] = self.a, self.b
        mp[MF_TAU_W] = self.tau_w if self.tau_w is not None else 1.0
        mp[MF_DRIVE_E], mp[MF_DRIVE_I] = self.drive_to
        mp[MF_AFFERENT_E], mp[MF_AFFERENT_I] = self.afferent_to
        return mp

    @property
    def flags(self) -> tuple[int, int]:
        """Integer flags of the compiled kernels: (order, adaptation as 0 or 1)."""
        return self.order, int(self.adaptation)

    @property
    def packed_transfer(self) -> tuple[np.ndarray, np.ndarray]:
        """Packed transfer functions (excitatory, inhibitory) as contiguous float64 arrays."""
        # Writable copies: kernels then see one array type everywhere (few compiled signatures).
        return tuple(np.array(tf.packed, dtype=np.float64) for tf in self._tf)  # type: ignore[return-value]

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names of the state entries this variant evolves."""
        return tuple(STATE_NAMES[k] for k in active_indices(*self.flags))

    @property
    def label(self) -> str:
        """Short description, e.g. ``"second order"`` or ``"first order + adaptation"``."""
        text = "first order" if self.order == 1 else "second order"
        return text + (" + adaptation" if self.adaptation else "")

    def replace(self, **changes) -> ColumnModel:
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
        isolated_column_rhs(self.packed, pe, pi, *self.flags, y, float(drive), float(afferent), dy)
        return dy

    def jacobian(self, state, drive: float = 0.0, afferent: float = 0.0) -> np.ndarray:
        """Jacobian of :meth:`rhs` restricted to the active state entries (1/s, SI)."""
        check_inputs(drive, afferent)
        y = self.state_vector(state)
        J = np.zeros((N_STATE, N_STATE))
        pe, pi = self.packed_transfer
        order, adaptation = self.flags
        isolated_column_jacobian(
            self.packed, pe, pi, order, adaptation, y, float(drive), float(afferent), J
        )
        idx = active_indices(order, adaptation)
        return J[np.ix_(idx, idx)]


def check_inputs(drive, afferent=0.0) -> None:
    """Check that input rates (Hz) are finite and within [0, MAX_RATE].

    Raises
    ------
    InputRangeError
        Naming the offending input and the allowed range.
    """
    for name, value in (("drive", drive), ("afferent", afferent)):
        arr = np.asarray(value, dtype=np.float64)
        bad = ~(np.isfinite(arr) & (arr >= 0.0) & (arr <= MAX_RATE))
        if bad.any():
            first = float(arr[bad].flat[0])
            raise InputRangeError(
                f"{name} = {first:g} Hz is not admissible; allowed: finite rates in "
                f"[0, {MAX_RATE:g}] Hz"
            )


def check_unfiltered(model: ColumnModel, what: str) -> None:
    """Refuse a model with a synaptic filter (a
    :class:`~adexmf.meanfield.synaptic_filter.FilteredMeanFieldModel`) where kernels without
    the filter would integrate it as if it had none.

    Raises
    ------
    ParameterError
        Naming the filter's time constant and what refuses it.
    """
    tau_s = model.synaptic_filter
    if tau_s:
        raise ParameterError(
            f"synaptic_filter = {tau_s:g} s; allowed: 0 for {what}, whose kernels have no "
            "synaptic filter (a filtered model is integrated by its own run method)"
        )
