"""Market data streams of a backtest and their merge into one timeline.

A stream is one series (an instrument's quotes or trades, one bar type, or an
instrument's book events, see :mod:`~sapphire.backtest.book_feed`) as int64 columns.
Streams merge by timestamp; at equal timestamps bars come first (a bar stamped ``t``
closed before anything at ``t``, which belongs to the next bar), then quotes and book
events, then trades, then the order the streams were added, then row order. The merge is therefore
deterministic.

Python objects (:class:`~sapphire.model.market.Quote` and friends) are built only for
rows a strategy subscribed to, from lists converted a window of rows at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sapphire.backtest.kinds import BAR, L2_BOOK, L3_BOOK, QUOTE, TRADE
from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.model.market import Trade

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument
    from sapphire.strategy.strategy import Strategy

#: Columns a, b, c, d of each kind (see :mod:`sapphire.backtest.replay_nb`).
COLUMNS = {
    QUOTE: ("bid_price", "ask_price", "bid_size", "ask_size"),
    TRADE: ("price", "size", "aggressor_side", None),
    BAR: ("open", "high", "low", "close", "volume"),
}
_PRIORITY = {BAR: 0, QUOTE: 1, L2_BOOK: 1, L3_BOOK: 1, TRADE: 2}
_WINDOW = 65_536


@dataclass(eq=False)
class Stream:
    """One series of market data."""

    kind: int
    key: object  # InstrumentId for ticks, BarType for bars
    instrument: Instrument
    ts: np.ndarray
    columns: list[np.ndarray]
    price_scale: int = 1  # bars of mid prices are in half-ticks
    internal: bool = False
    matching: bool = False
    instrument_index: int = 0
    subscribers: list[Strategy] = field(default_factory=list)
    #: rows [lo, hi) are loaded as Python lists: ``lists`` (floats for strategies) and
    #: ``raw`` (the int64 columns as ints); read them after :meth:`window`
    lo: int = 0
    hi: int = 0
    lists: list[list] = field(default_factory=list)
    raw: list[list] = field(default_factory=list)

    @classmethod
    def from_table(cls, kind: int, key: object, instrument: Instrument, table: pa.Table, *,
                   name: str, price_scale: int = 1, internal: bool = False) -> Stream:
        """Take the int64 columns of a catalog-schema table; check its time order."""
        names = [column for column in COLUMNS[kind] if column is not None]
        missing = [column for column in ["ts_event", *names] if column not in table.column_names]
        if missing:
            raise SchemaError(f"{name}: missing columns {missing}")
        ts = int64_column(table, "ts_event")
        backwards = np.flatnonzero(np.diff(ts) < 0)
        if backwards.size:
            row = int(backwards[0]) + 2
            raise DataValidationError("timestamps go backwards", source=name, row=row,
                                      column="ts_event", value=int(ts[row - 1]))
        return cls(kind, key, instrument, ts, [int64_column(table, column) for column in names],
                   price_scale=price_scale, internal=internal)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @property
    def priority(self) -> int:
        return _PRIORITY[self.kind]

    def column(self, name: str) -> np.ndarray:
        """The int64 column ``name`` (one of :data:`COLUMNS` for this kind)."""
        names = [column for column in COLUMNS[self.kind] if column is not None]
        return self.columns[names.index(name)]

    def marks(self, rows: np.ndarray) -> np.ndarray:
        """The price of ``rows`` in the instrument's units: the mid of a quote, a trade's
        price, a bar's close (what positions are valued at)."""
        step = self.instrument.price_step
        if self.kind == QUOTE:
            bid, ask = self.columns[0][rows], self.columns[1][rows]
            return step.from_units(bid) + step.from_units(ask - bid) / 2.0
        if self.kind == BAR:
            return step.from_units(self.columns[3][rows]) / self.price_scale
        return step.from_units(self.columns[0][rows])

    def flat_columns(self) -> list[np.ndarray]:
        """The four kernel columns a, b, c, d (zeros where a kind has fewer)."""
        wanted = {QUOTE: (0, 1, 2, 3), TRADE: (0, 1, None, None), BAR: (0, 1, 2, 3)}[self.kind]
        zeros = np.zeros(len(self), dtype=np.int64)
        return [self.columns[i] if i is not None else zeros for i in wanted]

    # -- Python objects, a window of rows at a time -----------------------------------------

    def window(self, row: int) -> int:
        """Make sure ``row`` is loaded; return its index in the lists."""
        if not self.lo <= row < self.hi:
            self._load(row)
        return row - self.lo

    def _load(self, row: int) -> None:
        lo, hi = row, min(row + _WINDOW, len(self))
        price = self.instrument.price_step
        size = self.instrument.size_step
        ts = self.ts[lo:hi].tolist()
        cols = [column[lo:hi] for column in self.columns]
        if self.kind == QUOTE:
            lists = [ts, *(price.from_units(c).tolist() for c in cols[:2]),
                     *(size.from_units(c).tolist() for c in cols[2:]),
                     cols[0].tolist(), cols[1].tolist()]
        elif self.kind == TRADE:
            lists = [ts, price.from_units(cols[0]).tolist(), size.from_units(cols[1]).tolist(),
                     cols[2].tolist(), cols[0].tolist(), cols[1].tolist()]
        else:
            lists = [ts, *((price.from_units(c) / self.price_scale).tolist() for c in cols[:4]),
                     size.from_units(cols[4]).tolist()]
        self.lo, self.hi, self.lists = lo, hi, lists
        self.raw = [column.tolist() for column in cols]

    def touch(self, row: int) -> tuple[int, int, int, int]:
        """The kernel columns a, b, c, d of ``row`` as ints (quotes: bid, ask, bid lots, ask
        lots; trades: price, size; bars: open, high, low, close)."""
        j = self.window(row)
        raw = self.raw
        if self.kind == TRADE:
            return raw[0][j], raw[1][j], 0, 0
        return raw[0][j], raw[1][j], raw[2][j], raw[3][j]

    def trade(self, row: int) -> Trade:
        j = self.window(row)
        ts, price, size, side, ticks, lots = self.lists
        return Trade(self.key, ts[j], price[j], size[j], aggressor_sign(side[j]),  # type: ignore[arg-type]
                     ticks[j], lots[j])


