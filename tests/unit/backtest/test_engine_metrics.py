"""Engine metrics are wired: counters match the run's tables; latencies are observed."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.metrics.engine import EngineMetrics, NullMetrics
from sapphire.model.instruments import SpotPair
from sapphire.strategy.strategy import Strategy

BTC = SpotPair(id="BTCUSDT.SIM", quote_currency="USDT", base_currency="BTC",
               price_increment="0.1", size_increment="0.001")
NS = 1_000_000_000


def _bars(closes: list[int]) -> pa.Table:
    ts = [(i + 1) * 60 * NS for i in range(len(closes))]
    return pa.table({"ts_event": ts, "ts_init": ts, "open": closes, "high": closes,
                     "low": closes, "close": closes, "volume": [1000] * len(closes)})


class BuyEveryOtherBar(Strategy):
    """Buys 0.001 BTC at market on even bars; on odd bars sends a cash order it cannot pay."""

    def on_start(self) -> None:
        self.count = 0
        self.subscribe_bars("BTCUSDT.SIM-1-min-last-external")

    def on_bar(self, bar: object) -> None:
        self.count += 1
        size = "0.001" if self.count % 2 == 0 else "1000"  # 1000 BTC: no cash for it
        self.submit(self.orders.market(BTC.id, Side.BUY, Decimal(size)))


def _run(metrics: EngineMetrics | None) -> object:
    engine = BacktestEngine(metrics=metrics)
    engine.add_venue(VenueConfig(name="SIM", account_type="cash", starting_balance=1000.0))
    engine.add_instrument(BTC)
    engine.add_data(_bars([1000, 1001, 1002, 1003, 1004, 1005]), "bars",
                    "BTCUSDT.SIM-1-min-last-external")
    engine.add_strategy(BuyEveryOtherBar())
    return engine.run()


def test_counters_match_the_run() -> None:
    metrics = EngineMetrics()
    result = _run(metrics)
    # 6 bars; 6 orders: the 3 small ones fill, the 3 of 1000 BTC are rejected (no cash)
    assert metrics.snapshot() == {"events": 6, "orders": 6, "fills": 3, "rejections": 3,
                                  "risk_denials": 0, "open_orders": 0, "open_positions": 1}
    assert result.fills.num_rows == 3  # type: ignore[attr-defined]
    assert metrics.data_to_strategy.count == 6
    assert metrics.risk_check.count == 6
    assert metrics.strategy_to_order.count == 6
    assert metrics.book_update.count == 0


@pytest.mark.parametrize("metrics", [None, NullMetrics()])
def test_metrics_off_changes_nothing(metrics: EngineMetrics | None) -> None:
    result = _run(metrics)
    assert result.fills.num_rows == 3  # type: ignore[attr-defined]


def test_cache_lists_open_positions() -> None:
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", account_type="cash", starting_balance=1000.0))
    engine.add_instrument(BTC)
    engine.add_data(_bars([1000, 1001]), "bars", "BTCUSDT.SIM-1-min-last-external")
    strategy = BuyEveryOtherBar()
    engine.add_strategy(strategy)
    engine.run()
    positions = strategy.cache.positions(BTC.id)
    assert [(str(p.instrument_id), p.quantity) for p in positions] == [("BTCUSDT.SIM", 1)]
    assert strategy.cache.positions() == positions
