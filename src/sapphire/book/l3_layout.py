"""Layout of an L3 book's state array and the codes its kernels return.

Kept apart from :mod:`sapphire.book.l3_nb` so that reading a book's state or its
error does not import numba. See that module for how the regions are used.

The whole book is one flat int64 array (one argument per kernel call):

* ``META`` (:data:`META_SLOTS` slots): counts, settings, the last error, the last trade.
* orders region, :data:`O_FIELDS` rows of ``ocap`` slots: id, price, size, side, the
  previous and next order of its level (-1 at the ends) and its level's slot.
* levels region, :data:`L_FIELDS` rows of ``lcap`` slots: price, side, total lots,
  order count, first (head) and last (tail) order of the FIFO queue.
* sorted region, 4 rows of ``lcap``: bid keys and their level slots, ask keys and
  theirs, sorted by key ascending, best last (a bid's key is its price, an ask's its
  negated price, as in the L2 book).
* hash region, 2 rows of ``hcap`` (a power of two, at least ``2 * ocap``): order ids
  and their order slot + 1 (0 marks an empty slot), linear probing.
"""

from __future__ import annotations

import numpy as np

META_SLOTS = 64

# META slots
M_OCAP, M_LCAP, M_HCAP = 0, 1, 2
M_OFF_ORD, M_OFF_LVL, M_OFF_SORT, M_OFF_HASH = 3, 4, 5, 6
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
M_ERR_PRICE, M_ERR_SIZE, M_ERR_EXPECTED = 31, 32, 33  # expected: sequence, size or best ask
M_APPLIED, M_DROPPED, M_RESYNCS, M_UNCHECKED_FILLS = 34, 35, 36, 37
M_TRADE_PRICE, M_TRADE_SIZE, M_TRADE_SIDE, M_TRADE_TS, M_TRADES = 38, 39, 40, 41, 42

# fields of the orders region
O_ID, O_PRICE, O_SIZE, O_SIDE, O_PREV, O_NEXT, O_LEVEL = range(7)
O_FIELDS = 7
# fields of the levels region
L_PRICE, L_SIDE, L_TOTAL, L_COUNT, L_HEAD, L_TAIL = range(6)
L_FIELDS = 6
# rows of the sorted region
S_BID_KEY, S_BID_LVL, S_ASK_KEY, S_ASK_LVL = range(4)

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


def hash_capacity(ocap: int) -> int:
    """Return the hash table size for ``ocap`` orders: a power of two >= 2 * ocap."""
    return 1 << max(4, (2 * ocap - 1).bit_length())


def region_sizes(ocap: int, lcap: int) -> tuple[int, int, int, int, int]:
    """Return the offsets of the four regions and the total length of a state array."""
    hcap = hash_capacity(ocap)
    off_ord = META_SLOTS
    off_lvl = off_ord + O_FIELDS * ocap
    off_sort = off_lvl + L_FIELDS * lcap
    off_hash = off_sort + 4 * lcap
    return off_ord, off_lvl, off_sort, off_hash, off_hash + 2 * hcap


def new_state(ocap: int, lcap: int, seq_mode: int, on_error: int, fill_mode: int,
              check_crossed: bool, synced: bool) -> np.ndarray:
    """Return an empty book with room for ``ocap`` orders and ``lcap`` levels."""
    off_ord, off_lvl, off_sort, off_hash, total = region_sizes(ocap, lcap)
    state = np.zeros(total, dtype=np.int64)
    state[M_OCAP], state[M_LCAP], state[M_HCAP] = ocap, lcap, hash_capacity(ocap)
    state[M_OFF_ORD], state[M_OFF_LVL] = off_ord, off_lvl
    state[M_OFF_SORT], state[M_OFF_HASH] = off_sort, off_hash
    state[M_OFREE] = state[M_LFREE] = -1
    state[M_SEQ_MODE], state[M_ON_ERROR], state[M_FILL_MODE] = seq_mode, on_error, fill_mode
    state[M_CHECK_CROSSED] = int(check_crossed)
    state[M_SYNCED] = int(synced)
    state[M_RESYNCING] = int(not synced and on_error == ON_ERROR_RESYNC)
    return state
