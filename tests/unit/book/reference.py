"""An independent reference L2 book built from plain dicts, for parity tests.

It follows the rules stated in :mod:`sapphire.book.integrity` in the plainest way:
no arrays, no shared code with the kernels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BUY, SELL = 1, 2
ADD, UPDATE, DELETE, CLEAR = 1, 2, 3, 4
SNAPSHOT, LAST = 1, 2


@dataclass
class RefBook:
    """Bids and asks as {price: size}; ``fault`` names the first rule broken (then it stops)."""

    sequence: str = "increasing"  # none | increasing | contiguous
    levels: str = "strict"  # strict | upsert | set
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    synced: bool = False
    in_snapshot: bool = False
    in_message: bool = False
    last_seq: int = 0
    fault: str | None = None

    def apply(self, side: int, action: int, price: int, size: int, seq: int, flags: int) -> None:
        is_snap = bool(flags & SNAPSHOT)
        starts = is_snap and (not self.in_snapshot or action == CLEAR)
        if not is_snap and not self.synced and not self.in_snapshot:
            return self._fail("NOT_SYNCED")
        if not starts and self.sequence != "none":
            if seq < self.last_seq:
                return self._fail("SEQUENCE_BACKWARDS")
            if not self.in_message and seq == self.last_seq:
                return self._fail("SEQUENCE_DUPLICATE")
            if self.sequence == "contiguous":
                if not self.in_message and seq != self.last_seq + 1:
                    return self._fail("SEQUENCE_GAP")
                if self.in_message and seq > self.last_seq + 1:
                    return self._fail("SEQUENCE_GAP")
        if action == CLEAR:
            self.bids, self.asks = {}, {}
        elif action in (ADD, UPDATE, DELETE):
            if side not in (BUY, SELL):
                return self._fail("BAD_SIDE")
            if size < 0:
                return self._fail("NEGATIVE_SIZE")
            if action != DELETE and size == 0:
                return self._fail("ZERO_SIZE")
            if starts:
                self.bids, self.asks = {}, {}
            book = self.bids if side == BUY else self.asks
            if action == DELETE:
                if price in book:
                    del book[price]
                elif self.levels != "set":
                    return self._fail("MISSING_LEVEL")
            elif price in book:
                if action == ADD and self.levels == "strict":
                    return self._fail("EXISTING_LEVEL")
                book[price] = size
            elif action == UPDATE and self.levels == "strict":
                return self._fail("MISSING_LEVEL")
            else:
                book[price] = size
        else:
            return self._fail("BAD_ACTION")
        self.last_seq = seq
        self.in_snapshot = is_snap
        self.in_message = not flags & LAST
        if flags & LAST:
            if self.bids and self.asks and max(self.bids) >= min(self.asks):
                return self._fail("CROSSED")
            if is_snap:
                self.synced = True
        return None

    def _fail(self, fault: str) -> None:
        self.fault = fault
        self.synced = False
        self.in_message = self.in_snapshot = False

    def sides(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Return (bids best first, asks best first) as (price, size) pairs."""
        return (sorted(self.bids.items(), reverse=True), sorted(self.asks.items()))


def book_sides(book) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return an L2Book's (bids, asks) best first as (price, size) pairs."""
    out = []
    for side in (BUY, SELL):
        prices, sizes = book.depth(side)
        out.append(list(zip(prices.tolist(), sizes.tolist(), strict=True)))
    return out[0], out[1]


def rows_of(table) -> list[tuple[int, int, int, int, int, int, int]]:
    """Return (side, action, price, size, sequence, flags, ts_event) rows of a delta table."""
    names = ("side", "action", "price", "size", "sequence", "flags", "ts_event")
    columns = [table.column(name).to_pylist() for name in names]
    return list(zip(*columns, strict=True))
