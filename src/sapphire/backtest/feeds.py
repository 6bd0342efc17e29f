"""What Python does with one market event: match the venue, then deliver to subscribers.

One feed per stream, specialised by kind so the per-event path has no branching on kind
and no lookups it can do once at set-up. This is the hot path whenever a strategy asked
for every tick or bar (a few microseconds per event in all), so it reads the stream's
loaded lists directly and calls the strategies' bound handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sapphire.engine.kernel import StrategyError
from sapphire.model.market import Bar, Quote
from sapphire.sim.market_state import UNLIMITED

if TYPE_CHECKING:
    from sapphire.backtest.streams import Stream
    from sapphire.engine.kernel import Kernel
    from sapphire.sim.market_state import MarketState
    from sapphire.sim.venue import SimulatedVenue
    from sapphire.strategy.strategy import Strategy


def deliver(kernel: Kernel, handlers: list[tuple[Strategy, Callable[[Any], None]]],
            name: str, data: Any) -> None:
    """Call each strategy's bound ``name`` handler with ``data``; an exception stops the run
    with a :class:`StrategyError` naming the strategy and the handler."""
    for strategy, handler in handlers:
        try:
            handler(data)
        except StrategyError:
            raise
        except Exception as exc:
            raise kernel.strategy_error(strategy, name, exc) from exc


class Feed:
    """Delivers events of one stream (``handle(row, ts)``)."""

    handler_name = ""

    def __init__(self, stream: Stream, kernel: Kernel, market: MarketState,
                 venue: SimulatedVenue) -> None:
        self.stream = stream
        self.key = stream.key
        self.k = stream.instrument_index
        self.matching = stream.matching
        self.kernel = kernel
        self.cache = kernel.cache
        self.market = market
        self.venue = venue
        self.working = venue.working_list(stream.instrument_index)
        self.handlers = [(strategy, self._handler(kernel, strategy))
                         for strategy in stream.subscribers]

    def _handler(self, kernel: Kernel, strategy: Strategy) -> Callable[[Any], None]:
        if kernel.metrics.enabled:  # through the kernel, which times data-to-strategy
            name = self.handler_name
            return lambda data: kernel.call(strategy, name, data)
        handler: Callable[[Any], None] = getattr(strategy, self.handler_name)
        return handler

    def deliver(self, data: Any) -> None:
        deliver(self.kernel, self.handlers, self.handler_name, data)

    def handle(self, row: int, ts: int) -> None:
        raise NotImplementedError


class QuoteFeed(Feed):
    handler_name = "on_quote"

    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        j = row - stream.lo if stream.lo <= row < stream.hi else stream.window(row)
        if self.matching:
            raw = stream.raw
            market, k = self.market, self.k
            market.bid[k] = raw[0][j]
            market.ask[k] = raw[1][j]
            market.bid_lots[k] = raw[2][j]
            market.ask_lots[k] = raw[3][j]
            market.has_market[k] = 1
            if self.working:
                self.venue.on_point(k)
        if self.handlers:
            ts_l, bid, ask, bid_size, ask_size, bid_ticks, ask_ticks = stream.lists
            quote = Quote(self.key, ts_l[j], bid[j], ask[j], bid_size[j],  # type: ignore[arg-type]
                          ask_size[j], bid_ticks[j], ask_ticks[j])
            self.cache.quotes[self.key] = quote  # type: ignore[index]
            self.deliver(quote)


class TradeFeed(Feed):
    handler_name = "on_trade"

    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        if self.matching:
            price, size, _, _ = stream.touch(row)
            self.market.set_touch(self.k, price, price, size, size)
            if self.working:
                self.venue.on_point(self.k)
        if self.handlers:
            trade = stream.trade(row)
            self.cache.trades[self.key] = trade  # type: ignore[index]
            self.deliver(trade)


class BarFeed(Feed):
    handler_name = "on_bar"

    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        j = row - stream.lo if stream.lo <= row < stream.hi else stream.window(row)
        if self.matching:
            raw = stream.raw
            close = raw[3][j]
            k = self.k
            if self.working:
                self.venue.on_bar(k, raw[0][j], raw[1][j], raw[2][j], close, ts)
            market = self.market
            market.bid[k] = close
            market.ask[k] = close
            if not market.has_market[k]:
                market.bid_lots[k] = UNLIMITED
                market.ask_lots[k] = UNLIMITED
                market.has_market[k] = 1
        if self.handlers:
            ts_l, open_, high, low, close_, volume = stream.lists
            bar = Bar(self.key, ts_l[j], open_[j], high[j], low[j],  # type: ignore[arg-type]
                      close_[j], volume[j])
            self.cache.bars[self.key] = bar
            self.deliver(bar)
