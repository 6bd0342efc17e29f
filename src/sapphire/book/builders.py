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

The rules run while the file streams (:func:`sequenced`): a :class:`Sequencer` keeps
its state (the snapshot in force, the last id applied) across the loader's chunks, and
the vendor ids are read beside the loader a batch of messages at a time, so memory
stays bounded by the chunk size whatever the file's size. A batch is decided by one
numba kernel (:mod:`sapphire.book.builders_nb`, imported on first use); the message
that breaks a rule is then worded by :meth:`Sequencer.step`, the plain-Python rule
that is also the kernel's reference.

A broken rule is a gap: under ``OnError.RAISE`` a :class:`BookIntegrityError` naming
the file, the row, the ids and the rule; under ``OnError.RESYNC`` the messages up to the
next snapshot are dropped and the reason is logged and counted. Each builder also
returns the :class:`L2BookConfig` that replays its output.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.book.integrity import Fault, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.core.enums import BookAction, DataType, RecordFlag
from sapphire.core.errors import BookIntegrityError, ConfigError, DataValidationError
from sapphire.data.loaders import BinanceDepthLoader, BybitOrderbookLoader, TardisL2Loader
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import require_columns
from sapphire.data.loaders.csv_io import CsvFormat, iter_csv
from sapphire.data.loaders.progress import byte_progress
from sapphire.data.schemas import empty_table
from sapphire.data.validation import STRICT, OrderPolicy, Validated
from sapphire.model.instruments import Instrument

log = logging.getLogger("sapphire.book")

#: Replays Binance diffs: ids grow, a diff sets a level, deletes may name levels deeper
#: than the snapshot.
BINANCE_BOOK = L2BookConfig(sequence=SequenceCheck.INCREASING, levels=LevelRule.SET)
#: Replays Bybit deltas: ``seq`` grows, a delta sets a level, the 500 levels are complete.
BYBIT_BOOK = L2BookConfig(sequence=SequenceCheck.INCREASING, levels=LevelRule.UPSERT)
#: Replays Tardis incremental L2: no sequence, a row sets a level.
TARDIS_BOOK = L2BookConfig(sequence=SequenceCheck.NONE, levels=LevelRule.UPSERT)

#: Reasons a message is dropped (keys of :attr:`Sequencer.dropped_rows`).
STALE = "stale: diff older than the snapshot (u <= lastUpdateId, Binance drops these)"
RESYNC = "resync: after a sequence gap, until the next snapshot"
BEFORE_SNAPSHOT = "before the first snapshot"

_BINANCE_RULE = ("Binance rule: the first diff after a snapshot has U <= lastUpdateId + 1 "
                 "<= u, each later diff has pu = the previous u (spot: U = previous u + 1)")
