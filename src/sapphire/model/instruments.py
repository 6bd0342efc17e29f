"""Instruments: what can be traded, with its increments, fees and margins.

Every instrument converts prices to integer ticks and sizes to integer lots
exactly; a value off its increment is an error, never silently rounded.
Fees and margins are fractions of notional (``0.001`` is 10 bps; a negative
maker fee is a rebate).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import numpy as np

from sapphire.core.enums import InstrumentKind
from sapphire.core.errors import ConfigError, InstrumentError
from sapphire.core.identifiers import InstrumentId
from sapphire.model.increment import Increment

_DECIMAL_FIELDS = (
    "price_increment", "size_increment", "multiplier", "maker_fee", "taker_fee",
    "min_quantity", "max_quantity", "initial_margin", "maintenance_margin",
)
_INCREMENT_FIELDS = ("price_increment", "size_increment")


@lru_cache(maxsize=4096)
def _increment(value: Decimal) -> Increment:
    return Increment.of(value)


class Instrument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True,
                 tag_field="type"):
    """Fields shared by every instrument. Use a concrete subclass."""

    kind: ClassVar[InstrumentKind]

    id: InstrumentId
    quote_currency: str
    price_increment: Decimal
    size_increment: Decimal
    multiplier: Decimal = Decimal(1)
    maker_fee: Decimal = Decimal(0)
    taker_fee: Decimal = Decimal(0)
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    initial_margin: Decimal = Decimal(1)
    maintenance_margin: Decimal = Decimal(1)
    is_inverse: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.id, str):
            msgspec.structs.force_setattr(self, "id", InstrumentId.parse(self.id))
        for name in _DECIMAL_FIELDS:
            raw = getattr(self, name)
            if raw is not None and not isinstance(raw, Decimal):
                msgspec.structs.force_setattr(self, name, _decimal(name, raw, self.id))
        self._check()

    def _check(self) -> None:
        where = f"instrument {self.id}"
        Increment.of(self.price_increment)
        Increment.of(self.size_increment)
        if self.multiplier <= 0:
            raise InstrumentError(f"{where}: multiplier must be positive, was {self.multiplier}")
        for name in ("maker_fee", "taker_fee"):
            fee = getattr(self, name)
            if not Decimal(-1) < fee < Decimal(1):
                raise InstrumentError(f"{where}: {name} must be a fraction in (-1, 1), was {fee}")
        if not Decimal(0) < self.maintenance_margin <= self.initial_margin <= Decimal(1):
            raise InstrumentError(
                f"{where}: expected 0 < maintenance_margin <= initial_margin <= 1, was "
                f"{self.maintenance_margin} and {self.initial_margin}"
            )
        for name in ("min_quantity", "max_quantity"):
            quantity = getattr(self, name)
            if quantity is not None:
                if quantity <= 0:
                    raise InstrumentError(f"{where}: {name} must be positive, was {quantity}")
                self.size_to_lot(quantity)
        if (self.min_quantity is not None and self.max_quantity is not None
                and self.min_quantity > self.max_quantity):
            raise InstrumentError(
                f"{where}: min_quantity {self.min_quantity} exceeds "
                f"max_quantity {self.max_quantity}"
            )
        if not self.quote_currency.isalnum() or not self.quote_currency.isupper():
            raise InstrumentError(f"{where}: invalid quote_currency {self.quote_currency!r}")

    # -- conversions -------------------------------------------------------------------------

    @property
    def price_step(self) -> Increment:
        """The price increment as an exact :class:`Increment`."""
        return _increment(self.price_increment)

    @property
    def size_step(self) -> Increment:
        """The size increment as an exact :class:`Increment`."""
        return _increment(self.size_increment)

    def price_to_ticks(self, prices: np.ndarray, column: str = "price") -> np.ndarray:
        """Convert float prices to int64 ticks; off-tick prices raise :class:`IncrementError`."""
        return self.price_step.to_units(prices, column=column)

    def ticks_to_price(self, ticks: np.ndarray) -> np.ndarray:
        """Convert int64 ticks to float prices."""
        return self.price_step.from_units(ticks)

    def size_to_lots(self, sizes: np.ndarray, column: str = "size") -> np.ndarray:
        """Convert float sizes to int64 lots; off-lot sizes raise :class:`IncrementError`."""
        return self.size_step.to_units(sizes, column=column)

    def lots_to_size(self, lots: np.ndarray) -> np.ndarray:
        """Convert int64 lots to float sizes."""
        return self.size_step.from_units(lots)

    def price_to_tick(self, price: Decimal | str | float) -> int:
        """Convert one price to ticks exactly."""
        return self.price_step.to_unit(price)

    def size_to_lot(self, size: Decimal | str | float) -> int:
        """Convert one size to lots exactly."""
        return self.size_step.to_unit(size)

    def notional(self, price: float, size: float) -> float:
        """Value of ``size`` at ``price`` in the settlement currency (inverse: in the base)."""
        if self.is_inverse:
            return float(size) * float(self.multiplier) / float(price)
        return float(price) * float(size) * float(self.multiplier)


class SpotPair(Instrument, frozen=True, kw_only=True, tag="spot"):
    """A spot currency pair, for example BTC/USDT on an exchange."""

    kind = InstrumentKind.SPOT
    base_currency: str


class FxPair(Instrument, frozen=True, kw_only=True, tag="fx"):
    """A foreign-exchange pair quoted by a dealer or ECN, for example EUR/USD."""

    kind = InstrumentKind.FX
    base_currency: str


class Perpetual(Instrument, frozen=True, kw_only=True, tag="perpetual"):
    """A perpetual swap; ``is_inverse`` when margined and settled in the base currency."""

    kind = InstrumentKind.PERPETUAL
    base_currency: str
    settlement_currency: str


class Future(Instrument, frozen=True, kw_only=True, tag="future"):
    """A dated futures contract expiring at ``expiry_ns`` (UTC nanoseconds)."""

    kind = InstrumentKind.FUTURE
    underlying: str
    settlement_currency: str
    expiry_ns: int
    activation_ns: int = 0

    def _check(self) -> None:
        super()._check()
        if self.expiry_ns <= self.activation_ns:
            raise InstrumentError(
                f"instrument {self.id}: expiry_ns {self.expiry_ns} must follow activation_ns "
                f"{self.activation_ns}"
            )


class Equity(Instrument, frozen=True, kw_only=True, tag="equity"):
    """A listed share."""

    kind = InstrumentKind.EQUITY
    isin: str | None = None


AnyInstrument = SpotPair | FxPair | Perpetual | Future | Equity


def _reject_float_increment(name: str, raw: Any, instrument_id: object) -> None:
    if name in _INCREMENT_FIELDS and isinstance(raw, float):
        raise ConfigError(
            f"instrument {instrument_id}: {name} {raw!r} given as a float: pass a string such "
            "as '0.01' so the increment is exact"
        )


def _decimal(name: str, raw: Any, instrument_id: object) -> Decimal:
    _reject_float_increment(name, raw, instrument_id)
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        return Decimal(raw)
    except (ArithmeticError, ValueError, TypeError):
        raise ConfigError(
            f"instrument {instrument_id}: invalid {name} {raw!r}, expected a decimal"
        ) from None


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """Return plain data (decimals as strings, the id as ``SYMBOL.VENUE``)."""
    data: dict[str, Any] = msgspec.to_builtins(instrument)
    data["id"] = str(instrument.id)
    return data


def instrument_to_json(instrument: Instrument) -> bytes:
    """Encode an instrument as JSON (with a ``type`` tag)."""
    return msgspec.json.encode(instrument_to_dict(instrument))


def instrument_from_json(data: bytes | str) -> Instrument:
    """Decode JSON written by :func:`instrument_to_json`; unknown fields are errors."""
    return instrument_from_dict(msgspec.json.decode(data))


def instrument_from_dict(data: dict[str, Any]) -> Instrument:
    """Build an instrument from plain data (``type`` selects the class).

    Increments must be strings or integers (a float is a :class:`ConfigError`); any other
    problem, including an unknown field, is an :class:`InstrumentError` naming the id.
    """
    if not isinstance(data, dict):
        raise InstrumentError(f"invalid instrument {data!r}: expected a table of fields")
    name = data.get("id", "?")
    for field in _INCREMENT_FIELDS:
        _reject_float_increment(field, data.get(field), name)
    if isinstance(name, str) and name != "?":
        parsed = InstrumentId.parse(name)
        data = {**data, "id": {"symbol": parsed.symbol, "venue": parsed.venue}}
    try:
        instrument: Instrument = msgspec.convert(data, type=AnyInstrument, strict=False)
    except msgspec.ValidationError as exc:
        raise InstrumentError(f"invalid instrument {name}: {exc}") from None
    return instrument


def load_instruments(path: str | Path) -> list[Instrument]:
    """Read instruments from a TOML file of ``[[instrument]]`` tables."""
    text = Path(path).read_text()
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(document) - {"instrument"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level keys {sorted(unknown)}, expected [[instrument]]"
        )
    entries = document.get("instrument", [])
    if not isinstance(entries, list):
        raise ConfigError(
            f"{path}: 'instrument' must be an array of tables, written [[instrument]]"
        )
    instruments = []
    for number, entry in enumerate(entries, start=1):
        try:
            instruments.append(instrument_from_dict(entry))
        except (InstrumentError, ConfigError) as exc:
            raise type(exc)(f"{path}: instrument #{number}: {exc}") from None
    return instruments
