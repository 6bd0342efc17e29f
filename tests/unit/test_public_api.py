"""Pin the public API. When you add a public name, add it here too (sorted)."""

import sapphire
import sapphire.accel
import sapphire.backtest
import sapphire.core
import sapphire.data
import sapphire.model
import sapphire.risk
import sapphire.risk.pretrade
import sapphire.strategy.indicators

EXPECTED = {
    sapphire.backtest: [
        "BacktestConfig",
        "BacktestEngine",
        "BacktestResult",
        "RunInfo",
        "StatisticsConfig",
        "compute_statistics",
        "fills_hash",
        "html_report",
        "list_runs",
        "new_run_id",
        "print_summary",
        "round_trips",
        "summary_renderable",
        "VenueConfig",
        "write_html_report",
    ],
    sapphire: ["DataType", "Instrument", "InstrumentId", "__version__"],
    sapphire.core: [
        "BarSource",
        "BarUnit",
        "BookAction",
        "CatalogError",
        "ConfigError",
        "DataError",
        "DataType",
        "DataValidationError",
        "IncrementError",
        "InstrumentError",
        "InstrumentId",
        "InstrumentKind",
        "OrderAction",
        "PriceType",
        "RecordFlag",
        "SapphireError",
        "SchemaError",
        "Side",
        "TimestampError",
        "UnknownInstrumentError",
    ],
    sapphire.model: [
        "AnyInstrument",
        "Equity",
        "Future",
        "FxPair",
        "Increment",
        "Instrument",
        "Perpetual",
        "SpotPair",
        "instrument_from_dict",
        "instrument_from_json",
        "instrument_to_dict",
        "instrument_to_json",
        "load_instruments",
    ],
    sapphire.data: [
        "Bar",
        "BarAggregator",
        "Catalog",
        "CatalogEntry",
        "ImportReport",
        "SyntheticMarket",
        "aggregate_arrays",
        "aggregate_bars",
        "bar_price_scale",
        "demo_instruments",
        "import_file",
        "BarSpec",
        "BarType",
        "OnDisorder",
        "OnDuplicate",
        "OrderPolicy",
        "REPAIR",
        "SCHEMAS",
        "SCHEMA_VERSION",
        "STRICT",
        "conform",
        "schema_for",
        "validate",
    ],
    sapphire.strategy.indicators: [
        "ATR", "BollingerArrays", "BollingerBands", "EMA", "MACD", "MACDArrays", "RSI",
        "RollingZScore", "SMA", "VWAP", "WMA", "atr", "bollinger", "ema", "macd",
        "rolling_zscore", "rsi", "sma", "vwap", "wma",
    ],
    sapphire.accel: [
        "ArrayBackend",
        "BACKEND_NAMES",
        "ENV_VAR",
        "NumbaBackend",
        "NumpyBackend",
        "Precision",
        "Sampler",
        "available_backends",
        "clear_backend_cache",
        "select_backend",
    ],
    sapphire.risk.pretrade: [
        "InstrumentLimits",
        "PreTradeRiskEngine",
        "RISK_STRATEGY_ID",
        "RiskConfig",
        "StateChange",
        "TradingState",
        "parse_interval",
    ],
    sapphire.risk: [
        "LikelihoodRatioTest",
        "MonteCarloResult",
        "NotPositiveDefiniteError",
        "RISKMETRICS_LAMBDA",
        "RiskError",
        "ScenarioReplay",
        "ShrinkageEstimate",
        "StressResult",
        "TrafficLight",
        "VaRDecomposition",
        "VaRResult",
        "apply_shocks",
        "basel_traffic_light",
        "basel_zone_bounds",
        "cholesky",
        "christoffersen_independence",
        "conditional_coverage",
        "correlation",
        "covariance_to_correlation",
        "ewma_covariance",
        "exceptions",
        "historical_var",
        "is_positive_definite",
        "kupiec_pof",
        "ledoit_wolf",
        "monte_carlo_var",
        "nearest_correlation",
        "nearest_positive_definite",
        "parametric_var",
        "portfolio_parametric_var",
        "portfolio_sigma",
        "quantile_multipliers",
        "replay_scenario",
        "sample_covariance",
        "scenario_pnl",
        "simulate_pnl",
        "var_decomposition",
        "var_es_from_pnl",
    ],
}


def test_exports_are_pinned():
    for module, names in EXPECTED.items():
        assert sorted(module.__all__) == sorted(names), module.__name__


def test_exports_resolve():
    for module in EXPECTED:
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"


def test_version():
    assert sapphire.__version__ == "0.1.0"
