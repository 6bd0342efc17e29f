"""Marginal and component VaR: by hand, and components summing to VaR."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sapphire.core.errors import RiskError
from sapphire.risk import portfolio_parametric_var, var_decomposition

Z99 = 2.3263478740408408


def test_two_assets_by_hand():
    cov = np.array([[0.0004, 0.0001], [0.0001, 0.0009]])
    w = np.array([100.0, -50.0])
    # C w = (0.04 - 0.005, 0.01 - 0.045) = (0.035, -0.035); w' C w = 3.5 + 1.75 = 5.25
    sigma = math.sqrt(5.25)
    result = var_decomposition(w, cov)
    np.testing.assert_allclose(result.marginal, [Z99 * 0.035 / sigma, -Z99 * 0.035 / sigma])
    np.testing.assert_allclose(result.component, [Z99 * 3.5 / sigma, Z99 * 1.75 / sigma])
    assert result.var == pytest.approx(Z99 * sigma)
    np.testing.assert_allclose(result.percent, [2 / 3, 1 / 3])


@pytest.mark.parametrize("distribution,dof", [("normal", None), ("t", 4.0)])
def test_components_sum_to_var(distribution, dof):
    rng = np.random.default_rng(8)
    a = rng.standard_normal((6, 6))
    cov = (a @ a.T + np.eye(6)) * 1e-4
    w = rng.uniform(-1e6, 1e6, 6)
    result = var_decomposition(w, cov, horizon_days=10, distribution=distribution, dof=dof)
    total = portfolio_parametric_var(w, cov, horizon_days=10, distribution=distribution, dof=dof)
    assert result.component.sum() == pytest.approx(result.var, rel=1e-12)
    assert result.var == pytest.approx(total.var, rel=1e-12)


def test_marginal_is_the_derivative():
    cov = np.array([[0.0004, 0.0001], [0.0001, 0.0009]])
    w = np.array([100.0, -50.0])
    step = 1e-4
    bumped = portfolio_parametric_var(w + np.array([step, 0.0]), cov).var
    base = portfolio_parametric_var(w, cov).var
    assert var_decomposition(w, cov).marginal[0] == pytest.approx((bumped - base) / step,
                                                                  rel=1e-5)


def test_zero_positions_and_zero_variance():
    cov = np.diag([0.0004, 0.0])
    with pytest.raises(RiskError, match="positions are all zero"):
        var_decomposition([0.0, 0.0], cov)
    with pytest.raises(RiskError, match=r"portfolio variance w' C w is 0.0"):
        var_decomposition([0.0, 5.0], cov)
