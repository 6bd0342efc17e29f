"""Backtests: the engine/runner, run results, statistics and reports.

Public names are added here as each part lands (results, statistics and reports
by the results work; the runner by the engine work).
"""

from sapphire.backtest.report_html import html_report, write_html_report
from sapphire.backtest.results import BacktestResult, RunInfo, fills_hash, list_runs, new_run_id
from sapphire.backtest.round_trips import round_trips
from sapphire.backtest.statistics import StatisticsConfig, compute_statistics
from sapphire.backtest.summary import print_summary, summary_renderable

__all__ = [
    "BacktestResult", "RunInfo", "StatisticsConfig", "compute_statistics", "fills_hash",
    "html_report", "list_runs", "new_run_id", "print_summary", "round_trips",
    "summary_renderable", "write_html_report",
]
