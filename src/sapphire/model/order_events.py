"""Order events: every change to an order is one of these, applied through the state machine.

Events are immutable messages. The venue (or the engine, for denials) creates them; the
execution engine applies them to the cached :class:`~sapphire.model.orders.Order` and
publishes them to the strategy that owns the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import msgspec

from sapphire.model.orders import OrderStateError, OrderStatus

if TYPE_CHECKING:
    from sapphire.model.orders import Order


class OrderEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something that happened to an order at ``ts_event`` (ns UTC)."""

    order_id: str
    ts_event: int

    status: ClassVar[OrderStatus | None] = None

    def apply_to(self, order: Order) -> None:
        """Move ``order`` to this event's status (subclasses update more fields)."""
        if self.status is None:
            return
        if order.is_pending and self.status in _BENEATH_PENDING:
            order.advance_while_pending(self.status, self.ts_event)
        else:
            order.transition(self.status, self.ts_event)


#: What the venue may do to an order while a modify or cancel of it is in flight; the
#: request stays pending (see :meth:`Order.advance_while_pending`).
_BENEATH_PENDING = frozenset({OrderStatus.ACCEPTED, OrderStatus.TRIGGERED})


class _WithReason(OrderEvent, frozen=True, kw_only=True):
    reason: str = ""

    def apply_to(self, order: Order) -> None:
        super().apply_to(order)
        order.reason = self.reason


class OrderDenied(_WithReason, frozen=True, kw_only=True):
    """The engine refused the order before it reached the venue (invalid or risk)."""

    status = OrderStatus.DENIED
    rule: str = ""


class OrderSubmitted(OrderEvent, frozen=True, kw_only=True):
    """The order left the engine for the venue."""

    status = OrderStatus.SUBMITTED


class OrderAccepted(OrderEvent, frozen=True, kw_only=True):
    """The venue holds the order."""

    status = OrderStatus.ACCEPTED


class OrderRejected(_WithReason, frozen=True, kw_only=True):
    """The venue refused the order (for example post-only would take, or no margin)."""

    status = OrderStatus.REJECTED


class OrderTriggered(OrderEvent, frozen=True, kw_only=True):
    """A stop or if-touched order's trigger was reached; it now works as market or limit."""

    status = OrderStatus.TRIGGERED
    price: int | None = None  # the limit price it works at, for trailing stop-limits

    def apply_to(self, order: Order) -> None:
        super().apply_to(order)
        order.triggered = True
        if self.price is not None:
            order.price = self.price


class OrderPendingUpdate(OrderEvent, frozen=True, kw_only=True):
    """A modify was sent to the venue and is not answered yet."""

    status = OrderStatus.PENDING_UPDATE


class OrderPendingCancel(OrderEvent, frozen=True, kw_only=True):
    """A cancel was sent to the venue and is not answered yet."""

    status = OrderStatus.PENDING_CANCEL


class OrderUpdated(OrderEvent, frozen=True, kw_only=True):
    """The venue applied a modify: new quantity, price or trigger price.

    ``trailed`` marks the venue moving a trailing stop's trigger on its own: that answers
    no request, so a modify or cancel pending meanwhile stays pending.
    """

    quantity: int
    price: int | None = None
    trigger_price: int | None = None
    trailed: bool = False

    def apply_to(self, order: Order) -> None:
        if self.trailed:
            if not order.is_working:
                raise OrderStateError(f"order {order.order_id}: cannot trail an order that "
                                      f"is {order.status.value}")
            order.ts_last = self.ts_event
        elif order.status == OrderStatus.PENDING_UPDATE:
            order.restore(self.ts_event)
        elif order.status == OrderStatus.PENDING_CANCEL:
            order.ts_last = self.ts_event  # the modify is answered; the cancel still pending
        else:
            order.transition(order.status, self.ts_event)
        order.quantity = self.quantity
        order.price = self.price
        order.trigger_price = self.trigger_price


class OrderModifyRejected(_WithReason, frozen=True, kw_only=True):
    """The venue refused a modify; the order is unchanged."""

    def apply_to(self, order: Order) -> None:
        if order.status == OrderStatus.PENDING_UPDATE:
            order.restore(self.ts_event)
        order.reason = self.reason


class OrderCancelRejected(_WithReason, frozen=True, kw_only=True):
    """The venue refused a cancel (for example the order had filled)."""

    def apply_to(self, order: Order) -> None:
        if order.status == OrderStatus.PENDING_CANCEL:
            order.restore(self.ts_event)
        order.reason = self.reason


class OrderCanceled(_WithReason, frozen=True, kw_only=True):
    """The order is no longer working and never will be."""

    status = OrderStatus.CANCELED


class OrderExpired(OrderEvent, frozen=True, kw_only=True):
    """A GTD or DAY order reached its expiry time."""

    status = OrderStatus.EXPIRED


class OrderFilled(OrderEvent, frozen=True, kw_only=True):
    """Part or all of the order traded.

    ``quantity`` is in lots and ``price`` in ticks; ``fee`` is in the account currency
    (positive is a cost, negative a rebate); ``liquidity`` is ``"maker"`` or ``"taker"``.
    """

    instrument_id: str
    side: int  # +1 buy, -1 sell
    quantity: int
    price: int
    fee: float
    liquidity: str
    trade_id: str
    position_id: str = ""

    def apply_to(self, order: Order) -> None:
        order.record_fill(self.quantity, self.price)
        status = OrderStatus.FILLED if order.leaves == 0 else OrderStatus.PARTIALLY_FILLED
        if order.is_pending and status == OrderStatus.PARTIALLY_FILLED:
            order.advance_while_pending(status, self.ts_event)
            return
        order.transition(status, self.ts_event)
