"""Ring and sheet stages (SPEC 8): a run after a local stimulus (Fig. 9), apparent motion
(Fig. 11), the 2-D sheet's snapshots and animation; the study's ring stage composes the first
two. ``adexmf ring`` / ``adexmf sheet`` and the study call these functions, and nothing else
composes a ring run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import ParameterError
from ..figures.fig9_11_ring import (
    plot_figure9,
    plot_figure11,
    plot_sheet_snapshots,
    write_sheet_gif,
)
from ..meanfield import MeanFieldModel
from ..netcdf import write_netcdf
from ..params import Preset, RingStimulus
from ..ring import (
    DEFAULT_DT,
    DEFAULT_METHOD,
    DEFAULT_VSD_INPUT,
    RingModel,
    SheetModel,
    centred_stimulus,
)
from ..ring.analysis import apparent_motion, check_criteria, summarize_motion, summarize_run
from .config import RingSettings
from .stage import StageResult, check_outputs


def ring_run_stage(
    model: RingModel,
    duration: float,
    stimuli: Sequence[RingStimulus],
    *,
    out: Path,
    dt: float = DEFAULT_DT,
    method: str = DEFAULT_METHOD,
    vsd_input: str = DEFAULT_VSD_INPUT,
    criteria: str = "text",
    draw: bool = True,
    compress: bool = False,
) -> StageResult:
    """The ring after its stimuli: maps written as NetCDF, Fig. 9 drawn.

    Parameters
    ----------
    model : RingModel
    duration : float
        Biological time (s).
    stimuli : sequence of RingStimulus
    out : Path
        NetCDF file of the maps; the figure goes next to it.
    dt, method, vsd_input
        As in :meth:`adexmf.ring.RingModel.run` (s); dV/V0 from the lateral inputs only by
        default (:data:`adexmf.ring.DEFAULT_VSD_INPUT`).
    criteria : {"text", "code"}
        Early-response criteria (:func:`adexmf.ring.analysis.summarize_run`).
    draw : bool
        Draw Fig. 9.
    compress : bool
        Compress the maps (gzip level 1, byte shuffle): smaller files, but deflate costs
        about as much as the integration. Default False: stored plain, written at memory
        speed; the values are the same either way (:func:`adexmf.netcdf.write_netcdf`).

    Returns
    -------
    StageResult
        Files, the run's summary (peak dV/V0, speed...) with ``column``, ``n_units`` and
        ``v_c_mm_per_s``; data ``ring``.
    """
    check_criteria(criteria)  # a wrong name is an error before the run, not a missing speed
    out = check_outputs(out, draw)
    ds = model.run(duration, list(stimuli), dt=dt, method=method, vsd_input=vsd_input)
    summary = summarize_run(ds, criteria)
    files = [write_netcdf(ds, out, compress_floats=compress)]
    if draw:
        files += plot_figure9(ds, out.with_suffix(".png"), criteria)
    ring = model.ring
    summary = {"column": ds.attrs["column"], "n_units": ring.n_units,
               "v_c_mm_per_s": ring.v_c * 1e3, **summary}  # fmt: skip
    return StageResult(files, summary, data={"ring": ds})


def apparent_motion_stage(
    model: RingModel,
    duration: float,
    stimulus: RingStimulus,
    *,
    out: Path,
    dt: float = DEFAULT_DT,
    vsd_input: str = DEFAULT_VSD_INPUT,
    draw: bool = True,
    compress: bool = False,
) -> StageResult:
    """Apparent motion (Fig. 11): two stimuli 8.1 mm and 50 ms apart, alone and together, the
    linear prediction and the suppression map; NetCDF and figure (maps stored plain unless
    ``compress``, as in :func:`ring_run_stage`)."""
    out = check_outputs(out, draw)
    ds = apparent_motion(model, duration, stimulus, dt=dt, vsd_input=vsd_input)
    files = [write_netcdf(ds, out, compress_floats=compress)]
    if draw:
        files += plot_figure11(ds, out.with_suffix(".png"))
    return StageResult(files, summarize_motion(ds), data={"apparent_motion": ds})


def sheet_stage(
    model: SheetModel,
    duration: float,
    stimuli: Sequence[RingStimulus],
    *,
    out: Path,
    dt: float = DEFAULT_DT,
    frame_interval: float = 0.01,
    draw: bool = True,
) -> StageResult:
    """The N x N sheet after a point stimulus: maps (one frame every ``frame_interval`` s),
    dV/V0 snapshots and an animated GIF."""
    out = check_outputs(out, draw, gif=True)
    if not frame_interval >= dt:
        raise ParameterError(
            f"frame_interval = {frame_interval * 1e3:g} ms; allowed: at least the time step "
            f"dt = {dt * 1e3:g} ms", parameters=("frame_interval", "dt"),
        )
    every = max(int(round(frame_interval / dt)), 1)
    ds = model.run(duration, list(stimuli), dt=dt, record_every=every)
    files = [write_netcdf(ds, out)]
    if draw:
        files += plot_sheet_snapshots(ds, out.with_suffix(".png"))
        files.append(write_sheet_gif(ds, out.with_suffix(".gif")))
    vsd = ds.vsd
    k = int(vsd.argmax().values) // (vsd.shape[1] * vsd.shape[2])
    summary = {
        "n_units": model.sheet.n_units,
        "boundary": model.sheet.boundary,
        "vsd_peak": float(vsd.max()),
        "t_vsd_peak_s": float(ds.time.values[k]),
        "nu_e_peak_Hz": float(ds.nu_e.max()),
    }
    return StageResult(files, summary, data={"sheet": ds})


def ring_study_stage(settings: RingSettings, preset: Preset, folder: Path) -> StageResult:
    """The study's ring stage: the ring of first-order columns (SPEC 8) after the reference
    stimulus (Fig. 9), then apparent motion (Fig. 11)."""
    ring = settings.ring()
    model = RingModel(ring, MeanFieldModel(preset, order=1))  # SPEC 8: first order
    stimulus = centred_stimulus(ring, "code")
    run = ring_run_stage(model, settings.duration, [stimulus], out=folder / "ring_run.nc",
                         vsd_input=settings.vsd_input)  # fmt: skip
    motion = apparent_motion_stage(model, settings.duration, stimulus,
                                   out=folder / "apparent_motion.nc",
                                   vsd_input=settings.vsd_input)  # fmt: skip
    result = StageResult()
    result.add(run, "run")
    return result.add(motion, "apparent_motion")
