"""The numbers the README and the docs publish, generated from the code.

Three files under ``docs/results/``:

- ``meanfield.json`` — deterministic: every mean-field number of the protocols (fixed points,
  Figs 4-7, the validity map), recomputed by ``python docs/results.py``;
- ``network.json`` — stochastic: the network side of each protocol at paper scale, written by
  ``python docs/results.py --network DIR`` from the Datasets of
  ``adexmf compare PROTOCOL --scale paper --out DIR`` (one per protocol), with the commands,
  the date and the commit that made them;
- ``derived.json`` — the comparisons (errors, phase errors, shares within 10 %) of the two,
  recomputed with the package's own metrics whenever either changes;
- ``recorded.json`` — timings and expensive commands (``--record NAME``: the example build,
  ``mf run`` costs), each with its command line, date, commit and machine.

Published numbers sit in the Markdown between markers, ``<!--r KEY:FORMAT-->text<!--/r-->``
(an HTML comment: invisible on GitHub and in mkdocs), where KEY is a dotted path into the
files (``derived.stationary.corrected.error_nu_e_percent``) and FORMAT a Python format spec,
optionally after a unit an SI value is published in (``pA:.1f``, :data:`UNIT_SCALES`).
``python docs/results.py`` rewrites every marked number; ``--check`` recomputes the
deterministic numbers, compares them with the files (relative 1e-6: other CPUs round the
compiled kernels' sums differently; published numbers carry 4 digits at most), checks that
the network file records its commands, date and commit, and that every marked number in the
pages is what the files give. It exits 1, listing each difference, when any of these fails.

Usage::

    python docs/results.py                 # recompute meanfield.json + derived.json, render
    python docs/results.py --check         # exit 1 if a published number differs
    python docs/results.py --network DIR   # network.json from DIR/<protocol>.nc
    python docs/results.py --figures DIR   # docs/figures/<protocol>.png from the same runs
    python docs/results.py --record NAME   # a timed or expensive command -> recorded.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
#: Pages whose marked numbers are rendered and checked.
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
MARKER = re.compile(r"<!--r (?P<key>[^:>\s]+)(?::(?P<fmt>[^>]*?))?-->(?P<text>.*?)<!--/r-->")
TABLE = re.compile(r"<!--table (?P<key>[\w-]+)-->\n(?P<text>.*?)<!--/table-->", re.DOTALL)
#: Relative tolerance of a recomputed deterministic number (see the module docstring).
RTOL = 1e-6
#: The named variants, in the order of the README's tables.
VARIANTS = ("reference", "corrected", "adaptation", "adaptation-T", "adaptation-W",
            "adaptation-WT", "adaptation-cal", "adaptation-WS")  # fmt: skip
NETWORK_PROTOCOLS = ("stationary", "transient", "frequency", "validity")


# --- the mean-field numbers (deterministic) -------------------------------------------------


def _fixed_points() -> dict[str, Any]:
    from adexmf.meanfield import MeanFieldModel

    def state(model, drive):
        s = model.fixed_point(drive=drive).state
        return {k: float(s[k]) for k in ("nu_e", "nu_i", "W") if k in s}

    return {
        "reference_order1_2Hz": state(MeanFieldModel("zerlaut2018", order=1), 2.0),
        "reference_order1_4Hz": state(MeanFieldModel("zerlaut2018", order=1), 4.0),
        "corrected_order1_4Hz": state(MeanFieldModel("corrected", order=1), 4.0),
        "corrected_order2_4Hz": state(MeanFieldModel("corrected", order=2), 4.0),
        "corrected_adaptation_order1_b20pA_4Hz": state(
            MeanFieldModel("corrected_adaptation", order=1, adaptation=True, b=20e-12), 4.0),
        "corrected_adaptation_order2_b20pA_4Hz": state(
            MeanFieldModel("corrected_adaptation", order=2, adaptation=True, b=20e-12), 4.0),
        # adaptation counted twice: W on top of coefficients fitted on freely adapting cells
        "reference_twice_order1_4Hz": state(
            MeanFieldModel("zerlaut2018", order=1, adaptation=True), 4.0),
        "corrected_twice_order1_4Hz": state(
            MeanFieldModel("corrected", order=1, adaptation=True), 4.0),
    }  # fmt: skip


def _mf_part(summary: dict[str, Any]) -> dict[str, Any]:
    """The mean-field part of a protocol summary (no network ran)."""
    return {k: v for k, v in summary.items() if k != "network"}


def _stationary() -> dict[str, Any]:
    from adexmf.compare.stationary import stationary_comparison, stationary_summary

    ds = stationary_comparison(VARIANTS, scale="paper", network=False)
    return _mf_part(stationary_summary(ds))


def _transient() -> dict[str, Any]:
    from adexmf.compare.transient import transient_comparison, transient_summary

    ds = transient_comparison(VARIANTS, scale="paper", network=False)
    return _mf_part(transient_summary(ds))


def _frequency() -> dict[str, Any]:
    from adexmf.compare.frequency import frequency_comparison, frequency_summary

    ds = frequency_comparison(VARIANTS, scale="paper", network=False)
    return _mf_part(frequency_summary(ds))


def _integrative() -> dict[str, Any]:
    from adexmf.compare.integrative import integrative_properties, integrative_summary

    return integrative_summary(integrative_properties(["reference"]))


def _validity() -> dict[str, Any]:
    from adexmf.compare.validity_map import validity_map, validity_summary

    ds = validity_map(VARIANTS, scale="paper", network=False)
    return _mf_part(validity_summary(ds))


def _presets() -> dict[str, Any]:
    """The fit errors each shipped preset records (its notes, written by ``tf fit`` with the
    commands in the preset's header): RMS and max (Hz) per cell, parsed from the note."""
    from adexmf.params import load_preset

    out: dict[str, Any] = {}
    for name in ("corrected", "corrected_adaptation", "corrected_w"):
        preset = load_preset(name)
        out[name] = {}
        for cell, params in preset.transfer.items():
            found = re.search(r"RMS ([0-9.]+) Hz, max ([0-9.]+) Hz", params.note or "")
            if found:
                out[name][cell] = {"rms_Hz": float(found[1]), "max_Hz": float(found[2])}
    return out


def _ring() -> dict[str, Any]:
    """The reference ring run (Fig. 9: 120 columns, [code] stimulus, 600 ms, first order)
    with each VSD signal: peak dV/V0, its time, the early-response speed ([text] criteria)."""
    from adexmf.meanfield import MeanFieldModel
    from adexmf.params import Ring
    from adexmf.ring import VSD_INPUTS, RingModel
    from adexmf.ring.analysis import summarize_run
    from adexmf.ring.stimulus import centred_stimulus

    ring = Ring()
    model = RingModel(ring, MeanFieldModel("zerlaut2018", order=1))
    out = {}
    for signal in VSD_INPUTS:
        ds = model.run(0.6, [centred_stimulus(ring, "code")], vsd_input=signal)
        out[signal] = {k: float(v) for k, v in summarize_run(ds, "text").items()}
    return out


def _variants() -> dict[str, Any]:
    """Each named variant's preset, adaptation flag, Markov time constant T and synaptic
    filter (ms)."""
    from adexmf.meanfield.variants import VARIANTS as REGISTRY

    return {v.name: {"preset": v.preset, "adaptation": v.adaptation, "T_ms": 1e3 * v.T,
                     "synaptic_filter_ms": 1e3 * v.synaptic_filter}
            for v in REGISTRY.values()}  # fmt: skip


#: Section -> function computing it; the first seven take seconds, the last two ~30 s.
SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "presets": _presets,
    "variants": _variants,
    "ring": _ring,
    "fixed_points": _fixed_points,
    "stationary": _stationary,
    "transient": _transient,
    "integrative": _integrative,
    "frequency": _frequency,
    "validity": _validity,
}
QUICK_SECTIONS = ("presets", "variants", "ring", "fixed_points", "stationary", "transient",
                  "integrative")


