"""Positive definiteness: refuse by default, repair (Higham 2002) only when asked."""

from __future__ import annotations

import numpy as np
import pytest

from sapphire.core.errors import NotPositiveDefiniteError, RiskError
from sapphire.risk import (
    cholesky,
    is_positive_definite,
    monte_carlo_var,
    nearest_correlation,
    nearest_positive_definite,
)

# Higham (2002), section 4: the nearest correlation matrix to this one is
# [[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]] (4 decimals printed).
HIGHAM_A = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])


def test_higham_published_example():
    result = nearest_correlation(HIGHAM_A)
    expected = [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    np.testing.assert_allclose(result, expected, atol=5e-5)


def test_repair_keeps_variances_and_is_positive_definite():
    vol = np.array([0.01, 0.02, 0.03])
    cov = HIGHAM_A * np.outer(vol, vol)
    assert not is_positive_definite(cov)
    repaired = nearest_positive_definite(cov)
    np.testing.assert_allclose(np.diag(repaired), vol**2, rtol=1e-12)
    assert np.linalg.eigvalsh(repaired).min() > 0
    assert is_positive_definite(repaired)


def test_repair_leaves_a_positive_definite_matrix_alone():
    cov = np.array([[4.0, 1.0], [1.0, 9.0]])
    np.testing.assert_allclose(nearest_positive_definite(cov), cov, rtol=1e-10)


def test_non_pd_is_an_error_naming_smallest_eigenvalue():
    with pytest.raises(NotPositiveDefiniteError,
                       match=r"smallest eigenvalue -0.414214.*repair=True"):
        cholesky(HIGHAM_A)


def test_singular_covariance_is_an_error_unless_repaired():
    # Two identical assets: rank 1, smallest eigenvalue 0.
    singular = np.array([[1e-4, 1e-4], [1e-4, 1e-4]])
    with pytest.raises(NotPositiveDefiniteError, match="not positive definite"):
        monte_carlo_var([1.0, 1.0], singular, n_paths=1000)
    lower = cholesky(singular, repair=True)
    np.testing.assert_allclose(lower @ lower.T, singular, atol=1e-11)


def test_cholesky_of_pd_matrix():
    cov = np.array([[4.0, 2.0], [2.0, 5.0]])
    np.testing.assert_allclose(cholesky(cov), [[2.0, 0.0], [1.0, 2.0]])


def test_zero_variance_cannot_be_repaired():
    with pytest.raises(RiskError, match=r"diagonal entry 1 is 0.0; a variance must be positive"):
        nearest_positive_definite([[1.0, 0.0], [0.0, 0.0]])
