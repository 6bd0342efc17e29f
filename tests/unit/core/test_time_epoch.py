"""Epoch counts to int64 nanoseconds: units, auto detection, floats, bad input."""

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.errors import DataValidationError, TimestampError
from sapphire.core.time import epoch_to_ns, guess_epoch_unit

# 2020-01-01T22:00:00.123Z, worked out as 1577836800 (2020-01-01) + 22 * 3600 s + 123 ms.
NS = 1_577_916_000_123_000_000


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([1_577_916_000_123], "ms"),
        ([1_577_916_000_123_000], "us"),
        ([NS], "ns"),
        ([1_577_916_000_123], "auto"),
        ([1_577_916_000_123_000], "auto"),
        ([NS], "auto"),
    ],
)
def test_integer_units(values, unit):
    assert epoch_to_ns(np.array(values, dtype=np.int64), unit).tolist() == [NS]


def test_whole_seconds_and_auto_seconds():
    assert epoch_to_ns(np.array([1_577_916_000]), "s").tolist() == [1_577_916_000 * 10**9]
    assert epoch_to_ns([1_577_916_000], "auto").tolist() == [1_577_916_000 * 10**9]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1577916000.123, "s", NS),  # float64 holds 1577916000.12299990654...
        (1577916000123.0, "ms", NS),  # 1.577916000123e18 itself is not a float64
        (1577916000123.456, "ms", NS + 456_000),
        (1577916000.5, "s", 1_577_916_000_500_000_000),
        (0.5, "s", 500_000_000),
        (1.000001, "s", 1_000_001_000),
        (0.000000001, "s", 1),
        (1577916000.123, "auto", NS),
    ],
)
def test_float_counts_read_as_their_decimal(value, unit, expected):
    assert epoch_to_ns(np.array([value]), unit).tolist() == [expected]


def test_arrow_input_and_dtype():
    out = epoch_to_ns(pa.array([1, 2], pa.int64()), "ms")
    assert out.dtype == np.int64
    assert out.tolist() == [1_000_000, 2_000_000]


def test_empty_input():
    assert epoch_to_ns(np.array([], dtype=np.int64), "auto").tolist() == []
    assert guess_epoch_unit(np.array([])) == "ns"


@pytest.mark.parametrize(
    ("magnitude", "unit"),
    [(1_577_916_000, "s"), (1_577_916_000_123, "ms"), (1_577_916_000_123_456, "us"), (NS, "ns")],
)
def test_guess_epoch_unit(magnitude, unit):
    assert guess_epoch_unit(np.array([magnitude])) == unit


def test_null_is_rejected_with_row():
    with pytest.raises(
        DataValidationError, match=r"row 2, column 'ts': timestamp is missing"
    ) as info:
        epoch_to_ns(pa.array([1, None, 3], pa.int64()), "s", column="ts")
    assert (info.value.row, info.value.column) == (2, "ts")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.5])
def test_bad_float_names_row(bad):
    with pytest.raises(DataValidationError, match="row 3") as info:
        epoch_to_ns(np.array([1.0, 2.0, bad]), "s")
    assert info.value.row == 3


def test_negative_and_overflowing_integers():
    with pytest.raises(DataValidationError, match=r"row 2.*out of range.*was -1"):
        epoch_to_ns(np.array([1, -1]), "s")
    with pytest.raises(DataValidationError, match=r"row 1.*out of range"):
        epoch_to_ns(np.array([10**11]), "s")


def test_unknown_unit_and_non_numbers():
    with pytest.raises(TimestampError, match="unknown epoch unit 'days'"):
        epoch_to_ns(np.array([1]), "days")
    with pytest.raises(DataValidationError, match="expected integer epoch counts"):
        epoch_to_ns(np.array(["1"]), "s")
