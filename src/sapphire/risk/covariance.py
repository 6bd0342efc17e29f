"""Covariance and correlation estimators: sample, EWMA (RiskMetrics) and Ledoit-Wolf shrinkage.

All take returns as ``(observations, assets)``, oldest row first, and return daily
(per-row) covariance matrices. Sample and EWMA estimates and correlations run on the
selected array backend (see :mod:`sapphire.accel`); Ledoit-Wolf runs in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from sapphire.accel import ArrayBackend, select_backend
from sapphire.core.errors import RiskError
from sapphire.risk.returns import as_covariance, as_returns

#: RiskMetrics decay factor for daily data (J.P. Morgan/Reuters, RiskMetrics Technical
#: Document, 4th ed., 1996, section 5.3).
RISKMETRICS_LAMBDA = 0.94

ShrinkageTarget = Literal["constant_correlation", "identity"]


def _gram(returns: np.ndarray, weights: np.ndarray | None,
          backend: str | ArrayBackend | None) -> np.ndarray:
    """Return ``returns.T @ diag(weights) @ returns`` computed on the backend."""
    be = select_backend(backend)
    y = be.asarray(returns)
    right = y if weights is None else y * be.asarray(weights)[:, None]
    return be.to_numpy(y.T @ right).astype(np.float64, copy=False)


def sample_covariance(returns: ArrayLike, *, ddof: int = 1,
                      backend: str | ArrayBackend | None = None) -> np.ndarray:
    """Return the sample covariance ``(X - mean)' (X - mean) / (T - ddof)`` (unbiased: ddof 1)."""
    x = as_returns(returns, min_rows=ddof + 1)
    y = x - x.mean(axis=0)
    return _symmetric(_gram(y, None, backend) / (x.shape[0] - ddof))


def covariance_to_correlation(cov: ArrayLike) -> np.ndarray:
    """Return the correlation matrix of a covariance matrix (unit diagonal).

    Raises
    ------
    RiskError
        If a variance is zero or negative (its correlations are undefined).
    """
    matrix = as_covariance(cov)
    variances = np.diag(matrix)
    if np.any(variances <= 0.0):
        i = int(np.argmin(variances))
        raise RiskError(f"asset {i} has variance {float(variances[i])!r}; correlation needs every "
                        "variance > 0 (a constant price series has none)")
    vol = np.sqrt(variances)
    corr = matrix / np.outer(vol, vol)
    np.fill_diagonal(corr, 1.0)
    return corr


def correlation(returns: ArrayLike, *, backend: str | ArrayBackend | None = None) -> np.ndarray:
    """Return the Pearson correlation matrix of the columns of ``returns``."""
    return covariance_to_correlation(sample_covariance(returns, backend=backend))


def ewma_covariance(returns: ArrayLike, *, lam: float = RISKMETRICS_LAMBDA,
                    backend: str | ArrayBackend | None = None) -> np.ndarray:
    """Return the RiskMetrics exponentially weighted covariance at the last observation.

    Zero mean (RiskMetrics' convention for daily returns), weights falling by ``lam`` per
    observation into the past and normalised to sum to one over the sample:

        C = sum_t w_t r_t r_t',  w_t = (1 - lam) lam^(T-1-t) / (1 - lam^T),  t = 0..T-1

    This is the recursion ``C_t = lam C_(t-1) + (1 - lam) r_t r_t'`` started from zero, divided
    by ``1 - lam^T`` so that a short sample is not biased towards zero.

    Parameters
    ----------
    returns
        ``(observations, assets)`` returns, oldest first (at least one row).
    lam
        Decay factor in (0, 1); 0.94 is RiskMetrics' daily value.
    """
    x = as_returns(returns, min_rows=1)
    if not 0.0 < float(lam) < 1.0:
        raise RiskError(f"EWMA decay lam must lie strictly between 0 and 1, was {lam!r}")
    t = x.shape[0]
    ages = np.arange(t - 1, -1, -1, dtype=np.float64)
    weights = (1.0 - lam) * lam**ages / (1.0 - lam**t)
    return _symmetric(_gram(x, weights, backend))