def compute_meanfield(sections: Iterable[str] = tuple(SECTIONS)) -> dict[str, Any]:
    """The deterministic mean-field numbers of ``sections`` (JSON-friendly, SI units)."""
    from adexmf.errors import ValidityWarning

    out = {}
    with warnings.catch_warnings():
        # Counted in the Datasets (outside_fit_domain); the pages state where they matter.
        warnings.simplefilter("ignore", ValidityWarning)
        for name in sections:
            out[name] = _clean(SECTIONS[name]())
    return out


def _clean(value: Any) -> Any:
    """JSON round trip (tuples to lists, numpy scalars to floats)."""
    return json.loads(json.dumps(value, default=float))


# --- comparisons of the two -----------------------------------------------------------------


def compute_derived(mf: dict[str, Any], net: dict[str, Any]) -> dict[str, Any]:
    """The mean field against the stored network, with the package's metrics."""
    from adexmf.compare.frequency import BANDS
    from adexmf.compare.metrics import (
        band_mean_abs_error,
        largest_ai_error,
        relative_error_percent,
        resonance,
        within_10_percent,
        wrapped_phase_difference,
    )

    out: dict[str, Any] = {"stationary": {}, "transient": {}, "frequency": {}, "validity": {}}
    sn = net["stationary"]
    for v, m in mf["stationary"]["mf"].items():
        out["stationary"][v] = {f"error_{p}_percent": float(relative_error_percent(m[p], sn[p]))
                                for p in ("nu_e", "nu_i")}  # fmt: skip
    control = net["transient"]["undershoot_control_nu_e"]
    for v, m in mf["transient"]["mf"].items():
        dip = m["undershoot_control_nu_e"]
        out["transient"][v] = {
            "has_trough": bool(dip > 0.01),  # a dip deeper than 0.01 Hz below the baseline
            "undershoot_control_error_percent": float(relative_error_percent(dip, control)),
            "peak_error_percent": float(relative_error_percent(
                m["peak_nu_e"], net["transient"]["peak_nu_e"])),
            "peak_delay_ms": 1e3 * (m["t_peak_nu_e"] - net["transient"]["t_peak_nu_e"]),
        }  # fmt: skip
    fn = net["frequency"]
    f = np.asarray(fn["frequency_Hz"])
    for v, m in mf["frequency"]["mf"].items():
        dphi = wrapped_phase_difference(np.asarray(m["phase_rad"]), np.asarray(fn["phase_rad"]))
        r = resonance(f, np.asarray(m["amplitude_Hz"]))
        out["frequency"][v] = {
            "phase_error_rad_by_band": band_mean_abs_error(f, dphi, BANDS),
            # a resonance: a peak above 1 Hz at least 10 % over the 1 Hz response (the
            # network's: 1.35); the 1.00-1.05 bumps at 2-4 Hz are adaptation's slow lead
            "resonance": bool(r.frequency > f[0] and r.gain >= 1.1),
            "peak_frequency_Hz": r.frequency, "peak_gain": r.gain,
        }  # fmt: skip
    out["timing"] = _timing(net["frequency"])
    vn = net["validity"]
    ai = np.asarray(vn["ai"], dtype=bool)
    for v, m in mf["validity"]["mf"].items():
        ee = relative_error_percent(np.asarray(m["nu_e"], float), np.asarray(vn["nu_e"], float))
        ei = relative_error_percent(np.asarray(m["nu_i"], float), np.asarray(vn["nu_i"], float))
        out["validity"][v] = {
            "within_10_percent_ai_percent": 100.0 * within_10_percent(ee, ei, ai),
            "max_abs_error_ai_percent": largest_ai_error(ee, ei, ai),
        }
    return _clean(out)


