"""VaR backtests: the issue's Kupiec values, Basel zones from the binomial CDF, Christoffersen."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sapphire.core.errors import RiskError
from sapphire.risk import (
    TrafficLight,
    basel_traffic_light,
    basel_zone_bounds,
    christoffersen_independence,
    conditional_coverage,
    exceptions,
    kupiec_pof,
)


def test_kupiec_issue_values():
    five = kupiec_pof(5, 250, confidence=0.99)
    eight = kupiec_pof(8, 250, confidence=0.99)
    assert round(five.statistic, 4) == 1.9568 and not five.rejected
    assert round(eight.statistic, 4) == 7.7336 and eight.rejected
    assert five.critical_value == pytest.approx(3.841459, abs=1e-6)
    assert five.dof == 1 and 0.05 < five.p_value < 1 and eight.p_value < 0.05


def test_kupiec_zero_exceptions_by_hand():
    # x = 0: LR = -2 * 250 * ln(0.99) = 5.0252
    assert kupiec_pof(0, 250).statistic == pytest.approx(-500 * math.log(0.99))


def test_kupiec_at_expected_rate_is_zero():
    assert kupiec_pof(10, 1000).statistic == pytest.approx(0.0, abs=1e-12)


def test_basel_zones_250_days_99():
    assert basel_zone_bounds(250, 0.99) == (5, 10)
    zones = [basel_traffic_light(x) for x in range(0, 15)]
    assert zones == [TrafficLight.GREEN] * 5 + [TrafficLight.YELLOW] * 5 + [TrafficLight.RED] * 5


def test_basel_bounds_follow_the_binomial_for_other_samples():
    # 500 days at 99 %: P(X <= 8) = 0.9329 < 0.95 <= P(X <= 9) = 0.9689 -> yellow from 9;
    # P(X <= 14) = 0.99979 < 0.9999 <= P(X <= 15) = 0.99994 -> red from 15.
    assert basel_zone_bounds(500, 0.99) == (9, 15)


def test_christoffersen_by_hand():
    # Sequence 0 0 1 1 0 0 0 1 0 0: transitions n00=4, n01=2, n10=2, n11=1
    hits = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0], dtype=bool)
    pi, pi0, pi1 = 3 / 9, 2 / 6, 1 / 3
    restricted = 6 * math.log(1 - pi) + 3 * math.log(pi)
    unrestricted = (4 * math.log(1 - pi0) + 2 * math.log(pi0)
                    + 2 * math.log(1 - pi1) + 1 * math.log(pi1))
    result = christoffersen_independence(hits)
    assert result.statistic == pytest.approx(-2 * (restricted - unrestricted), abs=1e-12)
    assert result.statistic == pytest.approx(0.0, abs=1e-12)  # pi0 == pi1: no clustering


def test_christoffersen_detects_clustering():
    hits = np.zeros(250, dtype=bool)
    hits[100:105] = True  # five exceptions in a row
    assert christoffersen_independence(hits).rejected
    spread = np.zeros(250, dtype=bool)
    spread[[10, 60, 110, 160, 210]] = True
    assert not christoffersen_independence(spread).rejected


def test_conditional_coverage_is_the_sum():
    hits = np.zeros(250, dtype=bool)
    hits[100:105] = True
    cc = conditional_coverage(hits)
    assert cc.dof == 2
    assert cc.statistic == pytest.approx(kupiec_pof(5, 250).statistic
                                         + christoffersen_independence(hits).statistic)


def test_exceptions_compare_loss_to_var():
    hits = exceptions([-5.0, -1.0, 3.0, -2.0], [2.0, 2.0, 2.0, 2.0])
    assert hits.tolist() == [True, False, False, False]
    assert exceptions([-5.0, -1.0], 0.5).tolist() == [True, True]
    with pytest.raises(RiskError, match="var has 3 days but pnl has 2"):
        exceptions([-5.0, -1.0], [1.0, 1.0, 1.0])


def test_bad_counts_and_hits():
    with pytest.raises(RiskError, match="exceptions must be an integer between 0 and observations"):
        kupiec_pof(300, 250)
    with pytest.raises(RiskError, match="observations must be a positive integer"):
        basel_traffic_light(1, 0)
    with pytest.raises(RiskError, match="hits must be booleans"):
        christoffersen_independence([0, 2, 1])
    with pytest.raises(RiskError, match="at least 2 days"):
        christoffersen_independence([True])
    with pytest.raises(RiskError, match="significance must lie strictly between 0 and 1"):
        kupiec_pof(1, 250, significance=0.0)
