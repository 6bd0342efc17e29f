"""Real vendor files: after every message the book equals a dict book built here, and
one-at-a-time equals batch replay."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pytest

from sapphire.book import L2Book, L2BookConfig, LevelRule, OnError, SequenceCheck, builders
from sapphire.core.errors import BookIntegrityError
from sapphire.data.loaders import get_loader
from sapphire.data.validation import REPAIR
from sapphire.model.instruments import SpotPair
from tests.unit.book.reference import LAST, RefBook, book_sides, rows_of

BOOK = Path(__file__).parents[3] / ".." / "shared" / "data" / "real" / "book"
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not BOOK.is_dir(), reason=f"real book samples not found at {BOOK}"),
]


def spot(symbol: str, price: str, size: str) -> SpotPair:
    return SpotPair(id=symbol, quote_currency="USD", base_currency="X",
                    price_increment=Decimal(price), size_increment=Decimal(size))


BTC = spot("BTCUSDT.BINANCE", "0.01", "0.001")
FILES = {  # loader, file, instrument, book settings
    "binance-snap": ("binance-depth", "binance-btcusdt-depth-snap.csv", BTC,
                     builders.BINANCE_BOOK),
    "bybit": ("bybit-orderbook", "bybit-xrpusdt-ob500-2024-12-01.jsonl",
              spot("XRPUSDT.BYBIT", "0.0001", "1"), builders.BYBIT_BOOK),
    "tardis-l2": ("tardis-l2", "tardis-deribit-incremental-L2-BTC-PERPETUAL.csv",
                  spot("BTC-PERPETUAL.DERIBIT", "0.5", "10"), builders.TARDIS_BOOK),
    "tardis-snapshot": ("tardis-snapshot", "tardis-binance-futures-book-snapshot-25-BTCUSDT.csv",
                        BTC, builders.TARDIS_BOOK),
}
RULES = {LevelRule.STRICT: "strict", LevelRule.UPSERT: "upsert", LevelRule.SET: "set"}


def _load(name: str) -> pa.Table:
    loader, file, instrument, _ = FILES[name]
    return pa.concat_tables(get_loader(loader).read(BOOK / file, instrument))


def _replay_against_reference(table: pa.Table, config: L2BookConfig) -> tuple[L2Book, int]:
    book = L2Book(config)
    ref = RefBook(sequence=config.sequence.value, levels=RULES[config.levels])
    checked = 0
    for row in rows_of(table):
        ref.apply(*row[:6])
        book.apply_delta(*row)
        assert ref.fault is None
        if row[5] & LAST:
            assert book_sides(book) == ref.sides()
            checked += 1
    return book, checked


@pytest.mark.parametrize("window", [1024, 8])  # 8 ticks: most levels live below the window
@pytest.mark.parametrize("name", list(FILES))
def test_every_message_equals_the_reference(name, window):
    table = _load(name)
    config = msgspec.structs.replace(FILES[name][3], window=window)
    book, checked = _replay_against_reference(table, config)
    assert checked == int((table.column("flags").to_numpy() & LAST != 0).sum()) > 0
    batch = L2Book(config)
    batch.apply_batch(table)
    np.testing.assert_array_equal(batch._state, book._state)
    assert book.synced


def test_bybit_book_after_the_last_message():
    book, _ = _replay_against_reference(_load("bybit"), builders.BYBIT_BOOK)
    # read from the file's last lines by hand: both sides keep their 500 levels
    assert book.level_count(1) == 500 and book.level_count(2) == 500
    assert book.best_bid_price() < book.best_ask_price()


def test_binance_diffs_stitched_onto_the_snapshot_equal_the_reference():
    """The sample's diffs start 10 minutes after its snapshot, so Binance's rule refuses
    them (next test); without a sequence rule they still exercise the book on real rows."""
    update = get_loader("binance-depth").read(BOOK / "binance-btcusdt-depth-update.csv", BTC,
                                              policy=REPAIR)  # the file repeats row 64
    table = pa.concat_tables([_load("binance-snap"), *update])
    config = L2BookConfig(sequence=SequenceCheck.NONE, levels=LevelRule.SET)
    book, checked = _replay_against_reference(table, config)
    assert checked == 2
    batch = L2Book(config)
    batch.apply_batch(table)
    np.testing.assert_array_equal(batch._state, book._state)
    assert book.counts["ignored_deletes"] > 0  # diffs delete levels the snapshot never had


def test_binance_builder_refuses_the_gap():
    paths = [BOOK / "binance-btcusdt-depth-snap.csv", BOOK / "binance-btcusdt-depth-update.csv"]
    with pytest.raises(BookIntegrityError,
                       match=r"lastUpdateId=2098021528332 has U=2098041693435 "
                             r"u=2098041696700; expected U <= 2098021528333 <= u"):
        builders.binance_depth(paths, BTC, policy=REPAIR)
    built = builders.binance_depth(paths, BTC, on_gap=OnError.RESYNC, policy=REPAIR)
    assert (built.messages, built.dropped, len(built.table)) == (2, 1, 101)
    assert "expected U <= 2098021528333 <= u" in built.gaps[0]


def test_bybit_builder_keeps_every_message():
    instrument = FILES["bybit"][2]
    built = builders.bybit_orderbook(BOOK / FILES["bybit"][1], instrument)
    assert (built.messages, built.dropped, built.gaps) == (50, 0, [])
    assert built.table.equals(_load("bybit"))
