"""Monte Carlo VaR and ES of a multi-asset portfolio of linear positions.

Model: the ``h``-day returns of the assets are ``x = sqrt(h) L z`` with ``L`` the Cholesky
factor of the daily covariance ``C`` and ``z`` independent N(0, 1) draws (normal shocks),
or ``x = sqrt(h) L z sqrt((dof - 2) / w)`` with one ``w ~ chi-square(dof)`` per path
(multivariate Student-t scaled so its covariance is still ``h C``). Each position is fully
revalued: a position worth ``v`` is worth ``v (1 + x)`` afterwards when ``return_kind`` is
``"simple"`` and ``v exp(x)`` when it is ``"log"``; the path's P&L is the sum of the
changes. VaR and ES of the simulated P&L follow :func:`sapphire.risk.var.var_es_from_pnl`.

Precision: shocks are float32 by default. Their relative rounding error (about 1e-7) is
four orders of magnitude below the Monte Carlo standard error of a 99 % VaR even at 10^6
paths (about 0.3 %); the numba kernel sums each path's P&L in float64. Pass
``dtype="float64"`` to compute in double precision anyway.

Reproducibility: the same seed, backend, dtype and ``chunk_paths`` give identical P&L.
Backends draw from different generators, so their results agree statistically (within
Monte Carlo error), not bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from sapphire.accel import ArrayBackend, Precision, select_backend
from sapphire.core.errors import RiskError
from sapphire.risk.pd import cholesky
from sapphire.risk.returns import (
    as_covariance,
    as_positions,
    check_confidence,
    check_dof,
    check_horizon,
)
from sapphire.risk.var import Distribution, var_es_from_pnl

ReturnKind = Literal["simple", "log"]

#: Paths per chunk of the numba kernel: each chunk is one task and one random stream.
NUMBA_CHUNK_PATHS = 4096
#: Bytes of shocks one chunk may hold on an array backend (CPU numpy, or GPU memory).
CPU_CHUNK_BYTES = 64 * 2**20
GPU_CHUNK_BYTES = 512 * 2**20


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Monte Carlo VaR and ES with how they were computed.

    Attributes
    ----------
    var, es
        Positive losses in the positions' currency at ``confidence`` over ``horizon_days``.
    confidence, horizon_days
        Level and horizon.
    n_paths
        Number of simulated paths.
    backend, dtype
        Array backend name and shock precision used.
    seed
        Seed of the random streams.
    """

    var: float
    es: float
    confidence: float
    horizon_days: float
    n_paths: int
    backend: str
    dtype: str
    seed: int


