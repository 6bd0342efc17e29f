"""Tardis.dev CSV: trades, incremental L2 book updates and top-25 book snapshots.

Times are microseconds since the epoch: ``timestamp`` (the exchange's) becomes
``ts_event`` and ``local_timestamp`` (when Tardis received it) ``ts_init``. Tardis
gives no venue sequence, so L2 ``sequence`` is 0; rows of one message share their
timestamps and the last one is flagged LAST.

* ``incremental_book_L2``: a run of ``is_snapshot`` rows is a snapshot: a CLEAR row,
  then one ADD per level, flagged SNAPSHOT. Other rows set a level's size: an
  ``amount`` of 0 is a DELETE, anything else an UPDATE (adding the level if absent).
* ``book_snapshot_25`` (or any depth): each row is a snapshot message: a CLEAR row,
  then an ADD for each ask level (best first), then each bid level. A level whose
  price or amount is empty is absent and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.enums import BookAction, DataType, Side
from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import (
    check_symbol,
    lots,
    require_columns,
    sides,
    ticks,
    times_to_ns,
    to_float,
)
from sapphire.data.loaders.csv_io import CsvFormat, iter_csv
from sapphire.data.loaders.generic import _CsvTable
from sapphire.data.loaders.l2 import (
    LAST,
    SNAPSHOT,
    Deltas,
    csv_messages,
    l2_table,
    level_sets,
)
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.mapping import ColumnMap
from sapphire.data.loaders.progress import ByteProgress
from sapphire.model.instruments import Instrument

_TIMES = {"ts_event": "timestamp", "ts_init": "local_timestamp"}
_LEVEL = re.compile(r"^(asks|bids)\[(\d+)\]\.(price|amount)$")


class TardisTradesLoader(_CsvTable):
    """Tardis trades CSV (exchange, symbol, timestamp, local_timestamp, id, side, price, amount)."""

    name: ClassVar[str] = "tardis-trades"
    data_type: ClassVar[DataType] = DataType.TRADES

    def __init__(self) -> None:
        self.mapping = ColumnMap(
            DataType.TRADES,
            {**_TIMES, "trade_id": "id", "aggressor_side": "side", "price": "price",
             "size": "amount"},
            timestamp="us", symbol="symbol", buy=("buy",), sell=("sell",), none=("unknown", ""),
        )

    def __repr__(self) -> str:
        return "TardisTradesLoader()"


_L2_TYPES = {"symbol": pa.string(), "timestamp": pa.int64(), "local_timestamp": pa.int64(),
             "is_snapshot": pa.string(), "side": pa.string(), "price": pa.float64(),
             "amount": pa.float64()}
_L2_COLUMNS = {**_TIMES, "side": "side", "price": "price", "size": "amount",
               "action": "is_snapshot", "flags": "is_snapshot"}


class TardisL2Loader(Loader):
    """Tardis ``incremental_book_L2`` CSV as L2 deltas (snapshots cleared and flagged)."""

    name: ClassVar[str] = "tardis-l2"
    data_type: ClassVar[DataType] = DataType.L2_DELTAS

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        keys = lambda t: [t.column(c).to_numpy() for c in ("timestamp", "local_timestamp")] + [  # noqa: E731
            np.asarray(pc.equal(t.column("is_snapshot"), "true").to_numpy(zero_copy_only=False))]
        in_snapshot = False
        for table, offset, starts in csv_messages(path, _L2_TYPES, chunk_rows, bar, keys):
            rows = Rows(str(path), offset)
            check_symbol(table.column("symbol"), instrument, "symbol", rows)
            with rows.locating():
                snapshot = _flags_true(table.column("is_snapshot"))
                begins = snapshot & ~np.concatenate([[in_snapshot], snapshot[:-1]])
                deltas = _incremental(table, snapshot, starts, instrument, rows)
            in_snapshot = bool(snapshot[-1])
            result, file_rows = l2_table(deltas, begins)
            yield Chunk(result, Rows(rows.source, index=file_rows, columns=_L2_COLUMNS))


def _incremental(table: pa.Table, snapshot: np.ndarray, starts: np.ndarray,
                 instrument: Instrument, rows: Rows) -> Deltas:
    size = lots(instrument, table.column("amount"), "amount")
    return level_sets(
        times_to_ns(table.column("timestamp"), "us", None, "timestamp"),
        times_to_ns(table.column("local_timestamp"), "us", None, "local_timestamp"),
        np.zeros(len(table), dtype=np.int64),
        sides(table.column("side"), ("bid",), ("ask",), "side"),
        ticks(instrument, table.column("price"), "price"), size, snapshot, starts, rows.offset,
    )


def _flags_true(column: pa.ChunkedArray) -> np.ndarray:
    text = pc.utf8_lower(column)
    known = np.asarray(pc.is_in(text, value_set=pa.array(["true", "false"]))
                       .to_numpy(zero_copy_only=False), dtype=bool)
    if not known.all():
        row = int(np.argmin(known))
        raise DataValidationError("expected true or false", row=row + 1, column="is_snapshot",
                                  value=column[row].as_py())
    return np.asarray(pc.equal(text, "true").to_numpy(zero_copy_only=False), dtype=bool)


class TardisSnapshotLoader(Loader):
    """Tardis ``book_snapshot_25`` CSV (any depth) as L2 deltas: a CLEAR, then an ADD per level."""

    name: ClassVar[str] = "tardis-snapshot"
    data_type: ClassVar[DataType] = DataType.L2_DELTAS

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        layout = CsvFormat()
        header = layout.header(path)
        require_columns(header, ["symbol", "timestamp", "local_timestamp"], str(path))
        depth = _depth(header, str(path))
        types = {"symbol": pa.string(), "timestamp": pa.int64(), "local_timestamp": pa.int64()}
        types |= {_level(book, i, what): pa.float64() for book in ("asks", "bids")
                  for i in range(depth) for what in ("price", "amount")}
        levels_per_chunk = max(1, chunk_rows // (2 * depth + 1))
        for table, offset in iter_csv(path, layout, types, levels_per_chunk, bar):
            rows = Rows(str(path), offset)
            check_symbol(table.column("symbol"), instrument, "symbol", rows)
            with rows.locating():
                deltas, keep = _snapshots(table, depth, instrument, rows)
            result, file_rows = l2_table(_take(deltas, keep), np.zeros(int(keep.sum()), bool))
            yield Chunk(result, Rows(rows.source, index=file_rows, columns=dict(_TIMES)))


def _level(book: str, index: int, what: str) -> str:
    return f"{book}[{index}].{what}"


def _depth(header: list[str], source: str) -> int:
    levels = {int(m.group(2)) for m in map(_LEVEL.match, header) if m}
    if not levels:
        raise SchemaError(
            f"{source}: missing column 'asks[0].price'; the file has columns {header}")
    depth = max(levels) + 1
    needed = [_level(b, i, w) for b in ("asks", "bids") for i in range(depth)
              for w in ("price", "amount")]
    require_columns(header, needed, source)
    return depth


def _snapshots(table: pa.Table, depth: int, instrument: Instrument,
               rows: Rows) -> tuple[Deltas, np.ndarray]:
    """Lay out each row as CLEAR, asks, bids (``1 + 2 * depth`` slots); mark present levels."""
    n, width = len(table), 1 + 2 * depth
    price = np.zeros((n, width), dtype=np.int64)
    size = np.zeros((n, width), dtype=np.int64)
    keep = np.ones((n, width), dtype=bool)
    for slot, (book, i) in enumerate([(b, i) for b in ("asks", "bids") for i in range(depth)], 1):
        raw_price = to_float(table.column(_level(book, i, "price")), _level(book, i, "price"))
        raw_size = to_float(table.column(_level(book, i, "amount")), _level(book, i, "amount"))
        present = ~(np.isnan(raw_price) | np.isnan(raw_size))
        keep[:, slot] = present
        price[:, slot] = ticks(instrument, np.where(present, raw_price, 0.0),
                               _level(book, i, "price"))
        size[:, slot] = lots(instrument, np.where(present, raw_size, 0.0),
                             _level(book, i, "amount"))
    side = np.full((n, width), np.int8(Side.SELL))
    side[:, 0] = Side.NONE
    side[:, 1 + depth:] = Side.BUY
    action = np.full((n, width), np.int8(BookAction.ADD))
    action[:, 0] = BookAction.CLEAR
    last_slot = width - 1 - np.argmax(keep[:, ::-1], axis=1)
    flags = np.full((n, width), SNAPSHOT, dtype=np.uint8)
    flags[np.arange(n), last_slot] |= LAST
    ts_event = times_to_ns(table.column("timestamp"), "us", None, "timestamp")
    ts_init = times_to_ns(table.column("local_timestamp"), "us", None, "local_timestamp")
    deltas = Deltas(
        ts_event=np.repeat(ts_event, width), ts_init=np.repeat(ts_init, width),
        sequence=np.zeros(n * width, dtype=np.int64), side=side.ravel(), action=action.ravel(),
        price=price.ravel(), size=size.ravel(), flags=flags.ravel(),
        file_rows=np.repeat(rows.offset + 1 + np.arange(n, dtype=np.int64), width),
    )
    return deltas, keep.ravel()


def _take(deltas: Deltas, keep: np.ndarray) -> Deltas:
    return Deltas(**{name: getattr(deltas, name)[keep] for name in Deltas.__slots__})
