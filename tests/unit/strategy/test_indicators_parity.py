"""Parity: incremental classes == vectorised kernels on random series (hypothesis).

Both forms are written to perform the same floating-point operations in the same
order; the comparison allows 1e-9 relative as agreed, and NaN exactly where NaN.
A second group checks the kernels against plain definitions written here (numpy /
statistics, no shifted sums) on price-like series.
"""

from __future__ import annotations

import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sapphire.strategy.indicators import (
    ATR,
    EMA,
    MACD,
    RSI,
    SMA,
    VWAP,
    WMA,
    BollingerBands,
    RollingZScore,
    atr,
    bollinger,
    ema,
    macd,
    rolling_zscore,
    rsi,
    sma,
    vwap,
    wma,
)
from tests.unit.strategy._runners import run, same

REL = 1e-9
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def series(draw: st.DrawFn) -> list[float]:
    """Random floats, or a random walk on a price level with repeats (runs of equal inputs)."""
    if draw(st.booleans()):
        return draw(st.lists(finite, max_size=60))
    level = draw(st.sampled_from([1.1, 100.0, 65_000.0]))
    steps = draw(st.lists(st.sampled_from([-2, -1, 0, 0, 0, 1, 3]), max_size=80))
    tick = level * 1e-4
    return [level + tick * s for s in np.cumsum(steps).tolist()]


periods = st.integers(min_value=1, max_value=12)
PARITY = settings(max_examples=150, deadline=None)


@PARITY
@given(series(), periods)
def test_single_input_indicators(xs: list[float], n: int) -> None:
    same(run(SMA(n), xs), sma(xs, n), REL)
    same(run(EMA(n), xs), ema(xs, n), REL)
    same(run(WMA(n), xs), wma(xs, n), REL)
    same(run(RSI(n), xs), rsi(xs, n), REL)
    same(run(RollingZScore(n), xs), rolling_zscore(xs, n), REL)


@PARITY
@given(series(), periods, st.floats(min_value=0.0, max_value=4.0))
def test_bollinger(xs: list[float], n: int, k: float) -> None:
    bands = bollinger(xs, n, k)
    same(run(BollingerBands(n, k), xs, lambda b: b.upper), bands.upper, REL)
    same(run(BollingerBands(n, k), xs, lambda b: b.lower), bands.lower, REL)
    middle = run(BollingerBands(n, k), xs)
    same(middle, bands.middle, REL)
    # the middle band is the SMA, bit for bit
    assert np.array_equal(middle, run(SMA(n), xs), equal_nan=True)


@PARITY
@given(series(), st.integers(1, 6), st.integers(1, 10), periods)
def test_macd(xs: list[float], fast: int, extra: int, signal: int) -> None:
    slow = fast + extra
    lines = macd(xs, fast, slow, signal)
    same(run(MACD(fast, slow, signal), xs, lambda m: m.macd), lines.macd, REL)
    same(run(MACD(fast, slow, signal), xs, lambda m: m.signal), lines.signal, REL)
    same(run(MACD(fast, slow, signal), xs, lambda m: m.histogram), lines.histogram, REL)


@PARITY
@given(series(), st.integers(0, 2**32 - 1), periods)
def test_atr(closes: list[float], seed: int, n: int) -> None:
    # bars around each close: high = close + up, low = close - down (up, down >= 0)
    up, down = np.random.default_rng(seed).exponential(5.0, (2, len(closes))).tolist()
    bars = [(c + u, c - d, c) for c, u, d in zip(closes, up, down, strict=True)]
    high, low, close = (np.array([bar[i] for bar in bars]) for i in range(3))
    same(run(ATR(n), bars), atr(high, low, close, n), REL)


@PARITY
@given(st.lists(st.tuples(finite, st.floats(0, 1e6), st.integers(0, 40)), max_size=60),
       st.none() | st.integers(1, 30), st.integers(-50, 50))
def test_vwap(rows: list[tuple[float, float, int]], session_ns: int | None, offset: int) -> None:
    rows = sorted(rows, key=lambda r: r[2])
    price = np.array([r[0] for r in rows])
    volume = np.array([r[1] for r in rows])
    ts = np.array([r[2] for r in rows], dtype=np.int64)
    expected = vwap(price, volume, ts_ns=ts, session_ns=session_ns, offset_ns=offset)
    same(run(VWAP(session_ns, offset), rows), expected, REL)


# --- kernels against plain definitions ------------------------------------------------

# steps of 0 or at least 0.01: a window's std is either exactly 0 or far above rounding
steps = st.just(0.0) | st.floats(0.01, 5.0) | st.floats(-5.0, -0.01)
walks = st.lists(steps, min_size=1, max_size=120).map(
    lambda steps: (1000.0 + np.cumsum(steps)).tolist())
REFERENCE = settings(max_examples=60, deadline=None)


def windows(xs: list[float], n: int) -> list[list[float] | None]:
    return [xs[i + 1 - n:i + 1] if i + 1 >= n else None for i in range(len(xs))]


@REFERENCE
@given(walks, periods)
def test_moving_averages_match_definitions(xs: list[float], n: int) -> None:
    mean = [np.nan if w is None else sum(w) / n for w in windows(xs, n)]
    weights = np.arange(1, n + 1)
    weighted = [np.nan if w is None else float(np.dot(weights, w)) / weights.sum()
                for w in windows(xs, n)]
    np.testing.assert_allclose(sma(xs, n), mean, rtol=1e-12)
    np.testing.assert_allclose(wma(xs, n), weighted, rtol=1e-12)
    alpha, e, running = 2.0 / (n + 1), xs[0], []
    for x in xs:
        e = alpha * x + (1 - alpha) * e
        running.append(e)
    np.testing.assert_allclose(ema(xs, n), running, rtol=1e-12)


@REFERENCE
@given(walks, periods)
def test_dispersion_matches_statistics_pstdev(xs: list[float], n: int) -> None:
    stds = [np.nan if w is None else statistics.pstdev(w) for w in windows(xs, n)]
    bands = bollinger(xs, n, 2.0)
    np.testing.assert_allclose(bands.upper - bands.middle, 2.0 * np.array(stds), rtol=1e-6,
                               atol=1e-9)
    z = [np.nan if w is None else (w[-1] - statistics.fmean(w)) / s if s > 0 else 0.0
         for w, s in zip(windows(xs, n), stds, strict=True)]
    np.testing.assert_allclose(rolling_zscore(xs, n), z, rtol=1e-6, atol=1e-6)


@REFERENCE
@given(walks, periods)
def test_rsi_matches_wilder_definition(xs: list[float], n: int) -> None:
    changes = np.diff(xs)
    gains, losses = np.maximum(changes, 0.0), np.maximum(-changes, 0.0)
    expected = [np.nan] * len(xs)
    if len(changes) >= n:
        avg_gain, avg_loss = gains[:n].mean(), losses[:n].mean()
        for i in range(n, len(xs)):
            if i > n:
                avg_gain = (avg_gain * (n - 1) + gains[i - 1]) / n
                avg_loss = (avg_loss * (n - 1) + losses[i - 1]) / n
            expected[i] = (50.0 if avg_gain + avg_loss == 0
                           else 100.0 - 100.0 / (1.0 + avg_gain / avg_loss) if avg_loss
                           else 100.0)
    np.testing.assert_allclose(rsi(xs, n), expected, rtol=1e-9, atol=1e-9)
