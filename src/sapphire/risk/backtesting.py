"""VaR backtesting: Kupiec, Christoffersen, and the Basel traffic light.

An *exception* (hit) is a day whose loss exceeds that day's VaR. With ``T`` days, ``x``
exceptions and expected rate ``p = 1 - confidence``:

* Kupiec (1995) proportion of failures, "Techniques for verifying the accuracy of risk
  measurement models", J. Derivatives 3(2): ``LR_pof = -2 ln[(1-p)^(T-x) p^x] +
  2 ln[(1-x/T)^(T-x) (x/T)^x]``, chi-square with 1 degree of freedom.
* Christoffersen (1998) independence, "Evaluating interval forecasts", Int. Economic
  Review 39(4): a first-order Markov test on the hit sequence, chi-square(1); and the
  conditional coverage ``LR_cc = LR_pof + LR_ind``, chi-square(2). Here ``LR_pof`` is taken
  over all ``T`` days and ``LR_ind`` over the ``T - 1`` transitions (the usual practice;
  Christoffersen conditions both on the first day).
* Basel Committee (1996), "Supervisory framework for the use of backtesting in conjunction
  with the internal models approach": with ``X ~ Binomial(T, p)``, ``x`` exceptions are
  green while ``P(X <= x) < 95 %``, yellow while ``P(X <= x) < 99.99 %``, red beyond; for
  250 days at 99 % that is green 0-4, yellow 5-9, red 10 or more (computed, not tabled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sapphire.core.errors import RiskError
from sapphire.risk.returns import as_pnl, check_confidence

#: Cumulative binomial probabilities where the Basel yellow and red zones begin.
BASEL_YELLOW_PROB = 0.95
BASEL_RED_PROB = 0.9999


class TrafficLight(StrEnum):
    """Basel backtesting zone."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class LikelihoodRatioTest:
    """Outcome of a likelihood-ratio test.

    Attributes
    ----------
    statistic
        The LR statistic.
    dof
        Degrees of freedom of its chi-square law.
    p_value
        ``P(chi2(dof) >= statistic)``.
    critical_value
        Chi-square quantile at ``1 - significance``.
    significance
        Test size, for example 0.05.
    """

    statistic: float
    dof: int
    p_value: float
    critical_value: float
    significance: float

    @property
    def rejected(self) -> bool:
        """True when the VaR model is rejected at ``significance``."""
        return self.statistic > self.critical_value


def _lr(statistic: float, dof: int, significance: float) -> LikelihoodRatioTest:
    if not 0.0 < significance < 1.0:
        raise RiskError(f"significance must lie strictly between 0 and 1, was {significance!r}")
    return LikelihoodRatioTest(statistic=statistic, dof=dof,
                               p_value=float(stats.chi2.sf(statistic, dof)),
                               critical_value=float(stats.chi2.ppf(1.0 - significance, dof)),
                               significance=significance)


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def _bernoulli_loglik(failures: float, successes: float, rate: float) -> float:
    return _xlogy(successes, 1.0 - rate) + _xlogy(failures, rate)


def exceptions(pnl: ArrayLike, var: ArrayLike) -> np.ndarray:
    """Return the hit sequence: True on days whose loss ``-pnl`` exceeds that day's ``var``."""
    realised = as_pnl(pnl)
    forecast = np.broadcast_to(np.asarray(var, dtype=np.float64), realised.shape) \
        if np.ndim(var) == 0 else as_pnl(var, name="var")
    if forecast.shape != realised.shape:
        raise RiskError(f"var has {forecast.shape[0]} days but pnl has {realised.shape[0]} "
                        "(shapes must match)")
    return -realised > forecast


def _check_counts(exceptions_: int, observations: int) -> None:
    if int(observations) != observations or observations < 1:
        raise RiskError(f"observations must be a positive integer, was {observations!r}")
    if int(exceptions_) != exceptions_ or not 0 <= exceptions_ <= observations:
        raise RiskError(f"exceptions must be an integer between 0 and observations "
                        f"({observations}), was {exceptions_!r}")


