"""The execution engine: routes order commands to venues and applies what comes back.

Every command passes the pre-trade risk hook first; a denied order never reaches its
venue. Events from venues are applied to the cached order through its state machine, fills
are booked in the portfolio, linked orders are handled here (so OCO and OTO behave the
same at venues that do not support them), and the owning strategy hears of it all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter_ns
from typing import TYPE_CHECKING, Protocol

from sapphire.metrics.engine import EngineMetrics, NullMetrics
from sapphire.model.order_events import (
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
)
from sapphire.model.orders import ContingencyType, Order, OrderError, OrderStatus

if TYPE_CHECKING:
    from sapphire.engine.cache import Cache
    from sapphire.engine.portfolio import Portfolio
    from sapphire.engine.risk import PreTradeRisk

log = logging.getLogger(__name__)


class VenueClient(Protocol):
    """What the engine needs from a venue, simulated or live."""

    def submit(self, order: Order) -> None: ...

    def modify(self, order: Order, quantity: int, price: int | None,
               trigger_price: int | None) -> None: ...

    def cancel(self, order: Order, reason: str = ...) -> None: ...


EventSink = Callable[[Order, OrderEvent], None]


class ExecutionEngine:
    """Order routing and state for every strategy in the kernel."""

    def __init__(self, cache: Cache, portfolio: Portfolio, risk: PreTradeRisk,
                 clock: Callable[[], int], deliver: EventSink,
                 metrics: EngineMetrics | None = None) -> None:
        self.metrics = metrics if metrics is not None else NullMetrics()
        self._timed = self.metrics.enabled
        self.cache = cache
        self.portfolio = portfolio
        self.risk = risk
        self._now = clock
        self._deliver = deliver
        self.venues: dict[str, VenueClient] = {}

    def add_venue(self, name: str, client: VenueClient) -> None:
        self.venues[name] = client

    # -- commands ---------------------------------------------------------------------------

    def submit(self, order: Order) -> None:
        """Send a new order (its OTO children wait in the cache until it fills)."""
        if order.order_id in self.cache.orders:
            raise OrderError(f"order {order.order_id} was already submitted")
        if order.status != OrderStatus.INITIALIZED:
            raise OrderError(f"order {order.order_id} is {order.status.value}, not new")
        self.cache.orders[order.order_id] = order
        self.metrics.orders += 1
        if order.parent_id is None:
            self._send(order)
            return
        # a bracket is submitted parent first: a parent that filled at once has already
        # closed when its children get here, so release them now
        parent = self.cache.orders.get(order.parent_id)
        if parent is not None and parent.is_closed:
            self._release_child(parent, order)

    def _send(self, order: Order) -> None:
        venue = self.venues.get(order.instrument_id.venue)
        if venue is None:
            self._apply(order, OrderDenied(order_id=order.order_id, ts_event=self._now(),
                                           rule="venue", reason=f"no venue "
                                           f"{order.instrument_id.venue} in this engine"))
            return
        started = perf_counter_ns() if self._timed else 0
        denial = self.risk.check_submit(order)
        if self._timed:
            self.metrics.risk_check.observe(perf_counter_ns() - started)
        if denial is not None:
            self.metrics.risk_denials += 1
            self._apply(order, OrderDenied(order_id=order.order_id, ts_event=self._now(),
                                           rule=denial.rule, reason=denial.reason))
            return
        self._apply(order, OrderSubmitted(order_id=order.order_id, ts_event=self._now()))
        venue.submit(order)
        if self._timed:
            self.metrics.strategy_to_order.observe(perf_counter_ns() - started)

    def modify(self, order: Order, quantity: int, price: int | None,
               trigger_price: int | None) -> None:
        """Ask the venue to change a working order."""
        now = self._now()
        if order.is_closed or order.status in (OrderStatus.INITIALIZED,
                                               OrderStatus.PENDING_CANCEL):
            self._apply(order, OrderModifyRejected(
                order_id=order.order_id, ts_event=now,
                reason=f"cannot modify an order that is {order.status.value}"))
            return
        denial = self.risk.check_modify(order, quantity, price, trigger_price)
        if denial is not None:
            self._apply(order, OrderModifyRejected(order_id=order.order_id, ts_event=now,
                                                   reason=f"{denial.rule}: {denial.reason}"))
            return
        self._apply(order, OrderPendingUpdate(order_id=order.order_id, ts_event=now))
        self.venues[order.instrument_id.venue].modify(order, quantity, price, trigger_price)

    def cancel(self, order: Order, reason: str = "canceled by strategy") -> None:
        """Ask the venue to cancel an order (children not yet released are dropped)."""
        now = self._now()
        if order.status == OrderStatus.INITIALIZED:
            self._apply(order, OrderCanceled(order_id=order.order_id, ts_event=now,
                                             reason=reason))
            return
        if order.is_closed or order.status == OrderStatus.PENDING_CANCEL:
            self._apply(order, OrderCancelRejected(
                order_id=order.order_id, ts_event=now,
                reason=f"cannot cancel an order that is {order.status.value}"))
            return
        self._apply(order, OrderPendingCancel(order_id=order.order_id, ts_event=now))
        self.venues[order.instrument_id.venue].cancel(order, reason)

    # -- events -----------------------------------------------------------------------------

    def on_event(self, event: OrderEvent) -> None:
        """Apply an event from a venue to its order and pass it on."""
        self._apply(self.cache.orders[event.order_id], event)

    def _apply(self, order: Order, event: OrderEvent) -> None:
        order.apply(event)
        if isinstance(event, OrderFilled):
            self.metrics.fills += 1
            self.portfolio.apply_fill(event, order.instrument_id.venue, order.instrument_id)
        elif isinstance(event, OrderRejected):
            self.metrics.rejections += 1
        self._deliver(order, event)
        if order.contingency != ContingencyType.NONE or order.parent_id is not None:
            self._follow_links(order, event)

    def _follow_links(self, order: Order, event: OrderEvent) -> None:
        if order.contingency == ContingencyType.OCO and (
                isinstance(event, OrderFilled) or order.is_closed):
            for sibling_id in order.linked_ids:
                sibling = self.cache.orders.get(sibling_id)
                if sibling is not None and _unreleased(sibling):
                    continue  # its OTO parent decides its fate (and names itself as why)
                if sibling is not None and not sibling.is_closed \
                        and sibling.status != OrderStatus.PENDING_CANCEL:
                    self.cancel(sibling, reason=f"OCO: {order.order_id} {order.status.value}")
        if order.contingency == ContingencyType.OTO and order.is_closed:
            self._release_children(order)

    def _release_children(self, parent: Order) -> None:
        """Send OTO children for what the parent filled; drop them if it filled nothing."""
        for child_id in parent.linked_ids:
            child = self.cache.orders.get(child_id)
            if child is not None and child.status == OrderStatus.INITIALIZED:
                self._release_child(parent, child)

    def _release_child(self, parent: Order, child: Order) -> None:
        if parent.filled == 0:
            self._apply(child, OrderCanceled(
                order_id=child.order_id, ts_event=self._now(),
                reason=f"OTO parent {parent.order_id} {parent.status.value} unfilled"))
            return
        child.quantity = parent.filled
        self._send(child)


def _unreleased(order: Order) -> bool:
    """An OTO child still waiting for its parent (it never reached a venue)."""
    return order.parent_id is not None and order.status == OrderStatus.INITIALIZED
