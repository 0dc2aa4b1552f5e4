"""The whole fault probe (tests/fault_probe.py): no traceback and no late destination error."""

from __future__ import annotations

import os

from fault_probe import _run_all


def test_no_case_of_the_probe_escapes_or_fails_late(tmp_path):
    home = os.getcwd()
    os.chdir(tmp_path)
    try:
        results = _run_all(tmp_path, None)
    finally:
        os.chdir(home)
    assert len(results) > 300
    bad = [(r["verdict"], " ".join(r["argv"]), r["message"]) for r in results
           if r["verdict"] in ("traceback", "late")]  # fmt: skip
    assert not bad, bad
    # the admissible values accepted are the zeros of rates and amplitudes, nothing else
    accepted = [r["argv"] for r in results if r["verdict"] == "accepted"]
    assert all("0" in argv for argv in accepted), accepted
