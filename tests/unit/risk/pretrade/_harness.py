"""A kernel with one margin account, two instruments and an in-memory venue, for the rules.

Prices are in ticks of 0.01 (``2_000_000`` is 20,000.00), sizes in lots of 0.001
(``500`` lots is 0.5 BTC). The venue accepts, cancels and modifies at once; fills are
given by the test (:meth:`Harness.fill`). Marks (the mids) are set by the test.
"""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.engine.clock import SimulatedClock
from sapphire.engine.kernel import Kernel
from sapphire.model.account import Account, AccountType
from sapphire.model.instruments import SpotPair
from sapphire.model.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderUpdated,
)
from sapphire.model.order_factory import Lots
from sapphire.model.orders import Order
from sapphire.risk.pretrade import PreTradeRiskEngine, RiskConfig

NS = 1_000_000_000
DAY = 86_400 * NS
T0 = 19_676 * DAY  # 2023-11-15T00:00:00Z
BTC = SpotPair(id=InstrumentId.parse("BTCUSDT.SIM"), quote_currency="USDT", base_currency="BTC",
               price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))
ETH = SpotPair(id=InstrumentId.parse("ETHUSDT.SIM"), quote_currency="USDT", base_currency="ETH",
               price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))
BUY, SELL = Side.BUY, Side.SELL


class InstantVenue:
    """Accepts, cancels and modifies at once; records what reached it."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.received: list[str] = []

    def submit(self, order: Order) -> None:
        self.received.append(order.order_id)
        self.kernel.execution.on_event(OrderAccepted(order_id=order.order_id,
                                                     ts_event=self.kernel.clock.now()))

    def modify(self, order: Order, quantity: int, price: int | None,
               trigger_price: int | None) -> None:
        self.kernel.execution.on_event(OrderUpdated(
            order_id=order.order_id, ts_event=self.kernel.clock.now(), quantity=quantity,
            price=price, trigger_price=trigger_price))

    def cancel(self, order: Order, reason: str = "") -> None:
        self.kernel.execution.on_event(OrderCanceled(order_id=order.order_id,
                                                     ts_event=self.kernel.clock.now(),
                                                     reason=reason))


class Harness:
    """A bound risk engine over a real kernel, execution engine, cache and portfolio."""

    def __init__(self, config: RiskConfig | None = None, balance: float = 100_000.0) -> None:
        self.clock = SimulatedClock(T0)
        self.marks: dict[object, float | None] = {BTC.id: 2_000_000.0, ETH.id: 100_000.0}
        self.risk = PreTradeRiskEngine(config or RiskConfig())
        self.kernel = kernel = Kernel(self.clock, self.marks.get, self.risk)
        account = Account(AccountType.MARGIN, "USDT", balance)
        kernel.portfolio.add_account("SIM", account)
        for instrument in (BTC, ETH):
            account.add_instrument(instrument)
            kernel.cache.add_instrument(instrument)
        self.venue = InstantVenue(kernel)
        kernel.execution.add_venue("SIM", self.venue)
        self.events: list[OrderEvent] = []
        kernel.bus.subscribe("orders.*", self.events.append)
        self.orders = kernel.order_factory("S")
        self._trades = 0

    def at(self, ts: int) -> None:
        """Move the clock to ``ts`` and run what was scheduled up to it."""
        self.clock.run_due(ts)
        self.clock.set_time(ts)

    def submit(self, order: Order) -> Order:
        self.kernel.execution.submit(order)
        return order

    def limit(self, side: Side, lots: int, ticks: int, instrument: SpotPair = BTC) -> Order:
        return self.submit(self.orders.limit(instrument.id, side, Lots(lots),
                                             Decimal(ticks) * instrument.price_increment))

    def market(self, side: Side, lots: int, instrument: SpotPair = BTC) -> Order:
        return self.submit(self.orders.market(instrument.id, side, Lots(lots)))

    def fill(self, order: Order, lots: int, ticks: int) -> None:
        self._trades += 1
        self.kernel.execution.on_event(OrderFilled(
            order_id=order.order_id, ts_event=self.clock.now(),
            instrument_id=str(order.instrument_id), side=order.sign, quantity=lots,
            price=ticks, fee=0.0, liquidity="taker", trade_id=f"t{self._trades}"))

    def hold(self, side: Side, lots: int, ticks: int, instrument: SpotPair = BTC) -> None:
        """Open a position of ``lots`` at ``ticks`` (a limit order filled in full)."""
        order = self.limit(side, lots, ticks, instrument)
        assert order.status.value == "accepted", order
        self.fill(order, lots, ticks)

    def denial(self, order: Order) -> tuple[str, str]:
        """``(rule, reason)`` of a denied order (fails if it was not denied)."""
        assert order.status.value == "denied", order
        last = order.events[-1]
        return last.rule, last.reason  # type: ignore[attr-defined]
