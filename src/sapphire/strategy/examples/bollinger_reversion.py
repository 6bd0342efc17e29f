"""Bollinger mean reversion: fade closes outside the bands, exit at the middle band.

Rule: on each bar update Bollinger bands (SMA(period) +/- k population standard
deviations of closes). Once initialized: a close below the lower band with no long
position goes long ``trade_size``; a close above the upper band with no short position
goes short ``trade_size``; a long exits at market when the close reaches the middle band,
a short likewise.
"""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.data.bar_type import BarType
from sapphire.model.market import Bar
from sapphire.strategy.indicators import BollingerBands
from sapphire.strategy.strategy import Strategy, StrategyConfig


class BollingerReversionConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`BollingerReversion`."""

    bar_type: str
    trade_size: Decimal
    period: int = 20
    k: float = 2.0


class BollingerReversion(Strategy):
    """Mean reversion on Bollinger bands of bar closes."""

    config_class = BollingerReversionConfig
    config: BollingerReversionConfig

    def __init__(self, config: BollingerReversionConfig) -> None:
        super().__init__(config)
        self.bar_type = BarType.parse(config.bar_type)
        self.bands = BollingerBands(config.period, config.k)

    def on_start(self) -> None:
        instrument = self.instrument(self.bar_type.instrument_id)
        self._lots = instrument.size_to_lot(self.config.trade_size)
        self._size_unit = instrument.size_increment
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        bands = self.bands
        bands.update(bar.close)
        if not bands.initialized:
            return
        position = self.position_lots(self.bar_type.instrument_id)
        if bar.close < bands.lower and position <= 0:
            self._trade(Side.BUY, self._lots - position)
        elif bar.close > bands.upper and position >= 0:
            self._trade(Side.SELL, self._lots + position)
        elif position > 0 and bar.close >= bands.middle:
            self._trade(Side.SELL, position)
        elif position < 0 and bar.close <= bands.middle:
            self._trade(Side.BUY, -position)

    def _trade(self, side: Side, lots: int) -> None:
        self.submit(self.orders.market(self.bar_type.instrument_id, side,
                                       lots * self._size_unit))
