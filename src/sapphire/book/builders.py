"""Vendor order book files into catalog L2 deltas, under each vendor's sequencing rules.

The loaders (:mod:`sapphire.data.loaders`) turn rows into deltas; the catalog keeps one
``sequence`` per row, which cannot express every vendor's rule, so the rules are
applied here on the vendor's own ids before anything is written:

* Binance (depth snapshot + diff stream, "How to manage a local order book correctly"):
  drop diffs with ``u <= lastUpdateId`` of the snapshot; the first diff applied must
  have ``U <= lastUpdateId + 1 <= u``; after it each diff's ``pu`` must equal the
  previous diff's ``u`` (futures; without ``pu``, spot: ``U`` = previous ``u`` + 1).
* Bybit ``orderbook.500``: a snapshot resets the book; each delta's ``u`` must be the
  previous message's ``u`` + 1 and its ``seq`` must grow.
* Tardis incremental L2: no venue sequence; deltas before the first snapshot are not
  usable.

A broken rule is a gap: under ``OnError.RAISE`` a :class:`BookIntegrityError` naming
the file, the message and the ids; under ``OnError.RESYNC`` the messages up to the
next snapshot are dropped and the reason is logged. Each builder also returns the
:class:`L2BookConfig` that replays its output.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from sapphire.book.integrity import Fault, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.core.enums import DataType, RecordFlag
from sapphire.core.errors import BookIntegrityError, DataValidationError
from sapphire.data.loaders import BinanceDepthLoader, BybitOrderbookLoader, TardisL2Loader
from sapphire.data.schemas import empty_table
from sapphire.data.validation import STRICT, OrderPolicy
from sapphire.model.instruments import Instrument

log = logging.getLogger("sapphire.book")

#: Replays Binance diffs: ids grow, a diff sets a level, deletes may name levels deeper
#: than the snapshot.
BINANCE_BOOK = L2BookConfig(sequence=SequenceCheck.INCREASING, levels=LevelRule.SET)
#: Replays Bybit deltas: ``seq`` grows, a delta sets a level, the 500 levels are complete.
BYBIT_BOOK = L2BookConfig(sequence=SequenceCheck.INCREASING, levels=LevelRule.UPSERT)
#: Replays Tardis incremental L2: no sequence, a row sets a level.
TARDIS_BOOK = L2BookConfig(sequence=SequenceCheck.NONE, levels=LevelRule.UPSERT)


@dataclass(frozen=True, slots=True)
class BuiltDeltas:
    """L2 deltas that passed the vendor's sequencing rules.

    Attributes
    ----------
    table
        Rows of the ``l2_deltas`` schema, ready for ``Catalog.write``.
    config
        The book settings that replay ``table``.
    messages, dropped
        Vendor messages read, and those dropped (stale or during a resync).
    gaps
        One line per rule broken (under RESYNC).
    """

    table: pa.Table
    config: L2BookConfig
    messages: int
    dropped: int
    gaps: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Message:
    """One vendor message: its ids, whether it is a snapshot, and its rows in the table."""

    first: int  # Binance U (first update id); Bybit u
    last: int  # Binance u; Bybit seq
    previous: int  # Binance pu (-1 when absent)
    snapshot: bool
    rows: int
    where: str


def _gap(on_gap: OnError, gaps: list[str], text: str, sequence: int) -> None:
    if on_gap == OnError.RAISE:
        raise BookIntegrityError(text, fault=Fault.SEQUENCE_GAP, sequence=sequence)
    gaps.append(text)
    log.warning("%s; dropping messages until the next snapshot", text)


def _binance_keep(messages: list[_Message], on_gap: OnError, gaps: list[str]) -> np.ndarray:
    keep = np.zeros(len(messages), dtype=bool)
    snapshot_id: int | None = None  # lastUpdateId of the snapshot in force
    previous: int | None = None  # u of the last diff applied
    for i, m in enumerate(messages):
        if m.snapshot:
            snapshot_id, previous, keep[i] = m.last, None, True
        elif snapshot_id is None:
            if not gaps or not gaps[-1].endswith("(resync)"):
                _gap(on_gap, gaps, f"{m.where}: diff U={m.first} u={m.last} before any "
                     "snapshot; expected a snapshot first (resync)", m.last)
        elif previous is None and m.last <= snapshot_id:
            continue  # older than the snapshot: Binance says drop it
        elif previous is None and not m.first <= snapshot_id + 1 <= m.last:
            _gap(on_gap, gaps, f"{m.where}: first diff after the snapshot lastUpdateId="
                 f"{snapshot_id} has U={m.first} u={m.last}; expected U <= {snapshot_id + 1}"
                 " <= u (resync)", m.last)
            snapshot_id = None
        elif previous is not None and m.previous != -1 and m.previous != previous:
            _gap(on_gap, gaps, f"{m.where}: diff pu={m.previous} u={m.last}; expected pu = "
                 f"the previous u {previous} (resync)", m.last)
            snapshot_id = previous = None
        elif previous is not None and m.previous == -1 and m.first != previous + 1:
            _gap(on_gap, gaps, f"{m.where}: diff U={m.first}; expected the previous u + 1 "
                 f"= {previous + 1} (resync)", m.last)
            snapshot_id = previous = None
        else:
            previous, keep[i] = m.last, True
    return keep


def _binance_messages(path: Path) -> list[_Message]:
    names = ["first_update_id", "last_update_id", "update_type", "pu"]
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        include_columns=names, column_types={"first_update_id": pa.int64(),
                                             "last_update_id": pa.int64(), "pu": pa.int64()}))
    first, last, pu = (table.column(n).to_numpy() for n in ("first_update_id",
                                                              "last_update_id", "pu"))
    kind = np.asarray(table.column("update_type").to_pylist())
    starts = np.flatnonzero(np.r_[True, last[1:] != last[:-1]])
    ends = np.r_[starts[1:], len(last)]
    out = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        snap = kind[s] == "snap"
        out.append(_Message(int(first[s]), int(last[s]), int(pu[s]), bool(snap),
                            e - s + (1 if snap else 0), f"{path}, row {s + 1}"))
    return out


def binance_depth(paths: Sequence[str | Path], instrument: Instrument, *,
                  on_gap: OnError = OnError.RAISE, policy: OrderPolicy = STRICT) -> BuiltDeltas:
    """Build L2 deltas from Binance depth CSVs (snapshot and diffs), read in the order given.

    ``policy`` is the loader's (e.g. ``REPAIR`` drops repeated rows).

    Raises
    ------
    BookIntegrityError
        Under ``on_gap=RAISE``, a diff that breaks Binance's update-id rules (the message
        names the file, row and ids).
    """
    tables: list[pa.Table] = []
    messages: list[_Message] = []
    for path in map(Path, paths):
        tables.extend(BinanceDepthLoader().read(path, instrument, policy=policy))
        messages.extend(_binance_messages(path))
    gaps: list[str] = []
    keep = _binance_keep(messages, OnError(on_gap), gaps)
    return _built(tables, messages, keep, BINANCE_BOOK, gaps)


class _BybitIds(msgspec.Struct):
    u: int
    seq: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]


class _BybitLine(msgspec.Struct):
    type: str
    data: _BybitIds


def _bybit_messages(path: Path) -> list[_Message]:
    decoder = msgspec.json.Decoder(_BybitLine)
    out = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                m = decoder.decode(line)
            except msgspec.DecodeError as exc:  # the loader names the same row first
                raise DataValidationError(f"not a Bybit orderbook message: {exc}",
                                          source=str(path), row=number) from None
            levels = len(m.data.b) + len(m.data.a)
            snap = m.type == "snapshot"
            out.append(_Message(m.data.u, m.data.seq, -1, snap,
                                levels + (1 if snap and levels else 0), f"{path}, row {number}"))
    return out


def _bybit_keep(messages: list[_Message], on_gap: OnError, gaps: list[str]) -> np.ndarray:
    keep = np.zeros(len(messages), dtype=bool)
    previous: _Message | None = None
    for i, m in enumerate(messages):
        if m.snapshot:
            previous, keep[i] = m, True
        elif previous is None:
            if not gaps or not gaps[-1].endswith("(resync)"):
                _gap(on_gap, gaps, f"{m.where}: delta u={m.first} before any snapshot; "
                     "expected a snapshot first (resync)", m.last)
        elif m.first != previous.first + 1 or m.last <= previous.last:
            what = (f"u={m.first}, expected {previous.first + 1}" if m.first != previous.first + 1
                    else f"seq={m.last}, expected more than {previous.last}")
            _gap(on_gap, gaps, f"{m.where}: delta {what} (resync)", m.last)
            previous = None
        else:
            previous, keep[i] = m, True
    return keep


def bybit_orderbook(path: str | Path, instrument: Instrument, *,
                    on_gap: OnError = OnError.RAISE, policy: OrderPolicy = STRICT,
                    ) -> BuiltDeltas:
    """Build L2 deltas from a Bybit ``orderbook.N`` JSON-lines file (snapshot + deltas).

    Raises
    ------
    BookIntegrityError
        Under ``on_gap=RAISE``, a delta whose ``u`` does not follow the previous one or
        whose ``seq`` does not grow (the message names the line and the ids).
    """
    path = Path(path)
    tables = list(BybitOrderbookLoader().read(path, instrument, policy=policy))
    messages = _bybit_messages(path)
    gaps: list[str] = []
    keep = _bybit_keep(messages, OnError(on_gap), gaps)
    return _built(tables, messages, keep, BYBIT_BOOK, gaps)


def tardis_l2(path: str | Path, instrument: Instrument, *,
              on_gap: OnError = OnError.RAISE, policy: OrderPolicy = STRICT) -> BuiltDeltas:
    """Build L2 deltas from a Tardis ``incremental_book_L2`` CSV (no venue sequence).

    Rows before the first snapshot cannot be placed on a book: an error under RAISE,
    dropped (and logged) under RESYNC.
    """
    path = Path(path)
    tables = list(TardisL2Loader().read(path, instrument, policy=policy))
    table = pa.concat_tables(tables) if tables else empty_table(DataType.L2_DELTAS)
    flags = table.column("flags").to_numpy()
    snapshots = np.flatnonzero(flags & 1)
    first = int(snapshots[0]) if len(snapshots) else len(flags)
    gaps: list[str] = []
    if first:
        _gap(OnError(on_gap), gaps, f"{path}: {first} rows before the first snapshot; "
             "expected a snapshot first", 0)
    return BuiltDeltas(table.slice(first), TARDIS_BOOK, messages=int((flags & 2 != 0).sum()),
                       dropped=int((flags[:first] & 2 != 0).sum()), gaps=gaps)


def _built(tables: list[pa.Table], messages: list[_Message], keep: np.ndarray,
           config: L2BookConfig, gaps: list[str]) -> BuiltDeltas:
    """Keep the rows of kept messages; a message's rows end at its LAST-flagged row.

    Rows are matched to messages by those flags rather than by counting, so that a
    loader policy that drops duplicate rows does not shift them; messages without
    levels produce no rows and are skipped.
    """
    table = pa.concat_tables(tables) if tables else empty_table(DataType.L2_DELTAS)
    nonempty = np.array([m.rows > 0 for m in messages], dtype=bool)
    last = (table.column("flags").to_numpy() & RecordFlag.LAST) != 0
    if int(last.sum()) != int(nonempty.sum()) or (len(last) and not last[-1]):
        raise DataValidationError(f"the loader gave {int(last.sum())} messages, the file holds "
                                  f"{int(nonempty.sum())} with levels; expected equal")
    message = np.cumsum(last) - last  # index of the message each row belongs to
    mask = keep[nonempty][message]
    return BuiltDeltas(table.filter(pa.array(mask)), config, messages=len(messages),
                       dropped=int((~keep).sum()), gaps=gaps)
