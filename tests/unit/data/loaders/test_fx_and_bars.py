"""HistData and TrueFX quotes, and bar CSV files labelled by open or close time."""

from __future__ import annotations

import pytest

from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.data.loaders import BarCsvLoader, HistDataQuotesLoader, TrueFxQuotesLoader
from tests.unit.data.loaders.helpers import EURUSD, T0, read_all, rows, write

H = 3600 * 10**9


def test_histdata_times_are_est_without_dst(tmp_path):
    path = write(tmp_path, "h.csv", """20240101 000000065,1.121200,1.121720,0
        20240101 000001000,1.12121,1.12173,0""")
    assert rows(read_all(HistDataQuotesLoader(), path, EURUSD)) == [
        (T0 + 5 * H + 65_000_000, T0 + 5 * H + 65_000_000, 112120, 112172, 0, 0),
        (T0 + 5 * H + 10**9, T0 + 5 * H + 10**9, 112121, 112173, 0, 0),
    ]


def test_histdata_bad_timestamp_names_row_and_column(tmp_path):
    path = write(tmp_path, "h.csv", """20240101 000000065,1.1212,1.1217,0
        2024-01-01 00:00,1.1212,1.1217,0""")
    with pytest.raises(DataValidationError, match=r"h\.csv, row 2, column 'timestamp'"):
        read_all(HistDataQuotesLoader(), path, EURUSD)


def test_truefx_iso_times_with_offset(tmp_path):
    path = write(tmp_path, "t.csv", """timestamp,bid,ask
        2024-01-01 00:00:00.295000+00:00,1.10001,1.10003""")
    assert rows(read_all(TrueFxQuotesLoader(), path, EURUSD)) == [
        (T0 + 295_000_000, T0 + 295_000_000, 110001, 110003, 0, 0)]


def test_truefx_time_without_offset_is_an_error_naming_the_row(tmp_path):
    path = write(tmp_path, "t.csv", """timestamp,bid,ask
        2024-01-01 00:00:00+00:00,1.10001,1.10003
        2024-01-01 00:00:01,1.10001,1.10003""")
    with pytest.raises(DataValidationError, match=r"t\.csv, row 2, column 'timestamp'"):
        read_all(TrueFxQuotesLoader(), path, EURUSD)


def test_bars_labelled_by_open_are_stamped_at_close(tmp_path):
    path = write(tmp_path, "b.csv", """timestamp,open,high,low,close,volume
        2024-01-01 00:00:00.000000,1.1,1.3,1.0,1.2,10
        2024-01-01 00:01:00.000000,1.2,1.2,1.1,1.1,0""")
    loader = BarCsvLoader("1-min-last", tz="UTC")
    assert rows(read_all(loader, path, EURUSD)) == [
        (T0 + 60 * 10**9, T0 + 60 * 10**9, 110000, 130000, 100000, 120000, 10),
        (T0 + 120 * 10**9, T0 + 120 * 10**9, 120000, 120000, 110000, 110000, 0),
    ]


def test_bars_without_volume_and_labelled_by_close(tmp_path):
    path = write(tmp_path, "b.csv", """timestamp,open,high,low,close
        2024-01-01 00:01:00+00:00,1.1,1.3,1.0,1.2""")
    loader = BarCsvLoader("1-min-bid", label="close")
    assert rows(read_all(loader, path, EURUSD)) == [
        (T0 + 60 * 10**9, T0 + 60 * 10**9, 110000, 130000, 100000, 120000, 0)]


def test_bar_outside_its_range_names_row_and_column(tmp_path):
    path = write(tmp_path, "b.csv", """timestamp,open,high,low,close
        2024-01-01 00:01:00+00:00,1.1,1.3,1.0,1.2
        2024-01-01 00:02:00+00:00,1.4,1.3,1.0,1.2""")
    with pytest.raises(DataValidationError, match=r"b\.csv, row 2, column 'open'"):
        read_all(BarCsvLoader("1-min-bid"), path, EURUSD)


def test_bar_loader_options_are_checked():
    with pytest.raises(ConfigError, match="label"):
        BarCsvLoader("1-min-last", label="middle")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no fixed length"):
        BarCsvLoader("100-tick-last")
