"""Enumerations shared across the platform.

Values stored in market data columns are small integers (``int8``) so that the
arrays stay compact; their meaning is fixed here and must never change.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class DataType(StrEnum):
    """Kinds of market data stored in the catalog."""

    TRADES = "trades"
    QUOTES = "quotes"
    L2_DELTAS = "l2_deltas"
    L3_ORDERS = "l3_orders"
    BARS = "bars"


class InstrumentKind(StrEnum):
    """What an instrument is."""

    SPOT = "spot"
    PERPETUAL = "perpetual"
    FUTURE = "future"
    EQUITY = "equity"
    FX = "fx"


class Side(IntEnum):
    """Side of an order, a book level, or the aggressor of a trade (``NONE`` if unknown)."""

    NONE = 0
    BUY = 1
    SELL = 2


class BookAction(IntEnum):
    """Action of an L2 (market-by-price) delta."""

    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4


class OrderAction(IntEnum):
    """Action of an L3 (market-by-order) event."""

    ADD = 1
    MODIFY = 2
    CANCEL = 3
    FILL = 4
    TRADE = 5
    CLEAR = 6


class PriceType(StrEnum):
    """Which price a bar is built from."""

    BID = "bid"
    ASK = "ask"
    MID = "mid"
    LAST = "last"


class BarUnit(StrEnum):
    """What a bar's step counts: elapsed time, ticks, traded size or traded value."""

    SECOND = "s"
    MINUTE = "min"
    HOUR = "h"
    DAY = "d"
    TICK = "tick"
    VOLUME = "volume"
    VALUE = "value"

    @property
    def is_time(self) -> bool:
        return self in (BarUnit.SECOND, BarUnit.MINUTE, BarUnit.HOUR, BarUnit.DAY)


class BarSource(StrEnum):
    """Whether bars were aggregated by Sapphire or imported from a vendor."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class RecordFlag(IntEnum):
    """Bit flags of a book event (``flags`` column)."""

    SNAPSHOT = 1  # part of a snapshot rather than an incremental update
    LAST = 2  # last event of a venue message: the book is consistent after it
