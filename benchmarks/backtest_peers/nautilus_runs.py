"""NautilusTrader 1.221 runs of the backtest workloads (see the package docstring for the rules).

Runs only in benchmarks/.env-nautilus (``make bench-nautilus-env``). Configuration chosen to
give NautilusTrader its best case, which makes the ratio a conservative one for Sapphire:
logging at ERROR, no post-run analysis, a low-level ``BacktestEngine`` (no node, no catalog),
default risk engine and default L1 fill model. Time bars are built like Sapphire's
(``[t, t + 1 s)`` by ``right-open``, no bar for an empty second); Nautilus does not emit the
last, unfinished bar at the end of the data, so workload 1 may see one bar fewer.

Indicators are Nautilus' own ``ExponentialMovingAverage`` (alpha 2/(n+1), seeded with the first
value, initialized after n values), registered for the bars as a Nautilus user would.

``BENCH_NAUTILUS_DEFAULTS=1`` in the environment keeps Nautilus' default logging (INFO, to
stdout) and post-run analysis instead, to see what the lean configuration saves.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.config import BacktestEngineConfig, DataEngineConfig, LoggingConfig
from nautilus_trader.indicators import ExponentialMovingAverage
from nautilus_trader.model.currencies import BTC, USDT
from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
from nautilus_trader.model.instruments import CryptoPerpetual, CurrencyPair, Instrument
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler, QuoteTickDataWrangler
from nautilus_trader.trading.strategy import Strategy

from backtest_peers import (
    FAST_PERIOD,
    QUOTE_RULE_TICKS,
    SLOW_PERIOD,
    STARTING_BALANCE_USDT,
    TRADE_SIZE,
    RunResult,
)
from backtest_peers.workloads import InstrumentSpec, Workload

SUPPORTED = frozenset({"1", "2", "2x", "3"})
_CURRENCIES = {"BTC": BTC, "USDT": USDT}


def make_run(workload: Workload) -> NautilusRun:
    """Return the NautilusTrader run of ``workload``."""
    if workload.key not in SUPPORTED:
        raise ValueError(f"NautilusTrader runner has no workload {workload.key!r}")
    return NautilusRun(workload)


def nautilus_instrument(spec: InstrumentSpec) -> Instrument:
    """Return the Nautilus instrument of ``spec`` with zero fees."""
    common: dict[str, Any] = {
        "instrument_id": InstrumentId(Symbol(spec.symbol), Venue(spec.venue)),
        "raw_symbol": Symbol(spec.symbol), "base_currency": _CURRENCIES[spec.base],
        "quote_currency": _CURRENCIES[spec.quote],
        "price_precision": spec.price_precision, "size_precision": spec.size_precision,
        "price_increment": Price.from_str(spec.price_increment),
        "size_increment": Quantity.from_str(spec.size_increment),
        "margin_init": Decimal("0.05"), "margin_maint": Decimal("0.025"),
        "maker_fee": Decimal(0), "taker_fee": Decimal(0), "ts_event": 0, "ts_init": 0,
    }
    if spec.perpetual:
        return CryptoPerpetual(settlement_currency=_CURRENCIES[spec.quote], is_inverse=False,
                               **common)
    return CurrencyPair(**common)


class _Counting(Strategy):
    """Counts orders, fills and callbacks; trades via :meth:`_target`."""

    def __init__(self, instrument: Instrument) -> None:
        super().__init__()
        self.instrument = instrument
        self.orders = 0
        self.fills = 0
        self.events = 0

    def on_order_filled(self, event: OrderFilled) -> None:
        self.fills += 1

    def _market(self, side: OrderSide, quantity: Decimal) -> None:
        order = self.order_factory.market(self.instrument.id, side,
                                          self.instrument.make_qty(quantity))
        self.submit_order(order)
        self.orders += 1

    def _position(self) -> Decimal:
        return self.portfolio.net_position(self.instrument.id)


class EmaCross(_Counting):
    """The EMA cross on ``bar_type`` (package docstring)."""

    def __init__(self, instrument: Instrument, bar_type: BarType) -> None:
        super().__init__(instrument)
        self.bar_type = bar_type
        self.fast = ExponentialMovingAverage(FAST_PERIOD)
        self.slow = ExponentialMovingAverage(SLOW_PERIOD)

    def on_start(self) -> None:
        self.register_indicator_for_bars(self.bar_type, self.fast)
        self.register_indicator_for_bars(self.bar_type, self.slow)
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.events += 1
        if not self.slow.initialized:
            return
        fast, slow = self.fast.value, self.slow.value
        position = self._position()
        if fast > slow and position <= 0:
            self._market(OrderSide.BUY, TRADE_SIZE - position)
        elif fast < slow and position >= 0:
            self._market(OrderSide.SELL, TRADE_SIZE + position)


class QuoteRule(_Counting):
    """The quote rule (package docstring) in ``on_quote_tick``."""

    def __init__(self, instrument: Instrument) -> None:
        super().__init__(instrument)
        # Raw fixed-point integers keep the comparison exact (no float rounding at the edge).
        self.threshold = 2 * QUOTE_RULE_TICKS * instrument.price_increment.raw
        self.reference: int | None = None

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.instrument.id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.events += 1
        mid = tick.bid_price.raw + tick.ask_price.raw
        if self.reference is None:
            self.reference = mid
        if mid - self.reference >= self.threshold:
            self.reference = mid
            if self._position() == 0:
                self._market(OrderSide.BUY, Decimal(TRADE_SIZE))
        elif self.reference - mid >= self.threshold:
            self.reference = mid
            position = self._position()
            if position > 0:
                self._market(OrderSide.SELL, position)


class NautilusRun:
    """One workload on a low-level ``BacktestEngine``."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.instrument = nautilus_instrument(workload.instrument)
        self.data: list[Any] = []
        self.engine: BacktestEngine | None = None
        self.strategy: _Counting | None = None

    def convert(self) -> None:
        """Build Nautilus ``QuoteTick`` or ``Bar`` objects with its own wranglers."""
        w = self.workload
        index = pd.DatetimeIndex(pd.to_datetime(w.arrays["ts"], unit="ns", utc=True),
                                 name="timestamp")
        if w.kind == "quotes":
            frame = pd.DataFrame({"bid_price": w.prices("bid"), "ask_price": w.prices("ask"),
                                  "bid_size": w.sizes("bid_size"),
                                  "ask_size": w.sizes("ask_size")}, index=index)
            self.data = QuoteTickDataWrangler(self.instrument).process(frame)
        else:
            frame = pd.DataFrame({name: w.prices(name) for name in ("open", "high", "low", "close")}
                                 | {"volume": w.sizes("volume")}, index=index)
            self.data = BarDataWrangler(self._bar_type(), self.instrument).process(frame)

    def _bar_type(self) -> BarType:
        w = self.workload
        if w.key == "1":
            seconds = w.bar_step_ns // 1_000_000_000
            return BarType.from_str(f"{self.instrument.id}-{seconds}-SECOND-MID-INTERNAL")
        minutes = w.bar_step_ns // 60_000_000_000
        return BarType.from_str(f"{self.instrument.id}-{minutes}-MINUTE-LAST-EXTERNAL")

    def setup(self) -> None:
        """Build the engine, the venue with a margin account, the instrument, data and strategy."""
        data_engine = DataEngineConfig(time_bars_interval_type="right-open",
                                       time_bars_build_with_no_updates=False)
        if os.environ.get("BENCH_NAUTILUS_DEFAULTS") == "1":
            config = BacktestEngineConfig(trader_id="BENCH-001", data_engine=data_engine)
        else:
            config = BacktestEngineConfig(trader_id="BENCH-001", data_engine=data_engine,
                                          logging=LoggingConfig(log_level="ERROR"),
                                          run_analysis=False)
        engine = BacktestEngine(config=config)
        engine.add_venue(venue=Venue(self.workload.instrument.venue), oms_type=OmsType.NETTING,
                         account_type=AccountType.MARGIN, base_currency=USDT,
                         starting_balances=[Money(STARTING_BALANCE_USDT, USDT)],
                         default_leverage=Decimal(1))
        engine.add_instrument(self.instrument)
        engine.add_data(self.data)
        if self.workload.key == "3":
            self.strategy = QuoteRule(self.instrument)
        else:
            self.strategy = EmaCross(self.instrument, self._bar_type())
        engine.add_strategy(self.strategy)
        self.engine = engine
        self.data = []  # the engine holds its own references now

    def run(self) -> RunResult:
        """Run the engine over all the data."""
        assert self.engine is not None and self.strategy is not None
        self.engine.run()
        s = self.strategy
        position = float(self.engine.portfolio.net_position(self.instrument.id))
        return RunResult(orders=s.orders, fills=s.fills, strategy_events=s.events,
                         final_position=position)


def version() -> str:
    """Return the NautilusTrader version."""
    import nautilus_trader

    return str(nautilus_trader.__version__)
