"""Text for statistics and durations, shared by the HTML report and the terminal summary."""

from __future__ import annotations

import math

from sapphire.backtest.statistics import STATISTICS
from sapphire.core.time import NS_PER_DAY, NS_PER_S

_KIND = {name: kind for name, _, kind in STATISTICS}
_LABEL = {name: label for name, label, _ in STATISTICS}


def format_duration(ns: float) -> str:
    """Format a duration in ns as ``"3d 04:05:06"`` (days only when there are any).

    Whole seconds; below one second as ``"0.250s"``, below a millisecond as ``"500ns"``;
    NaN as ``"n/a"``.
    """
    if math.isnan(ns):
        return "n/a"
    ns = int(ns)
    if 0 < abs(ns) < NS_PER_S // 1000:
        return f"{ns}ns"
    if 0 < abs(ns) < NS_PER_S:
        return f"{ns / NS_PER_S:.3f}s"
    sign = "-" if ns < 0 else ""
    days, rest = divmod(abs(ns), NS_PER_DAY)
    hours, rest = divmod(rest, 3600 * NS_PER_S)
    minutes, rest = divmod(rest, 60 * NS_PER_S)
    seconds = rest // NS_PER_S
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{days}d {clock}" if days else f"{sign}{clock}"


def statistic_label(name: str) -> str:
    """Return the display label of statistic ``name`` (the name itself if unknown)."""
    return _LABEL.get(name, name)


def format_statistic(name: str, value: float, currency: str = "") -> str:
    """Format ``value`` of statistic ``name`` by its kind.

    Fractions as percent with two decimals (``0.1234`` -> ``"12.34%"``), money with two
    decimals, thousands separators and ``currency``, ratios with three decimals,
    counts as whole numbers, durations by :func:`format_duration`. NaN is ``"n/a"``,
    infinity ``"inf"``. An unknown name is formatted as a plain number.
    """
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    kind = _KIND.get(name, "number")
    if kind == "fraction":
        return f"{value * 100:.2f}%"
    if kind == "money":
        return f"{value:,.2f} {currency}".rstrip()
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "duration":
        return format_duration(value)
    return f"{value:,.6g}"
