"""Configuration of the pre-trade risk engine: immutable, validated, unknown keys rejected.

Limits are in the units a trader thinks in: notionals and losses in the account's
currency, positions in instrument units (``0.5`` BTC, not lots), price bands and the
drawdown as fractions. ``None`` means "no limit". Per-instrument limits start from
``default`` and any field an entry of ``instruments`` sets replaces the default's.

A ``[risk]`` table of a run file::

    [risk]
    mode = "backtest"                  # picks the default rates from the settings
    max_order_rate = "100/00:00:01"    # count/HH:MM:SS (default: risk.max_order_rate.<mode>)
    max_open_orders = 50
    max_gross_exposure = 1_000_000.0
    max_daily_loss = 5_000.0
    max_drawdown = 0.10
    flatten_on_breach = true
    equity_check_interval = "00:00:01"

    [risk.default]
    max_order_notional = 10_000.0
    price_band = 0.05

    [risk.instruments."BTCUSDT.BINANCE"]
    max_position = 2.0
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec

from sapphire.core.errors import ConfigError
from sapphire.core.settings import NS_PER_SECOND, Mode, RiskSettings, parse_rate

_INTERVAL = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")


def parse_interval(text: str, name: str = "interval") -> int:
    """Parse ``"HH:MM:SS"`` into ns (> 0).

    Raises
    ------
    ConfigError
        When the text is not of that form or is ``00:00:00``.
    """
    match = _INTERVAL.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{name} {text!r}: expected 'HH:MM:SS', e.g. '00:00:01'")
    hours, minutes, seconds = (int(g) for g in match.groups())
    if minutes >= 60 or seconds >= 60 or hours + minutes + seconds == 0:
        raise ConfigError(f"{name} {text!r}: expected minutes and seconds below 60 and an "
                          "interval > 00:00:00")
    return (hours * 3600 + minutes * 60 + seconds) * NS_PER_SECOND


def _positive(owner: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(owner, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or not value > 0:
            raise ConfigError(f"{name} must be a finite number > 0 (or absent), was {value!r}")


def _counts(owner: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(owner, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ConfigError(f"{name} must be an integer >= 1 (or absent), was {value!r}")


def _fraction(name: str, value: float | None, *, closed: bool) -> None:
    """``value`` in (0, 1] (``closed``) or (0, 1)."""
    if value is None:
        return
    upper_ok = value <= 1 if closed else value < 1
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not (value > 0 and upper_ok):
        interval = "(0, 1]" if closed else "(0, 1)"
        raise ConfigError(f"{name} must be a fraction in {interval}, was {value!r}")


class InstrumentLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits of one instrument (or the default for every instrument).

    Parameters
    ----------
    max_order_notional
        Largest notional of one order, in the instrument's settlement currency.
    max_position
        Largest absolute position, in instrument units (converted to whole lots, rounded
        down).
    max_position_notional
        Largest absolute position notional, in the settlement currency.
    max_open_orders
        Most orders open at once in this instrument.
    price_band
        Largest distance of a limit or trigger price from the reference price, as a
        fraction of the reference, in (0, 1].
    """

    max_order_notional: float | None = None
    max_position: float | None = None
    max_position_notional: float | None = None
    max_open_orders: int | None = None
    price_band: float | None = None

    def __post_init__(self) -> None:
        _positive(self, ("max_order_notional", "max_position", "max_position_notional"))
        _counts(self, ("max_open_orders",))
        _fraction("price_band", self.price_band, closed=True)

    def over(self, base: InstrumentLimits) -> InstrumentLimits:
        """These limits where set, ``base``'s elsewhere."""
        fields = {name: getattr(self, name) if getattr(self, name) is not None
                  else getattr(base, name) for name in self.__struct_fields__}
        return InstrumentLimits(**fields)


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The pre-trade risk rules (see the module docstring for the TOML form).

    Parameters
    ----------
    mode
        ``backtest``, ``paper`` or ``live``: chooses the default rate limits.
    max_order_rate, max_modify_rate
        ``"count/HH:MM:SS"``: at most ``count`` submits (modifies) in any window of that
        length of kernel time; ``None`` takes ``risk.max_order_rate.<mode>`` (and
        ``max_modify_rate``) from the settings.
    max_open_orders
        Most orders open at once over every instrument and strategy.
    max_gross_exposure, max_net_exposure
        Caps on the sum of absolute (gross) and of signed (net, absolute value) position
        notionals over every instrument and strategy, in the account currency.
    max_daily_loss
        Largest fall of equity from the start of the UTC day, in the account currency.
    max_drawdown
        Largest fall of equity from its peak, as a fraction of the peak, in (0, 1).
    flatten_on_breach
        When a loss limit trips the kill switch, also close every position with market
        reduce-only orders.
    equity_check_interval
        ``"HH:MM:SS"``: also evaluate the loss limits this often (kernel time); they are
        always evaluated on every fill, every check and at every UTC midnight.
    default
        Limits of every instrument.
    instruments
        Per instrument id (``"BTCUSDT.BINANCE"``), limits that replace the default's.
    """

    mode: Mode = "backtest"
    max_order_rate: str | None = None
    max_modify_rate: str | None = None
    max_open_orders: int | None = None
    max_gross_exposure: float | None = None
    max_net_exposure: float | None = None
    max_daily_loss: float | None = None
    max_drawdown: float | None = None
    flatten_on_breach: bool = False
    equity_check_interval: str | None = None
    default: InstrumentLimits = msgspec.field(default_factory=InstrumentLimits)
    instruments: dict[str, InstrumentLimits] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in ("backtest", "paper", "live"):
            raise ConfigError(f"mode must be backtest, paper or live, was {self.mode!r}")
        for name in ("max_order_rate", "max_modify_rate"):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_rate(value)
                except ConfigError as exc:
                    raise ConfigError(f"{name}: {exc}") from None
        _counts(self, ("max_open_orders",))
        _positive(self, ("max_gross_exposure", "max_net_exposure", "max_daily_loss"))
        _fraction("max_drawdown", self.max_drawdown, closed=False)
        if self.equity_check_interval is not None:
            parse_interval(self.equity_check_interval, "equity_check_interval")

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "risk") -> RiskConfig:
        """Build from plain data (a TOML table); a bad or unknown key is named.

        Raises
        ------
        ConfigError
            Naming ``source``, the key path and what was expected.
        """
        try:
            return msgspec.convert(data, type=cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    def limits(self, instrument_id: str) -> InstrumentLimits:
        """The limits of ``instrument_id``: its entry over the default."""
        own = self.instruments.get(instrument_id)
        return self.default if own is None else own.over(self.default)

    def rates(self, settings: RiskSettings | None = None) -> tuple[tuple[int, int],
                                                                   tuple[int, int]]:
        """``((count, window_ns) submits, (count, window_ns) modifies)``, defaults from
        ``settings`` (default: the built-in settings) for :attr:`mode`."""
        settings = settings if settings is not None else RiskSettings()
        submit = self.max_order_rate or settings.max_order_rate.for_mode(self.mode)
        modify = self.max_modify_rate or settings.max_modify_rate.for_mode(self.mode)
        return parse_rate(submit), parse_rate(modify)

    def check_instruments(self, known: list[str]) -> None:
        """Raise :class:`ConfigError` if an override names an instrument not in ``known``."""
        unknown = sorted(set(self.instruments) - set(known))
        if unknown:
            raise ConfigError(f"risk.instruments names unknown instruments {unknown}; "
                              f"known: {sorted(known) or 'none'}")
