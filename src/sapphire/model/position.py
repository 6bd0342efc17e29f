"""Positions: signed size, average entry, realized and unrealized PnL, fees.

Quantities are int64 lots and prices int64 ticks; money is float in the account's
currency. A linear contract's PnL is ``size * (exit - entry) * multiplier``; an inverse
one's (settled in the base currency) is ``size * multiplier * (1/entry - 1/exit)``.

The average entry is what makes those formulas add up over fills: the size-weighted
arithmetic mean of the fill prices for linear contracts, the size-weighted *harmonic*
mean for inverse ones (their PnL is linear in ``1/price``), so that realized plus
unrealized PnL always equals the fills' cash flows plus the position's value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument


class ContractMath:
    """Money arithmetic of one instrument, in its settlement currency."""

    __slots__ = (
        "instrument",
        "inverse",
        "margin_fraction",
        "multiplier",
        "point_value",
        "price_unit",
        "size_unit",
    )

    def __init__(self, instrument: Instrument, leverage: float = 1.0) -> None:
        self.instrument = instrument
        self.price_unit = float(instrument.price_increment)
        self.size_unit = float(instrument.size_increment)
        self.multiplier = float(instrument.multiplier)
        self.inverse = instrument.is_inverse
        # value of one lot moving one tick, for linear contracts
        self.point_value = self.price_unit * self.size_unit * self.multiplier
        # the instrument's initial margin is the venue's rule; account leverage can only
        # ask for more margin, never less
        self.margin_fraction = max(float(instrument.initial_margin), 1.0 / leverage)

    def notional(self, lots: int, ticks: float) -> float:
        """Absolute value of ``lots`` at ``ticks``."""
        size = abs(lots) * self.size_unit * self.multiplier
        if self.inverse:
            return size / (ticks * self.price_unit)
        return size * ticks * self.price_unit

    def average(self, held: int, avg_ticks: float, lots: int, ticks: int) -> float:
        """Average entry (ticks) of ``held`` lots at ``avg_ticks`` plus ``lots`` at ``ticks``."""
        if held == 0:
            return float(ticks)
        if self.inverse:  # harmonic: the PnL of an inverse contract is linear in 1/price
            return (held + lots) / (held / avg_ticks + lots / ticks)
        return (avg_ticks * held + ticks * lots) / (held + lots)

    def pnl(self, lots: int, entry_ticks: float, exit_ticks: float) -> float:
        """PnL of holding ``lots`` (signed) from ``entry_ticks`` to ``exit_ticks``."""
        if self.inverse:
            size = lots * self.size_unit * self.multiplier
            return size * (1.0 / (entry_ticks * self.price_unit)
                           - 1.0 / (exit_ticks * self.price_unit))
        return lots * (exit_ticks - entry_ticks) * self.point_value


class Position:
    """A position in one instrument (one per instrument when netting; many when hedging)."""

    __slots__ = (
        "avg_price",
        "bought",
        "closed_ns",
        "fees",
        "fill_count",
        "instrument_id",
        "math",
        "opened_ns",
        "position_id",
        "quantity",
        "realized_pnl",
        "sold",
    )

    def __init__(self, position_id: str, math: ContractMath, ts: int) -> None:
        self.position_id = position_id
        self.instrument_id = math.instrument.id
        self.math = math
        self.quantity = 0  # signed lots
        self.avg_price = 0.0  # ticks, average entry of the open quantity (see module doc)
        self.realized_pnl = 0.0  # gross of fees
        self.fees = 0.0
        self.opened_ns = ts
        self.closed_ns: int | None = None
        self.fill_count = 0
        self.bought = 0  # lots, for the sum-of-fills invariant
        self.sold = 0

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    def apply_fill(self, sign: int, lots: int, price: int, fee: float, ts: int) -> float:
        """Add a fill; return the PnL it realized (gross of ``fee``)."""
        self.fill_count += 1
        self.fees += fee
        if sign > 0:
            self.bought += lots
        else:
            self.sold += lots
        signed = sign * lots
        realized = 0.0
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            self.avg_price = self.math.average(abs(self.quantity), self.avg_price, lots, price)
            self.quantity += signed
        else:
            closing = min(lots, abs(self.quantity))
            direction = 1 if self.quantity > 0 else -1
            realized = self.math.pnl(direction * closing, self.avg_price, price)
            remaining = lots - closing
            self.quantity += sign * closing
            if remaining:
                self.quantity = sign * remaining
                self.avg_price = float(price)
            elif self.quantity == 0:
                self.avg_price = 0.0
        self.realized_pnl += realized
        if self.quantity == 0:
            self.closed_ns = ts
        elif self.closed_ns is not None:
            self.closed_ns = None
            self.opened_ns = ts
        return realized

    def unrealized_pnl(self, mark_ticks: float) -> float:
        """PnL of the open quantity marked at ``mark_ticks``."""
        if self.quantity == 0:
            return 0.0
        return self.math.pnl(self.quantity, self.avg_price, mark_ticks)

    def notional(self, mark_ticks: float) -> float:
        """Absolute value of the open quantity at ``mark_ticks``."""
        return self.math.notional(self.quantity, mark_ticks) if self.quantity else 0.0

    def __repr__(self) -> str:
        return (f"Position({self.position_id} {self.instrument_id} qty={self.quantity} "
                f"avg={self.avg_price:.4f} realized={self.realized_pnl:.6f} fees={self.fees:.6f})")
