"""The kernel shared by backtests and live trading: clock, message bus, cache, portfolio,
data and execution engines, and the pre-trade risk hook."""
