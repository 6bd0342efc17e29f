"""Scalar time helpers: to_ns, from_ns, ns_to_iso, day_start_ns, parse_timestamp."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sapphire.core.errors import TimestampError
from sapphire.core.time import (
    NS_PER_DAY,
    day_start_ns,
    from_ns,
    ns_to_iso,
    parse_timestamp,
    to_ns,
)

JAN1_2024 = 1_704_067_200 * 10**9


def test_to_ns_aware_and_date():
    assert to_ns(datetime(2024, 1, 1, tzinfo=UTC)) == JAN1_2024
    assert to_ns(datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == JAN1_2024
    assert to_ns(datetime(2024, 1, 1, 0, 0, 0, 5, tzinfo=UTC)) == JAN1_2024 + 5_000
    assert to_ns(date(2024, 1, 1)) == JAN1_2024
    assert to_ns(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)) == -(10**9)


def test_naive_datetime_rejected():
    with pytest.raises(
        TimestampError, match=r"naive datetime 2024-01-01T00:00:00: expected a time zone"
    ):
        to_ns(datetime(2024, 1, 1))


def test_from_ns_drops_sub_microsecond():
    assert from_ns(JAN1_2024 + 1_999) == datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


def test_ns_to_iso_keeps_nine_digits():
    assert ns_to_iso(JAN1_2024 + 1) == "2024-01-01T00:00:00.000000001Z"
    assert ns_to_iso(0) == "1970-01-01T00:00:00.000000000Z"


def test_day_start():
    assert day_start_ns(JAN1_2024 + NS_PER_DAY - 1) == JAN1_2024
    assert day_start_ns(JAN1_2024) == JAN1_2024


@given(st.integers(min_value=0, max_value=2**62))
def test_iso_round_trip(ns):
    assert parse_timestamp(ns_to_iso(ns)) == ns


@given(st.integers(min_value=0, max_value=2**62 // 1000))
def test_datetime_round_trip_at_microseconds(us):
    assert to_ns(from_ns(us * 1000)) == us * 1000


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2024-01-01T00:00:00Z", "UTC", JAN1_2024),
        ("2024-01-01", "UTC", JAN1_2024),
        ("2024-01-01 01:00", "+01:00", JAN1_2024),
        (" 1704067200000000000 ", "UTC", JAN1_2024),
        (JAN1_2024, "UTC", JAN1_2024),
    ],
)
def test_parse_timestamp(text, tz, expected):
    assert parse_timestamp(text, tz=tz) == expected


def test_parse_timestamp_rejects_garbage():
    with pytest.raises(
        TimestampError, match=r"cannot parse timestamp 'yesterday': expected ISO 8601"
    ):
        parse_timestamp("yesterday")
