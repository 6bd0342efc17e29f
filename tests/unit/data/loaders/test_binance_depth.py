"""BinanceDepthLoader: snapshot rows cleared and flagged, updates as UPDATE/DELETE, LAST flags."""

from __future__ import annotations

import pytest

from sapphire.core.enums import BookAction as A
from sapphire.core.enums import Side
from sapphire.core.errors import DataValidationError, UnknownInstrumentError
from sapphire.data.loaders import BinanceDepthLoader
from tests.unit.data.loaders.helpers import BTCUSDT, read_all, rows, write

HEADER = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu"
MS = 1_000_000
T = 1_667_346_579_146
SNAP, LAST = 1, 2


def test_snapshot_then_updates(tmp_path):
    path = write(tmp_path, "d.csv", f"""{HEADER}
        BTCUSDT,{T},10,10,b,snap,100.00,1.500,-1
        BTCUSDT,{T},10,10,a,snap,100.10,0.001,-1
        BTCUSDT,{T + 5},11,12,a,set,100.10,0.000,10
        BTCUSDT,{T + 5},11,12,b,set,99.90,2.000,10
        BTCUSDT,{T + 9},13,13,b,set,100.00,0.500,12""")
    ts, later, last = T * MS, (T + 5) * MS, (T + 9) * MS
    assert rows(read_all(BinanceDepthLoader(), path, BTCUSDT)) == [
        (ts, ts, 10, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (ts, ts, 10, Side.BUY, A.ADD, 10000, 1500, SNAP),
        (ts, ts, 10, Side.SELL, A.ADD, 10010, 1, SNAP | LAST),
        (later, later, 12, Side.SELL, A.DELETE, 10010, 0, 0),
        (later, later, 12, Side.BUY, A.UPDATE, 9990, 2000, LAST),
        (last, last, 13, Side.BUY, A.UPDATE, 10000, 500, LAST),
    ]


def test_a_message_split_by_chunks_is_kept_whole(tmp_path):
    path = write(tmp_path, "d.csv", f"""{HEADER}
        BTCUSDT,{T},11,12,a,set,100.10,0.000,10
        BTCUSDT,{T},11,12,b,set,99.90,2.000,10
        BTCUSDT,{T},11,12,b,set,99.80,1.000,10
        BTCUSDT,{T},13,13,b,set,99.80,3.000,12""")
    chunks = list(BinanceDepthLoader().read(path, BTCUSDT, chunk_rows=2))
    flags = [chunk.column("flags").to_pylist() for chunk in chunks]
    assert flags == [[0, 0, LAST], [LAST]]


@pytest.mark.parametrize(("line", "error", "column"), [
    ("BTCUSDT,{T},12,12,b,set,-99.90,2.000,10", DataValidationError, "price"),
    ("BTCUSDT,{T},12,12,b,set,99.90,-2.000,10", DataValidationError, "qty"),
    ("BTCUSDT,{T},12,12,x,set,99.90,2.000,10", DataValidationError, "side"),
    ("BTCUSDT,{T},12,12,b,oops,99.90,2.000,10", DataValidationError, "update_type"),
    # same timestamp, the sequence goes back: the sequence's file column is named
    ("BTCUSDT,{T},9,9,b,set,99.90,2.000,10", DataValidationError, "last_update_id"),
    ("ETHUSDT,{T},12,12,b,set,99.90,2.000,10", UnknownInstrumentError, "symbol"),
])
def test_bad_rows(tmp_path, line, error, column):
    path = write(tmp_path, "d.csv", f"""{HEADER}
        BTCUSDT,{T},11,11,a,set,100.10,0.000,10
        {line.format(T=T)}""")
    with pytest.raises(error, match=rf"d\.csv, row 2, column '{column}'"):
        read_all(BinanceDepthLoader(), path, BTCUSDT)


def test_update_id_going_back_within_a_millisecond_names_last_update_id(tmp_path):
    path = write(tmp_path, "d.csv", f"""{HEADER}
        BTCUSDT,{T},11,12,a,set,100.10,1.000,10
        BTCUSDT,{T},9,10,b,set,99.90,2.000,8""")
    with pytest.raises(DataValidationError,
                       match=r"d\.csv, row 2, column 'last_update_id': sequence goes backwards"
                             r".*\(was 10\)"):
        read_all(BinanceDepthLoader(), path, BTCUSDT)
