"""Clocks: simulated time that the backtest moves, or the wall clock when live.

Work scheduled for a time runs when the clock reaches it, before any market data stamped
with the same time, in the order it was scheduled (a heap keyed by time and sequence), so
a run is deterministic.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

from sapphire.core.errors import ConfigError

Callback = Callable[[], None]


class SimulatedClock:
    """Time in ns that only moves when the engine moves it."""

    def __init__(self, start_ns: int = 0) -> None:
        #: the current time (ns UTC); the replay loop moves it forward by assignment
        self.time_ns = start_ns
        #: scheduled work as a heap of (time, sequence, callback); read it, never change it
        self.pending: list[tuple[int, int, Callback]] = []
        self._sequence = 0

    def now(self) -> int:
        """The current time, ns UTC."""
        return self.time_ns

    def set_time(self, ts: int) -> None:
        if ts > self.time_ns:
            self.time_ns = ts

    def schedule(self, ts: int, callback: Callback) -> None:
        """Run ``callback`` when the clock reaches ``ts`` (now, if ``ts`` is in the past)."""
        self._sequence += 1
        heapq.heappush(self.pending, (max(ts, self.time_ns), self._sequence, callback))

    def run_due(self, ts: int) -> None:
        """Run, in order, everything scheduled up to and including ``ts``."""
        queue = self.pending
        while queue and queue[0][0] <= ts:
            when, _, callback = heapq.heappop(queue)
            self.set_time(when)
            callback()

    def set_timer(self, interval_ns: int, callback: Callback, *, start_ns: int | None = None,
                  stop_ns: int | None = None) -> None:
        """Call ``callback`` every ``interval_ns`` from ``start_ns`` (default: now + interval)."""
        if interval_ns <= 0:
            raise ConfigError(f"timer interval must be positive ns, was {interval_ns}")
        first = self.time_ns + interval_ns if start_ns is None else start_ns

        def fire(at: int = first) -> None:
            callback()
            following = at + interval_ns
            if stop_ns is None or following <= stop_ns:
                self.schedule(following, lambda: fire(following))

        self.schedule(first, fire)


class WallClock(SimulatedClock):
    """The real time; scheduling is for the live node's event loop (later)."""

    def now(self) -> int:
        return time.time_ns()
