"""Market data as Python objects, made only for what a strategy subscribed to.

The engine keeps market data in columns; these small objects are built at the moment a
strategy's handler is called. Prices are floats in the instrument's units for reading and
arithmetic; the exact int64 ticks and lots are there too (``*_ticks``, ``*_lots``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sapphire.core.identifiers import InstrumentId
    from sapphire.data.bar_type import BarType


class Quote:
    """Best bid and ask at ``ts_event`` (ns UTC)."""

    __slots__ = (
        "ask",
        "ask_size",
        "ask_ticks",
        "bid",
        "bid_size",
        "bid_ticks",
        "instrument_id",
        "ts_event",
    )

    def __init__(self, instrument_id: InstrumentId, ts_event: int, bid: float, ask: float,
                 bid_size: float, ask_size: float, bid_ticks: int, ask_ticks: int) -> None:
        self.instrument_id = instrument_id
        self.ts_event = ts_event
        self.bid = bid
        self.ask = ask
        self.bid_size = bid_size
        self.ask_size = ask_size
        self.bid_ticks = bid_ticks
        self.ask_ticks = ask_ticks

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2

    def __repr__(self) -> str:
        return (f"Quote({self.instrument_id} {self.bid_size}@{self.bid} / "
                f"{self.ask_size}@{self.ask} ts={self.ts_event})")


class Trade:
    """A trade printed at ``ts_event``; ``aggressor`` is +1 buy, -1 sell, 0 unknown."""

    __slots__ = (
        "aggressor",
        "instrument_id",
        "price",
        "price_ticks",
        "size",
        "size_lots",
        "ts_event",
    )

    def __init__(self, instrument_id: InstrumentId, ts_event: int, price: float, size: float,
                 aggressor: int, price_ticks: int, size_lots: int) -> None:
        self.instrument_id = instrument_id
        self.ts_event = ts_event
        self.price = price
        self.size = size
        self.aggressor = aggressor
        self.price_ticks = price_ticks
        self.size_lots = size_lots

    def __repr__(self) -> str:
        return f"Trade({self.instrument_id} {self.size}@{self.price} ts={self.ts_event})"


class Bar:
    """A bar of ``bar_type`` that closed at ``ts_event`` (ns UTC)."""

    __slots__ = ("bar_type", "close", "high", "low", "open", "ts_event", "volume")

    def __init__(self, bar_type: BarType, ts_event: int, open: float, high: float, low: float,
                 close: float, volume: float) -> None:
        self.bar_type = bar_type
        self.ts_event = ts_event
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume

    @property
    def instrument_id(self) -> InstrumentId:
        return self.bar_type.instrument_id

    def __repr__(self) -> str:
        return (f"Bar({self.bar_type} O={self.open} H={self.high} L={self.low} C={self.close} "
                f"V={self.volume} ts={self.ts_event})")
