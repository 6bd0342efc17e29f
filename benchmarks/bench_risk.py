"""Risk analytics benchmark: Monte Carlo VaR, correlation, historical VaR vs plain numpy.

Workloads (issue #6):

* Monte Carlo VaR of 100 linear positions over ``--paths`` (default 1,000,000) correlated
  normal paths. Sapphire's CPU path (numba kernel, float32 shocks, parallel chunks) and,
  where a CUDA device is usable, its GPU path (CuPy or PyTorch) run against plain numpy
  written here: draw all normals, multiply by the Cholesky factor, revalue, take the
  quantile, in chunks of 100,000 paths, in float64 (numpy's default) and in float32.
  Targets: CPU >= 3x the float64 peer; GPU >= 50x.
* Correlation matrix of 500 assets over 2,520 daily returns vs ``np.corrcoef``.
* Historical VaR and ES of 10,000 scenarios x 100 positions vs ``returns @ w`` with
  ``np.quantile(method="inverted_cdf")`` and a tail mean.

Every result is checked against its peer (same VaR within Monte Carlo error, same
matrix, same VaR) before anything is reported; times are medians of ``--repeats`` after a
warm-up call (which compiles the numba kernel).

Usage: python benchmarks/bench_risk.py [--paths 1000000] [--repeats 3]
Prints machine info, then one JSON line; also writes benchmarks/results/risk.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import median_seconds, print_machine_info, report
from sapphire.accel import available_backends, select_backend
from sapphire.risk import (
    correlation,
    historical_var,
    monte_carlo_var,
    portfolio_parametric_var,
)

RESULTS = Path(__file__).parent / "results" / "risk.json"
ASSETS = 100
PEER_CHUNK = 100_000


def make_portfolio(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """100 assets: a one-factor covariance (daily vols 1-3 %) plus noise; long/short book."""
    rng = np.random.default_rng(seed)
    vol = rng.uniform(0.01, 0.03, ASSETS)
    beta = rng.uniform(0.2, 0.9, ASSETS)
    corr = np.outer(beta, beta)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(vol, vol)
    positions = rng.uniform(-1e6, 2e6, ASSETS)
    return positions, cov


def numpy_mc_var(positions: np.ndarray, cov: np.ndarray, paths: int, dtype: type,
                 seed: int = 0) -> float:
    """Plain numpy Monte Carlo VaR at 99 %: chunks of normals @ L', P&L, quantile."""
    rng = np.random.default_rng(seed)
    lower_t = np.linalg.cholesky(cov).T.astype(dtype)
    weights = positions.astype(dtype)
    pnl = np.empty(paths)
    for start in range(0, paths, PEER_CHUNK):
        rows = min(PEER_CHUNK, paths - start)
        shocks = rng.standard_normal((rows, ASSETS), dtype=dtype) @ lower_t
        pnl[start:start + rows] = shocks @ weights
    return -float(np.quantile(pnl, 0.01, method="inverted_cdf"))


def numpy_historical(returns: np.ndarray, positions: np.ndarray) -> tuple[float, float]:
    pnl = returns @ positions
    var = -float(np.quantile(pnl, 0.01, method="inverted_cdf"))
    return var, -float(np.sort(pnl)[: round(0.01 * pnl.size)].mean())


def bench_monte_carlo(paths: int, repeats: int) -> dict[str, object]:
    positions, cov = make_portfolio()
    exact = portfolio_parametric_var(positions, cov).var
    out: dict[str, object] = {"paths": paths, "assets": ASSETS, "parametric_var": round(exact, 2)}
    for label, dtype in (("numpy_f64", np.float64), ("numpy_f32", np.float32)):
        var = numpy_mc_var(positions, cov, paths, dtype)
        assert abs(var / exact - 1) < 0.02, (label, var, exact)
        out[f"{label}_s"] = round(median_seconds(
            lambda d=dtype: numpy_mc_var(positions, cov, paths, d), repeats), 4)
    monte_carlo_var(positions, cov, n_paths=10_000, backend="numba")  # compile once
    cpu = monte_carlo_var(positions, cov, n_paths=paths, backend="numba")
    assert abs(cpu.var / exact - 1) < 0.02, (cpu.var, exact)
    out["sapphire_cpu_var"] = round(cpu.var, 2)
    out["sapphire_cpu_s"] = round(median_seconds(
        lambda: monte_carlo_var(positions, cov, n_paths=paths, backend="numba"), repeats), 4)
    out["cpu_speedup_vs_numpy_f64"] = round(out["numpy_f64_s"] / out["sapphire_cpu_s"], 1)
    out["cpu_speedup_vs_numpy_f32"] = round(out["numpy_f32_s"] / out["sapphire_cpu_s"], 1)
    out.update(bench_gpu(positions, cov, exact, paths, repeats, out["numpy_f64_s"]))
    return out


