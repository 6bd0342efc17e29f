"""A market maker that quotes the touch of the order book on a timer.

Rule, every ``interval_ns`` (the quoting loop hftbacktest's examples run, so the two can
be compared on the same events): read the best bid and ask from the book (and do nothing
while a side is empty or the book is crossed, as in a pre-open auction), and for each side

* when the position leaves room for one more ``quote_size`` on that side (below
  ``max_position`` long for the bid, above ``-max_position`` for the ask), keep exactly one
  post-only order of ``quote_size`` at the best price of that side, ``skew_ticks`` further
  away per ``quote_size`` held against it: a working quote at another price is canceled
  and a new one sent;
* otherwise cancel that side's quote.

Fills, inventory and PnL are in the run's results (fills table, positions after each
fill, equity curve) and its report.
"""

from __future__ import annotations

from decimal import Decimal

from sapphire.core.enums import Side
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.model.orders import Order, OrderStatus
from sapphire.strategy.strategy import Strategy, StrategyConfig, TimerEvent


class BookMarketMakerConfig(StrategyConfig, frozen=True, kw_only=True):
    """Parameters of :class:`BookMarketMaker` (sizes in instrument units)."""

    instrument_id: str
    quote_size: Decimal
    max_position: Decimal
    interval_ns: int = 100_000_000
    skew_ticks: int = 0

    def __post_init__(self) -> None:
        if self.interval_ns <= 0:
            raise ConfigError(f"interval_ns must be positive, was {self.interval_ns}")
        if self.quote_size <= 0 or self.max_position < self.quote_size:
            raise ConfigError(f"need 0 < quote_size <= max_position, got {self.quote_size} "
                              f"and {self.max_position}")


class BookMarketMaker(Strategy):
    """Quotes the best bid and ask of the book, one order a side."""

    config_class = BookMarketMakerConfig
    config: BookMarketMakerConfig

    def __init__(self, config: BookMarketMakerConfig) -> None:
        super().__init__(config)
        self.instrument_id = InstrumentId.parse(config.instrument_id)
        self._quotes: dict[Side, Order | None] = {Side.BUY: None, Side.SELL: None}

    def on_start(self) -> None:
        instrument = self.instrument(self.instrument_id)
        self._tick = instrument.price_increment
        self._unit = instrument.size_increment
        self._size = instrument.size_to_lot(self.config.quote_size)
        self._max = instrument.size_to_lot(self.config.max_position)
        self.set_timer("quote", self.config.interval_ns)

    def on_timer(self, timer: TimerEvent) -> None:
        book = self.cache.book(self.instrument_id)
        bid, ask = book.best_bid_price(), book.best_ask_price()
        if bid is None or ask is None or bid >= ask:  # one side empty, or a crossed auction book
            return
        position = self.position_lots(self.instrument_id)
        skew = (position // self._size) * self.config.skew_ticks
        self._keep(Side.BUY, bid - skew, position + self._size <= self._max)
        self._keep(Side.SELL, ask - skew, position - self._size >= -self._max)

    def _keep(self, side: Side, ticks: int, room: bool) -> None:
        order = self._quotes[side]
        if order is not None and (order.is_closed or order.status == OrderStatus.PENDING_CANCEL):
            order = self._quotes[side] = None
        if order is not None and (not room or order.price != ticks):
            self.cancel(order)
            order = self._quotes[side] = None
        if room and order is None and ticks > 0:
            order = self.orders.limit(self.instrument_id, side, self._size * self._unit,
                                      ticks * self._tick, post_only=True)
            self._quotes[side] = order
            self.submit(order)
