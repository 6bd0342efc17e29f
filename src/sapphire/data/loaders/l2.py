"""Building L2 delta tables from vendor messages.

Vendors send a book as messages (a snapshot, then updates), each several rows. A
message must not be split across chunks, so that its last row can carry
:attr:`RecordFlag.LAST <sapphire.core.enums.RecordFlag.LAST>`: :func:`iter_messages`
holds back the rows of the message still being read. A snapshot replaces the book,
so :func:`l2_table` can put a CLEAR row in front of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sapphire.core.enums import BookAction, DataType, RecordFlag, Side
from sapphire.data.loaders.convert import require_columns
from sapphire.data.loaders.csv_io import CsvFormat, iter_csv
from sapphire.data.loaders.progress import ByteProgress
from sapphire.data.schemas import schema_for

SNAPSHOT = np.uint8(RecordFlag.SNAPSHOT)
LAST = np.uint8(RecordFlag.LAST)


def message_starts(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Return a mask of rows that begin a message (a row whose keys differ from the previous)."""
    n = len(keys[0])
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        for key in keys:
            starts[1:] |= key[1:] != key[:-1]
    return starts


def iter_messages(raw_chunks: Iterator[tuple[pa.Table, int]],
                  keys_of: Callable[[pa.Table], Sequence[np.ndarray]],
                  ) -> Iterator[tuple[pa.Table, int, np.ndarray]]:
    """Regroup ``(table, rows before)`` chunks so that none splits a message.

    Yields ``(table, rows before, starts)`` where ``starts`` marks the first row of
    each message; every yielded table ends at the end of a message.
    """
    carry: pa.Table | None = None
    carry_offset = 0
    for raw, offset in raw_chunks:
        table, start = (raw, offset) if carry is None else (pa.concat_tables([carry, raw]),
                                                            carry_offset)
        starts = message_starts(keys_of(table))
        last = int(np.flatnonzero(starts)[-1]) if len(table) else 0
        if last > 0:
            yield table.slice(0, last), start, starts[:last]
        carry, carry_offset = table.slice(last), start + last
    if carry is not None and len(carry):
        yield carry, carry_offset, message_starts(keys_of(carry))


def csv_messages(path: Path, types: Mapping[str, pa.DataType], chunk_rows: int,
                 bar: ByteProgress, keys_of: Callable[[pa.Table], Sequence[np.ndarray]],
                 ) -> Iterator[tuple[pa.Table, int, np.ndarray]]:
    """Read a CSV with a header and the columns of ``types`` as :func:`iter_messages` does."""
    layout = CsvFormat()
    require_columns(layout.header(path), list(types), str(path))
    return iter_messages(iter_csv(path, layout, types, chunk_rows, bar), keys_of)


def last_of_message(starts: np.ndarray) -> np.ndarray:
    """Return a mask of rows that end a message (the table ends at a message end)."""
    last = np.ones(len(starts), dtype=bool)
    last[:-1] = starts[1:]
    return last


@dataclass(frozen=True, slots=True)
class Deltas:
    """Columns of L2 deltas, one entry per row, before CLEAR rows are added."""

    ts_event: np.ndarray
    ts_init: np.ndarray
    sequence: np.ndarray
    side: np.ndarray
    action: np.ndarray
    price: np.ndarray
    size: np.ndarray
    flags: np.ndarray
    file_rows: np.ndarray


def update_actions(snapshot: np.ndarray, size: np.ndarray) -> np.ndarray:
    """ADD in a snapshot; outside one DELETE for size 0, else UPDATE (set the level's size)."""
    action = np.where(size == 0, np.int8(BookAction.DELETE), np.int8(BookAction.UPDATE))
    return np.where(snapshot, np.int8(BookAction.ADD), action).astype(np.int8)


def level_sets(ts_event: np.ndarray, ts_init: np.ndarray, sequence: np.ndarray,
               side: np.ndarray, price: np.ndarray, size: np.ndarray, snapshot: np.ndarray,
               starts: np.ndarray, offset: int) -> Deltas:
    """Return deltas of rows that each set one level's size (see :func:`update_actions`).

    Snapshot rows are flagged SNAPSHOT and each message's last row LAST (``starts`` as
    from :func:`iter_messages`); row ``i`` is data row ``offset + 1 + i`` of the file.
    """
    flags = np.where(snapshot, SNAPSHOT, np.uint8(0)) | np.where(
        last_of_message(starts), LAST, np.uint8(0))
    return Deltas(
        ts_event=ts_event, ts_init=ts_init, sequence=sequence, side=side,
        action=update_actions(snapshot, size), price=price, size=size,
        flags=flags.astype(np.uint8),
        file_rows=offset + 1 + np.arange(len(size), dtype=np.int64),
    )


def l2_table(deltas: Deltas, clear_before: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Return the L2 table, with a CLEAR row in front of every row marked in ``clear_before``.

    A CLEAR row takes the time, sequence and file row of the row it precedes, has no
    side, price or size, and is flagged SNAPSHOT. Also returns the file row of each row.
    """
    at = np.flatnonzero(clear_before)
    clear = {
        "side": np.int8(Side.NONE), "action": np.int8(BookAction.CLEAR), "price": 0, "size": 0,
        "flags": SNAPSHOT,
    }
    columns: dict[str, np.ndarray] = {}
    for name in ("ts_event", "ts_init", "sequence", "side", "action", "price", "size", "flags",
                 "file_rows"):
        values = getattr(deltas, name)
        fill: Any = clear[name] if name in clear else values[at]
        columns[name] = np.insert(values, at, fill) if len(at) else values
    schema = schema_for(DataType.L2_DELTAS)
    arrays = [pa.array(columns[field.name], field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema), columns["file_rows"]
