"""The HTML report of a study: one page that a browser opens offline.

``OUT/report/index.html`` shows every figure of every stage (PNG files copied next to the
page, so the folder can be moved or mailed on its own), the tables of numbers (mean field
against network, fits), the provenance (versions, parameters, seeds, timings) and the
settings where the paper's text and the authors' code differ. No script, no network access:
plain HTML and one inline style sheet.
"""

from __future__ import annotations

import html
import importlib.metadata
import os
import platform
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..params import Preset
from ..store import provenance, write_text

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em;
       margin-top: 2em; } h3 { font-size: 1.05em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f2f2; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
.wide { overflow-x: auto; } nav a { margin-right: 1em; }
"""

_TITLES = {
    "transfer": "Transfer functions",
    "meanfield": "Mean field: fixed points, time course, phase plane",
    "network": "Spiking network (10,000 neurons)",
    "compare": "Mean field against the network",
    "ring": "Ring of columns and apparent motion",
    "vsdi": "Fit to a VSDi recording",
    "brain": "Network of columns on a connectome (beyond the paper)",
}


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return html.escape(str(value))
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def _header(key: str) -> tuple[str, float]:
    """A column title in human units, and the factor from the SI value."""
    for prefix, unit, factor in (("mu_V", "mV", 1e3), ("sigma_V", "mV", 1e3), ("mu_G", "nS", 1e9),
                                 ("sigma_G", "nS", 1e9), ("mu_w", "pA", 1e12)):  # fmt: skip
        if key.startswith(prefix):
            return f"{key} ({unit})", factor
    if key.startswith("t_") and not key.endswith(("_ms", "_Hz")):
        return f"{key.removesuffix('_s')} (ms)", 1e3
    for suffix, unit in (("_percent", "%"), ("_Hz", "Hz"), ("_mm", "mm"), ("_ms", "ms"),
                         ("_rad", "rad"), ("_mm_per_s", "mm/s")):  # fmt: skip
        if key.endswith(suffix):
            return f"{key.removesuffix(suffix)} ({unit})", 1.0
    rates = ("nu_", "peak_nu", "trough_nu", "baseline_nu", "undershoot_", "sigma_nu")
    if key.startswith(rates):
        return f"{key} (Hz)", 1.0
    return key, 1.0


def _scalars(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of a summary entry (lists left out; one level of dicts flattened)."""
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, Mapping):
            for sub, v in value.items():
                if isinstance(v, int | float) or v is None:
                    out[f"{sub} {key}"] = v
        elif isinstance(value, int | float) and not isinstance(value, bool) or value is None:
            out[key] = value
    return out


def table(rows: Iterable[tuple[str, Mapping[str, Any]]], first: str = "") -> str:
    """An HTML table: one row per (name, numbers), one column per key found in any row."""
    rows = [(name, _scalars(entry)) for name, entry in rows]
    keys: list[str] = []
    for _, entry in rows:
        keys += [k for k in entry if k not in keys]
    if not rows or not keys:
        return ""
    heads = [_header(k) for k in keys]
    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in heads)
    body = []
    for name, entry in rows:
        cells = []
        for k, (_, factor) in zip(keys, heads, strict=True):
            v = entry.get(k)
            cells.append(f"<td>{_number(v * factor if isinstance(v, float) else v)}</td>")
        body.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    return (f'<div class="wide"><table><tr><th>{html.escape(first)}</th>{head}</tr>'
            f"{''.join(body)}</table></div>")  # fmt: skip


def text_table(rows: Iterable[tuple[str, Any]], first: str, second: str) -> str:
    """An HTML table of (name, value) pairs shown as text (settings, versions): ``table``
    keeps numbers only, so it would show these as "-"."""
    body = "".join(f"<tr><td>{html.escape(str(name))}</td><td>{html.escape(str(value))}</td></tr>"
                   for name, value in rows)  # fmt: skip
    if not body:
        return ""
    return (f'<div class="wide"><table><tr><th>{html.escape(first)}</th>'
            f"<th>{html.escape(second)}</th></tr>{body}</table></div>")  # fmt: skip


