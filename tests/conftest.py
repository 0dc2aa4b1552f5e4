"""Shared fixtures: presets, transfer functions, the reference data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from adexmf import TransferFunction, load_preset

#: Read-only reference data shipped beside the repository (tests may read it in place).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def reference():
    """The reference preset (published coefficients, slip formula)."""
    return load_preset("zerlaut2018")


@pytest.fixture(scope="session")
def tf_rs(reference):
    return TransferFunction.from_preset(reference, "RS")


@pytest.fixture(scope="session")
def tf_fs(reference):
    return TransferFunction.from_preset(reference, "FS")
