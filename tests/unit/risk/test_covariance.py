"""Covariance estimators: sample, EWMA by hand, Ledoit-Wolf against the papers' formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sapphire.core.errors import RiskError
from sapphire.risk import (
    correlation,
    covariance_to_correlation,
    ewma_covariance,
    ledoit_wolf,
    sample_covariance,
)

BACKENDS = ["numpy", "numba"]


@pytest.fixture(scope="module")
def returns():
    rng = np.random.default_rng(42)
    mix = np.array([[1.0, 0.0, 0.0, 0.0], [0.6, 0.8, 0.0, 0.0], [0.3, 0.2, 0.9, 0.0],
                    [-0.2, 0.1, 0.3, 0.9]])
    return rng.standard_normal((40, 4)) @ mix.T * 0.01


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_covariance_and_correlation_match_numpy(returns, backend):
    np.testing.assert_allclose(sample_covariance(returns, backend=backend),
                               np.cov(returns, rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(correlation(returns, backend=backend),
                               np.corrcoef(returns, rowvar=False), rtol=1e-12, atol=1e-15)


def test_sample_covariance_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    # means 3, 4; deviations (-2,-2), (0,2), (2,0): sums 8, 4, 8 over T-1 = 2
    np.testing.assert_allclose(sample_covariance(x), [[4.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_ewma_three_observations_by_hand(backend):
    r = np.array([[0.01, 0.02], [-0.02, 0.01], [0.03, -0.01]])
    lam = 0.94
    # Weights newest first: 0.06, 0.0564, 0.053016, summing to 1 - 0.94^3 = 0.169416.
    w_new, w_mid, w_old = 0.06 / 0.169416, 0.0564 / 0.169416, 0.053016 / 0.169416
    var0 = w_new * 0.03**2 + w_mid * 0.02**2 + w_old * 0.01**2
    var1 = w_new * 0.01**2 + w_mid * 0.01**2 + w_old * 0.02**2
    cov01 = w_new * (0.03 * -0.01) + w_mid * (-0.02 * 0.01) + w_old * (0.01 * 0.02)
    expected = np.array([[var0, cov01], [cov01, var1]])
    np.testing.assert_allclose(ewma_covariance(r, lam=lam, backend=backend), expected,
                               rtol=1e-12)
    # (0.06 * 9e-4 + 0.0564 * 4e-4 + 0.053016 * 1e-4) / 0.169416 = 8.18616e-5 / 0.169416
    assert var0 == pytest.approx(4.831988e-4, rel=1e-6)


def test_ewma_matches_recursion():
    rng = np.random.default_rng(1)
    r = rng.standard_normal((25, 3)) * 0.01
    lam = 0.94
    state = np.zeros((3, 3))
    for row in r:  # C_t = lam C_(t-1) + (1 - lam) r_t r_t'
        state = lam * state + (1 - lam) * np.outer(row, row)
    np.testing.assert_allclose(ewma_covariance(r), state / (1 - lam**25), rtol=1e-12)


def test_ewma_bad_lambda():
    with pytest.raises(RiskError, match=r"lam must lie strictly between 0 and 1, was 1.0"):
        ewma_covariance(np.zeros((3, 2)), lam=1.0)


def lw_constant_correlation_loops(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit & Wolf (2004, JPM) Appendix B, element by element, as the paper writes it."""
    t, n = x.shape
    y = x - x.mean(axis=0)
    s = np.array([[sum(y[k, i] * y[k, j] for k in range(t)) / t for j in range(n)]
                  for i in range(n)])
    r = [[s[i, j] / math.sqrt(s[i, i] * s[j, j]) for j in range(n)] for i in range(n)]
    r_bar = sum(r[i][j] for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    f = np.array([[s[i, i] if i == j else r_bar * math.sqrt(s[i, i] * s[j, j])
                   for j in range(n)] for i in range(n)])
    pi = {(i, j): sum((y[k, i] * y[k, j] - s[i, j]) ** 2 for k in range(t)) / t
          for i in range(n) for j in range(n)}

    def theta(a: int, i: int, j: int) -> float:  # theta_{aa,ij}
        return sum((y[k, a] ** 2 - s[a, a]) * (y[k, i] * y[k, j] - s[i, j]) for k in range(t)) / t

    rho = sum(pi[i, i] for i in range(n)) + sum(
        r_bar / 2 * (math.sqrt(s[j, j] / s[i, i]) * theta(i, i, j)
                     + math.sqrt(s[i, i] / s[j, j]) * theta(j, i, j))
        for i in range(n) for j in range(n) if i != j)
    gamma = sum((f[i, j] - s[i, j]) ** 2 for i in range(n) for j in range(n))
    delta = max(0.0, min(1.0, (sum(pi.values()) - rho) / gamma / t))
    return delta * f + (1 - delta) * s, delta


def test_ledoit_wolf_constant_correlation_matches_paper_formulas(returns):
    expected, delta = lw_constant_correlation_loops(returns)
    result = ledoit_wolf(returns)
    assert result.target == "constant_correlation"
    assert 0.0 < result.shrinkage < 1.0
    assert result.shrinkage == pytest.approx(delta, rel=1e-10)
    np.testing.assert_allclose(result.covariance, expected, rtol=1e-10)


def test_ledoit_wolf_identity_matches_paper_formulas(returns):
    # Ledoit & Wolf (2004, JMVA) Lemma 3.3 with <A, B> = tr(A B') / n, term by term.
    t, n = returns.shape
    y = returns - returns.mean(axis=0)
    s = y.T @ y / t
    m = np.trace(s) / n
    d2 = np.trace((s - m * np.eye(n)) @ (s - m * np.eye(n)).T) / n
    b2_bar = sum(np.trace((np.outer(row, row) - s) @ (np.outer(row, row) - s).T) / n
                 for row in y) / t**2
    b2 = min(b2_bar, d2)
    expected = b2 / d2 * m * np.eye(n) + (d2 - b2) / d2 * s
    result = ledoit_wolf(returns, target="identity")
    assert result.shrinkage == pytest.approx(b2 / d2, rel=1e-10)
    np.testing.assert_allclose(result.covariance, expected, rtol=1e-10)


def test_ledoit_wolf_shrinks_more_with_fewer_observations():
    rng = np.random.default_rng(3)
    many = rng.standard_normal((2000, 10)) * 0.01
    few = many[:15]
    assert ledoit_wolf(few).shrinkage > ledoit_wolf(many).shrinkage
    # With T < N the sample covariance is singular; the shrunk one is positive definite.
    assert np.linalg.eigvalsh(np.cov(few[:8], rowvar=False)).min() < 1e-12
    assert np.linalg.eigvalsh(ledoit_wolf(few[:8]).covariance).min() > 0


def test_ledoit_wolf_errors():
    with pytest.raises(RiskError, match="unknown shrinkage target 'diagonal'"):
        ledoit_wolf(np.eye(3), target="diagonal")  # type: ignore[arg-type]
    flat = np.column_stack([np.linspace(0, 1, 6), np.full(6, 0.02)])
    with pytest.raises(RiskError, match="column 1 has zero variance"):
        ledoit_wolf(flat)


def test_correlation_of_constant_column_is_an_error():
    with pytest.raises(RiskError, match=r"asset 1 has variance 0.0"):
        covariance_to_correlation([[1.0, 0.0], [0.0, 0.0]])
