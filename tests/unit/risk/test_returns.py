"""Input validation: every bad input raises RiskError naming what was wrong."""

from __future__ import annotations

import numpy as np
import pytest

from sapphire.core.errors import RiskError
from sapphire.risk import historical_var, portfolio_parametric_var, sample_covariance
from sapphire.risk.returns import as_covariance, as_positions, as_returns


def test_nan_return_names_row_and_column():
    returns = np.zeros((5, 3))
    returns[3, 1] = np.nan
    returns[4, 2] = np.nan
    with pytest.raises(RiskError, match=r"returns row 3, column 1 \(0-based\) is NaN.*2 such"):
        sample_covariance(returns)


def test_infinite_return_named():
    returns = np.zeros((4, 2))
    returns[0, 1] = np.inf
    with pytest.raises(RiskError, match=r"row 0, column 1 .* is infinite"):
        as_returns(returns)


def test_returns_must_be_2d_with_enough_rows():
    with pytest.raises(RiskError, match=r"2-D array .*got shape \(5,\)"):
        as_returns(np.zeros(5))
    with pytest.raises(RiskError, match=r"at least 2 observations.*shape \(1, 3\)"):
        as_returns(np.zeros((1, 3)))


def test_positions_length_must_match_assets():
    with pytest.raises(RiskError, match="positions has 2 entries but there are 3 assets"):
        historical_var(np.zeros((10, 3)), [1.0, 2.0])


def test_zero_positions_rejected():
    with pytest.raises(RiskError, match="positions are all zero"):
        as_positions([0.0, 0.0], 2)


def test_positions_nan_and_shape():
    with pytest.raises(RiskError, match=r"positions entry 1 \(0-based\) is NaN"):
        as_positions([1.0, np.nan])
    with pytest.raises(RiskError, match="positions must be a 1-D array"):
        as_positions([[1.0, 2.0]])


def test_covariance_shape_and_symmetry():
    with pytest.raises(RiskError, match=r"square 2-D matrix, got shape \(2, 3\)"):
        as_covariance(np.zeros((2, 3)))
    with pytest.raises(RiskError, match="covariance is 2x2 but there are 3 assets"):
        as_covariance(np.eye(2), 3)
    with pytest.raises(RiskError, match="positions has 3 entries but there are 2 assets"):
        portfolio_parametric_var([1.0, 2.0, 3.0], np.eye(2))
    with pytest.raises(RiskError, match=r"not symmetric: \[0, 1\] = 0.5 but \[1, 0\] = 0.0"):
        as_covariance([[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(RiskError, match=r"covariance row 1, column 1 \(0-based\) is NaN"):
        as_covariance([[1.0, 0.0], [0.0, np.nan]])
