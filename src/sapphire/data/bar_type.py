"""Bar types: which instrument, what step, which price, and who built the bars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import msgspec

from sapphire.core.enums import BarSource, BarUnit, PriceType
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.core.time import NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN, NS_PER_S

_UNIT_NS = {BarUnit.SECOND: NS_PER_S, BarUnit.MINUTE: NS_PER_MIN, BarUnit.HOUR: NS_PER_HOUR,
            BarUnit.DAY: NS_PER_DAY}


@dataclass(frozen=True, slots=True)
class BarSpec:
    """A bar's step, unit and price type, written ``1-min-last`` or ``500-volume-mid``.

    Time bars (s, min, h, d) cover ``[open, open + step)`` aligned to the UTC epoch and
    are stamped with their close time. Tick bars close after ``step`` ticks; volume bars
    once traded size reaches ``step`` (in units of size); value bars once traded
    ``price * size`` reaches ``step`` (in the quote currency).
    """

    step: Decimal
    unit: BarUnit
    price_type: PriceType

    def __post_init__(self) -> None:
        if isinstance(self.step, float):
            raise ConfigError(f"bar step {self.step!r} given as a float: pass a Decimal or text")
        try:
            object.__setattr__(self, "step", Decimal(self.step))
            object.__setattr__(self, "unit", BarUnit(self.unit))
            object.__setattr__(self, "price_type", PriceType(self.price_type))
        except (InvalidOperation, ValueError, TypeError):
            raise ConfigError(
                f"invalid bar spec ({self.step!r}, {self.unit!r}, {self.price_type!r}): expected a "
                f"decimal step, a unit in {[u.value for u in BarUnit]} and a price type in "
                f"{[p.value for p in PriceType]}"
            ) from None
        if not self.step.is_finite():
            raise ConfigError(f"bar step must be a finite number, was {self.step}")
        if self.step <= 0:
            raise ConfigError(f"bar step must be positive, was {self.step}")
        if (self.unit.is_time or self.unit == BarUnit.TICK) and self.step != int(self.step):
            raise ConfigError(f"{self.unit} bars need a whole step, was {self.step}")

    @classmethod
    def parse(cls, text: str) -> BarSpec:
        """Parse ``STEP-UNIT-PRICE`` such as ``1-min-last`` or ``100-tick-mid``."""
        parts = text.strip().split("-")
        if len(parts) != 3:
            raise ConfigError(
                f"invalid bar spec {text!r}: expected STEP-UNIT-PRICE such as 1-min-last"
            )
        step, unit, price = parts
        try:
            fields = Decimal(step), BarUnit(unit), PriceType(price)
        except (InvalidOperation, ValueError):
            raise ConfigError(
                f"invalid bar spec {text!r}: step must be a number, unit one of "
                f"{[u.value for u in BarUnit]}, price one of {[p.value for p in PriceType]}"
            ) from None
        try:
            return cls(*fields)
        except ConfigError as exc:
            raise ConfigError(f"invalid bar spec {text!r}: {exc}") from None

    @property
    def step_ns(self) -> int:
        """Length of a time bar in nanoseconds."""
        if not self.unit.is_time:
            raise ConfigError(f"{self.unit} bars have no fixed length in time")
        return int(self.step) * _UNIT_NS[self.unit]

    def __str__(self) -> str:
        return f"{self.step.normalize():f}-{self.unit.value}-{self.price_type.value}"


class BarType(msgspec.Struct, frozen=True, cache_hash=True):
    """An instrument's bars of one spec from one source, written
    ``BTCUSDT.BINANCE-1-min-last-external``."""

    instrument_id: InstrumentId
    spec: BarSpec
    source: BarSource = BarSource.INTERNAL

    @classmethod
    def parse(cls, text: str) -> BarType:
        """Parse ``INSTRUMENT-STEP-UNIT-PRICE-SOURCE``."""
        head, _, source = text.strip().rpartition("-")
        instrument, spec = _split_instrument(head, text)
        try:
            return cls(InstrumentId.parse(instrument), BarSpec.parse(spec), BarSource(source))
        except ValueError as exc:
            raise ConfigError(
                f"invalid bar type {text!r}: expected INSTRUMENT-STEP-UNIT-PRICE-SOURCE such as "
                f"BTCUSDT.BINANCE-1-min-last-external ({exc})"
            ) from None

    def __str__(self) -> str:
        return f"{self.instrument_id}-{self.spec}-{self.source.value}"


def _split_instrument(head: str, text: str) -> tuple[str, str]:
    pieces = head.rsplit("-", 3)
    if len(pieces) != 4:
        raise ConfigError(
            f"invalid bar type {text!r}: expected INSTRUMENT-STEP-UNIT-PRICE-SOURCE such as "
            "BTCUSDT.BINANCE-1-min-last-external"
        )
    return pieces[0], "-".join(pieces[1:])
