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

_UNLIMITED = np.iinfo(np.int64).max // 4


@nb.njit(cache=True, nogil=True)
def scan_nb(start, next_due, ev_ts, ev_stream, ev_row,
            stream_kind, stream_inst, stream_match, stream_python,
            col_a, col_b, col_c, col_d,
            bid, ask, bid_lots, ask_lots, has_market,
            down_buy, down_sell, up_buy, up_sell, watch):
    """Return the index of the first event from ``start`` that needs Python (or n).

    Columns by kind: quotes a=bid b=ask c=bid lots d=ask lots; trades a=price b=size;
    bars a=open b=high c=low d=close.
    """
    n = ev_ts.shape[0]
    for i in range(start, n):
        ts = ev_ts[i]
        if ts >= next_due:
            return i
        s = ev_stream[i]
        if stream_python[s]:
            return i
        if not stream_match[s]:
            continue
        g = ev_row[i]
        k = stream_inst[s]
        kind = stream_kind[s]
        if kind == QUOTE:
            b = col_a[g]
            a = col_b[g]
            if (watch[k] or a <= down_buy[k] or b <= down_sell[k] or a >= up_buy[k]
                    or b >= up_sell[k]):
                return i
            bid[k] = b
            ask[k] = a
            bid_lots[k] = col_c[g]
            ask_lots[k] = col_d[g]
        elif kind == TRADE:
            p = col_a[g]
            if watch[k] or p <= down_buy[k] or p <= down_sell[k] or p >= up_buy[k] \
                    or p >= up_sell[k]:
                return i
            bid[k] = p
            ask[k] = p
            bid_lots[k] = col_b[g]
            ask_lots[k] = col_b[g]
        else:
            lo = col_c[g]
            hi = col_b[g]
            if watch[k] or lo <= down_buy[k] or lo <= down_sell[k] or hi >= up_buy[k] \
                    or hi >= up_sell[k]:
                return i
            p = col_d[g]
            bid[k] = p
            ask[k] = p
            bid_lots[k] = _UNLIMITED
            ask_lots[k] = _UNLIMITED
        has_market[k] = 1
    return n
