"""Order-book matching for the simulated venue: liquidity by level and queue positions.

A :class:`~sapphire.sim.venue.SimulatedVenue` instrument with book data gets a matcher.
The venue keeps deciding *when* an order acts (triggers, time in force, funds); the
matcher decides *how much at which prices*:

* an order that takes liquidity walks the other side of the book level by level, up to
  its limit price, each level a fill at that level's price (:meth:`BookMatcher.liquidity`);
* a resting limit order holds a place in its level's queue (:mod:`~sapphire.sim.queue_table`)
  that the replay kernels move (:mod:`~sapphire.sim.book_match_nb`: the conservative L2
  model, FIFO in an L3 book); it fills at its own price as a maker when trades reach it,
  or when the other side of the book comes to its price (then by the size offered there
  beyond the lots still ahead of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sapphire.core.enums import Side
from sapphire.sim.queue_table import Q_AHEAD, Q_LEAVES, Q_OID, Q_PRICE, Q_SIDE, QueueTable

if TYPE_CHECKING:
    from sapphire.book.l2 import L2Book
    from sapphire.book.l3 import L3Book
    from sapphire.model.orders import Order

_BID, _ASK = int(Side.BUY), int(Side.SELL)
_DEPTH = 64  # levels read per walk: deeper walks read again from where they stopped


class BookMatcher:
    """What a book-backed instrument of the venue matches against (see the module doc)."""

    #: "conservative" (L2) or "fifo" (L3)
    queue_model = ""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.queue = QueueTable()
        #: lots of the other side already matched by each resting order while the book
        #: stood at or through its price (so a crossed book that the data does not clear
        #: fills an order once, not at every event)
        self._crossed_used: dict[str, int] = {}

    # -- taking -------------------------------------------------------------------------------

    def liquidity(self, buy: bool, limit: int | None) -> list[tuple[int, int]]:
        """Levels an order can take, best first: (price ticks, lots), within ``limit``."""
        levels: list[tuple[int, int]] = []
        for price, lots in self._levels(_ASK if buy else _BID):
            if limit is not None and (price > limit if buy else price < limit):
                break
            levels.append((price, lots))
        return levels

    def consume(self, buy: bool, price: int, lots: int) -> None:
        """An aggressive fill took ``lots`` at ``price`` of the other side."""

    def _levels(self, side: int) -> list[tuple[int, int]]:
        raise NotImplementedError

    def _best(self, side: int) -> int | None:
        """Best price of ``side`` in ticks (None when it is empty)."""
        raise NotImplementedError

    # -- resting ------------------------------------------------------------------------------

    def track(self, order: Order) -> None:
        """Make the queue table hold ``order`` as it is now (a new order joins the back of
        its level; a new price, or more lots, goes to the back again)."""
        queue = self.queue
        price = order.price
        assert price is not None
        side = _BID if order.side == Side.BUY else _ASK
        if order in queue:
            row = queue.row(order)
            table = queue.array
            if table[row, Q_PRICE] == price and order.leaves <= table[row, Q_LEAVES]:
                table[row, Q_LEAVES] = order.leaves  # fewer lots keep the place
                self._place(order, row, side, price)
                return
            self.untrack(order)
        row = queue.add(order, side, price, self._displayed(side, price), self._oid(order))
        self._place(order, row, side, price)

    def untrack(self, order: Order) -> None:
        if order in self.queue:
            self._unplace(self.queue.row(order))
            self.queue.remove(order)
            self._crossed_used.pop(order.order_id, None)

    def resting_fill(self, order: Order) -> int:
        """Lots ``order`` fills at its price now: what trades reached, plus what the other
        side offers at or through its price beyond the lots ahead of it."""
        if order not in self.queue:
            self.track(order)
        queue = self.queue
        row = queue.row(order)
        lots = queue.take_fill(row)
        buy = order.side == Side.BUY
        price = order.price
        assert price is not None  # only limit orders rest
        best = self._best(_ASK if buy else _BID)
        reached = best is not None and (best <= price if buy else best >= price)
        offered = sum(size for _, size in self.liquidity(buy, price)) if reached else 0
        if offered:
            table = queue.array
            ahead = self._ahead(row)
            used = self._crossed_used.get(order.order_id, 0)
            extra = max(0, offered - ahead - used)
            table[row, Q_AHEAD] = max(0, ahead - offered)
            self._crossed_used[order.order_id] = used + extra
            lots += extra
        else:
            self._crossed_used.pop(order.order_id, None)
        return min(lots, order.leaves)

    def _displayed(self, side: int, price: int) -> int:
        return int(self.book.size_at(side, price))

    def _ahead(self, row: int) -> int:
        return int(self.queue.array[row, Q_AHEAD])

    def _oid(self, order: Order) -> int:
        return 0

    def _place(self, order: Order, row: int, side: int, price: int) -> None:
        """The book side of a resting order (L3: it rests in the book)."""

    def _unplace(self, row: int) -> None:
        """Take a resting order out of the book (L3)."""


class L2BookMatcher(BookMatcher):
    """Matching on an L2 book with the conservative queue model."""

    queue_model = "conservative"

    def __init__(self, book: L2Book) -> None:
        super().__init__(book)
        self._keys = np.zeros(_DEPTH, dtype=np.int64)
        self._sizes = np.zeros(_DEPTH, dtype=np.int64)

    def _levels(self, side: int) -> list[tuple[int, int]]:
        from sapphire.book import l2_nb

        s = side - _BID
        count = l2_nb.levels_nb(self.book._state, s, self._keys, self._sizes)
        sign = 1 if side == _BID else -1
        return [(sign * int(k), int(v)) for k, v in zip(self._keys[:count],
                                                         self._sizes[:count], strict=True)]

    def _best(self, side: int) -> int | None:
        return self.book.best_bid_price() if side == _BID else self.book.best_ask_price()

    def _displayed(self, side: int, price: int) -> int:
        """The level's size and our own orders already resting there (they are ahead too:
        the book's data does not show them)."""
        table = self.queue.array
        ours = sum(int(table[q, Q_LEAVES]) for q in range(1, len(self.queue) + 1)
                   if table[q, Q_SIDE] == side and table[q, Q_PRICE] == price)
        return int(self.book.size_at(side, price)) + ours

    def consume(self, buy: bool, price: int, lots: int) -> None:
        from sapphire.sim.book_match_nb import l2_consume_nb

        l2_consume_nb(self.book._state, _ASK if buy else _BID, price, lots)


