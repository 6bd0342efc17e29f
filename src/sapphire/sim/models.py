"""Models of how the simulated venue fills orders and how long messages take."""

from __future__ import annotations

import random

import msgspec

from sapphire.core.errors import ConfigError


class FillModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When a resting limit order fills, and whether market orders slip.

    A resting limit order always fills when the market trades *through* its price. When the
    market only *touches* it (best opposite price equal to the limit), it fills with
    probability ``prob_fill_on_limit``. A market order fills one tick worse than the touch
    with probability ``prob_slippage``. The defaults (1 and 0) make the venue
    deterministic; other values draw from a generator seeded with ``seed``, so a run is
    still reproducible.
    """

    prob_fill_on_limit: float = 1.0
    prob_slippage: float = 0.0
    seed: int = 0
    #: Fill only up to the size displayed at the touch (quotes, trades). False treats the
    #: touch as unlimited, as NautilusTrader's default L1 matching does (for comparisons).
    displayed_size_only: bool = True

    def __post_init__(self) -> None:
        for name in ("prob_fill_on_limit", "prob_slippage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"fill model {name} must be in [0, 1], was {value!r}")

    @property
    def is_deterministic(self) -> bool:
        return self.prob_fill_on_limit == 1.0 and self.prob_slippage == 0.0


class FillDice:
    """The seeded random draws of a :class:`FillModel` (no draw when deterministic)."""

    def __init__(self, model: FillModel) -> None:
        self.model = model
        self._random = random.Random(model.seed)

    def fills_on_touch(self) -> bool:
        p = self.model.prob_fill_on_limit
        return p == 1.0 or (p > 0.0 and self._random.random() < p)

    def slips(self) -> bool:
        p = self.model.prob_slippage
        return p > 0.0 and self._random.random() < p


class LatencyModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Delays, in ns: between a strategy sending a command and the venue acting on it
    (``submit_ns``, ``modify_ns``, ``cancel_ns``), and between the venue's market data and
    the strategy seeing it (``feed_ns``: quotes, trades, bars and order books reach
    strategies that much later, while the venue matches on the data as it happens)."""

    submit_ns: int = 0
    modify_ns: int = 0
    cancel_ns: int = 0
    feed_ns: int = 0

    def __post_init__(self) -> None:
        for name in ("submit_ns", "modify_ns", "cancel_ns", "feed_ns"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"latency {name} must be a whole number of ns >= 0, was {value!r}")
