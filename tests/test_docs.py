"""The documentation site builds without a warning (``mkdocs build --strict``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_strictly(tmp_path):
    if any(importlib.util.find_spec(m) is None for m in ("mkdocs", "mkdocstrings")):
        pytest.skip('the docs extra is not installed (pip install -e ".[docs]")')
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "meanfield" / "index.html").read_text()
    assert "MeanFieldModel" in api  # the reference is generated from the docstrings
    for page in ("quickstart", "reproduce-the-paper", "your-own-cell", "vsdi", "dask"):
        assert (tmp_path / "site" / page / "index.html").is_file()
