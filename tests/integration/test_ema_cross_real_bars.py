"""EMA(10)/EMA(20) cross on the real BTC one-minute bars: the engine makes exactly the
trades of an independent plain loop.

The loop below is written from the rule in
:mod:`sapphire.strategy.examples.ema_cross`'s docstring and nothing else: EMAs of the
closes with ``alpha = 2 / (n + 1)`` seeded with the first close; once 20 bars are in
(both EMAs have seen their period), fast > slow with a position <= 0 buys
``size - position``, fast < slow with a position >= 0 sells ``size + position``. A market
order sent on a bar fills at that bar's close (the venue's touch after the bar), with no
fees on this instrument.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from sapphire.backtest.results import BacktestResult
from sapphire.strategy.examples import EMACross, EMACrossConfig
from tests.integration._real_bars import (
    BAR_TYPE,
    NEEDS_BARS,
    STARTING,
    Trade,
    load_bars,
    run_on_bars,
    trades_pnl,
)

pytestmark = NEEDS_BARS
SIZE = 1  # BTC per trade


@pytest.fixture(scope="module")
def bars() -> pa.Table:
    return load_bars()


def plain_ema_cross(ts: list[int], close_ticks: list[int], fast_n: int = 10,
                    slow_n: int = 20) -> list[Trade]:
    """Trades (ts, side, BTC, price ticks) of the EMA cross rule, in plain Python."""
    fast_a, slow_a = 2.0 / (fast_n + 1), 2.0 / (slow_n + 1)
    fast = slow = 0.0
    position = 0
    trades = []
    for count, (t, ticks) in enumerate(zip(ts, close_ticks, strict=True), start=1):
        price = ticks / 1000  # the close in USD (tick 0.001)
        if count == 1:
            fast = slow = price
        else:
            fast += fast_a * (price - fast)
            slow += slow_a * (price - slow)
        if count < max(fast_n, slow_n):
            continue
        if fast > slow and position <= 0:
            trades.append((t, 1, SIZE - position, ticks))
            position = SIZE
        elif fast < slow and position >= 0:
            trades.append((t, -1, SIZE + position, ticks))
            position = -SIZE
    return trades


@pytest.fixture(scope="module")
def result(bars: pa.Table) -> BacktestResult:
    return run_on_bars(bars, EMACross(EMACrossConfig(bar_type=BAR_TYPE,
                                                     trade_size=Decimal(SIZE))))


def test_bars_are_the_sample(bars: pa.Table) -> None:
    assert bars.num_rows == 45_031
    assert bars["close"][0].as_py() == 46_377_000  # 46377.0 USD, the file's first close


def test_engine_trades_equal_the_plain_loop(bars: pa.Table, result: BacktestResult) -> None:
    ts, closes = bars["ts_event"].to_pylist(), bars["close"].to_pylist()
    expected = plain_ema_cross(ts, closes)
    fills = result.fills
    assert len(expected) > 1_000  # the rule trades a lot on a month of minutes
    assert fills.num_rows == len(expected)
    got = zip(fills["ts_event"].to_pylist(), fills["side"].to_pylist(),
              fills["quantity"].to_pylist(), fills["price"].to_pylist(), strict=True)
    for row, ((t, side, qty, price), (et, eside, eqty, eticks)) in enumerate(
            zip(got, expected, strict=True)):
        assert (t, side, qty) == (et, eside, float(eqty)), f"fill {row}"
        assert round(price * 1000) == eticks, f"fill {row}: price {price}"
        assert price == pytest.approx(eticks / 1000, rel=1e-15), f"fill {row}"


def test_final_pnl_equals_the_plain_loop(bars: pa.Table, result: BacktestResult) -> None:
    ts, closes = bars["ts_event"].to_pylist(), bars["close"].to_pylist()
    pnl = trades_pnl(plain_ema_cross(ts, closes), closes[-1])
    final = result.equity["equity"].to_pylist()[-1]
    assert final - STARTING == pytest.approx(pnl, abs=1e-6)
    assert result.statistics["net_pnl"] == pytest.approx(pnl, abs=1e-6)
    assert result.statistics["total_fees"] == 0.0
