"""Marginal and component VaR of a linear portfolio (parametric, Euler allocation).

With P&L volatility ``s = sqrt(w' C w)`` and VaR ``q s sqrt(h)`` (``q`` the quantile
multiplier of :func:`sapphire.risk.var.quantile_multipliers`), VaR is homogeneous of degree
one in the positions ``w``, so Euler's theorem splits it exactly:

    marginal_i  = dVaR / dw_i = q sqrt(h) (C w)_i / s
    component_i = w_i marginal_i,       sum_i component_i = VaR

(Jorion, "Value at Risk", 3rd ed., 2007, ch. 7). A negative component marks a hedge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sapphire.core.errors import RiskError
from sapphire.risk.returns import as_covariance, as_positions, check_horizon
from sapphire.risk.var import Distribution, quantile_multipliers


@dataclass(frozen=True, slots=True)
class VaRDecomposition:
    """VaR split across positions.

    Attributes
    ----------
    var
        Portfolio VaR, a positive loss in currency.
    marginal
        ``dVaR / dw_i`` per asset: currency of VaR per currency of position (unitless).
    component
        ``w_i * marginal_i`` per asset, in currency; sums to ``var``.
    confidence, horizon_days
        Level and horizon.
    """

    var: float
    marginal: np.ndarray
    component: np.ndarray
    confidence: float
    horizon_days: float

    @property
    def percent(self) -> np.ndarray:
        """Share of VaR per asset (sums to 1)."""
        return self.component / self.var


def var_decomposition(positions: ArrayLike, cov: ArrayLike, *, confidence: float = 0.99,
                      horizon_days: float = 1.0, distribution: Distribution = "normal",
                      dof: float | None = None) -> VaRDecomposition:
    """Return parametric VaR with its marginal and component VaR per position.

    Parameters
    ----------
    positions
        Market value per asset in currency.
    cov
        Daily covariance of the assets' returns.
    confidence, horizon_days, distribution, dof
        As :func:`sapphire.risk.var.parametric_var`.

    Raises
    ------
    RiskError
        If the portfolio has zero variance (nothing to allocate) or the covariance makes
        ``w' C w`` negative.
    """
    matrix = as_covariance(cov)
    weights = as_positions(positions, matrix.shape[0])
    h = check_horizon(horizon_days)
    q_var, _ = quantile_multipliers(confidence, distribution, dof)
    exposure = matrix @ weights
    variance = float(weights @ exposure)
    if not variance > 0.0:
        raise RiskError(f"portfolio variance w' C w is {variance!r}; component VaR needs it > 0 "
                        "(zero-variance assets only, or a covariance that is not PSD)")
    sigma = math.sqrt(variance)
    marginal = q_var * math.sqrt(h) * exposure / sigma
    return VaRDecomposition(var=q_var * math.sqrt(h) * sigma, marginal=marginal,
                            component=weights * marginal, confidence=float(confidence),
                            horizon_days=h)