@dataclass(frozen=True, slots=True)
class ShrinkageEstimate:
    """A shrunk covariance: ``shrinkage * target + (1 - shrinkage) * sample``.

    Attributes
    ----------
    covariance
        The estimate, ``(assets, assets)``, in squared return units per observation.
    shrinkage
        Optimal intensity in [0, 1].
    target
        ``"constant_correlation"`` or ``"identity"``.
    """

    covariance: np.ndarray
    shrinkage: float
    target: str


def ledoit_wolf(returns: ArrayLike, *,
                target: ShrinkageTarget = "constant_correlation") -> ShrinkageEstimate:
    """Return the Ledoit-Wolf shrinkage estimate of the covariance.

    Both targets use the sample covariance with divisor ``T`` (the papers' convention).

    * ``"constant_correlation"`` (default): every pair gets the average sample correlation,
      variances are kept. O. Ledoit and M. Wolf, "Honey, I shrunk the sample covariance
      matrix", J. Portfolio Management 30(4), 2004, 110-119: intensity
      ``max(0, min(1, (pi - rho) / (gamma T)))`` with their estimators of pi, rho, gamma.
    * ``"identity"``: the scaled identity ``mean(variance) I``. O. Ledoit and M. Wolf, "A
      well-conditioned estimator for large-dimensional covariance matrices", J. Multivariate
      Analysis 88(2), 2004, 365-411 (Lemma 3.3 / Theorem 3.4): intensity ``b^2 / d^2``.
    """
    x = as_returns(returns)
    y = x - x.mean(axis=0)
    if target == "constant_correlation":
        return _lw_constant_correlation(y)
    if target == "identity":
        return _lw_identity(y)
    raise RiskError(f"unknown shrinkage target {target!r}; expected 'constant_correlation' "
                    "or 'identity'")


def _lw_constant_correlation(y: np.ndarray) -> ShrinkageEstimate:
    t, n = y.shape
    s = y.T @ y / t
    var = np.diag(s).copy()
    if np.any(var <= 0.0):
        i = int(np.argmin(var))
        raise RiskError(f"returns column {i} has zero variance; the constant-correlation target "
                        "needs every variance > 0")
    vol = np.sqrt(var)
    if n == 1:
        return ShrinkageEstimate(s, 0.0, "constant_correlation")
    corr = s / np.outer(vol, vol)
    r_bar = (corr.sum() - n) / (n * (n - 1))
    prior = r_bar * np.outer(vol, vol)
    np.fill_diagonal(prior, var)
    y2 = y * y
    pi_mat = y2.T @ y2 / t - s * s
    pi_hat = float(pi_mat.sum())
    # theta[i, j] = (1/T) sum_t (y_ti^2 - s_ii)(y_ti y_tj - s_ij), expanded.
    theta = (y2 * y).T @ y / t - var[:, None] * s
    ratio = vol[None, :] / vol[:, None]  # sqrt(s_jj / s_ii)
    off = ratio * theta
    np.fill_diagonal(off, 0.0)
    rho_hat = float(np.trace(pi_mat) + r_bar * off.sum())
    gamma_hat = float(((prior - s) ** 2).sum())
    intensity = 0.0 if gamma_hat == 0.0 else max(0.0, min(1.0, (pi_hat - rho_hat) / gamma_hat / t))
    shrunk = intensity * prior + (1.0 - intensity) * s
    return ShrinkageEstimate(_symmetric(shrunk), intensity, "constant_correlation")


def _lw_identity(y: np.ndarray) -> ShrinkageEstimate:
    t, n = y.shape
    s = y.T @ y / t
    mu = float(np.trace(s)) / n
    # Norms are the papers' normalised Frobenius norm, ||A||^2 = tr(A A') / n.
    d2 = float(((s - mu * np.eye(n)) ** 2).sum()) / n
    row_norms = (y * y).sum(axis=1)
    b2_bar = (float((row_norms**2).sum()) - t * float((s * s).sum())) / n / t**2
    b2 = min(b2_bar, d2)
    intensity = 0.0 if d2 == 0.0 else b2 / d2
    shrunk = intensity * mu * np.eye(n) + (1.0 - intensity) * s
    return ShrinkageEstimate(_symmetric(shrunk), intensity, "identity")


def _symmetric(matrix: np.ndarray) -> np.ndarray:
    # Float round-off can leave a gram product asymmetric in the last bit; Cholesky and
    # eigh expect exact symmetry.
    return np.ascontiguousarray((matrix + matrix.T) / 2.0)
