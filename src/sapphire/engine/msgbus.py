"""A message bus: handlers subscribe to topics, publishers send typed messages to them.

Topics are dotted strings such as ``orders.EMACross-1`` or ``fills.BTCUSDT.BINANCE``; a
subscription ending in ``*`` receives every topic that starts with what precedes it.
Handlers run synchronously in subscription order, so delivery is deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]


class MessageBus:
    """Topic publish/subscribe within one process."""

    def __init__(self) -> None:
        self._exact: dict[str, list[Handler]] = defaultdict(list)
        self._prefix: list[tuple[str, Handler]] = []
        self._resolved: dict[str, tuple[Handler, ...]] = {}

    def subscribe(self, topic: str, handler: Handler) -> None:
        if topic.endswith("*"):
            self._prefix.append((topic[:-1], handler))
        else:
            self._exact[topic].append(handler)
        self._resolved.clear()

    def unsubscribe(self, topic: str, handler: Handler) -> None:
        if topic.endswith("*"):
            self._prefix.remove((topic[:-1], handler))
        else:
            self._exact[topic].remove(handler)
        self._resolved.clear()

    def publish(self, topic: str, message: object) -> None:
        handlers = self._resolved.get(topic)
        if handlers is None:
            handlers = tuple(self._exact.get(topic, ())) + tuple(
                handler for prefix, handler in self._prefix if topic.startswith(prefix))
            self._resolved[topic] = handlers
        for handler in handlers:
            handler(message)
