"""Codes of the kinds of market data a backtest replays (shared with the numba kernel)."""

QUOTE = 0
TRADE = 1
BAR = 2
