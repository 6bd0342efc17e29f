"""Hand-worked values for every indicator, in both forms (incremental and vectorised).

The arithmetic is written next to each expected value. Values that are exact in binary
floating point are compared exactly; others (thirds, ninths) to 1e-12 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

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

NAN = math.nan
REL = 1e-12


def test_sma_mean_of_last_period_inputs() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 10.0]
    # (1+2+3)/3 = 2, (2+3+4)/3 = 3, (3+4+10)/3 = 17/3
    expected = [NAN, NAN, 2.0, 3.0, 17 / 3]
    same(run(SMA(3), xs), expected, REL)
    same(sma(xs, 3), expected, REL)


def test_sma_period_one_is_the_input() -> None:
    same(run(SMA(1), [5.0, -2.5, 7.0]), [5.0, -2.5, 7.0])


def test_ema_reports_from_first_input_and_initializes_after_period() -> None:
    xs = [2.0, 4.0, 8.0, 4.0]
    # alpha = 2/(3+1) = 0.5; e1 = 2; e2 = 2 + .5*(4-2) = 3; e3 = 3 + .5*(8-3) = 5.5;
    # e4 = 5.5 + .5*(4-5.5) = 4.75
    expected = [2.0, 3.0, 5.5, 4.75]
    indicator = EMA(3)
    assert indicator.alpha == 0.5
    assert math.isnan(indicator.value)
    same(run(indicator, xs), expected)
    same(ema(xs, 3), expected)
    flags = []
    indicator.reset()
    for x in xs:
        indicator.update(x)
        flags.append(indicator.initialized)
    assert flags == [False, False, True, True]
    assert indicator.count == 4


def test_wma_weights_newest_heaviest() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 10.0]
    # weights 1, 2, 3 over 1+2+3 = 6: (1*1+2*2+3*3)/6 = 14/6; (1*2+2*3+3*4)/6 = 20/6;
    # (1*3+2*4+3*10)/6 = 41/6
    expected = [NAN, NAN, 14 / 6, 20 / 6, 41 / 6]
    same(run(WMA(3), xs), expected, REL)
    same(wma(xs, 3), expected, REL)


def test_wma_over_many_windows_matches_definition() -> None:
    # seven inputs through WMA(2) wrap the ring buffer three times: each value is
    # (x[i-1] + 2 x[i]) / 3
    xs = [3.0, 6.0, 0.0, 9.0, 3.0, 3.0, 12.0]
    expected = [NAN] + [(xs[i - 1] + 2 * xs[i]) / 3 for i in range(1, 7)]
    assert expected[1:4] == [5.0, 2.0, 6.0]
    same(run(WMA(2), xs), expected, REL)


def test_rsi_wilder() -> None:
    xs = [10.0, 11.0, 10.0, 12.0, 13.0, 11.0]
    # changes +1, -1, +2, +1, -2. First averages (period 3) over the first three changes:
    # gain (1+0+2)/3 = 1, loss (0+1+0)/3 = 1/3: RSI = 100 * 1 / (1 + 1/3) = 75.
    # +1: gain (1*2+1)/3 = 1, loss (1/3*2+0)/3 = 2/9: RSI = 100 / (1 + 2/9) = 900/11.
    # -2: gain (1*2+0)/3 = 2/3, loss (2/9*2+2)/3 = 22/27: RSI = 100*(18/27)/(40/27) = 45.
    expected = [NAN, NAN, NAN, 75.0, 900 / 11, 45.0]
    indicator = RSI(3)
    same(run(indicator, xs), expected, REL)
    same(rsi(xs, 3), expected, REL)
    assert indicator.initialized and indicator.count == 6


@pytest.mark.parametrize(("xs", "expected"), [
    ([5.0, 6.0, 7.0], 100.0),  # no losses: RS infinite, RSI 100
    ([7.0, 6.0, 5.0], 0.0),  # no gains
    ([5.0, 5.0, 5.0], 50.0),  # neither: the documented neutral 50
])
def test_rsi_edges(xs: list[float], expected: float) -> None:
    assert run(RSI(2), xs)[-1] == expected
    assert rsi(xs, 2)[-1] == expected


def test_macd_lines() -> None:
    xs = [2.0, 4.0, 8.0, 4.0, 4.0]
    # fast 1 (alpha 1: the input itself); slow 3 (alpha .5): 2, 3, 5.5, 4.75, 4.375
    # macd = fast - slow: 0, 1, 2.5, -0.75, -0.375
    # signal 3 (alpha .5) seeded with macd 0: 0, .5, 1.5, .375, 0
    # histogram = macd - signal: 0, .5, 1, -1.125, -.375
    indicator = MACD(1, 3, 3)
    lines = [indicator.macd, indicator.signal, indicator.histogram]
    assert all(math.isnan(v) for v in lines)
    macd_line, signal, hist = [], [], []
    for x in xs:
        indicator.update(x)
        macd_line.append(indicator.macd)
        signal.append(indicator.signal)
        hist.append(indicator.histogram)
        assert indicator.value == indicator.macd
        assert indicator.initialized is (indicator.count >= 3 + 3 - 1)
    expected = ([0.0, 1.0, 2.5, -0.75, -0.375], [0.0, 0.5, 1.5, 0.375, 0.0],
                [0.0, 0.5, 1.0, -1.125, -0.375])
    for got, want in zip((macd_line, signal, hist), expected, strict=True):
        same(np.array(got), want)
    for got_arr, want in zip(macd(xs, 1, 3, 3), expected, strict=True):
        same(got_arr, want)


def test_bollinger_population_std() -> None:
    xs = [1.0, 3.0, 3.0, 7.0]
    # period 2, k 2. [1,3]: mean 2, var ((1-2)^2+(3-2)^2)/2 = 1 (ddof 0), bands 4 / 0.
    # [3,3]: std 0, bands collapse to 3. [3,7]: mean 5, var (4+4)/2 = 4, std 2: 9 / 1.
    upper = [NAN, 4.0, 3.0, 9.0]
    middle = [NAN, 2.0, 3.0, 5.0]
    lower = [NAN, 0.0, 3.0, 1.0]
    for read, want in ((lambda b: b.upper, upper), (lambda b: b.middle, middle),
                       (lambda b: b.lower, lower), (lambda b: b.value, middle)):
        same(run(BollingerBands(2, 2.0), xs, read), want)
    bands = bollinger(xs, 2, 2.0)
    same(bands.upper, upper)
    same(bands.middle, middle)
    same(bands.lower, lower)


def test_bollinger_textbook_window() -> None:
    xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    # mean 40/8 = 5; squared deviations 9,1,1,1,0,0,4,16 sum 32; var 32/8 = 4, std 2.
    # k = 1.5: upper 5 + 3 = 8, lower 5 - 3 = 2.
    indicator = BollingerBands(8, 1.5)
    run(indicator, xs)
    assert (indicator.upper, indicator.middle, indicator.lower, indicator.std) == (8, 5, 2, 2)
    bands = bollinger(xs, 8, 1.5)
    assert (bands.upper[-1], bands.middle[-1], bands.lower[-1]) == (8.0, 5.0, 2.0)


def test_rolling_zscore() -> None:
    xs = [1.0, 3.0, 3.0, 7.0, 1.0]
    # period 2: [1,3] mean 2 std 1: (3-2)/1 = 1; [3,3] std 0: 0 (documented);
    # [3,7] mean 5 std 2: (7-5)/2 = 1; [7,1] mean 4 std 3: (1-4)/3 = -1
    expected = [NAN, 1.0, 0.0, 1.0, -1.0]
    same(run(RollingZScore(2), xs), expected)
    same(rolling_zscore(xs, 2), expected)


def test_rolling_zscore_textbook_window() -> None:
    # window of test_bollinger_textbook_window: mean 5, std 2; newest 9: (9-5)/2 = 2
    xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    indicator = RollingZScore(8)
    run(indicator, xs)
    assert (indicator.value, indicator.mean, indicator.std) == (2.0, 5.0, 2.0)


def test_atr_wilder_with_gaps() -> None:
    bars = [(10.0, 8.0, 9.0), (11.0, 9.0, 10.0), (12.0, 9.0, 11.0), (15.0, 14.0, 14.5),
            (12.0, 10.0, 11.0)]
    # TR1 = 10-8 = 2 (no previous close); TR2 = max(11,9)-min(9,9) = 2;
    # TR3 = max(12,10)-min(9,10) = 3; ATR3 = (2+2+3)/3 = 7/3.
    # gap up: TR4 = max(15,11)-min(14,11) = 4; ATR4 = (7/3*2+4)/3 = 26/9.
    # gap down: TR5 = max(12,14.5)-min(10,14.5) = 4.5; ATR5 = (26/9*2+4.5)/3 = 92.5/27.
    expected = [NAN, NAN, 7 / 3, 26 / 9, 92.5 / 27]
    same(run(ATR(3), bars), expected, REL)
    high, low, close = (np.array(c) for c in zip(*bars, strict=True))
    same(atr(high, low, close, 3), expected, REL)


def test_vwap_cumulative() -> None:
    trades = [(10.0, 0.0), (10.0, 1.0), (12.0, 3.0), (11.0, 0.0)]
    # no volume yet: NaN; 10*1/1 = 10; (10 + 36)/4 = 11.5; zero volume changes nothing
    expected = [NAN, 10.0, 11.5, 11.5]
    indicator = VWAP()
    same(run(indicator, trades), expected)
    same(vwap(*(np.array(c) for c in zip(*trades, strict=True))), expected)
    assert indicator.initialized and indicator.volume == 4.0 and indicator.count == 4


def test_vwap_sessions_with_offset() -> None:
    # sessions of 10 ns starting at 3 ns past each multiple of 10: [3, 13), [13, 23), ...
    trades = [(10.0, 1.0, 3), (20.0, 1.0, 12), (30.0, 2.0, 13), (40.0, 2.0, 13), (5.0, 1.0, 40)]
    # session 0: 10; (10+20)/2 = 15. session 1 starts at ts 13: 30; (60+80)/4 = 35.
    # ts 40 is in session 3: 5.
    expected = [10.0, 15.0, 30.0, 35.0, 5.0]
    same(run(VWAP(session_ns=10, offset_ns=3), trades), expected)
    price, volume, ts = (np.array(c) for c in zip(*trades, strict=True))
    same(vwap(price, volume, ts_ns=ts.astype(np.int64), session_ns=10, offset_ns=3), expected)


def test_reset_forgets_everything() -> None:
    for indicator in (SMA(2), EMA(2), WMA(2), RSI(2), MACD(1, 2, 2), BollingerBands(2),
                      RollingZScore(2)):
        first = run(indicator, [1.0, 4.0, 2.0, 8.0])
        indicator.reset()
        assert indicator.count == 0 and not indicator.initialized
        assert math.isnan(indicator.value)
        same(run(indicator, [1.0, 4.0, 2.0, 8.0]), first)
    bars = ATR(2)
    run(bars, [(2.0, 1.0, 1.5), (3.0, 2.0, 2.5)])
    bars.reset()
    assert bars.count == 0 and math.isnan(bars.value)


def test_empty_arrays_give_empty_results() -> None:
    empty = np.array([])
    for result in (sma(empty), ema(empty), wma(empty), rsi(empty), rolling_zscore(empty),
                   *macd(empty), *bollinger(empty), atr(empty, empty, empty), vwap(empty, empty)):
        assert result.shape == (0,)