def simulate_pnl(positions: ArrayLike, cov: ArrayLike, *, n_paths: int = 100_000,
                 horizon_days: float = 1.0, distribution: Distribution = "normal",
                 dof: float | None = None, return_kind: ReturnKind = "simple", seed: int = 0,
                 dtype: Precision = "float32", chunk_paths: int | None = None,
                 repair: bool = False,
                 backend: str | ArrayBackend | None = None) -> np.ndarray:
    """Return the simulated P&L of each path (float64, currency), see the module docstring.

    Parameters
    ----------
    positions
        Market value per asset in currency (negative for shorts).
    cov
        Daily covariance of the assets' returns; must be positive definite unless
        ``repair`` is True (then the nearest positive-definite matrix is used).
    n_paths
        Number of paths.
    horizon_days
        Horizon ``h`` in days; the covariance is scaled by ``h``.
    distribution, dof
        ``"normal"``, or ``"t"`` with ``dof > 2`` degrees of freedom.
    return_kind
        ``"simple"`` or ``"log"``: how a shock revalues a position.
    seed
        Non-negative seed.
    dtype
        ``"float32"`` (default) or ``"float64"`` for the shocks.
    chunk_paths
        Paths per chunk (bounds memory; default chosen per backend).
    backend
        Array backend name or object (:func:`sapphire.accel.select_backend`).
    """
    matrix = as_covariance(cov)
    values = as_positions(positions, matrix.shape[0])
    paths = _positive_int(n_paths, "n_paths")
    h = check_horizon(horizon_days)
    nu = _dof_for(distribution, dof)
    if return_kind not in ("simple", "log"):
        raise RiskError(f"unknown return_kind {return_kind!r}; expected 'simple' or 'log'")
    if dtype not in ("float32", "float64"):
        raise RiskError(f"unknown dtype {dtype!r}; expected 'float32' or 'float64'")
    if int(seed) != seed or seed < 0:
        raise RiskError(f"seed must be a non-negative integer, was {seed!r}")
    lower = cholesky(matrix * h, repair=repair)
    be = select_backend(backend)
    if be.name == "numba":
        chunk = _positive_int(chunk_paths or NUMBA_CHUNK_PATHS, "chunk_paths")
        return _simulate_numba(lower, values, paths, chunk, int(seed), nu, return_kind, dtype)
    budget = GPU_CHUNK_BYTES if be.is_gpu else CPU_CHUNK_BYTES
    default_chunk = max(1024, budget // (matrix.shape[0] * np.dtype(dtype).itemsize))
    chunk = _positive_int(chunk_paths or default_chunk, "chunk_paths")
    return _simulate_arrays(be, lower, values, paths, chunk, int(seed), nu, return_kind, dtype)


def monte_carlo_var(positions: ArrayLike, cov: ArrayLike, *, confidence: float = 0.99,
                    n_paths: int = 100_000, horizon_days: float = 1.0,
                    distribution: Distribution = "normal", dof: float | None = None,
                    return_kind: ReturnKind = "simple", seed: int = 0,
                    dtype: Precision = "float32", chunk_paths: int | None = None,
                    repair: bool = False,
                    backend: str | ArrayBackend | None = None) -> MonteCarloResult:
    """Return Monte Carlo VaR and ES of linear ``positions`` (arguments as :func:`simulate_pnl`).

    Examples
    --------
    >>> import numpy as np
    >>> r = monte_carlo_var([1e6, -4e5], np.array([[1e-4, 3e-5], [3e-5, 4e-4]]), seed=7)
    >>> round(r.var / 1e3)  # thousands; parametric: 2.326 * sqrt(w' C w) = 2.326 * 11.83k = 27.5k
    28
    """
    level = check_confidence(confidence)
    be = select_backend(backend)
    pnl = simulate_pnl(positions, cov, n_paths=n_paths, horizon_days=horizon_days,
                       distribution=distribution, dof=dof, return_kind=return_kind, seed=seed,
                       dtype=dtype, chunk_paths=chunk_paths, repair=repair, backend=be)
    tail = var_es_from_pnl(pnl, level, horizon_days=horizon_days)
    return MonteCarloResult(var=tail.var, es=tail.es, confidence=level,
                            horizon_days=tail.horizon_days, n_paths=int(n_paths), backend=be.name,
                            dtype=dtype, seed=int(seed))


def _simulate_numba(lower: np.ndarray, values: np.ndarray, n_paths: int, chunk: int, seed: int,
                    dof: float, return_kind: ReturnKind, dtype: Precision) -> np.ndarray:
    from sapphire.risk.montecarlo_nb import simulate_pnl_nb

    kn, wn, fn = _tables()
    factor = np.ascontiguousarray(lower, dtype=np.dtype(dtype))
    out = np.empty(n_paths, np.float64)
    simulate_pnl_nb(factor, values, n_paths, chunk, seed, dof, return_kind == "log",
                    kn, wn, fn, out)
    return out


def _simulate_arrays(be: ArrayBackend, lower: np.ndarray, values: np.ndarray, n_paths: int,
                     chunk: int, seed: int, dof: float, return_kind: ReturnKind,
                     dtype: Precision) -> np.ndarray:
    """Chunked simulation written once for numpy, CuPy and PyTorch (array operators only)."""
    upper = be.asarray(lower.T, dtype)
    weights = be.asarray(values, dtype)
    sampler = be.sampler(seed)
    out = np.empty(n_paths, np.float64)
    t_scale = float(np.sqrt(dof - 2.0)) if dof > 0.0 else 1.0
    for start in range(0, n_paths, chunk):
        rows = min(chunk, n_paths - start)
        shocks = sampler.standard_normal((rows, lower.shape[0]), dtype) @ upper
        if dof > 0.0:
            shocks = shocks * (t_scale / be.sqrt(sampler.chisquare(dof, rows, dtype)))[:, None]
        if return_kind == "log":
            shocks = be.exp(shocks) - 1.0
        out[start:start + rows] = be.to_numpy(shocks @ weights)
    return out


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sapphire.risk.random_nb import ziggurat_tables

    return ziggurat_tables()


def _dof_for(distribution: Distribution, dof: float | None) -> float:
    if distribution == "normal":
        return 0.0
    if distribution == "t":
        return check_dof(dof)
    raise RiskError(f"unknown distribution {distribution!r}; expected 'normal' or 't'")


def _positive_int(value: int, name: str) -> int:
    if int(value) != value or value < 1:
        raise RiskError(f"{name} must be a positive integer, was {value!r}")
    return int(value)
