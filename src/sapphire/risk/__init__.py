"""Portfolio risk analytics: VaR and ES, Monte Carlo, covariance, stress tests, backtesting.

Positions are market values per asset in the account currency; returns are fractional,
one row per observation; VaR and ES are positive losses. Heavy work runs on the array
backend chosen by :func:`sapphire.accel.select_backend` (``backend=`` argument, else
``SAPPHIRE_RISK_BACKEND``, else auto: a usable CUDA GPU, else numba on the CPU).
"""

from sapphire.core.errors import NotPositiveDefiniteError, RiskError
from sapphire.risk.backtesting import (
    LikelihoodRatioTest,
    TrafficLight,
    basel_traffic_light,
    basel_zone_bounds,
    christoffersen_independence,
    conditional_coverage,
    exceptions,
    kupiec_pof,
)
from sapphire.risk.covariance import (
    RISKMETRICS_LAMBDA,
    ShrinkageEstimate,
    correlation,
    covariance_to_correlation,
    ewma_covariance,
    ledoit_wolf,
    sample_covariance,
)
from sapphire.risk.decomposition import VaRDecomposition, var_decomposition
from sapphire.risk.montecarlo import MonteCarloResult, monte_carlo_var, simulate_pnl
from sapphire.risk.pd import (
    cholesky,
    is_positive_definite,
    nearest_correlation,
    nearest_positive_definite,
)
from sapphire.risk.stress import ScenarioReplay, StressResult, apply_shocks, replay_scenario
from sapphire.risk.var import (
    VaRResult,
    historical_var,
    parametric_var,
    portfolio_parametric_var,
    portfolio_sigma,
    quantile_multipliers,
    scenario_pnl,
    var_es_from_pnl,
)

__all__ = [
    "RISKMETRICS_LAMBDA", "LikelihoodRatioTest", "MonteCarloResult", "NotPositiveDefiniteError",
    "RiskError", "ScenarioReplay", "ShrinkageEstimate", "StressResult", "TrafficLight",
    "VaRDecomposition", "VaRResult", "apply_shocks", "basel_traffic_light", "basel_zone_bounds",
    "cholesky", "christoffersen_independence", "conditional_coverage", "correlation",
    "covariance_to_correlation", "ewma_covariance", "exceptions", "historical_var",
    "is_positive_definite", "kupiec_pof", "ledoit_wolf", "monte_carlo_var", "nearest_correlation",
    "nearest_positive_definite", "parametric_var", "portfolio_parametric_var", "portfolio_sigma",
    "quantile_multipliers", "replay_scenario", "sample_covariance", "scenario_pnl",
    "simulate_pnl", "var_decomposition", "var_es_from_pnl",
]
