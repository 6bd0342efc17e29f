"""The order state machine: every allowed transition applies, the rest raise, events update
the order's fields."""

from __future__ import annotations

import itertools

import pytest

from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.model.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from sapphire.model.orders import (
    TRANSITIONS,
    Order,
    OrderStateError,
    OrderStatus,
    OrderType,
)

S = OrderStatus
IID = InstrumentId.parse("BTCUSDT.SIM")
PENDING = (S.PENDING_UPDATE, S.PENDING_CANCEL)


def new_order(type: OrderType = OrderType.LIMIT, quantity: int = 10, **kw: object) -> Order:
    kw.setdefault("price", 200 if type.has_price else None)
    kw.setdefault("trigger_price", 210 if type.has_trigger else None)
    return Order("O-1", IID, Side.BUY, type, quantity, ts_init=1, **kw)  # type: ignore[arg-type]


def at(status: OrderStatus, previous: OrderStatus = S.ACCEPTED) -> Order:
    """An order placed directly in ``status`` (a pending one came from ``previous``)."""
    order = new_order()
    order.status = status
    order._previous = previous if status in PENDING else S.INITIALIZED
    return order


def fill(quantity: int, price: int, ts: int = 5) -> OrderFilled:
    return OrderFilled(order_id="O-1", ts_event=ts, instrument_id=str(IID), side=1,
                       quantity=quantity, price=price, fee=0.0, liquidity="taker",
                       trade_id="T-1")


ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
FORBIDDEN = [(a, b) for a, b in itertools.product(S, S) if b not in TRANSITIONS[a]]


def test_table_covers_every_status_and_closed_ones_are_final() -> None:
    assert set(TRANSITIONS) == set(S)
    for status in S:
        assert (TRANSITIONS[status] == frozenset()) == status.is_closed


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=lambda s: s.value)
def test_every_allowed_transition_applies(source: OrderStatus, target: OrderStatus) -> None:
    order = at(source)
    order.transition(target, 7)
    assert order.status == target
    assert order.ts_last == 7


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda s: s.value)
def test_every_forbidden_transition_raises_naming_both_states(
        source: OrderStatus, target: OrderStatus) -> None:
    order = at(source)
    with pytest.raises(OrderStateError, match=f"from {source.value} to {target.value}"):
        order.transition(target, 7)
    assert order.status == source  # unchanged


def test_a_sample_of_forbidden_transitions_is_forbidden() -> None:
    # a guard against the table growing too permissive: these make no sense
    for source, target in [(S.FILLED, S.CANCELED), (S.INITIALIZED, S.FILLED),
                           (S.SUBMITTED, S.FILLED), (S.CANCELED, S.ACCEPTED),
                           (S.REJECTED, S.ACCEPTED), (S.EXPIRED, S.FILLED),
                           (S.PARTIALLY_FILLED, S.ACCEPTED), (S.DENIED, S.SUBMITTED),
                           (S.PARTIALLY_FILLED, S.TRIGGERED)]:
        assert (source, target) in FORBIDDEN


def test_lifecycle_events_move_the_status_and_record_themselves() -> None:
    order = new_order()
    events = [OrderSubmitted(order_id="O-1", ts_event=2), OrderAccepted(order_id="O-1", ts_event=3)]
    for event in events:
        order.apply(event)
    assert order.status == S.ACCEPTED
    assert order.events == events
    assert order.ts_last == 3
    assert order.is_working and not order.is_closed


def test_an_event_the_machine_forbids_raises_and_is_not_recorded() -> None:
    order = new_order()
    with pytest.raises(OrderStateError, match="from initialized to accepted"):
        order.apply(OrderAccepted(order_id="O-1", ts_event=2))
    assert order.events == []
    assert order.status == S.INITIALIZED


def test_fills_update_filled_and_the_volume_weighted_average_price() -> None:
    order = at(S.ACCEPTED)
    order.apply(fill(4, 200, ts=5))
    assert (order.status, order.filled, order.leaves, order.avg_price) == (
        S.PARTIALLY_FILLED, 4, 6, 200.0)
    order.apply(fill(6, 205, ts=6))
    # (4 * 200 + 6 * 205) / 10 = 203
    assert (order.status, order.filled, order.leaves, order.avg_price) == (S.FILLED, 10, 0, 203.0)
    assert order.ts_last == 6
    assert order.is_closed


