"""The kernel: one place that holds the clock, bus, cache, portfolio, engines and strategies.

The backtest engine and (later) the live node build a kernel and feed it; strategies only
ever see the kernel, which is why they cannot tell the two apart.
"""

from __future__ import annotations

import logging
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from sapphire.core.errors import ConfigError, SapphireError
from sapphire.engine.cache import Cache
from sapphire.engine.data import DataEngine
from sapphire.engine.execution import ExecutionEngine
from sapphire.engine.msgbus import MessageBus
from sapphire.engine.portfolio import Marks, Portfolio
from sapphire.engine.risk import NoRisk, PreTradeRisk
from sapphire.metrics.engine import EngineMetrics, NullMetrics
from sapphire.model.order_events import OrderEvent, OrderFilled
from sapphire.model.order_factory import OrderFactory

if TYPE_CHECKING:
    from sapphire.engine.clock import SimulatedClock
    from sapphire.model.orders import Order
    from sapphire.strategy.strategy import Strategy

log = logging.getLogger(__name__)

_DATA_HANDLERS = frozenset({"on_quote", "on_trade", "on_bar"})


class StrategyError(SapphireError):
    """A strategy raised inside one of its handlers; the run stops there."""


class Kernel:
    """Everything a strategy can reach, wired together."""

    def __init__(self, clock: SimulatedClock, marks: Marks,
                 risk: PreTradeRisk | None = None, metrics: EngineMetrics | None = None) -> None:
        self.clock = clock
        #: the price positions are valued at, in ticks, by instrument id (None: no price yet)
        self.marks = marks
        self.metrics = metrics if metrics is not None else NullMetrics()
        #: when the event being handled was taken off the timeline (perf_counter_ns), for
        #: the data-to-strategy latency; set by the replay only when metrics are on
        self.event_t0 = 0
        self.bus = MessageBus()
        self.cache = Cache()
        self.data = DataEngine()
        self.portfolio = Portfolio(marks)
        self.cache.link_positions(self.portfolio.positions)
        self.execution = ExecutionEngine(self.cache, self.portfolio, risk or NoRisk(),
                                         clock.now, self._deliver, self.metrics)
        if self.metrics.enabled:
            self.call = self._call_timed  # type: ignore[method-assign]
        self.strategies: dict[str, Strategy] = {}
        self._factories: dict[str, OrderFactory] = {}
        self._order_topics: dict[str, str] = {}
        self._listens: dict[str, tuple[bool, bool]] = {}
        # a risk engine that needs the kernel (clock, cache, portfolio, bus) asks for it
        bind = getattr(risk, "bind", None)
        if callable(bind):
            bind(self)

    def add_strategy(self, strategy: Strategy) -> None:
        from sapphire.strategy.strategy import Strategy as StrategyBase

        if strategy.strategy_id in self.strategies:
            raise ConfigError(f"a strategy with id {strategy.strategy_id!r} is already added")
        self.strategies[strategy.strategy_id] = strategy
        # three events per order: skip calling handlers the strategy left as the base's no-op
        overrides = [getattr(getattr(strategy, name), "__func__", None)
                     is not getattr(StrategyBase, name) for name in ("on_order_event", "on_fill")]
        self._listens[strategy.strategy_id] = (overrides[0], overrides[1])
        strategy.register(self)

    def order_factory(self, strategy_id: str) -> OrderFactory:
        factory = self._factories.get(strategy_id)
        if factory is None:
            factory = OrderFactory(strategy_id, self.cache.instrument, self.clock.now)
            self._factories[strategy_id] = factory
        return factory

    def call(self, strategy: Strategy, handler: str, *args: Any) -> None:
        """Call ``strategy.<handler>(*args)``; an exception stops the run with a
        :class:`StrategyError` that names the strategy, the handler and the time."""
        try:
            getattr(strategy, handler)(*args)
        except StrategyError:
            raise
        except Exception as exc:
            raise self.strategy_error(strategy, handler, exc) from exc

    def _call_timed(self, strategy: Strategy, handler: str, *args: Any) -> None:
        if handler in _DATA_HANDLERS:
            self.metrics.data_to_strategy.observe(perf_counter_ns() - self.event_t0)
        Kernel.call(self, strategy, handler, *args)

    def strategy_error(self, strategy: object, handler: str, exc: Exception) -> StrategyError:
        """The error that stops a run when ``strategy`` raised ``exc`` in ``handler``."""
        who = getattr(strategy, "strategy_id", "strategy")
        return StrategyError(f"{who} raised in {handler} at ts={self.clock.now()}: "
                             f"{type(exc).__name__}: {exc}")

    def _deliver(self, order: Order, event: OrderEvent) -> None:
        topic = self._order_topics.get(order.strategy_id)
        if topic is None:
            topic = self._order_topics[order.strategy_id] = f"orders.{order.strategy_id}"
        self.bus.publish(topic, event)
        strategy = self.strategies.get(order.strategy_id)
        if strategy is None:
            return
        listens = self._listens[order.strategy_id]
        if listens[0]:
            self.call(strategy, "on_order_event", event)
        if listens[1] and isinstance(event, OrderFilled):
            self.call(strategy, "on_fill", event)
