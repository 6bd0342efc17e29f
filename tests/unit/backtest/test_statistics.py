"""Statistics on tiny hand-worked equity curves and fill lists."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from sapphire.backtest.statistics import (
    STATISTICS,
    YEAR_NS,
    StatisticsConfig,
    compute_statistics,
    drawdown,
    grid_for_span,
    max_drawdown_duration,
    resample_equity,
    sortino_ratio,
)
from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.core.time import NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN, NS_PER_S
from tests.unit.backtest.results_helpers import MIXED_FILLS, equity_table, fills_table

T0 = 1_704_067_200 * NS_PER_S  # 2024-01-01 UTC
DAILY = StatisticsConfig(grid_ns=NS_PER_DAY)

# Five daily samples: up 10 %, down 10 % (a 10 % drawdown from 110 to 99), then up to 121.
CURVE_TS = [T0 + d * NS_PER_DAY for d in range(5)]
CURVE = [100.0, 110.0, 99.0, 104.5, 121.0]
# Returns 1/10, -1/10, 1/18 (104.5/99 - 1), 3/19 (121/104.5 - 1).
RETURNS = [Fraction(1, 10), Fraction(-1, 10), Fraction(1, 18), Fraction(3, 19)]
MEAN = sum(RETURNS) / 4                                       # 73/1368
SAMPLE_VAR = sum((r - MEAN) ** 2 for r in RETURNS) / 3


def curve_stats(config: StatisticsConfig = DAILY, fills=None) -> dict[str, float]:
    return compute_statistics(equity_table(CURVE_TS, CURVE), fills or fills_table([]),
                              config=config)


def test_returns_and_risk_on_a_five_point_curve():
    stats = curve_stats()
    assert stats["total_return"] == pytest.approx(0.21)
    assert stats["net_pnl"] == pytest.approx(21.0)
    assert stats["annual_return"] == pytest.approx(1.21 ** (365.25 / 4) - 1)
    assert stats["return_periods"] == 4
    assert stats["periods_per_year"] == 365.25
    assert stats["volatility"] == pytest.approx(math.sqrt(SAMPLE_VAR) * math.sqrt(365.25))
    assert stats["sharpe"] == pytest.approx(float(MEAN) / math.sqrt(SAMPLE_VAR) * math.sqrt(365.25))
    # Downside deviation over all 4 periods: only -1/10 is below 0 -> sqrt(0.01 / 4) = 0.05.
    assert stats["sortino"] == pytest.approx(float(MEAN) / 0.05 * math.sqrt(365.25))


def test_drawdown_and_its_duration_on_a_five_point_curve():
    stats = curve_stats()
    assert stats["max_drawdown"] == pytest.approx(0.1)                  # 99 / 110 - 1
    assert stats["max_drawdown_duration_ns"] == 3 * NS_PER_DAY          # peak day 1, back day 4
    assert stats["calmar"] == pytest.approx((1.21 ** (365.25 / 4) - 1) / 0.1)
    assert drawdown(np.array(CURVE)) == pytest.approx([0, 0, 0.1, 0.05, 0])


def test_risk_free_rate_is_compounded_per_period():
    rf = 0.05
    stats = curve_stats(StatisticsConfig(grid_ns=NS_PER_DAY, risk_free_rate=rf))
    rf_day = 1.05 ** (1 / 365.25) - 1
    assert stats["sharpe"] == pytest.approx(
        (float(MEAN) - rf_day) / math.sqrt(SAMPLE_VAR) * math.sqrt(365.25))
    downside = math.sqrt(sum(min(0.0, float(r) - rf_day) ** 2 for r in RETURNS) / 4)
    assert stats["sortino"] == pytest.approx((float(MEAN) - rf_day) / downside * math.sqrt(365.25))
    assert stats["risk_free_rate"] == rf


def test_default_grid_is_hourly_for_a_four_day_run():
    # Samples fall on hours 24, 48, 72, 96: 96 hourly returns, 92 of them zero.
    stats = curve_stats(StatisticsConfig())
    assert stats["return_period_ns"] == NS_PER_HOUR
    assert stats["return_periods"] == 96
    assert stats["periods_per_year"] == 8766
    hourly = np.zeros(96)
    hourly[[23, 47, 71, 95]] = [float(r) for r in RETURNS]
    assert stats["volatility"] == pytest.approx(np.std(hourly, ddof=1) * math.sqrt(8766))


def test_grid_rule():
    assert grid_for_span(30 * NS_PER_DAY) == NS_PER_DAY
    assert grid_for_span(30 * NS_PER_DAY - 1) == NS_PER_HOUR
    assert grid_for_span(2 * NS_PER_DAY) == NS_PER_HOUR
    assert grid_for_span(2 * NS_PER_DAY - 1) == NS_PER_MIN
    assert grid_for_span(0) == NS_PER_MIN
    assert YEAR_NS / NS_PER_MIN == 525_960


def test_resample_takes_the_last_sample_at_or_before_each_grid_point():
    # Samples at 0, 30, 61 and 200 s on a 60 s grid: points 60, 120, 180, 240.
    ts = np.array([0, 30, 61, 200]) * NS_PER_S
    values = np.array([100.0, 101.0, 102.0, 103.0])
    assert resample_equity(ts, values, 60 * NS_PER_S).tolist() == [100, 101, 102, 102, 103]
    # Skipping empty periods leaves out (120, 180], which holds no sample.
    assert resample_equity(ts, values, 60 * NS_PER_S, True).tolist() == [100, 101, 102, 103]


def test_trading_calendar_skips_weekend_periods():
    # Samples on days 0, 1 and 4 (a weekend between): the empty periods are left out,
    # so 2 returns (not 4) enter the 252-day annualisation.
    ts = [T0, T0 + NS_PER_DAY, T0 + 4 * NS_PER_DAY]
    calendar = StatisticsConfig(grid_ns=NS_PER_DAY, periods_per_year=252, skip_empty_periods=True)
    stats = compute_statistics(equity_table(ts, [100.0, 101.0, 99.99]), fills_table([]),
                               config=calendar)
    assert stats["return_periods"] == 2
    assert stats["periods_per_year"] == 252
    returns = [0.01, 99.99 / 101 - 1]
    assert stats["volatility"] == pytest.approx(np.std(returns, ddof=1) * math.sqrt(252))


def test_longest_drawdown_need_not_be_the_deepest():
    # 100 -> 80 -> 100 (deep, 2 ns), then 99, 99.5 -> 100.5 (shallow, from ts 2 to 11: 9 ns).
    ts = np.array([0, 1, 2, 3, 10, 11])
    equity = np.array([100, 80, 100, 99, 99.5, 100.5])
    assert max_drawdown_duration(ts, equity) == 9
    assert drawdown(equity).max() == pytest.approx(0.2)


def test_unrecovered_drawdown_runs_to_the_end():
    assert max_drawdown_duration(np.array([0, 10, 25]), np.array([100.0, 90.0, 95.0])) == 25


def test_rising_curve_has_no_drawdown():
    assert max_drawdown_duration(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0])) == 0


def test_flat_equity_has_zero_volatility_and_nan_ratios():
    ts = [T0 + d * NS_PER_DAY for d in range(3)]
    stats = compute_statistics(equity_table(ts, [100.0] * 3), fills_table([]), config=DAILY)
    assert stats["total_return"] == 0.0
    assert stats["annual_return"] == 0.0
    assert stats["volatility"] == 0.0
    assert math.isnan(stats["sharpe"])
    assert math.isnan(stats["sortino"])
    assert math.isnan(stats["calmar"])
    assert stats["max_drawdown"] == 0.0
    assert stats["max_drawdown_duration_ns"] == 0.0


def test_sortino_without_downside_is_nan():
    assert math.isnan(sortino_ratio(np.array([0.01, 0.02]), 365.25))


def test_single_point_curve():
    stats = compute_statistics(equity_table([T0], [100.0]), fills_table([]))
    assert stats["total_return"] == 0.0
    assert stats["return_periods"] == 0
    assert stats["max_drawdown"] == 0.0
    assert stats["turnover"] == 0.0
    for name in ("annual_return", "volatility", "sharpe", "sortino", "calmar", "exposure"):
        assert math.isnan(stats[name]), name


def test_equity_at_or_below_zero():
    ts = [T0 + d * NS_PER_DAY for d in range(3)]
    stats = compute_statistics(equity_table(ts, [100.0, 50.0, -10.0]), fills_table([]),
                               config=DAILY)
    assert stats["annual_return"] == -1.0
    assert stats["max_drawdown"] == pytest.approx(1.1)
    assert math.isnan(stats["volatility"])   # returns through a non-positive equity are undefined


def test_fill_statistics_with_an_equity_curve():
    # Fills of results_helpers.MIXED_FILLS; equity 1000 on [0,500), 1010 on [500,1000]:
    # time-weighted mean 1005; traded notional 20+13+50+36+24+65+42+49+48 = 347.
    equity = equity_table([0, 500, 1000], [1000.0, 1010.0, 990.0])
    stats = compute_statistics(equity, fills_table(MIXED_FILLS))
    assert stats["turnover"] == pytest.approx(347 / 1005)
    assert stats["total_fees"] == pytest.approx(1.3)
    assert stats["exposure"] == pytest.approx(0.7)
    assert stats["fills"] == 9
    assert stats["trades"] == 4
    assert stats["profit_factor"] == pytest.approx(1.5)


def test_exposure_uses_the_given_run_span():
    equity = equity_table([0, 1000], [1000.0, 1000.0])
    stats = compute_statistics(equity, fills_table(MIXED_FILLS), start_ns=0, end_ns=2000)
    # Same holding intervals, but B's open trade now runs to 2000: [100,700] + [900,2000].
    assert stats["exposure"] == pytest.approx(1700 / 2000)


def test_statistics_come_in_the_declared_order():
    assert list(curve_stats()) == [name for name, _, _ in STATISTICS]


def test_end_before_start_is_rejected():
    with pytest.raises(ConfigError, match="end_ns 5 is before start_ns 10"):
        compute_statistics(equity_table([0], [1.0]), fills_table([]), start_ns=10, end_ns=5)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"risk_free_rate": math.nan}, "risk_free_rate.*nan"),
    ({"risk_free_rate": -1.0}, "risk_free_rate.*-1.0"),
    ({"risk_free_rate": "5%"}, "risk_free_rate.*'5%'"),
    ({"grid_ns": 0}, "grid_ns.*0"),
    ({"grid_ns": 1.5}, "grid_ns.*1.5"),
    ({"periods_per_year": 0}, "periods_per_year.*0"),
    ({"periods_per_year": math.inf}, "periods_per_year.*inf"),
    ({"skip_empty_periods": "yes"}, "skip_empty_periods.*'yes'"),
])
def test_bad_config_is_rejected(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        StatisticsConfig(**kwargs)


def test_unknown_config_field_is_rejected():
    with pytest.raises(TypeError, match="grid"):
        StatisticsConfig(grid=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(("ts", "equity", "message"), [
    ([], [], "equity curve is empty"),
    ([0, 1], [0.0, 1.0], "first equity must be > 0"),
    ([0, 1], [-5.0, 1.0], "first equity must be > 0"),
    ([5, 1], [1.0, 1.0], r"row 2, column 'ts': time goes backwards"),
    ([0, 1], [1.0, math.nan], r"row 2, column 'equity': value is not finite"),
])
def test_bad_equity_curve_is_rejected(ts, equity, message):
    with pytest.raises(DataValidationError, match=message):
        compute_statistics(equity_table(ts, equity), fills_table([]))
