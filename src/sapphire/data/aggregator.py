"""Incremental bar aggregation: one tick at a time, for backtests and live trading.

:class:`BarAggregator` builds exactly the bars :func:`~sapphire.data.aggregation.aggregate_bars`
builds from the same ticks (same rules, same half-tick ``mid`` prices, same volume), except
that it cannot know a bar is complete until something tells it:

* A time bar completes when a tick arrives in a later interval, when :meth:`BarAggregator.on_time`
  is called with a time at or past its close (a live timer), or on :meth:`BarAggregator.flush`.
* A tick, volume or value bar completes on the tick that reaches its threshold; the last,
  incomplete bar is emitted by :meth:`BarAggregator.flush` (the vectorised function returns
  it as its last row).
"""

from __future__ import annotations

from dataclasses import dataclass

from sapphire.core.enums import BarUnit, PriceType
from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.data.aggregation import bar_threshold
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import Instrument


@dataclass(frozen=True, slots=True)
class Bar:
    """One completed bar: close or last-tick time (int64 UTC ns), prices and volume (int64).

    Prices are in ticks, or half-ticks for ``mid`` bars (see
    :func:`~sapphire.data.aggregation.bar_price_scale`); volume is in lots.
    """

    ts_event: int
    open: int
    high: int
    low: int
    close: int
    volume: int


class BarAggregator:
    """Build bars of ``spec`` for ``instrument`` from trades or quotes, one tick at a time.

    Feed trades with :meth:`update_trade` (``last`` bars) or quotes with :meth:`update_quote`
    (``bid``, ``ask``, ``mid`` bars); each returns the bars the tick completed (usually none
    or one). Ticks must come in non-decreasing time.

    Parameters
    ----------
    spec
        What bars to build.
    instrument
        Gives the size increment (volume bars) and the value of a tick (value bars).
    """

    def __init__(self, spec: BarSpec, instrument: Instrument) -> None:
        self.spec = spec
        self.instrument = instrument
        self._step_ns = spec.step_ns if spec.unit.is_time else 0
        self._threshold = 0 if spec.unit.is_time else bar_threshold(spec, instrument)
        self._last_ts: int | None = None
        self._open = False
        self._bar_end = 0
        self._reached = 0
        self._o = self._h = self._l = self._c = self._v = 0

    def update_trade(self, ts: int, price_ticks: int, size_lots: int) -> list[Bar]:
        """Add a trade (time in ns, price in ticks, size in lots); return the bars it completed."""
        if self.spec.price_type is not PriceType.LAST:
            raise ConfigError(f"{self.spec.price_type} bars are built from quotes, not trades")
        return self._update(ts, price_ticks, size_lots)

    def update_quote(self, ts: int, bid: int, ask: int, bid_size: int, ask_size: int) -> list[Bar]:
        """Add a quote (time in ns, prices in ticks, sizes in lots); return the bars it completed.

        ``bid`` bars use the bid and its size, ``ask`` bars the ask and its size, ``mid`` bars
        ``bid + ask`` (half-ticks) and ``bid_size + ask_size``.
        """
        price_type = self.spec.price_type
        if price_type is PriceType.BID:
            return self._update(ts, bid, bid_size)
        if price_type is PriceType.ASK:
            return self._update(ts, ask, ask_size)
        if price_type is PriceType.MID:
            return self._update(ts, bid + ask, bid_size + ask_size)
        raise ConfigError("last bars are built from trades, not quotes")

    def on_time(self, ts: int) -> list[Bar]:
        """Close the current time bar if ``ts`` (ns) is at or past its close; return it.

        For live timers. A tick stamped before the close of a bar closed this way arrives
        too late and raises :class:`DataValidationError`, so drive the timer with the same
        clock as the ticks.
        """
        if not self.spec.unit.is_time:
            raise ConfigError(f"{self.spec.unit} bars close on ticks, not on time")
        if not self._open or ts < self._bar_end:
            return []
        self._last_ts = self._bar_end
        return [self._close(self._bar_end)]

    def flush(self) -> list[Bar]:
        """Emit the current bar even though incomplete (at the end of data); return it."""
        if not self._open:
            return []
        return [self._close(self._bar_end if self._step_ns else int(self._last_ts or 0))]

    def _update(self, ts: int, price: int, size: int) -> list[Bar]:
        if self._last_ts is not None and ts < self._last_ts:
            raise DataValidationError(
                f"timestamp goes backwards (previous was {self._last_ts}); bars need sorted ticks",
                column="ts_event", value=ts,
            )
        self._last_ts = ts
        completed = []
        if self._step_ns and self._open and ts >= self._bar_end:
            completed.append(self._close(self._bar_end))
        self._add(ts, price, size)
        if not self._step_ns and self._reached >= self._threshold:
            completed.append(self._close(ts))
        return completed

    def _add(self, ts: int, price: int, size: int) -> None:
        if not self._open:
            self._open = True
            self._o = self._h = self._l = price
            self._v = self._reached = 0
            if self._step_ns:
                self._bar_end = (ts // self._step_ns + 1) * self._step_ns
        self._h = max(self._h, price)
        self._l = min(self._l, price)
        self._c = price
        self._v += size
        unit = self.spec.unit
        self._reached += 1 if unit is BarUnit.TICK else size if unit is BarUnit.VOLUME else (
            price * size)

    def _close(self, ts: int) -> Bar:
        self._open = False
        return Bar(ts, self._o, self._h, self._l, self._c, self._v)
