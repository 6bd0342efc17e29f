"""Bollinger mean reversion: fade closes outside the bands, exit at the middle band.

Rule: on each bar update Bollinger bands (SMA(period) +/- k population standard
deviations of closes). Once initialized: a close below the lower band with no long
position goes long ``trade_size``; a close above the upper band with no short position
goes short ``trade_size``; a long exits at market when the close reaches the middle band,
a short likewise.
"""

from __future__ import annotations

from sapphire.core.enums import Side
from sapphire.model.market import Bar
from sapphire.strategy.examples.bar_strategy import BarStrategy, BarStrategyConfig
from sapphire.strategy.indicators import BollingerBands


class BollingerReversionConfig(BarStrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`BollingerReversion`."""

    period: int = 20
    k: float = 2.0


class BollingerReversion(BarStrategy):
    """Mean reversion on Bollinger bands of bar closes."""

    config_class = BollingerReversionConfig
    config: BollingerReversionConfig

    def __init__(self, config: BollingerReversionConfig) -> None:
        super().__init__(config)
        self.bands = BollingerBands(config.period, config.k)

    def on_bar(self, bar: Bar) -> None:
        bands = self.bands
        bands.update(bar.close)
        if not bands.initialized:
            return
        position = self.held()
        if bar.close < bands.lower and position <= 0:
            self.trade(Side.BUY, self.lots - position)
        elif bar.close > bands.upper and position >= 0:
            self.trade(Side.SELL, self.lots + position)
        elif position > 0 and bar.close >= bands.middle:
            self.trade(Side.SELL, position)
        elif position < 0 and bar.close <= bands.middle:
            self.trade(Side.BUY, -position)