def _timing(fn: dict[str, Any]) -> dict[str, Any]:
    """Frequency-response mismatch of the -T variants at their fitted T and at 5 ms."""
    import dataclasses

    import xarray as xr

    from adexmf.compare.frequency import SIGNALS
    from adexmf.compare.timing import mismatch
    from adexmf.meanfield.variants import get_variant

    k = SIGNALS.index(fn["signal"])
    amp = np.zeros((len(fn["frequency_Hz"]), len(SIGNALS)))
    phase = np.zeros_like(amp)
    amp[:, k], phase[:, k] = fn["amplitude_Hz"], fn["phase_rad"]
    ds = xr.Dataset(
        {"network_amplitude": (("frequency", "signal"), amp),
         "network_phase": (("frequency", "signal"), phase)},
        coords={"frequency": fn["frequency_Hz"], "signal": list(SIGNALS)},
        attrs={"amplitude_Hz": fn["input_amplitude_Hz"],
               **{k: fn[k] for k in ("drive_Hz", "n_total", "order", "signal")}},
    )  # fmt: skip
    out = {}
    for name in ("adaptation-T", "adaptation-WT"):
        v = get_variant(name)
        out[name] = {"fitted": dataclasses.asdict(mismatch(v, ds)),
                     "default": dataclasses.asdict(mismatch(v, ds, T=5e-3))}  # fmt: skip
    return out


# --- the network numbers (stochastic, stored with their provenance) -------------------------


def network_numbers(folder: Path) -> dict[str, Any]:
    """The network side of each protocol's paper-scale Dataset in ``folder``."""
    from adexmf.compare import frequency, stationary, transient, validity_map
    from adexmf.netcdf import read_netcdf

    summaries = {
        "stationary": stationary.stationary_summary,
        "transient": transient.transient_summary,
        "frequency": frequency.frequency_summary,
        "validity": validity_map.validity_summary,
    }
    values: dict[str, Any] = {}
    for name, summarize in summaries.items():
        ds = read_netcdf(folder / f"{name}.nc", what=f"{name} Dataset")
        if ds.attrs.get("scale") != "paper" or not int(ds.attrs.get("network", 1)):
            sys.exit(f"{folder / name}.nc: not a paper-scale run with the network")
        s = summarize(ds)
        values[name] = {**s["network"], **({"isolated": s["isolated"]} if "isolated" in s else {})}
        if name == "frequency":
            values[name].update({k: s[k] for k in ("frequency_Hz", "signal", "drive_Hz",
                                                    "order")})  # fmt: skip
            values[name]["input_amplitude_Hz"] = s["amplitude_Hz"]  # the sinusoid's A
            values[name]["n_total"] = int(ds.attrs["n_total"])
    return _clean(values)


def _commit() -> str:
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return rev.stdout.strip() + ("+uncommitted changes in src" if dirty else "")


def write_network(folder: Path) -> Path:
    """``network.json`` from ``folder``, with the commands, the date and the commit."""
    values = network_numbers(folder)
    meta = {
        "kind": "stochastic: network simulations, seeds as listed; regenerate, do not recompute",
        "commands": [f"adexmf compare {p} --scale paper --out DIR" for p in NETWORK_PROTOCOLS]
        + ["python docs/results.py --network DIR"],
        "date": datetime.date.today().isoformat(),
        "commit": _commit(),
        "commit_note": "the commit network.json was written at; the network code of the runs "
        "is the same (the Datasets record the package version, not the commit)",
    }
    return _write(RESULTS / "network.json", {"meta": meta, "values": values})


# --- tables rendered from the files ---------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:+.1f} %"


def comparison_table(data: dict[str, Any]) -> str:
    """The README's table: the mean-field variants against the network at paper scale."""
    mf, net, der = data["meanfield"], data["network"], data["derived"]
    rows: list[tuple[str, str, list[str]]] = []
    sn = net["stationary"]
    rows.append(("Fig 4: nu_e, nu_i at 4 Hz", f"{sn['nu_e']:.2f}, {sn['nu_i']:.2f} Hz",
                 [f"{_pct(d['error_nu_e_percent'])}, {_pct(d['error_nu_i_percent'])}"
                  for d in (der["stationary"][v] for v in VARIANTS)]))  # fmt: skip
    tn, tm = net["transient"], mf["transient"]["mf"]
    rows.append(("Fig 5: peak nu_e (Hz) at (ms)",
                 f"{tn['peak_nu_e']:.1f} at {1e3 * tn['t_peak_nu_e']:.0f}",
                 [f"{tm[v]['peak_nu_e']:.1f} at {1e3 * tm[v]['t_peak_nu_e']:.0f}"
                  for v in VARIANTS]))  # fmt: skip
    rows.append(("Fig 5: trough after it (Hz)", f"{tn['trough_nu_e']:.2f}",
                 [f"{tm[v]['trough_nu_e']:.2f}" if der["transient"][v]["has_trough"] else "none"
                  for v in VARIANTS]))  # fmt: skip
    rows.append(("Fig 5: undershoot below the paired no-stimulus run (Hz)",
                 f"{tn['undershoot_control_nu_e']:.2f}",
                 [f"{tm[v]['undershoot_control_nu_e']:.2f} "
                  f"({der['transient'][v]['undershoot_control_error_percent']:+.0f} %)"
                  if der["transient"][v]["has_trough"] else "none" for v in VARIANTS]))  # fmt: skip
    fn, fd = net["frequency"], der["frequency"]
    rows.append(("Fig 6: resonance of nu, peak (gain over 1 Hz; none: below 1.1)",
                 f"{fn['peak_frequency_Hz']:.1f} Hz ({fn['peak_gain']:.2f})",
                 [f"{fd[v]['peak_frequency_Hz']:.0f} Hz ({fd[v]['peak_gain']:.2f})"
                  if fd[v]["resonance"] else "none" for v in VARIANTS]))  # fmt: skip
    rows.append(("Fig 6: mean abs phase error of nu, 1-10 / 10-50 / 50-300 Hz (rad)", "",
                 [" / ".join(f"{e:.2f}" for e in fd[v]["phase_error_rad_by_band"].values())
                  for v in VARIANTS]))  # fmt: skip
    vd, vn = der["validity"], net["validity"]
    drives = mf["validity"]["drive_Hz"]
    silent = [d for d, row in zip(drives, vn["ai"], strict=True) if not any(row)]
    rows.append(("validity map (Poisson drive): AI points within 10 % (max error)",
                 "AI except at " + ", ".join(f"{d:g} Hz" for d in silent) if silent else "AI",
                 [f"{vd[v]['within_10_percent_ai_percent']:.0f} % "
                  f"({vd[v]['max_abs_error_ai_percent']:.0f} %)" for v in VARIANTS]))  # fmt: skip
    lines = ["| | network | " + " | ".join(VARIANTS) + " |",
             "|---|---|" + "---|" * len(VARIANTS)]  # fmt: skip
    lines += [f"| {name} | {n} | " + " | ".join(cells) + " |" for name, n, cells in rows]
    return "\n".join(lines) + "\n"