_BYBIT_RULE = "Bybit rule: each delta's u is the previous u + 1 and its seq grows"
_TARDIS_RULE = "Tardis rule: incremental rows apply only after a snapshot"


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
    dropped_rows
        Table rows dropped, by reason (:data:`STALE`, :data:`RESYNC`,
        :data:`BEFORE_SNAPSHOT`).
    """

    table: pa.Table
    config: L2BookConfig
    messages: int
    dropped: int
    gaps: list[str] = field(default_factory=list)
    dropped_rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Message:
    """One vendor message: its ids, whether it is a snapshot, whether it has rows."""

    first: int  # Binance U (first update id); Bybit u
    last: int  # Binance u; Bybit seq
    previous: int  # Binance pu (-1 when absent)
    snapshot: bool
    has_rows: bool
    where: str  # "file, row N"


@dataclass(frozen=True, slots=True)
class _Messages:
    """A batch of vendor messages as arrays (the fields of :class:`_Message`)."""

    first: np.ndarray  # int64
    last: np.ndarray  # int64
    previous: np.ndarray  # int64, -1 when absent
    snapshot: np.ndarray  # bool
    has_rows: np.ndarray  # bool
    row: np.ndarray  # int64 file row (1-based)
    path: Path

    def __len__(self) -> int:
        return len(self.first)

    def message(self, i: int) -> _Message:
        """Return message ``i`` as a :class:`_Message`."""
        return _Message(int(self.first[i]), int(self.last[i]), int(self.previous[i]),
                        bool(self.snapshot[i]), bool(self.has_rows[i]),
                        f"{self.path}, row {int(self.row[i])}")

    def slice(self, begin: int, end: int | None = None) -> _Messages:
        """Return messages ``begin:end``."""
        part = slice(begin, end)
        return _Messages(self.first[part], self.last[part], self.previous[part],
                         self.snapshot[part], self.has_rows[part], self.row[part], self.path)


def _messages(first: object, last: object, previous: object, snapshot: object,
              has_rows: object, row: object, path: Path) -> _Messages:
    return _Messages(np.asarray(first, dtype=np.int64), np.asarray(last, dtype=np.int64),
                     np.asarray(previous, dtype=np.int64), np.asarray(snapshot, dtype=bool),
                     np.asarray(has_rows, dtype=bool), np.asarray(row, dtype=np.int64), path)


def _concat(batches: list[_Messages]) -> _Messages:
    if len(batches) == 1:
        return batches[0]
    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in batches])

    return _Messages(joined("first"), joined("last"), joined("previous"), joined("snapshot"),
                     joined("has_rows"), joined("row"), batches[0].path)


#: Reason codes of :mod:`sapphire.book.builders_nb` (0 keeps the message).
_REASONS: tuple[str | None, ...] = (None, STALE, RESYNC, BEFORE_SNAPSHOT)
_VENDORS = ("binance", "bybit", "tardis")


class Sequencer:
    """A vendor's sequencing rule, applied message by message with state kept between calls.

    Parameters
    ----------
    vendor
        ``"binance"``, ``"bybit"`` or ``"tardis"``.
    on_gap
        Raise on a broken rule, or drop messages until the next snapshot.

    Attributes
    ----------
    messages, dropped
        Messages seen and dropped so far.
    gaps
        One line per rule broken (under RESYNC).
    dropped_rows
        Table rows dropped so far, by reason (filled by :func:`sequenced`).
    """

    def __init__(self, vendor: str, on_gap: OnError | str = OnError.RAISE) -> None:
        if vendor not in ("binance", "bybit", "tardis"):
            raise ConfigError(f"unknown book vendor {vendor!r}: expected binance, bybit or tardis")
        if on_gap not in {o.value for o in OnError}:
            raise ConfigError(f"on_gap must be raise or resync, was {on_gap!r}")
        self.vendor = vendor
        self.on_gap = OnError(on_gap)
        self.messages = self.dropped = 0
        self.gaps: list[str] = []
        self.dropped_rows: Counter[str] = Counter()
        self._synced = False  # a snapshot is in force and no gap since
        self._resyncing = False  # a gap or a missing snapshot was reported; quiet until one
        self._snapshot_id: int | None = None  # Binance lastUpdateId in force
        self._previous: _Message | None = None  # the last message applied
        self._why = BEFORE_SNAPSHOT  # why messages are dropped while not synced

    def step(self, m: _Message) -> str | None:
        """Return ``None`` to keep message ``m``, or why it is dropped.

        Raises
        ------
        BookIntegrityError
            Under ``RAISE``, ``m`` breaks the vendor's rule (names file, row, ids, rule).
        """
        self.messages += 1
        reason = self._step(m)
        if reason is not None:
            self.dropped += 1
        return reason

    def _step(self, m: _Message) -> str | None:
        if m.snapshot:
            self._synced, self._resyncing, self._previous = True, False, None
            self._snapshot_id = m.last
            return None
        if not self._synced:
            if not self._resyncing:
                what = {"binance": f"diff U={m.first} u={m.last}", "bybit": f"delta u={m.first}",
                        "tardis": "incremental row"}[self.vendor]
                self._gap(f"{m.where}: {what} before any snapshot; expected a snapshot first",
                          m.last)
            return self._why
        broken = {"binance": self._binance, "bybit": self._bybit,
                  "tardis": lambda _m: None}[self.vendor](m)
        if broken == STALE:
            return STALE
        if broken is not None:
            self._gap(f"{m.where}: {broken}", m.last)
            self._synced, self._why = False, RESYNC
            return RESYNC
        self._previous = m
        return None

    def step_batch(self, batch: _Messages) -> np.ndarray:
        """Step every message of ``batch``; return each one's reason code (0 keeps it).

        The same decisions as :meth:`step` a message at a time (codes index
        ``_REASONS``): the kernel decides the messages that follow the rule and stops at
        one to report, which :meth:`step` words (raising under ``RAISE``).
        """
        from sapphire.book import builders_nb as nb

        codes = np.zeros(len(batch), dtype=np.int8)
        vendor = _VENDORS.index(self.vendor)
        begin = 0
        while begin < len(batch):
            state = self._pack()
            stop = nb.sequence_nb(vendor, batch.first, batch.last, batch.previous,
                                  batch.snapshot, begin, state, codes)
            self._unpack(state)
            self.messages += stop - begin
            self.dropped += int(np.count_nonzero(codes[begin:stop]))
            if stop == len(batch):
                break
            codes[stop] = _REASONS.index(self.step(batch.message(stop)))
            begin = stop + 1
        return codes

    def _pack(self) -> np.ndarray:
        """The rule's state as the kernel's int64 array."""
        previous = self._previous
        return np.array([self._synced, self._resyncing, self._snapshot_id or 0,
                         previous is not None, 0 if previous is None else previous.first,
                         0 if previous is None else previous.last,
                         _REASONS.index(self._why)], dtype=np.int64)

    def _unpack(self, state: np.ndarray) -> None:
        synced, resyncing, snapshot_id, has_previous, first, last, why = state.tolist()
        self._synced, self._resyncing = bool(synced), bool(resyncing)
        if self._synced or self._snapshot_id is not None:  # a snapshot was seen
            self._snapshot_id = snapshot_id
        self._previous = _Message(first, last, -1, False, True, "") if has_previous else None
        reason = _REASONS[why]
        assert reason is not None
        self._why = reason

    def _binance(self, m: _Message) -> str | None:
        snapshot_id, previous = self._snapshot_id, self._previous
        assert snapshot_id is not None
        if previous is None and m.last <= snapshot_id:
            return STALE
        if previous is None and not m.first <= snapshot_id + 1 <= m.last:
            return (f"first diff after the snapshot lastUpdateId={snapshot_id} has U={m.first} "
                    f"u={m.last}; expected U <= {snapshot_id + 1} <= u")
        if previous is not None and m.previous != -1 and m.previous != previous.last:
            return (f"diff pu={m.previous} u={m.last}; expected pu = the previous u "
                    f"{previous.last}")
        if previous is not None and m.previous == -1 and m.first != previous.last + 1:
            return f"diff U={m.first}; expected the previous u + 1 = {previous.last + 1}"
        return None

    def _bybit(self, m: _Message) -> str | None:
        previous = self._previous
        if previous is None:  # the snapshot itself was the last message applied
            return None
        if m.first != previous.first + 1:
            return f"delta u={m.first}, expected {previous.first + 1}"
        if m.last <= previous.last:
            return f"delta seq={m.last}, expected more than {previous.last}"
        return None

    def _gap(self, text: str, sequence: int) -> None:
        rule = {"binance": _BINANCE_RULE, "bybit": _BYBIT_RULE, "tardis": _TARDIS_RULE}
        text = f"{text} [{rule[self.vendor]}]"
        if self.on_gap == OnError.RAISE:
            raise BookIntegrityError(text, fault=Fault.SEQUENCE_GAP, sequence=sequence)
        self._resyncing = True
        self.gaps.append(text)
        log.warning("%s; dropping messages until the next snapshot", text)


def sequenced(chunks: Iterable[Validated], messages: Iterator[_Messages],
              sequencer: Sequencer) -> Iterator[Validated]:
    """Yield each loader chunk with the rows of dropped messages removed.

    A chunk ends at a message end (the loader's LAST flag); its messages are matched in
    order to ``messages`` (batches of vendor ids, read beside the loader), skipping
    messages that have no rows. The sequencer's state carries from one chunk to the next.

    Raises
    ------
    BookIntegrityError
        Under ``RAISE``, a message that breaks the vendor's rule.
    DataValidationError
        The loader and the id reader disagree on the messages of the file.
    """
    queue = _Queue(messages)
    for chunk in chunks:
        table = chunk.table
        last = (table.column("flags").to_numpy() & RecordFlag.LAST) != 0
        if len(last) and not last[-1]:
            raise DataValidationError("a loader chunk ends inside a message; expected it to "
                                      "end at a message's LAST row")
        ends = np.flatnonzero(last)
        lengths = np.diff(np.r_[0, ends + 1])
        batch, complete = queue.take(len(ends))
        codes = sequencer.step_batch(batch)
        if not complete:
            raise DataValidationError("the loader gave more messages than the file holds; "
                                      "expected one per message with levels")
        codes = codes[batch.has_rows]
        rows = np.bincount(codes, weights=lengths, minlength=len(_REASONS))
        for code in np.flatnonzero(rows[1:]) + 1:
            sequencer.dropped_rows[str(_REASONS[code])] += int(rows[code])
        mask = np.repeat(codes == 0, lengths)
        yield Validated(table if mask.all() else table.filter(pa.array(mask)),
                        chunk.data_type, chunk.policy)
    # messages without rows after the last chunk still follow the rule
    rest = queue.rest()
    with_rows = np.flatnonzero(rest.has_rows)
    sequencer.step_batch(rest.slice(0, with_rows[0] if len(with_rows) else None))
    if len(with_rows):
        raise DataValidationError(f"{rest.message(int(with_rows[0])).where}: the loader gave "
                                  "fewer messages than the file holds; expected one per "
                                  "message with levels")


class _Queue:
    """Batches of messages, taken by the number of messages with rows."""

    def __init__(self, batches: Iterator[_Messages]) -> None:
        self._batches = batches
        self._pending: list[_Messages] = []
        self._with_rows = 0  # in self._pending

    def take(self, n: int) -> tuple[_Messages, bool]:
        """The messages up to the ``n``-th with rows, and whether there were ``n``.

        When the file has fewer, all that is left (and ``False``).
        """
        while self._with_rows < n:
            batch = next(self._batches, None)
            if batch is None:
                break
            self._pending.append(batch)
            self._with_rows += int(np.count_nonzero(batch.has_rows))
        if self._with_rows < n:
            return self.rest(), False
        pending = _concat(self._pending) if self._pending else _EMPTY
        end = int(np.flatnonzero(pending.has_rows)[n - 1]) + 1 if n else 0
        rest = pending.slice(end)
        self._pending = [rest] if len(rest) else []
        self._with_rows -= n
        return pending.slice(0, end), True

    def rest(self) -> _Messages:
        """All messages not taken yet (reading the rest of the file)."""
        self._pending.extend(self._batches)
        pending = _concat(self._pending) if self._pending else _EMPTY
        self._pending, self._with_rows = [], 0
        return pending


_EMPTY = _messages([], [], [], [], [], [], Path())


# -- vendor ids, read beside the loader -------------------------------------------------

_BINANCE_IDS = {"first_update_id": pa.int64(), "last_update_id": pa.int64(),
                "update_type": pa.string()}


def binance_batches(path: Path, chunk_rows: int = 1_000_000) -> Iterator[_Messages]:
    """Yield the messages of a Binance depth CSV (rows sharing ``last_update_id``), a
    CSV chunk at a time; a message's ids are those of its first row."""
    layout = CsvFormat()
    header = layout.header(path)
    require_columns(header, list(_BINANCE_IDS), str(path))
    types = dict(_BINANCE_IDS) | ({"pu": pa.int64()} if "pu" in header else {})
    open_last: int | None = None  # u of the file's row before this chunk
    with byte_progress(path, enabled=False) as bar:
        for table, offset in iter_csv(path, layout, types, chunk_rows, bar):
            if not len(table):
                continue
            first = table.column("first_update_id").to_numpy()
            last = table.column("last_update_id").to_numpy()
            snap = np.asarray(pc.equal(table.column("update_type"), "snap")
                              .to_numpy(zero_copy_only=False), dtype=bool)
            starts = np.flatnonzero(np.r_[open_last is None or last[0] != open_last,
                                          last[1:] != last[:-1]])
            pu = (table.column("pu").to_numpy()[starts] if "pu" in types
                  else np.full(len(starts), -1, dtype=np.int64))
            open_last = int(last[-1])
            if len(starts):
                yield _messages(first[starts], last[starts], pu, snap[starts],
                                np.ones(len(starts), dtype=bool), offset + starts + 1, path)


def binance_messages(path: Path, chunk_rows: int = 1_000_000) -> Iterator[_Message]:
    """Yield the messages of a Binance depth CSV one at a time (see :func:`binance_batches`)."""
    for batch in binance_batches(path, chunk_rows):
        yield from (batch.message(i) for i in range(len(batch)))


class _BybitIds(msgspec.Struct):
    u: int
    seq: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]


