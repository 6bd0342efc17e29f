"""Value at Risk and expected shortfall: historical and parametric (normal, Student-t).

Conventions
-----------
VaR and ES are positive numbers for losses, in the currency of the positions (a negative
VaR means even the tail scenario is a gain). ``confidence`` is the VaR level, 0.99 for
99 %; the tail probability is ``p = 1 - confidence``.

Historical (empirical) quantile: with ``n`` P&L scenarios sorted ascending
``P(1) <= ... <= P(n)`` and ``k = ceil(n p)`` (at least 1),

    VaR = -P(k)

the lower empirical quantile, ``numpy.quantile(pnl, p, method="inverted_cdf")``: no
interpolation, so VaR is always a loss that actually occurred. ES follows Acerbi and
Tasche (2002, "On the coherence of expected shortfall", J. Banking & Finance 26(7)),
which stays coherent when ``n p`` is not whole:

    ES = -( P(1) + ... + P(k-1) + (n p - (k - 1)) P(k) ) / (n p)

(the plain mean of the ``n p`` worst scenarios when ``n p`` is whole).

Parametric: zero mean unless ``mean`` is given, volatility ``sigma`` per day scaled to
``h`` days by ``sqrt(h)`` (square-root-of-time: exact for i.i.d. normal returns, a
convention for Student-t, whose sums are not Student-t). The Student-t law is scaled to
unit variance, so ``sigma`` is the standard deviation in both cases (McNeil, Frey and
Embrechts, "Quantitative Risk Management", 2005, Example 2.19 for ES).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from sapphire.accel import ArrayBackend, select_backend
from sapphire.core.errors import RiskError
from sapphire.risk.returns import (
    as_covariance,
    as_pnl,
    as_positions,
    as_returns,
    check_confidence,
    check_dof,
    check_horizon,
)

Distribution = Literal["normal", "t"]


@dataclass(frozen=True, slots=True)
class VaRResult:
    """A VaR and ES pair.

    Attributes
    ----------
    var
        Value at Risk, a positive loss in the positions' currency.
    es
        Expected shortfall (conditional VaR) at the same level, same units; ``es >= var``.
    confidence
        Level, for example 0.99.
    horizon_days
        Horizon in days the figures refer to.
    """

    var: float
    es: float
    confidence: float
    horizon_days: float


def tail_count(n: int, confidence: float) -> tuple[int, float]:
    """Return ``(k, n p)``: the order statistic index of the VaR and the tail mass in scenarios."""
    # Round away binary noise: 100 * (1 - 0.99) is 1.0000000000000009, and must give k = 1.
    mass = round(n * (1.0 - confidence), 9)
    return max(1, math.ceil(mass)), mass


def var_es_from_pnl(pnl: ArrayLike, confidence: float = 0.99, *,
                    horizon_days: float = 1.0) -> VaRResult:
    """Return historical VaR and ES of a sample of P&L outcomes (module docstring convention).

    Parameters
    ----------
    pnl
        1-D P&L per scenario, in currency (gains positive).
    confidence
        VaR level in (0, 1).
    horizon_days
        Horizon the P&L refers to (recorded in the result only).
    """
    values = as_pnl(pnl)
    level = check_confidence(confidence)
    k, mass = tail_count(values.size, level)
    worst = np.sort(np.partition(values, k - 1)[:k]) if k < values.size else np.sort(values)
    var = -float(worst[k - 1])
    if mass < 1.0:
        es = var  # the tail is thinner than one scenario: the worst one is all we know
    else:
        es = -(float(worst[: k - 1].sum()) + (mass - (k - 1)) * float(worst[k - 1])) / mass
    return VaRResult(var=var, es=es, confidence=level, horizon_days=check_horizon(horizon_days))


def scenario_pnl(returns: ArrayLike, positions: ArrayLike,
                 backend: str | ArrayBackend | None = None) -> np.ndarray:
    """Return the P&L of ``positions`` under each row of ``returns``: ``returns @ positions``.

    Parameters
    ----------
    returns
        ``(scenarios, assets)`` fractional returns.
    positions
        Market value per asset in currency.
    backend
        Array backend name or object (see :func:`sapphire.accel.select_backend`).
    """
    matrix = as_returns(returns, min_rows=1)
    weights = as_positions(positions, matrix.shape[1])
    be = select_backend(backend)
    return be.to_numpy(be.asarray(matrix) @ be.asarray(weights)).astype(np.float64, copy=False)


def historical_var(returns: ArrayLike, positions: ArrayLike, *, confidence: float = 0.99,
                   backend: str | ArrayBackend | None = None) -> VaRResult:
    """Return historical VaR and ES of ``positions`` replayed over past ``returns``.

    Each row of ``returns`` is one scenario (for example one past day); its P&L is
    ``returns[i] @ positions``. The horizon is that of one row.
    """
    return var_es_from_pnl(scenario_pnl(returns, positions, backend), confidence)


def quantile_multipliers(confidence: float, distribution: Distribution = "normal",
                         dof: float | None = None) -> tuple[float, float]:
    """Return ``(VaR, ES)`` of a zero-mean, unit-variance loss at ``confidence``.

    Normal: ``z = Phi^-1(c)`` and ``phi(z) / (1 - c)``. Student-t with ``dof`` degrees of
    freedom scaled to unit variance by ``s = sqrt((dof - 2) / dof)``: ``s t`` and
    ``s g(t) (dof + t^2) / ((dof - 1) (1 - c))`` with ``t`` the t quantile and ``g`` its density.
    """
    level = check_confidence(confidence)
    tail = 1.0 - level
    if distribution == "normal":
        z = float(special.ndtri(level))
        return z, math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) / tail
    if distribution == "t":
        from scipy import stats

        nu = check_dof(dof)
        scale = math.sqrt((nu - 2.0) / nu)
        t = float(stats.t.ppf(level, nu))
        es = float(stats.t.pdf(t, nu)) * (nu + t * t) / ((nu - 1.0) * tail)
        return scale * t, scale * es
    raise RiskError(f"unknown distribution {distribution!r}; expected 'normal' or 't'")


def parametric_var(sigma: float, *, confidence: float = 0.99, horizon_days: float = 1.0,
                   value: float = 1.0, mean: float = 0.0, distribution: Distribution = "normal",
                   dof: float | None = None) -> VaRResult:
    """Return parametric VaR and ES of one position.

    Parameters
    ----------
    sigma
        Standard deviation of daily returns (0.01 for 1 % a day), or of daily P&L in
        currency with ``value=1``.
    confidence
        VaR level in (0, 1).
    horizon_days
        Horizon ``h``: the volatility is scaled by ``sqrt(h)`` and the mean by ``h``.
    value
        Position value in currency (its sign is ignored: a short loses on the other tail,
        which is symmetric here).
    mean
        Expected daily return (same units as ``sigma``).
    distribution
        ``"normal"`` or ``"t"`` (Student-t scaled to unit variance; needs ``dof > 2``).

    Examples
    --------
    $1,000,000 with 1 % daily volatility: 99 % one-day normal VaR is $23,263.48, and
    10-day VaR is $73,565.58.
    """
    vol = float(sigma)
    if not math.isfinite(vol) or vol < 0.0:
        raise RiskError(f"sigma must be a finite volatility >= 0, was {sigma!r}")
    if not math.isfinite(float(value)) or value == 0.0:
        raise RiskError(f"value must be a finite non-zero position value, was {value!r}")
    h = check_horizon(horizon_days)
    q_var, q_es = quantile_multipliers(confidence, distribution, dof)
    size = abs(float(value))
    scaled = vol * math.sqrt(h) * size
    drift = float(mean) * h * size
    return VaRResult(var=q_var * scaled - drift, es=q_es * scaled - drift,
                     confidence=float(confidence), horizon_days=h)


def portfolio_sigma(positions: ArrayLike, cov: ArrayLike) -> float:
    """Return the standard deviation of portfolio P&L, ``sqrt(w' C w)``, in currency per day."""
    matrix = as_covariance(cov)
    weights = as_positions(positions, matrix.shape[0])
    variance = float(weights @ matrix @ weights)
    if variance < 0.0:
        raise RiskError(f"portfolio variance w' C w is negative ({variance!r}): the covariance "
                        "is not positive semi-definite (see nearest_positive_definite)")
    return math.sqrt(variance)


def portfolio_parametric_var(positions: ArrayLike, cov: ArrayLike, *, confidence: float = 0.99,
                             horizon_days: float = 1.0, distribution: Distribution = "normal",
                             dof: float | None = None) -> VaRResult:
    """Return parametric (delta-normal or Student-t) VaR and ES of a linear portfolio.

    ``positions`` are currency values per asset and ``cov`` the daily covariance of their
    returns; the P&L volatility is :func:`portfolio_sigma`.
    """
    return parametric_var(portfolio_sigma(positions, cov), confidence=confidence,
                          horizon_days=horizon_days, distribution=distribution, dof=dof)
