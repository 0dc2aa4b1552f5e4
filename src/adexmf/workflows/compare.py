"""Comparison stages: a protocol of :mod:`adexmf.compare` run, its Dataset and its figure
written (``adexmf compare <protocol>`` and the study's compare stage)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from ..compare import frequency, integrative, stationary, transient, validity_map
from ..compare.protocol import PROTOCOL_NAMES
from ..errors import ParameterError
from ..figures import fig4_7_comparison as figures
from ..netcdf import write_netcdf
from ..store import check_folder
from .config import CompareSettings
from .stage import StageContext, StageResult


def _integrative(variants: Sequence[str], *, out: Path, **options: Any) -> xr.Dataset:
    """The integrative protocol is the mean field's alone: nothing goes to ``out/tasks``."""
    return integrative.integrative_properties(variants, **options)


#: Protocol name -> (comparison, figure, summary) functions.
PROTOCOLS: dict[str, tuple[Callable[..., xr.Dataset], Callable[..., list[Path]],
                           Callable[[xr.Dataset], dict[str, Any]]]] = {
    "stationary": (stationary.stationary_comparison, figures.plot_stationary,
                   stationary.stationary_summary),
    "transient": (transient.transient_comparison, figures.plot_transient,
                  transient.transient_summary),
    "frequency": (frequency.frequency_comparison, figures.plot_frequency,
                  frequency.frequency_summary),
    "integrative": (_integrative, figures.plot_integrative,
                    integrative.integrative_summary),
    "validity": (validity_map.validity_map, figures.plot_validity,
                 validity_map.validity_summary),
}  # fmt: skip
assert tuple(PROTOCOLS) == PROTOCOL_NAMES


def comparison_stage(
    protocol: str, variants: Sequence[str], out: str | Path, **options: Any
) -> StageResult:
    """Run a comparison protocol and write ``OUT/<protocol>.nc`` and its figure (PNG + SVG).

    Parameters
    ----------
    protocol : {"stationary", "transient", "frequency", "integrative", "validity"}
    variants : sequence of str
        Mean-field variants (:data:`adexmf.meanfield.variants.VARIANTS`).
    out : str or Path
        Results folder (checked before any work; network tasks go to ``out/tasks``).
    **options
        ``scale``, ``seeds``, ``drive`` (Hz), ``network``, ``scheduler``, ``progress``: as in
        :func:`adexmf.compare.stationary.stationary_comparison`; ``stimulus`` and ``order``
        for the frequency and integrative protocols (the latter takes no network options).

    Returns
    -------
    StageResult
        Files (data, then figures); the protocol's summary (SI units) with ``n_total``
        (neurons); data ``<protocol>``.
    """
    if protocol not in PROTOCOLS:
        raise ParameterError(f"protocol = {protocol!r}; allowed: {', '.join(PROTOCOLS)}")
    compare, plot, summarize = PROTOCOLS[protocol]
    out = check_folder(out, option="out")
    ds = compare(variants, out=out, **options)
    path = write_netcdf(ds, out / f"{protocol}.nc", option="out")
    files = [path, *plot(ds, out / f"{protocol}.png")]
    summary = {**summarize(ds), "n_total": int(ds.attrs["n_total"])}
    return StageResult(files, summary, data={protocol: ds})


def _study_options(settings: CompareSettings, scale: str, ctx: StageContext) -> dict[str, Any]:
    """The options of each protocol in a study."""
    network = {"scale": scale, "scheduler": ctx.scheduler, "progress": ctx.progress}
    return {
        "stationary": {**network, "drive": settings.drive},
        "transient": {**network, "drive": settings.drive},
        "frequency": {**network, "drive": settings.drive, "stimulus": settings.stimulus},
        "integrative": {"drive": settings.drive, "stimulus": settings.stimulus},
        "validity": network,
    }


def compare_study_stage(
    settings: CompareSettings, scale: str, folder: Path, ctx: StageContext
) -> StageResult:
    """The study's compare stage: each protocol of ``settings`` (Figs 4-7, validity map) at
    the study's ``scale``; the summary holds one entry per protocol."""
    options = _study_options(settings, scale, ctx)
    result = StageResult()
    for protocol in settings.protocols:
        ctx.echo(f"    {protocol}")
        done = comparison_stage(protocol, settings.variants, folder, **options[protocol])
        result.add(done, protocol)
    return result
