"""Parsing and formatting of quantities with units."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adexmf.errors import UnitError
from adexmf.units import format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("200 pF", "F", 200e-12),
        ("5 ms", "s", 5e-3),
        ("5ms", "s", 5e-3),
        ("-65 mV", "V", -65e-3),
        ("1 nS", "S", 1e-9),
        ("20 pA", "A", 20e-12),
        ("5Hz", "Hz", 5.0),
        ("5", "Hz", 5.0),
        ("1.5 s", "s", 1.5),
        ("300 mm/s", "m/s", 0.3),
        ("36 mm", "m", 0.036),
        ("2.5e-3 V", "V", 2.5e-3),
        ("4 kHz", "Hz", 4e3),
        ("10 µs", "s", 1e-5),
    ],
)
def test_parse(text, unit, expected):
    assert parse_quantity(text, unit) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "unit", "match"),
    [
        ("200 pA", "F", "expected a quantity in F"),
        ("200", "F", "has no unit"),
        ("abc", "V", "cannot read"),
        ("5 parsecs", "s", "unknown unit"),
        ("5 mV", "", "plain number"),
    ],
)
def test_parse_errors_name_the_problem(text, unit, match):
    with pytest.raises(UnitError, match=match):
        parse_quantity(text, unit, name="C_m")


def test_error_names_the_parameter():
    with pytest.raises(UnitError, match="C_m"):
        parse_quantity("200 mV", "F", name="C_m")


@given(
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).filter(lambda x: x != 0),
    st.sampled_from([("F", "pF"), ("S", "nS"), ("V", "mV"), ("s", "ms"), ("A", "pA")]),
)
def test_format_round_trips_exactly(value, units):
    base, human = units
    si = value * 1e-12
    text = format_quantity(si, base, human)
    assert text.endswith((human, f" {base}"))
    assert parse_quantity(text, base) == si
    assert math.isfinite(parse_quantity(text, base))
