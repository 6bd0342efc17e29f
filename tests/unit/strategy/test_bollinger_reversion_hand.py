"""BollingerReversion on nine bars, worked by hand (period 3, k = 1, trade size 1).

Bands are the mean of the last three closes +/- one population standard deviation:

====  =====  ===================  ======  ======  ======  ========  =====================
bar   close  window               middle  lower   upper   position  action
====  =====  ===================  ======  ======  ======  ========  =====================
1-2   100    (warming up)                                 0
3     100    100, 100, 100        100     100     100     0         none (not outside)
4     94     100, 100, 94         98      95.17   100.83  0         buy 1 (94 < lower)
5     98     100, 94, 98          97.33   94.84   99.83   +1        sell 1 (>= middle)
6     106    94, 98, 106          99.33   94.34   104.32  0         sell 1 (> upper)
7     95     98, 106, 95          99.67   95.02   104.31  -1        buy 2 (< lower: flip)
8     97     106, 95, 97          99.33   94.55   104.12  +1        none (< middle)
9     103    95, 97, 103          98.33   94.93   101.73  +1        sell 2 (> upper: flip)
====  =====  ===================  ======  ======  ======  ========  =====================

Market orders fill at the bar's close. Realized PnL: +4 (94 -> 98), +11 (short 106 ->
95), +8 (95 -> 103) = 23; the last short is marked at 103, so unrealized 0. Taker fee
0.1% of 94 + 98 + 106 + 190 + 206 = 694 is 0.694.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.backtest.results import BacktestResult
from sapphire.model.instruments import SpotPair
from sapphire.strategy.examples import BollingerReversion, BollingerReversionConfig

MINUTE = 60_000_000_000
T0 = 1_700_000_000_000_000_000
CLOSES = [100, 100, 100, 94, 98, 106, 95, 97, 103]
BAR_TYPE = "BTCUSD.SIM-1-min-last-external"
INSTRUMENT = SpotPair(id="BTCUSD.SIM", quote_currency="USD", base_currency="BTC",
                      price_increment=Decimal(1), size_increment=Decimal("0.1"),
                      taker_fee=Decimal("0.001"))
STARTING = 10_000.0


def ts(bar: int) -> int:
    """Close time of bar ``bar`` (1-based)."""
    return T0 + bar * MINUTE


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    i64 = pa.int64()
    times = [ts(i + 1) for i in range(len(CLOSES))]
    bars = pa.table({"ts_event": pa.array(times, i64), "ts_init": pa.array(times, i64),
                     **{name: pa.array(CLOSES, i64) for name in ("open", "high", "low", "close")},
                     "volume": pa.array([10] * len(CLOSES), i64)})
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USD", starting_balance=STARTING))
    engine.add_instrument(INSTRUMENT)
    engine.add_data(bars, "bars", BAR_TYPE)
    engine.add_strategy(BollingerReversion(BollingerReversionConfig(
        bar_type=BAR_TYPE, trade_size=Decimal(1), period=3, k=1.0)))
    outcome = engine.run()
    assert outcome.errors == []
    return outcome


def test_fills_are_the_hand_worked_ones(result: BacktestResult) -> None:
    fills = result.fills
    got = list(zip(fills["ts_event"].to_pylist(), fills["side"].to_pylist(),
                   fills["quantity"].to_pylist(), fills["price"].to_pylist(),
                   fills["position_after"].to_pylist(), strict=True))
    assert got == [
        (ts(4), 1, 1.0, 94.0, 1.0),
        (ts(5), -1, 1.0, 98.0, 0.0),
        (ts(6), -1, 1.0, 106.0, -1.0),
        (ts(7), 1, 2.0, 95.0, 1.0),
        (ts(9), -1, 2.0, 103.0, -1.0),
    ]


def test_realized_pnl_and_fees(result: BacktestResult) -> None:
    fills = result.fills
    assert fills["realized_pnl"].to_pylist() == pytest.approx([0, 4, 0, 11, 8], abs=1e-9)
    assert fills["fee"].to_pylist() == pytest.approx([0.094, 0.098, 0.106, 0.19, 0.206],
                                                     rel=1e-12)
    assert set(fills["liquidity"].to_pylist()) == {"taker"}


def test_final_equity_and_position(result: BacktestResult) -> None:
    assert result.equity["equity"].to_pylist()[-1] == pytest.approx(STARTING + 23 - 0.694,
                                                                    rel=1e-12)
    open_rows = [row for row in result.positions.to_pylist() if row["quantity"] != 0]
    assert len(open_rows) == 1
    assert open_rows[0]["quantity"] == -1.0
    assert open_rows[0]["avg_price"] == 103.0
    assert open_rows[0]["unrealized_pnl"] == 0.0
    assert sum(row["realized_pnl"] for row in result.positions.to_pylist()) \
        == pytest.approx(23.0, abs=1e-9)
