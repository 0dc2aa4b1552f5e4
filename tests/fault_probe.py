"""Fault probe (issues 9, 29): a few hundred bad inputs, destinations and files against the CLI.

Run: ``python tests/fault_probe.py [--json FILE] [--family NAME]``. Every case runs in
process through Typer's test runner, in its own temporary folder (also its working folder,
so that relative default destinations land there), under a time limit, and is classified:

- ``clean``: exit status 2 (the command line's status for a usage error or a bad input)
  with a one-line ``error: ...`` message as the last line of the output that names what was
  wrong (the option for a bad value; the option or the path for a bad destination; the path
  for a bad file), or Typer's usage error naming the option; no traceback; no file left
  behind in the case's folder (temporary, partial or complete);
- ``accepted``: exit status 0; only the values of :data:`ACCEPTED` may be (each with the
  reason it is admissible);
- ``unclear``: refused, but not in that form (another exit status, a message over several
  lines or not naming the option or path);
- ``leftover``: refused, but a file was left in the case's folder;
- ``traceback``: an exception escaped, or "Traceback" appears in the output;
- ``late``: a destination fault reported only after :data:`EARLY_SECONDS` (the expensive
  work ran first);
- ``timeout``: the case ran past :data:`CASE_TIMEOUT_S`.

Families: ``destination`` (every writing option of every command x a folder under a
regular file, a place in /proc; for file options also a directory where the file is meant
and a wrong suffix), ``value`` (numeric options x negative, zero, NaN, infinite, huge,
garbage and wrong-unit values), ``file`` (every file read x missing, directory, /dev/null,
non-UTF-8, garbage, truncated NetCDF). As root, chmod cannot block writes, so read-only
folders are stood for by the /proc and under-a-file cases. Prints a table per family and
the failing cases; exit status 1 if any case is neither clean nor an accepted value listed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

from typer.testing import CliRunner

from adexmf.cli import app

EARLY_SECONDS = 10.0
#: Time limit of one case (s): the slowest admissible case takes a few seconds once the
#: compiled kernels are cached; a cold cache compiles for up to a minute.
CASE_TIMEOUT_S = 180.0
#: Verdicts that fail the probe.
FAILING = ("traceback", "late", "timeout", "unclear", "leftover", "unexpected")
runner = CliRunner()

#: A small brain run: two regions, 0.2 s.
BRAIN = ["--regions", "0,1", "--duration", "0.2s"]

#: Writing options: (command argv before the option, option, file name).
#: The argv keeps each run small when the destination is (wrongly) accepted.
WRITERS = [
    (["mf", "run", "--duration", "0.2s"], "--out", "run.nc"),
    (["mf", "run", "--duration", "0.2s"], "--figure", "run.png"),
    (["mf", "phase-plane"], "--out", "pp.png"),
    (["mf", "phase-plane"], "--data", "pp.nc"),
    (["mf", "drive-scan", "--max-drive", "2Hz"], "--out", "scan.nc"),
    (["network", "run", "--duration", "0.6s", "--n-total", "1000", "--keep-in-degrees"], "--out",
     "net.nc"),
    (["network", "figure3", "--n-total", "1000", "--keep-in-degrees"], "--out", "fig3"),
    (["tf", "characterize", "--duration", "0.5s", "--seeds", "4"], "--out", "tf"),
    (["ring", "run", "--duration", "0.2s"], "--out", "ring"),
    (["ring", "apparent-motion", "--duration", "0.2s"], "--out", "am"),
    (["sheet", "run", "--duration", "0.05s", "--n-units", "16"], "--out", "sheet"),
    (["compare", "stationary", "--no-network"], "--out", "cmp"),
    (["compare", "transient", "--no-network"], "--out", "cmp"),
    (["compare", "frequency", "--no-network"], "--out", "cmp"),
    (["compare", "integrative", "--variant", "reference"], "--out", "cmp"),
    (["compare", "validity", "--no-network", "--variant", "reference"], "--out", "cmp"),
    (["brain", "run", *BRAIN], "--out", "brain.nc"),
    (["brain", "sweep", *BRAIN, "--couplings", "0", "--b-values", "0pA"], "--out", "sweep.nc"),
    ([], "--out", "results"),
]  # fmt: skip

#: A short network run whose other options are consistent (the default stationary start,
#: 0.5 s, would refuse a 0.1 s run whatever the value probed).
NETWORK_RUN = ("network", "run", "--duration", "0.1s", "--stationary-start", "0.05s", "--ramp",
               "0.05s", "--n-total", "500", "--keep-in-degrees")  # fmt: skip

#: Numeric options: (argv before the option, option). Values are tried from VALUES.
NUMERIC = [
    (["tf", "eval"], "--nu-e"), (["tf", "eval"], "--nu-i"), (["tf", "eval"], "--w"),
    (["mf", "fixed-point"], "--drive"), (["mf", "fixed-point"], "--afferent"),
    (["mf", "fixed-point"], "--order"),
    (["mf", "run", "--duration", "0.2s"], "--drive"), (["mf", "run"], "--duration"),
    (["mf", "run", "--duration", "0.2s"], "--dt"),
    (["mf", "run", "--duration", "0.2s"], "--record-every"),
    (["mf", "drive-scan"], "--max-drive"), (["mf", "drive-scan", "--max-drive", "2Hz"], "--step"),
    (["mf", "phase-plane"], "--nu-e-max"),
    ([*NETWORK_RUN], "--drive"),
    (["network", "run", "--n-total", "500", "--keep-in-degrees"], "--duration"),
    (["network", "run", "--duration", "0.1s"], "--n-total"),
    ([*NETWORK_RUN], "--seed"), ([*NETWORK_RUN], "--ramp"),
    (["tf", "characterize", "--duration", "0.2s"], "--seeds"),
    (["tf", "characterize"], "--duration"), (["tf", "characterize", "--duration", "0.2s"], "--dt"),
    (["ring", "run", "--duration", "0.2s"], "--n-units"), (["ring", "run"], "--duration"),
    (["ring", "run", "--duration", "0.2s"], "--conduction-velocity"),
    (["ring", "run", "--duration", "0.2s"], "--amplitude"),
    (["ring", "run", "--duration", "0.2s"], "--length"),
    (["sheet", "run", "--duration", "0.05s"], "--n-units"),
    (["compare", "stationary", "--no-network"], "--drive"),
    (["compare", "stationary", "--no-network"], "--seeds"),
    (["compare", "frequency", "--no-network"], "--order"),
    (["compare", "integrative", "--variant", "reference"], "--drive"),
    (["compare", "validity", "--no-network", "--variant", "reference"], "--seeds"),
    (["vsdi", "fit", "MISSING.mat"], "--points"),
    (["brain", "run", *BRAIN], "--coupling"), (["brain", "run", *BRAIN], "--drive"),
    (["brain", "run", *BRAIN], "--conduction-velocity"), (["brain", "run", *BRAIN], "--b"),
    (["brain", "run", *BRAIN], "--noise"), (["brain", "run", *BRAIN], "--noise-tau"),
    (["brain", "run", *BRAIN], "--dt"), (["brain", "run", "--regions", "0,1"], "--duration"),
    (["brain", "run", *BRAIN], "--analysis-start"), (["brain", "run", *BRAIN], "--order"),
    (["brain", "sweep", *BRAIN], "--couplings"), (["brain", "sweep", *BRAIN], "--b-values"),
]  # fmt: skip
VALUES = ["-1", "0", "nan", "inf", "1e300", "abc", "5 parsecs", ""]

#: The values of VALUES a command accepts on purpose: (command, option, value) -> why the
#: value is admissible. Every other value of the probe must be refused.
ACCEPTED: dict[tuple[str, str, str], str] = {
    ("tf eval", "--nu-e", "0"): "no excitatory input: a point of the transfer function "
    "(the rate of a cell without excitation)",
    ("tf eval", "--nu-i", "0"): "no inhibitory input: the grid's first inhibitory level",
    ("mf fixed-point", "--drive", "0"): "a column without external drive (its silent state, "
    "the left end of every drive scan)",
    ("mf fixed-point", "--afferent", "0"): "no afferent stimulus: the default",
    ("mf run", "--drive", "0"): "the time course of an undriven column",
    ("network run", "--drive", "0"): "a network without external drive (silent): a run "
    "like any other",
    ("network run", "--seed", "0"): "0 is a seed like any other",
    ("ring run", "--amplitude", "0"): "a ring without stimulus: its resting activity",
    ("compare stationary", "--drive", "0"): "the silent state of network and mean field, "
    "an admissible comparison",
    ("compare integrative", "--drive", "0"): "the integrative protocol on an undriven "
    "column (its background series starts at 0 Hz anyway)",
    ("brain run", "--coupling", "0"): "uncoupled regions: isolated columns (the G = 0 edge "
    "of every coupling sweep)",
    ("brain run", "--drive", "0"): "regions without external drive (their silent state)",
    ("brain run", "--noise", "0"): "no noise: the default",
    ("brain sweep", "--couplings", "0"): "a sweep at G = 0 only",
}  # fmt: skip

#: File readers: (argv before the file, argv after it).
READERS = [
    (["tf", "eval", "--preset"], []),
    (["mf", "fixed-point", "--preset"], []),
    (["mf", "run", "--duration", "0.2s", "--preset"], []),
    (["network", "run", "--duration", "0.1s", "--preset"], []),
    (["tf", "fit"], []),
    (["compare", "fit-time-constant"], []),
    (["vsdi", "show"], []),
    (["vsdi", "fit"], []),
    (["network", "figure3", "--data"], []),
    (["brain", "run", *BRAIN, "--connectome"], []),
]
FILE_KINDS = ["missing", "directory", "dev_null", "non_utf8", "garbage", "truncated_nc"]


class CaseTimeout(BaseException):
    """A case ran past :data:`CASE_TIMEOUT_S` (a BaseException, so that no ``except
    Exception`` of the code under test swallows it)."""


def bad_destination(kind: str, folder: Path, name: str) -> str:
    if kind == "under_file":
        blocker = folder / "a_file.txt"
        blocker.write_text("x")
        return str(blocker / "sub" / name)
    if kind == "proc":
        return f"/proc/adexmf-fault-probe/{name}"
    if kind == "directory":
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        return str(target)
    if kind == "suffix":
        return str(folder / (Path(name).stem + ".xyz"))
    raise ValueError(kind)


def bad_file(kind: str, folder: Path) -> str:
    path = folder / f"input_{kind}.toml"
    if kind == "missing":
        return str(folder / "does-not-exist.nc")
    if kind == "directory":
        path.mkdir()
    elif kind == "dev_null":
        return "/dev/null"
    elif kind == "non_utf8":
        path.write_bytes(b'[meta]\nname = "\xff\xfe"\n')
    elif kind == "garbage":
        path.write_bytes(os.urandom(300))
    elif kind == "truncated_nc":
        path = folder / "truncated.nc"
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(100))
    return str(path)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _invoke(argv: list[str], folder: Path):
    """Run one case in ``folder`` under the time limit: (result or None, seconds)."""
    def expire(signum, frame):
        raise CaseTimeout

    home, previous = os.getcwd(), signal.signal(signal.SIGALRM, expire)
    os.chdir(folder)
    t = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT_S)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return runner.invoke(app, argv), time.perf_counter() - t
    except CaseTimeout:
        return None, time.perf_counter() - t
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(home)


def _refusal(output: str, names: list[str]) -> str | None:
    """Why a refusal is not clean (None: it is): the last line must be one ``error:`` line
    naming one of ``names``, or Typer's usage error naming one."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if last.startswith("error:"):
        return None if any(n in last for n in names) else f"does not name {' or '.join(names)}"
    usage = "Usage:" in output and ("Invalid value" in output or "No such option" in output)
    if usage:
        return None if any(n in output for n in names) else "usage error naming nothing"
    return "no one-line error: message"