class _BybitLine(msgspec.Struct):
    type: str
    data: _BybitIds


def bybit_batches(path: Path, batch_lines: int = 65_536) -> Iterator[_Messages]:
    """Yield the messages of a Bybit ``orderbook.N`` JSON-lines file, ``batch_lines`` at a
    time."""
    decoder = msgspec.json.Decoder(_BybitLine)
    ids: list[tuple[int, int, int, bool, bool, int]] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                m = decoder.decode(line)
            except msgspec.DecodeError as exc:  # the loader names the same row first
                raise DataValidationError(f"not a Bybit orderbook message: {exc}",
                                          source=str(path), row=number) from None
            ids.append((m.data.u, m.data.seq, -1, m.type == "snapshot",
                        bool(m.data.b or m.data.a), number))
            if len(ids) == batch_lines:
                yield _bybit_batch(ids, path)
                ids = []
    if ids:
        yield _bybit_batch(ids, path)


def _bybit_batch(ids: list[tuple[int, int, int, bool, bool, int]], path: Path) -> _Messages:
    first, last, previous, snapshot, has_rows, row = zip(*ids, strict=True)
    return _messages(first, last, previous, snapshot, has_rows, row, path)


def tardis_batch(chunk: Validated, path: Path, rows_before: int) -> _Messages:
    """Return one message per LAST-flagged run of rows of a loader chunk.

    Tardis files carry no ids: whether a message is a snapshot is in its flags, and its
    file row is counted from the rows that are not inserted CLEAR rows (exact unless a
    repairing policy dropped rows).
    """
    flags = chunk.table.column("flags").to_numpy()
    data = chunk.table.column("action").to_numpy() != BookAction.CLEAR
    ends = np.flatnonzero(flags & RecordFlag.LAST)
    begins = np.r_[0, ends[:-1] + 1].astype(np.int64)
    rows = rows_before + np.cumsum(np.r_[0, data])[begins]
    zeros = np.zeros(len(begins), dtype=np.int64)
    return _messages(zeros, zeros, zeros - 1, (flags[begins] & RecordFlag.SNAPSHOT) != 0,
                     np.ones(len(begins), dtype=bool), rows + 1, path)


