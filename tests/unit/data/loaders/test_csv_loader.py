"""CsvLoader: exact rows from a hand-written quotes file, then each kind of bad input."""

from __future__ import annotations

import pytest

from sapphire.core.errors import (
    ConfigError,
    DataValidationError,
    IncrementError,
    SchemaError,
    UnknownInstrumentError,
)
from sapphire.data.loaders import CsvLoader
from sapphire.data.schemas import schema_for
from sapphire.data.validation import REPAIR
from tests.unit.data.loaders.helpers import EURUSD, T0, read_all, rows, write

COLUMNS = {"ts_event": "time", "bid_price": "bid", "ask_price": "ask", "bid_size": "bid_size",
           "ask_size": "ask_size"}
HEADER = "time,bid,ask,bid_size,ask_size"


def quotes(**options) -> CsvLoader:
    return CsvLoader("quotes", COLUMNS, **options)


def test_reads_exact_ticks_lots_and_nanoseconds(tmp_path):
    path = write(tmp_path, "q.csv", f"""{HEADER}
        2024-01-01T00:00:00Z,1.10000,1.10002,5,7
        2024-01-01T00:00:00.000000001Z,1.09999,1.10001,0,3
        2024-01-01T00:00:01.5-01:00,1.10001,1.10003,2,2""")
    table = read_all(quotes(), path, EURUSD)
    assert table.schema == schema_for("quotes")
    assert rows(table) == [
        (T0, T0, 110000, 110002, 5, 7),
        (T0 + 1, T0 + 1, 109999, 110001, 0, 3),
        (T0 + 3600 * 10**9 + 1_500_000_000, T0 + 3600 * 10**9 + 1_500_000_000, 110001, 110003,
         2, 2),
    ]


def test_ts_init_epoch_units_delimiter_and_zone(tmp_path):
    path = write(tmp_path, "q.csv", """a;recv;time;b;x
        1.5;1704067200001;1704067200000;1.2;9
        1.6;1704067200003;1704067200002;1.3;9""")
    loader = CsvLoader("quotes", {"ts_event": "time", "ts_init": "recv", "bid_price": "a",
                                  "ask_price": "b"}, timestamp="ms", delimiter=";")
    assert rows(read_all(loader, path, EURUSD)) == [
        (T0, T0 + 1_000_000, 150000, 120000, 0, 0),
        (T0 + 2_000_000, T0 + 3_000_000, 160000, 130000, 0, 0),
    ]


def test_naive_times_are_read_in_the_given_zone(tmp_path):
    path = write(tmp_path, "q.csv", f"""{HEADER}
        2024-01-01 05:00:00,1.1,1.2,1,1""")
    assert read_all(quotes(tz="-05:00"), path, EURUSD).column("ts_event")[0].as_py() \
        == T0 + 10 * 3600 * 10**9


def test_trades_with_aggressor_labels_and_trade_ids(tmp_path):
    path = write(tmp_path, "t.csv", """ts,px,qty,who,id
        2024-01-01T00:00:00Z,1.10000,3,B,x1
        2024-01-01T00:00:01Z,1.10001,1,S,x2""")
    loader = CsvLoader("trades", {"ts_event": "ts", "price": "px", "size": "qty",
                                  "aggressor_side": "who", "trade_id": "id"},
                       aggressor_buy_values="B", aggressor_sell_values="S")
    assert rows(read_all(loader, path, EURUSD)) == [
        (T0, T0, 110000, 3, 1, "x1"), (T0 + 10**9, T0 + 10**9, 110001, 1, 2, "x2")]


def test_missing_column_names_file_column_and_columns_found(tmp_path):
    path = write(tmp_path, "q.csv", """time,bid,ask,bid_size
        2024-01-01T00:00:00Z,1.1,1.2,1""")
    with pytest.raises(SchemaError, match=r"q\.csv: missing column 'ask_size'.*'bid_size'"):
        read_all(quotes(), path, EURUSD)


