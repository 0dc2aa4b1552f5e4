"""The scan of the ring's dV/V0 maps over the six fitted parameters (SPEC 9).

One scan serves every recording: it stores, for each point of an n^6 grid over the ranges of
SPEC 9, the model's dV/V0 map of one centred stimulus as a function of time (s) and of the
distance (m) from the stimulus centre (the maps are symmetric). Residuals are computed
afterwards, per recording (:mod:`adexmf.vsdi.fit`).

The grid is cut into chunks, each a Dask task of :func:`adexmf.sweep.run_tasks` that runs its
parameter sets with the ring's batch mode (:func:`adexmf.ring.run_batch`) and is stored as it
finishes under the hash of its settings, so a killed scan resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import xarray as xr

from ..errors import ParameterError, check_range
from ..meanfield import MeanFieldModel
from ..params import Ring, RingStimulus
from ..ring import DEFAULT_VSD_INPUT, VSD_INPUTS, RingModel, run_batch
from ..store import provenance
from ..sweep import run_tasks, task_key

#: Fitted parameters: name, SI unit, range (SPEC 9), human unit and its factor for display.
PARAMETERS: dict[str, tuple[str, float, float, str, float]] = {
    "v_c": ("m/s", 0.05, 0.6, "mm/s", 1e3),
    "l_stim": ("m", 0.2e-3, 2e-3, "mm", 1e3),
    "l_exc": ("m", 1e-3, 7e-3, "mm", 1e3),
    "l_inh": ("m", 1e-3, 7e-3, "mm", 1e3),
    "tau1": ("s", 5e-3, 50e-3, "ms", 1e3),
    "tau2": ("s", 50e-3, 200e-3, "ms", 1e3),
}
NAMES = tuple(PARAMETERS)


def human(name: str) -> tuple[str, str, float]:
    """How a parameter is shown: its key in summaries (``v_c_mm_per_s``), its human unit
    (``mm/s``) and the factor from SI."""
    _, _, _, unit, factor = PARAMETERS[name]
    return f"{name}_{unit.replace('/', '_per_')}", unit, factor


LOW = np.array([PARAMETERS[k][1] for k in NAMES])
HIGH = np.array([PARAMETERS[k][2] for k in NAMES])

#: The paper's ring and reference stimulus [code] (SPEC 8): the "default" the fit must beat.
DEFAULT_PARAMETERS = {
    "v_c": 0.3, "l_stim": 1e-3, "l_exc": 5e-3, "l_inh": 1e-3, "tau1": 0.05, "tau2": 0.15,
}  # fmt: skip


@dataclass(frozen=True)
class ScanSettings:
    """What a scan computes; its hash names the stored tasks.

    Attributes
    ----------
    n_points : int
        Grid points per parameter (n^6 in all), >= 2.
    n_units : int
        Columns of the ring (60: 0.6 mm spacing on 36 mm), even (the centre is a column).
    length : float
        Ring length (m).
    duration, dt : float
        Simulated time and Euler step (s).
    sample_dt : float
        Interval (s) of the stored maps.
    r_max : float
        Largest stored distance from the stimulus centre (m); the imaged field is ~11 mm.
    amplitude, t0 : float
        Afferent peak rate (Hz) and peak time (s) of the stimulus [code].
    vsd_input : {"lateral", "total"}
        The ring's VSD signal (:meth:`adexmf.ring.RingModel.run`), by default the ring's
        own (:data:`adexmf.ring.DEFAULT_VSD_INPUT`, "lateral": the authors' signal). On all
        ten recordings it fits better than "total" with the afferent input, whose maps
        mirror the narrow stimulus (residuals 2-50 % lower; that fit pins l_stim at its 2 mm
        upper bound on every recording).
    chunk : int
        Parameter sets per task.
    """

    n_points: int = 5
    n_units: int = 60
    length: float = 0.036
    duration: float = 0.6
    dt: float = 5e-4
    sample_dt: float = 5e-3
    r_max: float = 0.012
    amplitude: float = 15.0
    t0: float = 0.15
    vsd_input: str = DEFAULT_VSD_INPUT
    chunk: int = 625

    def __post_init__(self) -> None:
        check_range("ScanSettings.n_points", self.n_points, 2, 40)
        check_range("ScanSettings.n_units", self.n_units, 10, 2000)
        if self.n_units % 2:
            raise ParameterError(f"ScanSettings.n_units = {self.n_units}; allowed: even numbers")
        check_range("ScanSettings.sample_dt", self.sample_dt, self.dt, 0.05, unit="s")
        check_range("ScanSettings.r_max", self.r_max, 1e-3, 0.5 * self.length, unit="m")
        check_range("ScanSettings.chunk", self.chunk, 1, 1_000_000)
        if self.vsd_input not in VSD_INPUTS:
            raise ParameterError(
                f"ScanSettings.vsd_input = {self.vsd_input!r}; allowed: {', '.join(VSD_INPUTS)}"
            )

    def replace(self, **changes: Any) -> ScanSettings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def attrs(self) -> dict[str, Any]:
        """The settings as Dataset attributes (``scan_<field>``)."""
        return {f"scan_{k}": v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> ScanSettings:
        """The settings a Dataset's attributes record (:meth:`attrs`)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k[5:]: v for k, v in attrs.items() if k[:5] == "scan_" and k[5:] in names})

    @property
    def times(self) -> np.ndarray:
        """Times (s) of the stored maps, from 0."""
        n = int(round(self.duration / self.sample_dt))
        return np.arange(n + 1) * self.sample_dt

    @property
    def distances(self) -> np.ndarray:
        """Distances (m) from the stimulus centre of the stored maps, from 0, at the
        ring's spacing: the centre is a column, so these are the columns' own values."""
        step = self.length / self.n_units
        return np.arange(int(np.floor(self.r_max / step + 1e-9)) + 1) * step


def grid_points(n: int) -> np.ndarray:
    """All n^6 parameter sets (SI), rows in C order of (v_c, l_stim, l_exc, l_inh, tau1, tau2)."""
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(LOW, HIGH, strict=True)]
    return np.array(list(itertools.product(*axes)))


