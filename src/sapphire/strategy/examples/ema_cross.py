"""EMA cross: long when the fast EMA is above the slow one, short when below.

Rule (the benchmark peers implement the same): on each bar update EMA(fast) and
EMA(slow) with the close (alpha ``2/(n+1)``, seeded with the first close); once both have
seen their period of bars, if fast > slow and the position is <= 0, buy
``trade_size - position`` at market; if fast < slow and the position is >= 0, sell
``trade_size + position``; if they are equal, do nothing.
"""

from __future__ import annotations

from sapphire.core.enums import Side
from sapphire.model.market import Bar
from sapphire.strategy.examples.bar_strategy import BarStrategy, BarStrategyConfig
from sapphire.strategy.indicators import EMA


class EMACrossConfig(BarStrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`EMACross`."""

    fast_period: int = 10
    slow_period: int = 20


class EMACross(BarStrategy):
    """Trades the cross of two exponential moving averages of bar closes."""

    config_class = EMACrossConfig
    config: EMACrossConfig

    def __init__(self, config: EMACrossConfig) -> None:
        super().__init__(config)
        self.fast = EMA(config.fast_period)
        self.slow = EMA(config.slow_period)

    def on_bar(self, bar: Bar) -> None:
        fast, slow = self.fast, self.slow
        fast.update(bar.close)
        slow.update(bar.close)
        if not (fast.initialized and slow.initialized):
            return
        position = self.held()
        if fast.value > slow.value and position <= 0:
            self.trade(Side.BUY, self.lots - position)
        elif fast.value < slow.value and position >= 0:
            self.trade(Side.SELL, self.lots + position)