# -- whole-file builders and the streaming entry point -----------------------------------

#: Loader name -> vendor, for the formats whose imports go through a :class:`Sequencer`.
BOOK_FORMATS = {BinanceDepthLoader.name: "binance", BybitOrderbookLoader.name: "bybit",
                TardisL2Loader.name: "tardis"}
_CONFIGS = {"binance": BINANCE_BOOK, "bybit": BYBIT_BOOK, "tardis": TARDIS_BOOK}


def stream_book(paths: Sequence[str | Path], loader: Loader, instrument: Instrument,
                sequencer: Sequencer, *, policy: OrderPolicy = STRICT,
                chunk_rows: int = 1_000_000, progress: bool = False) -> Iterator[Validated]:
    """Stream ``paths`` (in order) through ``loader`` and ``sequencer``: the kept rows.

    Binance takes its snapshot file first, then the diff file(s); Bybit and Tardis take
    one file. The loader's chunks and the vendor ids are read a chunk at a time.
    """
    if sequencer.vendor != "binance" and len(paths) != 1:
        raise ConfigError(f"{sequencer.vendor} book files are imported one at a time, "
                          f"got {len(paths)} files")
    for path in map(Path, paths):
        chunks = loader.read_validated(path, instrument, policy=policy, chunk_rows=chunk_rows,
                                       progress=progress)
        if sequencer.vendor == "tardis":
            # The ids come from the chunks themselves: hold each chunk while its messages
            # are stepped (a one-chunk look-behind, not a second read of the file).
            yield from _tardis_stream(chunks, path, sequencer)
            continue
        messages = (binance_batches(path, chunk_rows) if sequencer.vendor == "binance"
                    else bybit_batches(path))
        yield from sequenced(chunks, messages, sequencer)


