"""Positive definiteness of covariance matrices: check, Cholesky, and nearest-PD repair.

A covariance estimated from fewer observations than assets, patched by hand, or mixed
from several sources can fail to be positive definite; a Cholesky factor (needed by Monte
Carlo) then does not exist. Sapphire refuses such a matrix with
:class:`~sapphire.core.errors.NotPositiveDefiniteError` and repairs it only when the caller
asks (``repair=True`` or :func:`nearest_positive_definite`).

The repair is Higham's alternating projections with Dykstra's correction (N. J. Higham,
"Computing the nearest correlation matrix - a problem from finance", IMA J. Numer. Anal.
22(3), 2002, Algorithm 3.3, unit weights) applied to the correlation matrix, then an
eigenvalue floor so the result is strictly positive definite, then the original
variances restored: volatilities are kept, correlations move as little as possible in the
Frobenius norm.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sapphire.core.errors import NotPositiveDefiniteError, RiskError
from sapphire.risk.returns import as_covariance

#: Smallest eigenvalue kept by the repair, relative to a unit-diagonal correlation matrix.
DEFAULT_MIN_EIGENVALUE = 1e-8


def smallest_eigenvalue(cov: ArrayLike) -> float:
    """Return the smallest eigenvalue of the symmetric matrix ``cov``."""
    return float(np.linalg.eigvalsh(as_covariance(cov))[0])


def is_positive_definite(cov: ArrayLike) -> bool:
    """Return True when ``cov`` has a Cholesky factor (all eigenvalues > 0 numerically)."""
    try:
        np.linalg.cholesky(as_covariance(cov))
    except np.linalg.LinAlgError:
        return False
    return True


def cholesky(cov: ArrayLike, *, repair: bool = False) -> np.ndarray:
    """Return the lower Cholesky factor ``L`` with ``L @ L.T == cov``.

    Parameters
    ----------
    cov
        Symmetric covariance matrix.
    repair
        When True, a matrix that is not positive definite is replaced by
        :func:`nearest_positive_definite` (logged by the caller's choice, documented here);
        when False (default) it is an error.

    Raises
    ------
    NotPositiveDefiniteError
        If ``cov`` is not positive definite and ``repair`` is False; the message gives the
        smallest eigenvalue.
    """
    matrix = as_covariance(cov)
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        if not repair:
            raise NotPositiveDefiniteError(
                f"covariance ({matrix.shape[0]}x{matrix.shape[0]}) is not positive definite: "
                f"smallest eigenvalue {smallest_eigenvalue(matrix):.6g}, expected > 0 (pass "
                "repair=True to use the nearest positive-definite matrix)"
            ) from None
    return np.linalg.cholesky(nearest_positive_definite(matrix))


def nearest_positive_definite(cov: ArrayLike, *, min_eigenvalue: float = DEFAULT_MIN_EIGENVALUE,
                              tol: float = 1e-12, max_iter: int = 500) -> np.ndarray:
    """Return the positive-definite covariance nearest to ``cov`` with the same variances.

    Parameters
    ----------
    cov
        Symmetric matrix with a positive diagonal (variances).
    min_eigenvalue
        Floor on the eigenvalues of the repaired correlation matrix (unit diagonal).
    tol
        Stop when successive iterates differ by less than this (Frobenius, relative).
    max_iter
        Iteration cap of Higham's algorithm.

    Raises
    ------
    RiskError
        If a variance is zero or negative: no correlation, hence no repair, exists.
    """
    matrix = as_covariance(cov)
    variances = np.diag(matrix)
    if np.any(variances <= 0.0):
        i = int(np.argmin(variances))
        raise RiskError(f"covariance diagonal entry {i} is {float(variances[i])!r}; a variance "
                        "must be positive to repair the matrix (drop the asset or fix its data)")
    vol = np.sqrt(variances)
    corr = nearest_correlation(matrix / np.outer(vol, vol), tol=tol, max_iter=max_iter)
    corr = _floor_eigenvalues(corr, min_eigenvalue)
    return corr * np.outer(vol, vol)


def nearest_correlation(corr: ArrayLike, *, tol: float = 1e-12, max_iter: int = 500) -> np.ndarray:
    """Return the nearest (Frobenius norm) positive semi-definite unit-diagonal matrix.

    Higham (2002), Algorithm 3.3: alternate the projection onto the PSD cone (negative
    eigenvalues to zero) and onto unit-diagonal matrices, with Dykstra's correction.
    """
    y = as_covariance(corr, name="correlation").copy()
    correction = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - correction
        x = _psd_projection(r)
        correction = x - r
        previous = y
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - previous) <= tol * max(1.0, float(np.linalg.norm(y))):
            break
    return (y + y.T) / 2.0


def _psd_projection(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.maximum(values, 0.0)) @ vectors.T


def _floor_eigenvalues(corr: np.ndarray, floor: float) -> np.ndarray:
    # Higham's limit is only semi-definite (a zero eigenvalue stays zero); lift the spectrum
    # to ``floor`` and rescale back to a unit diagonal so Cholesky succeeds.
    values, vectors = np.linalg.eigh(corr)
    lifted = (vectors * np.maximum(values, float(floor))) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(lifted))
    result = lifted * np.outer(scale, scale)
    return (result + result.T) / 2.0
