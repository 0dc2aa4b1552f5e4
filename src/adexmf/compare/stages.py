"""Comparison stages: a protocol run, its Dataset and figure written, its summary returned."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..store import check_folder, write_netcdf
from . import frequency, integrative, stationary, transient, validity_map


def _integrative(variants: Sequence[str], *, out: Path, **options: Any):
    """The integrative protocol is the mean field's alone: nothing goes to ``out/tasks``."""
    return integrative.integrative_properties(variants, **options)


#: Protocol name -> (comparison, figure, summary) functions.
PROTOCOLS = {
    "stationary": (stationary.stationary_comparison, stationary.plot_stationary,
                   stationary.stationary_summary),
    "transient": (transient.transient_comparison, transient.plot_transient,
                  transient.transient_summary),
    "frequency": (frequency.frequency_comparison, frequency.plot_frequency,
                  frequency.frequency_summary),
    "integrative": (_integrative, integrative.plot_integrative,
                    integrative.integrative_summary),
    "validity": (validity_map.validity_map, validity_map.plot_validity,
                 validity_map.validity_summary),
}  # fmt: skip


def comparison_stage(
    protocol: str,
    variants: Sequence[str],
    out: str | Path,
    **options: Any,
) -> dict[str, Any]:
    """Run a comparison protocol and write ``OUT/<protocol>.nc`` and its figure (PNG + SVG).

    Parameters
    ----------
    protocol : {"stationary", "transient", "frequency", "integrative", "validity"}
    variants : sequence of str
        Mean-field variants.
    out : str or Path
        Results folder (checked before any work; network tasks go to ``out/tasks``).
    **options
        ``scale``, ``seeds``, ``drive`` (Hz), ``network``, ``scheduler``, ``progress``: as in
        :func:`adexmf.compare.stationary.stationary_comparison`; ``stimulus`` and ``order``
        for the frequency and integrative protocols (the latter takes no network options).

    Returns
    -------
    dict
        The protocol's summary (SI units) with ``out`` (the NetCDF file), ``figures`` and
        ``n_total`` (neurons).
    """
    if protocol not in PROTOCOLS:
        raise ParameterError(f"protocol = {protocol!r}; allowed: {', '.join(PROTOCOLS)}")
    compare, plot, summarize = PROTOCOLS[protocol]
    out = check_folder(out, option="--out")
    ds = compare(variants, out=out, **options)
    path = write_netcdf(ds, Path(out) / f"{protocol}.nc", option="--out")
    figures = plot(ds, Path(out) / f"{protocol}.png")
    return {**summarize(ds), "n_total": int(ds.attrs["n_total"]), "out": str(path),
            "figures": [str(f) for f in figures]}  # fmt: skip