def backends_table(data: dict[str, Any]) -> str:
    """The README's backend table (``--record network_backends``)."""
    b = data["recorded"]["network_backends"]

    def rates(name: str) -> str:
        r = b[name]
        return (f"{r['nu_e']:.2f} +- {r['nu_e_std']:.2f}, {r['nu_i']:.2f} +- {r['nu_i_std']:.2f}"
                f" (seeds 1-{r['seeds']})")  # fmt: skip

    def diff(a: str, c: str) -> str:
        return ", ".join(f"{100 * (b[a][k] / b[c][k] - 1):+.1f} %" for k in ("nu_e", "nu_i"))

    return "\n".join([
        "| drive | Brian2 (Euler) nu_e, nu_i (Hz) | NEST (RKF45) nu_e, nu_i (Hz) "
        "| NEST vs Brian2 |",
        "|---|---|---|---|",
        f"| independent, Bernoulli events (reference) | {rates('brian2_bernoulli')} | "
        f"{rates('nest_poisson')} (Poisson) | {diff('nest_poisson', 'brian2_bernoulli')} |",
        f"| independent, Poisson events (`--drive-events poisson`) | {rates('brian2_poisson')} | "
        f"same runs | {diff('nest_poisson', 'brian2_poisson')} |",
        f"| population (`--drive-model population`) | {rates('brian2_population')} | "
        f"{rates('nest_population')} | {diff('nest_population', 'brian2_population')} |",
    ]) + "\n"  # fmt: skip