def classify(case: dict) -> dict:
    """Run a case (:func:`cases`) and give its verdict, exit status, time and message."""
    folder, argv = case["folder"], case["argv"]
    before = _files(folder)
    result, wall = _invoke(argv, folder)
    row = {"argv": argv, "family": case["family"], "wall_s": round(wall, 2),
           "key": case.get("key")}  # fmt: skip
    if result is None:
        return {**row, "verdict": "timeout", "exit": None, "message": f"> {CASE_TIMEOUT_S:g} s"}
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines() or [""]
    message = repr(result.exception) if escaped else lines[-1][:200]
    row.update(exit=result.exit_code, message=message)
    left = sorted(_files(folder) - before)
    if escaped or "Traceback" in result.output:
        verdict = "traceback"
    elif result.exit_code == 0:
        verdict = "accepted" if case.get("key") in ACCEPTED else "unexpected"
    elif case["destination"] and wall > EARLY_SECONDS:
        verdict = "late"
    elif result.exit_code != 2:
        verdict, row["why"] = "unclear", f"exit status {result.exit_code}, not 2"
    elif (why := _refusal(result.output, case["names"])) is not None:
        verdict, row["why"] = "unclear", why
    elif left:
        verdict, row["why"] = "leftover", f"left {', '.join(left[:5])}"
    else:
        verdict = "clean"
    return {**row, "verdict": verdict}


