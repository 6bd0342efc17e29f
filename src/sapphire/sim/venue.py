"""The simulated venue: accepts, rejects, triggers, fills, expires and cancels orders.

The venue sees the market through :class:`~sapphire.sim.market_state.MarketState` and is
told by the engine about every event of an instrument's *matching source* that could
touch its orders (quotes if the instrument has quotes, else trades, else bars). It keeps
its own account (the venue's truth) and reports everything as order events through
``emit``. Commands arrive after the :class:`~sapphire.sim.models.LatencyModel`'s delays.

Fill rules (deterministic by default, see :class:`~sapphire.sim.models.FillModel`):

* a market order (or a triggered stop) takes the touch as a taker, up to the displayed
  size; what is left keeps working against the next events (IOC cancels it instead);
* a limit order that is marketable on arrival takes the touch as a taker (price
  improvement included); otherwise it rests and fills at its own price as a maker when
  the market trades through it (and on a touch, with ``prob_fill_on_limit``);
* FOK fills completely at once or is canceled; IOC cancels whatever did not fill at once;
* post-only orders that would take liquidity are rejected; reduce-only orders larger than
  the position, or on its side, are rejected; a reduce-only order fills at most what is
  left to close and is canceled as soon as a fill leaves the position flat (or on its
  side), not when the market next reaches it;
* GTD orders expire at ``expire_ns``, DAY orders at the end of their UTC day.

Funds, checked on arrival (reduce-only orders need none and reserve none):

* a cash account pays in full for buys (working buys reserve their notional) and sells only
  what it holds net of the sells already working;
* a margin account needs ``notional * max(initial_margin, 1 / leverage)`` of free margin
  (equity at the current mids, less the margin of positions and working orders) for the
  exposure an order adds.

Hedging accounts book every fill of one order to one position (the one ``position_id``
names, or the one the order's first fill opened); fills report the position's id.

Order books: an instrument replayed from L2 or L3 book data gets a
:class:`~sapphire.sim.book_matching.BookMatcher` (:meth:`SimulatedVenue.attach_book`). Only
two places ask it: :meth:`SimulatedVenue._liquidity` (an order that takes walks the other
side level by level, a fill per level at that level's price, up to its limit) and
:meth:`SimulatedVenue._rest` (a resting limit fills as its queue position allows); triggers,
time in force, funds, accounts and events stay as they are. Without a book the touch is one
level: its price and displayed size.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sapphire.core.enums import Side
from sapphire.core.time import NS_PER_DAY
from sapphire.model.account import Account, AccountType, PositionMode
from sapphire.model.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from sapphire.model.orders import Order, OrderType, TimeInForce
from sapphire.sim import matching
from sapphire.sim.market_state import NONE_HIGH, NONE_LOW, UNLIMITED, MarketState
from sapphire.sim.models import FillDice, FillModel, LatencyModel

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument
    from sapphire.sim.book_matching import BookMatcher

log = logging.getLogger(__name__)

Schedule = Callable[[int, Callable[[], None]], None]


class SimulatedVenue:
    """One venue of a backtest.

    Parameters
    ----------
    name
        Venue name, as in the instrument ids (``BINANCE``).
    account
        The account orders are checked against and fills are booked to.
    market
        Shared market state; the engine gives each instrument its index.
    emit
        Receives every order event the venue produces.
    clock
        Returns the current time in ns.
    schedule
        ``schedule(ts, callback)`` runs ``callback`` when the clock reaches ``ts``.
    """

    def __init__(self, name: str, account: Account, market: MarketState, *,
                 emit: Callable[[OrderEvent], None], clock: Callable[[], int],
                 schedule: Schedule, fill_model: FillModel | None = None,
                 latency: LatencyModel | None = None) -> None:
        self.name = name
        self.account = account
        self.market = market
        self.fill_model = fill_model or FillModel()
        self.latency = latency or LatencyModel()
        self._emit = emit
        self._now = clock
        self._schedule = schedule
        self._dice = FillDice(self.fill_model)
        self._index: dict[object, int] = {}
        self._instruments: dict[object, Instrument] = {}
        self._fee_rates: dict[object, tuple[float, float]] = {}
        self._working: dict[int, list[Order]] = {}
        self._trade_count = 0
        # hedging: the position each order's first fill opened, for its later fills
        self._order_positions: dict[str, str] = {}
        self._books: dict[int, BookMatcher] = {}

    # -- set-up -----------------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument, index: int) -> None:
        """Trade ``instrument`` here; ``index`` is its slot in the market state."""
        self.account.add_instrument(instrument)
        self._index[instrument.id] = index
        self._instruments[instrument.id] = instrument
        self._fee_rates[instrument.id] = (float(instrument.maker_fee),
                                          float(instrument.taker_fee))
        self._working[index] = []

    def attach_book(self, index: int, matcher: BookMatcher) -> None:
        """Match instrument ``index`` against an order book (see the module docstring)."""
        self._books[index] = matcher

    def book_matcher(self, index: int) -> BookMatcher | None:
        return self._books.get(index)

    def working_list(self, index: int) -> list[Order]:
        """The live list of orders working in instrument ``index`` (read, never change it):
        feeds test it on every event to skip matching when it is empty."""
        return self._working[index]

    def working_orders(self, instrument_id: object | None = None) -> list[Order]:
        """Orders the venue holds, oldest first."""
        if instrument_id is not None:
            return list(self._working.get(self._index[instrument_id], ()))
        return [order for orders in self._working.values() for order in orders]

    # -- commands (they arrive after the latency) ---------------------------------------------

    def submit(self, order: Order) -> None:
        self._after(self.latency.submit_ns, lambda: self._arrive(order))

    def modify(self, order: Order, quantity: int, price: int | None,
               trigger_price: int | None) -> None:
        self._after(self.latency.modify_ns,
                    lambda: self._apply_modify(order, quantity, price, trigger_price))

    def cancel(self, order: Order, reason: str = "canceled by strategy") -> None:
        self._after(self.latency.cancel_ns, lambda: self._apply_cancel(order, reason))

    def _after(self, delay: int, action: Callable[[], None]) -> None:
        if delay:
            self._schedule(self._now() + delay, action)
        else:
            action()

    def _arrive(self, order: Order) -> None:
        if order.is_closed:  # canceled while in flight
            return
        reason = self._rejection(order)
        if reason:
            self._emit(OrderRejected(order_id=order.order_id, ts_event=self._now(),
                                     reason=reason))
            return
        self._emit(OrderAccepted(order_id=order.order_id, ts_event=self._now()))
        index = self._index[order.instrument_id]
        self._schedule_expiry(order)
        self._working[index].append(order)
        self._activate(order, index, arriving=True)
        self._refresh(index)

    def _apply_modify(self, order: Order, quantity: int, price: int | None,
                      trigger_price: int | None) -> None:
        now = self._now()
        if order.is_closed or order not in self._working[self._index[order.instrument_id]]:
            self._emit(OrderModifyRejected(order_id=order.order_id, ts_event=now,
                                           reason=f"order is {order.status.value}"))
            return
        if quantity <= order.filled:
            self._emit(OrderModifyRejected(
                order_id=order.order_id, ts_event=now,
                reason=f"new quantity {quantity} lots is not above the filled {order.filled}"))
            return
        index = self._index[order.instrument_id]
        if order.post_only and price is not None and self._crosses(order.side, price, index):
            # the same rule as on arrival: a post-only order never takes
            self._emit(OrderModifyRejected(
                order_id=order.order_id, ts_event=now,
                reason="post-only order would take liquidity at the new price"))
            return
        self._emit(OrderUpdated(order_id=order.order_id, ts_event=now, quantity=quantity,
                                price=price, trigger_price=trigger_price))
        self._activate(order, index, arriving=True)
        self._refresh(index)

    def _apply_cancel(self, order: Order, reason: str) -> None:
        index = self._index[order.instrument_id]
        if order.is_closed or order not in self._working[index]:
            self._emit(OrderCancelRejected(order_id=order.order_id, ts_event=self._now(),
                                           reason=f"order is {order.status.value}"))
            return
        self._close(order, index, OrderCanceled(order_id=order.order_id, ts_event=self._now(),
                                                reason=reason))

    # -- checks on arrival -------------------------------------------------------------------

    def _rejection(self, order: Order) -> str:
        instrument = self._instruments.get(order.instrument_id)
        if instrument is None:
            return f"instrument {order.instrument_id} is not traded on {self.name}"
        now = self._now()
        if order.time_in_force == TimeInForce.GTD and order.expire_ns is not None \
                and order.expire_ns <= now:
            return f"GTD expire time {order.expire_ns} is not after now ({now})"
        index = self._index[order.instrument_id]
        if not self.market.has_market[index]:
            return f"no market for {order.instrument_id} yet"
        position = self.account.net_quantity(order.instrument_id)
        if order.reduce_only and not _reduces(position, order.sign, order.quantity):
            return (f"reduce-only order for {order.quantity} lots would not reduce the "
                    f"position of {position} lots")
        if order.post_only and self._marketable(order, index):
            return "post-only order would take liquidity"
        return self._funding_problem(order, index, position)

    def _funding_problem(self, order: Order, index: int, position: int) -> str:
        if order.reduce_only:  # checked above to shrink the position: needs no funds
            return ""
        math = self.account.math(order.instrument_id)
        price = order.price or order.trigger_price or self._touch(order, index)
        pending = self._pending_lots(order.instrument_id)
        if self.account.type == AccountType.CASH and order.side == Side.SELL:
            # a cash account sells only what it holds, net of the sells already working
            sells = self._pending_lots(order.instrument_id, Side.SELL)
            if position + sells - order.quantity < 0:
                return (f"a cash account cannot sell short: holds {position} lots, selling "
                        f"{order.quantity}" + (f" with {-sells} already on sale" if sells
                                               else ""))
            return ""
        added = _exposure_added(position, pending, order.sign * order.quantity)
        if added <= 0:
            return ""
        self._mark_positions()
        if self.account.type == AccountType.CASH:
            needed = math.notional(added, price)
            free = self.account.balance - self.account.position_margin() \
                - self._open_order_funds(AccountType.CASH)
            what = "cash"
        else:
            needed = math.notional(added, price) * math.margin_fraction
            free = self.account.equity - self.account.position_margin() \
                - self._open_order_funds(AccountType.MARGIN)
            what = "free margin"
        if needed > free + 1e-9:
            return (f"insufficient {what}: order needs {needed:.2f} {self.account.currency}, "
                    f"{free:.2f} available")
        return ""

    def _pending_lots(self, instrument_id: object, side: Side | None = None) -> int:
        """Signed lots of the working orders that can grow a position (not reduce-only)."""
        orders = self._working.get(self._index[instrument_id], ())
        return sum(order.sign * order.leaves for order in orders
                   if not order.reduce_only and (side is None or order.side == side))

    def _mark_positions(self) -> None:
        """Value the account's positions at the current mids before checking margin."""
        market = self.market
        for instrument_id, index in self._index.items():
            if market.has_market[index]:
                self.account.mark(instrument_id,
                                  (int(market.bid[index]) + int(market.ask[index])) / 2.0)

    def _open_order_funds(self, kind: AccountType) -> float:
        total = 0.0
        for index, orders in self._working.items():
            for order in orders:
                if order.reduce_only or (kind == AccountType.CASH and order.side == Side.SELL):
                    continue
                math = self.account.math(order.instrument_id)
                price = order.price or order.trigger_price or self._touch(order, index)
                value = math.notional(order.leaves, price)
                total += value if kind == AccountType.CASH else value * math.margin_fraction
        return total

    # -- the market moves --------------------------------------------------------------------

    def on_point(self, index: int) -> None:
        """The touch of instrument ``index`` changed (a quote, a trade): match its orders."""
        if self._working[index]:
            for order in list(self._working[index]):
                if not order.is_closed:
                    self._activate(order, index, arriving=False)
            self._refresh(index)

    def on_bar(self, index: int, open_: int, high: int, low: int, close: int,
               ts: int) -> None:
        """Walk a bar's assumed path and match the instrument's orders along it."""
        points = matching.bar_path(open_, high, low, close)
        self._set_point(index, points[0], ts)
        self.on_point(index)
        for start, end in itertools.pairwise(points):
            for price in matching.segment_points(start, end, self._working[index]):
                self._set_point(index, price, ts)
                self.on_point(index)

    def _set_point(self, index: int, price: int, ts: int) -> None:
        self.market.set_touch(index, price, price, UNLIMITED, UNLIMITED)

    def _activate(self, order: Order, index: int, *, arriving: bool) -> None:
        bid = int(self.market.bid[index])
        ask = int(self.market.ask[index])
        if order.type.is_trailing and not order.triggered:
            self._trail(order, bid, ask)
        if order.type.has_trigger and not order.triggered:
            if not matching.is_triggered(order, bid, ask):
                return
            self._emit(OrderTriggered(order_id=order.order_id, ts_event=self._now(),
                                      price=matching.limit_after_trigger(order)))
            arriving = True  # a triggered order acts like one that just arrived
        if matching.works_as_market(order) or (arriving and self._marketable(order, index)):
            self._take(order, index)
        else:
            self._rest(order, index, bid, ask)
        if index in self._books:
            self._queue(order, index)
        if arriving and order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK) \
                and not order.is_closed:
            self._close(order, index, OrderCanceled(
                order_id=order.order_id, ts_event=self._now(),
                reason=f"{order.time_in_force.value.upper()} remainder not filled at once"))

    def _queue(self, order: Order, index: int) -> None:
        """Keep the book's queue table in step with ``order`` (a resting limit holds a place)."""
        book = self._books[index]
        resting = (not order.is_closed and order.price is not None
                   and not matching.works_as_market(order)
                   and (not order.type.has_trigger or order.triggered)
                   and order in self._working[index])
        if resting:
            book.track(order)
        else:
            book.untrack(order)

    def _trail(self, order: Order, bid: int, ask: int) -> None:
        trigger = matching.trailed_trigger(order, bid, ask)
        if trigger is not None:
            self._emit(OrderUpdated(order_id=order.order_id, ts_event=self._now(),
                                    quantity=order.quantity, price=order.price,
                                    trigger_price=trigger, trailed=True))

    def _marketable(self, order: Order, index: int) -> bool:
        if order.type == OrderType.MARKET:
            return True
        price = order.price if not order.type.has_trigger else matching.limit_after_trigger(order)
        if price is None:
            return order.triggered
        return self._crosses(order.side, price, index)

    def _crosses(self, side: Side, price: int, index: int) -> bool:
        """Whether a limit at ``price`` would take the touch now."""
        if side == Side.BUY:
            return bool(self.market.ask[index] <= price)
        return bool(self.market.bid[index] >= price)

    def _take(self, order: Order, index: int) -> None:
        """Fill as a taker: level by level through the liquidity on offer, up to the limit."""
        buy = order.side == Side.BUY
        levels = self._liquidity(order, index, buy)
        available = sum(lots for _, lots in levels)
        if order.time_in_force == TimeInForce.FOK and available < order.leaves:
            self._close(order, index, OrderCanceled(
                order_id=order.order_id, ts_event=self._now(),
                reason=f"FOK needs {order.leaves} lots, {available} available"))
            return
        for price, lots in levels:
            lots = min(order.leaves, lots)
            if lots <= 0 or order.is_closed:
                return
            if self._dice.slips():
                price += 1 if buy else -1
            self._consume(index, buy, price, self._fill(order, index, lots, price, "taker"))

    def _liquidity(self, order: Order, index: int, buy: bool) -> list[tuple[int, int]]:
        """(price, lots) an order may take now, best first: the book's levels within its
        limit, or the touch (one level) without a book."""
        book = self._books.get(index)
        if book is not None and self.fill_model.displayed_size_only:
            limit = None if matching.works_as_market(order) else (
                order.price if not order.type.has_trigger else matching.limit_after_trigger(order))
            return book.liquidity(buy, limit)
        price = int(self.market.ask[index] if buy else self.market.bid[index])
        return [(price, self._available(index, buy))]

    def _rest(self, order: Order, index: int, bid: int, ask: int) -> None:
        """A resting limit: fill at its own price as a maker if the market crossed it (or,
        with a book, as far as its queue position allows)."""
        if order.price is None:
            return
        book = self._books.get(index)
        if book is not None:
            lots = book.resting_fill(order)
        else:
            cross = matching.crossing(order, bid, ask)
            if cross == 0 or (cross == 1 and not self._dice.fills_on_touch()):
                return
            lots = min(order.leaves, self._available(index, order.side == Side.BUY))
        if lots > 0:
            self._fill(order, index, lots, order.price, "maker")

    def _consume(self, index: int, buy: bool, price: int, lots: int) -> None:
        """Take ``lots`` off what a later order at the same point sees."""
        book = self._books.get(index)
        if book is not None:
            book.consume(buy, price, lots)
        if buy:
            self.market.ask_lots[index] -= lots
        else:
            self.market.bid_lots[index] -= lots

    def _available(self, index: int, buy: bool) -> int:
        """Lots the touch offers to a buy (the ask side) or a sell (the bid side)."""
        if not self.fill_model.displayed_size_only:
            return UNLIMITED
        return int(self.market.ask_lots[index] if buy else self.market.bid_lots[index])

    def _fill(self, order: Order, index: int, lots: int, price: int, liquidity: str) -> int:
        """Fill up to ``lots`` of ``order`` at ``price``; return the lots filled."""
        if order.reduce_only:
            # never past flat: a reduce-only order fills at most what is left to close
            lots = min(lots, abs(self.account.net_quantity(order.instrument_id)))
            if lots <= 0:
                return 0
        math = self.account.math(order.instrument_id)
        maker, taker = self._fee_rates[order.instrument_id]
        fee = math.notional(lots, price) * (maker if liquidity == "maker" else taker)
        now = self._now()
        hedging = self.account.position_mode == PositionMode.HEDGING
        position_id = order.position_id or self._order_positions.get(order.order_id)
        position, _ = self.account.apply_fill(order.instrument_id, order.sign, lots, price, fee,
                                              now, position_id)
        if hedging and order.leaves > lots:
            self._order_positions[order.order_id] = position.position_id
        else:
            self._order_positions.pop(order.order_id, None)
        self._trade_count += 1
        event = OrderFilled(order_id=order.order_id, ts_event=now,
                            instrument_id=str(order.instrument_id), side=order.sign,
                            quantity=lots, price=price, fee=fee, liquidity=liquidity,
                            trade_id=f"{self.name}-{self._trade_count}",
                            position_id=position.position_id)
        if order.leaves == lots and order in self._working[index]:
            # off the book before anyone hears of the fill: handlers may send new orders
            self._working[index].remove(order)
            self._refresh(index)
        self._emit(event)
        if index in self._books:
            self._queue(order, index)  # fewer lots keep the place; a filled order leaves
        self._cancel_stale_reduce_only(order.instrument_id, index)
        return lots

    def _cancel_stale_reduce_only(self, instrument_id: object, index: int) -> None:
        """Cancel reduce-only orders that can no longer reduce the position (it is flat or
        on their side now), at once rather than when the market reaches them."""
        working = self._working[index]
        if not working:
            return
        position = self.account.net_quantity(instrument_id)
        for order in list(working):
            if order.reduce_only and not order.is_closed \
                    and not _reduces(position, order.sign, 1):
                why = ("the position is flat" if position == 0
                       else f"it would grow the position of {position} lots")
                self._close(order, index, OrderCanceled(
                    order_id=order.order_id, ts_event=self._now(),
                    reason=f"reduce-only order canceled: {why}"))

    def _close(self, order: Order, index: int, event: OrderEvent) -> None:
        if order in self._working[index]:
            self._working[index].remove(order)
        if index in self._books:
            self._books[index].untrack(order)
        self._order_positions.pop(order.order_id, None)
        self._emit(event)
        self._refresh(index)

    def _touch(self, order: Order, index: int) -> int:
        return int(self.market.ask[index] if order.side == Side.BUY else self.market.bid[index])

    # -- time --------------------------------------------------------------------------------

    def _schedule_expiry(self, order: Order) -> None:
        if order.time_in_force == TimeInForce.GTD and order.expire_ns is not None:
            expiry = order.expire_ns
        elif order.time_in_force == TimeInForce.DAY:
            expiry = (self._now() // NS_PER_DAY + 1) * NS_PER_DAY
        else:
            return
        self._schedule(expiry, lambda: self._expire(order))

    def _expire(self, order: Order) -> None:
        index = self._index[order.instrument_id]
        if not order.is_closed and order in self._working[index]:
            self._close(order, index, OrderExpired(order_id=order.order_id,
                                                   ts_event=self._now()))

    # -- thresholds for the kernel -----------------------------------------------------------

    def _refresh(self, index: int) -> None:
        """Fold the working orders into the kernel's four thresholds and watch flag."""
        state = self.market
        down_buy, down_sell, up_buy, up_sell, watch = NONE_LOW, NONE_LOW, NONE_HIGH, NONE_HIGH, 0
        for order in self._working[index]:
            if order.is_closed:
                continue
            if matching.works_as_market(order) or (order.type.is_trailing
                                                   and not order.triggered):
                watch = 1
                continue
            buy = order.side == Side.BUY
            if order.type.has_trigger and not order.triggered:
                trigger = order.trigger_price or 0
                if order.type in (OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED):
                    if buy:
                        down_buy = max(down_buy, trigger)
                    else:
                        up_sell = min(up_sell, trigger)
                elif buy:
                    up_buy = min(up_buy, trigger)
                else:
                    down_sell = max(down_sell, trigger)
                continue
            price = order.price if order.price is not None else 0
            if buy:
                down_buy = max(down_buy, price)
            else:
                up_sell = min(up_sell, price)
        state.down_buy[index] = down_buy
        state.down_sell[index] = down_sell
        state.up_buy[index] = up_buy
        state.up_sell[index] = up_sell
        state.watch[index] = watch


def _reduces(position: int, sign: int, lots: int) -> bool:
    """Whether trading ``sign * lots`` against ``position`` only shrinks it."""
    return position != 0 and (position > 0) != (sign > 0) and lots <= abs(position)


def _exposure_added(position: int, pending: int, signed: int) -> int:
    """Lots by which an order grows the absolute position, counting working orders."""
    before = position + pending
    after = before + signed
    return max(0, abs(after) - abs(before))
