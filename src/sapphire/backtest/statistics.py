"""Performance statistics of a backtest run: returns, risk ratios, drawdown, trades.

Conventions (each function's docstring gives its formula and source):

- A year is 365.25 days (``YEAR_NS``), for the CAGR and for annualising.
- Return-based statistics (volatility, Sharpe, Sortino) use simple returns on a
  regular grid, because the engine samples equity irregularly (at every fill and
  once per bar). The grid step is chosen from the run's span ``T``:
  one day when ``T >= 30 days``, one hour when ``T >= 2 days``, else one minute
  (:func:`grid_for_span`), so that there are enough returns to estimate a spread.
  Grid points are counted from the first equity sample; the last period may be
  partial. ``periods_per_year`` defaults to ``YEAR_NS / grid_ns``, the count for a
  market that trades 24/7 (365.25 daily, 8,766 hourly, 525,960 minutely).
  For a trading calendar, pass ``periods_per_year`` (e.g. 252 with a daily grid)
  and ``skip_empty_periods=True`` so that periods without any equity sample
  (weekends, holidays: no bars, so no samples) are left out instead of counted as
  zero returns.
- Drawdown is measured on the raw equity samples, not the grid.
- A ratio whose risk denominator is zero (flat equity: no volatility, no downside,
  no drawdown) is NaN: it is undefined, and ``inf`` would rank a strategy that did
  nothing above every real one. Spreads below ``ZERO_SPREAD`` (1e-12 per period)
  count as zero, since they are float noise in the equity sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sapphire.backtest.round_trips import exposure, round_trips, trade_statistics
from sapphire.backtest.tables import check_equity, check_fills
from sapphire.core.errors import ConfigError
from sapphire.core.time import NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN

#: Length of a year in ns: 365.25 days (Julian year).
YEAR_NS = 365.25 * NS_PER_DAY
#: A per-period standard deviation at or below this counts as zero.
ZERO_SPREAD = 1e-12

#: Every statistic :func:`compute_statistics` returns, in display order, with its label
#: and its kind: "money" (base currency), "fraction" (shown as %), "ratio", "count",
#: "duration" (ns), "number".
STATISTICS: tuple[tuple[str, str, str], ...] = (
    ("starting_equity", "Starting equity", "money"),
    ("final_equity", "Final equity", "money"),
    ("net_pnl", "Net PnL", "money"),
    ("total_return", "Total return", "fraction"),
    ("annual_return", "Annualised return (CAGR)", "fraction"),
    ("volatility", "Volatility (annualised)", "fraction"),
    ("sharpe", "Sharpe ratio", "ratio"),
    ("sortino", "Sortino ratio", "ratio"),
    ("calmar", "Calmar ratio", "ratio"),
    ("max_drawdown", "Max drawdown", "fraction"),
    ("max_drawdown_duration_ns", "Max drawdown duration", "duration"),
    ("trades", "Trades (round trips)", "count"),
    ("open_trades", "Trades open at end", "count"),
    ("wins", "Winning trades", "count"),
    ("losses", "Losing trades", "count"),
    ("win_rate", "Win rate", "fraction"),
    ("profit_factor", "Profit factor", "ratio"),
    ("expectancy", "Expectancy (per trade)", "money"),
    ("average_win", "Average win", "money"),
    ("average_loss", "Average loss", "money"),
    ("exposure", "Exposure", "fraction"),
    ("turnover", "Turnover", "ratio"),
    ("total_fees", "Total fees", "money"),
    ("fills", "Fills", "count"),
    ("return_period_ns", "Return period", "duration"),
    ("return_periods", "Return periods", "count"),
    ("periods_per_year", "Periods per year", "number"),
    ("risk_free_rate", "Risk-free rate (annual)", "fraction"),
)


@dataclass(frozen=True, kw_only=True)
class StatisticsConfig:
    """How return-based statistics are computed.

    Parameters
    ----------
    risk_free_rate
        Annual risk-free rate as a fraction (0.05 = 5 %), compounded to a per-period
        rate ``(1 + rf) ** (1 / periods_per_year) - 1``. Default 0.
    grid_ns
        Return period in ns; ``None`` picks it from the run's span (:func:`grid_for_span`).
    periods_per_year
        Periods in a year for annualising; ``None`` gives ``YEAR_NS / grid_ns`` (24/7).
    skip_empty_periods
        Leave out periods with no equity sample (a trading calendar) instead of
        counting them as zero returns.
    """

    risk_free_rate: float = 0.0
    grid_ns: int | None = None
    periods_per_year: float | None = None
    skip_empty_periods: bool = False

    def __post_init__(self) -> None:
        rf = self.risk_free_rate
        if isinstance(rf, bool) or not isinstance(rf, int | float) or not rf > -1 \
                or not math.isfinite(rf):
            raise ConfigError(f"risk_free_rate must be a finite fraction > -1, was {rf!r}")
        grid = self.grid_ns
        if grid is not None and (isinstance(grid, bool) or not isinstance(grid, int) or grid <= 0):
            raise ConfigError(f"grid_ns must be a positive integer of ns or None, was {grid!r}")
        ppy = self.periods_per_year
        if ppy is not None and (isinstance(ppy, bool) or not isinstance(ppy, int | float)
                                or not math.isfinite(ppy) or ppy <= 0):
            raise ConfigError(f"periods_per_year must be a finite number > 0 or None, was {ppy!r}")
        if not isinstance(self.skip_empty_periods, bool):
            raise ConfigError(
                f"skip_empty_periods must be True or False, was {self.skip_empty_periods!r}"
            )


def grid_for_span(span_ns: int) -> int:
    """Return the return period for a run of ``span_ns``: 1 day if >= 30 days, 1 hour if
    >= 2 days, else 1 minute (ns)."""
    if span_ns >= 30 * NS_PER_DAY:
        return NS_PER_DAY
    if span_ns >= 2 * NS_PER_DAY:
        return NS_PER_HOUR
    return NS_PER_MIN


def resample_equity(ts: np.ndarray, equity: np.ndarray, grid_ns: int,
                    skip_empty_periods: bool = False) -> np.ndarray:
    """Return equity on the grid ``ts[0] + k * grid_ns``, ``k = 0 .. ceil(span / grid_ns)``.

    The value at ``k = 0`` is the first sample (the starting equity); the value at a
    later grid point is the last sample at or before it (the period ``(p - grid, p]``
    closes at ``p``), so the last grid point, at or after ``ts[-1]``, holds the final
    equity. With ``skip_empty_periods`` only grid points whose period holds a sample are
    kept.
    """
    offsets = ts - ts[0]
    periods = -(-offsets // grid_ns)                 # ceil: the period each sample closes in
    last = int(periods[-1])
    k = np.unique(periods[periods > 0]) if skip_empty_periods else np.arange(1, last + 1)
    points = ts[0] + k * grid_ns
    index = np.searchsorted(ts, points, side="right") - 1
    return np.concatenate((equity[:1], equity[index]))


def simple_returns(values: np.ndarray) -> np.ndarray:
    """Return ``r_k = v_k / v_{k-1} - 1``; empty when any value is <= 0 (undefined)."""
    if values.size < 2 or np.any(values <= 0):
        return np.empty(0)
    return values[1:] / values[:-1] - 1.0


def total_return(equity: np.ndarray) -> float:
    """Return ``E_end / E_0 - 1`` (a fraction)."""
    return float(equity[-1] / equity[0] - 1.0)


def annual_return(equity: np.ndarray, span_ns: int) -> float:
    """Return the CAGR ``(E_end / E_0) ** (1 / years) - 1`` with ``years = span / 365.25 d``.

    NaN for a run of zero length; -1 when the final equity is <= 0 (everything lost).
    Over short spans this extrapolates hard (1 % in a day is about 3,688 % a year).
    """
    if span_ns <= 0:
        return math.nan
    if equity[-1] <= 0:
        return -1.0
    with np.errstate(over="ignore"):
        growth = np.power(equity[-1] / equity[0], YEAR_NS / span_ns)
    return float(growth - 1.0)


def volatility(returns: np.ndarray, periods_per_year: float) -> float:
    """Return ``std(r, ddof=1) * sqrt(P)``, the annualised sample standard deviation
    (square-root-of-time scaling, i.i.d. returns: Lo, "The Statistics of Sharpe Ratios",
    2002). NaN with fewer than two returns."""
    if returns.size < 2:
        return math.nan
    return float(np.std(returns, ddof=1) * math.sqrt(periods_per_year))


def sharpe_ratio(returns: np.ndarray, periods_per_year: float,
                 risk_free_rate: float = 0.0) -> float:
    """Return ``mean(r - rf_p) / std(r - rf_p, ddof=1) * sqrt(P)`` (ex-post Sharpe ratio,
    Sharpe, "The Sharpe Ratio", 1994), with ``rf_p = (1 + rf) ** (1 / P) - 1``.

    NaN with fewer than two returns or a zero spread (flat equity).
    """
    if returns.size < 2:
        return math.nan
    excess = returns - _per_period(risk_free_rate, periods_per_year)
    spread = float(np.std(excess, ddof=1))
    if spread <= ZERO_SPREAD:
        return math.nan
    return float(excess.mean() / spread * math.sqrt(periods_per_year))


def sortino_ratio(returns: np.ndarray, periods_per_year: float,
                  risk_free_rate: float = 0.0) -> float:
    """Return ``mean(r - T) / DD * sqrt(P)`` with the target ``T = rf_p`` and the downside
    deviation ``DD = sqrt(sum(min(0, r - T) ** 2) / N)`` over all ``N`` periods, not only
    the losing ones (Sortino and Price, "Performance Measurement in a Downside Risk
    Framework", 1994; Rollinger and Hoffman, "Sortino: A 'Sharper' Ratio", 2013).

    NaN with fewer than two returns or no downside (``DD`` zero).
    """
    if returns.size < 2:
        return math.nan
    excess = returns - _per_period(risk_free_rate, periods_per_year)
    downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside <= ZERO_SPREAD:
        return math.nan
    return float(excess.mean() / downside * math.sqrt(periods_per_year))


def drawdown(equity: np.ndarray) -> np.ndarray:
    """Return the drawdown at each sample, ``1 - E_t / max(E_0 .. E_t)`` (a fraction >= 0)."""
    return 1.0 - equity / np.maximum.accumulate(equity)


def max_drawdown_duration(ts: np.ndarray, equity: np.ndarray) -> int:
    """Return the longest time under water in ns: from a peak to the first sample that
    gets back to (>=) it, or to the last sample if equity never recovers.

    This is the longest drawdown, which need not be the deepest one. 0 when equity
    never falls below a previous peak.
    """
    at_peak = equity >= np.maximum.accumulate(equity)
    peaks = np.flatnonzero(at_peak)
    gaps = np.diff(peaks)
    durations = (ts[peaks[1:]] - ts[peaks[:-1]])[gaps > 1]   # a sample under water between
    if not at_peak[-1]:
        durations = np.append(durations, ts[-1] - ts[peaks[-1]])
    return int(durations.max()) if durations.size else 0


def calmar_ratio(annual: float, max_dd: float) -> float:
    """Return ``CAGR / max_drawdown`` over the whole run (Young, "Calmar Ratio: A Smoother
    Tool", 1991, uses 36 months; here the run's span). NaN when there is no drawdown."""
    if not max_dd > 0 or math.isnan(annual):
        return math.nan
    return annual / max_dd


def time_weighted_mean(ts: np.ndarray, values: np.ndarray) -> float:
    """Return the mean of the step function that holds each sample until the next one;
    the plain mean of the samples when they span no time."""
    span = ts[-1] - ts[0]
    if span <= 0:
        return float(values.mean())
    return float(np.sum(values[:-1] * np.diff(ts)) / span)


def compute_statistics(equity: pa.Table, fills: pa.Table, *, start_ns: int | None = None,
                       end_ns: int | None = None,
                       config: StatisticsConfig | None = None) -> dict[str, float]:
    """Compute every statistic in :data:`STATISTICS` from a run's equity curve and fills.

    Parameters
    ----------
    equity
        Equity curve (``ts`` int64 ns, ``equity`` in base currency), time-ordered, with
        the starting equity first.
    fills
        The run's fills (:data:`~sapphire.backtest.tables.FILLS_SCHEMA`).
    start_ns, end_ns
        The run's span for exposure; default the first and last equity sample.
    config
        Return grid, annualisation and risk-free rate; default :class:`StatisticsConfig`.

    Returns
    -------
    dict[str, float]
        Keyed as :data:`STATISTICS`, in that order. Besides the docstrings of the
        functions used: ``net_pnl = E_end - E_0``; ``turnover = sum(notional) /
        time-weighted mean equity`` (not annualised); ``total_fees = sum(fee)`` (rebates
        negative); ``exposure`` from :func:`~sapphire.backtest.round_trips.exposure`.
    """
    config = config or StatisticsConfig()
    equity = check_equity(equity)
    fills = check_fills(fills)
    ts = equity.column("ts").to_numpy()
    values = equity.column("equity").to_numpy()
    start = int(ts[0]) if start_ns is None else int(start_ns)
    end = int(ts[-1]) if end_ns is None else int(end_ns)
    if end < start:
        raise ConfigError(f"end_ns {end} is before start_ns {start}: expected start <= end")
    span = int(ts[-1] - ts[0])
    grid = config.grid_ns or grid_for_span(span)
    ppy = float(config.periods_per_year or YEAR_NS / grid)
    returns = simple_returns(resample_equity(ts, values, grid, config.skip_empty_periods))
    rf = float(config.risk_free_rate)
    annual = annual_return(values, span)
    max_dd = float(drawdown(values).max())
    trips = round_trips(fills)
    stats = {
        "starting_equity": float(values[0]),
        "final_equity": float(values[-1]),
        "net_pnl": float(values[-1] - values[0]),
        "total_return": total_return(values),
        "annual_return": annual,
        "volatility": volatility(returns, ppy),
        "sharpe": sharpe_ratio(returns, ppy, rf),
        "sortino": sortino_ratio(returns, ppy, rf),
        "calmar": calmar_ratio(annual, max_dd),
        "max_drawdown": max_dd,
        "max_drawdown_duration_ns": float(max_drawdown_duration(ts, values)),
        **trade_statistics(trips),
        "exposure": exposure(trips, start, end),
        "turnover": _turnover(fills, ts, values),
        "total_fees": float(np.sum(fills.column("fee").to_numpy())),
        "fills": float(fills.num_rows),
        "return_period_ns": float(grid),
        "return_periods": float(returns.size),
        "periods_per_year": ppy,
        "risk_free_rate": rf,
    }
    return {name: stats[name] for name, _, _ in STATISTICS}


def _turnover(fills: pa.Table, ts: np.ndarray, values: np.ndarray) -> float:
    mean_equity = time_weighted_mean(ts, values)
    if mean_equity <= 0:
        return math.nan
    return float(np.sum(fills.column("notional").to_numpy()) / mean_equity)


def _per_period(annual_rate: float, periods_per_year: float) -> float:
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)
