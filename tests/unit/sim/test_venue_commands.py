"""Hand-worked expiry (GTD, DAY), modify, cancel and latency through a real BacktestEngine.

Instrument: tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001. Quote rows are
``(ts, bid, ask, bid size, ask size)``.
"""

from __future__ import annotations

from typing import Any

from sapphire.backtest.config import VenueConfig
from sapphire.core.enums import Side
from sapphire.core.time import NS_PER_S
from sapphire.model.orders import Order, TimeInForce
from sapphire.sim.models import LatencyModel
from tests.unit.sim._harness import SPOT_ID, Script, quotes, run

BUY, SELL = Side.BUY, Side.SELL
START = 100_000.0
MIDNIGHT = 1_704_067_200 * NS_PER_S  # 2024-01-01T00:00:00Z


def latency(**ns: int) -> VenueConfig:
    return VenueConfig(name="SIM", currency="USDT", starting_balance=START,
                       latency=LatencyModel(**ns))


def keep(build):  # type: ignore[no-untyped-def]
    """Submit ``build(factory)`` and keep it as ``s.order``."""
    def step(s: Any) -> None:
        s.order = build(s.orders)
        s.submit(s.order)
    return step


def rest_buy(price: str = "99.5", size: str = "1", **kw: Any):  # type: ignore[no-untyped-def]
    return keep(lambda f: f.limit(SPOT_ID, BUY, size, price, **kw))


def kinds(out: Any, order_id: str = "Script-1") -> list[str]:
    return [name.removeprefix("Order") for name in out.strategy.kinds(order_id)]


# -- GTD and DAY ------------------------------------------------------------------------------

def test_gtd_expires_at_expire_ns_before_data_stamped_then() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2), (3, 98, 99, 2, 2),
                   (4, 98, 99, 2, 2)])
    out = run(data, {1: rest_buy(time_in_force=TimeInForce.GTD, expire_ns=3)})
    # the expiry at t=3 runs before the quote at t=3 that would have filled it
    assert out.fills == []
    assert out.status("Script-1") == ("expired", 0.0, "")
    assert kinds(out) == ["Submitted", "Accepted", "Expired"]
    assert out.orders["Script-1"]["ts_last"] == 3


def test_gtd_already_expired_on_arrival_is_rejected_with_the_times() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {2: rest_buy(time_in_force=TimeInForce.GTD, expire_ns=2)})
    assert out.status("Script-1") == ("rejected", 0.0,
                                      "GTD expire time 2 is not after now (2)")


def test_gtd_that_expires_during_the_submit_latency_is_rejected() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2), (20, 100, 101, 2, 2)])
    out = run(data, {2: rest_buy(time_in_force=TimeInForce.GTD, expire_ns=5)},
              venue=latency(submit_ns=10))
    assert out.status("Script-1") == ("rejected", 0.0,
                                      "GTD expire time 5 is not after now (12)")
    assert [e.ts_event for e in out.strategy.events] == [2, 12]


def test_day_order_expires_at_the_next_utc_midnight() -> None:
    data = quotes([(MIDNIGHT - 60 * NS_PER_S, 100, 101, 2, 2),
                   (MIDNIGHT - 30 * NS_PER_S, 100, 101, 2, 2),
                   (MIDNIGHT + NS_PER_S, 98, 99, 2, 2)])
    out = run(data, {MIDNIGHT - 60 * NS_PER_S: rest_buy(time_in_force=TimeInForce.DAY),
                     MIDNIGHT - 30 * NS_PER_S: rest_buy(price="99", time_in_force="gtc")})
    assert out.status("Script-1") == ("expired", 0.0, "")
    assert out.orders["Script-1"]["ts_last"] == MIDNIGHT
    # the GTC order at 99 survives midnight; the ask touches 99 after it -> maker fill
    assert out.fill_rows() == [("Script-2", 1, 1.0, 99.0, "maker", 0.0198)]


# -- modify -----------------------------------------------------------------------------------

