"""Vendor book files into the catalog through the sequencing rules, end to end (the CLI)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from sapphire.book import DATABENTO_MBO, L2Book, L3Book, builders
from sapphire.book.importing import import_book
from sapphire.book.integrity import OnError
from sapphire.cli import app
from sapphire.core.enums import DataType
from sapphire.core.errors import BookIntegrityError, ConfigError, DataValidationError
from sapphire.data.catalog import Catalog
from sapphire.data.ingest import import_file
from sapphire.data.loaders import get_loader
from sapphire.data.validation import REPAIR
from sapphire.model.instruments import SpotPair

from ..unit.data.catalog_helpers import tree_digest

runner = CliRunner()
REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"
BOOK = REAL / "book"

SPECS = """
[[instrument]]
type = "spot"
id = "{id}"
base_currency = "X"
quote_currency = "USD"
price_increment = "{price}"
size_increment = "{size}"
"""
BTC = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USD", base_currency="X",
               price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))
XRP = SpotPair(id="XRPUSDT.BYBIT", quote_currency="USD", base_currency="X",
               price_increment=Decimal("0.0001"), size_increment=Decimal("1"))
HEADER = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"


def _specs(tmp_path: Path, instrument: SpotPair) -> Path:
    path = tmp_path / "instruments.toml"
    path.write_text(SPECS.format(id=instrument.id, price=instrument.price_increment,
                                 size=instrument.size_increment))
    return path


def _cli(tmp_path: Path, catalog: Path, instrument: SpotPair, fmt: str, file: Path,
         *extra: str):
    return runner.invoke(app, ["data", "import", str(file), "--format", fmt, "--instrument",
                               str(instrument.id), "--catalog", str(catalog), "--instruments",
                               str(_specs(tmp_path, instrument)), *extra])


def _binance(path: Path, rows: list[tuple]) -> Path:
    """Rows: (ms, U, u, side, type, price, qty, pu)."""
    path.write_text(HEADER + "".join(
        f"BTCUSDT,{t},{a},{b},{s},{k},{p},{q},{pu}\n" for t, a, b, s, k, p, q, pu in rows))
    return path


SNAP = [(1000, 100, 100, "b", "snap", "10.00", "1.000", -1),
        (1000, 100, 100, "a", "snap", "10.10", "2.000", -1)]
DIFFS = [
    (1001, 90, 99, "b", "set", "9.99", "1.000", 89),  # stale: u <= lastUpdateId, dropped
    (1002, 95, 105, "b", "set", "10.00", "3.000", 99),  # first: 95 <= 101 <= 105
    (1003, 106, 110, "a", "set", "10.10", "0.000", 105),  # pu = previous u
    (1004, 111, 120, "a", "set", "10.20", "4.000", 110),
]


@pytest.fixture
def catalog(tmp_path):
    path = tmp_path / "catalog"
    Catalog(path).add_instrument(BTC)
    return path


def _stored(catalog: Path, instrument: SpotPair = BTC) -> pa.Table:
    return Catalog(catalog).query(DataType.L2_DELTAS, instrument.id)


# -- Binance: snapshot file plus diff stream ----------------------------------------------

def test_binance_diffs_with_their_snapshot_are_stored_in_order(tmp_path, catalog):
    snap = _binance(tmp_path / "snap.csv", SNAP)
    diffs = _binance(tmp_path / "diffs.csv", DIFFS)
    result = _cli(tmp_path, catalog, BTC, "binance-depth", diffs, "--snapshot", str(snap))
    assert result.exit_code == 0, result.output
    table = _stored(catalog)
    # CLEAR + 2 snapshot levels, then the three diffs after the stale one
    assert table.column("sequence").to_pylist() == [100, 100, 100, 105, 110, 120]
    assert table.column("price").to_pylist() == [0, 1000, 1010, 1000, 1010, 1020]
    assert "dropped 1 rows: stale" in result.output
    book = L2Book(builders.BINANCE_BOOK)
    book.apply_batch(table)
    assert (book.best_bid_price(), book.best_ask_price()) == (1000, 1020)


def test_binance_gap_raises_naming_file_row_ids_and_rule_and_stores_nothing(tmp_path,
                                                                          catalog):
    snap = _binance(tmp_path / "snap.csv", SNAP)
    gap = [*DIFFS[:3], (1004, 112, 120, "a", "set", "10.20", "4.000", 111)]  # pu 111 != 110
    diffs = _binance(tmp_path / "diffs.csv", gap)
    before = tree_digest(catalog)
    result = _cli(tmp_path, catalog, BTC, "binance-depth", diffs, "--snapshot", str(snap))
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert f"{diffs}, row 4: diff pu=111 u=120; expected pu = the previous u 110" in text
    assert "Binance rule" in text
    assert tree_digest(catalog) == before


def test_binance_gap_under_resync_drops_until_the_next_snapshot(tmp_path, catalog):
    rows = [*SNAP, *DIFFS[1:3],
            (1004, 112, 120, "a", "set", "10.20", "4.000", 111),  # gap
            (1005, 121, 125, "a", "set", "10.30", "4.000", 120),  # dropped: resyncing
            (1006, 130, 130, "b", "snap", "10.05", "1.000", -1),  # the next snapshot
            (1007, 131, 131, "a", "set", "10.15", "1.000", 130)]  # 131 >= 131 kept
    path = _binance(tmp_path / "depth.csv", rows)
    result = _cli(tmp_path, catalog, BTC, "binance-depth", path, "--on-gap", "resync")
    assert result.exit_code == 0, result.output
    assert "dropped 2 rows: resync" in result.output
    assert _stored(catalog).column("sequence").to_pylist() == [100, 100, 100, 105, 110,
                                                               130, 130, 131]


def test_binance_diff_file_without_its_snapshot_is_refused(tmp_path, catalog):
    diffs = _binance(tmp_path / "diffs.csv", DIFFS)
    result = _cli(tmp_path, catalog, BTC, "binance-depth", diffs)
    assert result.exit_code == 1
    assert "before any snapshot; expected a snapshot first" in " ".join(result.output.split())
    assert _stored(catalog).num_rows == 0


def test_binance_repeated_message_merges_into_one_and_leaves_the_same_book(tmp_path, catalog):
    """Rows sharing ``u`` are one Binance message, so a message sent twice in a row is one
    message whose levels are set twice: the book is the one without the repeat."""
    once = _binance(tmp_path / "once.csv", [*SNAP, DIFFS[1], DIFFS[2]])
    twice = _binance(tmp_path / "twice.csv", [*SNAP, DIFFS[1], DIFFS[2], DIFFS[2]])
    books = []
    for path in (once, twice):
        built = builders.binance_depth([path], BTC)
        assert (built.messages, built.dropped) == (3, 0)
        book = L2Book(builders.BINANCE_BOOK)
        book.apply_batch(built.table)
        books.append([tuple(map(list, book.depth(side))) for side in (1, 2)])
    assert books[0] == books[1] == [([1000], [3000]), ([], [])]


def test_repeated_message_with_new_ids_is_a_gap(tmp_path, catalog):
    rows = [*SNAP, DIFFS[1], DIFFS[2], (1003, 106, 111, "a", "set", "10.10", "0.000", 105)]
    path = _binance(tmp_path / "depth.csv", rows)
    with pytest.raises(BookIntegrityError, match=r"row 5: diff pu=105 u=111; expected pu = "
                                                 r"the previous u 110"):
        import_book(Catalog(catalog), [path], "binance-depth", BTC)
    report = import_book(Catalog(catalog), [path], "binance-depth", BTC, on_gap="resync")
    assert (report.messages, report.dropped_messages, report.rows) == (4, 1, 5)
    assert len(report.gaps) == 1 and "row 5" in report.gaps[0]


def test_malformed_csv_row_names_the_row_and_stores_nothing(tmp_path, catalog):
    path = tmp_path / "depth.csv"
    path.write_text(HEADER + "BTCUSDT,1000,100,100,b,snap,10.00,1.000,-1\n"
                             "BTCUSDT,1000,100,100,b,snap,ten,1.000,-1\n")
    before = tree_digest(catalog)
    with pytest.raises(DataValidationError, match=r"row 2"):
        import_book(Catalog(catalog), [path], "binance-depth", BTC)
    assert tree_digest(catalog) == before


# -- Bybit ---------------------------------------------------------------------------------

def _bybit(path: Path, messages: list[tuple[str, int, int, list, list]]) -> Path:
    lines = [json.dumps({"topic": "orderbook.500.XRPUSDT", "type": kind, "ts": 1000 + i,
                         "data": {"s": "XRPUSDT", "b": b, "a": a, "u": u, "seq": seq}})
             for i, (kind, u, seq, b, a) in enumerate(messages)]
    path.write_text("\n".join(lines) + "\n")
    return path


BYBIT = [("snapshot", 1, 50, [["1.0000", "5"]], [["1.0010", "6"]]),
         ("delta", 2, 51, [["1.0000", "7"]], []),
         ("delta", 4, 53, [], [["1.0010", "0"]]),  # u skips 3
         ("delta", 5, 54, [["0.9990", "1"]], []),
         ("snapshot", 1, 60, [["0.9999", "2"]], [["1.0001", "3"]]),
         ("delta", 2, 61, [["0.9999", "0"]], [])]


def test_bybit_gap_raises_and_stores_nothing(tmp_path):
    path = _bybit(tmp_path / "ob.jsonl", BYBIT)
    catalog = tmp_path / "catalog"
    result = _cli(tmp_path, catalog, XRP, "bybit-orderbook", path)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert f"{path}, row 3: delta u=4, expected 3" in text and "Bybit rule" in text
    assert not (catalog / "data").exists() or _stored(catalog, XRP).num_rows == 0


def test_bybit_gap_under_resync_keeps_the_rest_from_the_next_snapshot(tmp_path):
    path = _bybit(tmp_path / "ob.jsonl", BYBIT)
    catalog = tmp_path / "catalog"
    result = _cli(tmp_path, catalog, XRP, "bybit-orderbook", path, "--on-gap", "resync")
    assert result.exit_code == 0, result.output
    assert "dropped 2 rows: resync" in result.output
    assert _stored(catalog, XRP).column("sequence").to_pylist() == [50, 50, 50, 51,
                                                                    60, 60, 60, 61]


def test_bybit_duplicated_message_is_a_gap(tmp_path):
    path = _bybit(tmp_path / "ob.jsonl", [BYBIT[0], BYBIT[1], BYBIT[1]])
    with pytest.raises(BookIntegrityError, match=r"ob.jsonl, row 3: delta u=2, expected 3"):
        builders.bybit_orderbook(path, XRP)


def test_bybit_deltas_before_the_first_snapshot(tmp_path):
    path = _bybit(tmp_path / "ob.jsonl", [BYBIT[1], *BYBIT[4:]])
    with pytest.raises(BookIntegrityError, match=r"row 1: delta u=2 before any snapshot"):
        builders.bybit_orderbook(path, XRP)
    built = builders.bybit_orderbook(path, XRP, on_gap=OnError.RESYNC)
    assert built.dropped_rows == {builders.BEFORE_SNAPSHOT: 1}
    assert built.table.column("sequence").to_pylist() == [60, 60, 60, 61]


def test_bybit_malformed_json_line_names_the_line(tmp_path):
    path = _bybit(tmp_path / "ob.jsonl", BYBIT[:2])
    path.write_text(path.read_text() + '{"topic": "orderbook.500.XRPUSDT", "type": \n')
    with pytest.raises(DataValidationError, match=r"row 3"):
        import_book(Catalog(tmp_path / "catalog"), [path], "bybit-orderbook", XRP)


# -- Tardis --------------------------------------------------------------------------------

DERIBIT = SpotPair(id="BTC-PERPETUAL.DERIBIT", quote_currency="USD", base_currency="X",
                   price_increment=Decimal("0.5"), size_increment=Decimal("10"))


def _tardis(path: Path, rows: list[tuple]) -> Path:
    head = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
    path.write_text(head + "".join(f"deribit,BTC-PERPETUAL,{t},{t + 5},{s},{side},{p},{q}\n"
                                   for t, s, side, p, q in rows))
    return path


TARDIS = [(1, "false", "bid", "100", "10"),  # before the first snapshot
          (2, "true", "bid", "100", "20"), (2, "true", "ask", "101", "30"),
          (3, "false", "ask", "101", "0")]


def test_tardis_rows_before_the_first_snapshot(tmp_path):
    path = _tardis(tmp_path / "l2.csv", TARDIS)
    catalog = tmp_path / "catalog"
    with pytest.raises(BookIntegrityError, match=r"l2.csv, row 1: incremental row before any "
                                                 r"snapshot.*Tardis rule"):
        import_book(Catalog(catalog), [path], "tardis-l2", DERIBIT)
    report = import_book(Catalog(catalog), [path], "tardis-l2", DERIBIT, on_gap="resync")
    assert report.dropped_rows == {builders.BEFORE_SNAPSHOT: 1}
    assert _stored(catalog, DERIBIT).column("action").to_pylist() == [4, 1, 1, 3]


# -- options -------------------------------------------------------------------------------

def test_unknown_on_gap_is_refused(tmp_path, catalog):
    path = _binance(tmp_path / "depth.csv", SNAP)
    with pytest.raises(ConfigError, match="on_gap must be raise or resync, was 'skip'"):
        import_book(Catalog(catalog), [path], "binance-depth", BTC, on_gap="skip")


def test_book_options_are_refused_for_other_formats(tmp_path, catalog):
    path = _binance(tmp_path / "depth.csv", SNAP)
    result = _cli(tmp_path, catalog, BTC, "tardis-snapshot", path, "--on-gap", "resync")
    assert result.exit_code == 1
    assert "--snapshot and --on-gap are for" in " ".join(result.output.split())


# -- real samples --------------------------------------------------------------------------

@pytest.mark.real_data
@pytest.mark.skipif(not BOOK.is_dir(), reason=f"real book samples not at {BOOK}")
def test_real_binance_diffs_ten_minutes_after_the_snapshot(tmp_path, catalog):
    snap, diffs = BOOK / "binance-btcusdt-depth-snap.csv", BOOK / "binance-btcusdt-depth-update.csv"
    before = tree_digest(catalog)
    result = _cli(tmp_path, catalog, BTC, "binance-depth", diffs, "--snapshot", str(snap),
                  "--repair")  # the update file repeats row 64
    assert result.exit_code == 1
    assert "expected U <= 2098021528333 <= u" in " ".join(result.output.split())
    assert tree_digest(catalog) == before
    result = _cli(tmp_path, catalog, BTC, "binance-depth", diffs, "--snapshot", str(snap),
                  "--repair", "--on-gap", "resync")
    assert result.exit_code == 0, result.output
    assert _stored(catalog).num_rows == 101  # CLEAR + the snapshot's 100 levels


@pytest.mark.real_data
@pytest.mark.skipif(not BOOK.is_dir(), reason=f"real book samples not at {BOOK}")
@pytest.mark.parametrize("chunk_rows", [1_000_000, 700, 1])
def test_real_bybit_import_equals_the_loader_rows(tmp_path, chunk_rows):
    path = BOOK / "bybit-xrpusdt-ob500-2024-12-01.jsonl"
    catalog = Catalog(tmp_path / "catalog")
    report = import_book(catalog, [path], "bybit-orderbook", XRP, chunk_rows=chunk_rows)
    assert (report.messages, report.dropped_messages) == (50, 0)
    direct = builders.bybit_orderbook(path, XRP).table
    stored = catalog.query(DataType.L2_DELTAS, XRP.id)
    assert stored.equals(direct)
    book, ref = L2Book(builders.BYBIT_BOOK), L2Book(builders.BYBIT_BOOK)
    book.apply_batch(stored)
    ref.apply_batch(direct)
    np.testing.assert_array_equal(book._state, ref._state)


@pytest.mark.real_data
@pytest.mark.skipif(not BOOK.is_dir(), reason=f"real book samples not at {BOOK}")
def test_real_tardis_import(tmp_path):
    path = BOOK / "tardis-deribit-incremental-L2-BTC-PERPETUAL.csv"
    catalog = Catalog(tmp_path / "catalog")
    report = import_book(catalog, [path], "tardis-l2", DERIBIT, chunk_rows=3)
    assert report.dropped_messages == 0 and report.rows > 0
    assert catalog.query(DataType.L2_DELTAS, DERIBIT.id).equals(
        builders.tardis_l2(path, DERIBIT).table)


def test_repair_policy_is_passed_to_the_loader(tmp_path, catalog):
    level = (1002, 95, 105, "a", "set", "10.30", "1.000", 99)  # one message of two levels
    rows = [*SNAP, DIFFS[1], DIFFS[1], level, DIFFS[2]]  # its first row repeated
    path = _binance(tmp_path / "depth.csv", rows)
    with pytest.raises(DataValidationError, match="row 4"):
        import_book(Catalog(catalog), [path], "binance-depth", BTC)
    report = import_book(Catalog(catalog), [path], "binance-depth", BTC, policy=REPAIR)
    assert (report.rows, report.messages, report.dropped_messages) == (6, 3, 0)


# -- Databento MBO: the catalog's l3_orders replay to the book of the file -----------------

MBO = REAL / "mbo" / "databento-esh4-glbx-mdp3-20231225.mbo.dbn.zst"


@pytest.mark.real_data
@pytest.mark.skipif(not MBO.is_file(), reason=f"real MBO sample not at {MBO}")
def test_databento_mbo_catalog_replay_equals_the_file_replay(tmp_path):
    es = SpotPair(id="ESH4.GLBX", quote_currency="USD", base_currency="X",
                  price_increment=Decimal("0.25"), size_increment=Decimal("1"))
    catalog = Catalog(tmp_path / "catalog")
    report = import_file(catalog, MBO, get_loader("databento", schema="mbo"), es,
                         chunk_rows=20_000)
    stored = catalog.query(DataType.L3_ORDERS, es.id)
    direct = pa.concat_tables(list(get_loader("databento", schema="mbo").read(MBO, es)))
    assert report.rows == stored.num_rows == direct.num_rows == 68767
    from_catalog, from_file = L3Book(DATABENTO_MBO), L3Book(DATABENTO_MBO)
    from_catalog.apply_batch(stored)
    from_file.apply_batch(direct)
    np.testing.assert_array_equal(from_catalog.orders(), from_file.orders())
    assert from_catalog.counts == from_file.counts
    assert from_catalog.order_count == 11217  # as test_l3_real's dict reference
    for side in (1, 2):
        for a, b in zip(from_catalog.depth(side, 10), from_file.depth(side, 10), strict=True):
            np.testing.assert_array_equal(a, b)