@dataclass
class Timeline:
    """Every event of every stream, merged, with the streams' columns laid end to end."""

    ts: np.ndarray
    stream: np.ndarray  # int32 stream index
    row: np.ndarray  # int64 row in the flat columns
    local_row: np.ndarray  # int64 row within its stream
    base: np.ndarray  # int64 first flat row of each stream
    columns: list[np.ndarray]  # a, b, c, d over all streams

    def __len__(self) -> int:
        return int(self.ts.shape[0])


def merge(streams: list[Stream]) -> Timeline:
    """Merge ``streams`` into one deterministic timeline (see the module docstring)."""
    lengths = np.array([len(s) for s in streams], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    flat = [np.concatenate([s.flat_columns()[i] for s in streams]) if streams
            else np.zeros(0, np.int64) for i in range(4)]
    if not streams:
        empty = np.zeros(0, dtype=np.int64)
        return Timeline(empty, empty.astype(np.int32), empty, empty, base, flat)
    ts = np.concatenate([s.ts for s in streams])
    stream = np.repeat(np.arange(len(streams), dtype=np.int32), lengths)
    row = np.arange(ts.shape[0], dtype=np.int64)
    if len(streams) > 1:
        priority = np.repeat(np.array([s.priority for s in streams], dtype=np.int8), lengths)
        order = np.lexsort((row, stream, priority, ts))
        ts, stream, row = ts[order], stream[order], row[order]
    return Timeline(ts, stream, row, row - base[stream], base, flat)


def aggressor_sign(side: int) -> int:
    """A stored aggressor side (1 buy, 2 sell, else unknown) as +1, -1 or 0."""
    return (0, 1, -1)[side] if 0 <= side <= 2 else 0


def int64_column(table: pa.Table, name: str) -> np.ndarray:
    """Column ``name`` as contiguous int64 (it must hold integers)."""
    column = table.column(name)
    if not (pa.types.is_integer(column.type)):
        raise SchemaError(f"column {name!r} must hold integers (ticks, lots or ns), "
                          f"was {column.type}")
    return np.ascontiguousarray(column.to_numpy(), dtype=np.int64)
