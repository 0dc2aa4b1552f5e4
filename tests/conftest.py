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


@pytest.fixture(scope="session")
def lowrate_first_order():
    """First-order mean field with W of tests/data/tvb_adex_lowrate.toml (TVB-AdEx's cells,
    RS transfer function refitted on low-rate points; a = 0, tau_w = 0.5 s), b = 60 pA: its
    fast subsystem is bistable at drive 0.35 Hz and monostable at 1 Hz."""
    import warnings

    from adexmf.meanfield.analysis import MeanFieldModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        preset = load_preset(str(Path(__file__).parent / "data" / "tvb_adex_lowrate.toml"))
        return MeanFieldModel(preset, order=1, adaptation=True, b=60e-12)
