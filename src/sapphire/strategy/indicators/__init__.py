"""Technical indicators, incremental (for strategies) and vectorised (numba).

Incremental classes take one input per ``update()`` and expose ``value`` (NaN until
reported), ``initialized``, ``count`` and ``reset()``:

====================  ==============================  =====================================
class                 update(...)                     reports
====================  ==============================  =====================================
:class:`SMA`          ``value``                       mean of the last ``period`` inputs
:class:`EMA`          ``value``                       EMA, alpha ``2/(period+1)``, from input 1
:class:`WMA`          ``value``                       weights ``1..period``, newest heaviest
:class:`RSI`          ``value``                       Wilder RSI in percent
:class:`MACD`         ``value``                       ``macd``, ``signal``, ``histogram``
:class:`BollingerBands` ``value``                     ``upper``, ``middle``, ``lower`` (ddof 0)
:class:`ATR`          ``high, low, close``            Wilder average true range
:class:`VWAP`         ``price, volume[, ts_ns]``      session VWAP
:class:`RollingZScore` ``value``                      ``(x - mean) / std`` (ddof 0)
====================  ==============================  =====================================

The functions :func:`sma`, :func:`ema`, :func:`wma`, :func:`rsi`, :func:`macd`,
:func:`bollinger`, :func:`atr`, :func:`vwap` and :func:`rolling_zscore` compute the same
values over whole arrays, index ``i`` equal to the class after inputs ``0..i``.
"""

from sapphire.strategy.indicators.moving import EMA, SMA, WMA
from sapphire.strategy.indicators.oscillators import MACD, RSI
from sapphire.strategy.indicators.vectorised import (
    BollingerArrays,
    MACDArrays,
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
from sapphire.strategy.indicators.volatility import ATR, BollingerBands, RollingZScore
from sapphire.strategy.indicators.volume import VWAP

__all__ = [
    "ATR", "EMA", "MACD", "RSI", "SMA", "VWAP", "WMA", "BollingerArrays", "BollingerBands",
    "MACDArrays", "RollingZScore", "atr", "bollinger", "ema", "macd", "rolling_zscore", "rsi",
    "sma", "vwap", "wma",
]
