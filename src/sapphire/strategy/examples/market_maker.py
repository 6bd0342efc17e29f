"""A simple quoting market maker: one bid and one ask around the touch, skewed by inventory.

Rule: on every quote, when the touch has moved since our quotes were placed (or we have
none), cancel our working quotes and post-only a bid ``offset_ticks`` below the best bid
and an ask ``offset_ticks`` above the best ask, each for ``quote_size``. Inventory skews
both prices by ``skew_ticks`` per ``quote_size`` held (long: lower, to sell more readily);
a side whose fill would take inventory beyond ``max_inventory`` is not quoted.
"""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.model.market import Quote
from sapphire.model.orders import Order
from sapphire.strategy.strategy import Strategy, StrategyConfig


class QuotingMarketMakerConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`QuotingMarketMaker`."""

    instrument_id: str
    quote_size: Decimal
    max_inventory: Decimal
    offset_ticks: int = 0
    skew_ticks: int = 1


class QuotingMarketMaker(Strategy):
    """Keeps a bid and an ask near the touch."""

    config_class = QuotingMarketMakerConfig
    config: QuotingMarketMakerConfig

    def __init__(self, config: QuotingMarketMakerConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.parse(config.instrument_id)
        self._quoted: tuple[int, int] | None = None
        self._working: list[Order] = []

    def on_start(self) -> None:
        instrument = self.instrument(self.instrument_id)
        self._price_unit = instrument.price_increment
        self._size = instrument.size_to_lot(self.config.quote_size)
        self._max = instrument.size_to_lot(self.config.max_inventory)
        self.subscribe_quotes(self.instrument_id)

    def on_quote(self, quote: Quote) -> None:
        touch = (quote.bid_ticks, quote.ask_ticks)
        if touch == self._quoted:
            return
        self._quoted = touch
        for order in self._working:
            if not order.is_closed and order.status.value != "pending_cancel":
                self.cancel(order)
        inventory = self.position_lots(self.instrument_id)
        skew = (inventory * self.config.skew_ticks) // self._size
        bid = quote.bid_ticks - self.config.offset_ticks - skew
        ask = quote.ask_ticks + self.config.offset_ticks - skew
        self._working = []
        if inventory + self._size <= self._max and bid > 0:
            self._post(Side.BUY, min(bid, quote.ask_ticks - 1))
        if inventory - self._size >= -self._max:
            self._post(Side.SELL, max(ask, quote.bid_ticks + 1))

    def _post(self, side: Side, ticks: int) -> None:
        order = self.orders.limit(self.instrument_id, side, self._size * self.size_unit,
                                  ticks * self._price_unit, post_only=True)
        self._working.append(order)
        self.submit(order)

    @property
    def size_unit(self) -> Decimal:
        return self.instrument(self.instrument_id).size_increment
