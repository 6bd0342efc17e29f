"""numba kernels for the vectorised indicators of :mod:`sapphire.strategy.indicators`.

Each kernel reads float64 arrays, writes into preallocated float64 output arrays
(NaN where the indicator is not yet reported) and returns the 0-based index of the
first input it rejects, or ``-1``. It stops at a rejected input; the facade then
raises. The arithmetic repeats the incremental classes operation for operation (same
shifted sums, same recompute every ``period`` inputs, same order), so both forms give
the same floats; the conventions are documented on those classes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_NAN = math.nan


@njit(cache=True, nogil=True, inline="always")
def _ring_nb(x, n):  # pragma: no cover - compiled
    """A ring buffer of ``n`` slots all holding ``x[0]`` (the first input), as the classes seed it.

    Its ``buf[0]`` is the first shift ``K``; removals during warm-up then subtract
    ``K - K = 0`` exactly. An empty ``x`` gives zeros (the loop never runs).
    """
    buf = np.empty(n)
    buf[:] = x[0] if x.shape[0] else 0.0
    return buf


@njit(cache=True, nogil=True, inline="always")
def _ring_put_nb(buf, idx, value):  # pragma: no cover - compiled
    """Store ``value`` at ``buf[idx]``; return the value it replaced and ``idx + 1``.

    The caller wraps the index at ``period`` (a compare, not a modulo: this is the inner
    loop); ``buf`` then holds the window oldest first, and the caller recomputes its sums
    exactly with :func:`_shifted_sums_nb`.
    """
    old = buf[idx]
    buf[idx] = value
    return old, idx + 1


@njit(cache=True, nogil=True, inline="always")
def _shifted_sums_nb(buf):  # pragma: no cover - compiled
    """Return ``K = buf[0]`` and the sums of ``d``, ``d * d`` and ``(j + 1) * d``.

    ``d = buf[j] - K``, summed oldest first (the incremental classes' order); a caller
    that reads one sum only does not pay for the others once inlined.
    """
    shift = buf[0]
    s1 = 0.0
    s2 = 0.0
    weighted = 0.0
    for j in range(buf.shape[0]):
        d = buf[j] - shift
        s1 += d
        s2 += d * d
        weighted += (j + 1) * d
    return shift, s1, s2, weighted


@njit(cache=True, nogil=True)
def sma_nb(x, period, out):  # pragma: no cover - compiled
    """Simple moving average of ``x`` over ``period`` inputs into ``out``."""
    n = period
    buf = _ring_nb(x, n)
    idx = 0
    shift = buf[0]
    s1 = 0.0
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        old, idx = _ring_put_nb(buf, idx, value)
        if idx == n:
            idx = 0
            shift, s1, _, _ = _shifted_sums_nb(buf)
        else:
            s1 += (value - shift) - (old - shift)
        out[i] = shift + s1 / n if i + 1 >= n else _NAN
    return -1


@njit(cache=True, nogil=True)
def ema_nb(x, alpha, out):  # pragma: no cover - compiled
    """EMA ``e += alpha * (x - e)`` seeded with ``x[0]``, reported from the first input."""
    e = _NAN
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        if i:
            e += alpha * (value - e)
        else:
            e = value
        out[i] = e
    return -1


@njit(cache=True, nogil=True)
def wma_nb(x, period, out):  # pragma: no cover - compiled
    """Linearly weighted moving average (weights 1..period, newest heaviest)."""
    n = period
    denominator = n * (n + 1) / 2.0
    buf = _ring_nb(x, n)
    idx = 0
    shift = buf[0]
    s1 = 0.0
    weighted = 0.0
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        old, idx = _ring_put_nb(buf, idx, value)
        if idx == n:
            idx = 0
            shift, s1, _, weighted = _shifted_sums_nb(buf)
        else:
            d = value - shift
            weighted = weighted - s1 + n * d
            s1 += d - (old - shift)
        out[i] = shift + weighted / denominator if i + 1 >= n else _NAN
    return -1


@njit(cache=True, nogil=True)
def rolling_moments_nb(x, period, out_mean, out_std):  # pragma: no cover - compiled
    """Window mean and population std (ddof 0), as the incremental ``_RollingMoments``."""
    n = period
    buf = _ring_nb(x, n)
    idx = 0
    shift = buf[0]
    s1 = 0.0
    s2 = 0.0
    last = _NAN
    run = 0
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        old, idx = _ring_put_nb(buf, idx, value)
        if idx == n:
            idx = 0
            shift, s1, s2, _ = _shifted_sums_nb(buf)
        else:
            d = value - shift
            d_old = old - shift
            s1 = s1 + (d - d_old)
            s2 = s2 + (d * d - d_old * d_old)
        run = run + 1 if value == last else 1
        last = value
        if i + 1 >= n:
            out_mean[i] = shift + s1 / n
            var = (s2 - s1 * s1 / n) / n
            out_std[i] = math.sqrt(var) if var > 0.0 and run < n else 0.0
        else:
            out_mean[i] = _NAN
            out_std[i] = _NAN
    return -1


@njit(cache=True, nogil=True)
def bollinger_nb(x, period, k, out_upper, out_middle, out_lower):  # pragma: no cover
    """Bollinger bands: window mean plus and minus ``k`` population std."""
    bad = rolling_moments_nb(x, period, out_middle, out_upper)  # std goes in out_upper first
    end = x.shape[0] if bad < 0 else bad
    for i in range(end):
        mean = out_middle[i]
        std = out_upper[i]
        out_upper[i] = mean + k * std
        out_lower[i] = mean - k * std
    return bad


@njit(cache=True, nogil=True)
def zscore_nb(x, period, out):  # pragma: no cover - compiled
    """Rolling z-score ``(x - mean) / std`` (ddof 0); 0.0 where std is 0."""
    out_std = np.empty(x.shape[0])
    bad = rolling_moments_nb(x, period, out, out_std)  # the mean goes in out first
    end = x.shape[0] if bad < 0 else bad
    for i in range(end):
        std = out_std[i]
        if std > 0.0:
            out[i] = (x[i] - out[i]) / std
        elif std == 0.0:
            out[i] = 0.0
        else:
            out[i] = _NAN
    return bad


@njit(cache=True, nogil=True)
def rsi_nb(x, period, out):  # pragma: no cover - compiled
    """RSI with Wilder's smoothing; NaN for the first ``period`` inputs."""
    n = period
    prev = _NAN
    avg_gain = 0.0
    avg_loss = 0.0
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        if i == 0:
            prev = value
            out[i] = _NAN
            continue
        change = value - prev
        prev = value
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        if i > n:
            avg_gain = (avg_gain * (n - 1) + gain) / n
            avg_loss = (avg_loss * (n - 1) + loss) / n
        else:
            avg_gain += gain
            avg_loss += loss
            if i == n:
                avg_gain /= n
                avg_loss /= n
        if i >= n:
            total = avg_gain + avg_loss
            out[i] = 100.0 * avg_gain / total if total > 0.0 else 50.0
        else:
            out[i] = _NAN
    return -1


@njit(cache=True, nogil=True)
def macd_nb(x, a_fast, a_slow, a_signal, out_macd, out_signal, out_hist):  # pragma: no cover
    """MACD line, signal and histogram from EMAs seeded with the first input."""
    fast = slow = macd = signal = _NAN
    for i in range(x.shape[0]):
        value = x[i]
        if value - value != 0.0:
            return i
        if i:
            fast = fast + a_fast * (value - fast)
            slow = slow + a_slow * (value - slow)
            macd = fast - slow
            signal += a_signal * (macd - signal)
        else:
            fast = slow = value
            macd = signal = 0.0
        out_macd[i] = macd
        out_signal[i] = signal
        out_hist[i] = macd - signal
    return -1


@njit(cache=True, nogil=True)
def atr_nb(high, low, close, period, out):  # pragma: no cover - compiled
    """ATR with Wilder's smoothing; first TR is ``high - low``; bars need low <= close <= high."""
    n = period
    prev_close = _NAN
    total = 0.0
    value = _NAN
    for i in range(high.shape[0]):
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (lo <= c <= h and h - lo < math.inf):
            return i
        if i:
            tr = (h if h > prev_close else prev_close) - (lo if lo < prev_close else prev_close)
        else:
            tr = h - lo
        prev_close = c
        count = i + 1
        if count > n:
            value = (value * (n - 1) + tr) / n
        else:
            total += tr
            if count == n:
                value = total / n
        out[i] = value
    return -1


@njit(cache=True, nogil=True)
def vwap_nb(price, volume, ts, session_ns, offset_ns, out):  # pragma: no cover - compiled
    """Session VWAP; ``session_ns <= 0`` means one session. Returns ``(bad, why)``.

    ``why`` is 0 for a bad price or volume and 1 for a timestamp that goes backwards.
    """
    pv = 0.0
    total = 0.0
    session = np.int64(0)
    for i in range(price.shape[0]):
        p = price[i]
        v = volume[i]
        if p - p != 0.0 or not 0.0 <= v < math.inf:
            return i, 0
        if session_ns > 0:
            t = ts[i]
            if i and t < ts[i - 1]:
                return i, 1
            s = (t - offset_ns) // session_ns
            if i == 0 or s != session:
                session = s
                pv = 0.0
                total = 0.0
        pv += p * v
        total += v
        out[i] = pv / total if total > 0.0 else _NAN
    return -1, 0
