"""BollingerReversion (20, 2) on the real BTC one-minute bars: the engine makes exactly the
trades of an independent plain loop.

The loop follows the rule in :mod:`sapphire.strategy.examples.bollinger_reversion`'s
docstring, computing each window's mean and population standard deviation afresh in two
exact-sum passes (``math.fsum``) rather than incrementally as the indicator does. Market
orders fill at the bar's close; the instrument has no fees.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pyarrow as pa
import pytest

from sapphire.backtest.results import BacktestResult
from sapphire.strategy.examples import BollingerReversion, BollingerReversionConfig
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
PERIOD, K = 20, 2.0


@pytest.fixture(scope="module")
def bars() -> pa.Table:
    return load_bars()


def plain_bollinger(ts: list[int], close_ticks: list[int]) -> list[Trade]:
    """Trades (ts, side, BTC, price ticks) of the Bollinger reversion rule, size 1 BTC."""
    position = 0
    trades = []
    for i in range(PERIOD - 1, len(close_ticks)):
        window = [ticks / 1000 for ticks in close_ticks[i - PERIOD + 1:i + 1]]
        middle = math.fsum(window) / PERIOD
        std = math.sqrt(math.fsum((x - middle) ** 2 for x in window) / PERIOD)
        close = window[-1]
        if close < middle - K * std and position <= 0:
            side, lots = 1, 1 - position
        elif close > middle + K * std and position >= 0:
            side, lots = -1, 1 + position
        elif position > 0 and close >= middle:
            side, lots = -1, position
        elif position < 0 and close <= middle:
            side, lots = 1, -position
        else:
            continue
        trades.append((ts[i], side, lots, close_ticks[i]))
        position += side * lots
    return trades


@pytest.fixture(scope="module")
def result(bars: pa.Table) -> BacktestResult:
    return run_on_bars(bars, BollingerReversion(BollingerReversionConfig(
        bar_type=BAR_TYPE, trade_size=Decimal(1), period=PERIOD, k=K)))


def test_engine_trades_equal_the_plain_loop(bars: pa.Table, result: BacktestResult) -> None:
    expected = plain_bollinger(bars["ts_event"].to_pylist(), bars["close"].to_pylist())
    fills = result.fills
    assert len(expected) > 1_000
    got = list(zip(fills["ts_event"].to_pylist(), fills["side"].to_pylist(),
                   fills["quantity"].to_pylist(),
                   [round(p * 1000) for p in fills["price"].to_pylist()], strict=True))
    assert got == [(t, side, float(qty), ticks) for t, side, qty, ticks in expected]


def test_final_pnl_equals_the_plain_loop(bars: pa.Table, result: BacktestResult) -> None:
    closes = bars["close"].to_pylist()
    pnl = trades_pnl(plain_bollinger(bars["ts_event"].to_pylist(), closes), closes[-1])
    assert result.equity["equity"].to_pylist()[-1] - STARTING == pytest.approx(pnl, abs=1e-6)
