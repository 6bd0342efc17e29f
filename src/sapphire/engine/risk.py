"""The pre-trade risk hook: every order and modify passes it before reaching a venue.

The rules themselves (rate limits, notional and position limits, price bands, the kill
switch) belong to :mod:`sapphire.risk`; the kernel only needs this interface. A check
returns ``None`` to let the command through or a :class:`Denial` that names the rule and
the numbers that broke it; the order is then denied and never reaches the venue.

A risk object with a ``bind(kernel)`` method is bound when the kernel is built (before
venues, accounts and instruments are added), so it can read the clock, cache and portfolio,
listen on the bus and cancel through the execution engine
(:class:`sapphire.risk.pretrade.PreTradeRiskEngine` does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import msgspec

if TYPE_CHECKING:
    from sapphire.model.orders import Order


class Denial(msgspec.Struct, frozen=True):
    """Why a command was refused: the rule and a message with the numbers."""

    rule: str
    reason: str


class PreTradeRisk(Protocol):
    """What the execution engine asks before sending a command to a venue."""

    def check_submit(self, order: Order) -> Denial | None: ...

    def check_modify(self, order: Order, quantity: int, price: int | None,
                     trigger_price: int | None) -> Denial | None: ...


class NoRisk:
    """Lets every command through (the default until risk rules are configured)."""

    def check_submit(self, order: Order) -> Denial | None:
        return None

    def check_modify(self, order: Order, quantity: int, price: int | None,
                     trigger_price: int | None) -> Denial | None:
        return None
