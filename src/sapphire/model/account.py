"""Accounts: a balance in one currency, the positions it carries, and the margin they use.

Invariants (checked by the property tests after every event):

* ``balance == starting_balance + sum(realized PnL) - sum(fees)``: fees are never lost;
* ``equity == balance + sum(unrealized PnL at the marks)``;
* each position's quantity equals its bought minus sold lots.

A *cash* account cannot sell what it does not hold and pays for what it buys in full; a
*margin* account posts ``notional * margin_fraction`` for positions and open orders (the
fraction is the larger of the instrument's initial margin and ``1 / leverage``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sapphire.core.errors import ConfigError
from sapphire.model.position import ContractMath, Position

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument


class AccountType(StrEnum):
    """How an account pays for positions."""

    CASH = "cash"
    MARGIN = "margin"


class PositionMode(StrEnum):
    """One position per instrument (NETTING) or one per opening order (HEDGING)."""

    NETTING = "netting"
    HEDGING = "hedging"


def settlement_currency(instrument: Instrument) -> str:
    """The currency an instrument's PnL and fees are paid in."""
    settlement = getattr(instrument, "settlement_currency", None)
    if settlement:
        return str(settlement)
    if instrument.is_inverse:
        return str(getattr(instrument, "base_currency", instrument.quote_currency))
    return instrument.quote_currency


class Account:
    """A single-currency account with its positions.

    Parameters
    ----------
    account_type
        ``cash`` or ``margin``.
    currency
        The account's currency; every instrument traded must settle in it.
    starting_balance
        Opening cash, in ``currency``.
    leverage
        Margin accounts only: at most this much notional per unit of equity.
    position_mode
        ``netting`` or ``hedging``.
    """

    def __init__(self, account_type: AccountType, currency: str, starting_balance: float, *,
                 leverage: float = 1.0,
                 position_mode: PositionMode = PositionMode.NETTING) -> None:
        if not starting_balance >= 0:
            raise ConfigError(f"starting balance must be >= 0, was {starting_balance!r}")
        if not leverage >= 1:
            raise ConfigError(f"leverage must be >= 1, was {leverage!r}")
        self.type = AccountType(account_type)
        if self.type == AccountType.CASH and leverage != 1:
            raise ConfigError(f"a cash account has no leverage, was {leverage}")
        self.currency = currency
        self.starting_balance = float(starting_balance)
        self.balance = float(starting_balance)
        self.leverage = float(leverage)
        self.position_mode = PositionMode(position_mode)
        self.positions: dict[str, Position] = {}
        self.closed_positions: list[Position] = []
        self.net_lots: dict[object, int] = {}  # signed lots per instrument, kept on every fill
        self.realized_pnl = 0.0
        self.fees = 0.0
        self._math: dict[object, ContractMath] = {}
        self._marks: dict[object, float] = {}
        self._counter = 0

    # -- set-up -----------------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument) -> None:
        """Allow trading ``instrument`` here; it must settle in the account's currency."""
        currency = settlement_currency(instrument)
        if currency != self.currency:
            raise ConfigError(
                f"instrument {instrument.id} settles in {currency} but the account is in "
                f"{self.currency}; currency conversion is not supported yet"
            )
        self._math[instrument.id] = ContractMath(instrument, self.leverage)

    def math(self, instrument_id: object) -> ContractMath:
        return self._math[instrument_id]

    # -- positions --------------------------------------------------------------------------

    def position_for(self, instrument_id: object,
                     position_id: str | None = None) -> Position | None:
        """The open position a fill would touch (netting: the instrument's one)."""
        if self.position_mode == PositionMode.NETTING:
            return self.positions.get(f"{instrument_id}")
        return self.positions.get(position_id) if position_id else None

    def net_quantity(self, instrument_id: object) -> int:
        """Signed lots across every open position in the instrument."""
        return self.net_lots.get(instrument_id, 0)

    def apply_fill(self, instrument_id: object, sign: int, lots: int, price: int, fee: float,
                   ts: int, position_id: str | None = None) -> tuple[Position, float]:
        """Book a fill; return the position and the PnL the fill realized (gross)."""
        position = self.position_for(instrument_id, position_id)
        if position is None:
            position = self._open(instrument_id, ts, position_id)
        realized = position.apply_fill(sign, lots, price, fee, ts)
        self.net_lots[instrument_id] = self.net_lots.get(instrument_id, 0) + sign * lots
        self.realized_pnl += realized
        self.fees += fee
        self.balance += realized - fee
        self._marks.setdefault(instrument_id, float(price))
        if position.is_flat:
            del self.positions[position.position_id]
            self.closed_positions.append(position)
        return position, realized

    def _open(self, instrument_id: object, ts: int, position_id: str | None = None) -> Position:
        """Open a position: netting, the instrument's; hedging, the one named (a mirror of
        the venue's account opens the id the venue reported) or a new numbered one."""
        if self.position_mode == PositionMode.NETTING:
            position_id = f"{instrument_id}"
        elif position_id is None:
            self._counter += 1
            position_id = f"{instrument_id}-P{self._counter}"
        position = Position(position_id, self._math[instrument_id], ts)
        self.positions[position_id] = position
        return position

    # -- valuation --------------------------------------------------------------------------

    def mark(self, instrument_id: object, price_ticks: float) -> None:
        """Set the price positions in ``instrument_id`` are valued at."""
        self._marks[instrument_id] = price_ticks

    def mark_of(self, instrument_id: object) -> float | None:
        return self._marks.get(instrument_id)

    def unrealized_pnl(self) -> float:
        total = 0.0
        for position in self.positions.values():
            mark = self._marks.get(position.instrument_id)
            if mark is not None:
                total += position.unrealized_pnl(mark)
        return total

    @property
    def equity(self) -> float:
        """Balance plus unrealized PnL at the marks."""
        return self.balance + self.unrealized_pnl() if self.positions else self.balance

    def position_margin(self) -> float:
        """Margin (margin account) or cash (cash account) tied up in open positions."""
        total = 0.0
        for position in self.positions.values():
            if self.type == AccountType.CASH:
                total += position.math.notional(position.quantity, position.avg_price)
            else:
                mark = self._marks.get(position.instrument_id, position.avg_price)
                total += position.notional(mark) * position.math.margin_fraction
        return total
