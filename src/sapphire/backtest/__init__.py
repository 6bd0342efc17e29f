"""Backtests: the engine/runner, run results, statistics and reports.

``BacktestEngine`` replays data through the kernel and a simulated venue; the results,
statistics, HTML report and terminal summary describe what a run did.
"""

from sapphire.backtest.config import BacktestConfig, VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.backtest.report_html import html_report, write_html_report
from sapphire.backtest.results import BacktestResult, RunInfo, fills_hash, list_runs, new_run_id
from sapphire.backtest.round_trips import round_trips
from sapphire.backtest.statistics import StatisticsConfig, compute_statistics
from sapphire.backtest.summary import print_summary, summary_renderable

__all__ = [
    "BacktestConfig",
    "BacktestEngine",
    "BacktestResult",
    "RunInfo",
    "StatisticsConfig",
    "VenueConfig",
    "compute_statistics",
    "fills_hash",
    "html_report",
    "list_runs",
    "new_run_id",
    "print_summary",
    "round_trips",
    "summary_renderable",
    "write_html_report",
]