def benchmarks_table(data: dict[str, Any], name: str = "benchmarks_quick") -> str:
    """The README's benchmark table (``--record benchmarks_quick``, or ``benchmarks`` for
    the full sizes): each figure, its time, the baseline measured in the same run and the
    ratio."""
    b = data["recorded"][name]

    def seconds(t: float | None) -> str:
        if t is None:
            return "-"
        for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if t >= scale:
                return f"{t / scale:.3g} {unit}"
        return f"{t * 1e9:.3g} ns"

    lines = ["| benchmark | figure | time | baseline (same run) | ratio |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in b["rows"]:
        base = f"{r['baseline']} {seconds(r['baseline_seconds'])}" if r["baseline"] else "-"
        ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else "-"
        lines.append(f"| {r['benchmark']} | {r['figure']} | {seconds(r['seconds'])} | {base} "
                     f"| {ratio} |")  # fmt: skip
    for name in b["failed"]:
        lines.append(f"| {name} | FAILED (see `python benchmarks/bench_{name}.py`) | | | |")
    return "\n".join(lines) + "\n"


def replay_table(data: dict[str, Any]) -> str:
    """The replay experiment's table (``--record input_replay``): per point, the network's
    RS rate, the CVs of its trains, the copies' rate under each surrogate (% vs the network)
    and the share of the replay -> Poisson rise that removing the regularity gives."""
    from adexmf.compare.replay import SURROGATES as kinds

    rec = data["recorded"]["input_replay"]
    head = "| drive | b | network RS | CV of the trains (E, I) | " + " | ".join(kinds)
    lines = [head + " | regularity's share |", "|---|---|---|---|" + "---|" * (len(kinds) + 1)]
    for p in rec["points"]:
        net = p["network_Hz"]
        cells = [f"{p[k]:.2f} ({100 * (p[k] / net - 1):+.0f} %)" for k in kinds]
        # of the rise from the replay to Poisson trains, the part that isi_shuffle -> poisson
        # (the trains' regularity alone) gives
        cells.append(f"{(p['poisson'] - p['isi_shuffle']) / (p['poisson'] - p['replay']):.0%}")
        lines.append(f"| {p['drive_Hz']:g} Hz | {p['b_pA']:g} pA | {net:.2f} Hz | "
                     f"{p['source_cv'][0]:.2f}, {p['source_cv'][1]:.2f} | "
                     + " | ".join(cells) + " |")  # fmt: skip
    return "\n".join(lines) + "\n"


def calibration_table(data: dict[str, Any]) -> str:
    """The network-calibrated threshold (``--record calibration``): per map and per split,
    the share of AI points with both rates within 10 % and the largest error, on the
    calibration half and the held-out half; then the shipped adaptation-cal and adaptation-W."""
    rec = data["recorded"]["calibration"]
    lines = ["| map | mean field | calibration half | held-out half |", "|---|---|---|---|"]

    def cell(s: dict[str, Any]) -> str:
        return (f"{100 * s['within_10_percent_fraction']:.0f} % within 10 %, max "
                f"{s['max_abs_error_percent']:.1f} % ({s['n_ai']} points)")  # fmt: skip

    for name, label in (("stationary", "b 0-60 pA"), ("extended", "b 0-150 pA")):
        entry = rec[name]
        for half, cal in entry["calibrations"].items():
            before, after = cal["before"], cal["after"]
            row = f"{cell(before['calibration'])} | {cell(before['held_out'])}"
            lines.append(f"| {label} | adaptation-W, {half} split | {row} |")
            lines.append(f"| {label} | calibrated on the {half} half | "
                         f"{cell(after['calibration'])} | {cell(after['held_out'])} |")  # fmt: skip
        split = entry["variants"]["adaptation-cal"]["split"]
        lines.append(f"| {label} | shipped adaptation-cal | {cell(split['calibration'])} | "
                     f"{cell(split['held_out'])} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def updown_table(data: dict[str, Any]) -> str:
    """The UP-DOWN regime map (``--record updown_regimes``): per drive and per row (network,
    then each mean field), the regime at each b (a asynchronous, o oscillating, s silent),
    the boundary b and, where both oscillate, the errors of frequency and UP-state rate."""
    rec = data["recorded"]["updown_regimes"]
    bs = " ".join(f"{b * 1e12:g}" for b in rec["b_A"])
    lines = [f"| drive | | regime at b = {bs} pA | boundary | frequency error | UP-rate error |",
             "|---|---|---|---|---|---|"]  # fmt: skip

    def errors(values) -> str:
        kept = [f"{v:+.0f} %" for v in values if v is not None]
        return ", ".join(kept) if kept else "-"

    rows = [("network", rec["network"]), *rec["mf"].items()]
    for i, drive in enumerate(rec["drive_Hz"]):
        for name, r in rows:
            edge = r["boundary_b_A"][i]
            edge_text = "none" if edge is None else f"{edge * 1e12:g} pA"
            if name != "network":
                edge_text += " (agrees)" if r["boundary_within_one_step"][i] else " (misses)"
            freq = "" if name == "network" else errors(r["error_oscillation_frequency_percent"][i])
            up = "" if name == "network" else errors(r["error_up_rate_percent"][i])
            letters = " ".join(x[0] for x in r["regime"][i])
            lines.append(f"| {drive:g} Hz | {name} | {letters} | {edge_text} | {freq} | {up} |")
    return "\n".join(lines) + "\n"


#: Table name -> function rendering it (Markdown) from the results files.
def turns_table(data: dict[str, Any]) -> str:
    """Where the UP-DOWN cycle turns (``--record updown_mechanism``): per b, the network's
    and each mean field's mean W at UP onset and offset (pA), UP and DOWN durations (s) and
    the UP phases' mean rate (Hz)."""
    turns = data["recorded"]["updown_mechanism"]["turns"]
    lines = ["| b | | W at UP onset | W at UP offset | UP phase | DOWN phase | UP-phase rate |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    rows = [("network", turns["network"]), *turns["mf"].items()]
    for j, b in enumerate(turns["b_A"]):
        for name, s in rows:
            if s["n_up"][j] < 2:
                cells = ["no UP-DOWN cycle"] + [""] * 4
            else:
                cells = [f"{s['w_onset'][j] * 1e12:.1f} pA", f"{s['w_offset'][j] * 1e12:.1f} pA",
                         f"{s['up_duration'][j]:.2f} s", f"{s['down_duration'][j]:.2f} s",
                         f"{s['up_rate'][j]:.2f} Hz"]  # fmt: skip
            lines.append(f"| {b * 1e12:.0f} pA | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


TABLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "comparison": comparison_table,
    "backends": backends_table,
    "benchmarks": benchmarks_table,
    "benchmarks_full": lambda data: benchmarks_table(data, "benchmarks"),
    "input_replay": replay_table,
    "calibration": calibration_table,
    "updown": updown_table,
    "updown_turns": turns_table,
}


# --- figures for the docs pages ------------------------------------------------------------

#: The paper-scale figures the docs show: protocol -> its figure function's name.
FIGURES = {"stationary": "plot_stationary", "transient": "plot_transient",
           "frequency": "plot_frequency", "validity": "plot_validity"}  # fmt: skip
#: Width of the docs' copies (pixels): small enough to keep in the repository.
FIGURE_WIDTH = 900


def _protocol_figures(folder: Path, tmp: Path) -> dict[str, Path]:
    """Figs 4-6 and the validity map from ``folder/<protocol>.nc`` (the runs of network.json)."""
    from adexmf.figures import fig4_7_comparison
    from adexmf.netcdf import read_netcdf

    out = {}
    for name, function in FIGURES.items():
        ds = read_netcdf(folder / f"{name}.nc", what=f"{name} Dataset")
        out[name] = getattr(fig4_7_comparison, function)(ds, tmp / name)[0]
    return out


def _stage_figures(tmp: Path) -> dict[str, Path]:
    """Figs 3, 7, 9 and 11 by the study's own stages at their defaults (Fig. 3: the network,
    seed 5, ~30 s; the others are mean field only)."""
    from adexmf.params import load_preset
    from adexmf.workflows.compare import comparison_stage
    from adexmf.workflows.config import RingSettings
    from adexmf.workflows.network import figure3_stage
    from adexmf.workflows.ring import ring_study_stage

    pngs = [f for f in figure3_stage(tmp / "network").files if f.suffix == ".png"]
    pngs += [f for f in comparison_stage("integrative", ["reference"], tmp / "compare").files
             if f.suffix == ".png"]  # fmt: skip
    pngs += [f for f in ring_study_stage(RingSettings(), load_preset("zerlaut2018"),
                                         tmp / "ring").files if f.suffix == ".png"]  # fmt: skip
    return {f.stem: f for f in pngs}


def write_figures(folder: Path) -> list[Path]:
    """Small PNG copies of the paper's figures in ``docs/figures/``, drawn by the package's
    own figure functions (:func:`_protocol_figures`, :func:`_stage_figures`)."""
    import tempfile

    from PIL import Image

    written = []
    target = ROOT / "docs" / "figures"
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        figures = {**_protocol_figures(folder, Path(tmp)), **_stage_figures(Path(tmp))}
        for name, png in figures.items():
            with Image.open(png) as image:
                height = round(image.height * FIGURE_WIDTH / image.width)
                small = image.convert("RGB").resize((FIGURE_WIDTH, height), Image.LANCZOS)
                small = small.quantize(colors=96)  # line plots: a palette keeps them small
                out = target / f"{name}.png"
                small.save(out, optimize=True)
            written.append(out)
    return written


# --- recorded runs (timings and expensive commands, stored with their provenance) -------------


def _build_fits_and_check(d: dict[str, Any]) -> dict[str, Any]:
    """What the docs keep of ``adexmf build --json``: fit RMS per cell (Hz) and the mean
    field's errors against the network check (%)."""
    return {"rms_Hz": {c: f["rmse_Hz"] for c, f in d["fits"].items()},
            "error_percent": {p: d["check"]["mean_field"][f"error_{p}_percent"]
                              for p in ("nu_e", "nu_i")}}  # fmt: skip


def _build_example(out: Path) -> tuple[list[str], Callable[[str], dict[str, Any]]]:
    return (["adexmf", "build", "examples/eif_cells.toml", "--out", str(out), "--json"],
            lambda stdout: _build_fits_and_check(json.loads(stdout)))  # fmt: skip


def _build_calibrated(out: Path) -> tuple[list[str], Callable[[str], dict[str, Any]]]:
    """``adexmf build --calibrate`` of an adapting cell (the paper's cells, RS b = 60 pA)."""

    def extract(stdout: str) -> dict[str, Any]:
        d = json.loads(stdout)
        cal = d["calibration"]
        return {**_build_fits_and_check(d), "calibration_seconds": cal["seconds"],
                "ridge": cal["ridge"], "before": cal["before"], "after": cal["after"]}

    return ["adexmf", "build", "examples/adapting_cells.toml", "--calibrate", "--out", str(out),
            "--json"], extract  # fmt: skip


def _mf_run(duration: str) -> Callable[[Path], tuple[list[str], Callable[[str], dict]]]:
    def make(out: Path):
        def extract(stdout: str) -> dict[str, Any]:
            files = {f.suffix[1:]: f.stat().st_size / 1e6 for f in out.glob("mf.*")}
            return {"output_MB": files}

        return ["adexmf", "mf", "run", "--order", "2", "--dt", "0.1ms", "--duration", duration,
                "--stimulus", "sinusoid:A=2Hz,f=10Hz,t0=500ms", "--out",
                str(out / "mf.nc")], extract  # fmt: skip

    return make


def _clamped_w_errors(out: Path) -> tuple[list[str], Callable[[str], dict[str, Any]]]:
    """The clamped-W characterisation behind ``corrected_w`` (seed 0: the fit's own data),
    and the error of three presets' RS transfer functions on it, per clamped W level."""
    argv = ["adexmf", "tf", "characterize", "--cell", "RS", "--preset", "corrected",
            "--w-levels", "0pA,50pA,100pA,150pA,200pA", "--out", str(out)]  # fmt: skip

    def extract(stdout: str) -> dict[str, Any]:
        import xarray as xr

        from adexmf import TransferFunction, load_preset
        from adexmf.errors import ValidityWarning

        with xr.open_dataset(out / "tf_RS.nc") as ds:
            data = {k: ds[k].values for k in ("nu_e", "nu_i", "W", "rate_mean")}
        levels = np.unique(data["W"])
        result: dict[str, Any] = {"W_levels_pA": (1e12 * levels).tolist()}
        for name in ("corrected_w", "corrected_adaptation", "corrected"):
            tf = TransferFunction.from_preset(load_preset(name), "RS")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ValidityWarning)
                error = tf(data["nu_e"], data["nu_i"], data["W"]) - data["rate_mean"]
            result[name] = {
                "rms_Hz": float(np.sqrt(np.mean(error**2))),
                "max_Hz": float(np.abs(error).max()),
                "rms_by_level_Hz": [float(np.sqrt(np.mean(error[data["W"] == w] ** 2)))
                                    for w in levels],
                "max_by_level_Hz": [float(np.abs(error[data["W"] == w]).max()) for w in levels],
            }  # fmt: skip
        return result

    return argv, extract


def _input_replay(out: Path):
    """The replay experiment of issue 26 (examples/input_replay.py): network RS cells' inputs
    replayed into isolated copies, one property removed at a time."""
    return ["python", "examples/input_replay.py", "--store", str(out / "store"),
            "--json"], json.loads  # fmt: skip


def _calibration(out: Path):
    """The network-calibrated threshold of issue 26 (examples/calibrated_threshold.py): both
    checkerboard splits of the stationary and extended validity maps, 3 seeds."""
    return ["python", "examples/calibrated_threshold.py", "--out", str(out / "map"),
            "--json"], json.loads  # fmt: skip


def _indegree_correction(out: Path):
    """The in-degree spread averaged into the transfer functions, first order, against the
    stationary validity map (examples/indegree_correction.py)."""
    return ["python", "examples/indegree_correction.py", "--out", str(out / "map"),
            "--json"], json.loads  # fmt: skip


def _updown_regimes(out: Path):
    """The UP-DOWN regime map of issue 26, item 4 (examples/updown_regimes.py): TVB-AdEx's
    network over drive x b, 3 seeds, against its built mean field with and without OU noise."""
    return ["python", "examples/updown_regimes.py", "--out", str(out / "map"),
            "--json"], json.loads  # fmt: skip


def _updown_mechanism(out: Path):
    """Why the mean field misses the UP-DOWN states (examples/updown_mechanism.py): the
    network with W frozen against the mean fields' critical manifolds, and where the
    cycle turns, from scratch."""
    return ["python", "examples/updown_mechanism.py", "--out", str(out / "map"),
            "--json"], json.loads  # fmt: skip


def _synaptic_filter(out: Path):
    """The synaptic filter of issue 26, item 3 (examples/synaptic_filter_response.py): the
    linear response over T x tau_s, fitted on Fig. 6, tested on Fig. 5."""
    return ["python", "examples/synaptic_filter_response.py", "--json"], json.loads


def _compare_suite_extended(out: Path):
    """The paper-scale validation suite with the extended validity map, from an empty task
    folder (benchmarks/bench_compare.py --scale paper --extended): issue 26's cost."""
    return ["python", "benchmarks/bench_compare.py", "--scale", "paper", "--extended"], \
        lambda stdout: json.loads(stdout.strip().splitlines()[-1])


def _quick_study(cold: bool):
    """``adexmf`` (the quick study) timed from warm caches, or cold: an empty user cache
    (XDG_CACHE_HOME: compiled kernels, Brian2's code, the VSDi scan), as on a fresh machine."""

    def make(out: Path):
        env = {"XDG_CACHE_HOME": str(out / "cache")} if cold else {}
        return ["adexmf", "run", "--out", str(out / "study")], lambda stdout: {}, env

    return make


def _pytest_counts(stdout: str) -> dict[str, Any]:
    """The counts of pytest's last line (``595 passed, 34 skipped in ...``) and the reason of
    each skip (``-ra``'s summary: ``SKIPPED [n] file:line: reason``)."""
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    found = re.findall(r"(\d+) (passed|skipped|failed|errors?)", last)
    counts: dict[str, Any] = {word: int(n) for n, word in found}
    reasons: dict[str, int] = {}
    for n, reason in re.findall(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", stdout, re.MULTILINE):
        reasons[reason] = reasons.get(reason, 0) + int(n)
    counts["skip_reasons"] = reasons
    return counts


def _test_suite(out: Path):
    """The README's default test tier, warm caches."""
    return ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], _pytest_counts


def _fresh_clone_ci(out: Path):
    """``.ci/run`` on a fresh clone of the committed tree with an empty user cache."""
    script = f"git clone -q {ROOT} {out / 'clone'} && {out / 'clone' / '.ci' / 'run'}"
    return ["bash", "-c", script], _pytest_counts, {"XDG_CACHE_HOME": str(out / "cache")}


def _network_backends(out: Path):
    """Brian2 against NEST, each drive model (examples/network_backends.py)."""
    return ["python", "examples/network_backends.py"], json.loads


def _benchmarks(quick: bool):
    """``benchmarks/run_all.py`` (``--quick``: the smaller sizes): every figure with its
    baseline of the same run."""

    def make(out: Path):
        table = out / "benchmarks.json"
        argv = ["python", "benchmarks/run_all.py", "--json", str(table)]

        def extract(stdout: str) -> dict[str, Any]:
            data = json.loads(table.read_text())
            failed = [n for n, st in data["status"].items() if st["returncode"] != 0]
            return {"quick": data["quick"], "rows": data["rows"], "failed": failed}

        return (argv + (["--quick"] if quick else [])), extract

    return make


#: Recorded run -> function(out folder) giving its command line, what to keep from its
#: standard output and, optionally, environment variables.
RECORDED: dict[str, Callable[[Path], tuple]] = {
    "build_example": _build_example,
    "build_calibrated": _build_calibrated,
    "compare_suite_extended": _compare_suite_extended,
    "clamped_w_errors": _clamped_w_errors,
    "input_replay": _input_replay,
    "calibration": _calibration,
    "indegree_correction": _indegree_correction,
    "updown_regimes": _updown_regimes,
    "updown_mechanism": _updown_mechanism,
    "synaptic_filter": _synaptic_filter,
    "mf_run_1s": _mf_run("1s"),
    "mf_run_51s": _mf_run("51s"),
    "quick_study_warm": _quick_study(cold=False),
    "quick_study_cold": _quick_study(cold=True),
    "network_backends": _network_backends,
    "test_suite": _test_suite,
    "fresh_clone_ci": _fresh_clone_ci,
    "benchmarks_quick": _benchmarks(quick=True),
    "benchmarks": _benchmarks(quick=False),
}


def _machine() -> str:
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}"


def record(name: str, repeats: int = 1) -> Path:
    """Run a recorded command (median wall time of ``repeats``) into ``recorded.json``."""
    import shutil
    import statistics
    import tempfile
    import time

    seconds, kept = [], {}
    commit = _commit()  # of the code that runs (a commit made meanwhile is not it)
    for _ in range(repeats):
        out = Path(tempfile.mkdtemp(prefix="adexmf-results-"))
        argv, extract, *env = RECORDED[name](out)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **(env[0] if env else {})})  # fmt: skip
        seconds.append(time.perf_counter() - start)
        try:
            if done.returncode != 0:  # nothing is recorded from a failed run: say why
                tail = (done.stdout + done.stderr).strip().splitlines()[-30:]
                sys.exit(f"{' '.join(argv)} failed (exit {done.returncode}):\n"
                         + "\n".join(tail))  # fmt: skip
            kept = extract(done.stdout)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    path = RESULTS / "recorded.json"
    content = json.loads(path.read_text()) if path.exists() else {"meta": {}, "values": {}}
    command = " ".join(argv).replace(str(out), "OUT")
    if env and env[0]:
        command = " ".join(f"{k}={v}" for k, v in env[0].items()).replace(str(out), "OUT") + \
            " " + command
    content["meta"][name] = {"command": command,
                             "repeats": repeats, "date": datetime.date.today().isoformat(),
                             "commit": commit, "machine": _machine()}  # fmt: skip
    content["values"][name] = {"seconds": statistics.median(seconds), **kept}
    return _write(path, content)


