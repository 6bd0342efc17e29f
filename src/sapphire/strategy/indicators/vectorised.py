"""Vectorised indicators: whole float64 arrays in, arrays out (numba kernels).

Each function gives, at index ``i``, exactly what the incremental class of the same
name reports after inputs ``0..i`` (NaN where it reports NaN), with the conventions
documented on those classes. The kernels live in
:mod:`sapphire.strategy.indicators_nb` and are imported on first use, so importing
this module does not load numba.

Inputs are 1-D and converted to float64; several inputs must have one length.
A non-finite input raises :class:`~sapphire.core.errors.DataValidationError` naming
the indicator, the row (1-based) and the column; a bad parameter raises
:class:`~sapphire.core.errors.ConfigError` naming it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sapphire.core.errors import ConfigError, DataValidationError, SchemaError
from sapphire.strategy.indicators._checks import check_multiplier, check_period, check_session

Array = NDArray[np.float64]


class MACDArrays(NamedTuple):
    """MACD line, signal line and histogram, one value per input."""

    macd: Array
    signal: Array
    histogram: Array


class BollingerArrays(NamedTuple):
    """Upper, middle and lower Bollinger bands, one value per input."""

    upper: Array
    middle: Array
    lower: Array


def _column(indicator: str, name: str, values: ArrayLike) -> Array:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise SchemaError(f"{indicator}: {name} must be 1-D, had shape {array.shape}")
    return array


def _same_length(indicator: str, **columns: Array) -> None:
    lengths = {name: len(array) for name, array in columns.items()}
    if len(set(lengths.values())) > 1:
        raise SchemaError(f"{indicator}: inputs must have one length, had {lengths}")


def _raise_bad(indicator: str, column: str, values: Array, bad: int, reason: str) -> None:
    if bad >= 0:
        raise DataValidationError(reason, source=indicator, row=bad + 1, column=column,
                                  value=float(values[bad]))


_NOT_FINITE = "value is not a finite number"


def _one_series(indicator: str, kernel: str, values: ArrayLike, *params: float) -> Array:
    """Run ``indicators_nb.<kernel>(x, *params, out)`` over ``values``; return ``out``.

    For the kernels that read one series and write one; ``params`` are already checked.
    """
    from sapphire.strategy import indicators_nb

    x = _column(indicator, "values", values)
    out = np.empty_like(x)
    bad = getattr(indicators_nb, kernel)(x, *params, out)
    _raise_bad(indicator, "values", x, bad, _NOT_FINITE)
    return out


def sma(values: ArrayLike, period: int = 20) -> Array:
    """Simple moving average over ``period`` inputs (NaN for the first ``period - 1``)."""
    return _one_series("sma", "sma_nb", values, check_period("period", period))


def ema(values: ArrayLike, period: int = 20) -> Array:
    """EMA with alpha ``2 / (period + 1)``, seeded with the first input, reported from it.

    ``initialized`` (of the incremental :class:`EMA`) corresponds to indices ``>= period - 1``.
    """
    return _one_series("ema", "ema_nb", values, 2.0 / (check_period("period", period) + 1))


def wma(values: ArrayLike, period: int = 20) -> Array:
    """Linearly weighted moving average (weights 1..period, newest heaviest)."""
    return _one_series("wma", "wma_nb", values, check_period("period", period))


def rsi(values: ArrayLike, period: int = 14) -> Array:
    """RSI in percent with Wilder's smoothing (NaN for the first ``period`` inputs)."""
    return _one_series("rsi", "rsi_nb", values, check_period("period", period))


def macd(values: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MACDArrays:
    """MACD line, signal and histogram from EMAs seeded with the first input."""
    from sapphire.strategy.indicators_nb import macd_nb

    f = check_period("fast", fast)
    s = check_period("slow", slow)
    g = check_period("signal", signal)
    if f >= s:
        raise ConfigError(f"fast must be shorter than slow ({slow!r}), was {fast!r}")
    x = _column("macd", "values", values)
    out = MACDArrays(np.empty_like(x), np.empty_like(x), np.empty_like(x))
    bad = macd_nb(x, 2.0 / (f + 1), 2.0 / (s + 1), 2.0 / (g + 1), *out)
    _raise_bad("macd", "values", x, bad, _NOT_FINITE)
    return out


def bollinger(values: ArrayLike, period: int = 20, k: float = 2.0) -> BollingerArrays:
    """Bollinger bands: SMA plus and minus ``k`` population (ddof 0) standard deviations."""
    from sapphire.strategy.indicators_nb import bollinger_nb

    n = check_period("period", period)
    width = check_multiplier("k", k)
    x = _column("bollinger", "values", values)
    out = BollingerArrays(np.empty_like(x), np.empty_like(x), np.empty_like(x))
    _raise_bad("bollinger", "values", x, bollinger_nb(x, n, width, *out), _NOT_FINITE)
    return out


def rolling_zscore(values: ArrayLike, period: int = 20) -> Array:
    """Z-score of each input against its window (ddof 0); 0.0 where the std is 0."""
    return _one_series("rolling_zscore", "zscore_nb", values, check_period("period", period))


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, period: int = 14) -> Array:
    """Average true range with Wilder's smoothing (NaN for the first ``period - 1`` bars)."""
    from sapphire.strategy.indicators_nb import atr_nb

    n = check_period("period", period)
    h = _column("atr", "high", high)
    lo = _column("atr", "low", low)
    c = _column("atr", "close", close)
    _same_length("atr", high=h, low=lo, close=c)
    out = np.empty_like(h)
    bad = atr_nb(h, lo, c, n, out)
    if bad >= 0:
        raise DataValidationError("bar needs finite prices with low <= close <= high",
                                  source="atr", row=bad + 1,
                                  value=(float(h[bad]), float(lo[bad]), float(c[bad])))
    return out


def vwap(price: ArrayLike, volume: ArrayLike, ts_ns: ArrayLike | None = None,
         session_ns: int | None = None, offset_ns: int = 0) -> Array:
    """Volume-weighted average price per session (see the incremental :class:`VWAP`).

    ``ts_ns`` (int64 ns UTC, non-decreasing) is needed when ``session_ns`` is given.
    """
    from sapphire.strategy.indicators_nb import vwap_nb

    check_session(session_ns, offset_ns)
    p = _column("vwap", "price", price)
    v = _column("vwap", "volume", volume)
    _same_length("vwap", price=p, volume=v)
    if session_ns is None:
        ts = np.zeros(0, dtype=np.int64)
    elif ts_ns is None:
        raise ConfigError("vwap with session_ns needs ts_ns (int64 ns UTC)")
    else:
        ts = np.ascontiguousarray(ts_ns)
        if ts.dtype != np.int64 or ts.ndim != 1:
            raise SchemaError(f"vwap: ts_ns must be a 1-D int64 array, had {ts.dtype} {ts.shape}")
        if len(ts) != len(p):
            raise SchemaError(f"vwap: inputs must have one length, had price={len(p)}, "
                              f"ts_ns={len(ts)}")
    out = np.empty_like(p)
    bad, why = vwap_nb(p, v, ts, session_ns or 0, offset_ns, out)
    if bad >= 0 and why == 1:
        raise DataValidationError(f"timestamp goes backwards from {int(ts[bad - 1])}",
                                  source="vwap", row=bad + 1, column="ts_ns",
                                  value=int(ts[bad]))
    if bad >= 0:
        raise DataValidationError("needs a finite price and a finite volume >= 0", source="vwap",
                                  row=bad + 1, value=(float(p[bad]), float(v[bad])))
    return out
