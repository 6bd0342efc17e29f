"""Historical and parametric VaR/ES: the issue's known values and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sapphire.core.errors import RiskError
from sapphire.risk import (
    historical_var,
    parametric_var,
    portfolio_parametric_var,
    portfolio_sigma,
    quantile_multipliers,
    scenario_pnl,
    var_es_from_pnl,
)

PNL = [3.0, -10.0, 2.0, -1.0, 9.0, -8.0, 0.0, 4.0, -5.0, 6.0]  # sorted: -10 -8 -5 -1 0 2 3 4 6 9


def test_issue_known_values_normal_var():
    one_day = parametric_var(0.01, value=1_000_000, confidence=0.99)
    ten_day = parametric_var(0.01, value=1_000_000, confidence=0.99, horizon_days=10)
    assert round(one_day.var, 2) == 23_263.48
    assert round(ten_day.var, 2) == 73_565.58
    assert ten_day.horizon_days == 10.0


def test_normal_es_is_density_over_tail():
    # ES_99 = phi(2.326348) / 0.01 = 2.665214 sigma
    es = parametric_var(0.01, value=1_000_000).es
    assert es == pytest.approx(26_652.14, abs=0.01)


def test_historical_whole_tail():
    # n p = 10 * 0.2 = 2: VaR is the 2nd worst loss, ES the mean of the 2 worst.
    result = var_es_from_pnl(PNL, 0.80)
    assert result.var == 8.0
    assert result.es == 9.0


def test_historical_fractional_tail_acerbi_tasche():
    # n p = 2.5, k = 3: VaR = 5; ES = (10 + 8 + 0.5 * 5) / 2.5 = 8.2
    result = var_es_from_pnl(PNL, 0.75)
    assert result.var == 5.0
    assert result.es == pytest.approx(8.2, abs=1e-12)


def test_historical_binary_noise_does_not_move_the_quantile():
    # 100 * (1 - 0.99) = 1.0000000000000009 in floating point; k must be 1, not 2.
    pnl = -np.arange(100, dtype=float)
    assert var_es_from_pnl(pnl, 0.99).var == 99.0
    assert var_es_from_pnl(pnl, 0.99).var == -np.quantile(pnl, 0.01, method="inverted_cdf")


def test_historical_tail_thinner_than_one_scenario_uses_worst():
    result = var_es_from_pnl(PNL, 0.99)  # n p = 0.1
    assert (result.var, result.es) == (10.0, 10.0)


def test_historical_var_from_returns_and_positions():
    returns = np.array([[0.01, -0.02], [-0.03, 0.01], [0.02, 0.00], [-0.01, -0.01]])
    positions = [100.0, 50.0]
    # P&L per row: 0, -2.5, 2, -1.5 -> sorted -2.5 -1.5 0 2; p = 0.5 -> n p = 2
    assert scenario_pnl(returns, positions, "numpy").tolist() == pytest.approx([0, -2.5, 2, -1.5])
    result = historical_var(returns, positions, confidence=0.5, backend="numpy")
    assert result.var == pytest.approx(1.5)
    assert result.es == pytest.approx(2.0)


def test_student_t_var_is_scaled_quantile():
    # dof 5: t_0.99 = 3.3649300, scaled by sqrt(3/5) = 0.7745967 -> 2.6064636 sigma
    result = parametric_var(0.01, value=1_000_000, distribution="t", dof=5)
    assert result.var == pytest.approx(26_064.64, abs=0.01)


@pytest.mark.parametrize("dof", [3.5, 5.0, 30.0])
def test_student_t_es_matches_numerical_tail_integral(dof):
    scale = math.sqrt((dof - 2) / dof)
    q = stats.t.ppf(0.99, dof)
    tail, _ = integrate.quad(lambda x: x * stats.t.pdf(x, dof), q, np.inf)
    _, es = quantile_multipliers(0.99, "t", dof)
    assert es == pytest.approx(scale * tail / 0.01, rel=1e-8)


def test_student_t_approaches_normal_for_large_dof():
    normal = quantile_multipliers(0.99)
    student = quantile_multipliers(0.99, "t", 1e6)
    assert student == pytest.approx(normal, rel=1e-5)


def test_mean_shifts_var_by_horizon_drift():
    base = parametric_var(0.01, value=100.0, horizon_days=4)
    drift = parametric_var(0.01, value=100.0, horizon_days=4, mean=0.001)
    assert base.var - drift.var == pytest.approx(0.4)


def test_portfolio_sigma_by_hand():
    cov = np.array([[0.0004, 0.0001], [0.0001, 0.0009]])
    # w' C w = 100^2 * 4e-4 + 2 * 100 * (-50) * 1e-4 + 50^2 * 9e-4 = 4 - 1 + 2.25 = 5.25
    assert portfolio_sigma([100.0, -50.0], cov) == pytest.approx(math.sqrt(5.25))
    result = portfolio_parametric_var([100.0, -50.0], cov)
    assert result.var == pytest.approx(2.3263478740408408 * math.sqrt(5.25))


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1])
def test_bad_confidence(confidence):
    with pytest.raises(RiskError, match="confidence must lie strictly between 0 and 1"):
        parametric_var(0.01, confidence=confidence)


def test_bad_horizon_sigma_value_and_dof():
    with pytest.raises(RiskError, match="horizon_days must be a positive"):
        parametric_var(0.01, horizon_days=0)
    with pytest.raises(RiskError, match="sigma must be a finite volatility"):
        parametric_var(float("nan"))
    with pytest.raises(RiskError, match="value must be a finite non-zero"):
        parametric_var(0.01, value=0.0)
    with pytest.raises(RiskError, match="dof must be a finite number above 2"):
        parametric_var(0.01, distribution="t", dof=2)
    with pytest.raises(RiskError, match="needs dof"):
        parametric_var(0.01, distribution="t")
    with pytest.raises(RiskError, match="unknown distribution 'cauchy'"):
        parametric_var(0.01, distribution="cauchy")  # type: ignore[arg-type]


def test_nan_pnl_named():
    with pytest.raises(RiskError, match=r"pnl entry 2 \(0-based\) is NaN"):
        var_es_from_pnl([1.0, 2.0, float("nan")])