def _value_extra(before: list[str], sub: Path) -> list[str]:
    """Destinations of a value case inside its folder (nothing lands elsewhere)."""
    head = before[:2]
    if head[:1] == ["compare"] or head == ["tf", "characterize"]:
        return ["--out", str(sub / "o")]
    if head == ["mf", "run"]:
        return ["--out", str(sub / "o.nc"), "--no-figure"]
    if head in (["ring", "run"], ["sheet", "run"]):
        return ["--out", str(sub / "o"), "--no-figure"]
    if head == ["mf", "drive-scan"]:
        return ["--out", str(sub / "o.nc")]
    if head == ["mf", "phase-plane"]:
        return ["--out", str(sub / "o.png")]
    return []


def _command(argv: list[str]) -> str:
    return " ".join(a for a in argv[:2] if not a.startswith("-")) or "(root)"


def cases(folder: Path, family: str | None):
    """The cases of one family (or all): dicts of ``family``, ``argv``, ``folder`` (the
    case's own), ``destination`` (a destination fault: must be refused early), ``names``
    (what the error must name) and, for a value, ``key`` (command, option, value)."""
    n = 0

    def new_folder(prefix: str) -> Path:
        nonlocal n
        sub = folder / f"{prefix}{n}"
        sub.mkdir()
        n += 1
        return sub

    if family in (None, "destination"):
        for before, option, name in WRITERS:
            for kind in ("under_file", "proc", "directory", "suffix"):
                # a folder option takes a directory; only file options get the last two
                if kind in ("directory", "suffix") and "." not in name:
                    continue
                sub = new_folder("d")
                bad = bad_destination(kind, sub, name)
                yield {"family": "destination", "argv": [*before, option, bad], "folder": sub,
                       "destination": True, "names": [option, bad]}  # fmt: skip
    if family in (None, "value"):
        for before, option in NUMERIC:
            for value in VALUES:
                sub = new_folder("v")
                yield {"family": "value", "folder": sub, "destination": False,
                       "argv": [*before, option, value, *_value_extra(before, sub)],
                       "names": [option], "key": (_command(before), option, value)}  # fmt: skip
    if family in (None, "file"):
        for before, after in READERS:
            for kind in FILE_KINDS:
                sub = new_folder("f")
                path = bad_file(kind, sub)
                yield {"family": "file", "argv": [*before, path, *after], "folder": sub,
                       "destination": False, "names": [path]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--family", choices=("destination", "value", "file"), default=None)
    args = parser.parse_args()
    out = None if args.json is None else args.json.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        results = _run_all(Path(tmp), args.family)
    _report(results, out)


def _run_all(folder: Path, family: str | None) -> list[dict]:
    results = []
    for case in cases(folder, family):
        r = classify(case)
        results.append(r)
        if r["verdict"] in FAILING:
            why = f" ({r['why']})" if "why" in r else ""
            print(f"{r['verdict'].upper():10s} {' '.join(r['argv'])}\n           "
                  f"{r['message']}{why}", flush=True)  # fmt: skip
    return results


def _report(results: list[dict], out: Path | None) -> None:
    families = sorted({r["family"] for r in results})
    verdicts = ("clean", "accepted", *FAILING)
    print("\n{:<12} {:>6}".format("family", "cases") + "".join(f" {v:>10}" for v in verdicts))
    for fam in families + ["all"]:
        rs = [r for r in results if fam in ("all", r["family"])]
        counts = "".join(f" {sum(r['verdict'] == v for r in rs):>10}" for v in verdicts)
        print(f"{fam:<12} {len(rs):>6}{counts}")
    if out is not None:
        out.write_text(json.dumps(results, indent=1))
    sys.exit(1 if any(r["verdict"] in FAILING for r in results) else 0)


if __name__ == "__main__":
    main()
