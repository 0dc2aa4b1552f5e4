"""A sweep of a brain network over global coupling G x adaptation b (wake-like to
sleep-like), one Dask task per point (:func:`adexmf.sweep.run_tasks`: stored as it finishes,
skipped on rerun), each reduced to its per-region summary; the map of regimes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from ..columns.network import method_code
from ..errors import ParameterError, check_range
from ..store import provenance
from ..sweep import run_tasks
from ..timeseries import REGIMES
from .columns import DEFAULT_COLUMN, brain_column
from .connectome import load_connectome
from .network import DEFAULT_VELOCITY, BrainNetwork, OUNoise
from .summary import summarize_brain


@dataclass(frozen=True)
class SweepSettings:
    """Everything a sweep point shares (SI units): the network and the run."""

    connectome: str = "synthetic68"
    regions: tuple[str | int, ...] | None = None
    column: str = DEFAULT_COLUMN
    order: int = 1
    normalisation: str | None = None
    conduction_velocity: float = DEFAULT_VELOCITY
    drive: float = 4.0
    noise_sigma: float = 0.0
    noise_tau: float = 5e-3
    seed: int = 0
    duration: float = 10.0
    analysis_start: float | None = None
    dt: float = 1e-4
    method: str = "heun"

    def network(self, coupling: float, b: float) -> BrainNetwork:
        """The network at one point of the sweep."""
        conn = load_connectome(self.connectome)
        if self.regions:
            conn = conn.subset(list(self.regions))
        return BrainNetwork(conn, brain_column(self.column, self.order), coupling=coupling,
                            conduction_velocity=self.conduction_velocity,
                            normalisation=self.normalisation, b=b)  # fmt: skip

    def noise(self) -> OUNoise | None:
        return OUNoise(self.noise_sigma, self.noise_tau) if self.noise_sigma > 0 else None


def sweep_task(spec: dict) -> xr.Dataset:
    """One point: run the network and keep its per-region summary (dims: region)."""
    settings = SweepSettings(**spec["settings"])
    net = settings.network(spec["coupling"], spec["b"])
    ds = net.run(settings.duration, drive=settings.drive, dt=settings.dt,
                 method=settings.method, noise=settings.noise(), seed=settings.seed)  # fmt: skip
    s = summarize_brain(ds, settings.analysis_start).numbers
    dims = ("region",)
    return xr.Dataset(
        {
            "nu_e": (dims, s["nu_e_Hz"], {"units": "Hz"}),
            "nu_i": (dims, s["nu_i_Hz"], {"units": "Hz"}),
            "W": (dims, np.array(s["w_pA"]) * 1e-12, {"units": "A"}),
            "regime": (dims, [REGIMES.index(r) for r in s["regime"]], {
                "flag_values": list(range(len(REGIMES))), "flag_meanings": " ".join(REGIMES)}),
            "dominant_frequency": (dims, s["dominant_frequency_Hz"], {"units": "Hz"}),
            "up_state_rate": (dims, s["up_state_rate_Hz"], {"units": "Hz"}),
        },  # fmt: skip
        coords={"region": s["region_labels"]},
        attrs={"max_stiffness_dt": ds.attrs["max_stiffness_dt"]},
    )


def _checked_values(name: str, values: Sequence[float], high: float, unit: str) -> list[float]:
    """The values of one axis of the sweep, each in [0, high], at least one."""
    if len(values) == 0:
        raise ParameterError(f"{name} = [] is empty; a sweep needs at least one value",
                             parameters=(name,))  # fmt: skip
    try:
        return [check_range(name, v, 0.0, high, unit=unit) for v in values]
    except ParameterError as exc:
        raise ParameterError(str(exc), parameters=(name,)) from None


def _warm_up(settings: SweepSettings, coupling: float, b: float) -> None:
    """Compile the kernel here before the workers load it: a run just past the longest delay."""
    net = settings.network(coupling, b)
    longest = float(net.connectome.delays(net.conduction_velocity).max())
    steps = int(np.ceil((longest + 0.01) / settings.dt))
    net.run(steps * settings.dt, drive=settings.drive, dt=settings.dt, method=settings.method,
            record_period=settings.dt)


def brain_sweep(
    settings: SweepSettings,
    couplings: Sequence[float],
    bs: Sequence[float],
    folder: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> xr.Dataset:
    """Every (G, b) of ``couplings`` x ``bs`` (b in A) as a task stored in ``folder/tasks``;
    the values are checked (``couplings``, ``b_values`` in errors) before any task.

    Returns
    -------
    xarray.Dataset
        Dims (coupling, b, region): nu_e, nu_i (Hz), W (A), regime (flags), dominant
        frequency and UP-state rate (Hz); ``slow_oscillation_fraction`` (coupling, b): the
        share of regions in slow oscillation.
    """
    couplings = _checked_values("couplings", couplings, 1e4, "")
    bs = _checked_values("b_values", bs, 1e-9, "A")
    method_code(settings.method)  # every setting checked before any task
    settings.network(couplings[0], bs[0])
    base = asdict(settings)
    if settings.regions is not None:
        base["regions"] = list(settings.regions)
    specs = [{"protocol": "brain_sweep", "settings": base, "coupling": g, "b": b}
             for g in couplings for b in bs]  # fmt: skip
    parts = run_tasks(sweep_task, specs, Path(folder) / "tasks", scheduler=scheduler,
                      n_workers=n_workers, progress=progress,
                      warm_up=lambda: _warm_up(settings, couplings[0], bs[0]))  # fmt: skip
    grid = xr.concat([p.drop_attrs() for p in parts], dim="point")
    index = {"coupling": ("point", [s["coupling"] for s in specs]),
             "b": ("point", [s["b"] for s in specs])}  # fmt: skip
    ds = grid.assign_coords(index).set_index(point=["coupling", "b"]).unstack("point")
    ds = ds.transpose("coupling", "b", "region")
    slow = (ds.regime == REGIMES.index("slow_oscillation")).mean("region")
    ds["slow_oscillation_fraction"] = slow.assign_attrs(units="1")
    ds.coords["b"].attrs["units"] = "A"
    ds.attrs.update({"settings": json.dumps(base), "regimes": " ".join(REGIMES), **provenance()})
    return ds
