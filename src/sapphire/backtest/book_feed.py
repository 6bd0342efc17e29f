"""Order-book data in a backtest: book streams and the feed that replays them.

An instrument with L2 deltas (and its trades, merged in) or L3 orders (market by order,
trades included) is replayed through a book: the kernels of
:mod:`~sapphire.sim.book_match_nb` apply a run of its events in compiled code, move the
venue's queues, and return only where Python is needed (a fill, a trigger, a strategy that
asked for the data). Strategies read the book itself from the cache
(``cache.book(instrument_id)``), receive top-of-book changes as quotes
(``subscribe_quotes``), its trades (``subscribe_trades``) and, if they ask, every book
event (``subscribe_book``: ``on_book(book)``).

With a feed latency (:attr:`~sapphire.sim.models.LatencyModel.feed_ns`), strategies see a
second book, replayed from the same events that much later: the venue matches on the book
as it is; the strategy acts on the book as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pyarrow as pa

from sapphire.backtest.feeds import deliver
from sapphire.backtest.kinds import L2_BOOK, L3_BOOK
from sapphire.backtest.streams import Stream, aggressor_sign, int64_column
from sapphire.book import l3_layout
from sapphire.book.integrity import L2BookConfig, LevelRule
from sapphire.book.l3_integrity import L3BookConfig
from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.model.market import Quote, Trade

if TYPE_CHECKING:
    from sapphire.backtest.streams import Timeline
    from sapphire.engine.kernel import Kernel
    from sapphire.model.instruments import Instrument
    from sapphire.sim.market_state import MarketState
    from sapphire.sim.venue import SimulatedVenue
    from sapphire.strategy.strategy import Strategy

_L2_COLUMNS = ("side", "action", "price", "size", "flags", "sequence")
_HANDLERS = {"quotes": "on_quote", "trades": "on_trade", "books": "on_book"}
_L3_COLUMNS = ("order_id", "side", "action", "price", "size", "flags", "sequence")


@dataclass(eq=False)
class BookStream(Stream):
    """A stream of book events: ``events`` holds one row per event column (see
    :mod:`~sapphire.sim.book_match_nb`), ``mids`` bid + ask after each event (0 until the
    book has both sides), written as the replay goes."""

    events: np.ndarray = field(default_factory=lambda: np.zeros((7, 0), np.int64))
    mids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    book_config: Any = None
    #: the stream the strategies see (a later copy under a feed latency), or None
    view_of: BookStream | None = None
    #: who hears of this stream's quotes (its touch), trades and books; ``subscribers``
    #: holds them all
    subscribers_by_kind: dict[str, list[Strategy]] = field(default_factory=dict)

    def subscribe(self, by_kind: dict[str, list[Strategy]]) -> None:
        """Set who hears of what (``quotes``, ``trades``, ``books``)."""
        self.subscribers_by_kind = by_kind
        self.subscribers = list(dict.fromkeys(s for group in by_kind.values() for s in group))

    def marks(self, rows: np.ndarray) -> np.ndarray:
        sums = self.mids[rows]
        values = self.instrument.price_step.from_units(sums) / 2.0
        return np.where(sums != 0, values, np.nan)

    def flat_columns(self) -> list[np.ndarray]:
        zeros = np.zeros(len(self), dtype=np.int64)
        return [zeros] * 4

    def delayed(self, delay_ns: int) -> BookStream:
        """A copy ``delay_ns`` later that replays into a book of its own."""
        return BookStream(self.kind, self.key, self.instrument, self.ts + delay_ns,
                          self.columns, events=self.events,
                          mids=np.zeros(len(self), np.int64), book_config=self.book_config,
                          view_of=self)


def l2_stream(instrument: Instrument, deltas: pa.Table, trades: Stream | None, *,
              name: str, config: L2BookConfig | None = None) -> BookStream:
    """Merge an instrument's L2 deltas and its trade stream (a trade comes after the deltas
    of its time)."""
    _require(deltas, ("ts_event", *_L2_COLUMNS), name)
    n = deltas.num_rows
    delta_rows = np.vstack([np.zeros(n, np.int64)]
                           + [int64_column(deltas, c) for c in _L2_COLUMNS])
    ts = int64_column(deltas, "ts_event")
    if trades is not None and len(trades):
        m = len(trades)
        trade_rows = np.vstack([np.ones(m, np.int64), trades.column("aggressor_side"),
                                np.zeros(m, np.int64), trades.column("price"),
                                trades.column("size"), np.zeros((2, m), np.int64)])
        ts_all = np.concatenate([ts, trades.ts])
        order = np.argsort(ts_all, kind="stable")  # stable: deltas first at equal times
        ts, events = ts_all[order], np.hstack([delta_rows, trade_rows])[:, order]
    else:
        events = delta_rows
    return _book_stream(L2_BOOK, instrument, ts, events, name,
                        config or L2BookConfig(levels=LevelRule.UPSERT))


def l3_stream(instrument: Instrument, orders: pa.Table, *, name: str,
              config: L3BookConfig | None = None) -> BookStream:
    """An instrument's market-by-order events (adds, modifies, cancels, fills, trades)."""
    _require(orders, ("ts_event", *_L3_COLUMNS), name)
    ids = orders.column("order_id").to_numpy().astype(np.uint64).view(np.int64)
    events = np.vstack([ids] + [int64_column(orders, c) for c in _L3_COLUMNS[1:]])
    config = config or L3BookConfig()
    if config.check_crossed:  # the venue's own orders rest in this book: see book_matching
        config = msgspec.structs.replace(config, check_crossed=False)
    return _book_stream(L3_BOOK, instrument, int64_column(orders, "ts_event"), events, name,
                        config)