def test_modify_price_and_quantity_then_fill_at_the_new_values() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, quantity="2", price="99.5")

    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2), (3, 99, 99.5, 2, 5)])
    out = run(data, {1: rest_buy(price="99"), 2: modify})
    # t=3: the ask touches the new price 99.5 -> 2 @ 99.5 maker, fee 2 * 99.5 * 0.0002
    assert out.fill_rows() == [("Script-1", 1, 2.0, 99.5, "maker", 0.0398)]
    assert kinds(out) == ["Submitted", "Accepted", "PendingUpdate", "Updated", "Filled"]
    row = out.orders["Script-1"]
    assert (row["quantity"], row["price"], row["status"]) == (2.0, 99.5, "filled")


def test_modify_into_the_market_takes_at_once() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, price="101.5")

    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: rest_buy(price="99"), 2: modify})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101)]


def test_modify_of_a_filled_order_is_rejected_with_the_reason() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, price="100")

    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: keep(lambda f: f.market(SPOT_ID, BUY, "1")), 2: modify})
    assert kinds(out)[-1] == "ModifyRejected"
    rejected = out.strategy.events[-1]
    assert rejected.reason == "cannot modify an order that is filled"
    assert out.status("Script-1")[:2] == ("filled", 1.0)


def test_modify_to_a_quantity_not_above_the_filled_is_rejected() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, quantity="0.3")

    data = quotes([(1, 100, 101, 2, 2), (2, 98.5, 99, 2, 0.5), (3, 100, 101, 2, 2)])
    out = run(data, {1: rest_buy(size="2"), 2: modify})
    # t=2 fills 0.5 of 2 (the displayed size); a new quantity of 0.3 is below that
    assert out.fill_rows() == [("Script-1", 1, 0.5, 99.5, "maker", 0.00995)]
    assert kinds(out)[-2:] == ["PendingUpdate", "ModifyRejected"]
    assert out.strategy.events[-1].reason == "new quantity 3 lots is not above the filled 5"
    row = out.orders["Script-1"]
    assert (row["status"], row["quantity"], row["filled_quantity"]) == (
        "partially_filled", 2.0, 0.5)


# -- cancel -----------------------------------------------------------------------------------

def test_cancel_a_resting_order() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2), (3, 98, 99, 2, 2)])
    out = run(data, {1: rest_buy(), 2: lambda s: s.cancel(s.order)})
    assert out.fills == []
    assert out.status("Script-1") == ("canceled", 0.0, "canceled by strategy")
    assert kinds(out) == ["Submitted", "Accepted", "PendingCancel", "Canceled"]


def test_cancel_a_filled_order_is_rejected_with_the_reason() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: keep(lambda f: f.market(SPOT_ID, BUY, "1")),
                     2: lambda s: s.cancel(s.order)})
    assert kinds(out)[-1] == "CancelRejected"
    assert out.strategy.events[-1].reason == "cannot cancel an order that is filled"
    assert out.status("Script-1")[:2] == ("filled", 1.0)


# -- latency ----------------------------------------------------------------------------------

def test_submit_latency_fills_against_the_quote_at_arrival() -> None:
    data = quotes([(10, 100, 101, 2, 2), (12, 101, 102, 2, 2), (20, 102, 103, 2, 2)])
    out = run(data, {10: keep(lambda f: f.market(SPOT_ID, BUY, "1"))},
              venue=latency(submit_ns=5))
    # sent at t=10 (ask 101), arrives at t=15 when the quote of t=12 stands: ask 102
    assert out.fill_rows() == [("Script-1", 1, 1.0, 102.0, "taker", 0.102)]
    assert [(k, e.ts_event) for k, e in zip(kinds(out), out.strategy.events, strict=True)] == [
        ("Submitted", 10), ("Accepted", 15), ("Filled", 15)]


