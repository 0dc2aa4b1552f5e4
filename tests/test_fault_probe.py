"""The whole fault probe (tests/fault_probe.py): every bad input refused cleanly (exit status
2, a one-line error naming the option or path, nothing left behind, early for destinations,
within the time limit), and only the values listed with their reason accepted."""

from __future__ import annotations

from fault_probe import ACCEPTED, FAILING, _run_all


def test_every_case_of_the_probe_is_refused_cleanly_or_accepted_on_purpose(tmp_path):
    results = _run_all(tmp_path, None)
    assert len(results) > 300
    bad = [(r["verdict"], " ".join(r["argv"]), r["message"], r.get("why")) for r in results
           if r["verdict"] in FAILING]  # fmt: skip
    assert not bad, bad
    accepted = {tuple(r["key"]) for r in results if r["verdict"] == "accepted"}
    assert accepted == set(ACCEPTED)  # no more, no fewer: each with its reason
    assert all(reason.strip() for reason in ACCEPTED.values())
