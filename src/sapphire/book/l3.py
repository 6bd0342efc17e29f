"""The L3 (market-by-order) order book: a Python facade over the kernels of ``l3_nb``.

Prices are int64 ticks and sizes int64 lots; order ids are unsigned 64-bit integers.
Two ways in give identical books: :meth:`L3Book.apply` (one event, for live feeds; the
helpers :meth:`~L3Book.add`, :meth:`~L3Book.modify`, :meth:`~L3Book.cancel`,
:meth:`~L3Book.fill`, :meth:`~L3Book.trade`, :meth:`~L3Book.clear` build one) and
:meth:`L3Book.apply_batch` (columns of the catalog's ``l3_orders`` schema, for replay).
Every event is checked (see :mod:`sapphire.book.l3_integrity`).

Priority: each price level is a FIFO queue. An ADD joins the back. A MODIFY that
changes the price, or raises the size, sends the order to the back of its (new)
level; one that lowers the size, or changes nothing, keeps its place. This is CME
Globex's rule (an order modified to a new price or a larger quantity loses priority,
MDP3 market-by-order), which Databento's CME MBO data follows; most FIFO venues do
the same. CANCEL takes ``size`` lots off the order (all of it removes the order);
FILL does too, or only reports (see :class:`~sapphire.book.l3_integrity.FillMode`);
TRADE never changes the book (it reports the aggressor) and CLEAR empties it.

Typical use::

    book = L3Book(DATABENTO_MBO)
    book.apply_batch(catalog.query("l3_orders", "ESH4.GLBX"))
    book.best_bid_price(), book.queue_position(order_id)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sapphire.book import l3_integrity as integrity
from sapphire.book import l3_layout as L  # noqa: N812  (as the L2 book)
from sapphire.book.l3_integrity import L3BookConfig
from sapphire.book.queries import (
    INTEGER,
    BookQueries,
    FillEstimate,
    batch_columns,
    count_arg,
    integer_arg,
    require_integer,
    side_arg,
)
from sapphire.core.enums import OrderAction, RecordFlag, Side
from sapphire.core.errors import ConfigError, DataValidationError

_COLUMNS = {"order_id": np.uint64, "side": np.int8, "action": np.int8, "price": np.int64,
            "size": np.int64, "sequence": np.int64, "flags": np.uint8, "ts_event": np.int64}
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_LAST = int(RecordFlag.LAST)
_ADD, _MODIFY, _CANCEL, _FILL, _TRADE, _CLEAR = (int(a) for a in OrderAction)


@dataclass(frozen=True, slots=True)
class RestingOrder:
    """An order on the book: side, price in ticks, size in lots."""

    order_id: int
    side: Side
    price: int
    size: int


@dataclass(frozen=True, slots=True)
class QueuePosition:
    """Where an order stands in its level's FIFO queue.

    Attributes
    ----------
    lots_ahead
        Lots of the orders ahead of it at its price (filled before it).
    orders_ahead
        How many orders are ahead of it (0: first in line).
    """

    lots_ahead: int
    orders_ahead: int


@dataclass(frozen=True, slots=True)
class LastTrade:
    """The last TRADE event: price in ticks, size in lots, aggressor side, venue time (ns)."""

    price: int
    size: int
    aggressor: Side
    ts_event: int


class L3Book(BookQueries):
    """A market-by-order book over integer ticks and lots, checked event by event.

    Parameters
    ----------
    config
        Error policy, sequence rule, fill mode and crossed check (see
        :class:`~sapphire.book.l3_integrity.L3BookConfig`; ``DATABENTO_MBO`` for
        Databento's CME data).
    name
        Shown in log lines and errors (e.g. the instrument id).
    """

    def __init__(self, config: L3BookConfig | None = None, *, name: str = "L3Book") -> None:
        from sapphire.book import l3_nb  # numba is imported only when a book is built

        self.config = L3BookConfig() if config is None else config
        if not isinstance(self.config, L3BookConfig):
            raise ConfigError(f"config must be an L3BookConfig, was {type(config).__name__}")
        self.name = name
        self._nb: Any = l3_nb
        self._state = self.config.new_state()
        self._apply = _entry_point(l3_nb.apply_one_nb, self._state)

    # -- applying events ---------------------------------------------------------------------

    def apply(self, order_id: int, side: int, action: int, price: int, size: int,
              sequence: int = 0, flags: int = _LAST, ts_event: int = 0) -> None:
        """Apply one event (a message of its own unless ``flags`` lacks LAST).

        Parameters
        ----------
        order_id
            The venue's order id (0 to 2**64 - 1; TRADE and CLEAR may carry any).
        side
            :class:`~sapphire.core.enums.Side` of the order (of the aggressor for a TRADE).
        action
            :class:`~sapphire.core.enums.OrderAction`.
        price, size
            Order price in ticks; size in lots: an ADD's or a MODIFY's new size, the lots a
            CANCEL or FILL takes off, a TRADE's size.
        sequence
            The venue's sequence number (see ``L3SequenceCheck``).
        flags
            :class:`~sapphire.core.enums.RecordFlag` bits: SNAPSHOT for snapshot rows,
            LAST on the row that ends a message (the crossed check runs then).
        ts_event
            Venue time of the event (ns UTC).

        Raises
        ------
        OrderIntegrityError
            Under the RAISE policy, an event that fails a check (the message names its
            sequence, order id, side, price and the fault).
        DataValidationError
            An argument is not an integer, the order id is outside 0..2**64-1 or another
            argument outside -2**63..2**63-1.
        """
        try:
            code = self._apply(self._state, order_id, side, action, price, size, sequence,
                               flags, ts_event)
        except (TypeError, OverflowError):  # the kernel's arguments refuse non-integers
            _check_integers(order_id=order_id, side=side, action=action, price=price,
                            size=size, sequence=sequence, flags=flags, ts_event=ts_event)
            raise
        if code:
            self._handle(code, None)
            if code == L.NEED_CAPACITY:
                self.apply(order_id, side, action, price, size, sequence, flags, ts_event)

    def add(self, order_id: int, side: int, price: int, size: int, *, sequence: int = 0,
            flags: int = _LAST, ts_event: int = 0) -> None:
        """Add an order of ``size`` lots at ``price`` ticks at the back of its level."""
        self.apply(order_id, side, _ADD, price, size, sequence, flags, ts_event)

    def modify(self, order_id: int, price: int, size: int, *, sequence: int = 0,
               flags: int = _LAST, ts_event: int = 0) -> None:
        """Give an order a new price and size (a new price or more size loses priority)."""
        self.apply(order_id, self._side_of(order_id), _MODIFY, price, size, sequence, flags,
                   ts_event)

    def cancel(self, order_id: int, size: int | None = None, *, sequence: int = 0,
               flags: int = _LAST, ts_event: int = 0) -> None:
        """Take ``size`` lots off an order (all of them when None: the order leaves)."""
        order = self.order(order_id)
        side, price, held = (0, 0, 0) if order is None else (order.side, order.price,
                                                             order.size)
        self.apply(order_id, int(side), _CANCEL, price, held if size is None else size,
                   sequence, flags, ts_event)

    def fill(self, order_id: int, size: int, *, price: int | None = None, sequence: int = 0,
             flags: int = _LAST, ts_event: int = 0) -> None:
        """Record a fill of ``size`` lots of a resting order (at its price unless given).

        With ``fills='reduce'`` the lots leave the order; with ``'report'`` the book waits
        for the venue's CANCEL or MODIFY.
        """
        order = self.order(order_id)
        side, at = (0, 0) if order is None else (int(order.side), order.price)
        self.apply(order_id, side, _FILL, at if price is None else price, size, sequence,
                   flags, ts_event)

    def trade(self, price: int, size: int, aggressor: int = Side.NONE, *, order_id: int = 0,
              sequence: int = 0, flags: int = _LAST, ts_event: int = 0) -> None:
        """Record a trade of ``size`` lots at ``price`` ticks; the book does not change."""
        self.apply(order_id, int(aggressor), _TRADE, price, size, sequence, flags, ts_event)

    def clear(self, *, sequence: int = 0, flags: int = _LAST, ts_event: int = 0) -> None:
        """Remove every order (a CLEAR event): the book is empty and synchronised."""
        self.apply(0, 0, _CLEAR, 0, 0, sequence, flags, ts_event)

    def apply_batch(self, events: pa.Table | pa.RecordBatch | np.ndarray | Mapping[str, Any],
                    ) -> None:
        """Apply rows of the ``l3_orders`` schema in order (same result as one at a time).

        ``events`` is an Arrow table or batch, a numpy structured array, or a mapping of
        column name to array, with at least the columns order_id, side, action, price,
        size, sequence, flags and ts_event (integers).

        Raises
        ------
        OrderIntegrityError
            Under the RAISE policy, the first row that fails a check; the rows before it
            are applied and the message names the row's index in ``events``.
        SchemaError
            A column is missing, not integer, out of range, or the columns differ in length.
        """
        cols = _columns(events)
        start = 0
        while True:
            code, row = self._nb.apply_batch_nb(self._state, *cols, start)
            if code == L.OK:
                return
            self._handle(int(code), int(row))
            start = row if code == L.NEED_CAPACITY else row + 1

    def reset(self) -> None:
        """Forget everything: a new book with the same settings (counters at zero)."""
        self._state = self.config.new_state()

    def _handle(self, code: int, row: int | None) -> None:
        where = self.name if row is None else f"{self.name}, row {row}"
        if code == L.NEED_CAPACITY:
            self._state = self._nb.grow(self._state)
        elif code == L.RESYNCED:
            integrity.report_resynced(self._state, where)
        else:
            integrity.report(self._state, where)

    def _side_of(self, order_id: int) -> int:
        order = self.order(order_id)
        return 0 if order is None else int(order.side)

    # -- state -------------------------------------------------------------------------------

    @property
    def synced(self) -> bool:
        """Whether the book is known to be right (no failed check since the last resync)."""
        return bool(self._state[L.META, L.M_SYNCED])

    @property
    def sequence(self) -> int:
        """Sequence of the last applied event."""
        return int(self._state[L.META, L.M_LAST_SEQ])

    @property
    def ts_last(self) -> int:
        """``ts_event`` of the last applied event (ns UTC)."""
        return int(self._state[L.META, L.M_LAST_TS])

    @property
    def counts(self) -> dict[str, int]:
        """Events applied, dropped while resynchronising, resyncs, unchecked fills, trades."""
        meta = self._state[L.META]
        return {"applied": int(meta[L.M_APPLIED]), "dropped": int(meta[L.M_DROPPED]),
                "resyncs": int(meta[L.M_RESYNCS]),
                "unchecked_fills": int(meta[L.M_UNCHECKED_FILLS]), "trades": int(meta[L.M_TRADES])}

    @property
    def order_count(self) -> int:
        """Return how many orders rest on the book."""
        return int(self._state[L.META, L.M_NORD])

    def level_count(self, side: int) -> int:
        """Return how many price levels ``side`` holds."""
        return int(self._state[L.META, L.M_NBID if side_arg(side) == Side.BUY else L.M_NASK])

    def last_trade(self) -> LastTrade | None:
        """Return the last TRADE event (None before the first)."""
        st = self._state
        if st[L.META, L.M_TRADES] == 0:
            return None
        return LastTrade(int(st[L.META, L.M_TRADE_PRICE]), int(st[L.META, L.M_TRADE_SIZE]),
                         Side(int(st[L.META, L.M_TRADE_SIDE])), int(st[L.META, L.M_TRADE_TS]))

    def check_invariants(self) -> None:
        """Raise AssertionError when the book's internal structures disagree (for tests)."""
        broken = int(self._nb.invariants_nb(self._state))
        if broken:
            raise AssertionError(f"{self.name}: book invariant {broken} broken "
                                 "(see l3_nb.invariants_nb)")

    # -- queries -----------------------------------------------------------------------------

    def order(self, order_id: int) -> RestingOrder | None:
        """Return the order with ``order_id`` (None when it is not on the book)."""
        slot, side, price, size = self._nb.order_nb(self._state, _signed_id(order_id))
        if slot < 0:
            return None
        return RestingOrder(order_id, Side(int(side)), int(price), int(size))

    def queue_position(self, order_id: int) -> QueuePosition | None:
        """Return the lots and orders ahead of ``order_id`` at its price (None if absent)."""
        found, lots, count = self._nb.queue_nb(self._state, _signed_id(order_id))
        return QueuePosition(int(lots), int(count)) if found else None

    def level_orders(self, side: int, price: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (order ids as uint64, sizes in lots) at ``price`` on ``side``, first in line
        first; both empty when there is no such level."""
        rows = self._nb.level_orders_nb(self._state, int(side_arg(side)),
                                        integer_arg(price, "price"))
        return rows[:, 0].view(np.uint64).copy(), rows[:, 1].copy()

    def orders(self) -> np.ndarray:
        """Return every order as a structured array (side, price, order_id, size): bids then
        asks, each from the best level down and first in line first within a level."""
        rows = self._nb.book_orders_nb(self._state)
        out = np.empty(len(rows), dtype=[("side", np.int8), ("price", np.int64),
                                         ("order_id", np.uint64), ("size", np.int64)])
        out["side"], out["price"], out["size"] = rows[:, 0], rows[:, 1], rows[:, 3]
        out["order_id"] = rows[:, 2].view(np.uint64)
        return out

    def depth(self, side: int, levels: int | None = None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (prices in ticks, lots, order counts) of the best ``levels`` of ``side``,
        best first (every level when None)."""
        n = self.level_count(side)
        k = n if levels is None else count_arg(levels, "levels")
        rows = self._nb.depth_nb(self._state, int(side_arg(side)), k)
        return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()

    def size_at(self, side: int, price: int) -> int:
        """Return the lots at ``price`` (ticks) on ``side``; 0 when there is no such level."""
        return int(self._nb.size_at_nb(self._state, int(side_arg(side)),
                                       integer_arg(price, "price"))[0])

    def _best(self, side: int) -> tuple[int, int, int] | None:
        st = self._state
        n = st[L.META, L.M_NBID if side == Side.BUY else L.M_NASK]
        if n == 0:
            return None
        price, lots, count = self._nb.best_nb(st, int(side))
        return int(price), int(lots), int(count)

    def best_bid(self) -> tuple[int, int, int] | None:
        """Return (price in ticks, lots, orders) of the best bid level (None when no bids)."""
        return self._best(Side.BUY)

    def best_ask(self) -> tuple[int, int, int] | None:
        """Return (price in ticks, lots, orders) of the best ask level (None when no asks)."""
        return self._best(Side.SELL)

    def best_bid_price(self) -> int | None:
        """Return the best bid in ticks (None when there are no bids)."""
        best = self._best(Side.BUY)
        return None if best is None else best[0]

    def best_ask_price(self) -> int | None:
        """Return the best ask in ticks (None when there are no asks)."""
        best = self._best(Side.SELL)
        return None if best is None else best[0]

    def estimate_fill(self, order_side: int, size: int) -> FillEstimate:
        """Walk the book for an aggressive order of ``size`` lots on ``order_side``.

        A BUY takes the asks from the best up, a SELL the bids from the best down; the
        result's ``average_price`` is the average fill price in ticks.
        """
        return self._estimate_fill(order_side, size)

    def __repr__(self) -> str:
        return (f"L3Book({self.name!r}, bid={self.best_bid_price()}, ask={self.best_ask_price()}, "
                f"orders={self.order_count}, synced={self.synced})")


def _entry_point(dispatcher: Any, state: np.ndarray) -> Any:
    """The compiled entry of ``apply_one_nb`` for (state, exact_uint64_bits, seven
    exact_int64); see :func:`sapphire.book.exact_int_nb.entry_point`.
    :func:`_check_integers` names the argument after a refusal."""
    import numba

    from sapphire.book.exact_int_nb import entry_point, exact_int64, exact_uint64_bits

    return entry_point(dispatcher,
                       (numba.typeof(state), exact_uint64_bits) + (exact_int64,) * 7)


def _signed_id(order_id: Any) -> int:
    """Return ``order_id`` (0..2**64-1) as the int64 with the same bits."""
    if isinstance(order_id, bool) or not isinstance(order_id, INTEGER):
        raise DataValidationError("order_id must be an integer", column="order_id",
                                  value=order_id)
    value = int(order_id)
    if value < 0 or value > _UINT64_MAX:
        raise DataValidationError("order_id must be in 0..2**64-1", column="order_id",
                                  value=value)
    return value - (1 << 64) if value > _INT64_MAX else value


def _check_integers(order_id: Any, **values: Any) -> None:
    """Raise DataValidationError naming the first argument that is not an integer in range."""
    _signed_id(order_id)
    for name, value in values.items():
        require_integer(name, value)
        if not -_INT64_MAX - 1 <= int(value) <= _INT64_MAX:
            raise DataValidationError(f"{name} must be in -2**63..2**63-1", column=name,
                                      value=value)


def _columns(events: Any) -> list[np.ndarray]:
    columns = batch_columns(events, _COLUMNS, "events")
    columns[0] = columns[0].view(np.int64)  # order ids: the same bits as int64
    return columns
