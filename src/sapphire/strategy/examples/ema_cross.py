"""EMA cross: long when the fast EMA is above the slow one, short when below.

Rule (the benchmark peers implement the same): on each bar update EMA(fast) and
EMA(slow) with the close (alpha ``2/(n+1)``, seeded with the first close); once both have
seen their period of bars, if fast > slow and the position is <= 0, buy
``trade_size - position`` at market; if fast < slow and the position is >= 0, sell
``trade_size + position``; if they are equal, do nothing.
"""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.data.bar_type import BarType
from sapphire.model.market import Bar
from sapphire.strategy.indicators import EMA
from sapphire.strategy.strategy import Strategy, StrategyConfig


class EMACrossConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`EMACross`."""

    bar_type: str
    trade_size: Decimal
    fast_period: int = 10
    slow_period: int = 20


class EMACross(Strategy):
    """Trades the cross of two exponential moving averages of bar closes."""

    config_class = EMACrossConfig
    config: EMACrossConfig

    def __init__(self, config: EMACrossConfig) -> None:
        super().__init__(config)
        self.bar_type = BarType.parse(config.bar_type)
        self.fast = EMA(config.fast_period)
        self.slow = EMA(config.slow_period)
        self._lots = 0

    def on_start(self) -> None:
        instrument = self.instrument(self.bar_type.instrument_id)
        self._lots = instrument.size_to_lot(self.config.trade_size)
        self._size_unit = instrument.size_increment
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        fast, slow = self.fast, self.slow
        fast.update(bar.close)
        slow.update(bar.close)
        if not (fast.initialized and slow.initialized):
            return
        instrument_id = self.bar_type.instrument_id
        position = self.position_lots(instrument_id)
        if fast.value > slow.value and position <= 0:
            self._trade(Side.BUY, self._lots - position)
        elif fast.value < slow.value and position >= 0:
            self._trade(Side.SELL, self._lots + position)

    def _trade(self, side: Side, lots: int) -> None:
        self.submit(self.orders.market(self.bar_type.instrument_id, side,
                                       lots * self._size_unit))
