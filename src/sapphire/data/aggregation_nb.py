"""numba kernels: one pass from ticks to OHLCV bars, for :mod:`sapphire.data.aggregation`.

Every kernel reads a tick's price as ``p1[i] + p2[i]`` and its size as ``s1[i] + s2[i]``
when ``two`` is true (MID quotes: bid + ask, so prices are half-ticks) and as ``p1[i]``
and ``s1[i]`` otherwise. Bars are written into the preallocated ``out_*`` arrays.
Each kernel returns ``(count, bad)``: the number of bars written and the 0-based index
of the first tick whose timestamp is earlier than its predecessor's, or ``-1``.
"""

from __future__ import annotations

from numba import njit

#: Measures that close a threshold bar (``kind`` argument of :func:`threshold_bars_nb`).
MEASURE_TICKS = 0
MEASURE_SIZE = 1
MEASURE_VALUE = 2


@njit(cache=True, nogil=True)
def first_disorder_nb(ts, start):  # pragma: no cover - compiled
    """Return the first index ``i >= max(start, 1)`` with ``ts[i] < ts[i - 1]``, or ``-1``."""
    for i in range(max(start, 1), ts.shape[0]):
        if ts[i] < ts[i - 1]:
            return i
    return -1


@njit(cache=True, nogil=True, inline="always")
def _tick_nb(p1, p2, s1, s2, two, i):  # pragma: no cover - compiled
    """Return tick ``i``'s ``(price, size)`` (see the module docstring)."""
    if two:
        return p1[i] + p2[i], s1[i] + s2[i]
    return p1[i], s1[i]


@njit(cache=True, nogil=True, inline="always")
def _extend_nb(high, low, volume, price, size):  # pragma: no cover - compiled
    """Return a bar's ``(high, low, close, volume)`` after one more tick."""
    return max(high, price), min(low, price), price, volume + size


@njit(cache=True, nogil=True, inline="always")
def _put_bar_nb(count, stamp, open_, high, low, close, volume, out_ts, out_open, out_high,
                out_low, out_close, out_volume):  # pragma: no cover - compiled
    """Write one bar at row ``count`` of the ``out_*`` arrays."""
    out_ts[count] = stamp
    out_open[count] = open_
    out_high[count] = high
    out_low[count] = low
    out_close[count] = close
    out_volume[count] = volume


@njit(cache=True, nogil=True)
def time_bars_nb(ts, p1, p2, s1, s2, two, step_ns, out_ts, out_open, out_high, out_low,
                 out_close, out_volume):  # pragma: no cover - compiled
    """Aggregate ticks into bars over ``[open, open + step_ns)`` aligned to the epoch.

    A bar is stamped with its close time ``open + step_ns``; intervals without a tick give
    no bar; the last bar is written even though later ticks could still extend it.
    """
    n = ts.shape[0]
    if n == 0:
        return 0, -1
    capacity = out_ts.shape[0]
    count = 0
    first = ts[0]
    bar_end = (first // step_ns + 1) * step_ns
    previous = first
    price, volume = _tick_nb(p1, p2, s1, s2, two, 0)
    high = low = close = open_ = price
    for i in range(1, n):
        t = ts[i]
        if t < previous:
            return count, i
        previous = t
        price, size = _tick_nb(p1, p2, s1, s2, two, i)
        if t >= bar_end:
            if count == capacity:  # only possible when a later tick goes backwards
                return count, first_disorder_nb(ts, i)
            _put_bar_nb(count, bar_end, open_, high, low, close, volume, out_ts, out_open,
                        out_high, out_low, out_close, out_volume)
            count += 1
            bar_end = (t // step_ns + 1) * step_ns
            open_ = high = low = price
            volume = 0
        high, low, close, volume = _extend_nb(high, low, volume, price, size)
    if count == capacity:
        return count, first_disorder_nb(ts, 1)
    _put_bar_nb(count, bar_end, open_, high, low, close, volume, out_ts, out_open, out_high,
                out_low, out_close, out_volume)
    return count + 1, -1


@njit(cache=True, nogil=True)
def threshold_bars_nb(ts, p1, p2, s1, s2, two, kind, threshold, out_ts, out_open, out_high,
                      out_low, out_close, out_volume):  # pragma: no cover - compiled
    """Aggregate ticks into bars that close once a running measure reaches ``threshold``.

    ``kind`` picks the measure of a tick: 1 (:data:`MEASURE_TICKS`), its size
    (:data:`MEASURE_SIZE`) or price * size (:data:`MEASURE_VALUE`). The tick that reaches
    the threshold belongs wholly to the closing bar, which is stamped with its timestamp.
    A last bar short of the threshold is written too. ``out_*`` need ``len(ts)`` rows.
    """
    n = ts.shape[0]
    count = 0
    in_bar = False
    reached = 0
    open_ = high = low = close = volume = 0
    for i in range(n):
        t = ts[i]
        if i > 0 and t < ts[i - 1]:
            return count, i
        price, size = _tick_nb(p1, p2, s1, s2, two, i)
        if not in_bar:
            in_bar = True
            open_ = high = low = price
            volume = 0
            reached = 0
        high, low, close, volume = _extend_nb(high, low, volume, price, size)
        if kind == MEASURE_TICKS:
            reached += 1
        elif kind == MEASURE_SIZE:
            reached += size
        else:
            reached += price * size
        if reached >= threshold or i == n - 1:
            _put_bar_nb(count, t, open_, high, low, close, volume, out_ts, out_open, out_high,
                        out_low, out_close, out_volume)
            count += 1
            in_bar = False
    return count, -1
