"""Tardis loaders: trades, incremental L2 (snapshot cleared) and book snapshots."""

from __future__ import annotations

import pytest

from sapphire.core.enums import BookAction as A
from sapphire.core.enums import Side
from sapphire.core.errors import DataValidationError, SchemaError, UnknownInstrumentError
from sapphire.data.loaders import TardisL2Loader, TardisSnapshotLoader, TardisTradesLoader
from tests.unit.data.loaders.helpers import XBTUSD, read_all, rows, write

US = 1_000
T = 1_583_020_803_145_000
SNAP, LAST = 1, 2
TRADES = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
L2 = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"


def test_trades(tmp_path):
    path = write(tmp_path, "t.csv", f"""{TRADES}
        bitmex,XBTUSD,{T},{T + 7},a1,sell,8531.5,2152
        bitmex,XBTUSD,{T + 1},{T + 9},a2,buy,8532,1
        bitmex,XBTUSD,{T + 1},{T + 9},a3,unknown,8532,1""")
    assert rows(read_all(TardisTradesLoader(), path, XBTUSD)) == [
        (T * US, (T + 7) * US, 17063, 2152, Side.SELL, "a1"),
        ((T + 1) * US, (T + 9) * US, 17064, 1, Side.BUY, "a2"),
        ((T + 1) * US, (T + 9) * US, 17064, 1, Side.NONE, "a3"),
    ]


@pytest.mark.parametrize(("line", "error", "column"), [
    ("bitmex,XBTUSD,{T},{T},a2,sell,8531.25,1", DataValidationError, "price"),
    ("bitmex,XBTUSD,{T},{T},a2,sell,8531.5,0", DataValidationError, "amount"),
    ("bitmex,XBTUSD,{T},{T},a2,hold,8531.5,1", DataValidationError, "side"),
    ("bitmex,XBTUSD,{T},{T},a1,sell,8531.5,2152", DataValidationError, "timestamp"),
    ("bitmex,ETHUSD,{T},{T},a2,sell,8531.5,1", UnknownInstrumentError, "symbol"),
])
def test_bad_trades(tmp_path, line, error, column):
    path = write(tmp_path, "t.csv", f"""{TRADES}
        bitmex,XBTUSD,{T},{T},a1,sell,8531.5,2152
        {line.format(T=T)}""")
    with pytest.raises(error, match=rf"t\.csv, row 2, column '{column}'"):
        read_all(TardisTradesLoader(), path, XBTUSD)


def test_incremental_l2_clears_before_each_snapshot(tmp_path):
    path = write(tmp_path, "l2.csv", f"""{L2}
        deribit,XBTUSD,{T},{T + 5},true,ask,6421.5,100
        deribit,XBTUSD,{T},{T + 5},true,bid,6421,50
        deribit,XBTUSD,{T + 2},{T + 6},false,bid,6421,0
        deribit,XBTUSD,{T + 3},{T + 7},true,bid,6420,10""")
    t0, t2, t3 = (T * US, (T + 5) * US), ((T + 2) * US, (T + 6) * US), ((T + 3) * US,
                                                                           (T + 7) * US)
    assert rows(read_all(TardisL2Loader(), path, XBTUSD)) == [
        (*t0, 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (*t0, 0, Side.SELL, A.ADD, 12843, 100, SNAP),
        (*t0, 0, Side.BUY, A.ADD, 12842, 50, SNAP | LAST),
        (*t2, 0, Side.BUY, A.DELETE, 12842, 0, LAST),
        (*t3, 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (*t3, 0, Side.BUY, A.ADD, 12840, 10, SNAP | LAST),
    ]


def test_incremental_l2_bad_flag_names_row(tmp_path):
    path = write(tmp_path, "l2.csv", f"""{L2}
        deribit,XBTUSD,{T},{T + 5},yes,ask,6421.5,100""")
    with pytest.raises(DataValidationError, match=r"l2\.csv, row 1, column 'is_snapshot'"):
        read_all(TardisL2Loader(), path, XBTUSD)


def test_snapshot_rows_become_clear_then_levels(tmp_path):
    header = ("exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,"
              "bids[0].price,bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,"
              "bids[1].amount")
    path = write(tmp_path, "s.csv", f"""{header}
        binance,XBTUSD,{T},{T + 4},10.5,1,10,2,11,3,9.5,4
        binance,XBTUSD,{T + 1},{T + 4},10.5,1,10,2,,,9.5,5""")
    t0, t1 = (T * US, (T + 4) * US), ((T + 1) * US, (T + 4) * US)
    assert rows(read_all(TardisSnapshotLoader(), path, XBTUSD)) == [
        (*t0, 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (*t0, 0, Side.SELL, A.ADD, 21, 1, SNAP),
        (*t0, 0, Side.SELL, A.ADD, 22, 3, SNAP),
        (*t0, 0, Side.BUY, A.ADD, 20, 2, SNAP),
        (*t0, 0, Side.BUY, A.ADD, 19, 4, SNAP | LAST),
        (*t1, 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (*t1, 0, Side.SELL, A.ADD, 21, 1, SNAP),
        (*t1, 0, Side.BUY, A.ADD, 20, 2, SNAP),
        (*t1, 0, Side.BUY, A.ADD, 19, 5, SNAP | LAST),
    ]


def test_snapshot_errors_name_the_level_column(tmp_path):
    header = "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount"
    path = write(tmp_path, "s.csv", f"""{header}
        binance,XBTUSD,{T},{T},10.5,1""")
    with pytest.raises(SchemaError, match=r"s\.csv: missing column 'bids\[0\]\.price'"):
        read_all(TardisSnapshotLoader(), path, XBTUSD)
    header += ",bids[0].price,bids[0].amount"
    path = write(tmp_path, "s.csv", f"""{header}
        binance,XBTUSD,{T},{T},10.5,1,10,2
        binance,XBTUSD,{T},{T},10.5,1,10.2,2""")
    with pytest.raises(DataValidationError, match=r"s\.csv, row 2, column 'bids\[0\]\.price'"):
        read_all(TardisSnapshotLoader(), path, XBTUSD)
