"""Fixed-step time integration of the mean-field models -> xarray Datasets.

Two explicit schemes, compiled with Numba: forward Euler (order 1) and Heun (explicit
trapezoidal, order 2). Inputs (drive, afferent stimulus) are sampled on the time grid
``t_k = k dt``: Euler uses the value at t_k, Heun those at t_k and t_{k+1}. Rates are kept
non-negative after every step (projection onto the admissible set, below).

Strong inputs drive the transfer functions into their steep range. There the equations
become stiff (eigenvalues (F' - 1) / T for the rates, twice that for the covariances), and
the second order itself turns unstable: at drive 3 Hz under a 25 Hz, 101 Hz sinusoid the
Jacobian has eigenvalues with real parts up to +7000/s, the covariances grow to ~10^4 Hz^2
(rate std ~ 100 Hz: the Master Equation is far outside its validity) and Euler at
dt = 0.1 ms ran away to 5e6 Hz. Two safeguards keep every run finite:

- every step computes the spectral radius rho of the rate Jacobian from the exact
  transfer-function gradients (no extra evaluation) and is split into
  ceil(rho dt / STIFFNESS_LIMIT) equal sub-steps when rho dt > STIFFNESS_LIMIT (inputs
  interpolated linearly);
- the state is projected onto its admissible set after every (sub-)step: rates >= 0 and,
  at second order, rates <= 1/T with a positive semi-definite covariance matrix whose
  variances are <= 1 / (4 T^2): the Master Equation describes at most one spike per neuron
  per Markov bin T (its finite-size term A_ll = F (1/T - F) / N_l is non-negative only
  there), and 1 / (4 T^2) is the largest variance of a rate confined to [0, 1/T].

In ordinary regimes (all reference runs, the convergence tests and the benchmark) neither
acts and the schemes are exactly the fixed-step ones; the number of split steps is recorded
in ``attrs["substepped_steps"]`` and, when it is not 0, reported by a
:class:`~adexmf.errors.ValidityWarning` (a sub-stepped run is not a number to trust at that dt).

Cost on the 2-core development machine: 5.2 ms (Euler) and 10.1 ms (Heun) per second of
biological time, second order, dt = 0.1 ms, i.e. ~270x a plain NumPy loop over the same
equations (benchmarks/bench_meanfield.py, under load). The transfer functions (two
dual-number evaluations per right-hand side) are most of it; they are inlined into the
kernels so that the compiler drops the derivatives a kernel never reads.

Measured global errors (max |nu - nu_ref| over 0.2 s) against a Heun run at dt/32, second
order, drive 4 Hz, double Gaussian A = 4 Hz (tests/test_meanfield_integrate.py):

    dt (ms)      0.4       0.2       0.1       0.05     slope of log(error) vs log(dt)
    Euler (Hz)   0.040     0.020     0.0100    0.0050   1.00
    Heun (Hz)    1.9e-3    4.8e-4    1.2e-4    2.8e-5   2.03

:func:`integrate` runs one model; :func:`integrate_batch` runs many parameter sets or inputs
in one compiled call, in parallel across the batch (never inside the time loop). Both take an
explicit start state; :mod:`adexmf.meanfield.analysis` (``MeanFieldModel.run``) starts them
from the relevant fixed point (ARCHITECTURE: the second order started at an arbitrary state
can swing to negative rates). The result Dataset is built by
:func:`adexmf.meanfield.timecourse.to_dataset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from numba import njit, prange

from ..errors import InputRangeError, ParameterError, check_range
from ..layouts import MF_T, N_STATE, S_C_EE, S_C_EI, S_C_II, S_NU_E, S_NU_I
from ..stimuli import Waveform, sample_waveform
from ..theory.fluctuations import admissible_rate
from ..validity import warn_substepped
from .fixedpoints import FixedPoint
from .model import STATE_NAMES, ColumnModel, check_unfiltered
from .node import isolated_column_rhs
from .timecourse import to_dataset

METHODS = {"euler": 0, "heun": 1}
#: Largest stiffness x step product taken in one explicit step (both schemes are stable on
#: the negative real axis up to 2); stiffer steps are split.
STIFFNESS_LIMIT = 1.0
#: Most sub-steps one step is split into.
MAX_SUBSTEPS = 1000
#: Largest number of stored values (state entries x records x batch) of one call.
MAX_STORED = 2e8


# ----------------------------------------------------------------------------- kernels
@njit(cache=True, inline="always")
def _project(y, nu_max, c_max):
    """Project onto the admissible set: rates in [0, nu_max] and a covariance matrix that is
    positive semi-definite with variances <= c_max. At second order nu_max = 1/T (at most one
    spike per neuron per Markov bin T, where A_ll = F (1/T - F) / N_l >= 0) and
    c_max = 1 / (4 T^2), Popoviciu's bound on the variance of a rate confined to [0, 1/T];
    at first order nu_max = inf."""
    y[S_NU_E] = min(admissible_rate(y[S_NU_E]), nu_max)
    y[S_NU_I] = min(admissible_rate(y[S_NU_I]), nu_max)
    y[S_C_EE] = min(max(y[S_C_EE], 0.0), c_max)
    y[S_C_II] = min(max(y[S_C_II], 0.0), c_max)
    bound = np.sqrt(y[S_C_EE] * y[S_C_II])
    y[S_C_EI] = min(max(y[S_C_EI], -bound), bound)


@njit(cache=True, inline="always")
def _advance(mp, pe, pi, order, adaptation, y, k1, k2, tmp, d1, a1, h, method, nu_max, c_max):
    """One Euler or Heun step of length h from y, given k1 = rhs(y) at the step's start;
    (d1, a1) are the inputs at its end. The result (and Heun's predictor) is projected onto
    the admissible set."""
    if method == 0:
        for j in range(N_STATE):
            y[j] += h * k1[j]
    else:
        for j in range(N_STATE):
            tmp[j] = y[j] + h * k1[j]
        _project(tmp, nu_max, c_max)
        isolated_column_rhs(mp, pe, pi, order, adaptation, tmp, d1, a1, k2)
        half = 0.5 * h
        for j in range(N_STATE):
            y[j] += half * (k1[j] + k2[j])
    _project(y, nu_max, c_max)


@njit(cache=True, error_model="numpy")
def integrate_kernel(
    mp, pe, pi, order, adaptation, y0, drive, afferent, drive_offset, afferent_offset, dt,
    method, every, out,
):  # fmt: skip
    """Integrate one model; records every ``every`` steps into ``out`` (n_records, 6).

    ``drive`` and ``afferent`` hold the inputs (Hz) at the n_steps + 1 grid times, to which
    the constant offsets are added. ``method``: 0 Euler, 1 Heun. A step whose stiffness
    estimate exceeds :data:`STIFFNESS_LIMIT` / dt is split into equal sub-steps (inputs
    interpolated linearly). Returns the number of steps so split.
    """
    n_steps = drive.size - 1
    T = mp[MF_T]
    nu_max = 1.0 / T if order == 2 else np.inf
    c_max = 0.25 / (T * T)
    y = y0.copy()
    k1 = np.empty(N_STATE)
    k2 = np.empty(N_STATE)
    tmp = np.empty(N_STATE)
    out[0] = y
    split = 0
    for n in range(n_steps):
        d0 = drive[n] + drive_offset
        a0 = afferent[n] + afferent_offset
        d1 = drive[n + 1] + drive_offset
        a1 = afferent[n + 1] + afferent_offset
        rho = isolated_column_rhs(mp, pe, pi, order, adaptation, y, d0, a0, k1)
        if rho * dt <= STIFFNESS_LIMIT:
            _advance(
                mp, pe, pi, order, adaptation, y, k1, k2, tmp, d1, a1, dt, method, nu_max, c_max
            )
        else:
            n_sub = MAX_SUBSTEPS
            if rho * dt < STIFFNESS_LIMIT * MAX_SUBSTEPS:
                n_sub = int(np.ceil(rho * dt / STIFFNESS_LIMIT))
            h = dt / n_sub
            for s in range(n_sub):
                if s > 0:
                    f0 = s / n_sub
                    isolated_column_rhs(
                        mp, pe, pi, order, adaptation, y, d0 + f0 * (d1 - d0),
                        a0 + f0 * (a1 - a0), k1,
                    )  # fmt: skip
                f1 = (s + 1) / n_sub
                _advance(mp, pe, pi, order, adaptation, y, k1, k2, tmp, d0 + f1 * (d1 - d0),
                         a0 + f1 * (a1 - a0), h, method, nu_max, c_max)  # fmt: skip
            split += 1
        if (n + 1) % every == 0:
            out[(n + 1) // every] = y
    return split


@njit(cache=True, parallel=True, error_model="numpy")
def integrate_batch_kernel(
    mp, pe, pi, order, adaptation, y0, drive, afferent, offsets, dt, method, every, out, split
):  # fmt: skip
    """Integrate a batch in parallel (one member per thread task).

    ``mp``, ``pe``, ``pi`` have 1 or B rows, ``drive``/``afferent`` 1 or B rows of grid
    values; ``offsets`` (B, 2) adds constant drive and afferent rates per member; ``split``
    (B,) receives each member's count of sub-stepped steps.
    """
    B = y0.shape[0]
    sp = np.int64(1 if mp.shape[0] > 1 else 0)
    sd = np.int64(1 if drive.shape[0] > 1 else 0)
    sa = np.int64(1 if afferent.shape[0] > 1 else 0)
    for k in prange(B):
        b = np.int64(k)
        bp, bd, ba = b * sp, b * sd, b * sa
        split[b] = integrate_kernel(
            mp[bp], pe[bp], pi[bp], order, adaptation, y0[b], drive[bd], afferent[ba],
            offsets[b, 0], offsets[b, 1], dt, method, every, out[b],
        )  # fmt: skip


# ----------------------------------------------------------------------------- helpers
def time_grid(duration: float, dt: float, model: ColumnModel) -> np.ndarray:
    """Grid times t_k = k dt (s) covering ``duration``; checks dt and duration.

    Raises
    ------
    ParameterError
        If dt is not in (0, T/2], the duration not in (0, 1e5] s or not a whole number of
        steps.
    """
    check_range("dt", dt, 0.0, model.T / 2, unit="s", low_inclusive=False)
    check_range("duration", duration, 0.0, 1e5, unit="s", low_inclusive=False)
    n = int(round(duration / dt))
    if n < 1 or abs(n * dt - duration) > 1e-6 * dt:
        raise ParameterError(
            f"duration = {duration:g} s is not a whole number of steps dt = {dt:g} s; "
            "choose a duration that is a multiple of dt"
        )
    return np.arange(n + 1) * dt


def _method_code(method: str) -> int:
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}; allowed: {', '.join(METHODS)}")
    return METHODS[method]


def _check_record_every(record_every: int, n_steps: int, batch: int) -> int:
    every = int(record_every)
    if every != record_every or not (1 <= every <= n_steps):
        raise ParameterError(
            f"record_every = {record_every!r} is out of range; allowed: integers in "
            f"[1, {n_steps}] (steps)"
        )
    stored = N_STATE * (n_steps // every + 1) * batch
    if stored > MAX_STORED:
        raise ParameterError(
            f"this run would store {stored:.3g} values (limit {MAX_STORED:.0e}); "
            "increase record_every or shorten the run"
        )
    return every


def _check_state(y: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(y)) or np.any(y[..., S_NU_E] < 0) or np.any(y[..., S_NU_I] < 0):
        raise InputRangeError(f"initial state {y.tolist()} must be finite with rates >= 0 Hz")
    return y


def _initial_state(model, initial, drive0: float, afferent0: float) -> np.ndarray:
    if initial is None:
        raise ParameterError(
            "initial is missing: give a start state (FixedPoint, dict or 6 values, SI) or a "
            "function of the initial (drive, afferent); MeanFieldModel.run starts from the "
            "relevant fixed point"
        )
    if callable(initial):
        initial = initial(drive0, afferent0)
    if isinstance(initial, FixedPoint):
        return initial.vector
    return _check_state(model.state_vector(initial))


# ------------------------------------------------------------------------- public API
def integrate(
    model: ColumnModel,
    duration: float,
    initial,
    *,
    dt: float = 1e-4,
    drive: Waveform = 0.0,
    afferent: Waveform = 0.0,
    method: str = "heun",
    record_every: int = 1,
    observables: bool = True,
    attrs: dict[str, Any] | None = None,
) -> xr.Dataset:
    """Integrate a mean-field model in time from an explicit start state.

    Parameters
    ----------
    model : ColumnModel
    duration : float
        Biological time (s), a whole number of steps.
    initial : FixedPoint, dict, array of 6, or callable
        Start state (SI), or a function ``initial(drive0, afferent0)`` of the inputs at t = 0
        (Hz) returning one (``MeanFieldModel.run`` passes the relevant fixed point).
    dt : float
        Time step (s), in (0, T/2]; default 0.1 ms.
    drive, afferent : float, ndarray or callable
        External drive and afferent stimulus (Hz): a constant, the values at the
        duration/dt + 1 grid times, or a function of time (s) such as
        ``functools.partial(adexmf.stimuli.double_gaussian, ...)``.
    method : {"heun", "euler"}
        Integration scheme.
    record_every : int
        Store every n-th step.
    observables : bool
        Add the observables of SPEC 5.4 (mu_V, sigma_V, tau_V, conductances, VSD signal).
    attrs : dict, optional
        Extra attributes (e.g. a description of the stimulus).

    Returns
    -------
    xarray.Dataset
        Dims ``time`` (s) and ``population`` (exc, inh): ``rate`` (Hz), for the second order
        ``c_ee``, ``c_ei``, ``c_ii`` (Hz^2) and ``rate_std`` (Hz), with adaptation ``W`` (A),
        the inputs ``drive`` and ``afferent`` (Hz) and the observables; units and
        provenance in ``attrs``.

    Raises
    ------
    ParameterError, InputRangeError
        For a bad step, duration, method or input.
    """
    check_unfiltered(model, "integrate")
    code = _method_code(method)
    t, d, a, every, y0, out = run_arrays(model, duration, dt, initial, drive, afferent,
                                         record_every)  # fmt: skip
    pe, pi = model.packed_transfer
    split = integrate_kernel(
        model.packed, pe, pi, *model.flags, y0, d, a, 0.0, 0.0, float(dt), code, every, out
    )
    warn_substepped(int(split), t.size - 1, float(dt), STIFFNESS_LIMIT)
    extra = _run_attrs(method, dt, t, every, int(split), attrs)
    return to_dataset(model, t[::every], out, d[::every], a[::every], extra, observables)


def run_arrays(model: ColumnModel, duration: float, dt: float, initial, drive: Waveform,
               afferent: Waveform, record_every: int):  # fmt: skip
    """What every single-column integrator starts from, checked: the grid ``t`` (s), the
    inputs on it (Hz), the recording period, the start state and the empty record
    (n_records, N_STATE)."""
    t = time_grid(duration, dt, model)
    d = sample_waveform(drive, t, "drive")
    a = sample_waveform(afferent, t, "afferent")
    every = _check_record_every(record_every, t.size - 1, 1)
    y0 = _initial_state(model, initial, float(d[0]), float(a[0]))
    return t, d, a, every, y0, np.empty(((t.size - 1) // every + 1, N_STATE))


def _run_attrs(method: str, dt: float, t: np.ndarray, every: int, split: int, attrs) -> dict:
    """Attributes of a run: scheme, step (s), duration (s), recording, sub-stepped steps."""
    return {
        "method": method,
        "dt_s": float(dt),
        "duration_s": float(t[-1]),
        "record_every": every,
        "substepped_steps": split,
        **(attrs or {}),
    }


# ------------------------------------------------------------------------ batch mode
def _batch_models(models: ColumnModel | Sequence[ColumnModel], initial) -> list[ColumnModel]:
    """The models of a batch as a list, checked: at least one, start states given, one order
    and adaptation setting for all."""
    model_list = [models] if isinstance(models, ColumnModel) else list(models)
    for m in model_list:
        check_unfiltered(m, "integrate_batch")
    if not model_list:
        raise ParameterError("models is empty; give at least one MeanFieldModel")
    if initial is None:
        raise ParameterError(
            "initial is missing: give start states (B x 6 values, SI) or a function of the "
            "members' initial inputs; MeanFieldModel.run_batch starts from fixed points"
        )
    first = model_list[0]
    for m in model_list[1:]:
        if (m.order, m.adaptation) != (first.order, first.adaptation):
            raise ParameterError(
                "all models of a batch need the same order and adaptation setting; got "
                f"{first.label!r} and {m.label!r}"
            )
    return model_list


def _levels(values, name: str) -> np.ndarray:
    """Constant rates (Hz) per member, checked; one 0 when not given."""
    if values is None:
        return np.zeros(1)
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be a 1-D sequence of rates (Hz)")
    sample_waveform(arr, arr, name)  # range check only
    return arr


def _series(value, name: str, t: np.ndarray) -> np.ndarray:
    """Input time courses (Hz) on the grid ``t``: one row shared by all members, or one each."""
    if callable(value) or np.ndim(value) <= 1 and not isinstance(value, list | tuple):
        return sample_waveform(value, t, name)[None, :]
    return np.stack([sample_waveform(v, t, f"{name}[{k}]") for k, v in enumerate(value)])


def _batch_size(sizes: list[int], with_initial: bool) -> int:
    """The batch size B: the largest of ``sizes``, each of which must be 1 or B."""
    B = max(sizes)
    if any(s not in (1, B) for s in sizes):
        raise ParameterError(
            f"batch sizes do not agree: models {sizes[0]}, drive_levels {sizes[1]}, "
            f"afferent_levels {sizes[2]}, drive {sizes[3]}, afferent {sizes[4]}"
            + (f", initial {sizes[5]}" if with_initial else "")
            + "; each must be 1 or the batch size"
        )
    return B


def _batch_initial(initial, init, model_list, d_ser, a_ser, offsets, B: int) -> np.ndarray:
    """Start states (B, 6), SI: given, or from ``initial(member_models, drive0, afferent0)``."""
    if init is None:
        d0 = np.broadcast_to(d_ser[:, 0], B) + offsets[:, 0]
        a0 = np.broadcast_to(a_ser[:, 0], B) + offsets[:, 1]
        members = [model_list[b if len(model_list) > 1 else 0] for b in range(B)]
        init = np.atleast_2d(np.asarray(initial(members, d0, a0)))
    if init.shape[1:] != (N_STATE,) or init.shape[0] not in (1, B):
        raise ParameterError(f"initial states need (1 or {B}) x {N_STATE} entries {STATE_NAMES}")
    return _check_state(np.array(np.broadcast_to(init, (B, N_STATE)), dtype=np.float64))


def integrate_batch(
    models: ColumnModel | Sequence[ColumnModel],
    duration: float,
    initial,
    *,
    dt: float = 1e-4,
    drive_levels: Sequence[float] | np.ndarray | None = None,
    afferent_levels: Sequence[float] | np.ndarray | None = None,
    drive: Waveform | Sequence[Waveform] = 0.0,
    afferent: Waveform | Sequence[Waveform] = 0.0,
    method: str = "heun",
    record_every: int = 1,
    observables: bool = True,
    attrs: dict[str, Any] | None = None,
) -> xr.Dataset:
    """Integrate many parameter sets and/or inputs in one compiled, parallel call.

    The batch size B is the largest of: the number of models, of drive/afferent levels, of
    per-member input time courses and of initial states; each must be 1 or B.

    Parameters
    ----------
    models : ColumnModel or sequence of them
        One model for all members, or one per member (same order and adaptation setting).
    initial : array (B, 6) or (6,), or callable
        Start states (SI), or a function ``initial(member_models, drive0, afferent0)`` of the
        members' models and initial inputs (arrays of B rates, Hz) returning them
        (``MeanFieldModel.run_batch`` passes continued fixed points).
    duration, dt, method, record_every, observables, attrs
        As in :func:`integrate`.
    drive_levels, afferent_levels : array_like of float, optional
        Constant rates (Hz) added to the time courses, one per member.
    drive, afferent : input or sequence of inputs
        Time courses shared by all members, or one per member (constant, grid values or
        callable, as in :func:`integrate`).

    Returns
    -------
    xarray.Dataset
        As :func:`integrate`, with a leading ``batch`` dim; ``drive_level`` and
        ``afferent_level`` coordinates.
    """
    model_list = _batch_models(models, initial)
    first = model_list[0]
    code = _method_code(method)
    t = time_grid(duration, dt, first)
    d_lev = _levels(drive_levels, "drive_levels")
    a_lev = _levels(afferent_levels, "afferent_levels")
    d_ser = _series(drive, "drive", t)
    a_ser = _series(afferent, "afferent", t)
    init = None if callable(initial) else np.atleast_2d(np.asarray(initial, dtype=np.float64))
    sizes = [len(model_list), d_lev.size, a_lev.size, d_ser.shape[0], a_ser.shape[0]]
    if init is not None:
        sizes.append(init.shape[0])
    B = _batch_size(sizes, init is not None)
    every = _check_record_every(record_every, t.size - 1, B)
    offsets = np.zeros((B, 2))
    offsets[:, 0] = np.broadcast_to(d_lev, B)
    offsets[:, 1] = np.broadcast_to(a_lev, B)
    y0 = _batch_initial(initial, init, model_list, d_ser, a_ser, offsets, B)
    mp = np.stack([m.packed for m in model_list])
    pe = np.stack([m.packed_transfer[0] for m in model_list])
    pi = np.stack([m.packed_transfer[1] for m in model_list])
    out = np.empty((B, (t.size - 1) // every + 1, N_STATE))
    split = np.zeros(B, dtype=np.int64)
    integrate_batch_kernel(
        mp, pe, pi, *first.flags, y0, d_ser, a_ser, offsets, float(dt), code, every, out, split
    )
    warn_substepped(int(split.sum()), B * (t.size - 1), float(dt), STIFFNESS_LIMIT)
    d_rec = np.broadcast_to(d_ser[:, ::every], (B, out.shape[1])) + offsets[:, :1]
    a_rec = np.broadcast_to(a_ser[:, ::every], (B, out.shape[1])) + offsets[:, 1:]
    extra = _run_attrs(method, dt, t, every, int(split.sum()), attrs)
    ds = to_dataset(first, t[::every], out, d_rec, a_rec, extra, observables, model_list)
    return ds.assign_coords(
        drive_level=("batch", offsets[:, 0], {"units": "Hz"}),
        afferent_level=("batch", offsets[:, 1], {"units": "Hz"}),
    )
