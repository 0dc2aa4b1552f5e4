"""Mean-field models of the excitatory-inhibitory network (SPEC 5).

The main entry points::

    from adexmf.meanfield import MeanFieldModel
    model = MeanFieldModel("zerlaut2018", order=2)     # or order=1, adaptation=True
    fp = model.fixed_point(drive=4.0)                  # Hz; fp.state, fp.eigenvalues, fp.stable
    ds = model.run(1.0, dt=1e-4, drive=4.0, afferent=stimulus)   # xarray Dataset, SI units

Layered one way, bottom to top: :mod:`.node` (the compiled equations of one column, from its
inputs: the only copy, used by the column, the ring and the sheet), :mod:`.model` (settings,
validation, packing), :mod:`.fixedpoints` (roots, stability, continuation) and
:mod:`.observables` (SPEC 5.4), :mod:`.integrate` (Euler/Heun from an explicit start state,
batch mode; :mod:`.timecourse` builds its Dataset), :mod:`.analysis` (``MeanFieldModel``:
runs from the relevant fixed point, drive scans) and :mod:`.phaseplane` (the first-order
phase plane).
"""

from .analysis import (
    MeanFieldModel,
    drive_scan,
    fixed_points_vs_drive,
    run,
    run_batch,
)
from .fixedpoints import FixedPoint, find_fixed_points, fixed_point
from .integrate import integrate, integrate_batch
from .model import STATE_NAMES, STATE_UNITS, ColumnModel
from .observables import network_mean_potential, population_observables, vsd_signal
from .phaseplane import phase_plane

__all__ = [
    "STATE_NAMES",
    "STATE_UNITS",
    "ColumnModel",
    "FixedPoint",
    "MeanFieldModel",
    "drive_scan",
    "find_fixed_points",
    "fixed_point",
    "fixed_points_vs_drive",
    "integrate",
    "integrate_batch",
    "network_mean_potential",
    "phase_plane",
    "population_observables",
    "run",
    "run_batch",
    "vsd_signal",
]
