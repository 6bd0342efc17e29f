"""How numbers appear in denial messages: money with thousands separators, sizes exact."""

from __future__ import annotations

from decimal import Decimal


def money(value: float, currency: str) -> str:
    """``12345.0, "USDT"`` -> ``"12,345.00 USDT"``."""
    return f"{value:,.2f} {currency}"


def size(lots: int, size_increment: Decimal) -> str:
    """Lots as instrument units, exactly: ``150`` lots of ``0.01`` -> ``"1.50"``."""
    return f"{Decimal(lots) * size_increment:f}"


def price(ticks: float, price_increment: Decimal) -> str:
    """Ticks (possibly a half tick, for a mid) as a price."""
    return f"{Decimal(repr(float(ticks))) * price_increment:f}".rstrip("0").rstrip(".") \
        if ticks != int(ticks) else f"{Decimal(int(ticks)) * price_increment:f}"


def over(value: float, limit: float, currency: str) -> str:
    """``"<value> > limit <limit>"`` with enough decimals (2 to 8) that the two differ."""
    for digits in range(2, 9):
        a, b = f"{value:,.{digits}f}", f"{limit:,.{digits}f}"
        if a != b:
            break
    return f"{a} {currency} > limit {b} {currency}"


def over_percent(value: float, limit: float) -> str:
    """``"<value>% > limit <limit>%"`` with enough decimals (2 to 8) that the two differ."""
    for digits in range(2, 9):
        a, b = f"{value:.{digits}%}", f"{limit:.{digits}%}"
        if a != b:
            break
    return f"{a} > limit {b}"