def bench_gpu(positions: np.ndarray, cov: np.ndarray, exact: float, paths: int, repeats: int,
              numpy_s: object) -> dict[str, object]:
    reasons = available_backends()
    usable = [name for name in ("cupy", "torch") if not reasons[name]]
    if not usable:
        print(f"no GPU: {reasons['cupy']}; {reasons['torch']}", file=sys.stderr)
        return {"gpu": "no GPU", "gpu_reasons": {n: reasons[n] for n in ("cupy", "torch")}}
    out: dict[str, object] = {}
    for name in usable:
        backend = select_backend(name)
        monte_carlo_var(positions, cov, n_paths=10_000, backend=backend)  # warm up kernels

        def run(b=backend) -> None:
            monte_carlo_var(positions, cov, n_paths=paths, backend=b)
            b.synchronize()

        result = monte_carlo_var(positions, cov, n_paths=paths, backend=backend)
        assert abs(result.var / exact - 1) < 0.02, (name, result.var, exact)
        seconds = median_seconds(run, repeats)
        out[f"gpu_{name}"] = {"device": backend.device, "var": round(result.var, 2),
                              "s": round(seconds, 4),
                              "speedup_vs_numpy_f64": round(float(numpy_s) / seconds, 1)}
    return out


def bench_correlation(repeats: int) -> dict[str, object]:
    rng = np.random.default_rng(2)
    returns = rng.standard_normal((2520, 500)) @ rng.uniform(-0.3, 1.0, (500, 500)) * 1e-3
    np.testing.assert_allclose(correlation(returns), np.corrcoef(returns, rowvar=False),
                               atol=1e-12)
    sapphire_s = median_seconds(lambda: correlation(returns, backend="numba"), repeats)
    numpy_s = median_seconds(lambda: np.corrcoef(returns, rowvar=False), repeats)
    return {"shape": [2520, 500], "sapphire_s": round(sapphire_s, 4),
            "numpy_corrcoef_s": round(numpy_s, 4),
            "speedup_vs_numpy": round(numpy_s / sapphire_s, 2)}


def bench_historical(repeats: int) -> dict[str, object]:
    rng = np.random.default_rng(3)
    returns = rng.standard_t(4, (10_000, ASSETS)) * 0.01
    positions = rng.uniform(-1e6, 2e6, ASSETS)
    ours = historical_var(returns, positions, backend="numba")
    peer_var, peer_es = numpy_historical(returns, positions)
    assert abs(ours.var - peer_var) < 1e-6 * peer_var and abs(ours.es - peer_es) < 1e-6 * peer_es
    sapphire_s = median_seconds(lambda: historical_var(returns, positions, backend="numba"),
                                repeats)
    numpy_s = median_seconds(lambda: numpy_historical(returns, positions), repeats)
    return {"scenarios": 10_000, "positions": ASSETS, "var": round(ours.var, 2),
            "sapphire_s": round(sapphire_s, 5), "numpy_s": round(numpy_s, 5),
            "speedup_vs_numpy": round(numpy_s / sapphire_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    info = print_machine_info()
    result = {
        "benchmark": "risk", "repeats": args.repeats, "machine": info,
        "monte_carlo": bench_monte_carlo(args.paths, args.repeats),
        "correlation": bench_correlation(max(args.repeats, 7)),
        "historical_var": bench_historical(max(args.repeats, 21)),
    }
    report(result, RESULTS)


if __name__ == "__main__":
    main()
