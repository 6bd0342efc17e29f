"""Orders: types, time in force, the status state machine and the order itself.

An :class:`Order` changes only by applying an :class:`~sapphire.model.order_events.OrderEvent`;
every change of status is checked against :data:`TRANSITIONS`, and a change not listed
there is an :class:`OrderStateError`. Prices are int64 ticks and quantities int64 lots of
the order's instrument; the strategy-facing helpers convert at the edge.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sapphire.core.enums import Side
from sapphire.core.errors import SapphireError

if TYPE_CHECKING:
    from sapphire.core.identifiers import InstrumentId
    from sapphire.model.order_events import OrderEvent


class OrderError(SapphireError, ValueError):
    """An order is invalid, or an operation on it is not allowed."""


class OrderStateError(OrderError):
    """An event would move an order through a transition the state machine forbids."""


class OrderType(StrEnum):
    """How an order is priced and when it becomes live."""

    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    MARKET_IF_TOUCHED = "market_if_touched"
    LIMIT_IF_TOUCHED = "limit_if_touched"
    TRAILING_STOP_MARKET = "trailing_stop_market"
    TRAILING_STOP_LIMIT = "trailing_stop_limit"

    @property
    def has_price(self) -> bool:
        """The order carries a limit price once live."""
        return self in _PRICED

    @property
    def has_trigger(self) -> bool:
        """The order waits for a trigger price before it becomes live."""
        return self in _TRIGGERED

    @property
    def is_trailing(self) -> bool:
        """The trigger follows the market by an offset."""
        return self in (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT)


_PRICED = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED,
                     OrderType.TRAILING_STOP_LIMIT})
_TRIGGERED = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT,
                        OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED,
                        OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})


class TimeInForce(StrEnum):
    """How long an order stays working."""

    GTC = "gtc"  # until filled or canceled
    IOC = "ioc"  # fill what is possible at once, cancel the rest
    FOK = "fok"  # fill everything at once or nothing
    GTD = "gtd"  # until ``expire_ns``
    DAY = "day"  # until the end of the UTC day it was accepted in


class ContingencyType(StrEnum):
    """How an order is linked to others."""

    NONE = "none"
    OCO = "oco"  # one cancels the others: the first fill or cancel cancels its siblings
    OTO = "oto"  # one triggers the others: children are released when the parent fills


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    INITIALIZED = "initialized"
    DENIED = "denied"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TRIGGERED = "triggered"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_UPDATE = "pending_update"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    EXPIRED = "expired"

    @property
    def is_closed(self) -> bool:
        """No further event can change the order."""
        return self in _CLOSED

    @property
    def is_working(self) -> bool:
        """The venue holds the order (it may fill)."""
        return self in _WORKING


S = OrderStatus
_CLOSED = frozenset({S.DENIED, S.REJECTED, S.FILLED, S.CANCELED, S.EXPIRED})
_WORKING = frozenset({S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED, S.PENDING_UPDATE,
                      S.PENDING_CANCEL})
_LIVE_EXITS = frozenset({S.TRIGGERED, S.PARTIALLY_FILLED, S.FILLED, S.PENDING_UPDATE,
                         S.PENDING_CANCEL, S.CANCELED, S.EXPIRED})

_PENDING = frozenset({S.PENDING_UPDATE, S.PENDING_CANCEL})

#: The allowed status changes. A pending state returns to the status it came from when
#: the venue answers (updated, or the modify/cancel is rejected), hence the back-edges.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.INITIALIZED: frozenset({S.DENIED, S.SUBMITTED, S.CANCELED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELED, S.PENDING_CANCEL,
                            S.PENDING_UPDATE}),
    S.ACCEPTED: _LIVE_EXITS | {S.ACCEPTED},
    S.TRIGGERED: _LIVE_EXITS,
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.PENDING_UPDATE,
                                   S.PENDING_CANCEL, S.CANCELED, S.EXPIRED}),
    S.PENDING_UPDATE: frozenset({S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED, S.FILLED,
                                 S.PENDING_CANCEL, S.CANCELED, S.EXPIRED, S.SUBMITTED,
                                 S.REJECTED}),
    S.PENDING_CANCEL: frozenset({S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED, S.FILLED,
                                 S.CANCELED, S.EXPIRED, S.SUBMITTED, S.REJECTED}),
    S.DENIED: frozenset(),
    S.REJECTED: frozenset(),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.EXPIRED: frozenset(),
}


class Order:
    """One order, in ticks and lots of its instrument.

    Built by :class:`~sapphire.model.order_factory.OrderFactory`, which validates the
    combination of fields; afterwards it changes only through :meth:`apply`.
    """

    __slots__ = (
        "_previous",
        "avg_price",
        "contingency",
        "events",
        "expire_ns",
        "filled",
        "instrument_id",
        "limit_offset",
        "linked_ids",
        "order_id",
        "parent_id",
        "position_id",
        "post_only",
        "price",
        "quantity",
        "reason",
        "reduce_only",
        "side",
        "status",
        "strategy_id",
        "time_in_force",
        "trailing_offset",
        "trigger_price",
        "triggered",
        "ts_init",
        "ts_last",
        "type",
    )

    def __init__(
        self,
        order_id: str,
        instrument_id: InstrumentId,
        side: Side,
        type: OrderType,
        quantity: int,
        *,
        ts_init: int,
        strategy_id: str = "",
        price: int | None = None,
        trigger_price: int | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        trailing_offset: int | None = None,
        limit_offset: int | None = None,
        position_id: str | None = None,
    ) -> None:
        self.order_id = order_id
        self.instrument_id = instrument_id
        self.strategy_id = strategy_id
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.trigger_price = trigger_price
        self.time_in_force = time_in_force
        self.expire_ns = expire_ns
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.trailing_offset = trailing_offset
        self.limit_offset = limit_offset
        self.position_id = position_id
        self.contingency = ContingencyType.NONE
        self.linked_ids: tuple[str, ...] = ()
        self.parent_id: str | None = None
        self.status = OrderStatus.INITIALIZED
        self.filled = 0
        self.avg_price = 0.0  # in ticks, volume-weighted over fills
        self.triggered = False
        self.ts_init = ts_init
        self.ts_last = ts_init
        self.reason = ""
        self.events: list[OrderEvent] = []
        self._previous = OrderStatus.INITIALIZED

    # -- reading ----------------------------------------------------------------------------

    @property
    def leaves(self) -> int:
        """Lots still to fill."""
        return self.quantity - self.filled

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self.side == Side.BUY else -1

    @property
    def is_closed(self) -> bool:
        return self.status in _CLOSED

    @property
    def is_working(self) -> bool:
        return self.status in _WORKING

    @property
    def is_passive(self) -> bool:
        """Rests at a limit price once live (it can be a maker)."""
        return self.type.has_price

    def __repr__(self) -> str:
        price = "" if self.price is None else f" @{self.price}"
        trigger = "" if self.trigger_price is None else f" trigger {self.trigger_price}"
        return (f"Order({self.order_id} {self.side.name} {self.quantity} {self.instrument_id} "
                f"{self.type.value}{price}{trigger} {self.status.value} filled {self.filled})")

    # -- changing ---------------------------------------------------------------------------

    def transition(self, status: OrderStatus, ts: int) -> None:
        """Move to ``status``; raise :class:`OrderStateError` if the machine forbids it."""
        if status not in TRANSITIONS[self.status]:
            raise OrderStateError(
                f"order {self.order_id}: cannot go from {self.status.value} to {status.value}"
            )
        if status in _PENDING and self.status not in _PENDING:
            # a cancel sent while a modify is pending answers to the status before both
            self._previous = self.status
        self.status = status
        self.ts_last = ts

    def restore(self, ts: int) -> None:
        """Return from a pending state to the status held before it (venue answered)."""
        if self.status not in (S.PENDING_UPDATE, S.PENDING_CANCEL):
            raise OrderStateError(
                f"order {self.order_id}: nothing pending to restore from {self.status.value}"
            )
        self.transition(self._previous, ts)

    @property
    def is_pending(self) -> bool:
        """A modify or cancel request is waiting for the venue's answer."""
        return self.status in (S.PENDING_UPDATE, S.PENDING_CANCEL)

    def advance_while_pending(self, status: OrderStatus, ts: int) -> None:
        """The venue moved the order on (accepted, triggered, partially filled) while a
        modify or cancel is pending: the request stays pending, and its answer returns the
        order to ``status`` rather than to the status it had when the request left."""
        if status != self._previous and status not in TRANSITIONS[self._previous]:
            raise OrderStateError(f"order {self.order_id}: cannot go from "
                                  f"{self._previous.value} to {status.value}")
        self._previous = status
        self.ts_last = ts

    def apply(self, event: OrderEvent) -> None:
        """Apply a venue or engine event: check the transition, then update the order."""
        event.apply_to(self)
        self.events.append(event)

    def record_fill(self, lots: int, price_ticks: int) -> None:
        """Add a fill of ``lots`` at ``price_ticks`` to the filled quantity and average."""
        if lots <= 0 or lots > self.leaves:
            raise OrderStateError(
                f"order {self.order_id}: fill of {lots} lots with {self.leaves} lots left"
            )
        total = self.filled + lots
        self.avg_price = (self.avg_price * self.filled + price_ticks * lots) / total
        self.filled = total
