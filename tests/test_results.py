"""The published numbers (README, docs) against the code: ``docs/results.py``."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results():
    spec = importlib.util.spec_from_file_location("results", ROOT / "docs" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_published_number_agrees_with_the_code(results):
    """Every deterministic mean-field number is recomputed (relative 1e-6), every marked
    number and generated table in the README and docs equals what the results files give,
    and the network numbers record their commands, date and commit."""
    problems = results.check()
    assert not problems, "\n".join(problems)


def _copy(results, tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    shutil.copytree(results.RESULTS, folder)
    return folder


def test_a_number_changed_by_hand_is_caught(results, tmp_path):
    """A deterministic number edited in the results file differs from the code: reported."""
    folder = _copy(results, tmp_path)
    path = folder / "meanfield.json"
    content = json.loads(path.read_text())
    content["values"]["fixed_points"]["reference_order1_4Hz"]["nu_e"] *= 1.001
    path.write_text(json.dumps(content))
    problems = results.check(["fixed_points"], results=folder, pages=())
    assert problems == [f"meanfield.fixed_points.reference_order1_4Hz.nu_e: published "
                        f"{content['values']['fixed_points']['reference_order1_4Hz']['nu_e']!r}"
                        f", the code gives "
                        f"{results.load()['meanfield']['fixed_points']['reference_order1_4Hz']['nu_e']!r}"]  # noqa: E501  # fmt: skip


def test_a_page_that_disagrees_with_the_results_is_caught(results, tmp_path):
    folder = _copy(results, tmp_path)
    page = tmp_path / "page.md"
    key = "meanfield.fixed_points.reference_order1_4Hz.nu_e"
    page.write_text(f"rate <!--r {key}:.3f-->2.400<!--/r--> Hz and <!--r no.such.key-->1<!--/r-->")
    problems = results.check(["presets"], results=folder, pages=[page])
    assert f"page.md: {key} reads '2.400', the results give '2.395'" in problems
    assert "page.md: no published value for no.such.key" in problems
    text, missing = results.render(page.read_text(), results.load(folder))
    assert "-->2.395<!--" in text and missing == ["no.such.key"]


def test_network_numbers_without_their_provenance_are_refused(results, tmp_path):
    folder = _copy(results, tmp_path)
    path = folder / "network.json"
    content = json.loads(path.read_text())
    del content["meta"]["commit"]
    path.write_text(json.dumps(content))
    problems = results.check(["presets"], results=folder, pages=())
    assert "network.json: no commit recorded for the network numbers" in problems


def test_a_marker_publishes_an_si_value_in_its_unit(results):
    # W = 12.5e-12 A published in pA; an unknown unit is a missing value, not a guess.
    assert results.formatted(12.5e-12, "pA:.1f") == "12.5"
    assert results.formatted(0.0153, "ms:.0f") == "15"
    text, missing = results.render("<!--r a:pF:.1f-->1<!--/r-->", {"a": 1e-12})
    assert missing == ["a"]
