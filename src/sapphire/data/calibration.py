"""Statistics of a market and the profiles the synthetic generator is calibrated with.

:func:`market_stats` measures what makes quotes and trades look like a market: the
spread in ticks, return volatility and its clustering, arrival rates and how bursty
they are, trade and displayed sizes. :func:`calibrate` turns real data into a
:class:`MarketProfile`; :data:`PROFILES` holds built-in profiles calibrated against
the real samples (numbers stored here, so nothing depends on the files).

Input tables use Sapphire's schemas (:mod:`sapphire.data.schemas`): prices in ticks,
sizes in lots, timestamps in ns.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pyarrow as pa

from sapphire.core.errors import ConfigError, DataError
from sapphire.core.time import NS_PER_S
from sapphire.model.instruments import Instrument

#: Probabilities at which spread quantiles are stored (0, 0.05, ..., 1).
SPREAD_PROBS: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(21))
#: Probabilities at which size quantiles are reported.
SIZE_PROBS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Lags (in quote updates) of the autocorrelation of absolute returns.
ACF_LAGS = 10
_MIN_QUOTES = 30
_IQR_TO_SIGMA = 1.3489795  # interquartile range of a standard normal


@dataclass(frozen=True, slots=True)
class MarketStats:
    """Measured statistics of one instrument's quotes (and trades).

    Rates are per second; sizes are in the instrument's quantity units (not lots);
    returns are log changes of the mid per quote update.
    """

    tick_size: float
    n_quotes: int
    duration_s: float
    quote_rate: float
    #: Variance over mean of quote counts in windows of 20 expected updates (1 = Poisson).
    quote_dispersion: float
    spread_quantiles: tuple[float, ...]
    spread_mean: float
    #: Fraction of quotes whose spread is exactly one tick.
    spread_one_tick: float
    #: Fraction of quote updates that keep the previous spread.
    spread_unchanged: float
    return_vol: float
    #: Autocorrelation of absolute returns at lags 1..ACF_LAGS.
    abs_return_acf: tuple[float, ...]
    display_size_quantiles: tuple[float, ...]
    n_trades: int
    trade_rate: float
    trade_size_quantiles: tuple[float, ...]
    buy_fraction: float

    @property
    def clustering(self) -> float:
        """Mean autocorrelation of absolute returns over lags 1..ACF_LAGS (0 = none)."""
        return float(np.mean(self.abs_return_acf))


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketProfile:
    """Calibrated parameters that drive the synthetic market of one instrument.

    Attributes
    ----------
    name
        Short name, e.g. ``"btcusdt"``.
    initial_price
        Mid price at the start (price units).
    event_vol
        Unconditional standard deviation of the log mid change per quote update.
    garch_alpha, garch_beta
        GARCH(1,1) reaction and persistence of the return variance (``alpha + beta < 1``).
    spread_quantiles
        Spread in ticks at probabilities :data:`SPREAD_PROBS` (non-decreasing, >= 1).
    spread_persistence
        Probability that a quote update keeps the previous spread, in [0, 1).
    spread_vol_corr
        Correlation (Gaussian copula) between the spread and the current volatility, in [0, 1).
    quote_rate, trade_rate
        Mean quote updates and trades per second (``trade_rate`` 0 means no trades).
    quote_branching, trade_branching
        Share of arrivals triggered by earlier ones (Hawkes branching ratio), in [0, 1).
    quote_decay, trade_decay
        Decay rate of the self-excitation (1/s).
    buy_fraction
        Probability that a trade is buyer-initiated (lifts the ask).
    trade_size_median, trade_size_sigma
        Lognormal trade size: median (quantity units) and log standard deviation.
    display_size_median, display_size_sigma
        Lognormal size shown at each book level.
    level_gap
        Mean gap between deeper book levels (ticks, >= 1).
    """

    name: str
    initial_price: float
    event_vol: float
    garch_alpha: float
    garch_beta: float
    spread_quantiles: tuple[float, ...]
    spread_persistence: float
    spread_vol_corr: float
    quote_rate: float
    quote_branching: float
    quote_decay: float
    trade_rate: float
    trade_branching: float
    trade_decay: float
    buy_fraction: float
    trade_size_median: float
    trade_size_sigma: float
    display_size_median: float
    display_size_sigma: float
    level_gap: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "spread_quantiles", tuple(float(q) for q in self.spread_quantiles))
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) and not math.isfinite(value):
                self._fail(field.name, value, "a finite number")
        self._check_ranges()
        quantiles = self.spread_quantiles
        if len(quantiles) != len(SPREAD_PROBS):
            self._fail("spread_quantiles", quantiles, f"{len(SPREAD_PROBS)} values at SPREAD_PROBS")
        if quantiles[0] < 1 or any(b < a for a, b in itertools.pairwise(quantiles)):
            self._fail("spread_quantiles", quantiles, "non-decreasing ticks, all >= 1")

    def _check_ranges(self) -> None:
        positive = ("initial_price", "event_vol", "quote_rate", "quote_decay", "trade_decay",
                    "trade_size_median", "display_size_median")
        for name in positive:
            if not getattr(self, name) > 0:
                self._fail(name, getattr(self, name), "a positive number")
        unit = ("garch_alpha", "garch_beta", "spread_persistence", "spread_vol_corr",
                "quote_branching", "trade_branching")
        for name in unit:
            if not 0 <= getattr(self, name) < 1:
                self._fail(name, getattr(self, name), "a number in [0, 1)")
        for name in ("trade_rate", "trade_size_sigma", "display_size_sigma"):
            if getattr(self, name) < 0:
                self._fail(name, getattr(self, name), "a number >= 0")
        if not 0 <= self.buy_fraction <= 1:
            self._fail("buy_fraction", self.buy_fraction, "a probability in [0, 1]")
        if self.garch_alpha + self.garch_beta >= 1:
            self._fail("garch_beta", self.garch_beta,
                       f"garch_alpha + garch_beta < 1 (garch_alpha is {self.garch_alpha})")
        if self.level_gap < 1:
            self._fail("level_gap", self.level_gap, "a mean gap >= 1 tick")

    def _fail(self, name: str, value: object, expected: str) -> None:
        raise ConfigError(
            f"MarketProfile {self.name!r}: invalid {name} {value!r}, expected {expected}"
        )

    def with_changes(self, **changes: object) -> MarketProfile:
        """Return a copy with some fields replaced (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


# -- measuring -----------------------------------------------------------------------------


def market_stats(quotes: pa.Table, trades: pa.Table | None, instrument: Instrument) -> MarketStats:
    """Measure the statistics of ``quotes`` (and ``trades``, if given) of ``instrument``.

    Parameters
    ----------
    quotes, trades
        Tables in the QUOTES and TRADES schemas (ticks, lots, ns), sorted by time.
    instrument
        The instrument whose increments the ticks and lots are in.
    """
    ts, bid, ask, bid_size, ask_size = _quote_columns(quotes)
    tick = float(instrument.price_increment)
    lot = float(instrument.size_increment)
    spread = (ask - bid).astype(np.float64)
    returns = np.diff(np.log(0.5 * (bid + ask).astype(np.float64)))
    duration = (ts[-1] - ts[0]) / NS_PER_S
    quote_rate = (len(ts) - 1) / duration
    shown = np.concatenate([bid_size, ask_size]).astype(np.float64) * lot
    n_trades, trade_rate, sizes, buy_fraction = _trade_stats(trades, lot)
    return MarketStats(
        tick_size=tick, n_quotes=len(ts), duration_s=float(duration), quote_rate=float(quote_rate),
        quote_dispersion=dispersion(ts, quote_rate),
        spread_quantiles=_quantiles(spread, SPREAD_PROBS),
        spread_mean=float(spread.mean()), spread_one_tick=float(np.mean(spread == 1)),
        spread_unchanged=float(np.mean(spread[1:] == spread[:-1])),
        return_vol=float(returns.std()), abs_return_acf=autocorrelation(np.abs(returns), ACF_LAGS),
        display_size_quantiles=_quantiles(shown, SIZE_PROBS),
        n_trades=n_trades, trade_rate=trade_rate,
        trade_size_quantiles=_quantiles(sizes, SIZE_PROBS) if len(sizes) else (),
        buy_fraction=buy_fraction,
    )


def autocorrelation(values: np.ndarray, lags: int) -> tuple[float, ...]:
    """Sample autocorrelation of ``values`` at lags 1..``lags`` (0 where undefined)."""
    centred = np.asarray(values, dtype=np.float64) - np.mean(values)
    denominator = float(np.dot(centred, centred))
    if denominator == 0 or len(centred) <= lags:
        return (0.0,) * lags
    return tuple(float(np.dot(centred[:-k], centred[k:]) / denominator) for k in range(1, lags + 1))


def dispersion(ts: np.ndarray, rate: float, per_window: float = 20.0) -> float:
    """Variance over mean of event counts in windows of ``per_window`` expected events."""
    window_ns = per_window / rate * NS_PER_S
    bins = ((ts - ts[0]) // window_ns).astype(np.int64)
    counts = np.bincount(bins)[:-1]  # the last window is incomplete
    if len(counts) < 2 or counts.mean() == 0:
        return 1.0
    return float(counts.var() / counts.mean())


def _quote_columns(quotes: pa.Table) -> tuple[np.ndarray, ...]:
    names = ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size")
    missing = [name for name in names if name not in quotes.column_names]
    if missing:
        raise DataError(f"quotes table is missing columns {missing}; expected {list(names)}")
    if quotes.num_rows < _MIN_QUOTES:
        raise DataError(
            f"need at least {_MIN_QUOTES} quotes to measure a market, got {quotes.num_rows}"
        )
    columns = tuple(np.asarray(quotes.column(name).to_numpy(), dtype=np.int64) for name in names)
    if columns[0][-1] <= columns[0][0]:
        raise DataError("quotes span no time: ts_event of the last row must follow the first")
    return columns


def _trade_stats(trades: pa.Table | None, lot: float) -> tuple[int, float, np.ndarray, float]:
    if trades is None or trades.num_rows < 2:
        return 0, 0.0, np.empty(0), 0.5
    ts = np.asarray(trades.column("ts_event").to_numpy(), dtype=np.int64)
    duration = (ts[-1] - ts[0]) / NS_PER_S
    if duration <= 0:
        raise DataError("trades span no time: ts_event of the last row must follow the first")
    sizes = trades.column("size").to_numpy().astype(np.float64) * lot
    buys = float(np.mean(trades.column("aggressor_side").to_numpy() == 1))
    return trades.num_rows, float((trades.num_rows - 1) / duration), sizes, buys


def _quantiles(values: np.ndarray, probs: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(float(v) for v in np.quantile(values, probs, method="inverted_cdf"))


# -- calibrating ---------------------------------------------------------------------------

_BRANCHING_GRID = np.round(np.arange(0.0, 0.91, 0.05), 2)
_DECAY_GRID = np.geomspace(0.3, 300.0, 19)  # in units of the mean rate
_GARCH_ALPHA_GRID = np.array([0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3])
_GARCH_PERSISTENCE_GRID = np.array([0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99])


def calibrate(quotes: pa.Table, trades: pa.Table | None, instrument: Instrument, *,
              name: str | None = None, base: MarketProfile | None = None) -> MarketProfile:
    """Fit a :class:`MarketProfile` to real quotes (and trades) of ``instrument``.

    Parameters
    ----------
    quotes, trades
        Tables in the QUOTES and TRADES schemas, sorted by time. Without trades
        (``None``) the trade parameters come from ``base``, or the market has none.
    instrument
        The instrument the ticks and lots belong to.
    name
        Name of the profile (default: the instrument's symbol, lower case).
    base
        Profile supplying what the data cannot: displayed sizes when the quotes carry
        none (all zero), trade parameters without trades, and ``level_gap``.

    Raises
    ------
    ConfigError
        The data lacks sizes or trades and no ``base`` supplies them.
    """
    from sapphire.data.synthetic_nb import garch_loglik_nb, hawkes_loglik_nb

    stats = market_stats(quotes, trades, instrument)
    ts, bid, ask, bid_size, ask_size = _quote_columns(quotes)
    name = name or instrument.id.symbol.lower()
    mid = 0.5 * (bid + ask).astype(np.float64)
    returns = np.diff(np.log(mid))
    rounding_var = (1.0 / mid.mean()) ** 2 / 6.0  # two uniform rounding errors of a tick
    event_var = max(stats.return_vol**2 - rounding_var, 0.01 * stats.return_vol**2)
    alpha, beta = _fit_garch(returns, stats.return_vol**2, garch_loglik_nb)
    q_branching, q_decay = _fit_hawkes(ts, stats.quote_rate, hawkes_loglik_nb)
    fields_: dict[str, object] = dict(
        name=name, initial_price=float(mid[0]) * float(instrument.price_increment),
        event_vol=math.sqrt(event_var), garch_alpha=alpha, garch_beta=beta,
        spread_quantiles=tuple(max(1.0, q) for q in stats.spread_quantiles),  # locked -> 1 tick
        spread_persistence=_persistence(ask - bid),
        spread_vol_corr=_spread_vol_corr(ask - bid, returns),
        quote_rate=stats.quote_rate, quote_branching=q_branching, quote_decay=q_decay,
        level_gap=base.level_gap if base else 1.0,
    )
    fields_.update(_display_fields(bid_size, ask_size, instrument, base, name))
    fields_.update(_trade_fields(trades, stats, instrument, base, hawkes_loglik_nb))
    return MarketProfile(**fields_)  # type: ignore[arg-type]


def _lognormal(sizes: np.ndarray) -> tuple[float, float]:
    logs = np.log(sizes[sizes > 0])
    q25, q50, q75 = np.quantile(logs, [0.25, 0.5, 0.75])
    return float(math.exp(q50)), float((q75 - q25) / _IQR_TO_SIGMA)


def _display_fields(bid_size: np.ndarray, ask_size: np.ndarray, instrument: Instrument,
                    base: MarketProfile | None, name: str) -> dict[str, float]:
    lot = float(instrument.size_increment)
    sizes = np.concatenate([bid_size, ask_size]).astype(np.float64) * lot
    if np.count_nonzero(sizes) >= _MIN_QUOTES:
        median, sigma = _lognormal(sizes)
        return {"display_size_median": median, "display_size_sigma": sigma}
    if base is None:
        raise ConfigError(f"cannot calibrate {name!r}: the quotes carry no sizes; pass base= "
                          "to supply display_size_median and display_size_sigma")
    return {"display_size_median": base.display_size_median,
            "display_size_sigma": base.display_size_sigma}


def _trade_fields(trades: pa.Table | None, stats: MarketStats, instrument: Instrument,
                  base: MarketProfile | None, loglik: Any) -> dict[str, float]:
    names = ("trade_rate", "trade_branching", "trade_decay", "buy_fraction",
             "trade_size_median", "trade_size_sigma")
    if stats.n_trades < _MIN_QUOTES:
        if base is not None:
            return {key: getattr(base, key) for key in names}
        return dict(zip(names, (0.0, 0.0, 1.0, 0.5, 1.0, 0.0), strict=True))
    assert trades is not None
    ts = np.asarray(trades.column("ts_event").to_numpy(), dtype=np.int64)
    branching, decay = _fit_hawkes(ts, stats.trade_rate, loglik)
    sizes = trades.column("size").to_numpy().astype(np.float64) * float(instrument.size_increment)
    median, sigma = _lognormal(sizes)
    return dict(zip(names, (stats.trade_rate, branching, decay, stats.buy_fraction, median, sigma),
                    strict=True))


def _fit_hawkes(ts: np.ndarray, rate: float, loglik: Any) -> tuple[float, float]:
    """Grid maximum likelihood of (branching, decay) with the mean rate held at ``rate``."""
    times = (ts - ts[0]).astype(np.float64) / NS_PER_S
    best = (-math.inf, 0.0, rate)
    for branching in _BRANCHING_GRID:
        for scale in _DECAY_GRID:
            decay = float(scale * rate)
            value = loglik(times, rate * (1 - branching), branching * decay, decay)
            if value > best[0]:
                best = (value, float(branching), decay)
    return best[1], best[2]


def _fit_garch(returns: np.ndarray, variance: float, loglik: Any) -> tuple[float, float]:
    """Grid quasi-maximum likelihood of GARCH(1,1) (alpha, beta), variance held fixed."""
    best = (-math.inf, 0.0, 0.0)
    for alpha in _GARCH_ALPHA_GRID:
        for persistence in _GARCH_PERSISTENCE_GRID:
            if persistence <= alpha:
                continue
            value = loglik(returns, variance, alpha, persistence - alpha)
            if value > best[0]:
                best = (value, float(alpha), float(persistence - alpha))
    return best[1], best[2]


def _persistence(spread: np.ndarray) -> float:
    """Keep-probability that reproduces the observed share of unchanged spreads."""
    unchanged = float(np.mean(spread[1:] == spread[:-1]))
    _, counts = np.unique(spread, return_counts=True)
    by_chance = float(np.sum((counts / len(spread)) ** 2))
    if by_chance >= 1:
        return 0.0
    return float(np.clip((unchanged - by_chance) / (1 - by_chance), 0.0, 0.95))


def _spread_vol_corr(spread: np.ndarray, returns: np.ndarray, window: int = 10) -> float:
    """Rank correlation of the spread with the mean absolute return of the last updates."""
    local = np.convolve(np.abs(returns), np.ones(window) / window, mode="valid")
    paired = spread[window:].astype(np.float64)
    if len(local) < 3 or np.ptp(paired) == 0 or np.ptp(local) == 0:
        return 0.0
    ranks = [np.argsort(np.argsort(x, kind="stable"), kind="stable") for x in (paired, local)]
    return float(np.clip(np.corrcoef(ranks[0], ranks[1])[0, 1], 0.0, 0.9))


# -- built-in profiles ---------------------------------------------------------------------
# Numbers from `calibrate` run on ../shared/data/real (tests/integration/test_calibration_real.py
# re-derives them), rounded to 6 significant digits.

#: From quotes/binance-btcusdt-quotes.parquet and trades/binance-btcusdt-trades.parquet
#: (BTC/USDT on Binance, 2021-01-08 00:00:00-00:00:46 UTC, a fast market: half the quotes are
#: one tick wide, the rest hundreds of ticks). Quote updates arrive in ~100 ms batches.
BTCUSDT = MarketProfile(
    name="btcusdt", initial_price=39433.3, event_vol=6.31944e-05,
    garch_alpha=0.16, garch_beta=0.77,
    spread_quantiles=(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 39.0, 104.0, 187.0,
                      247.0, 337.0, 454.0, 545.0, 740.0, 1057.0, 2997.0),
    spread_persistence=0.156712, spread_vol_corr=0.203337,
    quote_rate=9.86885, quote_branching=0.05, quote_decay=2960.66,
    trade_rate=43.4056, trade_branching=0.3, trade_decay=13021.7, buy_fraction=0.543228,
    trade_size_median=0.005309, trade_size_sigma=2.41914,
    display_size_median=0.195098, display_size_sigma=2.46537,
)

#: Not in any sample (HistData and TrueFX carry neither sizes nor trades), so assumed:
#: interbank top-of-book size around 1M base units, tickets around 100k, a trade every 10 s.
_FX_ASSUMED: dict[str, float] = {
    "trade_rate": 0.1, "trade_branching": 0.5, "trade_decay": 1.0, "buy_fraction": 0.5,
    "trade_size_median": 100_000.0, "trade_size_sigma": 1.0,
    "display_size_median": 1_000_000.0, "display_size_sigma": 0.7,
}

#: From quotes/histdata-eurusd-ticks-2020-01.csv (EUR/USD, 2020-01-01 22:00 to 2020-01-02 04:01 UTC,
#: HistData times read as EST without DST); sizes and trades assumed (_FX_ASSUMED).
EURUSD = MarketProfile(
    name="eurusd", initial_price=1.12146, event_vol=9.91015e-06,
    garch_alpha=0.08, garch_beta=0.91,
    spread_quantiles=(1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0,
                      4.0, 5.0, 10.0, 12.0, 14.0, 72.0),
    spread_persistence=0.0, spread_vol_corr=0.301312,
    quote_rate=0.438711, quote_branching=0.6, quote_decay=2.83552,
    **_FX_ASSUMED,
)

#: From quotes/truefx-usdjpy-ticks-2013.csv (USD/JPY, 2013-01-01 22:00 UTC, 1000 ticks; one
#: locked quote counted as one tick); sizes and trades assumed (_FX_ASSUMED).
USDJPY = MarketProfile(
    name="usdjpy", initial_price=86.6915, event_vol=3.44973e-05,
    garch_alpha=0.13, garch_beta=0.82,
    spread_quantiles=(1.0, 8.0, 10.0, 10.0, 12.0, 13.0, 14.0, 15.0, 16.0, 18.0, 20.0, 21.0, 23.0,
                      24.0, 26.0, 27.0, 28.0, 31.0, 36.0, 46.0, 73.0),
    spread_persistence=0.0, spread_vol_corr=0.291434,
    quote_rate=0.472743, quote_branching=0.5, quote_decay=141.823,
    **_FX_ASSUMED,
)

#: Not calibrated (no ETH sample): BTCUSDT's dynamics at an ETH price of 1200 USDT, with the
#: spread scaled to the same relative width and sizes to the same notional.
_ETH_SCALE = 1200.0 / BTCUSDT.initial_price
ETHUSDT = BTCUSDT.with_changes(
    name="ethusdt", initial_price=1200.0,
    spread_quantiles=tuple(max(1.0, round(q * _ETH_SCALE)) for q in BTCUSDT.spread_quantiles),
    trade_size_median=round(BTCUSDT.trade_size_median / _ETH_SCALE, 6),
    display_size_median=round(BTCUSDT.display_size_median / _ETH_SCALE, 6),
)

#: Built-in profiles by name.
PROFILES: dict[str, MarketProfile] = {p.name: p for p in (BTCUSDT, ETHUSDT, EURUSD, USDJPY)}


def get_profile(name: str) -> MarketProfile:
    """Return the built-in profile ``name``; an unknown name is a :class:`ConfigError`."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"unknown market profile {name!r}: expected one of {sorted(PROFILES)}"
        ) from None