def test_a_fill_larger_than_the_leaves_raises_and_changes_nothing() -> None:
    order = at(S.ACCEPTED)
    order.apply(fill(4, 200))
    with pytest.raises(OrderStateError, match="fill of 7 lots with 6 lots left"):
        order.apply(fill(7, 200))
    assert (order.filled, order.avg_price) == (4, 200.0)
    with pytest.raises(OrderStateError, match="fill of 0 lots"):
        order.apply(fill(0, 200))


def test_reasons_are_kept_on_rejected_denied_and_canceled() -> None:
    rejected = at(S.SUBMITTED)
    rejected.apply(OrderRejected(order_id="O-1", ts_event=3, reason="post-only would take"))
    assert (rejected.status, rejected.reason) == (S.REJECTED, "post-only would take")
    denied = new_order()
    denied.apply(OrderDenied(order_id="O-1", ts_event=3, rule="max_notional", reason="too big"))
    assert (denied.status, denied.reason) == (S.DENIED, "too big")
    canceled = at(S.ACCEPTED)
    canceled.apply(OrderCanceled(order_id="O-1", ts_event=3, reason="OCO: O-2 filled"))
    assert (canceled.status, canceled.reason) == (S.CANCELED, "OCO: O-2 filled")


def test_triggered_sets_the_flag_and_the_working_limit_price() -> None:
    order = new_order(OrderType.TRAILING_STOP_LIMIT, price=None, trigger_price=190,
                      trailing_offset=10, limit_offset=2)
    order.status = S.ACCEPTED
    order.apply(OrderTriggered(order_id="O-1", ts_event=4, price=192))
    assert (order.status, order.triggered, order.price) == (S.TRIGGERED, True, 192)
    stop = new_order(OrderType.STOP_MARKET, price=None)
    stop.status = S.ACCEPTED
    stop.apply(OrderTriggered(order_id="O-1", ts_event=4))
    assert (stop.status, stop.triggered, stop.price) == (S.TRIGGERED, True, None)


def test_a_modify_goes_pending_then_returns_to_the_status_it_left() -> None:
    order = at(S.ACCEPTED)
    order.apply(fill(3, 200))
    order.apply(OrderPendingUpdate(order_id="O-1", ts_event=6))
    assert order.status == S.PENDING_UPDATE
    order.apply(OrderUpdated(order_id="O-1", ts_event=7, quantity=12, price=198))
    assert (order.status, order.quantity, order.price, order.leaves) == (
        S.PARTIALLY_FILLED, 12, 198, 9)


def test_rejected_modify_and_cancel_restore_the_status_and_keep_the_reason() -> None:
    order = at(S.ACCEPTED)
    order.apply(OrderPendingUpdate(order_id="O-1", ts_event=6))
    order.apply(OrderModifyRejected(order_id="O-1", ts_event=7, reason="order is filled"))
    assert (order.status, order.quantity, order.price, order.reason) == (
        S.ACCEPTED, 10, 200, "order is filled")
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=8))
    order.apply(OrderCancelRejected(order_id="O-1", ts_event=9, reason="too late"))
    assert (order.status, order.reason) == (S.ACCEPTED, "too late")


def test_restore_without_a_pending_request_raises() -> None:
    with pytest.raises(OrderStateError, match="nothing pending to restore from accepted"):
        at(S.ACCEPTED).restore(3)


def test_a_partial_fill_while_a_cancel_is_pending_keeps_it_pending() -> None:
    order = at(S.ACCEPTED)
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=6))
    order.apply(fill(4, 200, ts=7))
    assert (order.status, order.filled, order.ts_last) == (S.PENDING_CANCEL, 4, 7)
    order.apply(OrderCanceled(order_id="O-1", ts_event=8))
    assert (order.status, order.filled) == (S.CANCELED, 4)


