"""An independent reference L3 book built from plain dicts and lists, for parity tests.

It follows the rules stated in :mod:`sapphire.book.l3` and :mod:`sapphire.book.l3_integrity`
in the plainest way: a dict of orders and, per side, a dict of price -> list of order
ids in priority order. No arrays, no code shared with the kernels.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

NONE, BUY, SELL = 0, 1, 2
ADD, MODIFY, CANCEL, FILL, TRADE, CLEAR = 1, 2, 3, 4, 5, 6
SNAPSHOT, LAST = 1, 2


@dataclass
class RefL3:
    """Orders as {id: [side, price, size]} and FIFO queues {side: {price: [ids]}}.

    ``fault`` names the first rule broken by the last event (None when it was fine).
    Under ``resync`` a fault empties the book and events are dropped until a snapshot
    or CLEAR; otherwise every event after a fault is NOT_SYNCED until one.
    """

    sequence: str = "non-decreasing"  # none | non-decreasing | contiguous
    fills: str = "reduce"  # reduce | report
    check_crossed: bool = True
    resync: bool = False
    orders: dict[int, list[int]] = field(default_factory=dict)
    queues: dict[int, dict[int, list[int]]] = field(default_factory=lambda: {BUY: {}, SELL: {}})
    prices: dict[int, list[int]] = field(default_factory=lambda: {BUY: [], SELL: []})  # sorted
    synced: bool = True
    resyncing: bool = False
    in_snapshot: bool = False
    in_message: bool = False
    have_seq: bool = False
    last_seq: int = 0
    fault: str | None = None
    dropped: int = 0
    last_trade: tuple[int, int, int] | None = None

    # -- events -----------------------------------------------------------------------------

    def apply(self, oid: int, side: int, action: int, price: int, size: int, seq: int,
              flags: int) -> str | None:
        self.fault = None
        snap = bool(flags & SNAPSHOT)
        if self.in_snapshot and not snap:  # a snapshot without a LAST row ends here
            self.in_snapshot = False
            self._resynced()
        starts = snap and (not self.in_snapshot or action == CLEAR)
        resets = starts or action == CLEAR
        if not self.synced and not self.in_snapshot and not resets:
            if self.resyncing:
                self.dropped += 1
                return None
            return self._fail("NOT_SYNCED")
        if not resets and self.have_seq and self.sequence != "none":
            if seq < self.last_seq:
                return self._fail("SEQUENCE_BACKWARDS")
            if self.sequence == "contiguous" and not snap:
                if not self.in_message and seq == self.last_seq:
                    return self._fail("SEQUENCE_DUPLICATE")
                if not self.in_message and seq != self.last_seq + 1:
                    return self._fail("SEQUENCE_GAP")
                if self.in_message and seq > self.last_seq + 1:
                    return self._fail("SEQUENCE_GAP")
        if resets:
            self._clear()
        fault = self._event(oid, side, action, price, size)
        if fault:
            return self._fail(fault)
        if action == CLEAR and not snap:
            self._resynced()
        self.last_seq, self.have_seq = seq, True
        self.in_snapshot = snap
        self.in_message = not flags & LAST
        if flags & LAST:
            if snap:
                self.in_snapshot = False
                self._resynced()
            bid, ask = self.best(BUY), self.best(SELL)
            if self.check_crossed and bid and ask and bid[0] >= ask[0]:
                return self._fail("CROSSED")
        return None

    def _event(self, oid: int, side: int, action: int, price: int, size: int) -> str | None:
        if action == ADD:
            if side not in (BUY, SELL):
                return "BAD_SIDE"
            if size <= 0:
                return "NEGATIVE_SIZE" if size < 0 else "ZERO_SIZE"
            if oid in self.orders:
                return "DUPLICATE_ORDER"
            self.orders[oid] = [side, price, size]
            self._enqueue(oid)
        elif action == MODIFY:
            if oid not in self.orders:
                return "UNKNOWN_ORDER"
            old_side, old_price, old_size = self.orders[oid]
            if old_side != side:
                return "SIDE_MISMATCH"
            if size <= 0:
                return "NEGATIVE_SIZE" if size < 0 else "ZERO_SIZE"
            if price != old_price or size > old_size:  # loses priority
                self._unqueue(oid)
                self.orders[oid] = [side, price, size]
                self._enqueue(oid)
            else:
                self.orders[oid][2] = size
        elif action == CANCEL or (action == FILL and self.fills == "reduce"):
            if oid not in self.orders:
                return "UNKNOWN_ORDER"
            old_side, old_price, old_size = self.orders[oid]
            if old_side != side:
                return "SIDE_MISMATCH"
            if action == CANCEL and old_price != price:
                return "PRICE_MISMATCH"
            if size <= 0:
                return "NEGATIVE_SIZE" if size < 0 else "ZERO_SIZE"
            if size > old_size:
                return "OVERSIZED"
            if size == old_size:
                self._unqueue(oid)
                del self.orders[oid]
            else:
                self.orders[oid][2] -= size
        elif action == FILL:
            if size <= 0:
                return "NEGATIVE_SIZE" if size < 0 else "ZERO_SIZE"
            if side != NONE:
                if oid not in self.orders:
                    return "UNKNOWN_ORDER"
                if self.orders[oid][0] != side:
                    return "SIDE_MISMATCH"
        elif action == TRADE:
            if side not in (NONE, BUY, SELL):
                return "BAD_SIDE"
            if size < 0:
                return "NEGATIVE_SIZE"
            self.last_trade = (price, size, side)
        elif action != CLEAR:
            return "BAD_ACTION"
        return None

    def _enqueue(self, oid: int) -> None:
        side, price, _ = self.orders[oid]
        if price not in self.queues[side]:
            self.queues[side][price] = []
            bisect.insort(self.prices[side], price)
        self.queues[side][price].append(oid)

    def _unqueue(self, oid: int) -> None:
        side, price, _ = self.orders[oid]
        queue = self.queues[side][price]
        queue.remove(oid)
        if not queue:
            del self.queues[side][price]
            self.prices[side].remove(price)

    def _clear(self) -> None:
        self.orders = {}
        self.queues = {BUY: {}, SELL: {}}
        self.prices = {BUY: [], SELL: []}

    def _resynced(self) -> None:
        if not self.synced:
            self.synced = True
            self.resyncing = False

    def _fail(self, fault: str) -> str:
        self.fault = fault
        self.synced = False
        self.in_message = False
        self.in_snapshot = False
        if self.resync:
            self.resyncing = True
            self._clear()
        return fault

    # -- views ------------------------------------------------------------------------------

    def best(self, side: int) -> tuple[int, int, int] | None:
        """Return (price, lots, orders) of the best level of ``side``."""
        prices = self.prices[side]
        if not prices:
            return None
        price = prices[-1] if side == BUY else prices[0]
        queue = self.queues[side][price]
        return price, sum(self.orders[o][2] for o in queue), len(queue)

    def depth(self, side: int, k: int) -> list[tuple[int, int, int]]:
        levels = self.queues[side]
        prices = self.prices[side][::-1][:k] if side == BUY else self.prices[side][:k]
        return [(p, sum(self.orders[o][2] for o in levels[p]), len(levels[p])) for p in prices]

    def book(self) -> list[tuple[int, int, int, int]]:
        """Return (side, price, id, size) of every order: bids then asks, best level first,
        first in line first."""
        rows = []
        for side in (BUY, SELL):
            for price in sorted(self.queues[side], reverse=side == BUY):
                rows += [(side, price, o, self.orders[o][2]) for o in self.queues[side][price]]
        return rows

    def queue_position(self, oid: int) -> tuple[int, int]:
        side, price, _ = self.orders[oid]
        queue = self.queues[side][price]
        ahead = queue[: queue.index(oid)]
        return sum(self.orders[o][2] for o in ahead), len(ahead)
