"""The replay kernel: run through merged market events until Python is needed.

It moves each instrument's touch forward for every event of the instrument's matching
source and returns the index of the first event that Python must handle: one a strategy
subscribed to, one that could trigger or fill a working order (the venue's thresholds),
or the first at or after ``next_due`` (scheduled work: timers, latency, expiries).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from sapphire.backtest.kinds import QUOTE, TRADE
from sapphire.sim.market_state import (
    ASK,
    ASK_LOTS,
    BID,
    BID_LOTS,
    DOWN_BUY,
    DOWN_SELL,
    HAS_MARKET,
    UP_BUY,
    UP_SELL,
    WATCH,
)

_UNLIMITED = np.iinfo(np.int64).max // 4


@nb.njit(cache=True, nogil=True)
def scan_nb(start, next_due, ev_ts, ev_stream, ev_row, streams, cols, state):
    """Return the index of the first event from ``start`` that needs Python (or n).

    ``streams[s]`` is (kind, instrument index, matching, delivered to Python);
    ``cols`` rows a, b, c, d hold quotes as bid, ask, bid lots, ask lots; trades as price,
    size; bars as open, high, low, close. ``state`` is the
    :class:`~sapphire.sim.market_state.MarketState` table.
    """
    n = ev_ts.shape[0]
    for i in range(start, n):
        ts = ev_ts[i]
        if ts >= next_due:
            return i
        s = ev_stream[i]
        if streams[s, 3]:
            return i
        if not streams[s, 2]:
            continue
        g = ev_row[i]
        k = streams[s, 1]
        kind = streams[s, 0]
        watch = state[k, WATCH]
        if kind == QUOTE:
            b = cols[0, g]
            a = cols[1, g]
            if (watch or a <= state[k, DOWN_BUY] or b <= state[k, DOWN_SELL]
                    or a >= state[k, UP_BUY] or b >= state[k, UP_SELL]):
                return i
            state[k, BID] = b
            state[k, ASK] = a
            state[k, BID_LOTS] = cols[2, g]
            state[k, ASK_LOTS] = cols[3, g]
        elif kind == TRADE:
            p = cols[0, g]
            if (watch or p <= state[k, DOWN_BUY] or p <= state[k, DOWN_SELL]
                    or p >= state[k, UP_BUY] or p >= state[k, UP_SELL]):
                return i
            state[k, BID] = p
            state[k, ASK] = p
            state[k, BID_LOTS] = cols[1, g]
            state[k, ASK_LOTS] = cols[1, g]
        else:
            lo = cols[2, g]
            hi = cols[1, g]
            if (watch or lo <= state[k, DOWN_BUY] or lo <= state[k, DOWN_SELL]
                    or hi >= state[k, UP_BUY] or hi >= state[k, UP_SELL]):
                return i
            p = cols[3, g]
            state[k, BID] = p
            state[k, ASK] = p
            state[k, BID_LOTS] = _UNLIMITED
            state[k, ASK_LOTS] = _UNLIMITED
        state[k, HAS_MARKET] = 1
    return n
