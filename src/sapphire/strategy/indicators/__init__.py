"""Technical indicators, incremental (for strategies) and vectorised (numba).

Incremental classes take one input per ``update()`` and expose ``value`` (NaN until
reported), ``initialized``, ``count`` and ``reset()``:

=========================  ==========================  ====================================
class                      update(...)                 reports
=========================  ==========================  ====================================
:class:`SMA`               ``value``                   mean of the last ``period`` inputs
:class:`EMA`               ``value``                   alpha ``2/(period+1)``, from input 1
:class:`WMA`               ``value``                   weights ``1..period``, newest heaviest
:class:`RSI`               ``value``                   Wilder RSI in percent
:class:`MACD`              ``value``                   ``macd``, ``signal``, ``histogram``
:class:`BollingerBands`    ``value``                   ``upper``, ``middle``, ``lower``
:class:`ATR`               ``high, low, close``        Wilder average true range
:class:`VWAP`              ``price, volume[, ts_ns]``  session VWAP
:class:`RollingZScore`     ``value``                   ``(x - mean) / std``
=========================  ==========================  ====================================

Standard deviations are population ones (ddof 0); a z-score over a window with std 0
is 0.0. Bad parameters raise :class:`~sapphire.core.errors.ConfigError` naming the
parameter; a NaN or infinite input raises
:class:`~sapphire.core.errors.DataValidationError` naming the indicator and leaves its
state unchanged.

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
