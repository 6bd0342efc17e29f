"""Layout of an L3 book's state array and the codes its kernels return.

Kept apart from :mod:`sapphire.book.l3_nb` so that reading a book's state or its
error does not import numba. See that module for how the rows are used.

The whole book is one int64 array of shape ``(ROWS, width)`` (one argument per kernel
call, and plain 2-D indexing inside a kernel), ``width`` a power of two:

* row :data:`META`: counts, settings, the last error, the last trade (``M_*`` slots).
* rows ``O_*``: one column per order slot: id, price, size, side, the previous and
  next order of its level (-1 at the ends) and its level's slot. At most ``width // 2``
  orders, so that the hash table below stays at most half full.
* rows ``L_*``: one column per level slot: price, side, total lots, order count, first
  (head) and last (tail) order of its FIFO queue. A level holds at least one order, so
  there are never more levels than orders.
* rows ``S_*``: each side's level keys and level slots sorted by key ascending, best
  last (a bid's key is its price, an ask's its negated price, as in the L2 book).
* rows :data:`H_KEY`/:data:`H_VAL`: an open-addressing hash table of ``width``
  positions, order id -> order slot + 1 (0 marks an empty position).
"""

from __future__ import annotations

import numpy as np

META = 0
#: Smallest width: the META row needs this many slots.
META_SLOTS = 64

# META slots (0-6 unused)
M_NORD, M_OUSED, M_OFREE = 7, 8, 9  # live orders, slots ever used, free-list head (-1)
M_NLVL, M_LUSED, M_LFREE = 10, 11, 12
M_NBID, M_NASK = 13, 14
M_SYNCED = 15  # 1 while the book is known to be right (not after an error until a resync)
M_RESYNCING = 16  # 1 while dropping events until the next snapshot or CLEAR (RESYNC policy)
M_IN_MESSAGE = 17  # 1 when the previous row did not end a message (no LAST flag)
M_IN_SNAPSHOT = 18  # 1 when the previous row was flagged SNAPSHOT
M_HAVE_SEQ = 19  # 0 until a row has set the sequence baseline
M_LAST_SEQ, M_LAST_TS = 20, 21
M_SEQ_MODE, M_ON_ERROR, M_FILL_MODE, M_CHECK_CROSSED = 22, 23, 24, 25
M_ERR_CODE, M_ERR_SEQ, M_ERR_OID, M_ERR_SIDE, M_ERR_ACTION = 26, 27, 28, 29, 30
M_ERR_PRICE, M_ERR_SIZE, M_ERR_EXPECTED = 31, 32, 33  # expected: sequence, size, side or bid
M_ERR_ASK = 43  # best ask of a crossed book
M_APPLIED, M_DROPPED, M_RESYNCS, M_UNCHECKED_FILLS = 34, 35, 36, 37
M_TRADE_PRICE, M_TRADE_SIZE, M_TRADE_SIDE, M_TRADE_TS, M_TRADES = 38, 39, 40, 41, 42

# rows
O_ID, O_PRICE, O_SIZE, O_SIDE, O_PREV, O_NEXT, O_LEVEL = range(1, 8)
L_PRICE, L_SIDE, L_TOTAL, L_COUNT, L_HEAD, L_TAIL = range(8, 14)
S_BID_KEY, S_BID_LVL, S_ASK_KEY, S_ASK_LVL = range(14, 18)
H_KEY, H_VAL = 18, 19
ROWS = 20

# return codes: below ERROR the row was handled; from ERROR on it is an integrity error
OK, NEED_CAPACITY, RESYNCED = 0, 1, 2
ERROR = 10
(NOT_SYNCED, BAD_SIDE, BAD_ACTION, NEGATIVE_SIZE, ZERO_SIZE, UNKNOWN_ORDER, DUPLICATE_ORDER,
 SIDE_MISMATCH, PRICE_MISMATCH, OVERSIZED, SEQ_BACKWARDS, SEQ_DUPLICATE, SEQ_GAP,
 CROSSED) = range(10, 24)

# values shared with core.enums (kept literal so that this module imports only numpy)
NONE, BUY, SELL = 0, 1, 2
ADD, MODIFY, CANCEL, FILL, TRADE, CLEAR = 1, 2, 3, 4, 5, 6
F_SNAPSHOT, F_LAST = 1, 2
SEQ_NONE, SEQ_NON_DECREASING, SEQ_CONTIGUOUS = 0, 1, 2
ON_ERROR_RAISE, ON_ERROR_RESYNC = 0, 1
FILLS_REDUCE, FILLS_REPORT = 0, 1


def width_for(orders: int) -> int:
    """Return the width that holds ``orders`` orders: a power of two >= 2 * orders."""
    return max(META_SLOTS, 1 << (2 * max(orders, 1) - 1).bit_length())


def new_state(orders: int, seq_mode: int, on_error: int, fill_mode: int, check_crossed: bool,
              synced: bool) -> np.ndarray:
    """Return an empty book with room for at least ``orders`` orders."""
    state = np.zeros((ROWS, width_for(orders)), dtype=np.int64)
    state[META, M_OFREE] = state[META, M_LFREE] = -1
    state[META, M_SEQ_MODE] = seq_mode
    state[META, M_ON_ERROR] = on_error
    state[META, M_FILL_MODE] = fill_mode
    state[META, M_CHECK_CROSSED] = int(check_crossed)
    state[META, M_SYNCED] = int(synced)
    state[META, M_RESYNCING] = int(not synced and on_error == ON_ERROR_RESYNC)
    return state