def test_cancel_latency_lets_a_fill_happen_first() -> None:
    data = quotes([(10, 100, 101, 2, 2), (11, 100, 101, 2, 2), (12, 98.5, 99, 2, 2),
                   (20, 100, 101, 2, 2)])
    out = run(data, {10: rest_buy(), 11: lambda s: s.cancel(s.order)},
              venue=latency(cancel_ns=5))
    # the cancel leaves at t=11 and arrives at t=16; the order fills at t=12 meanwhile
    assert out.fill_rows() == [("Script-1", 1, 1.0, 99.5, "maker", 0.0199)]
    assert kinds(out) == ["Submitted", "Accepted", "PendingCancel", "Filled", "CancelRejected"]
    assert out.strategy.events[-1].ts_event == 16
    assert out.strategy.events[-1].reason == "order is filled"
    assert out.orders["Script-1"]["status"] == "filled"


def test_modify_latency_fills_at_the_old_price_if_the_market_comes_first() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, price="99")

    data = quotes([(10, 100, 101, 2, 2), (11, 100, 101, 2, 2), (12, 98.5, 99.5, 2, 2),
                   (20, 98, 98.5, 2, 2)])
    out = run(data, {10: rest_buy(price="99.5", size="1"), 11: modify},
              venue=latency(modify_ns=5))
    # t=12 touches 99.5 before the modify (to 99) arrives at t=16
    assert out.fill_rows() == [("Script-1", 1, 1.0, 99.5, "maker", 0.0199)]
    assert kinds(out)[-1] == "ModifyRejected"
    assert out.strategy.events[-1].reason == "order is filled"


def test_cancel_sent_with_the_order_arrives_after_it() -> None:
    def send_and_cancel(s: Script) -> None:
        order: Order = s.orders.limit(SPOT_ID, BUY, "1", "99.5")
        s.submit(order)
        s.cancel(order)

    data = quotes([(10, 100, 101, 2, 2), (12, 98, 99, 2, 2), (30, 98, 99, 2, 2)])
    out = run(data, {10: send_and_cancel}, venue=latency(submit_ns=5, cancel_ns=5))
    # both arrive at t=15, the order first: it meets the t=12 quote (ask 99 below its 99.5)
    # and takes at once, so the cancel finds it filled
    assert kinds(out) == ["Submitted", "PendingCancel", "Accepted", "Filled", "CancelRejected"]
    assert out.fill_rows() == [("Script-1", 1, 1.0, 99.0, "taker", 0.099)]
    assert out.status("Script-1") == ("filled", 1.0, "order is filled")


def test_trailing_stop_keeps_its_pending_cancel_while_it_trails() -> None:
    statuses: list[str] = []

    def trail(s: Any) -> None:
        s.order = s.orders.trailing_stop_market(SPOT_ID, SELL, "1", trailing_offset="1")
        s.submit(s.order)

    data = quotes([(1, 100, 100.5, 2, 2), (2, 101, 101.5, 2, 2), (3, 102, 102.5, 2, 2),
                   (10, 102, 102.5, 2, 2)])
    out = run(data, {1: trail, 2: lambda s: s.cancel(s.order),
                     3: lambda s: statuses.append(s.order.status.value)},
              venue=latency(cancel_ns=5))
    # the trigger moves 99 -> 100 -> 101 while the cancel (sent at t=2) is in flight
    assert statuses == ["pending_cancel"]
    assert kinds(out) == ["Submitted", "Accepted", "Updated", "Updated", "PendingCancel",
                          "Updated", "Canceled"]
    assert out.orders["Script-1"]["trigger_price"] == 101.0
    assert out.status("Script-1") == ("canceled", 0.0, "canceled by strategy")


def test_modify_of_a_post_only_order_into_the_market_is_rejected() -> None:
    def modify(s: Any) -> None:
        s.modify(s.order, price="101")

    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: rest_buy(price="100", post_only=True), 2: modify})
    assert out.fills == []
    assert kinds(out)[-2:] == ["PendingUpdate", "ModifyRejected"]
    assert out.strategy.events[-1].reason == "post-only order would take liquidity at the new price"
    row = out.orders["Script-1"]
    assert (row["status"], row["price"]) == ("accepted", 100.0)
