"""Open orders as the risk engine counts them: totals and working lots per side.

Kept up to date from the order events on the kernel's bus, so a check costs a few dict
lookups however many orders the run has seen (the cache's ``open_orders`` walks them all).
An order is open from the event that takes it out of ``initialized`` until it closes,
the same definition as :meth:`sapphire.engine.cache.Cache.open_orders`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sapphire.model.orders import OrderStatus

if TYPE_CHECKING:
    from sapphire.model.orders import Order


class OpenOrders:
    """Counts of open orders and their unfilled lots by instrument and side."""

    __slots__ = ("_open", "_per_instrument", "_working")

    def __init__(self) -> None:
        self._open: dict[str, tuple[object, int, int]] = {}  # id -> (instrument, sign, leaves)
        self._working: dict[tuple[object, int], int] = {}
        self._per_instrument: dict[object, int] = {}

    def update(self, order: Order) -> None:
        """Re-count ``order`` after an event changed it."""
        old = self._open.pop(order.order_id, None)
        if old is not None:
            instrument_id, sign, leaves = old
            self._working[(instrument_id, sign)] -= leaves
            self._per_instrument[instrument_id] -= 1
        if order.is_closed or order.status == OrderStatus.INITIALIZED:
            return
        key = (order.instrument_id, order.sign)
        leaves = order.quantity - order.filled
        self._open[order.order_id] = (order.instrument_id, order.sign, leaves)
        self._working[key] = self._working.get(key, 0) + leaves
        self._per_instrument[order.instrument_id] = \
            self._per_instrument.get(order.instrument_id, 0) + 1

    @property
    def total(self) -> int:
        """Orders open over every instrument."""
        return len(self._open)

    def count(self, instrument_id: object) -> int:
        """Orders open in ``instrument_id``."""
        return self._per_instrument.get(instrument_id, 0)

    def working(self, instrument_id: object, sign: int, exclude: str | None = None) -> int:
        """Unfilled lots of open orders on one side (+1 buy, -1 sell) of ``instrument_id``,
        leaving out order ``exclude`` (the order being modified)."""
        lots = self._working.get((instrument_id, sign), 0)
        if exclude is not None:
            own = self._open.get(exclude)
            if own is not None and own[1] == sign:
                lots -= own[2]
        return lots

    def ids(self) -> list[str]:
        """Ids of the open orders, oldest first."""
        return list(self._open)
