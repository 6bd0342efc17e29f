"""Bybit v5 order book (``orderbook.N`` WebSocket messages, one JSON object a line).

A ``snapshot`` message replaces the book: a CLEAR row, then an ADD per level, flagged
SNAPSHOT. A ``delta`` message sets levels: a size of ``"0"`` is a DELETE, anything
else an UPDATE (adding the level if absent). ``ts_event`` is ``cts`` (the matching
engine's time, ms), or ``ts`` when a message lacks it; ``ts_init`` is ``ts`` (when
Bybit sent it). ``sequence`` is ``data.seq`` (increasing across messages; ``u``
restarts at 1 when Bybit resends a snapshot). Rows of a message come bids first,
then asks, and the last is flagged LAST. Row numbers are line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import msgspec
import numpy as np
import pyarrow as pa

from sapphire.core.enums import DataType, Side
from sapphire.core.errors import DataValidationError, UnknownInstrumentError
from sapphire.core.time import NS_PER_MS
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import lots, normalized_symbol, ticks, to_float
from sapphire.data.loaders.l2 import LAST, SNAPSHOT, Deltas, l2_table, update_actions
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.progress import ByteProgress
from sapphire.model.instruments import Instrument


class _Book(msgspec.Struct):
    s: str
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    u: int
    seq: int


class _Message(msgspec.Struct):
    topic: str
    type: str
    ts: int
    data: _Book
    cts: int | None = None


_DECODER = msgspec.json.Decoder(_Message)
_TYPES = ("snapshot", "delta")


class _Batch:
    """Levels of several messages gathered as flat lists, converted together."""

    def __init__(self) -> None:
        self.lines: list[int] = []  # per level
        self.is_bid: list[bool] = []
        self.prices: list[str] = []
        self.sizes: list[str] = []
        self.message: list[int] = []  # per level: index into the per-message lists
        self.ts: list[int] = []  # per message
        self.cts: list[int] = []
        self.seq: list[int] = []
        self.snapshot: list[bool] = []

    def add(self, line: int, message: _Message) -> None:
        index = len(self.ts)
        self.ts.append(message.ts)
        self.cts.append(message.cts if message.cts is not None else message.ts)
        self.seq.append(message.data.seq)
        self.snapshot.append(message.type == "snapshot")
        for is_bid, levels in ((True, message.data.b), (False, message.data.a)):
            for price, size in levels:
                self.prices.append(price)
                self.sizes.append(size)
                self.is_bid.append(is_bid)
                self.lines.append(line)
                self.message.append(index)

    def __len__(self) -> int:
        return len(self.lines)


class BybitOrderbookLoader(Loader):
    """Bybit v5 ``orderbook`` JSON lines (snapshot then deltas) as L2 deltas."""

    name: ClassVar[str] = "bybit-orderbook"
    data_type: ClassVar[DataType] = DataType.L2_DELTAS

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        source = str(path)
        wanted = normalized_symbol(instrument.id.symbol)
        batch = _Batch()
        with path.open("rb") as handle:
            for line_number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                message = _decode(line, source, line_number)
                if normalized_symbol(message.data.s) != wanted:
                    raise UnknownInstrumentError(
                        f"{source}, row {line_number}, column 'data.s': symbol "
                        f"{message.data.s!r} is not the instrument being imported "
                        f"({instrument.id})")
                batch.add(line_number, message)
                if len(batch) >= chunk_rows:
                    bar.at(handle.tell())
                    yield _chunk(batch, instrument, source)
                    batch = _Batch()
        if batch.ts:
            yield _chunk(batch, instrument, source)


def _decode(line: bytes, source: str, line_number: int) -> _Message:
    try:
        message = _DECODER.decode(line)
    except msgspec.ValidationError as exc:
        raise DataValidationError(f"not a Bybit orderbook message: {exc}", source=source,
                                  row=line_number) from None
    except msgspec.DecodeError as exc:
        raise DataValidationError(f"malformed JSON: {exc}", source=source,
                                  row=line_number) from None
    if message.type not in _TYPES:
        raise DataValidationError(f"unknown message type, expected one of {list(_TYPES)}",
                                  source=source, row=line_number, column="type",
                                  value=message.type)
    return message


def _chunk(batch: _Batch, instrument: Instrument, source: str) -> Chunk:
    lines = np.array(batch.lines, dtype=np.int64)
    is_bid = np.array(batch.is_bid, dtype=bool)
    message = np.array(batch.message, dtype=np.int64)
    prices = np.empty(len(batch), dtype=np.int64)
    sizes = np.empty(len(batch), dtype=np.int64)
    raw_prices = pa.array(batch.prices, pa.string())
    raw_sizes = pa.array(batch.sizes, pa.string())
    for mask, column in ((is_bid, "data.b"), (~is_bid, "data.a")):
        where = np.flatnonzero(mask)
        rows = Rows(source, index=lines[where])
        with rows.locating():
            picked = pa.array(where)
            prices[where] = ticks(instrument, to_float(raw_prices.take(picked), column),
                                  f"{column} price")
            sizes[where] = lots(instrument, to_float(raw_sizes.take(picked), column),
                                f"{column} size")
    snapshot = np.array(batch.snapshot, dtype=bool)
    cts = np.array(batch.cts, dtype=np.int64) * NS_PER_MS
    ts = np.array(batch.ts, dtype=np.int64) * NS_PER_MS
    last = np.ones(len(batch), dtype=bool)
    last[:-1] = message[1:] != message[:-1]
    first = np.ones(len(batch), dtype=bool)
    first[1:] = message[1:] != message[:-1]
    level_snapshot = snapshot[message]
    deltas = Deltas(
        ts_event=cts[message], ts_init=ts[message],
        sequence=np.array(batch.seq, dtype=np.int64)[message],
        side=np.where(is_bid, np.int8(Side.BUY), np.int8(Side.SELL)).astype(np.int8),
        action=update_actions(level_snapshot, sizes), price=prices, size=sizes,
        flags=(np.where(level_snapshot, SNAPSHOT, np.uint8(0))
               | np.where(last, LAST, np.uint8(0))).astype(np.uint8),
        file_rows=lines,
    )
    table, file_rows = l2_table(deltas, level_snapshot & first)
    columns = {"ts_event": "cts", "ts_init": "ts", "sequence": "data.seq",
               "price": "data.b/a price",
               "size": "data.b/a size"}
    return Chunk(table, Rows(source, index=file_rows, columns=columns))
