"""Identifiers."""

from __future__ import annotations

import re

import msgspec

from sapphire.core.errors import ConfigError

_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-/:.]*$")


class InstrumentId(msgspec.Struct, frozen=True, order=True, cache_hash=True):
    """An instrument at a venue, written ``SYMBOL.VENUE`` (for example ``BTCUSDT.BINANCE``).

    The venue is the text after the last dot, so symbols may contain dots (``BRK.B.XNYS``).
    """

    symbol: str
    venue: str

    def __post_init__(self) -> None:
        for name, part in (("symbol", self.symbol), ("venue", self.venue)):
            if not isinstance(part, str) or not _PART.fullmatch(part):
                raise ConfigError(
                    f"invalid instrument {name} {part!r}: expected letters, digits and _-/:. "
                    "starting with a letter or digit"
                )
        if "." in self.venue:
            raise ConfigError(f"invalid venue {self.venue!r}: a venue cannot contain '.'")

    @classmethod
    def parse(cls, text: str) -> InstrumentId:
        """Parse ``SYMBOL.VENUE``."""
        if not isinstance(text, str):
            raise ConfigError(f"invalid instrument id {text!r}: expected text SYMBOL.VENUE")
        symbol, dot, venue = text.strip().rpartition(".")
        if not dot or not symbol or not venue:
            raise ConfigError(f"invalid instrument id {text!r}: expected SYMBOL.VENUE")
        return cls(symbol, venue)

    def __str__(self) -> str:
        return f"{self.symbol}.{self.venue}"
