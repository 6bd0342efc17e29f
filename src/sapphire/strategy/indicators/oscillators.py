"""Oscillators, updated one input at a time: RSI and MACD.

Conventions (identical in :mod:`sapphire.strategy.indicators_nb`): ``count`` is the
number of inputs accepted since construction or :meth:`reset`; a NaN or infinite input
raises :class:`~sapphire.core.errors.DataValidationError` naming the indicator, and
leaves the state unchanged.
"""

from __future__ import annotations

import math

from sapphire.core.errors import ConfigError
from sapphire.strategy.indicators._base import Counted, Periodic
from sapphire.strategy.indicators._checks import check_period

_NAN = math.nan


class RSI(Periodic):
    """Relative strength index with Wilder's smoothing (Wilder 1978).

    Parameters
    ----------
    period
        Smoothing length in price changes, ``>= 1`` (Wilder: 14).

    Notes
    -----
    Each input after the first gives a change ``d``: gain ``max(d, 0)``, loss
    ``max(-d, 0)``. The first average gain and loss are the simple means of the first
    ``period`` changes (so the RSI needs ``period + 1`` inputs); after that
    ``avg = (avg * (period - 1) + new) / period`` (alpha ``1/period``).
    ``RSI = 100 * avg_gain / (avg_gain + avg_loss)``, which equals Wilder's
    ``100 - 100 / (1 + RS)`` with ``RS = avg_gain / avg_loss`` and gives 100 when
    there are no losses; when there is neither gain nor loss it is 50.
    J. Welles Wilder Jr., *New Concepts in Technical Trading Systems*, Trend Research,
    1978.
    """

    __slots__ = ("_avg_gain", "_avg_loss", "_prev")

    def __init__(self, period: int = 14) -> None:
        super().__init__(period)

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._prev = _NAN
        self._avg_gain = 0.0
        self._avg_loss = 0.0

    @property
    def initialized(self) -> bool:
        """True once ``period + 1`` inputs (``period`` changes) have been seen."""
        return self._count > self._period

    @property
    def value(self) -> float:
        """The RSI in percent (0 to 100), NaN until initialized."""
        if self._count <= self._period:
            return _NAN
        total = self._avg_gain + self._avg_loss
        return 100.0 * self._avg_gain / total if total > 0.0 else 50.0

    def update(self, value: float) -> None:
        """Add one input (a price, in any unit)."""
        if value - value != 0.0:
            raise self._not_finite(value)
        count = self._count
        self._count = count + 1
        if count == 0:
            self._prev = value
            return
        change = value - self._prev
        self._prev = value
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        n = self._period
        if count > n:
            self._avg_gain = (self._avg_gain * (n - 1) + gain) / n
            self._avg_loss = (self._avg_loss * (n - 1) + loss) / n
        else:  # during warm-up the averages hold sums of the first changes
            self._avg_gain += gain
            self._avg_loss += loss
            if count == n:
                self._avg_gain /= n
                self._avg_loss /= n


class MACD(Counted):
    """Moving average convergence/divergence (Appel): EMA(fast) - EMA(slow), and its signal.

    Parameters
    ----------
    fast, slow
        EMA spans in inputs, ``1 <= fast < slow`` (Appel: 12 and 26).
    signal
        Span of the EMA of the MACD line, ``>= 1`` (Appel: 9).

    Notes
    -----
    Every EMA follows :class:`~sapphire.strategy.indicators.moving.EMA`: alpha
    ``2 / (span + 1)``, seeded with its first input. ``macd = ema_fast - ema_slow``,
    ``signal = EMA(signal)`` of ``macd`` (seeded with the first ``macd``, 0), and
    ``histogram = macd - signal``. Like the EMA, all three are reported from the first
    input; ``initialized`` turns true after ``slow + signal - 1`` inputs, when the signal
    EMA has seen ``signal`` MACD values from an initialized slow EMA. This matches
    pandas ``ewm(span, adjust=False)`` used line by line. ``value`` is the MACD line.
    """

    __slots__ = ("_a_fast", "_a_signal", "_a_slow", "_fast", "_fast_ema", "_macd", "_signal",
                 "_signal_ema", "_slow", "_slow_ema", "_warmup")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self._fast = check_period("fast", fast)
        self._slow = check_period("slow", slow)
        self._signal = check_period("signal", signal)
        if self._fast >= self._slow:
            raise ConfigError(f"fast must be shorter than slow ({slow!r}), was {fast!r}")
        self._a_fast = 2.0 / (self._fast + 1)
        self._a_slow = 2.0 / (self._slow + 1)
        self._a_signal = 2.0 / (self._signal + 1)
        self._warmup = self._slow + self._signal - 1
        self.name = f"MACD({self._fast}, {self._slow}, {self._signal})"
        self.reset()

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._fast_ema = self._slow_ema = self._macd = self._signal_ema = _NAN

    @property
    def initialized(self) -> bool:
        """True once ``slow + signal - 1`` inputs have been seen."""
        return self._count >= self._warmup

    @property
    def value(self) -> float:
        """The MACD line (price unit), NaN before the first input."""
        return self._macd

    @property
    def macd(self) -> float:
        """EMA(fast) - EMA(slow) (price unit), NaN before the first input."""
        return self._macd

    @property
    def signal(self) -> float:
        """EMA(signal) of the MACD line, NaN before the first input."""
        return self._signal_ema

    @property
    def histogram(self) -> float:
        """``macd - signal``, NaN before the first input."""
        return self._macd - self._signal_ema

    def update(self, value: float) -> None:
        """Add one input (a price, in any unit)."""
        if value - value != 0.0:
            raise self._not_finite(value)
        if self._count:
            fast = self._fast_ema = self._fast_ema + self._a_fast * (value - self._fast_ema)
            slow = self._slow_ema = self._slow_ema + self._a_slow * (value - self._slow_ema)
            macd = self._macd = fast - slow
            self._signal_ema += self._a_signal * (macd - self._signal_ema)
        else:
            self._fast_ema = self._slow_ema = float(value)
            self._macd = self._signal_ema = 0.0
        self._count += 1
