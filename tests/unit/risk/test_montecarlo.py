"""Monte Carlo VaR: kernel parity with a plain reference, convergence, reproducibility, errors."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from sapphire.core.errors import NotPositiveDefiniteError, RiskError
from sapphire.risk import monte_carlo_var, portfolio_parametric_var, simulate_pnl
from sapphire.risk.random_nb import fill_normal_nb, ziggurat_tables

COV = np.array([
    [4.0, 1.2, 0.6, -0.4, 0.2],
    [1.2, 2.25, 0.3, 0.0, 0.45],
    [0.6, 0.3, 1.0, 0.2, 0.1],
    [-0.4, 0.0, 0.2, 1.44, 0.3],
    [0.2, 0.45, 0.1, 0.3, 0.81],
]) * 1e-4
POSITIONS = np.array([2e6, -1e6, 5e5, 1.5e6, 8e5])
LONG_ONLY = np.abs(POSITIONS)
PATHS = 200_000


def var_standard_error(density: float, n: int, p: float = 0.01) -> float:
    """Asymptotic s.e. of an empirical p-quantile: sqrt(p (1 - p) / n) / f(q)."""
    return math.sqrt(p * (1 - p) / n) / density


def reference_pnl(seed: int, n_paths: int, chunk: int, lower: np.ndarray,
                  positions: np.ndarray) -> np.ndarray:
    """Plain numpy: chunk c's normals come from stream (seed, c), n per path, in order."""
    kn, wn, fn = ziggurat_tables()
    n = lower.shape[0]
    out = []
    for c, start in enumerate(range(0, n_paths, chunk)):
        rows = min(chunk, n_paths - start)
        z = np.empty(rows * n)
        fill_normal_nb(seed, c, kn, wn, fn, z)
        out.append(z.reshape(rows, n) @ lower.T @ positions)
    return np.concatenate(out)


def test_numba_kernel_matches_plain_reference_float64():
    pnl = simulate_pnl(POSITIONS, COV, n_paths=300, chunk_paths=64, seed=9, dtype="float64",
                       backend="numba", horizon_days=4)
    expected = reference_pnl(9, 300, 64, np.linalg.cholesky(COV * 4), POSITIONS)
    np.testing.assert_allclose(pnl, expected, rtol=1e-10, atol=1e-6)


def test_numba_float32_within_float_tolerance_of_float64():
    p64 = simulate_pnl(POSITIONS, COV, n_paths=2000, seed=3, dtype="float64", backend="numba")
    p32 = simulate_pnl(POSITIONS, COV, n_paths=2000, seed=3, dtype="float32", backend="numba")
    scale = float(np.abs(p64).max())
    assert float(np.abs(p32 - p64).max()) < 1e-5 * scale


def test_log_returns_revalue_each_position():
    # Same seed, same shocks x: log P&L - simple P&L = sum_i v_i (exp(x_i) - 1 - x_i) >= 0.
    simple = simulate_pnl(LONG_ONLY, COV, n_paths=500, seed=1, dtype="float64", backend="numba")
    log = simulate_pnl(LONG_ONLY, COV, n_paths=500, seed=1, dtype="float64", backend="numba",
                       return_kind="log")
    kn, wn, fn = ziggurat_tables()
    z = np.empty(500 * 5)
    fill_normal_nb(1, 0, kn, wn, fn, z)
    x = z.reshape(500, 5) @ np.linalg.cholesky(COV).T
    np.testing.assert_allclose(log, np.expm1(x) @ LONG_ONLY, rtol=1e-9)
    assert np.all(log >= simple)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_converges_to_parametric_normal(backend):
    exact = portfolio_parametric_var(POSITIONS, COV)
    sigma = exact.var / stats.norm.ppf(0.99)
    se = var_standard_error(stats.norm.pdf(stats.norm.ppf(0.99)) / sigma, PATHS)
    mc = monte_carlo_var(POSITIONS, COV, n_paths=PATHS, seed=2024, backend=backend)
    # 4 standard errors: about 1.4 % of VaR here; a biased simulation would miss it.
    assert abs(mc.var - exact.var) < 4 * se
    assert mc.es > mc.var and mc.backend == backend and mc.n_paths == PATHS


def test_student_t_converges_to_parametric_t():
    dof = 5.0
    exact = portfolio_parametric_var(POSITIONS, COV, distribution="t", dof=dof)
    sigma = exact.var / (math.sqrt((dof - 2) / dof) * stats.t.ppf(0.99, dof))
    # P&L is sigma s T with s = sqrt((dof - 2) / dof), T ~ t(dof): density f_T(q) / (sigma s).
    q = stats.t.ppf(0.99, dof)
    density = stats.t.pdf(q, dof) / (sigma * math.sqrt((dof - 2) / dof))
    se = var_standard_error(density, PATHS)
    mc = monte_carlo_var(POSITIONS, COV, n_paths=PATHS, seed=77, distribution="t", dof=dof,
                         backend="numba")
    assert abs(mc.var - exact.var) < 4 * se


def test_reproducible_and_independent_of_thread_count():
    first = simulate_pnl(POSITIONS, COV, n_paths=20_000, seed=5, backend="numba")
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        single = simulate_pnl(POSITIONS, COV, n_paths=20_000, seed=5, backend="numba")
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(first, single)
    other = simulate_pnl(POSITIONS, COV, n_paths=20_000, seed=6, backend="numba")
    assert not np.array_equal(first, other)


def test_numpy_backend_reproducible_and_chunked():
    a = simulate_pnl(POSITIONS, COV, n_paths=5000, seed=4, backend="numpy", chunk_paths=1000)
    b = simulate_pnl(POSITIONS, COV, n_paths=5000, seed=4, backend="numpy", chunk_paths=1000)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5000,) and a.dtype == np.float64


def test_non_pd_covariance_error_and_repair():
    bad = COV.copy()
    bad[0, 1] = bad[1, 0] = 0.0004  # correlation 2 between assets 0 and 1
    with pytest.raises(NotPositiveDefiniteError, match="smallest eigenvalue"):
        monte_carlo_var(POSITIONS, bad, n_paths=1000)
    repaired = monte_carlo_var(POSITIONS, bad, n_paths=1000, repair=True)
    assert repaired.var > 0


@pytest.mark.parametrize("kwargs,message", [
    ({"n_paths": 0}, "n_paths must be a positive integer, was 0"),
    ({"chunk_paths": -5}, "chunk_paths must be a positive integer, was -5"),
    ({"seed": -1}, "seed must be a non-negative integer, was -1"),
    ({"dtype": "float16"}, "unknown dtype 'float16'"),
    ({"return_kind": "arith"}, "unknown return_kind 'arith'"),
    ({"distribution": "t", "dof": 1.5}, "dof must be a finite number above 2"),
    ({"horizon_days": -1}, "horizon_days must be a positive"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(RiskError, match=message):
        monte_carlo_var(POSITIONS, COV, **{"n_paths": 100, **kwargs})


def test_zero_positions_and_mismatched_shapes():
    with pytest.raises(RiskError, match="positions are all zero"):
        monte_carlo_var(np.zeros(5), COV, n_paths=100)
    with pytest.raises(RiskError, match="positions has 3 entries but there are 5 assets"):
        monte_carlo_var(POSITIONS[:3], COV, n_paths=100)
