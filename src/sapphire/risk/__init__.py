"""Portfolio risk analytics: VaR and ES, Monte Carlo, covariance, stress tests, backtesting.

Positions are market values per asset in the account currency; returns are fractional,
one row per observation; VaR and ES are positive losses. Heavy work runs on the array
backend chosen by :func:`sapphire.accel.select_backend` (``backend=`` argument, else
``SAPPHIRE_RISK_BACKEND``, else auto: a usable CUDA GPU, else numba on the CPU).

Names are imported on first use (PEP 562), so importing a sub-package such as
:mod:`sapphire.risk.pretrade` does not load SciPy and the analytics kernels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "NotPositiveDefiniteError": "sapphire.core.errors",
    "RiskError": "sapphire.core.errors",
    "LikelihoodRatioTest": "sapphire.risk.backtesting",
    "TrafficLight": "sapphire.risk.backtesting",
    "basel_traffic_light": "sapphire.risk.backtesting",
    "basel_zone_bounds": "sapphire.risk.backtesting",
    "christoffersen_independence": "sapphire.risk.backtesting",
    "conditional_coverage": "sapphire.risk.backtesting",
    "exceptions": "sapphire.risk.backtesting",
    "kupiec_pof": "sapphire.risk.backtesting",
    "RISKMETRICS_LAMBDA": "sapphire.risk.covariance",
    "ShrinkageEstimate": "sapphire.risk.covariance",
    "correlation": "sapphire.risk.covariance",
    "covariance_to_correlation": "sapphire.risk.covariance",
    "ewma_covariance": "sapphire.risk.covariance",
    "ledoit_wolf": "sapphire.risk.covariance",
    "sample_covariance": "sapphire.risk.covariance",
    "VaRDecomposition": "sapphire.risk.decomposition",
    "var_decomposition": "sapphire.risk.decomposition",
    "MonteCarloResult": "sapphire.risk.montecarlo",
    "monte_carlo_var": "sapphire.risk.montecarlo",
    "simulate_pnl": "sapphire.risk.montecarlo",
    "cholesky": "sapphire.risk.pd",
    "is_positive_definite": "sapphire.risk.pd",
    "nearest_correlation": "sapphire.risk.pd",
    "nearest_positive_definite": "sapphire.risk.pd",
    "ScenarioReplay": "sapphire.risk.stress",
    "StressResult": "sapphire.risk.stress",
    "apply_shocks": "sapphire.risk.stress",
    "replay_scenario": "sapphire.risk.stress",
    "VaRResult": "sapphire.risk.var",
    "historical_var": "sapphire.risk.var",
    "parametric_var": "sapphire.risk.var",
    "portfolio_parametric_var": "sapphire.risk.var",
    "portfolio_sigma": "sapphire.risk.var",
    "quantile_multipliers": "sapphire.risk.var",
    "scenario_pnl": "sapphire.risk.var",
    "var_es_from_pnl": "sapphire.risk.var",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