def _tardis_stream(chunks: Iterable[Validated], path: Path,
                   sequencer: Sequencer) -> Iterator[Validated]:
    rows_before = 0
    for chunk in chunks:
        messages = tardis_batch(chunk, path, rows_before)
        yield from sequenced([chunk], iter([messages]), sequencer)
        rows_before += int((chunk.table.column("action").to_numpy() != BookAction.CLEAR).sum())


def _build(paths: Sequence[str | Path], loader: Loader, instrument: Instrument, vendor: str,
           on_gap: OnError, policy: OrderPolicy) -> BuiltDeltas:
    sequencer = Sequencer(vendor, on_gap)
    tables = [v.table for v in stream_book(paths, loader, instrument, sequencer, policy=policy)]
    table = pa.concat_tables(tables) if tables else empty_table(DataType.L2_DELTAS)
    return BuiltDeltas(table, _CONFIGS[vendor], messages=sequencer.messages,
                       dropped=sequencer.dropped, gaps=list(sequencer.gaps),
                       dropped_rows=dict(sequencer.dropped_rows))


def binance_depth(paths: Sequence[str | Path], instrument: Instrument, *,
                  on_gap: OnError = OnError.RAISE, policy: OrderPolicy = STRICT) -> BuiltDeltas:
    """Build L2 deltas from Binance depth CSVs (snapshot and diffs), read in the order given.

    ``policy`` is the loader's (e.g. ``REPAIR`` drops repeated rows).

    Raises
    ------
    BookIntegrityError
        Under ``on_gap=RAISE``, a diff that breaks Binance's update-id rules (the message
        names the file, row, ids and rule).
    """
    return _build(paths, BinanceDepthLoader(), instrument, "binance", on_gap, policy)


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
    return _build([path], BybitOrderbookLoader(), instrument, "bybit", on_gap, policy)


def tardis_l2(path: str | Path, instrument: Instrument, *,
              on_gap: OnError = OnError.RAISE, policy: OrderPolicy = STRICT) -> BuiltDeltas:
    """Build L2 deltas from a Tardis ``incremental_book_L2`` CSV (no venue sequence).

    Rows before the first snapshot cannot be placed on a book: an error under RAISE,
    dropped (and logged) under RESYNC.
    """
    return _build([path], TardisL2Loader(), instrument, "tardis", on_gap, policy)
