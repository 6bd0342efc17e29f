"""Moving averages, updated one input at a time: SMA, EMA and WMA.

Conventions (identical in the vectorised kernels of
:mod:`sapphire.strategy.indicators_nb`, which a parity test checks):

* ``count`` is the number of inputs accepted since construction or :meth:`reset`.
* ``initialized`` becomes true after ``period`` inputs.
* SMA and WMA report ``value`` as NaN until initialized. EMA reports its running value
  from the first input on (seeded with that input), and is ``initialized`` after
  ``period`` inputs, once the seed's weight has decayed to ``(1 - alpha) ** period``.
* An input that is NaN or infinite raises
  :class:`~sapphire.core.errors.DataValidationError` naming the indicator and the
  input's number, and leaves the state unchanged.

Windowed sums are kept relative to a shift ``K`` (a value of the window) and recomputed
exactly, oldest first, each time the ring buffer wraps (every ``period`` inputs), so
rounding error cannot build up over a long series and large price levels do not
swamp small changes.
"""

from __future__ import annotations

import math

from sapphire.strategy.indicators._base import Periodic, Window

_NAN = math.nan


class SMA(Window):
    """Simple moving average: the mean of the last ``period`` inputs.

    Parameters
    ----------
    period
        Window length in inputs (bars or ticks), ``>= 1``.

    Notes
    -----
    ``value`` is ``K + S / period`` where ``S`` is the sum of ``x - K`` over the window
    (see the module notes); it is NaN until ``period`` inputs have been seen.
    """

    __slots__ = ()

    def __init__(self, period: int = 20) -> None:
        super().__init__(period)

    @property
    def value(self) -> float:
        """Mean of the last ``period`` inputs, NaN before that many (same unit as the input)."""
        if self._count < self._period:
            return _NAN
        return self._shift + self._s1 / self._period

    def update(self, value: float) -> None:
        """Add one input (a price, in any unit)."""
        if value - value != 0.0:
            raise self._not_finite(value)
        if self._count == 0:
            value = self._seed(value)
        buf = self._buf
        idx = self._idx
        old = buf[idx]
        buf[idx] = value
        idx += 1
        if idx == self._period:
            idx = 0
            shift = self._shift = buf[0]
            s1 = 0.0
            for x in buf:
                s1 += x - shift
            self._s1 = s1
        else:
            shift = self._shift
            self._s1 += (value - shift) - (old - shift)
        self._idx = idx
        self._count += 1


class EMA(Periodic):
    """Exponential moving average with ``alpha = 2 / (period + 1)``.

    Parameters
    ----------
    period
        Span in inputs, ``>= 1``.

    Notes
    -----
    ``e_1 = x_1`` and ``e_t = e_{t-1} + alpha * (x_t - e_{t-1})``. ``value`` is that
    running value from the first input on; ``initialized`` turns true after ``period``
    inputs. This matches ``pandas.Series.ewm(span=period, adjust=False).mean()``.
    """

    __slots__ = ("_alpha", "_value")

    def __init__(self, period: int = 20) -> None:
        super().__init__(period)
        self._alpha = 2.0 / (self._period + 1)

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._value = _NAN

    @property
    def alpha(self) -> float:
        """Smoothing factor ``2 / (period + 1)``."""
        return self._alpha

    @property
    def value(self) -> float:
        """The running EMA (same unit as the input), NaN before the first input."""
        return self._value

    def update(self, value: float) -> None:
        """Add one input (a price, in any unit)."""
        if value - value != 0.0:
            raise self._not_finite(value)
        if self._count:
            self._value += self._alpha * (value - self._value)
        else:
            self._value = float(value)
        self._count += 1


class WMA(Window):
    """Linearly weighted moving average: weights ``1 .. period``, newest heaviest.

    Parameters
    ----------
    period
        Window length in inputs, ``>= 1``.

    Notes
    -----
    ``value = sum(i * x_i for i = 1..period) / (period * (period + 1) / 2)`` with
    ``x_period`` the newest input. Kept in O(1) per input: with ``S`` the plain sum and
    ``W`` the weighted sum (both relative to the shift ``K``), a new input ``d`` gives
    ``W' = W - S + period * d`` and ``S' = S - d_oldest + d``. NaN until initialized.
    """

    __slots__ = ("_denominator", "_weighted")

    def __init__(self, period: int = 20) -> None:
        super().__init__(period)
        self._denominator = self._period * (self._period + 1) / 2.0

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._weighted = 0.0

    @property
    def value(self) -> float:
        """Weighted mean of the last ``period`` inputs, NaN before that many."""
        if self._count < self._period:
            return _NAN
        return self._shift + self._weighted / self._denominator

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
            s1 = weighted = 0.0
            for weight, x in enumerate(buf, 1):
                d = x - shift
                s1 += d
                weighted += weight * d
            self._s1 = s1
            self._weighted = weighted
        else:
            shift = self._shift
            d = value - shift
            self._weighted = self._weighted - self._s1 + n * d
            self._s1 += d - (old - shift)
        self._idx = idx
        self._count += 1
