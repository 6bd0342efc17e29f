"""The backtest benchmark's workload arrays and reference loops (benchmarks/backtest_peers)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from backtest_peers import workloads

S = 1_000_000_000


def test_ema_cross_waits_for_the_slow_ema_to_see_20_closes() -> None:
    assert workloads.ema_cross_orders([float(i) for i in range(1, 20)]) == (0, 0)


def test_ema_cross_buys_on_the_20th_rising_close_then_reverses_on_a_drop() -> None:
    # Rising closes keep fast above slow: one buy of 1 at bar 20; the first drop to 0 puts
    # fast (alpha 2/11) below slow (alpha 2/21): one sell of 2, ending short 1.
    closes = [float(i) for i in range(1, 21)] + [0.0] * 5
    assert workloads.ema_cross_orders(closes) == (2, -1)


def test_ema_cross_does_nothing_when_the_emas_are_equal() -> None:
    assert workloads.ema_cross_orders([5.0] * 50) == (0, 0)


def test_quote_rule_buys_on_a_rise_of_k_ticks_and_flattens_on_a_fall_of_k() -> None:
    k = workloads.QUOTE_RULE_TICKS
    base = 100_000
    # mids in ticks: base, base+k (buy), base+k-0.5 (nothing), base (sell), base-k (flat:
    # nothing, but the reference moves), base-0.5 (+k-0.5 over it: nothing)
    bid = np.array([base, base + k, base + k - 1, base, base - k, base - 1])
    ask = np.array([base, base + k, base + k, base, base - k, base])
    assert workloads.quote_rule_orders(bid, ask) == (2, 0)


def test_mid_bar_closes_take_the_last_mid_of_each_non_empty_second() -> None:
    ts = np.array([0, S // 2, S + S // 5, 3 * S + 9 * S // 10, 4 * S])
    bid = np.array([100, 102, 104, 106, 108])
    ask = np.array([101, 103, 105, 107, 109])
    closes = workloads.mid_bar_closes(ts, bid, ask, S, price_precision=2)
    # (bid + ask) / 200 of the rows at 0.5 s, 1.2 s, 3.9 s and 4.0 s
    assert closes.tolist() == [205 / 200, 209 / 200, 213 / 200, 217 / 200]


def test_tile_bars_continues_the_timestamps_and_repeats_the_prices() -> None:
    minute = workloads.BAR_MINUTE_NS
    bars = {"ts": np.array([1, 2, 3]) * minute, "close": np.array([10, 11, 12])}
    tiled = workloads.tile_bars(bars, 7)
    assert tiled["ts"].tolist() == [m * minute for m in range(1, 8)]
    assert tiled["close"].tolist() == [10, 11, 12, 10, 11, 12, 10]


def test_off_grid_prices_are_rejected_naming_the_column() -> None:
    with pytest.raises(ValueError, match=r"'close' is not on a 0\.001 grid"):
        workloads._on_grid(np.array([1.0, 1.0005]), 3, "close")


def test_unknown_workload_is_rejected_naming_it() -> None:
    with pytest.raises(ValueError, match="unknown workload '4'"):
        workloads.load("4")


@pytest.mark.real_data
def test_real_bars_are_stamped_at_close_on_the_perp_grid() -> None:
    if not workloads.REAL_BARS.exists():
        pytest.skip(f"real data not present at {workloads.REAL_BARS}")
    bars = workloads.real_bars()
    assert bars["ts"].size == 45_031
    # First row: 2021-12-31 23:01 open, close 46377.0, volume 2300413.7295
    assert bars["ts"][0] == 1_640_991_660 * S + workloads.BAR_MINUTE_NS
    assert bars["close"][0] == 46_377_000
    assert bars["volume"][0] == 2_300_413_729_500
