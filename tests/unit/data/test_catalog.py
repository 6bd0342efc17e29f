from __future__ import annotations

import json

import pyarrow as pa
import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import CatalogError, DataValidationError, UnknownInstrumentError
from sapphire.data.bar_type import BarType
from sapphire.data.catalog import Catalog
from sapphire.data.validation import REPAIR, OnDisorder, OnDuplicate, OrderPolicy
from sapphire.model.instruments import SpotPair

from .catalog_helpers import BTC, DAY, quotes, tree_digest


@pytest.fixture
def catalog(tmp_path):
    store = Catalog(tmp_path / "cat")
    store.add_instrument(BTC)
    return store


def ts_of(table: pa.Table) -> list[int]:
    return table.column("ts_event").to_pylist()


def test_write_then_query_returns_rows_in_order(catalog):
    catalog.write(DataType.QUOTES, BTC.id, quotes([10, 20, 30]))
    result = catalog.query(DataType.QUOTES, BTC.id)
    assert result.to_pydict() == quotes([10, 20, 30]).to_pydict()


def test_rows_are_partitioned_by_utc_day(catalog):
    catalog.write("quotes", BTC.id, quotes([DAY - 1, DAY, 2 * DAY + 5]))
    days = sorted(p.name for p in (catalog.root / "data" / "quotes" / "BTCUSDT.BINANCE").iterdir())
    assert days == ["1970-01-01", "1970-01-02", "1970-01-03"]
    assert ts_of(catalog.read_day("quotes", BTC.id, "1970-01-02")) == [DAY]


def test_query_time_range_is_half_open(catalog):
    catalog.write("quotes", BTC.id, quotes([5, 10, 15, DAY + 10]))
    assert ts_of(catalog.query("quotes", BTC.id, start=10, end=15)) == [10]
    assert ts_of(catalog.query("quotes", BTC.id, start=10)) == [10, 15, DAY + 10]
    assert ts_of(catalog.query("quotes", BTC.id, end=DAY + 10)) == [5, 10, 15]


def test_query_selected_columns(catalog):
    catalog.write("quotes", BTC.id, quotes([1, 2]))
    result = catalog.query("quotes", BTC.id, columns=["bid_price"])
    assert result.column_names == ["bid_price"]
    assert result.column("bid_price").to_pylist() == [100, 101]
    with pytest.raises(CatalogError, match="unknown columns \\['nope'\\]"):
        catalog.query("quotes", BTC.id, columns=["nope"])


def test_query_of_nothing_is_an_empty_table_with_the_schema(catalog):
    result = catalog.query("quotes", BTC.id)
    assert result.num_rows == 0
    assert "bid_price" in result.column_names


def test_append_after_stored_rows_adds_a_part(catalog):
    catalog.write("quotes", BTC.id, quotes([1, 2]))
    catalog.write("quotes", BTC.id, quotes([3, 4], bid=[200, 201]))
    assert ts_of(catalog.query("quotes", BTC.id)) == [1, 2, 3, 4]
    assert [p.name for p in catalog.files("quotes", BTC.id)] == [
        "part-000000.parquet", "part-000001.parquet"]


def test_overlapping_append_is_rejected_and_store_unchanged(catalog):
    catalog.write("quotes", BTC.id, quotes([10, 20, 30]))
    before = tree_digest(catalog.root)
    with pytest.raises(DataValidationError, match="conflict with the 3 rows already stored"):
        catalog.write("quotes", BTC.id, quotes([15]))
    assert tree_digest(catalog.root) == before


def test_overlapping_append_with_sort_merges_into_one_part(catalog):
    catalog.write("quotes", BTC.id, quotes([10, 30]))
    catalog.write("quotes", BTC.id, quotes([20], bid=[500]), policy=REPAIR)
    result = catalog.query("quotes", BTC.id)
    assert ts_of(result) == [10, 20, 30]
    assert result.column("bid_price").to_pylist() == [100, 500, 101]
    assert [p.name for p in catalog.files("quotes", BTC.id)] == ["part-000001.parquet"]


def test_rewriting_identical_rows_is_a_duplicate(catalog):
    catalog.write("quotes", BTC.id, quotes([10, 20]))
    with pytest.raises(DataValidationError, match="duplicate row"):
        catalog.write("quotes", BTC.id, quotes([20], bid=[101]))
    dropping = OrderPolicy(OnDisorder.REJECT, OnDuplicate.DROP)
    catalog.write("quotes", BTC.id, quotes([20], bid=[101]), policy=dropping)
    assert ts_of(catalog.query("quotes", BTC.id)) == [10, 20]


def test_same_timestamp_different_row_appends(catalog):
    catalog.write("quotes", BTC.id, quotes([10, 20]))
    catalog.write("quotes", BTC.id, quotes([20], bid=[300]))
    assert catalog.query("quotes", BTC.id).column("bid_price").to_pylist() == [100, 101, 300]


