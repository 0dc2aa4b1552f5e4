"""Fault probe (issue 9): a few hundred bad inputs, destinations and files against the CLI.

Run: ``python tests/fault_probe.py [--json FILE] [--family NAME]``. Every case runs in
process through Typer's test runner, in a temporary folder, and is classified:

- ``clean``: a non-zero exit with a one-line ``error:`` message (or Typer's usage error),
  no traceback;
- ``accepted``: exit 0 (an admissible value; the run happened);
- ``traceback``: an exception escaped, or "Traceback" appears in the output;
- ``late``: a destination fault that was reported only after more than
  :data:`EARLY_SECONDS` (the expensive work ran first).

Families: ``destination`` (every writing option of every command x a folder under a
regular file, a place in /proc; for file options also a directory where the file is meant
and a wrong suffix),
``value`` (numeric options x negative, zero, NaN, infinite, huge, garbage and wrong-unit
values), ``file`` (every file read x missing, directory, /dev/null, non-UTF-8, garbage,
truncated NetCDF). As root, chmod cannot block writes, so read-only folders are stood for
by the /proc and under-a-file cases. Prints a table per family and the failing cases;
exit status 1 if any case is a traceback or late.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from typer.testing import CliRunner

from adexmf.cli import app

EARLY_SECONDS = 10.0
runner = CliRunner()

#: Writing options: (command argv before the option, option, file name, extra argv).
#: The extra argv keeps each run small when the destination is (wrongly) accepted.
WRITERS = [
    (["mf", "run", "--duration", "0.2s"], "--out", "run.nc"),
    (["mf", "run", "--duration", "0.2s"], "--figure", "run.png"),
    (["mf", "phase-plane"], "--out", "pp.png"),
    (["mf", "phase-plane"], "--data", "pp.nc"),
    (["mf", "drive-scan", "--max-drive", "2Hz"], "--out", "scan.nc"),
    (["network", "run", "--duration", "0.2s", "--n-total", "1000", "--keep-in-degrees"], "--out",
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
    ([], "--out", "results"),
]  # fmt: skip

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
    (["network", "run", "--duration", "0.1s", "--n-total", "500", "--keep-in-degrees"], "--drive"),
    (["network", "run", "--n-total", "500", "--keep-in-degrees"], "--duration"),
    (["network", "run", "--duration", "0.1s"], "--n-total"),
    (["network", "run", "--duration", "0.1s", "--n-total", "500", "--keep-in-degrees"], "--seed"),
    (["network", "run", "--duration", "0.1s", "--n-total", "500", "--keep-in-degrees"], "--ramp"),
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
]  # fmt: skip
VALUES = ["-1", "0", "nan", "inf", "1e300", "abc", "5 parsecs", ""]

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
]
FILE_KINDS = ["missing", "directory", "dev_null", "non_utf8", "garbage", "truncated_nc"]


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


def classify(argv: list[str], destination: bool) -> dict:
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, argv)
    wall = time.perf_counter() - t
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    if escaped or "Traceback" in result.output:
        verdict = "traceback"
    elif result.exit_code == 0:
        verdict = "accepted"
    elif destination and wall > EARLY_SECONDS:
        verdict = "late"
    else:
        verdict = "clean"
    tail = result.output.strip().splitlines()[-1:] if result.output.strip() else [""]
    detail = repr(result.exception) if escaped else tail[0][:160]
    return {"argv": argv, "verdict": verdict, "exit": result.exit_code, "wall_s": round(wall, 2),
            "message": detail}  # fmt: skip


def cases(folder: Path, family: str | None):
    n = 0
    if family in (None, "destination"):
        for before, option, name in WRITERS:
            for kind in ("under_file", "proc", "directory", "suffix"):
                # a folder option takes a directory; only file options get the last two
                if kind in ("directory", "suffix") and "." not in name:
                    continue
                sub = folder / f"d{n}"
                sub.mkdir()
                n += 1
                yield "destination", [*before, option, bad_destination(kind, sub, name)], True
    if family in (None, "value"):
        for before, option in NUMERIC:
            for value in VALUES:
                sub = folder / f"v{n}"
                sub.mkdir()
                n += 1
                extra = ["--out", str(sub / "o")] if before[:1] in (["compare"],) else []
                if before[:2] == ["mf", "run"]:
                    extra = ["--out", str(sub / "o.nc"), "--no-figure"]
                if before[:2] in (["ring", "run"], ["sheet", "run"]):
                    extra = ["--out", str(sub / "o"), "--no-figure"]
                if before[:2] == ["tf", "characterize"]:
                    extra = ["--out", str(sub / "o")]
                if before[:2] == ["mf", "drive-scan"]:
                    extra = ["--out", str(sub / "o.nc")]
                if before[:2] == ["mf", "phase-plane"]:
                    extra = ["--out", str(sub / "o.png")]
                yield "value", [*before, option, value, *extra], False
    if family in (None, "file"):
        for before, after in READERS:
            for kind in FILE_KINDS:
                sub = folder / f"f{n}"
                sub.mkdir()
                n += 1
                yield "file", [*before, bad_file(kind, sub), *after], False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--family", choices=("destination", "value", "file"), default=None)
    args = parser.parse_args()
    out = None if args.json is None else args.json.resolve()
    results = []
    home = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # relative default destinations land in the temporary folder
        try:
            results = _run_all(Path(tmp), args.family)
        finally:
            os.chdir(home)
    _report(results, out)


def _run_all(folder: Path, family: str | None) -> list[dict]:
    results = []
    for family_name, argv, destination in cases(folder, family):
        r = classify(argv, destination)
        r["family"] = family_name
        results.append(r)
        if r["verdict"] in ("traceback", "late"):
            print(f"{r['verdict'].upper():9s} {' '.join(argv)}\n          {r['message']}",
                  flush=True)  # fmt: skip
    return results


def _report(results: list[dict], out: Path | None) -> None:
    families = sorted({r["family"] for r in results})
    header = ("family", "cases", "clean", "accepted", "late", "traceback")
    print("\n{:<12} {:>6} {:>6} {:>9} {:>5} {:>10}".format(*header))
    for fam in families + ["all"]:
        rs = [r for r in results if fam in ("all", r["family"])]
        count = {v: sum(r["verdict"] == v for r in rs) for v in ("clean", "accepted", "late",
                                                                 "traceback")}  # fmt: skip
        print(f"{fam:<12} {len(rs):>6} {count['clean']:>6} {count['accepted']:>9} "
              f"{count['late']:>5} {count['traceback']:>10}")  # fmt: skip
    if out is not None:
        out.write_text(json.dumps(results, indent=1))
    sys.exit(1 if any(r["verdict"] in ("traceback", "late") for r in results) else 0)


if __name__ == "__main__":
    main()
