"""Parity of the synthetic-market kernels with plain reference implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sapphire.data import synthetic_nb as nb


def _hawkes_loglik_reference(times, mu, alpha, decay):
    total = 0.0
    for i, t in enumerate(times):
        total += math.log(mu + sum(alpha * math.exp(-decay * (t - s)) for s in times[:i]))
    span = times[-1] - times[0]
    compensator = mu * span + sum(alpha / decay * (1 - math.exp(-decay * (times[-1] - s)))
                                  for s in times)
    return total - compensator


def _garch_loglik_reference(returns, variance, alpha, beta):
    h, total = variance, 0.0
    for r in returns:
        total += -0.5 * (math.log(h) + r * r / h)
        h = variance * (1 - alpha - beta) + alpha * r * r + beta * h
    return total


def test_hawkes_loglik_matches_reference() -> None:
    times = np.cumsum(np.random.default_rng(0).exponential(0.5, 60))
    for mu, alpha, decay in [(1.0, 0.0, 1.0), (0.6, 1.2, 3.0), (2.0, 5.0, 20.0)]:
        assert nb.hawkes_loglik_nb(times, mu, alpha, decay) == pytest.approx(
            _hawkes_loglik_reference(list(times), mu, alpha, decay), rel=1e-12)


def test_hawkes_loglik_of_poisson_by_hand() -> None:
    # Two events 2 s apart at rate 0.5: log(0.5) * 2 - 0.5 * 2.
    assert nb.hawkes_loglik_nb(np.array([1.0, 3.0]), 0.5, 0.0, 1.0) == pytest.approx(
        2 * math.log(0.5) - 1.0)


def test_garch_loglik_matches_reference() -> None:
    returns = np.random.default_rng(1).standard_normal(200) * 1e-4
    assert nb.garch_loglik_nb(returns, 1e-8, 0.1, 0.85) == pytest.approx(
        _garch_loglik_reference(returns, 1e-8, 0.1, 0.85), rel=1e-12)


def _splitmix_reference(state: int) -> tuple[int, float]:
    mask = (1 << 64) - 1
    state = (state + 0x9E3779B97F4A7C15) & mask
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return state, ((z >> 11) + 0.5) / 2.0**53


def test_uniform_is_splitmix64() -> None:
    rng = np.array([12345, 0, 0], dtype=np.uint64)
    state = 12345
    for _ in range(5):
        state, expected = _splitmix_reference(state)
        assert nb.uniform(rng, 0) == expected
    assert int(rng[0]) == state


def test_normals_have_unit_moments() -> None:
    rng = np.array([7, 0, 0], dtype=np.uint64)
    draws = np.array([nb.normal(rng, 0) for _ in range(20_000)])
    assert abs(draws.mean()) < 0.03 and abs(draws.std() - 1) < 0.03


def test_hawkes_wait_of_poisson_has_mean_one_over_rate() -> None:
    rng = np.array([99, 0, 0], dtype=np.uint64)
    waits = np.array([nb.hawkes_wait(rng, 4.0, 0.0, 1.0) for _ in range(20_000)])
    assert waits.mean() == pytest.approx(0.25, rel=0.03)


def test_factor_steps_are_fixed_by_key_and_cell() -> None:
    key = np.uint64(42)
    assert nb.factor_step(key, 3, 0.01) == nb.factor_step(key, 3, 0.01)
    assert nb.factor_step(key, 3, 0.01) != nb.factor_step(key, 4, 0.01)
    steps = np.array([nb.factor_step(key, k, 0.04) for k in range(10_000)])
    assert steps.std() == pytest.approx(0.2, rel=0.03)


def test_spread_inverse_cdf_by_hand() -> None:
    quantiles = np.array([1.0, 1.0, 5.0])
    assert nb._spread_ticks(0.25, quantiles) == 1.0
    assert nb._spread_ticks(0.75, quantiles) == 3.0
    assert nb._spread_ticks(0.999, quantiles) == 5.0
