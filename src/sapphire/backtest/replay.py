"""The replay loop of a backtest: compiled scanning, and Python for the events that need it.

:func:`~sapphire.backtest.replay_nb.scan_nb` runs through the merged timeline and returns
at the first event Python must handle (subscribed, could trigger or fill a working order,
or scheduled work is due). Runs of subscribed events are then handled in one inner loop,
each through its stream's :mod:`~sapphire.backtest.feeds` feed. Book streams are replayed
by their :class:`~sapphire.backtest.book_feed.BookFeed`, a run of events per call.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from sapphire.backtest.feeds import BarFeed, QuoteFeed, TradeFeed
from sapphire.backtest.kinds import BAR, QUOTE, TRADE
from sapphire.sim.market_state import MarketState

if TYPE_CHECKING:
    from sapphire.backtest.book_feed import BookFeed
    from sapphire.backtest.streams import Stream, Timeline
    from sapphire.engine.clock import SimulatedClock
    from sapphire.engine.kernel import Kernel
    from sapphire.sim.venue import SimulatedVenue


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during the replay.

    The loop allocates an object per delivered event and none of them form cycles (they
    are freed by reference counting), yet each allocation burst triggers collections that
    walk every live object: measured at about 10 % of a bar-driven run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prepare_kernel() -> None:
    """Import numba and load the compiled replay kernel now, while setting up, so that the
    first run does not pay for it (the kernel is cached on disk after its first compile)."""
    from sapphire.backtest.replay_nb import scan_nb

    empty = np.zeros(0, dtype=np.int64)
    scan_nb(0, 0, empty, empty.astype(np.int32), empty, np.zeros((1, 4), dtype=np.int64),
            np.zeros((4, 0), dtype=np.int64), MarketState(1).table)


class Replay:
    """The replay loop: compiled scanning between the events Python must handle."""

    def __init__(self, kernel: Kernel, clock: SimulatedClock, market: MarketState,
                 streams: list[Stream], timeline: Timeline,
                 venue_of: Callable[[Stream], SimulatedVenue],
                 book_feeds: dict[int, BookFeed] | None = None) -> None:
        self.kernel = kernel
        self.clock = clock
        self.market = market
        self.streams = streams
        self.timeline = timeline
        self.venues = [venue_of(stream) for stream in streams]
        self.book_feeds = book_feeds or {}
        books = self.book_feeds
        stream_table = np.array([[s.kind, s.instrument_index, s.matching,
                                  bool(s.subscribers) or i in books]
                                 for i, s in enumerate(streams)], dtype=np.int64).reshape(-1, 4)
        self.scan_args = (timeline.ts, timeline.stream, timeline.row, stream_table,
                          np.stack(timeline.columns), market.table)
        #: per stream: 0 compiled only, 1 each event to Python, 2 a book (runs of events)
        self.python = [2 if i in books else int(bool(s.subscribers))
                       for i, s in enumerate(streams)]
        kinds = {QUOTE: QuoteFeed, TRADE: TradeFeed, BAR: BarFeed}
        self.feeds = [kinds[s.kind](s, kernel, market, self.venues[i])
                      for i, s in enumerate(streams) if i not in books]

    def run(self) -> None:
        from sapphire.backtest.replay_nb import scan_nb

        timeline, clock, python = self.timeline, self.clock, self.python
        feeds = iter(self.feeds)
        handlers = [_no_handler if python[i] == 2 else next(feeds).handle
                    for i in range(len(self.streams))]
        books = self.book_feeds
        kernel = self.kernel
        timed = kernel.metrics.enabled
        n = len(timeline)
        args = self.scan_args
        window = 1 << 16
        w_lo = w_hi = 0
        ts_l: list[int] = []
        stream_l: list[int] = []
        row_l: list[int] = []
        pending = clock.pending
        never = 2**63 - 1
        i = 0
        while i < n:
            if not w_lo <= i < w_hi:
                w_lo, w_hi = i, min(i + window, n)
                ts_l = timeline.ts[w_lo:w_hi].tolist()
                stream_l = timeline.stream[w_lo:w_hi].tolist()
                row_l = timeline.local_row[w_lo:w_hi].tolist()
            j = i - w_lo
            due = pending[0][0] if pending else never
            if python[stream_l[j]] == 2 and ts_l[j] < due:
                i = books[stream_l[j]].run(i)
                continue
            if not (python[stream_l[j]] and ts_l[j] < due):
                i = scan_nb(i, due, *args)
                if i >= n:
                    break
                if not w_lo <= i < w_hi:
                    continue  # reload the window, then handle event i
                j = i - w_lo
                ts = ts_l[j]
                if ts >= due:
                    clock.run_due(ts)
                clock.set_time(ts)
                if python[stream_l[j]] == 2:
                    i = books[stream_l[j]].run(i)
                    continue
                if timed:
                    kernel.event_t0 = perf_counter_ns()
                handlers[stream_l[j]](row_l[j], ts)
                j += 1
            # the common case when strategies take every event: a run of Python events
            # with nothing scheduled before them, handled without leaving this loop
            limit = w_hi - w_lo
            while j < limit:
                stream = stream_l[j]
                ts = ts_l[j]
                if python[stream] != 1 or ts >= (pending[0][0] if pending else never):
                    break
                clock.time_ns = ts
                if timed:
                    kernel.event_t0 = perf_counter_ns()
                handlers[stream](row_l[j], ts)
                j += 1
            i = w_lo + j


def _no_handler(row: int, ts: int) -> None:
    """Book streams are replayed by their BookFeed, never one event at a time."""
    raise AssertionError("a book event reached the per-event handlers")
