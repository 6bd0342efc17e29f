"""The portfolio: the kernel's accounts and positions, built from fills, and its ledgers.

It keeps its own :class:`~sapphire.model.account.Account` per venue (a live venue owns
the real one; the kernel mirrors it from fill events), values positions at the marks the
engine provides, and records every fill for the results (the backtest values the equity
curve from them afterwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sapphire.core.errors import ConfigError

if TYPE_CHECKING:
    from sapphire.core.identifiers import InstrumentId
    from sapphire.model.account import Account
    from sapphire.model.order_events import OrderFilled
    from sapphire.model.position import Position

Marks = Callable[[object], float | None]


class FillLedger:
    """Every fill, as columns (see :class:`sapphire.backtest.results.BacktestResult`)."""

    COLUMNS = ("ts_event", "order_id", "instrument_id", "side", "quantity", "price",
               "notional", "fee", "liquidity", "realized_pnl", "position_after")

    def __init__(self) -> None:
        self.columns: dict[str, list[object]] = {name: [] for name in self.COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["ts_event"])

    def append(self, **row: object) -> None:
        for name in self.COLUMNS:
            self.columns[name].append(row[name])


class Portfolio:
    """Accounts by venue, positions, PnL and the fill ledger.

    Parameters
    ----------
    marks
        Returns the current mark of an instrument in ticks (None if no price yet).
    """

    def __init__(self, marks: Marks) -> None:
        self.accounts: dict[str, Account] = {}
        self.net_lots: dict[object, int] = {}  # signed lots by instrument id, all accounts
        self._marks = marks
        self.fills = FillLedger()

    def add_account(self, venue: str, account: Account) -> None:
        if venue in self.accounts:
            raise ConfigError(f"venue {venue} already has an account")
        self.net_lots.update(account.net_lots)
        self.accounts[venue] = account

    def account(self, venue: str) -> Account:
        try:
            return self.accounts[venue]
        except KeyError:
            raise ConfigError(f"no account at venue {venue}; venues: "
                              f"{sorted(self.accounts)}") from None

    # -- fills ------------------------------------------------------------------------------

    def apply_fill(self, fill: OrderFilled, venue: str, instrument_id: object) -> Position:
        account = self.account(venue)
        position, realized = account.apply_fill(instrument_id, fill.side, fill.quantity,
                                                fill.price, fill.fee, fill.ts_event,
                                                fill.position_id or None)
        math = position.math
        # strategies read net lots on every bar: keep them one dict lookup away (an
        # instrument id names its venue, so one table serves every account)
        net = self.net_lots[instrument_id] = account.net_quantity(instrument_id)
        self.fills.append(
            ts_event=fill.ts_event, order_id=fill.order_id, instrument_id=fill.instrument_id,
            side=fill.side, quantity=fill.quantity * math.size_unit,
            price=fill.price * math.price_unit, notional=math.notional(fill.quantity, fill.price),
            fee=fill.fee, liquidity=fill.liquidity, realized_pnl=realized,
            position_after=net * math.size_unit)
        return position

    # -- valuation --------------------------------------------------------------------------

    def _mark_all(self) -> None:
        for account in self.accounts.values():
            for position in account.positions.values():
                mark = self._marks(position.instrument_id)
                if mark is not None:
                    account.mark(position.instrument_id, mark)

    def equity(self) -> float:
        """Total equity over every account, positions at the current marks."""
        self._mark_all()
        return sum(account.equity for account in self.accounts.values())

    def net_position(self, instrument_id: InstrumentId) -> int:
        """Signed lots held in ``instrument_id`` (at its venue's account)."""
        return self.net_lots.get(instrument_id, 0)

    def positions(self) -> list[Position]:
        return [p for account in self.accounts.values() for p in account.positions.values()]
