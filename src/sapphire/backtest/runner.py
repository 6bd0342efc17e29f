"""Run a backtest described by a TOML file over a catalog, save it and report it.

A run file::

    strategy = "sapphire.strategy.examples:EMACross"   # or --strategy on the command line
    start = "2024-01-01T00:00:00Z"                      # optional, ISO with offset
    end = "2024-01-02T00:00:00Z"                        # optional

    [backtest]                                          # optional: BacktestConfig fields
    equity_interval_ns = 60_000_000_000

    [[venues]]                                          # VenueConfig fields
    name = "BINANCE"
    currency = "USDT"
    starting_balance = 1_000_000

    [[data]]                                            # what to replay from the catalog
    type = "quotes"
    series = "BTCUSDT.BINANCE"

    [params]                                            # the strategy's config fields
    bar_type = "BTCUSDT.BINANCE-1-s-mid-internal"
    trade_size = "0.01"

    [risk]                                              # optional: pre-trade risk rules
    max_daily_loss = 5_000.0                            # (sapphire.risk.pretrade.RiskConfig)
    [risk.default]
    max_order_notional = 10_000.0

Instruments come from the catalog. With a ``[risk]`` table every order passes a
:class:`~sapphire.risk.pretrade.PreTradeRiskEngine` built from it; its trading-state
changes are saved with the run. Results are saved under ``<catalog>/backtests/<run id>/``
with an HTML report beside them.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from sapphire.backtest.config import BacktestConfig, VenueConfig
from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.core.time import parse_timestamp
from sapphire.risk.pretrade.config import RiskConfig

if TYPE_CHECKING:
    from sapphire.backtest.results import BacktestResult
    from sapphire.data.catalog import Catalog
    from sapphire.strategy.strategy import Strategy


class DataSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One series to replay: ``type`` is quotes, trades or bars."""

    type: DataType
    series: str


class RunFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The contents of a run file (see the module docstring)."""

    venues: list[VenueConfig]
    data: list[DataSpec]
    strategy: str | None = None
    start: str | None = None
    end: str | None = None
    backtest: BacktestConfig = msgspec.field(default_factory=BacktestConfig)
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    risk: RiskConfig | None = None


def load_run_file(path: str | Path) -> RunFile:
    """Read and check a run file; unknown keys and wrong types name the key."""
    try:
        document = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the run file: {exc}") from None
    try:
        return msgspec.convert(document, type=RunFile, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def resolve_strategy(path: str) -> type[Strategy]:
    """Import ``module:Class`` and check that it is a Strategy."""
    from sapphire.strategy.strategy import Strategy

    module_name, _, class_name = path.partition(":")
    if not module_name or not class_name:
        raise ConfigError(f"strategy {path!r}: expected 'module:Class'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"strategy {path!r}: cannot import {module_name}: {exc}") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ConfigError(f"strategy {path!r}: {class_name} is not a Strategy in {module_name}")
    return cls


def run_from_catalog(catalog: Catalog, run: RunFile, strategy_path: str | None = None
                     ) -> BacktestResult:
    """Build the engine from ``run``, replay the catalog's data, return the result."""

    from sapphire.backtest.engine import BacktestEngine
    from sapphire.risk.pretrade import PreTradeRiskEngine

    name = strategy_path or run.strategy
    if name is None:
        raise ConfigError("say which strategy to run: --strategy module:Class or strategy = ...")
    strategy = resolve_strategy(name).from_params(run.params)
    start = None if run.start is None else parse_timestamp(run.start)
    end = None if run.end is None else parse_timestamp(run.end)
    risk = None
    if run.risk is not None:
        run.risk.check_instruments([str(i.id) for i in catalog.instruments()
                                    if i.id.venue in {v.name for v in run.venues}])
        risk = PreTradeRiskEngine(run.risk)
    engine = BacktestEngine(msgspec.structs.replace(run.backtest, start_ns=start, end_ns=end),
                            risk=risk)
    for venue in run.venues:
        engine.add_venue(venue)
    venues = {venue.name for venue in run.venues}
    for instrument in catalog.instruments():
        if instrument.id.venue in venues:
            engine.add_instrument(instrument)
    for spec in run.data:
        engine.add_catalog_data(catalog, spec.type, spec.series, start=start, end=end)
    engine.add_strategy(strategy)
    config = {"strategy": name, "params": msgspec.to_builtins(strategy.config),
              "run": msgspec.to_builtins(run)}
    return engine.run(strategy_name=name, run_config=config)


def save_run(result: BacktestResult, catalog_root: Path) -> tuple[Path, Path]:
    """Save beside the catalog and write the HTML report; return (run folder, report)."""
    from sapphire.backtest.report_html import write_html_report

    folder = catalog_root / "backtests"
    folder.mkdir(parents=True, exist_ok=True)
    run_folder = result.save(folder)
    report = write_html_report(result, run_folder / "report.html")
    return run_folder, report


def demo_run_file() -> RunFile:
    """The demo: EMA(10)/EMA(20) cross on 1-second mid bars of the demo BTCUSDT quotes."""
    return RunFile(
        strategy="sapphire.strategy.examples:EMACross",
        venues=[VenueConfig(name="BINANCE", currency="USDT", starting_balance=100_000.0)],
        data=[DataSpec(type=DataType.QUOTES, series="BTCUSDT.BINANCE")],
        params={"bar_type": "BTCUSDT.BINANCE-1-s-mid-internal", "trade_size": "0.1",
                "fast_period": 10, "slow_period": 20},
    )
