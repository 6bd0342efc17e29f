"""GPU backends give the CPU result within float tolerance. Run wherever CuPy/PyTorch can.

Each GPU backend is tested on a CUDA device when one is usable. PyTorch is also tested on
its CPU device when installed: the same code path, minus the device.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from sapphire.accel import NumpyBackend, clear_backend_cache
from sapphire.accel.selection import PROBES
from sapphire.risk import (
    ewma_covariance,
    monte_carlo_var,
    portfolio_parametric_var,
    sample_covariance,
    scenario_pnl,
)


def gpu_backends():
    clear_backend_cache()
    found = []
    for name in ("cupy", "torch"):
        backend, reason = PROBES[name]()
        found.append(pytest.param(backend, id=name, marks=pytest.mark.skipif(
            backend is None, reason=f"{name} GPU backend unavailable: {reason}")))
    if importlib.util.find_spec("torch") is not None:
        import torch

        from sapphire.accel.torch_backend import TorchBackend

        found.append(pytest.param(TorchBackend(torch, "cpu"), id="torch-cpu"))
    return found


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    returns = rng.standard_normal((300, 12)) * 0.01
    positions = rng.uniform(-1e5, 1e5, 12)
    return returns, positions


@pytest.mark.parametrize("backend", gpu_backends())
def test_covariances_match_numpy(backend, data):
    returns, _ = data
    cpu = NumpyBackend()
    np.testing.assert_allclose(sample_covariance(returns, backend=backend),
                               sample_covariance(returns, backend=cpu), rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(ewma_covariance(returns, backend=backend),
                               ewma_covariance(returns, backend=cpu), rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize("backend", gpu_backends())
def test_scenario_pnl_matches_numpy(backend, data):
    returns, positions = data
    np.testing.assert_allclose(scenario_pnl(returns, positions, backend),
                               scenario_pnl(returns, positions, NumpyBackend()), rtol=1e-10,
                               atol=1e-8)


@pytest.mark.parametrize("backend", gpu_backends())
@pytest.mark.parametrize("distribution", ["normal", "t"])
def test_monte_carlo_matches_parametric(backend, data, distribution):
    # Different generators: agreement is statistical. 4 standard errors of the VaR quantile
    # estimate (see tests/unit/risk/test_montecarlo.py for the derivation).
    returns, positions = data
    cov = sample_covariance(returns)
    dof = 6.0 if distribution == "t" else None
    exact = portfolio_parametric_var(positions, cov, distribution=distribution, dof=dof)
    mc = monte_carlo_var(positions, cov, n_paths=400_000, seed=5, backend=backend,
                         distribution=distribution, dof=dof)
    assert mc.backend == backend.name
    assert abs(mc.var - exact.var) / exact.var < 0.02
