"""Increment: exact float <-> int64 units, kernel parity, float noise and bad input."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sapphire.core.errors import ConfigError, DataValidationError, IncrementError
from sapphire.model.increment import Increment


@pytest.mark.parametrize(
    ("step", "mantissa", "exponent"),
    [
        ("0.01", 1, 2),
        ("0.25", 25, 2),
        ("0.5", 5, 1),
        ("5", 5, 0),
        ("10", 10, 0),
        ("1e-8", 1, 8),
        ("0.010", 1, 2),
        (3, 3, 0),
    ],
)
def test_of(step, mantissa, exponent):
    increment = Increment.of(step)
    assert (increment.mantissa, increment.exponent) == (mantissa, exponent)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (0.01, "given as a float"),
        ("abc", "invalid increment 'abc'"),
        ("0", "positive"),
        ("-0.1", "positive"),
        ("NaN", "positive"),
        ("Infinity", "positive"),
        ("1e-16", "finer than 1e-15"),
    ],
)
def test_of_rejects(step, message):
    with pytest.raises(ConfigError, match=message):
        Increment.of(step)


@pytest.mark.parametrize(
    ("step", "values", "units"),
    [
        ("0.01", [99999.99, 0.01, 0.0, -1.23], [9999999, 1, 0, -123]),
        ("0.1", [0.1 + 0.2, 0.1 * 3, 1.1 + 2.2], [3, 3, 33]),
        ("0.01", [0.07 * 100 / 100, 1.15 * 100 / 100], [7, 115]),
        ("0.25", [100.25, 100.5, 0.75], [401, 402, 3]),
        ("0.5", [1.5, 99999.5], [3, 199999]),
        ("5", [5.0, 100.0, 99995.0], [1, 20, 19999]),
        ("1e-8", [1e-8, 0.00000003, 21.12345678], [1, 3, 2112345678]),
    ],
)
def test_to_units_exact(step, values, units):
    out = Increment.of(step).to_units(np.array(values))
    assert out.dtype == np.int64
    assert out.tolist() == units


@pytest.mark.parametrize(
    ("step", "value"),
    [
        ("0.01", 100.001),
        ("0.01", 100.0000000001),
        ("0.01", 1e-20),
        ("0.25", 100.1),
        ("0.5", 1.25),
        ("5", 7.0),
        ("1e-8", 1.5e-9),
    ],
)
def test_off_increment_names_row_column_value(step, value):
    expected = (
        rf"row 2, column 'price': price is not a multiple of the increment {Increment.of(step)}"
    )
    with pytest.raises(IncrementError, match=expected) as info:
        Increment.of(step).to_units(np.array([0.0, value]), column="price")
    assert (info.value.row, info.value.column, info.value.value) == (2, "price", value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_not_finite(bad):
    with pytest.raises(DataValidationError, match=r"row 3, column 'size': size is not a number"):
        Increment.of("1").to_units(np.array([1.0, 2.0, bad]), column="size")


def test_too_large_to_be_exact():
    with pytest.raises(IncrementError, match="more digits than an exact conversion allows"):
        Increment.of("1e-8").to_units(np.array([1e8]))


def test_empty_and_list_input():
    assert Increment.of("0.01").to_units(np.array([])).tolist() == []
    assert Increment.of("0.01").to_units([1.5]).tolist() == [150]


def test_from_units_gives_nearest_float():
    assert Increment.of("0.01").from_units(np.array([9999999, 3])).tolist() == [99999.99, 0.03]
    assert Increment.of("0.25").from_units(401).tolist() == 100.25


def test_to_unit_scalar():
    step = Increment.of("0.01")
    assert step.to_unit("1.23") == 123
    assert step.to_unit(Decimal("-0.05")) == -5
    assert step.to_unit(1.23) == 123
    with pytest.raises(IncrementError, match=r"1\.234 is not a multiple of the increment 0\.01"):
        step.to_unit("1.234")
    with pytest.raises(IncrementError, match="not a finite number"):
        step.to_unit(float("inf"))
    with pytest.raises(IncrementError, match="invalid value 'x'"):
        step.to_unit("x")


def _reference_to_units(values, step):
    """Simple reference: exact decimal arithmetic on each float's shortest repr."""
    return [int(Decimal(repr(float(v))) / step.value) for v in values]


@given(
    st.sampled_from(["0.01", "0.25", "0.5", "5", "1e-8", "0.001", "0.00005"]),
    st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=20),
)
def test_round_trip_random_units(step_text, units):
    step = Increment.of(step_text)
    values = np.array([float(Decimal(u) * step.value) for u in units])
    assert step.to_units(values).tolist() == units
    assert step.to_units(step.from_units(np.array(units, dtype=np.int64))).tolist() == units
    assert step.to_units(values).tolist() == _reference_to_units(values, step)
