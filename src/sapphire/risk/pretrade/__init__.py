"""Pre-trade risk: the rules every order passes before a venue sees it, and the kill switch.

Build a :class:`PreTradeRiskEngine` from a :class:`RiskConfig` and give it to the kernel
(``BacktestEngine(risk=PreTradeRiskEngine(config))``, or a ``[risk]`` table in a run
file). The same engine serves backtest, paper and live trading; only the default rate
limits differ by ``mode``.
"""

from sapphire.risk.pretrade.config import InstrumentLimits, RiskConfig, parse_interval
from sapphire.risk.pretrade.engine import RISK_STRATEGY_ID, PreTradeRiskEngine
from sapphire.risk.pretrade.state import StateChange, TradingState

__all__ = ["RISK_STRATEGY_ID", "InstrumentLimits", "PreTradeRiskEngine", "RiskConfig",
           "StateChange", "TradingState", "parse_interval"]
