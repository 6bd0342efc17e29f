"""Codes of the kinds of market data a backtest replays (shared with the numba kernel)."""

QUOTE = 0
TRADE = 1
BAR = 2
L2_BOOK = 3  # L2 deltas with the instrument's trades merged in
L3_BOOK = 4  # market-by-order events
