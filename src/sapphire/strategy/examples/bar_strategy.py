"""What the bar-driven examples share: one bar type, a trade size, market orders in lots."""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.data.bar_type import BarType
from sapphire.model.order_factory import Lots
from sapphire.strategy.strategy import Strategy, StrategyConfig


class BarStrategyConfig(StrategyConfig, frozen=True, kw_only=True):
    """The bars to trade on and the size of a full position (instrument units)."""

    bar_type: str
    trade_size: Decimal


class BarStrategy(Strategy):
    """Subscribes to ``bar_type`` on start and trades its instrument at market in lots."""

    config: BarStrategyConfig

    def __init__(self, config: BarStrategyConfig) -> None:
        super().__init__(config)
        self.bar_type = BarType.parse(config.bar_type)
        self.instrument_id = self.bar_type.instrument_id
        self.lots = 0

    def on_start(self) -> None:
        instrument = self.instrument(self.instrument_id)
        self.lots = instrument.size_to_lot(self.config.trade_size)
        self.subscribe_bars(self.bar_type)

    def held(self) -> int:
        """Net position in lots (signed)."""
        return self._net_lots.get(self.instrument_id, 0)

    def trade(self, side: Side, lots: int) -> None:
        """Send a market order for ``lots``."""
        self.submit(self.orders.market(self.instrument_id, side, Lots(lots)))
