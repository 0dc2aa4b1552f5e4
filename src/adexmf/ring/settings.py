"""Settings of a ring or sheet run, checked before any work: the integration scheme and step,
the number of steps, the sample grid, the VSD inputs, the column's packed vector, and the
description of the geometry written into a result's attrs. SI units (s, m, m/s, Hz)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError, check_range
from ..layouts import N_MODEL
from ..meanfield import MeanFieldModel
from ..params import Ring

#: Integration schemes.
METHODS = {"euler": 0, "heun": 1}
#: Default scheme and step (s): the cheapest that meets the < 1 % convergence criterion.
DEFAULT_METHOD = "euler"
DEFAULT_DT = 5e-4
#: Quantities a run or a batch can return.
OUTPUTS = ("nu_aff", "nu_e", "nu_i", "nu", "mu_V", "vsd")
#: Inputs seen by the VSD-like signal: lateral only (the authors' signal) or the afferent
#: input included ("total", as the single column, SPEC 5.4).
VSD_INPUTS = ("lateral", "total")
#: The one default of the VSD-like signal, for the ring, the sheet, the batch, the stages,
#: the command line and the VSDi fit: lateral inputs only. With the afferent input the map is
#: dominated by a standing blob where the stimulus is (dV/V0 ~ 20 % at the stimulus for the
#: reference stimulus [code]), while the paper's maps and the data show a wave spreading from
#: it; the lateral signal also fits all ten recordings better (residuals 2-50 % lower,
#: :class:`adexmf.vsdi.scan.ScanSettings`).
DEFAULT_VSD_INPUT = "lateral"


def packed_model(model: MeanFieldModel) -> np.ndarray:
    """The model vector of the column (``MF_*`` layout) as a contiguous float64 array."""
    mp = np.array(model.packed, dtype=np.float64)
    if mp.size != N_MODEL:
        raise ParameterError(
            f"MeanFieldModel.packed has {mp.size} entries; the column node needs the "
            f"{N_MODEL}-entry MF_* layout of adexmf.layouts"
        )
    return mp


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


def method_code(method: str) -> int:
    """The kernels' code of an integration scheme (:data:`METHODS`), after checking it."""
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}; allowed: {', '.join(METHODS)}")
    return METHODS[method]


def vsd_code(vsd_input: str) -> int:
    """The kernels' code of the VSD inputs (:data:`VSD_INPUTS`): 1 lateral only, 0 total."""
    if vsd_input not in VSD_INPUTS:
        raise ParameterError(
            f"vsd_input = {vsd_input!r}; allowed: 'lateral' (lateral inputs only, the "
            "authors' signal, default) or 'total' (afferent input included)"
        )
    return 1 if vsd_input == "lateral" else 0


def describe_ring(ring: Ring) -> dict[str, Any]:
    """The geometry, kernels, conduction velocity and drive of a ring or sheet as attrs,
    SI units in the names (``length_m``, ``v_c_m_per_s``, ``drive_Hz``)."""
    return {
        "length_m": ring.length,
        "n_units": ring.n_units,
        "l_exc_m": ring.l_exc,
        "l_inh_m": ring.l_inh,
        "v_c_m_per_s": ring.v_c,
        "drive_Hz": ring.drive,
    }
