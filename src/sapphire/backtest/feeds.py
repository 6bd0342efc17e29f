"""What Python does with one market event: match the venue, then deliver to subscribers.

One feed per stream, specialised by kind so the per-event path has no branching on kind
and no lookups it can do once at set-up. This is the hot path whenever a strategy asked
for every tick or bar, so it is written for speed: plain attribute reads, no helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sapphire.sim.market_state import UNLIMITED

if TYPE_CHECKING:
    from sapphire.backtest.streams import Stream
    from sapphire.engine.kernel import Kernel
    from sapphire.sim.market_state import MarketState
    from sapphire.sim.venue import SimulatedVenue


class Feed:
    """Delivers events of one stream (``handle(row, ts)``)."""

    def __init__(self, stream: Stream, kernel: Kernel, market: MarketState,
                 venue: SimulatedVenue) -> None:
        self.stream = stream
        self.key = stream.key
        self.k = stream.instrument_index
        self.matching = stream.matching
        self.subscribers = tuple(stream.subscribers)
        self.call = kernel.call
        self.cache = kernel.cache
        self.market = market
        self.venue = venue

    def handle(self, row: int, ts: int) -> None:
        raise NotImplementedError


class QuoteFeed(Feed):
    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        quote = stream.quote(row) if self.subscribers else None
        if self.matching:
            bid, ask, bid_lots, ask_lots = stream.touch(row)
            market, k = self.market, self.k
            market.bid[k] = bid
            market.ask[k] = ask
            market.bid_lots[k] = bid_lots
            market.ask_lots[k] = ask_lots
            market.ts[k] = ts
            market.has_market[k] = 1
            if self.venue.has_working(k):
                self.venue.on_point(k)
        if quote is not None:
            self.cache.quotes[self.key] = quote  # type: ignore[index]
            for strategy in self.subscribers:
                self.call(strategy, "on_quote", quote)


class TradeFeed(Feed):
    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        if self.matching:
            price, size, _, _ = stream.touch(row)
            self.market.set_touch(self.k, ts, price, price, size, size, price)
            if self.venue.has_working(self.k):
                self.venue.on_point(self.k)
        if self.subscribers:
            trade = stream.trade(row)
            self.cache.trades[self.key] = trade  # type: ignore[index]
            for strategy in self.subscribers:
                self.call(strategy, "on_trade", trade)


class BarFeed(Feed):
    def handle(self, row: int, ts: int) -> None:
        stream = self.stream
        if self.matching:
            open_, high, low, close = stream.touch(row)
            k = self.k
            if self.venue.has_working(k):
                self.venue.on_bar(k, open_, high, low, close, ts)
            market = self.market
            market.bid[k] = close
            market.ask[k] = close
            market.last[k] = close
            market.ts[k] = ts
            if not market.has_market[k]:
                market.bid_lots[k] = UNLIMITED
                market.ask_lots[k] = UNLIMITED
                market.has_market[k] = 1
        if self.subscribers:
            bar = stream.bar(row)
            self.cache.bars[self.key] = bar
            for strategy in self.subscribers:
                self.call(strategy, "on_bar", bar)
