"""Sapphire runs of every workload (strategies as defined in the package docstring).

Workloads 1, 2 and 2x use the shipped :class:`~sapphire.strategy.examples.EMACross`; for
workload 1 the engine builds the 1-second mid bars from the quotes itself (bar type
``-1-s-mid-internal``). Workload 3 uses :class:`QuoteRule` below, which receives every
quote in Python.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

from backtest_peers import QUOTE_RULE_TICKS, STARTING_BALANCE_USDT, TRADE_SIZE, RunResult
from backtest_peers.workloads import Workload
from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.sim.models import FillModel
from sapphire.strategy.examples import EMACross, EMACrossConfig
from sapphire.strategy.strategy import Strategy, StrategyConfig

if TYPE_CHECKING:
    from sapphire.backtest.results import BacktestResult
    from sapphire.model.market import Quote

SUPPORTED = frozenset({"1", "2", "2x", "3"})


def version() -> str:
    """Return Sapphire's version."""
    from importlib.metadata import version as installed

    return installed("sapphire-trading")


def make_run(workload: Workload) -> SapphireRun:
    """Return the Sapphire run of ``workload``."""
    if workload.key not in SUPPORTED:
        raise ValueError(f"sapphire runner has no workload {workload.key!r}")
    return SapphireRun(workload)


class QuoteRuleConfig(StrategyConfig, frozen=True, kw_only=True):
    instrument_id: str
    trade_size: Decimal
    move_ticks: int


class QuoteRule(Strategy):
    """The workload-3 rule: buy when the mid rises K ticks from the reference, flatten when
    it falls K ticks (mid in half-ticks: ``bid + ask``)."""

    config_class = QuoteRuleConfig
    config: QuoteRuleConfig

    def on_start(self) -> None:
        self.instrument_id = self.instrument(self.config.instrument_id).id
        self.threshold = 2 * self.config.move_ticks
        self.reference: int | None = None
        self.quotes = 0
        self.subscribe_quotes(self.instrument_id)

    def on_quote(self, quote: Quote) -> None:
        self.quotes += 1
        mid2 = quote.bid_ticks + quote.ask_ticks
        reference = self.reference
        if reference is None:
            self.reference = mid2
            return
        if mid2 - reference >= self.threshold:
            self.reference = mid2
            if self.position_lots(self.instrument_id) == 0:
                self.submit(self.orders.market(self.instrument_id, Side.BUY,
                                               self.config.trade_size))
        elif reference - mid2 >= self.threshold:
            self.reference = mid2
            if self.position_lots(self.instrument_id) > 0:
                self.close_position(self.instrument_id)


class SapphireRun:
    """Convert, set up and run one workload in Sapphire."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.instrument = workload.instrument.sapphire_instrument()
        self.table: pa.Table | None = None
        self.engine: BacktestEngine | None = None
        self.strategy: Strategy | None = None

    def convert(self) -> None:
        arrays = self.workload.arrays
        ts = pa.array(arrays["ts"], pa.int64())
        if self.workload.kind == "quotes":
            self.table = pa.table({"ts_event": ts, "ts_init": ts, "bid_price": arrays["bid"],
                                   "ask_price": arrays["ask"], "bid_size": arrays["bid_size"],
                                   "ask_size": arrays["ask_size"]})
        else:
            self.table = pa.table({"ts_event": ts, "ts_init": ts, "open": arrays["open"],
                                   "high": arrays["high"], "low": arrays["low"],
                                   "close": arrays["close"], "volume": arrays["volume"]})

    def setup(self) -> None:
        instrument_id = str(self.instrument.id)
        engine = BacktestEngine()
        # the peers fill market orders in full at the touch, so compare like with like
        engine.add_venue(VenueConfig(name=self.instrument.id.venue, currency="USDT",
                                     starting_balance=float(STARTING_BALANCE_USDT),
                                     fill_model=FillModel(displayed_size_only=False)))
        engine.add_instrument(self.instrument)
        key = self.workload.key
        if key == "3":
            engine.add_data(self.table, "quotes", instrument_id)
            strategy: Strategy = QuoteRule(QuoteRuleConfig(
                instrument_id=instrument_id, trade_size=Decimal(TRADE_SIZE),
                move_ticks=QUOTE_RULE_TICKS))
        elif key == "1":
            engine.add_data(self.table, "quotes", instrument_id)
            strategy = EMACross(EMACrossConfig(bar_type=f"{instrument_id}-1-s-mid-internal",
                                               trade_size=Decimal(TRADE_SIZE)))
        else:
            bar_type = f"{instrument_id}-1-min-last-external"
            engine.add_data(self.table, "bars", bar_type)
            strategy = EMACross(EMACrossConfig(bar_type=bar_type, trade_size=Decimal(TRADE_SIZE)))
        engine.add_strategy(strategy)
        self.engine, self.strategy = engine, strategy

    def run(self) -> RunResult:
        assert self.engine is not None and self.strategy is not None
        result: BacktestResult = self.engine.run()
        if result.errors:
            raise RuntimeError(f"sapphire run failed: {result.errors[0]}")
        assert self.engine.kernel is not None
        position = self.engine.kernel.portfolio.net_position(self.instrument.id)
        strategy = self.strategy
        events = strategy.quotes if isinstance(strategy, QuoteRule) else (
            strategy.fast.count if isinstance(strategy, EMACross) else 0)
        return RunResult(orders=result.orders.num_rows, fills=result.fills.num_rows,
                         strategy_events=events,
                         final_position=float(position * self.instrument.size_increment))