def _book_stream(kind: int, instrument: Instrument, ts: np.ndarray, events: np.ndarray,
                 name: str, config: Any) -> BookStream:
    backwards = np.flatnonzero(np.diff(ts) < 0)
    if backwards.size:
        row = int(backwards[0]) + 1
        raise DataValidationError("timestamps go backwards", source=name, row=row + 1,
                                  column="ts_event", value=int(ts[row]))
    return BookStream(kind, instrument.id, instrument, ts, [], events=np.ascontiguousarray(events),
                      mids=np.zeros(ts.shape[0], np.int64), book_config=config)


def _require(table: pa.Table, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise SchemaError(f"{name}: missing columns {missing}")


def new_book(stream: BookStream) -> Any:
    """An empty book for ``stream`` (named after its instrument)."""
    if stream.kind == L2_BOOK:
        from sapphire.book.l2 import L2Book

        return L2Book(stream.book_config, name=str(stream.key))
    from sapphire.book.l3 import L3Book

    return L3Book(stream.book_config, name=str(stream.key))


class BookFeed:
    """Replays one book stream: a run of its events per kernel call (see the module doc)."""

    def __init__(self, stream: BookStream, sid: int, kernel: Kernel, market: MarketState,
                 venue: SimulatedVenue, timeline: Timeline, book: Any,
                 matcher: Any | None) -> None:
        from sapphire.sim import book_match_nb as nbk
        from sapphire.sim.queue_table import QueueTable

        self.stream = stream
        self.sid = sid
        self.kernel = kernel
        self.market = market
        self.venue = venue
        self.timeline = timeline
        self.book = book
        self.k = stream.instrument_index
        self.matcher = matcher
        self.queue = matcher.queue if matcher is not None else QueueTable(0)
        self.touch = np.zeros(5, dtype=np.int64)
        by_kind = stream.subscribers_by_kind
        self.handlers = {kind: [(s, getattr(s, name)) for s in by_kind.get(kind, [])]
                         for kind, name in _HANDLERS.items()}
        self.working = venue.working_list(self.k)
        self._nb = nbk
        self._run = nbk.l2_run_nb if stream.kind == L2_BOOK else nbk.l3_run_nb
        self.wants = ((nbk.W_MATCH if matcher is not None else 0)
                      | (nbk.W_TOUCH if self.handlers["quotes"] else 0)
                      | (nbk.W_TRADES if self.handlers["trades"] else 0)
                      | (nbk.W_EVERY if self.handlers["books"] else 0))
        self.price_step = stream.instrument.price_step
        self.size_step = stream.instrument.size_step

    def run(self, i: int) -> int:
        """Replay from timeline index ``i``; return the first index it did not consume."""
        nbk = self._nb
        clock = self.kernel.clock
        pending = clock.pending
        tl = self.timeline
        stream = self.stream
        while True:
            due = pending[0][0] if pending else 2**63 - 1
            i, reason, code = self._run(i, due, tl.ts, tl.stream, tl.local_row, self.sid,
                                        stream.events, self.book._state, self.queue.array,
                                        self.touch, self.market.table, self.k, self.wants,
                                        stream.mids)
            if reason == 0:
                return i
            ts = int(tl.ts[i])
            clock.set_time(ts)
            row = int(tl.local_row[i])
            if reason & nbk.R_BOOK:
                self.book._handle(int(code), row)
                if code == l3_layout.NEED_CAPACITY:  # grown, not applied: run it again
                    continue
            if reason & (nbk.R_FILL | nbk.R_THRESHOLD) and self.working:
                self.venue.on_point(self.k)
            if reason & nbk.R_TOUCH:
                deliver(self.kernel, self.handlers["quotes"], "on_quote", self._quote(ts))
            if reason & nbk.R_TRADE:
                deliver(self.kernel, self.handlers["trades"], "on_trade", self._trade(row, ts))
            if reason & nbk.R_EVERY:
                deliver(self.kernel, self.handlers["books"], "on_book", self.book)
            i += 1

    def _quote(self, ts: int) -> Quote:
        bid, ask, bid_lots, ask_lots = (int(v) for v in self.touch[:4])
        price, size = self.price_step, self.size_step
        quote = Quote(self.stream.key, ts, float(price.from_units(bid)),  # type: ignore[arg-type]
                      float(price.from_units(ask)), float(size.from_units(bid_lots)),
                      float(size.from_units(ask_lots)), bid, ask)
        self.kernel.cache.quotes[self.stream.key] = quote  # type: ignore[index]
        return quote

    def _trade(self, row: int, ts: int) -> Trade:
        events = self.stream.events  # side, price and size rows are the same in L2 and L3
        side, price, lots = events[1, row], events[3, row], events[4, row]
        trade = Trade(self.stream.key, ts, float(self.price_step.from_units(int(price))),  # type: ignore[arg-type]
                      float(self.size_step.from_units(int(lots))), aggressor_sign(int(side)),
                      int(price), int(lots))
        self.kernel.cache.trades[self.stream.key] = trade  # type: ignore[index]
        return trade