def test_unknown_instrument_is_rejected(catalog):
    with pytest.raises(UnknownInstrumentError,
                       match=r"unknown instrument ETHUSDT\.BINANCE.*BTCUSDT"):
        catalog.write("quotes", "ETHUSDT.BINANCE", quotes([1]))


def test_changing_a_stored_instrument_spec_is_rejected(catalog):
    coarser = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                       price_increment="0.1", size_increment="0.001")
    with pytest.raises(CatalogError, match="already stored with another spec"):
        catalog.add_instrument(coarser)
    catalog.add_instrument(BTC)  # the same spec again is fine
    assert catalog.instruments() == [BTC]


def test_files_carry_schema_version_and_instrument(catalog):
    import pyarrow.parquet as pq

    catalog.write("quotes", BTC.id, quotes([1]))
    metadata = pq.read_schema(catalog.files("quotes", BTC.id)[0]).metadata
    assert metadata[b"sapphire.schema_version"] == b"1"
    assert metadata[b"sapphire.data_type"] == b"quotes"
    assert json.loads(metadata[b"sapphire.instrument"])["price_increment"] == "0.01"


def test_entries_list_ranges_rows_and_days(catalog):
    catalog.write("quotes", BTC.id, quotes([5, DAY + 7, DAY + 9]))
    [entry] = catalog.entries()
    assert (entry.data_type, entry.name, entry.first_ns, entry.last_ns, entry.rows, entry.days) == (
        DataType.QUOTES, "BTCUSDT.BINANCE", 5, DAY + 9, 3, 2)
    assert entry.bytes > 0


def test_bars_are_stored_per_bar_type(catalog):
    bar_type = BarType.parse("BTCUSDT.BINANCE-1-min-last-external")
    bars = pa.table({"ts_event": [60], "ts_init": [60], "open": [10], "high": [12], "low": [9],
                     "close": [11], "volume": [3]})
    catalog.write("bars", bar_type, bars)
    assert catalog.query("bars", str(bar_type)).to_pydict() == bars.to_pydict()
    with pytest.raises(TypeError, match="bars are stored per a bar type"):
        catalog.write("bars", BTC.id, bars)


def test_transaction_spanning_chunks_lands_together(catalog):
    with catalog.transaction() as txn:
        txn.write("quotes", BTC.id, quotes([1, 2]))
        txn.write("quotes", BTC.id, quotes([DAY + 1], bid=[300]))
        assert catalog.query("quotes", BTC.id).num_rows == 0  # nothing visible before commit
    assert ts_of(catalog.query("quotes", BTC.id)) == [1, 2, DAY + 1]


def test_disorder_across_chunks_is_rejected(catalog):
    before = tree_digest(catalog.root)
    with pytest.raises(DataValidationError, match="timestamp goes backwards"), \
            catalog.transaction() as txn:
        txn.write("quotes", BTC.id, quotes([5, 6]))
        txn.write("quotes", BTC.id, quotes([4]))
    assert tree_digest(catalog.root) == before


def test_failed_transaction_leaves_store_exactly_as_it_was(catalog):
    catalog.write("quotes", BTC.id, quotes([1, 2]))
    before = tree_digest(catalog.root)
    bad = quotes([3, 4], bid=[100, -1])
    with (pytest.raises(DataValidationError,
                        match="row 2, column 'bid_price': price must be positive"),
          catalog.transaction() as txn):
        txn.write("quotes", BTC.id, quotes([DAY + 3]))
        txn.write("quotes", BTC.id, bad)
    assert tree_digest(catalog.root) == before
    assert not any((catalog.root / ".txn").glob("*.commit"))


def test_only_one_writer_at_a_time(catalog):
    with catalog.transaction(), pytest.raises(CatalogError, match="another transaction is writing"):
        catalog.transaction()


def test_a_folder_that_is_not_a_catalog_is_refused(tmp_path):
    (tmp_path / "stuff.txt").write_text("hello")
    with pytest.raises(CatalogError, match="is not empty and is not a Sapphire catalog"):
        Catalog(tmp_path)


def test_corrupt_marker_is_reported(tmp_path):
    Catalog(tmp_path / "cat")
    (tmp_path / "cat" / "catalog.json").write_text("{nope")
    with pytest.raises(CatalogError, match=r"catalog\.json is corrupt"):
        Catalog(tmp_path / "cat")


def test_sql_views_decode_ticks_and_lots(catalog):
    catalog.write("quotes", BTC.id, quotes([1, 2]))
    result = catalog.sql("SELECT bid_price, ask_price, bid_size FROM quotes ORDER BY ts_event")
    assert result.to_pydict() == {"bid_price": [1.0, 1.01], "ask_price": [1.01, 1.02],
                                  "bid_size": [0.005, 0.005]}
    raw = catalog.sql("SELECT instrument_id, bid_price FROM quotes_raw ORDER BY ts_event")
    assert raw.to_pydict() == {"instrument_id": ["BTCUSDT.BINANCE"] * 2, "bid_price": [100, 101]}
    with pytest.raises(CatalogError, match="SQL failed"):
        catalog.sql("SELECT * FROM no_such_view")