BAD_ROWS = [
    ("not-a-time,1.1,1.2,1,1", DataValidationError, "time"),
    ("2024-01-01T00:00:03Z,x,1.2,1,1", DataValidationError, "bid"),
    ("2024-01-01T00:00:03Z,1.1,1.2,1", DataValidationError, None),
    ("2024-01-01T00:00:03Z,NaN,1.2,1,1", DataValidationError, "bid"),
    ("2024-01-01T00:00:03Z,0,1.2,1,1", DataValidationError, "bid"),
    ("2024-01-01T00:00:03Z,1.1,-1.2,1,1", DataValidationError, "ask"),
    ("2024-01-01T00:00:03Z,1.1,1.2,-1,1", DataValidationError, "bid_size"),
    ("2024-01-01T00:00:03Z,1.100001,1.2,1,1", IncrementError, "bid"),
    ("2024-01-01T00:00:00Z,1.1,1.2,1,1", DataValidationError, "time"),  # goes backwards
    ("2024-01-01T00:00:02Z,1.1,1.2,1,1", DataValidationError, "time"),  # duplicate of row 2
]


@pytest.mark.parametrize(("line", "error", "column"), BAD_ROWS)
def test_bad_row_names_file_row_and_column(tmp_path, line, error, column):
    path = write(tmp_path, "bad.csv", f"""{HEADER}
        2024-01-01T00:00:01Z,1.1,1.2,1,1
        2024-01-01T00:00:02Z,1.1,1.2,1,1
        {line}
        2024-01-01T00:00:09Z,1.1,1.2,1,1""")
    with pytest.raises(error) as caught:
        read_all(quotes(), path, EURUSD)
    message = str(caught.value)
    assert "bad.csv" in message and "row 3" in message
    if column is not None:
        assert f"column '{column}'" in message


def test_duplicates_and_disorder_are_repaired_when_asked(tmp_path):
    path = write(tmp_path, "q.csv", f"""{HEADER}
        2024-01-01T00:00:02Z,1.1,1.2,1,1
        2024-01-01T00:00:01Z,1.1,1.2,1,1
        2024-01-01T00:00:02Z,1.1,1.2,1,1""")
    table = read_all(quotes(), path, EURUSD, policy=REPAIR)
    assert table.column("ts_event").to_pylist() == [T0 + 10**9, T0 + 2 * 10**9]


def test_unknown_symbol_names_file_row_and_symbol(tmp_path):
    path = write(tmp_path, "q.csv", """sym,time,bid,ask
        EUR/USD,2024-01-01T00:00:01Z,1.1,1.2
        GBPUSD,2024-01-01T00:00:02Z,1.1,1.2""")
    loader = CsvLoader("quotes", {"ts_event": "time", "bid_price": "bid", "ask_price": "ask"},
                       symbol_column="sym")
    with pytest.raises(UnknownInstrumentError, match=r"q\.csv, row 2, column 'sym'.*'GBPUSD'"):
        read_all(loader, path, EURUSD)


def test_headerless_file_needs_column_names(tmp_path):
    path = write(tmp_path, "q.csv", "2024-01-01T00:00:00Z,1.1,1.2")
    with pytest.raises(ConfigError, match="column_names"):
        CsvLoader("quotes", {"ts_event": "t", "bid_price": "b", "ask_price": "a"},
                  has_header=False)
    loader = CsvLoader("quotes", {"ts_event": "t", "bid_price": "b", "ask_price": "a"},
                       has_header="false", column_names="t,b,a")
    assert rows(read_all(loader, path, EURUSD)) == [(T0, T0, 110000, 120000, 0, 0)]


def test_bad_configuration_is_a_config_error():
    with pytest.raises(ConfigError, match="lacks"):
        CsvLoader("quotes", {"ts_event": "t"})
    with pytest.raises(ConfigError, match="unknown quotes columns"):
        CsvLoader("quotes", {**COLUMNS, "price": "p"})
    with pytest.raises(ConfigError, match="needs the zone"):
        quotes(timestamp="%Y%m%d")
    with pytest.raises(ConfigError, match="unknown timestamp format"):
        quotes(timestamp="minutes")
