"""Trading states and the record of every change between them.

* ``ACTIVE``: every order the other rules allow goes through;
* ``REDUCING``: only orders that bring a position closer to flat go through;
* ``HALTED``: no new order and no modify goes through. Cancels are always allowed (they
  never pass the pre-trade checks).
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class TradingState(StrEnum):
    """What the pre-trade risk engine lets through."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class StateChange(msgspec.Struct, frozen=True, kw_only=True):
    """The trading state changed at ``ts`` (ns UTC).

    ``rule`` is what changed it: ``"user"`` for :meth:`PreTradeRiskEngine.set_trading_state`,
    else the loss rule that tripped the kill switch (``"max_daily_loss"``,
    ``"max_drawdown"``); ``reason`` carries the numbers.
    """

    ts: int
    previous: TradingState
    state: TradingState
    rule: str
    reason: str
