"""The Strategy base class: handlers to override and helpers to trade.

A strategy talks only to the kernel (:class:`~sapphire.engine.kernel.Kernel`): it
subscribes to data, reads the cache and portfolio, and sends orders. It cannot tell a
backtest from live trading. Parameters come as a typed, immutable
:class:`StrategyConfig`; unknown fields are errors.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.data.bar_type import BarType

if TYPE_CHECKING:
    from sapphire.engine.cache import Cache
    from sapphire.engine.kernel import Kernel
    from sapphire.engine.portfolio import Portfolio
    from sapphire.model.instruments import Instrument
    from sapphire.model.market import Bar, Quote, Trade
    from sapphire.model.order_events import OrderEvent, OrderFilled
    from sapphire.model.order_factory import OrderFactory
    from sapphire.model.orders import Order


class StrategyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of strategy parameters; subclass it and declare typed fields."""

    strategy_id: str = ""


class TimerEvent(msgspec.Struct, frozen=True):
    """A timer set with :meth:`Strategy.set_timer` fired at ``ts_event``."""

    name: str
    ts_event: int


class Strategy:
    """Subclass and override the ``on_*`` handlers you need.

    Parameters
    ----------
    config
        The strategy's parameters, an instance of ``config_class``.
    """

    config_class: ClassVar[type[StrategyConfig]] = StrategyConfig

    def __init__(self, config: StrategyConfig | None = None) -> None:
        config = config if config is not None else self.config_class()
        if not isinstance(config, self.config_class):
            raise ConfigError(f"{type(self).__name__} needs a {self.config_class.__name__}, "
                              f"got {type(config).__name__}")
        self.config = config
        self.strategy_id = config.strategy_id or type(self).__name__
        self.log = logging.getLogger(f"sapphire.strategy.{self.strategy_id}")
        self._kernel: Kernel | None = None
        self._net_lots: dict[object, int] = {}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Strategy:
        """Build from plain data (a TOML table); unknown or mistyped fields name the key."""
        try:
            config = msgspec.convert(params, type=cls.config_class, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"{cls.__name__} parameters: {exc}") from None
        return cls(config)

    # -- wiring -----------------------------------------------------------------------------

    def register(self, kernel: Kernel) -> None:
        """Called by the kernel when the strategy is added."""
        self._kernel = kernel
        self._net_lots = kernel.portfolio.net_lots

    @property
    def kernel(self) -> Kernel:
        if self._kernel is None:
            raise ConfigError(f"strategy {self.strategy_id} is not added to an engine yet")
        return self._kernel

    @property
    def cache(self) -> Cache:
        return self.kernel.cache

    @property
    def portfolio(self) -> Portfolio:
        return self.kernel.portfolio

    @property
    def orders(self) -> OrderFactory:
        """Builds this strategy's orders (``self.orders.limit(...)``)."""
        return self.kernel.order_factory(self.strategy_id)

    def now(self) -> int:
        """The kernel's time, ns UTC (simulated in a backtest)."""
        return self.kernel.clock.now()

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        return self.kernel.cache.instrument(instrument_id)

    # -- handlers (override) ----------------------------------------------------------------

    def on_start(self) -> None:
        """Subscribe to data and set timers here."""

    def on_stop(self) -> None:
        """The run is ending."""

    def on_quote(self, quote: Quote) -> None:
        """A subscribed quote arrived."""

    def on_trade(self, trade: Trade) -> None:
        """A subscribed trade arrived."""

    def on_bar(self, bar: Bar) -> None:
        """A subscribed bar closed."""

    def on_book(self, book: Any) -> None:
        """A subscribed order book changed (an ``L2Book`` or ``L3Book``, read-only)."""

    def on_order_event(self, event: OrderEvent) -> None:
        """Any event of one of this strategy's orders (fills included)."""

    def on_fill(self, fill: OrderFilled) -> None:
        """One of this strategy's orders filled, in part or in full."""

    def on_timer(self, timer: TimerEvent) -> None:
        """A timer set with :meth:`set_timer` fired."""

    # -- data -------------------------------------------------------------------------------

    def subscribe_quotes(self, instrument_id: InstrumentId | str) -> None:
        self.kernel.data.subscribe("quotes", _instrument_id(instrument_id), self)

    def subscribe_trades(self, instrument_id: InstrumentId | str) -> None:
        self.kernel.data.subscribe("trades", _instrument_id(instrument_id), self)

    def subscribe_book(self, instrument_id: InstrumentId | str) -> None:
        """The instrument's order book after every message of its data and every trade
        (``on_book``). The book itself is in the cache whether or not you subscribe:
        ``self.cache.book(instrument_id)``."""
        self.kernel.data.subscribe("books", _instrument_id(instrument_id), self)

    def subscribe_bars(self, bar_type: BarType | str) -> None:
        """Bars of ``bar_type``: imported ones (``-external``) or built by the engine from
        the instrument's quotes or trades (``-internal``)."""
        key = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
        self.kernel.data.subscribe("bars", key, self)

    def set_timer(self, name: str, interval_ns: int, *, start_ns: int | None = None,
                  stop_ns: int | None = None) -> None:
        """Call :meth:`on_timer` every ``interval_ns``."""
        clock = self.kernel.clock

        def fire() -> None:
            self.kernel.call(self, "on_timer", TimerEvent(name, clock.now()))

        clock.set_timer(interval_ns, fire, start_ns=start_ns, stop_ns=stop_ns)

    # -- trading ----------------------------------------------------------------------------

    def submit(self, order: Order | list[Order]) -> None:
        """Send an order, or a bracket/linked list of orders, through risk to its venue."""
        for item in order if isinstance(order, list) else [order]:
            self.kernel.execution.submit(item)

    def modify(self, order: Order, *, quantity: Decimal | str | float | None = None,
               price: Decimal | str | float | None = None,
               trigger_price: Decimal | str | float | None = None) -> None:
        """Change a working order's quantity, price or trigger (unchanged where None)."""
        instrument = self.instrument(order.instrument_id)
        lots = order.quantity if quantity is None else instrument.size_to_lot(quantity)
        ticks = order.price if price is None else instrument.price_to_tick(price)
        trigger = (order.trigger_price if trigger_price is None
                   else instrument.price_to_tick(trigger_price))
        self.kernel.execution.modify(order, lots, ticks, trigger)

    def cancel(self, order: Order) -> None:
        self.kernel.execution.cancel(order)

    def cancel_all(self, instrument_id: InstrumentId | str | None = None) -> None:
        """Cancel this strategy's open orders (in one instrument, or all)."""
        key = None if instrument_id is None else _instrument_id(instrument_id)
        for order in self.cache.open_orders(key, self.strategy_id):
            if order.status.value != "pending_cancel":
                self.cancel(order)

    def position(self, instrument_id: InstrumentId | str) -> Decimal:
        """Net position in ``instrument_id``, in instrument units (negative when short)."""
        instrument = self.instrument(instrument_id)
        lots = self.portfolio.net_position(instrument.id)
        return lots * instrument.size_increment

    def position_lots(self, instrument_id: InstrumentId) -> int:
        """Net position in lots (signed)."""
        return self._net_lots.get(instrument_id, 0)

    def close_position(self, instrument_id: InstrumentId | str) -> None:
        """Flatten the net position with a market order."""
        from sapphire.core.enums import Side

        instrument = self.instrument(instrument_id)
        lots = self.portfolio.net_position(instrument.id)
        if lots:
            side = Side.SELL if lots > 0 else Side.BUY
            self.submit(self.orders.market(instrument.id, side,
                                           abs(lots) * instrument.size_increment,
                                           reduce_only=True))


def _instrument_id(value: InstrumentId | str) -> InstrumentId:
    return InstrumentId.parse(value) if isinstance(value, str) else value