# --- files, markers, check ------------------------------------------------------------------


def _write(path: Path, content: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, indent=1, sort_keys=False) + "\n")
    tmp.replace(path)
    return path


def load(results: Path = RESULTS) -> dict[str, Any]:
    """The files as one mapping: ``meanfield``, ``network``, ``derived``, ``recorded``."""
    out = {}
    for name in ("meanfield", "network", "derived", "recorded"):
        path = results / f"{name}.json"
        out[name] = json.loads(path.read_text())["values"] if path.exists() else {}
    runs = out["recorded"]
    if "mf_run_1s" in runs and "mf_run_51s" in runs:  # the marginal cost, beyond start-up
        runs["mf_run_ms_per_s"] = (runs["mf_run_51s"]["seconds"]
                                   - runs["mf_run_1s"]["seconds"]) / 50.0 * 1e3  # fmt: skip
    return out


def lookup(data: dict[str, Any], key: str) -> Any:
    """The value at a dotted ``key``; list items by index (``amplitude_Hz.0``)."""
    value: Any = data
    for part in key.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


#: Units a marker may publish an SI value in, named before its format spec
#: (``<!--r KEY:pA:.1f-->``): the factor from the SI unit.
UNIT_SCALES = {"pA": 1e12, "ms": 1e3}


