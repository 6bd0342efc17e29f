"""A sliding-window rate limit over kernel time (simulated time in a backtest)."""

from __future__ import annotations

from collections import deque

from sapphire.core.errors import ConfigError


class SlidingWindow:
    """At most ``count`` events in any window of ``window_ns``.

    An event at ``t`` counts the events recorded in ``(t - window_ns, t]``: one recorded
    exactly ``window_ns`` earlier has left the window.

    Parameters
    ----------
    count
        Events allowed per window (>= 1).
    window_ns
        The window's length, ns (> 0).
    """

    __slots__ = ("_times", "count", "window_ns")

    def __init__(self, count: int, window_ns: int) -> None:
        if count < 1 or window_ns <= 0:
            raise ConfigError(f"rate limit needs count >= 1 and window > 0 ns, was "
                              f"{count}/{window_ns} ns")
        self.count = count
        self.window_ns = window_ns
        self._times: deque[int] = deque()

    def in_window(self, now: int) -> int:
        """Events recorded in ``(now - window_ns, now]`` (older ones are dropped)."""
        times = self._times
        edge = now - self.window_ns
        while times and times[0] <= edge:
            times.popleft()
        return len(times)

    def full(self, now: int) -> bool:
        """One more event at ``now`` would break the limit."""
        return self.in_window(now) >= self.count

    def record(self, now: int) -> None:
        """Count an event at ``now``."""
        self._times.append(now)

    def describe(self) -> str:
        """The limit as ``count/HH:MM:SS`` (or in ns when not whole seconds)."""
        seconds, rest = divmod(self.window_ns, 1_000_000_000)
        if rest:
            return f"{self.count}/{self.window_ns} ns"
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{self.count}/{hours:02d}:{minutes:02d}:{seconds:02d}"
