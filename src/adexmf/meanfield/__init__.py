"""Mean-field models of the excitatory-inhibitory network (SPEC 5).

The main entry points::

    from adexmf.meanfield import MeanFieldModel
    model = MeanFieldModel("zerlaut2018", order=2)     # or order=1, adaptation=True
    fp = model.fixed_point(drive=4.0)                  # Hz; fp.state, fp.eigenvalues, fp.stable
    ds = model.run(1.0, dt=1e-4, drive=4.0, afferent=stimulus)   # xarray Dataset, SI units

Submodules: :mod:`.equations` (right-hand sides), :mod:`.integrate` (compiled Euler/Heun
integrators, batch mode), :mod:`.fixedpoints` (roots, stability, phase plane, drive scans),
:mod:`.observables` (membrane and conductance statistics, VSD-like signal).
"""

from .equations import STATE_NAMES, STATE_UNITS, MeanFieldModel
from .fixedpoints import (
    FixedPoint,
    drive_scan,
    find_fixed_points,
    fixed_point,
    fixed_points_vs_drive,
    phase_plane,
)
from .integrate import integrate, integrate_batch
from .observables import network_mean_potential, population_observables, vsd_signal

__all__ = [
    "STATE_NAMES",
    "STATE_UNITS",
    "FixedPoint",
    "drive_scan",
    "MeanFieldModel",
    "find_fixed_points",
    "fixed_point",
    "fixed_points_vs_drive",
    "integrate",
    "integrate_batch",
    "network_mean_potential",
    "phase_plane",
    "population_observables",
    "vsd_signal",
]
