"""The data engine's subscription table: who wants which quotes, trades and bars.

The backtest replays only what someone subscribed to into Python; everything else stays
in the compiled replay loop. Live, the same table routes incoming data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sapphire.core.errors import ConfigError

if TYPE_CHECKING:
    from sapphire.strategy.strategy import Strategy

KINDS = ("quotes", "trades", "bars", "books")


class DataEngine:
    """Subscriptions by kind (``quotes``, ``trades``, ``bars``, ``books``) and key
    (instrument id or bar type)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, dict[object, list[Strategy]]] = {
            kind: defaultdict(list) for kind in KINDS}
        self.frozen = False

    def subscribe(self, kind: str, key: object, strategy: Strategy) -> None:
        if kind not in self._subscribers:
            raise ConfigError(f"unknown data kind {kind!r}, expected one of {KINDS}")
        if self.frozen:
            raise ConfigError(f"{strategy.strategy_id}: subscribe in on_start, not while running")
        subscribers = self._subscribers[kind][key]
        if strategy not in subscribers:
            subscribers.append(strategy)

    def subscribers(self, kind: str, key: object) -> list[Strategy]:
        return self._subscribers[kind].get(key, [])

    def keys(self, kind: str) -> list[object]:
        return [key for key, strategies in self._subscribers[kind].items() if strategies]
