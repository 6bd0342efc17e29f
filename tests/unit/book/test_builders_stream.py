"""The streaming builders keep each vendor rule's state across chunk boundaries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from sapphire.book import builders
from sapphire.book.builders import Sequencer, binance_messages, stream_book
from sapphire.book.integrity import OnError
from sapphire.core.errors import BookIntegrityError, ConfigError, SchemaError
from sapphire.data.loaders import BinanceDepthLoader
from sapphire.model.instruments import SpotPair

BTC = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USD", base_currency="X",
               price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))
HEADER = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
# data rows 1-2: snapshot id 100; 3-4: diff u=105 (two levels); 5: diff u=110;
# 6: diff u=120 with pu=111 (gap: previous u is 110); 7: diff u=125; 8: snapshot 130;
# 9: diff u=131
ROWS = [(1000, 100, 100, "b", "snap", "10.00", "1", -1),
        (1000, 100, 100, "a", "snap", "10.10", "2", -1),
        (1002, 95, 105, "b", "set", "10.00", "3", 99),
        (1002, 95, 105, "a", "set", "10.20", "1", 99),
        (1003, 106, 110, "a", "set", "10.10", "0", 105),
        (1004, 112, 120, "a", "set", "10.30", "4", 111),
        (1005, 121, 125, "a", "set", "10.40", "4", 120),
        (1006, 130, 130, "b", "snap", "10.05", "1", -1),
        (1007, 131, 131, "a", "set", "10.15", "1", 130)]


def _file(tmp_path: Path, rows=ROWS) -> Path:
    path = tmp_path / "depth.csv"
    path.write_text(HEADER + "".join(f"BTCUSDT,{t},{a},{b},{s},{k},{p},{q},{pu}\n"
                                     for t, a, b, s, k, p, q, pu in rows))
    return path


def _stream(path: Path, chunk_rows: int, on_gap: OnError) -> tuple[pa.Table, Sequencer]:
    sequencer = Sequencer("binance", on_gap)
    tables = [v.table for v in stream_book([path], BinanceDepthLoader(), BTC, sequencer,
                                           chunk_rows=chunk_rows)]
    return pa.concat_tables(tables), sequencer


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 4, 5, 6, 1000])
def test_same_rows_kept_whatever_the_chunk_size(tmp_path, chunk_rows):
    table, sequencer = _stream(_file(tmp_path), chunk_rows, OnError.RESYNC)
    # kept: snapshot 100 (CLEAR + 2), u=105 (2), u=110; dropped: u=120 (gap), u=125;
    # kept: snapshot 130 (CLEAR + 1), u=131
    assert table.column("sequence").to_pylist() == [100, 100, 100, 105, 105, 110,
                                                    130, 130, 131]
    assert (sequencer.messages, sequencer.dropped) == (7, 2)
    assert dict(sequencer.dropped_rows) == {builders.RESYNC: 2}
    assert len(sequencer.gaps) == 1


@pytest.mark.parametrize("chunk_rows", [6, 1000])
def test_gap_exactly_at_a_chunk_boundary_raises(tmp_path, chunk_rows):
    """With 6 rows a chunk the loader's first chunk ends after u=110 (row 5; it holds back
    the message that row 6 opens): the gap message opens the next chunk and is checked
    against the carried u=110."""
    with pytest.raises(BookIntegrityError, match=r"depth.csv, row 6: diff pu=111 u=120; "
                                                 r"expected pu = the previous u 110"):
        _stream(_file(tmp_path), chunk_rows, OnError.RAISE)


def test_first_chunk_ends_at_the_chunk_boundary(tmp_path):
    chunks = list(BinanceDepthLoader().read(_file(tmp_path), BTC, chunk_rows=6))
    # the loader reads rows 1-6 and holds back row 6's message: chunk 1 ends at row 5
    assert chunks[0].column("sequence").to_pylist()[-1] == 110
    assert chunks[1].column("sequence").to_pylist()[0] == 120


@pytest.mark.parametrize("chunk_rows", [1, 3, 1000])
def test_binance_ids_group_messages_across_chunks(tmp_path, chunk_rows):
    messages = list(binance_messages(_file(tmp_path), chunk_rows))
    assert [(m.first, m.last, m.previous, m.snapshot) for m in messages] == [
        (100, 100, -1, True), (95, 105, 99, False), (106, 110, 105, False),
        (112, 120, 111, False), (121, 125, 120, False), (130, 130, -1, True),
        (131, 131, 130, False)]
    assert [m.where.rsplit(" ", 1)[1] for m in messages] == ["1", "3", "5", "6", "7", "8", "9"]


def test_spot_diffs_without_pu_follow_u_plus_one(tmp_path):
    path = tmp_path / "spot.csv"
    path.write_text("symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty\n"
                    "BTCUSDT,1000,100,100,b,snap,10.00,1\n"
                    "BTCUSDT,1001,101,103,b,set,10.00,2\n"
                    "BTCUSDT,1002,105,106,b,set,10.00,3\n")  # U=105, expected 104
    with pytest.raises(BookIntegrityError, match=r"row 3: diff U=105; expected the previous "
                                                 r"u \+ 1 = 104"):
        builders.binance_depth([path], BTC)


def test_stale_diffs_are_dropped_and_counted(tmp_path):
    rows = [ROWS[0], ROWS[1], (1001, 90, 99, "b", "set", "9.99", "1", 89), *ROWS[2:5]]
    built = builders.binance_depth([_file(tmp_path, rows)], BTC)
    assert (built.messages, built.dropped) == (4, 1)
    assert built.dropped_rows == {builders.STALE: 1}
    assert built.gaps == []


def test_file_without_first_update_id_is_refused(tmp_path):
    path = tmp_path / "depth.csv"
    path.write_text("symbol,timestamp,last_update_id,side,update_type,price,qty\n"
                    "BTCUSDT,1000,100,b,snap,10.00,1\n")
    with pytest.raises(SchemaError, match="first_update_id"):
        builders.binance_depth([path], BTC)


def test_unknown_vendor_is_refused():
    with pytest.raises(ConfigError, match="unknown book vendor 'kraken'"):
        Sequencer("kraken")


def test_unknown_on_gap_is_refused():
    with pytest.raises(ConfigError, match="on_gap must be raise or resync, was 'skip'"):
        Sequencer("bybit", "skip")
