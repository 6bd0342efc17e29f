"""Rows a loader validated are checked once: the transaction checks only where they join.

Also pins how catalog files are encoded (delta timestamps, dictionary prices).
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import DataValidationError
from sapphire.data import catalog_txn
from sapphire.data.catalog import Catalog
from sapphire.data.ingest import import_file
from sapphire.data.loaders import CsvLoader
from sapphire.data.validation import REPAIR, STRICT, Validated, validate

from .catalog_helpers import BTC, quotes, tree_digest


@pytest.fixture
def catalog(tmp_path):
    store = Catalog(tmp_path / "cat")
    store.add_instrument(BTC)
    return store


def checked(ts, policy=STRICT, bid=None):
    return Validated(validate(quotes(ts, bid), "quotes", policy=policy), DataType.QUOTES, policy)


def test_validated_chunks_are_stored_as_they_are(catalog):
    with catalog.transaction() as txn:
        assert txn.write("quotes", BTC.id, checked([1, 2])) == 2
        assert txn.write("quotes", BTC.id, checked([3, 4])) == 2
    assert catalog.query("quotes", BTC.id).column("ts_event").to_pylist() == [1, 2, 3, 4]


def test_validated_chunk_that_goes_back_is_rejected_at_its_first_row(catalog):
    before = tree_digest(catalog.root)
    with pytest.raises(DataValidationError,
                       match=r"f\.csv, row 3, column 'ts_event'.*backwards"), \
            catalog.transaction() as txn:
        txn.write("quotes", BTC.id, checked([5, 6]))
        txn.write("quotes", BTC.id, checked([4, 7]), source="f.csv", row_offset=2)
    assert tree_digest(catalog.root) == before


def test_table_validated_under_another_policy_is_validated_again(catalog):
    # Sorted under REPAIR, but this write is STRICT: the bad price must still be found.
    repaired = Validated(quotes([2, 1], bid=[100, 0]), DataType.QUOTES, REPAIR)
    with pytest.raises(DataValidationError, match="row 2, column 'bid_price'"), \
            catalog.transaction() as txn:
        txn.write("quotes", BTC.id, repaired)


def test_table_validated_as_another_type_is_validated_again(catalog):
    as_trades = Validated(quotes([1, 2], bid=[100, -3]), DataType.TRADES, STRICT)
    with pytest.raises(DataValidationError, match="row 2, column 'bid_price'"), \
            catalog.transaction() as txn:
        txn.write("quotes", BTC.id, as_trades)


def test_import_validates_each_row_once(catalog, tmp_path, monkeypatch):
    path = tmp_path / "q.csv"
    path.write_text("t,bid,ask\n" + "".join(f"{s},1.{s:02d},1.{s + 1:02d}\n" for s in range(10)))
    seen: list[int] = []

    def counting(table, *args, **kwargs):
        seen.append(len(table))
        return validate(table, *args, **kwargs)

    monkeypatch.setattr(catalog_txn, "validate", counting)
    loader = CsvLoader("quotes", {"ts_event": "t", "bid_price": "bid", "ask_price": "ask"},
                       timestamp="s")
    report = import_file(catalog, path, loader, BTC.id, chunk_rows=4)
    assert (report.rows, report.chunks) == (10, 3)
    assert seen == [1, 1]  # the first row of the 2nd and 3rd chunks, against the one before


def test_files_delta_encode_timestamps_and_keep_dictionaries_for_prices(catalog):
    catalog.write("quotes", BTC.id, quotes(list(range(1, 1001)), bid=[100 + i % 3 for i in
                                                                      range(1000)]))
    (part,) = (catalog.root / "data" / "quotes").rglob("*.parquet")
    group = pq.ParquetFile(part).metadata.row_group(0)
    encodings = {group.column(i).path_in_schema: set(group.column(i).encodings)
                 for i in range(group.num_columns)}
    assert "DELTA_BINARY_PACKED" in encodings["ts_event"]
    assert "DELTA_BINARY_PACKED" in encodings["ts_init"]
    assert "RLE_DICTIONARY" not in encodings["ts_event"]
    assert "RLE_DICTIONARY" in encodings["bid_price"]
    assert group.column(0).compression == "LZ4"
