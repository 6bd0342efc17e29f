"""Volatility indicators, updated one input at a time: Bollinger bands, rolling z-score, ATR.

Conventions (identical in :mod:`sapphire.strategy.indicators_nb`):

* Standard deviations are POPULATION standard deviations (``ddof = 0``: divide by
  ``period``), as in Bollinger's own definition.
* The window mean equals :class:`~sapphire.strategy.indicators.moving.SMA`'s value
  bit for bit (same shifted sums, same order of operations).
* The variance is ``(S2 - S1**2 / n) / n`` over values shifted by ``K``, a value of the
  window, recomputed exactly every ``n`` inputs; a negative result of rounding is
  clamped to 0, and a window of ``n`` equal inputs has variance exactly 0 (a run of
  equal inputs is counted, so rounding left over from earlier inputs cannot make it
  tiny but non-zero).
* Values are NaN until ``period`` inputs (bars, for ATR) have been seen.
"""

from __future__ import annotations

import math

from sapphire.strategy.indicators._base import Periodic, Window
from sapphire.strategy.indicators._checks import INF, bad_input, check_multiplier

_NAN = math.nan
_sqrt = math.sqrt


class _RollingMoments(Window):
    """Mean and population standard deviation of the last ``period`` inputs."""

    __slots__ = ("_last", "_mean", "_run", "_s2", "_std")

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._s2 = 0.0
        self._last = _NAN
        self._run = 0
        self._mean = self._std = _NAN

    def update(self, value: float) -> None:
        """Add one input (a price, in any unit)."""
        if value - value != 0.0:
            raise self._not_finite(value)
        if self._count == 0:
            value = self._seed(value)
        buf = self._buf
        n = self._period
        idx = self._idx
        old = buf[idx]
        buf[idx] = value
        idx += 1
        if idx == n:
            idx = 0
            shift = self._shift = buf[0]
            s1 = s2 = 0.0
            for x in buf:
                d = x - shift
                s1 += d
                s2 += d * d
        else:
            shift = self._shift
            d = value - shift
            d_old = old - shift
            s1 = self._s1 + (d - d_old)
            s2 = self._s2 + (d * d - d_old * d_old)
        self._s1 = s1
        self._s2 = s2
        self._idx = idx
        self._count = count = self._count + 1
        self._run = run = self._run + 1 if value == self._last else 1
        self._last = value
        if count >= n:
            self._mean = shift + s1 / n
            var = (s2 - s1 * s1 / n) / n
            self._std = _sqrt(var) if var > 0.0 and run < n else 0.0


class BollingerBands(_RollingMoments):
    """Bollinger bands: SMA(period) plus and minus ``k`` population standard deviations.

    Parameters
    ----------
    period
        Window length in inputs, ``>= 1`` (Bollinger: 20).
    k
        Band width in standard deviations, finite and ``>= 0`` (Bollinger: 2).

    Notes
    -----
    ``middle = mean``, ``upper = mean + k * std``, ``lower = mean - k * std`` with
    ``std`` the population standard deviation (ddof 0) of the window. ``value`` is the
    middle band. All are NaN until ``period`` inputs have been seen.
    """

    __slots__ = ("_k",)

    def __init__(self, period: int = 20, k: float = 2.0) -> None:
        super().__init__(period)
        self._k = check_multiplier("k", k)
        self.name = f"BollingerBands({self._period}, {self._k:g})"  # the base named it without k

    @property
    def k(self) -> float:
        """Band width in standard deviations."""
        return self._k

    @property
    def value(self) -> float:
        """The middle band (the SMA), NaN until initialized."""
        return self._mean

    @property
    def middle(self) -> float:
        """Mean of the window, NaN until initialized."""
        return self._mean

    @property
    def upper(self) -> float:
        """``middle + k * std``, NaN until initialized."""
        return self._mean + self._k * self._std

    @property
    def lower(self) -> float:
        """``middle - k * std``, NaN until initialized."""
        return self._mean - self._k * self._std

    @property
    def std(self) -> float:
        """Population standard deviation of the window (ddof 0), NaN until initialized."""
        return self._std


class RollingZScore(_RollingMoments):
    """Rolling z-score ``(x - mean) / std`` of the newest input against its window.

    Parameters
    ----------
    period
        Window length in inputs, ``>= 1``; the window includes the newest input.

    Notes
    -----
    ``std`` is the population standard deviation (ddof 0). When it is 0 (every input in
    the window is equal, or rounding clamped the variance to 0) the z-score is ``0.0``:
    the newest input is not away from the window. NaN until ``period`` inputs.
    """

    __slots__ = ()

    def __init__(self, period: int = 20) -> None:
        super().__init__(period)

    @property
    def value(self) -> float:
        """The z-score of the newest input (dimensionless), NaN until initialized."""
        std = self._std
        if std > 0.0:
            return (self._last - self._mean) / std
        return 0.0 if std == 0.0 else _NAN

    @property
    def mean(self) -> float:
        """Mean of the window, NaN until initialized."""
        return self._mean

    @property
    def std(self) -> float:
        """Population standard deviation of the window (ddof 0), NaN until initialized."""
        return self._std


class ATR(Periodic):
    """Average true range with Wilder's smoothing (Wilder 1978).

    Parameters
    ----------
    period
        Smoothing length in bars, ``>= 1`` (Wilder: 14).

    Notes
    -----
    True range of a bar: ``max(high, prev_close) - min(low, prev_close)``, and
    ``high - low`` for the first bar (there is no previous close). The first ATR, after
    ``period`` bars, is the simple mean of their true ranges; after that
    ``atr = (atr * (period - 1) + tr) / period`` (Wilder's smoothing, alpha ``1/period``).
    J. Welles Wilder Jr., *New Concepts in Technical Trading Systems*, Trend Research,
    1978. A bar must satisfy ``low <= close <= high`` with finite prices, else
    :class:`~sapphire.core.errors.DataValidationError`.
    """

    __slots__ = ("_prev_close", "_sum", "_value")

    def __init__(self, period: int = 14) -> None:
        super().__init__(period)

    def reset(self) -> None:
        """Forget every bar."""
        super().reset()
        self._prev_close = _NAN
        self._sum = 0.0
        self._value = _NAN

    @property
    def value(self) -> float:
        """The ATR (price unit), NaN until initialized."""
        return self._value

    def update(self, high: float, low: float, close: float) -> None:
        """Add one bar's high, low and close (prices, any one unit)."""
        if not (low <= close <= high and high - low < INF):
            raise bad_input(self.name, self._count + 1,
                            "bar needs finite prices with low <= close <= high",
                            (high, low, close))
        pc = self._prev_close
        if not self._count:  # the first bar has no previous close
            pc = close
        tr = (high if high > pc else pc) - (low if low < pc else pc)
        self._prev_close = close
        self._count = count = self._count + 1
        n = self._period
        if count > n:
            self._value = (self._value * (n - 1) + tr) / n
        else:
            self._sum += tr
            if count == n:
                self._value = self._sum / n