class L3BookMatcher(BookMatcher):
    """Matching on an L3 book: the venue's orders rest in it as real orders (FIFO).

    They carry negative order ids (venue ids are 0 to 2**63 - 1 as int64, or wrap to
    negative above; Databento's are far below), so they never meet the data's.
    """

    queue_model = "fifo"

    def __init__(self, book: L3Book) -> None:
        super().__init__(book)
        self._next_oid = -1

    def _levels(self, side: int) -> list[tuple[int, int]]:
        from sapphire.book import l3_nb

        rows = l3_nb.depth_nb(self.book._state, side, _DEPTH)
        return [(int(price), int(lots)) for price, lots, _ in rows]

    def _best(self, side: int) -> int | None:
        from sapphire.book import l3_nb

        price, lots, _ = l3_nb.best_nb(self.book._state, side)
        return int(price) if lots > 0 else None

    def _oid(self, order: Order) -> int:
        self._next_oid -= 1
        return self._next_oid

    def _ahead(self, row: int) -> int:
        from sapphire.book import l3_nb

        table = self.queue.array
        found, lots, _ = l3_nb.queue_nb(self.book._state, int(table[row, Q_OID]))
        if found:
            return int(lots)
        # a CLEAR (a new snapshot) took our order out: behind everyone, as on arrival
        return int(l3_nb.size_at_nb(self.book._state, int(table[row, Q_SIDE]),
                                    int(table[row, Q_PRICE]))[0])

    def _displayed(self, side: int, price: int) -> int:
        return 0  # the book's queue says what is ahead (see _ahead)

    def _place(self, order: Order, row: int, side: int, price: int) -> None:
        self._rest(int(self.queue.array[row, Q_OID]), side, price, order.leaves)
        self.queue.array[row, Q_AHEAD] = self._ahead(row)

    def _unplace(self, row: int) -> None:
        table = self.queue.array
        self._rest(int(table[row, Q_OID]), int(table[row, Q_SIDE]), int(table[row, Q_PRICE]), 0)

    def _rest(self, oid: int, side: int, price: int, lots: int) -> None:
        from sapphire.book import l3_layout
        from sapphire.sim.book_match_nb import l3_phantom_nb

        while True:
            code = l3_phantom_nb(self.book._state, oid, side, price, lots)
            if code != l3_layout.NEED_CAPACITY:
                break
            self.book._handle(code, None)  # grows the book
        if code != l3_layout.OK:
            self.book._handle(code, None)
