"""The simulated venue's view of the market, as arrays shared with the replay kernel.

The kernel writes the touch of each instrument while it skips through events nobody in
Python needs; the venue reads it when an order arrives or a threshold is crossed. The
thresholds are the venue's resting orders folded into four prices per instrument, so the
kernel can tell in a few comparisons whether an event could trigger or fill anything:

* ``down_buy``: highest buy-limit price or buy if-touched trigger (ask falls to it);
* ``down_sell``: highest sell stop trigger (bid falls to it);
* ``up_buy``: lowest buy stop trigger (ask rises to it);
* ``up_sell``: lowest sell-limit price or sell if-touched trigger (bid rises to it);
* ``watch``: 1 when every event matters (working market orders, trailing stops).
"""

from __future__ import annotations

import numpy as np

NONE_LOW = np.iinfo(np.int64).min  # a "down" threshold no price can reach
NONE_HIGH = np.iinfo(np.int64).max  # an "up" threshold no price can reach
UNLIMITED = np.iinfo(np.int64).max // 4  # displayed size of a bar or a trade-less point


#: Columns of :attr:`MarketState.table`, one row per instrument.
BID, ASK, BID_LOTS, ASK_LOTS, HAS_MARKET, DOWN_BUY, DOWN_SELL, UP_BUY, UP_SELL, WATCH = range(10)


class MarketState:
    """Touch and thresholds for ``count`` instruments (index = the engine's instrument index).

    Everything lives in one int64 ``table`` (a row per instrument) handed to the kernel as
    a single argument (each array argument costs a numba call about 50 ns to unbox); the
    named attributes are column views of it for Python.
    """

    def __init__(self, count: int) -> None:
        self.table = np.zeros((count, 10), dtype=np.int64)
        self.table[:, DOWN_BUY] = NONE_LOW
        self.table[:, DOWN_SELL] = NONE_LOW
        self.table[:, UP_BUY] = NONE_HIGH
        self.table[:, UP_SELL] = NONE_HIGH
        columns = (self.table[:, i] for i in range(10))
        (self.bid, self.ask, self.bid_lots, self.ask_lots, self.has_market, self.down_buy,
         self.down_sell, self.up_buy, self.up_sell, self.watch) = columns

    def set_touch(self, index: int, bid: int, ask: int, bid_lots: int, ask_lots: int) -> None:
        self.bid[index] = bid
        self.ask[index] = ask
        self.bid_lots[index] = bid_lots
        self.ask_lots[index] = ask_lots
        self.has_market[index] = 1