def to_unit(params: np.ndarray) -> np.ndarray:
    """Parameters (SI, last axis in :data:`NAMES` order) mapped to [0, 1] on their ranges."""
    return (np.asarray(params) - LOW) / (HIGH - LOW)


def from_unit(u: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_unit`."""
    return LOW + np.asarray(u) * (HIGH - LOW)


def check_parameters(params: np.ndarray) -> np.ndarray:
    """(B, 6) parameter sets (SI), each inside its range.

    Raises
    ------
    ParameterError
        Naming the first parameter out of range and the range.
    """
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    if p.shape[-1] != len(NAMES):
        raise ParameterError(f"parameter sets must have {len(NAMES)} columns ({', '.join(NAMES)})")
    for j, name in enumerate(NAMES):
        unit, lo, hi, human, f = PARAMETERS[name]
        bad = ~((p[:, j] >= lo * (1 - 1e-12)) & (p[:, j] <= hi * (1 + 1e-12)))
        if bad.any():
            v = p[bad, j][0]
            raise ParameterError(
                f"{name} = {v * f:g} {human}; allowed: [{lo * f:g}, {hi * f:g}] {human}"
            )
    return p


# ----------------------------------------------------------------------------- the model
def ring_model(settings: ScanSettings):
    """The ring of the scan: the paper's first-order column (zerlaut2018 preset)."""
    column = MeanFieldModel("zerlaut2018", order=1)
    return RingModel(Ring(length=settings.length, n_units=settings.n_units), column)


def model_maps(model, params: np.ndarray, settings: ScanSettings) -> np.ndarray:
    """dV/V0 maps (B, n_t, n_r) of B parameter sets (SI, rows in :data:`NAMES` order), one
    centred stimulus each, at ``settings.times`` and ``settings.distances``."""
    p = check_parameters(params)
    x0 = 0.5 * settings.length
    stimulus = RingStimulus(amplitude=settings.amplitude, x0=x0, t0=settings.t0)
    ds = run_batch(
        model,
        {name: p[:, j] for j, name in enumerate(NAMES)},
        settings.duration,
        times=settings.times,
        positions=x0 + settings.distances,
        stimulus=stimulus,
        dt=settings.dt,
        vsd_input=settings.vsd_input,
    )
    return ds.vsd.values


def scan_task(spec: dict[str, Any]) -> xr.Dataset:
    """One chunk of the scan (a Dask task): ``spec`` has the settings and the first and last
    grid indices."""
    settings = ScanSettings(**spec["settings"])
    lo, hi = spec["range"]
    params = grid_points(settings.n_points)[lo:hi]
    maps = model_maps(ring_model(settings), params, settings)
    return xr.Dataset(
        {"vsd": (("point", "time", "r"), maps.astype(np.float32), {"units": "1"})},
        coords={"point": ("point", np.arange(lo, hi), {"units": "1"})},
    )


def compile_scan_kernel(settings: ScanSettings) -> None:
    """Run one grid point here (a few ms once compiled), so that the ring's batch kernel is
    compiled once, in this process, and the scan's workers load it from the cache."""
    model_maps(ring_model(settings), grid_points(settings.n_points)[:1], settings)


def default_folder(settings: ScanSettings) -> Path:
    """Where a scan's tasks are stored by default: the user cache, by settings."""
    key = task_key({"scan": dataclasses.asdict(settings)})[:16]
    return Path(platformdirs.user_cache_dir("adexmf")) / "vsdi-scan" / key


def run_scan(
    settings: ScanSettings | None = None,
    *,
    folder: str | Path | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> xr.Dataset:
    """Compute (or load) the scan of model maps.

    Parameters
    ----------
    settings : ScanSettings, optional
        Default :class:`ScanSettings` (5^6 points, N = 60).
    folder : str or Path, optional
        Task store; default :func:`default_folder`.
    scheduler : str, optional
        Address of a Dask scheduler; default a LocalCluster.
    n_workers : int, optional
        Workers of the LocalCluster.
    progress : bool or callable
        Progress display (see :func:`adexmf.sweep.run_tasks`).

    Returns
    -------
    xarray.Dataset
        ``vsd`` (point, time, r) float32 (dimensionless); the six parameters as ``point``
        coordinates (SI); times (s) and distances (m) as coordinates; settings in attrs.
    """
    settings = settings or ScanSettings()
    total = settings.n_points ** len(NAMES)
    bounds = list(range(0, total, settings.chunk)) + [total]
    base = dataclasses.asdict(settings)
    specs = [{"kind": "vsdi-scan", "settings": base, "range": [a, b]}
             for a, b in itertools.pairwise(bounds)]  # fmt: skip
    parts = run_tasks(
        scan_task, specs, folder or default_folder(settings),
        scheduler=scheduler, n_workers=n_workers, progress=progress,
        warm_up=lambda: compile_scan_kernel(settings),
    )  # fmt: skip
    vsd = np.concatenate([p.vsd.values for p in parts], axis=0)
    params = grid_points(settings.n_points)
    coords: dict[str, Any] = {
        "time": ("time", settings.times, {"units": "s"}),
        "r": ("r", settings.distances, {"units": "m", "long_name": "distance from the centre"}),
    }
    for j, name in enumerate(NAMES):
        coords[name] = ("point", params[:, j], {"units": PARAMETERS[name][0]})
    attrs = {**settings.attrs(), **provenance()}
    return xr.Dataset(
        {"vsd": (("point", "time", "r"), vsd, {"units": "1"})}, coords=coords, attrs=attrs
    )