def kupiec_pof(exceptions_: int, observations: int, *, confidence: float = 0.99,
               significance: float = 0.05) -> LikelihoodRatioTest:
    """Return Kupiec's proportion-of-failures test of ``exceptions_`` in ``observations`` days.

    Examples
    --------
    >>> round(kupiec_pof(5, 250).statistic, 4), kupiec_pof(5, 250).rejected
    (1.9568, False)
    >>> round(kupiec_pof(8, 250).statistic, 4), kupiec_pof(8, 250).rejected
    (7.7336, True)
    """
    _check_counts(exceptions_, observations)
    p = 1.0 - check_confidence(confidence)
    x, t = float(exceptions_), float(observations)
    stat = -2.0 * (_bernoulli_loglik(x, t - x, p) - _bernoulli_loglik(x, t - x, x / t))
    return _lr(max(stat, 0.0), 1, significance)


def christoffersen_independence(hits: ArrayLike, *,
                                significance: float = 0.05) -> LikelihoodRatioTest:
    """Return Christoffersen's test that exceptions do not cluster (first-order Markov).

    Parameters
    ----------
    hits
        Boolean exception per day, oldest first (at least 2 days).
    """
    seq = _hits(hits)
    prev, cur = seq[:-1], seq[1:]
    n00 = int(np.sum(~prev & ~cur))
    n01 = int(np.sum(~prev & cur))
    n10 = int(np.sum(prev & ~cur))
    n11 = int(np.sum(prev & cur))
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    pi0 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi1 = n11 / (n10 + n11) if n10 + n11 else 0.0
    restricted = _bernoulli_loglik(n01 + n11, n00 + n10, pi)
    unrestricted = _bernoulli_loglik(n01, n00, pi0) + _bernoulli_loglik(n11, n10, pi1)
    return _lr(max(-2.0 * (restricted - unrestricted), 0.0), 1, significance)


def conditional_coverage(hits: ArrayLike, *, confidence: float = 0.99,
                         significance: float = 0.05) -> LikelihoodRatioTest:
    """Return Christoffersen's conditional coverage test, ``LR_pof + LR_ind`` (chi-square(2))."""
    seq = _hits(hits)
    pof = kupiec_pof(int(seq.sum()), seq.size, confidence=confidence, significance=significance)
    ind = christoffersen_independence(seq, significance=significance)
    return _lr(pof.statistic + ind.statistic, 2, significance)


def basel_zone_bounds(observations: int = 250, confidence: float = 0.99) -> tuple[int, int]:
    """Return ``(first_yellow, first_red)``: the fewest exceptions in each zone.

    The yellow zone starts at the smallest ``x`` with ``P(X <= x) >= 95 %`` and the red
    zone at the smallest with ``P(X <= x) >= 99.99 %``, ``X ~ Binomial(observations, p)``.
    """
    _check_counts(0, observations)
    p = 1.0 - check_confidence(confidence)
    cdf = stats.binom.cdf(np.arange(observations + 1), observations, p)
    first_yellow = int(np.searchsorted(cdf, BASEL_YELLOW_PROB, side="left"))
    first_red = int(np.searchsorted(cdf, BASEL_RED_PROB, side="left"))
    return first_yellow, first_red


def basel_traffic_light(exceptions_: int, observations: int = 250,
                        confidence: float = 0.99) -> TrafficLight:
    """Return the Basel zone of ``exceptions_`` exceptions in ``observations`` days."""
    _check_counts(exceptions_, observations)
    first_yellow, first_red = basel_zone_bounds(observations, confidence)
    if exceptions_ >= first_red:
        return TrafficLight.RED
    if exceptions_ >= first_yellow:
        return TrafficLight.YELLOW
    return TrafficLight.GREEN


def _hits(hits: ArrayLike) -> np.ndarray:
    seq = np.asarray(hits)
    if seq.ndim != 1 or seq.size < 2:
        raise RiskError(f"hits must be a 1-D sequence of at least 2 days, got shape {seq.shape}")
    if seq.dtype != np.bool_:
        if not np.all(np.isin(seq, (0, 1))):
            raise RiskError("hits must be booleans (or 0/1): True on a day whose loss "
                            "exceeded VaR")
        seq = seq.astype(bool)
    return seq
