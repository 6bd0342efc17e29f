"""A strategy hearing of a fill sees the venue as it is after the fill: a filled order has
left the venue's working orders (the accounting property tests found it listed there)."""
from __future__ import annotations

from decimal import Decimal

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.model.instruments import SpotPair
from sapphire.model.market import Quote
from sapphire.model.order_events import OrderFilled
from sapphire.model.orders import Order
from sapphire.strategy.strategy import Strategy
from tests.unit.engine._flows import quotes_table

SPOT = SpotPair(id="BTCUSD.SIM", quote_currency="USD", base_currency="BTC",
                price_increment=Decimal(1), size_increment=Decimal(1))
#: Two quotes 10 ns apart, 100 / 101, 4 lots a side.
QUOTES = quotes_table([10, 20], [100] * 2, [101] * 2, [4] * 2, [4] * 2)


class BuyOnceAndWatch(Strategy):
    """Buys 1 lot at market on the first quote; on its fill, notes whether the venue still
    lists the order as working."""

    def __init__(self) -> None:
        super().__init__()
        self.order: Order | None = None
        self.still_working: list[bool] = []

    def on_start(self) -> None:
        self.subscribe_quotes(SPOT.id)

    def on_quote(self, quote: Quote) -> None:
        if self.order is None:
            self.order = self.orders.market(SPOT.id, Side.BUY, 1)
            self.submit(self.order)

    def on_fill(self, fill: OrderFilled) -> None:
        venue = self.kernel.execution.venues["SIM"]
        self.still_working.append(self.order in venue.working_orders())  # type: ignore[attr-defined]


def test_a_filled_order_has_left_the_venue_when_its_fill_is_heard() -> None:
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USD"))
    engine.add_instrument(SPOT)
    engine.add_data(QUOTES, "quotes", SPOT.id)
    strategy = BuyOnceAndWatch()
    engine.add_strategy(strategy)
    assert engine.run().errors == []
    assert strategy.order is not None and strategy.order.is_closed
    assert strategy.still_working == [False]
