"""Requests that cross in flight under latency: a modify answered while a cancel is
pending, a cancel of an order the venue then rejects, a modify sent while a cancel is
pending. (The accounting property tests found the first two as state machine errors.)"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.model.account import AccountType
from sapphire.model.instruments import SpotPair
from sapphire.model.market import Quote
from sapphire.model.orders import Order, OrderStatus
from sapphire.sim.models import LatencyModel
from sapphire.strategy.strategy import Strategy
from tests.unit.engine._flows import quotes_table

SPOT = SpotPair(id="BTCUSD.SIM", quote_currency="USD", base_currency="BTC",
                price_increment=Decimal(1), size_increment=Decimal(1))
#: Four quotes 10 ns apart, 100 / 101, 4 lots a side.
QUOTES = quotes_table([10, 20, 30, 40], [100] * 4, [101] * 4, [4] * 4, [4] * 4)


class Script(Strategy):
    """Runs ``steps[i]`` on the i-th quote; keeps the orders it made."""

    def __init__(self, steps: dict[int, Callable[[Script], None]]) -> None:
        super().__init__()
        self.steps = steps
        self.seen = 0
        self.made: list[Order] = []

    def on_start(self) -> None:
        self.subscribe_quotes(SPOT.id)

    def on_quote(self, quote: Quote) -> None:
        step = self.steps.get(self.seen)
        self.seen += 1
        if step is not None:
            step(self)


def run(venue: VenueConfig, steps: dict[int, Callable[[Script], None]]) -> Script:
    engine = BacktestEngine()
    engine.add_venue(venue)
    engine.add_instrument(SPOT)
    engine.add_data(QUOTES, "quotes", SPOT.id)
    strategy = Script(steps)
    engine.add_strategy(strategy)
    result = engine.run()
    assert result.errors == []
    return strategy


def submit(order_of: Callable[[Script], Order]) -> Callable[[Script], None]:
    def step(s: Script) -> None:
        order = order_of(s)
        s.made.append(order)
        s.submit(order)
    return step


def test_modify_then_cancel_both_in_flight() -> None:
    def modify_then_cancel(s: Script) -> None:
        s.modify(s.made[0], price=Decimal(90))
        s.cancel(s.made[0])

    venue = VenueConfig(name="SIM", currency="USD",
                        latency=LatencyModel(modify_ns=5, cancel_ns=8))
    s = run(venue, {0: submit(lambda s: s.orders.limit(SPOT.id, Side.BUY, 1, 95)),
                    1: modify_then_cancel})
    order = s.made[0]
    assert order.status == OrderStatus.CANCELED
    assert order.price == 90


def test_cancel_in_flight_then_rejected() -> None:
    def sell_then_cancel(s: Script) -> None:
        order = s.orders.market(SPOT.id, Side.SELL, 1)  # a cash account holds nothing
        s.made.append(order)
        s.submit(order)
        s.cancel(order)

    venue = VenueConfig(name="SIM", account_type=AccountType.CASH, currency="USD",
                        latency=LatencyModel(submit_ns=5, cancel_ns=8))
    s = run(venue, {0: sell_then_cancel})
    assert s.made[0].status == OrderStatus.REJECTED


def test_modify_while_cancel_pending_is_rejected_at_once() -> None:
    def cancel_then_modify(s: Script) -> None:
        s.cancel(s.made[0])
        s.modify(s.made[0], price=Decimal(90))

    venue = VenueConfig(name="SIM", currency="USD", latency=LatencyModel(cancel_ns=8))
    s = run(venue, {0: submit(lambda s: s.orders.limit(SPOT.id, Side.BUY, 1, 95)),
                    1: cancel_then_modify})
    order = s.made[0]
    assert order.status == OrderStatus.CANCELED
    assert order.price == 95
    names = [type(event).__name__ for event in order.events]
    assert names == ["OrderSubmitted", "OrderAccepted", "OrderPendingCancel",
                     "OrderModifyRejected", "OrderCanceled"]
