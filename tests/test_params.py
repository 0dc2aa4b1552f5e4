"""Typed parameter sets, presets and their TOML form."""

import tomllib

import pytest

from adexmf import (
    CELL_PRESETS,
    DEFAULT_NETWORK,
    ParameterError,
    TransferFunction,
    TransferParams,
    available_presets,
    cell_preset,
    load_preset,
    save_preset,
)
from adexmf.params import Cell, from_mapping


def test_spec_cell_presets():
    rs, fs = CELL_PRESETS["RS"], CELL_PRESETS["FS"]
    assert rs.C_m == 200e-12 and rs.g_L == 10e-9 and rs.delta_T == 2e-3
    assert rs.a == 4e-9 and rs.b == 20e-12 and rs.tau_w == 0.5
    assert fs.delta_T == 0.5e-3 and not fs.has_adaptation and fs.tau_w is None
    assert cell_preset("RS", capacitance="text").C_m == 150e-12
    assert cell_preset("LIF").spike_threshold == pytest.approx(-50e-3)  # delta_T = 0
    assert rs.spike_threshold == pytest.approx(-40e-3)  # V_T + 5 delta_T
    assert rs.tau_m == pytest.approx(20e-3)
    with pytest.raises(ParameterError, match="unknown cell preset"):
        cell_preset("XYZ")


def test_network_derived_in_degrees():
    assert DEFAULT_NETWORK.n_exc == 8000 and DEFAULT_NETWORK.n_inh == 2000
    assert DEFAULT_NETWORK.K_e == pytest.approx(400) and DEFAULT_NETWORK.K_i == pytest.approx(100)
    with pytest.raises(ParameterError, match="empty population"):
        DEFAULT_NETWORK.replace(n_total=3, inhibitory_fraction=0.01)


def test_shipped_presets_load():
    assert {"zerlaut2018", "corrected"} <= set(available_presets())
    ref = load_preset("zerlaut2018")
    assert ref.level == "reference"
    assert ref.excitatory.C_m == 200e-12
    assert ref.transfer["RS"].inhibitory_term == "slip"
    assert ref.transfer["RS"].layout == "with_log"
    assert ref.transfer["RS"].coefficients[0] == -0.05141558191616825
    corr = load_preset("corrected")
    assert corr.transfer["RS"].inhibitory_term == "paper"


def test_toml_round_trip(tmp_path, reference):
    path = save_preset(reference, tmp_path / "copy.toml")
    again = load_preset(path)
    assert again == reference
    # and the file writes quantities with units
    text = path.read_text()
    assert '"200 pF"' in text and '"5 ms"' in text


def _mutate(tmp_path, reference, edit):
    data = reference.to_mapping()
    edit(data)
    import tomli_w

    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["cells"]["RS"].pop("C_m"), r"cells\.RS.*missing key 'C_m'"),
        (lambda d: d["cells"]["RS"].update(C_x="1 pF"), r"unknown key.*'C_x'"),
        (lambda d: d["cells"]["RS"].update(C_m="200 pA"), r"cells\.RS\.C_m.*unit A.*F"),
        (lambda d: d["cells"]["RS"].update(g_L="-10 nS"), r"g_L = -1e-08 S is out of range"),
        (lambda d: d["synapses"].update(tau_e="0 ms"), r"tau_e = 0 s is out of range"),
        (lambda d: d["network"].update(connection_probability=1.5), "connection_probability"),
        (lambda d: d["transfer"]["RS"].update(layout="twelve"), "layout.*allowed"),
        (lambda d: d["transfer"]["RS"]["coefficients"].pop(), "needs exactly 11"),
        (lambda d: d["transfer"]["FS"].update(inhibitory_term="x"), "inhibitory_term"),
        (lambda d: d.update(extra={}), "unknown section"),
        (lambda d: d["cells"]["RS"].update(V_reset="-30 mV"), "below the spike threshold"),
        (lambda d: d["cells"]["RS"].update(tau_w="none"), "tau_w is missing"),
    ],
)
def test_bad_toml_names_key_value_and_range(tmp_path, reference, edit, match):
    path = _mutate(tmp_path, reference, edit)
    with pytest.raises(ParameterError, match=match):
        load_preset(path)


def test_invalid_toml_and_unknown_preset(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("[meta\n")
    with pytest.raises(ParameterError, match="invalid TOML"):
        load_preset(bad)
    with pytest.raises(ParameterError, match="shipped presets"):
        load_preset("nope")
    with pytest.raises(ParameterError, match="does not exist"):
        load_preset(tmp_path / "missing.toml")


def test_layouts_are_explicit(reference):
    tp = reference.transfer["RS"]
    ten = TransferParams(
        coefficients=tp.coefficients[:4] + tp.coefficients[5:], layout="without_log"
    )
    assert ten.full_coefficients[4] == 0.0 and len(ten.full_coefficients) == 11
    with pytest.raises(ParameterError, match="needs exactly 10"):
        TransferParams(coefficients=tp.coefficients, layout="without_log")


def test_without_log_layout_equals_with_log_and_zero_p4(reference):
    tp = reference.transfer["RS"]
    zero_p4 = tp.replace(coefficients=tp.coefficients[:4] + (0.0,) + tp.coefficients[5:])
    ten = TransferParams(
        coefficients=tp.coefficients[:4] + tp.coefficients[5:],
        layout="without_log",
        inhibitory_term=tp.inhibitory_term,
    )
    args = (reference.cells["RS"], reference.synapses, reference.network)
    a = TransferFunction(*args, zero_p4).evaluate([1.0, 5.0, 12.0], [0.0, 5.0, 8.0])
    b = TransferFunction(*args, ten).evaluate([1.0, 5.0, 12.0], [0.0, 5.0, 8.0])
    assert (a.rate == b.rate).all() and (a.hessian == b.hessian).all()
    # and the log term matters: the published coefficients differ from P4 = 0
    c = TransferFunction(*args, tp)(12.0, 8.0)
    assert abs(c - a.rate[2]) > 1e-3


def test_from_mapping_reads_units_directly():
    cell = from_mapping(
        Cell,
        {
            "g_L": "10 nS", "C_m": "150 pF", "t_ref": "5 ms", "E_L": "-60 mV",
            "V_T": "-50 mV", "V_reset": "-60 mV", "delta_T": "0 mV", "a": "0 nS",
            "b": "0 pA", "tau_w": "none",
        },
        "cells.LIF",
        name="LIF",
    )  # fmt: skip
    assert cell == CELL_PRESETS["LIF"]


def test_shipped_toml_is_valid_toml():
    from importlib import resources

    for name in available_presets():
        text = (resources.files("adexmf") / "presets" / f"{name}.toml").read_text()
        assert tomllib.loads(text)["meta"]["name"] == name