def _comparison_rows(summary: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    rows: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(summary.get("network"), Mapping):
        rows.append(("network", summary["network"]))
    rows += [(f"mean field: {k}", v) for k, v in summary.get("mf", {}).items()]
    if not rows:
        rows.append((summary.get("variant", "mean field"), summary))
    return rows


def _tables(name: str, summary: Mapping[str, Any]) -> str:
    if name == "compare":
        parts = []
        for protocol, entry in summary.items():
            seeds = entry.get("network", {}).get("seeds") if isinstance(entry, Mapping) else None
            note = f" (network seeds {', '.join(map(str, seeds))})" if seeds else ""
            parts.append(f"<h3>{html.escape(protocol)}{note}</h3>"
                         + table(_comparison_rows(entry), "model"))  # fmt: skip
        return "".join(parts)
    if name == "transfer" and "fits" in summary:
        fits = table(summary["fits"].items(), "cell")
        return table([("preset", summary)], "") + "<h3>single-cell fits</h3>" + fits
    if name == "vsdi":
        params = summary.get("parameters", {})
        sd = summary.get("uncertainty", {})
        rows = [(k, {"value": v, "sd": sd.get(k)}) for k, v in params.items()]
        return (table([(summary.get("session", "fit"), summary)], "recording")
                + "<h3>fitted parameters (value, Gauss-Newton sd)</h3>"
                + table(rows, "parameter"))  # fmt: skip
    if name in ("ring", "brain"):
        return table(summary.items(), "run")
    return table([(name, summary)], "")


def _seconds(value: Any) -> str:
    """A stage's duration, or "time unknown" where its manifest holds no number (the study
    reruns a stage whose manifest is damaged; a caller's own manifest may still be)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return f"{value:.1f} s"
    return "time unknown"


def _warnings(notes: list[str]) -> str:
    """The warnings a stage raised (results flagged outside a model's domain, ...)."""
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    head = f"<summary>{len(notes)} warning(s)</summary>"
    return f"<details>{head}<ul>{items}</ul></details>"


def _figures(name: str, manifest: Mapping[str, Any], out: Path, report: Path) -> str:
    parts = []
    for rel in manifest.get("files", []):
        source = out / rel
        if source.suffix != ".png" or not source.is_file():
            continue
        target = report / "figures" / f"{name}_{source.name}"
        shutil.copyfile(source, target)
        parts.append(
            f'<figure><img src="figures/{html.escape(target.name)}" alt="{html.escape(rel)}">'
            f"<figcaption>{html.escape(rel)}</figcaption></figure>"
        )
    return "".join(parts)


def _paper_vs_code(preset: Preset, settings: Mapping[str, str]) -> str:
    """The settings of this study where the paper's text and the authors' code differ: the
    preset's transfer functions, then ``settings`` (name -> value in human units, as the
    study's protocols define them)."""
    rows = [("preset", f"{preset.name} ({preset.level}): {preset.description}")]
    for cell, tf in preset.transfer.items():
        text = (
            f"layout {tf.layout}, shot-noise inhibitory term {tf.inhibitory_term!r} "
            "(paper: the paper's formula; slip: the authors' code)"
        )
        rows.append((f"transfer function {cell}", text))
    capacitance = f"{preset.cells['RS'].C_m * 1e12:g} pF" if "RS" in preset.cells else "-"
    rows.append(("membrane capacitance", capacitance))
    rows += list(settings.items())
    return text_table(rows, "setting", "value") + (
        "<p>Every difference and its effect: docs/paper-vs-code.md of the adexmf sources.</p>"
    )


def _versions() -> dict[str, str]:
    """Versions of adexmf and of every package it declares (its requirements)."""
    names = ["adexmf"] + [
        re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]
        for r in importlib.metadata.requires("adexmf") or []
        if "extra ==" not in r
    ]
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _provenance(config_text: str, manifests: Mapping[str, Any], seconds: float) -> str:
    info = {**provenance(), "platform": platform.platform(), "cpus": os.cpu_count()}
    seeds = {f"seed ({name})": m["summary"]["seed"] for name, m in manifests.items()
             if isinstance(m.get("summary"), Mapping) and "seed" in m["summary"]}  # fmt: skip
    timing = [(name, {"seconds": m.get("seconds"), "finished": m.get("created"),
                      "key": m.get("key")}) for name, m in manifests.items()]  # fmt: skip
    return (
        text_table({**info, **_versions(), **seeds}.items(), "", "value")
        + f"<h3>timings (this run: {seconds:.1f} s)</h3>"
        + table(timing, "stage")
        + "<h3>configuration (the study's TOML file)</h3>"
        + f"<pre>{html.escape(config_text)}</pre>"
    )


def build_report(
    out: str | Path,
    manifests: Mapping[str, Mapping[str, Any]],
    *,
    scale: str,
    preset: Preset,
    config_text: str,
    settings: Mapping[str, str],
    seconds: float = 0.0,
) -> Path:
    """Write ``OUT/report/index.html`` and its figures.

    Parameters
    ----------
    out : str or Path
        The study's results folder (stage folders inside).
    manifests : mapping
        Stage name -> manifest (:mod:`adexmf.workflows.study`).
    scale : str
        The study's scale (title).
    preset : Preset
        The study's preset.
    config_text : str
        The study's configuration as TOML (shown verbatim).
    settings : mapping of str to str
        Settings of the protocols where the paper's text and the authors' code differ
        (name -> value in human units).
    seconds : float
        Wall-clock time of the run that writes the report (s).

    Returns
    -------
    Path
        The page.
    """
    out = Path(out)
    report = out / "report"
    (report / "figures").mkdir(parents=True, exist_ok=True)
    nav = "".join(f'<a href="#{n}">{html.escape(_TITLES.get(n, n))}</a>' for n in manifests)
    sections = []
    for name, manifest in manifests.items():
        sections.append(
            f'<h2 id="{name}">{html.escape(_TITLES.get(name, name))}</h2>'
            f"<p>{_seconds(manifest.get('seconds'))}; key "
            f"{html.escape(str(manifest.get('key', '')))}</p>"
            + _warnings(manifest.get("warnings", []))
            + _tables(name, manifest.get("summary", {}))
            + _figures(name, manifest, out, report)
        )
    page = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>adexmf study ({html.escape(scale)})</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>adexmf study: scale {html.escape(scale)}, preset "
        f"{html.escape(preset.name)}</h1><nav>{nav}"
        '<a href="#settings">Paper vs code</a><a href="#provenance">Provenance</a></nav>'
        + "".join(sections)
        + '<h2 id="settings">Paper vs code: the settings used</h2>'
        + _paper_vs_code(preset, settings)
        + '<h2 id="provenance">Provenance</h2>'
        + _provenance(config_text, manifests, seconds)
        + "</body></html>"
    )
    return write_text(page, report / "index.html")
