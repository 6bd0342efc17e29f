"""A terminal summary of a backtest run (rich): a few key lines and the statistics table."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sapphire.backtest.formatting import format_duration, format_statistic, statistic_label
from sapphire.backtest.results import BacktestResult
from sapphire.core.time import ns_to_iso

#: Statistics shown in the headline, in order.
KEY_STATISTICS = ("total_return", "annual_return", "sharpe", "max_drawdown", "trades",
                  "win_rate", "total_fees")

#: Statistics left out of the table by default (they describe how the others were computed).
_DETAIL = {"return_period_ns", "return_periods", "periods_per_year", "risk_free_rate"}


def summary_renderable(result: BacktestResult, *, details: bool = False) -> Any:
    """Return a rich renderable: a panel of key lines over the statistics table.

    Parameters
    ----------
    result
        The run.
    details
        Also list how the return statistics were computed (return period, number of
        periods, periods per year, risk-free rate).
    """
    currency = result.base_currency
    stats = result.statistics
    lines = Text()
    lines.append(f"{result.strategy}", style="bold")
    lines.append(f"   run {result.run_id}\n")
    lines.append(f"{ns_to_iso(result.start_ns)} to {ns_to_iso(result.end_ns)} "
                 f"({format_duration(result.end_ns - result.start_ns)}), {currency}\n")
    headline = "   ".join(
        f"{statistic_label(name)}: {format_statistic(name, stats[name], currency)}"
        for name in KEY_STATISTICS if name in stats)
    lines.append(headline + "\n", style=_tone(stats.get("total_return", 0.0)))
    lines.append(f"fills hash {result.fills_hash[:16]}…", style="dim")
    for error in result.errors:
        lines.append(f"\nerror: {error}", style="bold red")
    _risk_lines(result, lines)
    table = Table(title="Statistics", show_header=True, header_style="bold")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for name, value in stats.items():
        if details or name not in _DETAIL:
            table.add_row(statistic_label(name), format_statistic(name, value, currency))
    return Group(Panel(lines, title="Backtest", expand=False), table)


def print_summary(result: BacktestResult, console: Console | None = None, *,
                  details: bool = False) -> None:
    """Print :func:`summary_renderable` of ``result`` to ``console`` (default: stdout)."""
    (console or Console()).print(summary_renderable(result, details=details))


def _risk_lines(result: BacktestResult, lines: Text) -> None:
    """Orders denied by risk rule, and every trading-state change."""
    rules = [r for r in result.orders.column("rule").to_pylist() if r]
    if rules:
        counts = ", ".join(f"{rule} {rules.count(rule)}" for rule in sorted(set(rules)))
        lines.append(f"\nrisk denied {len(rules)} orders: {counts}", style="yellow")
    for change in result.trading_states.to_pylist():
        lines.append(f"\n{ns_to_iso(change['ts'])} trading {change['previous']} -> "
                     f"{change['state']} ({change['rule']}: {change['reason']})",
                     style="bold red" if change["state"] == "halted" else "yellow")


def _tone(total_return: float) -> str:
    if total_return > 0:
        return "green"
    if total_return < 0:
        return "red"
    return ""
