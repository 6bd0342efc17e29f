"""Volume-weighted average price, updated one trade or bar at a time."""

from __future__ import annotations

import math

from sapphire.core.errors import ConfigError
from sapphire.strategy.indicators._checks import INF, bad_input, check_session

_NAN = math.nan


class VWAP:
    """Volume-weighted average price ``sum(price * volume) / sum(volume)`` over a session.

    Parameters
    ----------
    session_ns
        Session length in nanoseconds, or None (the default) for one session from
        construction (or :meth:`reset`) on. With a length, a new session starts at the
        first input whose ``(ts_ns - offset_ns) // session_ns`` differs from the
        previous input's: ``86_400_000_000_000`` restarts at each UTC midnight.
    offset_ns
        Start of the sessions relative to the epoch, in ns (e.g. 13.5 hours for a
        13:30 UTC open); only used with ``session_ns``.

    Notes
    -----
    ``value`` is NaN until the current session has seen a positive volume.
    ``initialized`` is true when ``value`` is a number. Prices must be finite (they may
    be negative) and volumes finite and ``>= 0``; timestamps (int64 ns UTC) must not go
    backwards when sessions are used. A rejected input leaves the state unchanged.
    """

    __slots__ = ("_count", "_last_ts", "_offset_ns", "_pv", "_session", "_session_ns",
                 "_volume", "name")

    def __init__(self, session_ns: int | None = None, offset_ns: int = 0) -> None:
        check_session(session_ns, offset_ns)
        self._session_ns = session_ns
        self._offset_ns = offset_ns
        self.name = "VWAP" if session_ns is None else f"VWAP(session_ns={session_ns})"
        self.reset()

    def reset(self) -> None:
        """Forget every input and start a new session."""
        self._count = 0
        self._pv = 0.0
        self._volume = 0.0
        self._session: int | None = None
        self._last_ts: int | None = None

    @property
    def session_ns(self) -> int | None:
        """Session length in ns, or None for a single session."""
        return self._session_ns

    @property
    def count(self) -> int:
        """Inputs accepted since construction or reset (across sessions)."""
        return self._count

    @property
    def initialized(self) -> bool:
        """True when the current session has seen a positive volume."""
        return self._volume > 0.0

    @property
    def volume(self) -> float:
        """Volume summed over the current session."""
        return self._volume

    @property
    def value(self) -> float:
        """The session's VWAP (price unit), NaN before any positive volume."""
        volume = self._volume
        return self._pv / volume if volume > 0.0 else _NAN

    def update(self, price: float, volume: float, ts_ns: int | None = None) -> None:
        """Add a trade (or a bar's typical price) of ``volume`` at ``price``, at ``ts_ns``."""
        if price - price != 0.0 or not 0.0 <= volume < INF:
            raise bad_input(self.name, self._count + 1,
                            "needs a finite price and a finite volume >= 0", (price, volume))
        if self._session_ns is not None:
            self._roll_session(ts_ns)
        self._pv += price * volume
        self._volume += volume
        self._count += 1

    def _roll_session(self, ts_ns: int | None) -> None:
        if ts_ns is None:
            raise ConfigError(f"{self.name} has sessions: update() needs ts_ns (int64 ns UTC)")
        last = self._last_ts
        if last is not None and ts_ns < last:
            raise bad_input(self.name, self._count + 1,
                            f"timestamp goes backwards from {last}", ts_ns)
        self._last_ts = ts_ns
        session = (ts_ns - self._offset_ns) // self._session_ns  # type: ignore[operator]
        if session != self._session:
            self._session = session
            self._pv = 0.0
            self._volume = 0.0
