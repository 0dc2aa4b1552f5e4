"""The first-order phase plane of a column: vector field, trajectories, fixed points (SPEC 5.2).

Built from the layers below (:mod:`.fixedpoints` for the right-hand side on a grid of states
and the fixed points, :mod:`.integrate` for the trajectories, run as one batch); no layer
below imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..layouts import N_STATE, S_NU_E, S_NU_I
from ..store import provenance
from ..validity import outside_mean_field, warn_validity
from .fixedpoints import _check_box, find_fixed_points, rhs_on_states
from .integrate import integrate_batch
from .model import ColumnModel, check_inputs


def _vector_field(first: ColumnModel, e: np.ndarray, i: np.ndarray, drive: float):
    """(dnu_e/dt, dnu_i/dt) in Hz/s on the (nu_e, nu_i) grid of ``e`` x ``i`` (Hz)."""
    E, I = np.meshgrid(e, i, indexing="ij")
    states = np.zeros((E.size, N_STATE))
    states[:, S_NU_E], states[:, S_NU_I] = E.ravel(), I.ravel()
    out = np.empty_like(states)
    pe, pi = first.packed_transfer
    rhs_on_states(first.packed, pe, pi, *first.flags, states, float(drive), 0.0, out)
    return out[:, S_NU_E].reshape(E.shape), out[:, S_NU_I].reshape(E.shape)


#: Share of the vector-field grid outside the fit domain above which a phase plane warns (its
#: picture is then mostly extrapolation); a fixed point outside the domain always warns.
GRID_OUTSIDE_WARN = 0.5


def _flag_domain(first: ColumnModel, ds: xr.Dataset, drive: float) -> None:
    """Flag (attrs) and, past :data:`GRID_OUTSIDE_WARN` or for a fixed point, warn about the
    states of a phase plane whose transfer-function inputs lie outside the fit domain.

    ``outside_fit_domain``: fixed points and trajectory samples outside;
    ``outside_fit_domain_grid``: grid points of the vector field outside.
    """
    E, I = np.meshgrid(ds["nu_e"].values, ds["nu_i"].values, indexing="ij")
    grid, details = outside_mean_field(first, E, I, drive, 0.0)
    traj, _ = outside_mean_field(first, ds["trajectory_nu_e"].values,
                                 ds["trajectory_nu_i"].values, drive, 0.0)  # fmt: skip
    fp_e, fp_i = ds["fixed_point_nu_e"].values, ds["fixed_point_nu_i"].values
    points, point_details = outside_mean_field(first, fp_e, fp_i, drive, 0.0)
    ds.attrs["outside_fit_domain"] = int(points.sum() + traj.sum())
    ds.attrs["outside_fit_domain_grid"] = int(grid.sum())
    share = float(grid.mean()) if grid.size else 0.0
    if points.any() or share > GRID_OUTSIDE_WARN:
        where = "; ".join(dict.fromkeys(point_details + details))
        warn_validity(
            f"phase plane at drive {drive:g} Hz: {share:.0%} of the vector-field grid "
            f"({int(grid.sum())} of {grid.size} points) and {int(points.sum())} of "
            f"{points.size} fixed point(s) lie outside the domain of the transfer functions' "
            f"fit ({where}); the arrows, trajectories and fixed points there extrapolate the "
            "fitted threshold and are not to be trusted: narrow the axes to the domain "
            "(flagged in attrs['outside_fit_domain_grid'] and attrs['outside_fit_domain'])",
            stacklevel=4,
        )


def _border_starts(e0: float, e1: float, i0: float, i1: float) -> list[tuple[float, float]]:
    """Default starts of the trajectories (Hz): points on the border of the box."""
    fe = np.array([0.1, 0.35, 0.65, 0.9])
    starts = [(e0 + (e1 - e0) * u, i1) for u in fe] + [(e1, i0 + (i1 - i0) * u) for u in fe]
    starts += [(e0 + (e1 - e0) * u, i0) for u in (0.5, 0.9)]
    starts += [(e0, i0 + (i1 - i0) * u) for u in (0.5, 0.9)]
    return starts


def phase_plane(
    model: ColumnModel,
    drive: float = 0.0,
    *,
    nu_e_range: tuple[float, float] = (0.0, 8.0),
    nu_i_range: tuple[float, float] = (0.0, 30.0),
    n_grid: int = 41,
    starts: Sequence[tuple[float, float]] | None = None,
    duration: float = 0.1,
    dt: float = 1e-4,
) -> xr.Dataset:
    """First-order phase plane: vector field, trajectories and fixed points (SPEC 5.2).

    Parameters
    ----------
    model : ColumnModel
        Its first-order version (without adaptation) is used.
    drive : float
        External drive (Hz).
    nu_e_range, nu_i_range : (float, float)
        Plotted ranges (Hz).
    n_grid : int
        Grid points per axis of the vector field.
    starts : sequence of (nu_e, nu_i), optional
        Initial points of the trajectories (Hz); default: points on the border of the box.
    duration, dt : float
        Length and step (s) of the trajectories (Heun).

    Returns
    -------
    xarray.Dataset
        ``dnu_e_dt``, ``dnu_i_dt`` (Hz/s) on the (nu_e, nu_i) grid; ``trajectory_nu_e``,
        ``trajectory_nu_i`` (trajectory, time); fixed points ``fixed_point_nu_e``,
        ``fixed_point_nu_i``, ``fixed_point_stable``.
    """
    first = model.replace(order=1, adaptation=False)
    check_inputs(drive)
    (e0, e1), (i0, i1) = _check_box((nu_e_range, nu_i_range))
    if not (5 <= int(n_grid) <= 400):
        raise ParameterError(f"n_grid = {n_grid!r} is out of range; allowed: [5, 400]")
    e = np.linspace(e0, e1, int(n_grid))
    i = np.linspace(i0, i1, int(n_grid))
    dnu_e, dnu_i = _vector_field(first, e, i, drive)
    if starts is None:
        starts = _border_starts(e0, e1, i0, i1)
    y0 = np.zeros((len(starts), N_STATE))
    y0[:, [S_NU_E, S_NU_I]] = np.asarray(starts, float)
    traj = integrate_batch(
        first, duration, y0, dt=dt, drive=float(drive), method="heun", observables=False
    )
    points = find_fixed_points(first, drive, box=((e0, e1), (i0, i1)))
    ds = xr.Dataset(
        {
            "dnu_e_dt": (("nu_e", "nu_i"), dnu_e, {"units": "Hz/s"}),
            "dnu_i_dt": (("nu_e", "nu_i"), dnu_i, {"units": "Hz/s"}),
            "trajectory_nu_e": (("trajectory", "time"), traj.rate.sel(population="exc").values),
            "trajectory_nu_i": (("trajectory", "time"), traj.rate.sel(population="inh").values),
            "fixed_point_nu_e": ("point", [p.state["nu_e"] for p in points], {"units": "Hz"}),
            "fixed_point_nu_i": ("point", [p.state["nu_i"] for p in points], {"units": "Hz"}),
            "fixed_point_stable": (
                "point",
                np.array([int(p.stable) for p in points], np.int8),
                {"units": "1", "description": "1: stable, 0: unstable"},
            ),
        },
        coords={
            "nu_e": ("nu_e", e, {"units": "Hz"}),
            "nu_i": ("nu_i", i, {"units": "Hz"}),
            "time": ("time", traj.time.values, {"units": "s"}),
        },
        attrs={**provenance(), **first.describe(), "drive_Hz": float(drive)},
    )
    for name in ("trajectory_nu_e", "trajectory_nu_i"):
        ds[name].attrs["units"] = "Hz"
    _flag_domain(first, ds, float(drive))
    return ds
