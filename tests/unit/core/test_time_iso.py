"""ISO 8601, strptime and HistData compact strings to int64 nanoseconds."""

import pyarrow as pa
import pytest

from sapphire.core.errors import DataValidationError, TimestampError
from sapphire.core.time import compact_to_ns, iso_to_ns, strptime_to_ns

JAN1_2024 = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z
HOUR = 3600 * 10**9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00Z", JAN1_2024),
        ("2024-01-01 00:00:00Z", JAN1_2024),
        ("2024-01-01T01:00:00+01:00", JAN1_2024),
        ("2023-12-31T19:00:00-05:00", JAN1_2024),
        ("2024-01-01T00:00:00.1Z", JAN1_2024 + 100_000_000),
        ("2024-01-01T00:00:00.12Z", JAN1_2024 + 120_000_000),
        ("2024-01-01T00:00:00.123Z", JAN1_2024 + 123_000_000),
        ("2024-01-01T00:00:00.123456Z", JAN1_2024 + 123_456_000),
        ("2024-01-01T00:00:00.123456789Z", JAN1_2024 + 123_456_789),
        ("2024-01-01T00:00:00.000000001+01:00", JAN1_2024 - HOUR + 1),
    ],
)
def test_iso_with_offset(text, expected):
    assert iso_to_ns([text]).tolist() == [expected]


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("2024-01-01T00:00:00", "UTC", JAN1_2024),
        ("2024-01-01T00:00:00", "-05:00", JAN1_2024 + 5 * HOUR),
        ("2024-01-01T00:00:00", "+01:00", JAN1_2024 - HOUR),
        # New York is UTC-5 in January and UTC-4 (daylight saving) in July.
        ("2024-01-15 12:00:00", "America/New_York", 1_705_338_000 * 10**9),
        ("2024-07-01 12:00:00", "America/New_York", 1_719_849_600 * 10**9),
    ],
)
def test_iso_without_offset_read_in_zone(text, tz, expected):
    assert iso_to_ns(pa.array([text]), tz=tz).tolist() == [expected]


def test_offset_wins_over_zone():
    assert iso_to_ns(["2024-01-01T00:00:00Z"], tz="America/New_York").tolist() == [JAN1_2024]


def test_no_offset_and_no_zone_names_row():
    with pytest.raises(
        DataValidationError, match=r"row 2, column 'time': timestamp has no UTC offset"
    ) as info:
        iso_to_ns(["2024-01-01T00:00:00Z", "2024-01-01T00:00:01"], column="time")
    assert info.value.value == "2024-01-01T00:00:01"


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_garbage_names_row_and_value(tz):
    with pytest.raises(
        DataValidationError, match=r"row 3.*cannot parse timestamp as ISO 8601.*'soon'"
    ):
        iso_to_ns(["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "soon"], tz=tz)


def test_nulls_name_row():
    with pytest.raises(DataValidationError, match=r"row 1.*timestamp is missing"):
        iso_to_ns(pa.array([None, "2024-01-01T00:00:00Z"], pa.string()))


def test_chunked_input():
    chunked = pa.chunked_array([["2024-01-01T00:00:00Z"], ["2024-01-01T01:00:00Z"]])
    assert iso_to_ns(chunked).tolist() == [JAN1_2024, JAN1_2024 + HOUR]


def test_unknown_zone():
    with pytest.raises(TimestampError, match="unknown time zone 'Mars/Olympus'"):
        iso_to_ns(["2024-01-01T00:00:00"], tz="Mars/Olympus")


def test_local_time_skipped_by_daylight_saving():
    with pytest.raises(
        DataValidationError, match=r"row 1.*does not exist or is ambiguous.*New_York"
    ):
        iso_to_ns(["2024-03-10 02:30:00"], tz="America/New_York")


def test_histdata_compact_in_est():
    out = compact_to_ns(["20200101 170000123", "20200101 170010447"], tz="-05:00")
    assert out.tolist() == [1_577_916_000_123_000_000, 1_577_916_010_447_000_000]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("20200101 17000012", "expected 'YYYYMMDD HHMMSSmmm'"),
        ("20200101 17000012a", "three digits of milliseconds"),
        ("20201301 170000123", "does not match format"),
    ],
)
def test_compact_bad_rows(text, reason):
    with pytest.raises(DataValidationError, match=rf"row 2.*{reason}"):
        compact_to_ns(["20200101 170000123", text], tz="-05:00")


def test_strptime_in_zone():
    out = strptime_to_ns(["01/07/2024 12:00"], "%d/%m/%Y %H:%M", tz="America/New_York")
    assert out.tolist() == [1_719_849_600 * 10**9]
    with pytest.raises(DataValidationError, match=r"row 1.*does not match format"):
        strptime_to_ns(["2024-07-01"], "%d/%m/%Y", tz="UTC")


def test_mixed_offsets_and_local_times():
    out = iso_to_ns(["2024-01-01T00:00:00Z", "2024-01-01T00:00:00", "2024-01-01"], tz="+01:00")
    assert out.tolist() == [JAN1_2024, JAN1_2024 - HOUR, JAN1_2024 - HOUR]
