"""Validation of risk inputs: return matrices, positions, covariances and levels.

Conventions used across :mod:`sapphire.risk`:

* returns are fractional (0.01 is +1 %), one row per observation (oldest first) and one
  column per asset, as a 2-D array ``(observations, assets)``;
* positions are the current market values held in each asset, in the account currency
  (negative for a short), so the P&L of a return vector ``r`` is ``positions @ r``;
* VaR and ES are reported as positive losses in the account currency.

Every check raises :class:`~sapphire.core.errors.RiskError` naming the argument, the
offending row and column (0-based) or shape, and what was expected.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from sapphire.core.errors import RiskError

#: Relative asymmetry tolerated in a covariance matrix before it is rejected.
SYMMETRY_RTOL = 1e-8


def as_returns(returns: ArrayLike, *, name: str = "returns", min_rows: int = 2) -> np.ndarray:
    """Return ``returns`` as a finite float64 C-contiguous ``(observations, assets)`` array.

    Raises
    ------
    RiskError
        If it is not 2-D, has fewer than ``min_rows`` rows or no column, or holds NaN or
        infinity (the message names the first such row and column).
    """
    array = np.ascontiguousarray(returns, dtype=np.float64)
    if array.ndim != 2:
        raise RiskError(
            f"{name} must be a 2-D array (observations x assets), got shape {array.shape}"
        )
    if array.shape[0] < min_rows or array.shape[1] < 1:
        raise RiskError(
            f"{name} needs at least {min_rows} observations and 1 asset, got shape {array.shape}"
        )
    _require_finite(array, name)
    return array


def as_pnl(pnl: ArrayLike, *, name: str = "pnl") -> np.ndarray:
    """Return ``pnl`` as a finite, non-empty 1-D float64 array."""
    array = np.ascontiguousarray(pnl, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise RiskError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    _require_finite(array, name)
    return array


def as_positions(positions: ArrayLike, n_assets: int | None = None, *,
                 name: str = "positions") -> np.ndarray:
    """Return ``positions`` (currency values per asset) as a finite 1-D float64 array.

    Raises
    ------
    RiskError
        If it is not 1-D, its length differs from ``n_assets``, it holds NaN or infinity,
        or every position is zero (there is no risk to measure, and ratios such as the
        component share would divide by zero).
    """
    array = np.ascontiguousarray(positions, dtype=np.float64)
    if array.ndim != 1:
        raise RiskError(f"{name} must be a 1-D array (one value per asset), got shape "
                        f"{array.shape}")
    if n_assets is not None and array.shape[0] != n_assets:
        raise RiskError(f"{name} has {array.shape[0]} entries but there are {n_assets} assets "
                        f"(shapes must match)")
    _require_finite(array, name)
    if not np.any(array):
        raise RiskError(f"{name} are all zero: there is no portfolio to measure")
    return array


def as_covariance(cov: ArrayLike, n_assets: int | None = None, *,
                  name: str = "covariance") -> np.ndarray:
    """Return ``cov`` as a finite, square, symmetric float64 array (made exactly symmetric).

    Positive definiteness is checked where it matters (see :mod:`sapphire.risk.pd`).
    """
    array = np.asarray(cov, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise RiskError(f"{name} must be a square 2-D matrix, got shape {array.shape}")
    if n_assets is not None and array.shape[0] != n_assets:
        raise RiskError(f"{name} is {array.shape[0]}x{array.shape[1]} but there are "
                        f"{n_assets} assets (shapes must match)")
    _require_finite(array, name)
    scale = max(float(np.max(np.abs(array))), np.finfo(float).tiny)
    gap = np.abs(array - array.T)
    if float(gap.max()) > SYMMETRY_RTOL * scale:
        i, j = np.unravel_index(int(np.argmax(gap)), gap.shape)
        raise RiskError(f"{name} is not symmetric: [{i}, {j}] = {float(array[i, j])!r} but "
                        f"[{j}, {i}] = {float(array[j, i])!r}")
    return np.ascontiguousarray((array + array.T) / 2.0)


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` if it lies strictly between 0 and 1 (0.99 for 99 %)."""
    value = float(confidence)
    if not 0.0 < value < 1.0:
        raise RiskError(f"confidence must lie strictly between 0 and 1 (0.99 for 99%), "
                        f"was {confidence!r}")
    return value


def check_horizon(horizon_days: float) -> float:
    """Return ``horizon_days`` if it is a finite positive number of days."""
    value = float(horizon_days)
    if not math.isfinite(value) or value <= 0.0:
        raise RiskError(f"horizon_days must be a positive number of days, was {horizon_days!r}")
    return value


def check_dof(dof: float | None) -> float:
    """Return Student-t degrees of freedom if finite and above 2 (finite variance)."""
    if dof is None:
        raise RiskError("distribution 't' needs dof (degrees of freedom > 2)")
    value = float(dof)
    if not math.isfinite(value) or value <= 2.0:
        raise RiskError(f"Student-t dof must be a finite number above 2 (the variance must "
                        f"exist), was {dof!r}")
    return value


def _require_finite(array: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(array)
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    value = array[index]
    what = "NaN" if np.isnan(value) else "infinite"
    where = (f"row {index[0]}, column {index[1]}" if len(index) == 2 else f"entry {index[0]}")
    raise RiskError(f"{name} {where} (0-based) is {what}; expected finite numbers "
                    f"({int(bad.sum())} such value(s) in all)")
