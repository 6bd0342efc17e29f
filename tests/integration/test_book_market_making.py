"""The book market-making examples end to end: the real ES MBO sample (L3) and generated L2.

What a run must show, whatever the market did: every fill is a maker fill at a price the
strategy quoted, the position never leaves its cap, the results' position after each fill
is the running sum of the fills, the equity curve ends at starting balance plus PnL, and
the same run twice gives the same fills.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sapphire.backtest.book_examples import ES_SAMPLE, es_mbo_backtest, generated_l2_backtest

REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"


def _check(result, cap: float) -> None:  # type: ignore[no-untyped-def]
    fills = result.fills
    assert fills.num_rows > 0
    assert set(fills.column("liquidity").to_pylist()) == {"maker"}
    signed = fills.column("side").to_numpy() * fills.column("quantity").to_numpy()
    after = fills.column("position_after").to_numpy()
    assert np.allclose(np.cumsum(signed), after, atol=1e-9)
    assert np.abs(after).max() <= cap + 1e-9
    quoted = set(zip(result.orders.column("order_id").to_pylist(),
                     result.orders.column("price").to_pylist(), strict=True))
    for order_id, price in zip(fills.column("order_id").to_pylist(),
                               fills.column("price").to_pylist(), strict=True):
        assert (order_id, price) in quoted  # a resting limit fills at its own price
    assert result.statistics["final_equity"] == pytest.approx(
        result.statistics["starting_equity"] + result.statistics["net_pnl"])
    assert not result.errors


@pytest.mark.real_data
@pytest.mark.skipif(not (REAL / ES_SAMPLE).is_file(), reason=f"ES MBO sample not at {REAL}")
def test_market_maker_on_the_looped_es_mbo_sample() -> None:
    first = es_mbo_backtest(REAL, loops=2, interval_ns=1_000_000_000)
    again = es_mbo_backtest(REAL, loops=2, interval_ns=1_000_000_000)
    _check(first, cap=5.0)
    assert first.fills.equals(again.fills)
    # the second loop replays the same market: the quotes trade in both halves
    ts = first.fills.column("ts_event").to_numpy()
    assert ts.min() < first.start_ns + (first.end_ns - first.start_ns) / 2 < ts.max()


def test_market_maker_on_generated_l2() -> None:
    first = generated_l2_backtest(30_000)
    again = generated_l2_backtest(30_000)
    _check(first, cap=0.01)
    assert first.fills.equals(again.fills)
