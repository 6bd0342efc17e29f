"""Binance: trades and best bid/ask (Parquet), order book depth (CSV).

Depth rows become L2 deltas:

* ``update_type`` ``snap`` rows are a snapshot: a CLEAR row, then one ADD per level,
  all flagged SNAPSHOT.
* other rows (``set``) give a level's new quantity: 0 is a DELETE, anything else an
  UPDATE. Binance does not say whether the level existed, so UPDATE means "set the
  level to this size", adding it when absent; ADD is kept for snapshots.
* ``sequence`` is ``last_update_id``; rows of one message share it, and the last
  row of each message is flagged LAST. Times are milliseconds since the epoch;
  ``ts_init`` equals ``ts_event`` (the files have no receive time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.enums import DataType
from sapphire.core.errors import DataValidationError
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import (
    check_symbol,
    lots,
    sides,
    ticks,
    times_to_ns,
)
from sapphire.data.loaders.generic import _ParquetTable
from sapphire.data.loaders.l2 import csv_messages, l2_table, level_sets
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.mapping import ColumnMap
from sapphire.data.loaders.progress import ByteProgress
from sapphire.model.instruments import Instrument


class _BinanceParquet(_ParquetTable):
    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinanceTradesLoader(_BinanceParquet):
    """Binance trades (Parquet: timestamp, trade_id, price, quantity, buyer_maker).

    ``buyer_maker`` true means the buyer rested on the book, so the aggressor sold.
    """

    name: ClassVar[str] = "binance-trades"
    data_type: ClassVar[DataType] = DataType.TRADES

    def __init__(self) -> None:
        self.mapping = ColumnMap(
            DataType.TRADES,
            {"ts_event": "timestamp", "trade_id": "trade_id", "price": "price",
             "size": "quantity", "aggressor_side": "buyer_maker"},
            timestamp="ms", buy=("False", "false"), sell=("True", "true"), none=(),
        )


class BinanceQuotesLoader(_BinanceParquet):
    """Binance best bid/ask (Parquet: timestamp, symbol, ask_size, ask, bid_size, bid)."""

    name: ClassVar[str] = "binance-quotes"
    data_type: ClassVar[DataType] = DataType.QUOTES

    def __init__(self) -> None:
        self.mapping = ColumnMap(
            DataType.QUOTES,
            {"ts_event": "timestamp", "bid_price": "bid", "ask_price": "ask",
             "bid_size": "bid_size", "ask_size": "ask_size"},
            timestamp="ms", symbol="symbol",
        )


_DEPTH_TYPES = {
    "symbol": pa.string(), "timestamp": pa.int64(), "last_update_id": pa.int64(),
    "side": pa.string(), "update_type": pa.string(), "price": pa.float64(), "qty": pa.float64(),
}
_UPDATE_TYPES = ("snap", "set")


class BinanceDepthLoader(Loader):
    """Binance order book depth (CSV: snapshot ``snap`` rows or ``set`` updates) as L2 deltas."""

    name: ClassVar[str] = "binance-depth"
    data_type: ClassVar[DataType] = DataType.L2_DELTAS

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        keys = lambda table: [table.column("last_update_id").to_numpy()]  # noqa: E731
        for table, offset, starts in csv_messages(path, _DEPTH_TYPES, chunk_rows, bar, keys):
            yield _depth_chunk(table, Rows(str(path), offset), starts, instrument)


def _depth_chunk(table: pa.Table, rows: Rows, starts: np.ndarray,
                 instrument: Instrument) -> Chunk:
    check_symbol(table.column("symbol"), instrument, "symbol", rows)
    with rows.locating():
        snapshot = _is_snapshot(table.column("update_type"))
        ts = times_to_ns(table.column("timestamp"), "ms", None, "timestamp")
        size = lots(instrument, table.column("qty"), "qty")
        side = sides(table.column("side"), ("b", "bid", "BUY"), ("a", "ask", "SELL"), "side")
        price = ticks(instrument, table.column("price"), "price")
        deltas = level_sets(ts, ts, table.column("last_update_id").to_numpy(), side, price, size,
                            snapshot, starts, rows.offset)
    result, file_rows = l2_table(deltas, snapshot & starts)
    columns = {"ts_event": "timestamp", "ts_init": "timestamp", "sequence": "last_update_id",
               "size": "qty"}
    return Chunk(result, Rows(rows.source, index=file_rows, columns=columns))


def _is_snapshot(column: pa.ChunkedArray) -> np.ndarray:
    known = pc.is_in(column, value_set=pa.array(_UPDATE_TYPES))
    mask = np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)
    if not mask.all():
        row = int(np.argmin(mask))
        raise DataValidationError(f"unknown update_type, expected one of {list(_UPDATE_TYPES)}",
                                  row=row + 1, column="update_type",
                                  value=column[row].as_py())
    return np.asarray(pc.equal(column, "snap").to_numpy(zero_copy_only=False), dtype=bool)
