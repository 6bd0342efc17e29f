"""Backtests: the engine/runner, run results, statistics and reports.

Public names are added here as each part lands (results, statistics and reports
by the results work; the runner by the engine work).
"""

__all__: list[str] = []