def test_a_partial_fill_while_pending_is_remembered_when_the_answer_comes() -> None:
    # the venue filled part of the order before it answered the modify: after the answer
    # the order is partially filled, not back to accepted
    order = at(S.ACCEPTED)
    order.apply(OrderPendingUpdate(order_id="O-1", ts_event=6))
    order.apply(fill(4, 200, ts=7))
    order.apply(OrderUpdated(order_id="O-1", ts_event=8, quantity=10, price=199))
    assert (order.status, order.filled, order.price) == (S.PARTIALLY_FILLED, 4, 199)
    cancel = at(S.ACCEPTED)
    cancel.apply(OrderPendingCancel(order_id="O-1", ts_event=6))
    cancel.apply(fill(4, 200, ts=7))
    cancel.apply(OrderCancelRejected(order_id="O-1", ts_event=8, reason="no"))
    assert cancel.status == S.PARTIALLY_FILLED


def test_a_full_fill_while_pending_closes_the_order() -> None:
    order = at(S.ACCEPTED)
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=6))
    order.apply(fill(10, 200, ts=7))
    assert order.status == S.FILLED
    with pytest.raises(OrderStateError, match="from filled to canceled"):
        order.apply(OrderCanceled(order_id="O-1", ts_event=8))


def test_a_trigger_while_a_modify_is_pending_is_remembered() -> None:
    order = new_order(OrderType.STOP_LIMIT)
    order.status = S.ACCEPTED
    order.apply(OrderPendingUpdate(order_id="O-1", ts_event=6))
    order.apply(OrderTriggered(order_id="O-1", ts_event=7))
    assert (order.status, order.triggered) == (S.PENDING_UPDATE, True)
    order.apply(OrderUpdated(order_id="O-1", ts_event=8, quantity=10, price=201,
                             trigger_price=210))
    assert (order.status, order.triggered, order.price) == (S.TRIGGERED, True, 201)


def test_expired_closes_a_working_order() -> None:
    order = at(S.PARTIALLY_FILLED)
    order.apply(OrderExpired(order_id="O-1", ts_event=9))
    assert order.status == S.EXPIRED and order.is_closed


def test_status_flags() -> None:
    assert {s for s in S if s.is_closed} == {S.DENIED, S.REJECTED, S.FILLED, S.CANCELED,
                                             S.EXPIRED}
    assert {s for s in S if s.is_working} == {S.ACCEPTED, S.TRIGGERED, S.PARTIALLY_FILLED,
                                              S.PENDING_UPDATE, S.PENDING_CANCEL}
    assert OrderType.LIMIT.has_price and not OrderType.LIMIT.has_trigger
    assert OrderType.TRAILING_STOP_LIMIT.is_trailing and OrderType.STOP_LIMIT.has_trigger


def test_a_trailing_update_answers_no_request() -> None:
    # the venue moving a trailing trigger leaves a pending cancel pending
    order = new_order(OrderType.TRAILING_STOP_MARKET, price=None, trigger_price=190,
                      trailing_offset=10)
    order.status = S.ACCEPTED
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=6))
    order.apply(OrderUpdated(order_id="O-1", ts_event=7, quantity=10, trigger_price=195,
                             trailed=True))
    assert (order.status, order.trigger_price, order.ts_last) == (S.PENDING_CANCEL, 195, 7)
    order.apply(OrderCanceled(order_id="O-1", ts_event=8))
    with pytest.raises(OrderStateError, match="cannot trail an order that is canceled"):
        order.apply(OrderUpdated(order_id="O-1", ts_event=9, quantity=10, trigger_price=199,
                                 trailed=True))


def test_accepted_while_a_cancel_is_in_flight_keeps_it_pending() -> None:
    # a cancel sent right after the order: the venue accepts the order first
    order = at(S.SUBMITTED)
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=2))
    order.apply(OrderAccepted(order_id="O-1", ts_event=3))
    assert order.status == S.PENDING_CANCEL
    order.apply(OrderCancelRejected(order_id="O-1", ts_event=4, reason="late"))
    assert order.status == S.ACCEPTED


def test_what_happens_beneath_a_pending_request_is_still_checked() -> None:
    order = at(S.PARTIALLY_FILLED)
    order.apply(OrderPendingCancel(order_id="O-1", ts_event=2))
    with pytest.raises(OrderStateError, match="from partially_filled to accepted"):
        order.apply(OrderAccepted(order_id="O-1", ts_event=3))
