"""Where the venue's resting orders stand in the book's queues, as an array the kernels share.

One row per resting limit order of one instrument (rows ``1..count``; row 0 holds the
count), so the book kernels can tell in a short loop whether a market event reaches one
of them. The columns:

* ``Q_SIDE``, ``Q_PRICE``: the book side the order rests on (1 bid, 2 ask) and its price;
* ``Q_LEAVES``: lots still to fill;
* ``Q_AHEAD``: lots ahead of it in its level's queue (L2: the conservative estimate; L3:
  the book's own FIFO count, refreshed when a trade reaches the level);
* ``Q_TRADED``: lots traded at its level since the level's size last changed (L2 only:
  a later size decrease that only reflects those trades is not taken for cancels);
* ``Q_FILL``: lots the kernel decided to fill, waiting for the venue to book them;
* ``Q_OID``: the order's id in an L3 book (it rests there as a real order), else 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sapphire.model.orders import Order

Q_SIDE, Q_PRICE, Q_LEAVES, Q_AHEAD, Q_TRADED, Q_FILL, Q_OID = range(7)
COLUMNS = 7
COUNT = 0  # row 0, column COUNT: live rows


class QueueTable:
    """The resting orders of one instrument and their queue positions."""

    def __init__(self, capacity: int = 16) -> None:
        self.array = np.zeros((capacity + 1, COLUMNS), dtype=np.int64)
        self._rows: dict[str, int] = {}
        self._orders: list[Order | None] = [None] * (capacity + 1)

    def __len__(self) -> int:
        return int(self.array[0, COUNT])

    def __contains__(self, order: Order) -> bool:
        return order.order_id in self._rows

    def row(self, order: Order) -> int:
        """The row of ``order`` (KeyError when it is not resting here)."""
        return self._rows[order.order_id]

    def add(self, order: Order, side: int, price: int, ahead: int, oid: int = 0) -> int:
        """Put ``order`` at the back of the table; return its row."""
        n = len(self)
        if n + 1 >= self.array.shape[0]:
            self._grow()
        row = n + 1
        self.array[row] = (side, price, order.leaves, ahead, 0, 0, oid)
        self.array[0, COUNT] = row
        self._rows[order.order_id] = row
        self._orders[row] = order
        return row

    def remove(self, order: Order) -> None:
        """Drop ``order``'s row (the last row moves into its place)."""
        row = self._rows.pop(order.order_id)
        last = len(self)
        if row != last:
            moved = self._orders[last]
            assert moved is not None
            self.array[row] = self.array[last]
            self._orders[row] = moved
            self._rows[moved.order_id] = row
        self._orders[last] = None
        self.array[last] = 0
        self.array[0, COUNT] = last - 1

    def take_fill(self, row: int) -> int:
        """The lots the kernel decided to fill for ``row``, cleared."""
        lots = int(self.array[row, Q_FILL])
        self.array[row, Q_FILL] = 0
        return lots

    def _grow(self) -> None:
        bigger = np.zeros((2 * self.array.shape[0], COLUMNS), dtype=np.int64)
        bigger[: self.array.shape[0]] = self.array
        self.array = bigger
        self._orders.extend([None] * (bigger.shape[0] - len(self._orders)))
