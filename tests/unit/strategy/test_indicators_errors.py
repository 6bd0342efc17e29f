"""Bad parameters and bad inputs: typed errors naming the problem, state left unchanged."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sapphire.core.errors import ConfigError, DataValidationError, SchemaError
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

SINGLE = [SMA, EMA, WMA, RSI, BollingerBands, RollingZScore, ATR]
VECTOR = [sma, ema, wma, rsi, bollinger, rolling_zscore]


@pytest.mark.parametrize("cls", SINGLE)
@pytest.mark.parametrize("period", [0, -3, 2.5, True, "14", None])
def test_bad_period_names_the_parameter(cls: Any, period: Any) -> None:
    with pytest.raises(ConfigError, match=r"period must be an integer >= 1, was"):
        cls(period)


@pytest.mark.parametrize("func", VECTOR)
def test_bad_period_vectorised(func: Any) -> None:
    with pytest.raises(ConfigError, match=r"period must be an integer >= 1, was 0"):
        func([1.0, 2.0], 0)


@pytest.mark.parametrize("k", [-0.5, math.nan, math.inf, "2"])
def test_bad_bollinger_k(k: Any) -> None:
    with pytest.raises(ConfigError, match=r"k must be a finite number >= 0"):
        BollingerBands(20, k)
    with pytest.raises(ConfigError, match=r"k must be a finite number >= 0"):
        bollinger([1.0], 20, k)


@pytest.mark.parametrize(("args", "name"), [
    ((0, 26, 9), "fast"), ((12, 0, 9), "slow"), ((12, 26, 0), "signal"),
    ((26, 26, 9), "fast must be shorter than slow"), ((30, 26, 9), "fast must be shorter"),
])
def test_bad_macd_parameters(args: tuple[int, int, int], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        MACD(*args)
    with pytest.raises(ConfigError, match=name):
        macd([1.0], *args)


@pytest.mark.parametrize(("session_ns", "offset_ns", "name"), [
    (0, 0, "session_ns"), (-5, 0, "session_ns"), (1.5, 0, "session_ns"), (10, 0.5, "offset_ns"),
])
def test_bad_vwap_parameters(session_ns: Any, offset_ns: Any, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        VWAP(session_ns, offset_ns)
    with pytest.raises(ConfigError, match=name):
        vwap([1.0], [1.0], np.array([0]), session_ns, offset_ns)


def _state(indicator: Any) -> tuple[Any, ...]:
    reads = ("value", "count", "initialized", "upper", "lower", "signal", "histogram")
    return tuple(repr(getattr(indicator, r)) for r in reads if hasattr(indicator, r))


@pytest.mark.parametrize("make", [lambda: SMA(3), lambda: EMA(3), lambda: WMA(3), lambda: RSI(2),
                                  lambda: MACD(2, 3, 2), lambda: BollingerBands(3),
                                  lambda: RollingZScore(3)])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_input_names_indicator_and_keeps_state(make: Any, bad: float) -> None:
    indicator = make()
    for x in (1.0, 3.0, 2.0, 5.0):
        indicator.update(x)
    before = _state(indicator)
    with pytest.raises(DataValidationError) as caught:
        indicator.update(bad)
    message = str(caught.value)
    assert message.startswith(f"{indicator.name}, row 5: input is not a finite number")
    assert repr(bad) in message
    assert _state(indicator) == before
    indicator.update(4.0)  # still usable, and unpoisoned
    assert not math.isnan(indicator.value)


def test_nan_first_input_is_rejected() -> None:
    indicator = EMA(5)
    with pytest.raises(DataValidationError, match=r"EMA\(5\), row 1"):
        indicator.update(math.nan)
    assert indicator.count == 0 and math.isnan(indicator.value)


@pytest.mark.parametrize("bar", [
    (math.nan, 1.0, 1.5), (2.0, math.nan, 1.5), (2.0, 1.0, math.nan),
    (math.inf, 1.0, 1.5), (2.0, -math.inf, 1.5),
    (1.0, 2.0, 1.5),  # high below low
    (2.0, 1.0, 2.5), (2.0, 1.0, 0.5),  # close outside the bar
])
def test_atr_bad_bar(bar: tuple[float, float, float]) -> None:
    indicator = ATR(2)
    indicator.update(3.0, 1.0, 2.0)
    with pytest.raises(DataValidationError, match=r"ATR\(2\), row 2: bar needs finite prices"):
        indicator.update(*bar)
    assert indicator.count == 1
    high, low, close = ([3.0, v] for v in bar)
    with pytest.raises(DataValidationError, match=r"atr, row 2: bar needs finite prices"):
        atr(high, low, close, 2)


@pytest.mark.parametrize("trade", [(math.nan, 1.0), (math.inf, 1.0), (10.0, -1.0),
                                   (10.0, math.nan), (10.0, math.inf)])
def test_vwap_bad_trade(trade: tuple[float, float]) -> None:
    indicator = VWAP()
    indicator.update(10.0, 2.0)
    with pytest.raises(DataValidationError, match=r"VWAP, row 2: needs a finite price and a"):
        indicator.update(*trade)
    assert (indicator.value, indicator.count, indicator.volume) == (10.0, 1, 2.0)
    with pytest.raises(DataValidationError, match=r"vwap, row 2: needs a finite price"):
        vwap([10.0, trade[0]], [2.0, trade[1]])


def test_vwap_sessions_need_time_going_forward() -> None:
    indicator = VWAP(session_ns=10)
    with pytest.raises(ConfigError, match=r"update\(\) needs ts_ns"):
        indicator.update(10.0, 1.0)
    indicator.update(10.0, 1.0, 25)
    with pytest.raises(DataValidationError, match=r"row 2: timestamp goes backwards from 25"):
        indicator.update(11.0, 1.0, 24)
    assert indicator.count == 1 and indicator.value == 10.0
    with pytest.raises(DataValidationError, match=r"vwap, row 2, column 'ts_ns': timestamp goes"):
        vwap([1.0, 1.0], [1.0, 1.0], np.array([25, 24]), session_ns=10)
    with pytest.raises(ConfigError, match=r"needs ts_ns"):
        vwap([1.0], [1.0], session_ns=10)


@pytest.mark.parametrize("func", VECTOR)
def test_vectorised_non_finite_names_row_and_column(func: Any) -> None:
    values = [1.0, 2.0, 3.0, math.nan, 5.0]
    with pytest.raises(DataValidationError,
                       match=rf"{func.__name__}, row 4, column 'values': value is not a finite"):
        func(values, 2)


def test_vectorised_wrong_shapes() -> None:
    with pytest.raises(SchemaError, match=r"sma: values must be 1-D, had shape \(2, 2\)"):
        sma(np.ones((2, 2)), 2)
    with pytest.raises(SchemaError, match=r"atr: inputs must have one length"):
        atr([2.0, 2.0], [1.0], [1.5], 2)
    with pytest.raises(SchemaError, match=r"vwap: inputs must have one length"):
        vwap([1.0, 2.0], [1.0])
    with pytest.raises(SchemaError, match=r"vwap: ts_ns must be a 1-D int64 array"):
        vwap([1.0], [1.0], np.array([1.5]), session_ns=10)
    with pytest.raises(SchemaError, match=r"vwap: inputs must have one length"):
        vwap([1.0], [1.0], np.array([1, 2]), session_ns=10)


def test_non_numeric_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        EMA(3).update("1.5")  # type: ignore[arg-type]
