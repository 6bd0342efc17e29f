"""The cache: instruments, orders, open positions and the latest market data, to read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sapphire.core.errors import UnknownInstrumentError
from sapphire.core.identifiers import InstrumentId

if TYPE_CHECKING:
    from collections.abc import Callable

    from sapphire.model.instruments import Instrument
    from sapphire.model.market import Bar, Quote, Trade
    from sapphire.model.orders import Order
    from sapphire.model.position import Position


class Cache:
    """What the kernel knows now. Strategies read it; only the engines write it."""

    def __init__(self) -> None:
        self._instruments: dict[InstrumentId, Instrument] = {}
        self.orders: dict[str, Order] = {}
        self.quotes: dict[InstrumentId, Quote] = {}
        self.trades: dict[InstrumentId, Trade] = {}
        self.bars: dict[object, Bar] = {}
        #: order books by instrument id (as the strategies see them: after the feed latency)
        self.books: dict[InstrumentId, Any] = {}
        self._positions: Callable[[], list[Position]] = list

    def link_positions(self, source: Callable[[], list[Position]]) -> None:
        """Read open positions from ``source`` (the portfolio, which books them)."""
        self._positions = source

    def positions(self, instrument_id: InstrumentId | None = None) -> list[Position]:
        """Open positions (in one instrument, or all)."""
        return [p for p in self._positions()
                if instrument_id is None or p.instrument_id == instrument_id]

    def book(self, instrument_id: InstrumentId | str) -> Any:
        """The order book of ``instrument_id`` (an ``L2Book`` or ``L3Book``; read it, never
        change it)."""
        key = InstrumentId.parse(instrument_id) if isinstance(instrument_id, str) else instrument_id
        try:
            return self.books[key]
        except KeyError:
            raise UnknownInstrumentError(f"no order book for {instrument_id}: add its L2 or "
                                         "L3 data to the engine") from None

    def add_instrument(self, instrument: Instrument) -> None:
        self._instruments[instrument.id] = instrument

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """The instrument registered under ``instrument_id``."""
        key = InstrumentId.parse(instrument_id) if isinstance(instrument_id, str) else instrument_id
        try:
            return self._instruments[key]
        except KeyError:
            known = ", ".join(sorted(map(str, self._instruments))) or "none"
            raise UnknownInstrumentError(
                f"unknown instrument {instrument_id}; registered: {known}") from None

    @property
    def instruments(self) -> list[Instrument]:
        return list(self._instruments.values())

    def order(self, order_id: str) -> Order:
        return self.orders[order_id]

    def open_orders(self, instrument_id: InstrumentId | None = None,
                    strategy_id: str | None = None) -> list[Order]:
        """Orders not yet closed (submitted or working), oldest first."""
        return [order for order in self.orders.values()
                if not order.is_closed and order.status.value != "initialized"
                and (instrument_id is None or order.instrument_id == instrument_id)
                and (strategy_id is None or order.strategy_id == strategy_id)]