def formatted(value: Any, fmt: str | None) -> str:
    """``value`` as published: a format spec (after a unit of :data:`UNIT_SCALES`, if any),
    or ``yes``/``none`` for booleans."""
    if isinstance(value, bool):
        return "yes" if value else "none"
    if fmt and ":" in fmt:
        unit, fmt = fmt.split(":", 1)
        value = value * UNIT_SCALES[unit]
    return format(value, fmt or "")


def render(text: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """``text`` with every marked number rewritten from ``data``, and the keys not found."""
    missing: list[str] = []

    def one(m: re.Match) -> str:
        try:
            value = formatted(lookup(data, m["key"]), m["fmt"])
        except (KeyError, IndexError, ValueError, TypeError):
            missing.append(m["key"])
            return m[0]
        fmt = f":{m['fmt']}" if m["fmt"] else ""
        return f"<!--r {m['key']}{fmt}-->{value}<!--/r-->"

    def table(m: re.Match) -> str:
        try:
            body = TABLES[m["key"]](data)
        except (KeyError, IndexError, ValueError, TypeError):
            missing.append(f"table {m['key']}")
            return m[0]
        return f"<!--table {m['key']}-->\n{body}<!--/table-->"

    return TABLE.sub(table, MARKER.sub(one, text)), missing


def _differences(stored: Any, fresh: Any, where: str) -> list[str]:
    if isinstance(fresh, dict):
        if not isinstance(stored, dict):
            return [f"{where}: stored {stored!r}, computed a mapping"]
        out = []
        for k in fresh.keys() | stored.keys():
            if k not in stored or k not in fresh:
                out.append(f"{where}.{k}: only in the {'code' if k in fresh else 'file'}")
            else:
                out += _differences(stored[k], fresh[k], f"{where}.{k}")
        return out
    if isinstance(fresh, list):
        if not isinstance(stored, list) or len(stored) != len(fresh):
            return [f"{where}: stored {stored!r}, computed {fresh!r}"]
        return [d for k, (a, b) in enumerate(zip(stored, fresh, strict=True))
                for d in _differences(a, b, f"{where}.{k}")]  # fmt: skip
    if isinstance(fresh, float) and isinstance(stored, int | float):
        same = (math.isnan(fresh) and math.isnan(stored)) or math.isclose(
            stored, fresh, rel_tol=RTOL, abs_tol=1e-12)
        return [] if same else [f"{where}: published {stored!r}, the code gives {fresh!r}"]
    return [] if stored == fresh else [f"{where}: published {stored!r}, the code gives {fresh!r}"]


def check(sections: Iterable[str] = tuple(SECTIONS), results: Path = RESULTS,
          pages: Iterable[Path] = PAGES) -> list[str]:  # fmt: skip
    """Every difference between the code, the results files and the pages (empty: all agree).

    ``sections`` limits the recomputation of the deterministic numbers (the default tier of
    the tests recomputes :data:`QUICK_SECTIONS`); the pages are always checked whole.
    """
    problems = []
    stored = load(results)
    fresh = compute_meanfield(sections)
    for name, values in fresh.items():
        problems += _differences(stored["meanfield"].get(name), values, f"meanfield.{name}")
    meta = json.loads((results / "network.json").read_text()).get("meta", {})
    for field in ("commands", "date", "commit"):
        if not meta.get(field):
            problems.append(f"network.json: no {field} recorded for the network numbers")
    recorded = results / "recorded.json"
    if recorded.exists():
        meta = json.loads(recorded.read_text())["meta"]
        for name in set(stored["recorded"]) & set(RECORDED):
            for field in ("command", "date", "commit", "machine"):
                if not meta.get(name, {}).get(field):
                    problems.append(f"recorded.json: no {field} recorded for {name}")
    if stored["meanfield"] and stored["network"]:
        problems += _differences(stored["derived"], compute_derived(stored["meanfield"],
                                                                    stored["network"]), "derived")
    for page in pages:
        text = page.read_text()
        again, missing = render(text, stored)
        problems += [f"{page.name}: no published value for {key}" for key in missing]
        for pattern in (MARKER, TABLE):
            for old, new in zip(pattern.finditer(text), pattern.finditer(again), strict=True):
                if old["text"] != new["text"]:
                    problems.append(f"{page.name}: {old['key']} reads {old['text']!r}, "
                                    f"the results give {new['text']!r}")  # fmt: skip
    return problems


def regenerate(results: Path = RESULTS, pages: Iterable[Path] = PAGES) -> list[str]:
    """Recompute meanfield.json and derived.json and render the pages; the missing keys."""
    meta = {"kind": "deterministic: recomputed and checked by python docs/results.py --check",
            "command": "python docs/results.py"}  # fmt: skip
    mf = compute_meanfield()
    _write(results / "meanfield.json", {"meta": meta, "values": mf})
    net = load(results)["network"]
    if net:
        _write(results / "derived.json", {"meta": {**meta, "from": "meanfield.json, network.json"},
                                          "values": compute_derived(mf, net)})  # fmt: skip
    missing = []
    data = load(results)
    for page in pages:
        text, lost = render(page.read_text(), data)
        page.write_text(text)
        missing += [f"{page.name}: {key}" for key in lost]
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a number differs")
    parser.add_argument("--quick", action="store_true",
                        help="with --check: recompute only " + ", ".join(QUICK_SECTIONS))
    parser.add_argument("--network", type=Path, metavar="DIR",
                        help="write network.json from DIR/<protocol>.nc (paper scale)")
    parser.add_argument("--record", choices=tuple(RECORDED), action="append", default=[],
                        help="run a recorded command into recorded.json (repeatable)")
    parser.add_argument("--repeats", type=int, default=1, help="with --record: median of N")
    parser.add_argument("--figures", type=Path, metavar="DIR",
                        help="small PNGs of DIR/<protocol>.nc's figures into docs/figures")
    args = parser.parse_args(argv)
    if args.network:
        print(write_network(args.network))
        return 0
    if args.figures:
        print("\n".join(map(str, write_figures(args.figures))))
        return 0
    for name in args.record:
        print(record(name, args.repeats))
    if args.record:
        return 0
    if args.check:
        problems = check(QUICK_SECTIONS if args.quick else tuple(SECTIONS))
        print("\n".join(problems) if problems else "every published number agrees with the code")
        return 1 if problems else 0
    missing = regenerate()
    print("\n".join(f"no value for {m}" for m in missing) or "results and pages regenerated")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
