"""An instrument's limits turned into its own units once, for fast checks.

Positions become whole lots (rounded down, so the limit is never exceeded), the price band
an exact fraction compared in integers, and the contract arithmetic (notional of lots at
ticks, linear or inverse) is the instrument's own :class:`~sapphire.model.position.ContractMath`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

    from sapphire.model.instruments import Instrument
    from sapphire.model.position import ContractMath
    from sapphire.risk.pretrade.config import InstrumentLimits


class ResolvedLimits:
    """One instrument's limits in lots, ticks and its settlement currency."""

    __slots__ = ("band", "currency", "math", "max_lots", "max_open_orders",
                 "max_order_notional", "max_position_notional", "needs_price",
                 "price_increment", "size_increment")

    def __init__(self, limits: InstrumentLimits, instrument: Instrument, math: ContractMath,
                 currency: str) -> None:
        self.math = math
        self.currency = currency
        self.size_increment: Decimal = instrument.size_increment
        self.price_increment: Decimal = instrument.price_increment
        self.max_order_notional = limits.max_order_notional
        self.max_position_notional = limits.max_position_notional
        self.max_open_orders = limits.max_open_orders
        self.max_lots = None if limits.max_position is None else int(
            Fraction(str(limits.max_position)) / Fraction(instrument.size_increment))
        self.band = None if limits.price_band is None else Fraction(str(limits.price_band))
        self.needs_price = (self.max_order_notional is not None
                            or self.max_position_notional is not None)

    def outside_band(self, price: int, reference: float) -> bool:
        """``price`` (ticks) is further than the band from ``reference`` (ticks, maybe a
        half tick): compared exactly, in integers, so a price on the band's edge passes."""
        assert self.band is not None
        twice_ref = round(2 * reference)  # a mid is a whole or half tick
        return abs(2 * price - twice_ref) * self.band.denominator > \
            self.band.numerator * twice_ref
