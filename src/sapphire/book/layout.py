"""Layout of an L2 book's state array and the codes its kernels return.

Kept apart from :mod:`sapphire.book.l2_nb` so that reading a book's state or its
error does not import numba. See that module for what the rows mean.
"""

from __future__ import annotations

import numpy as np

BID_KEY, BID_SIZE, ASK_KEY, ASK_SIZE, META = 0, 1, 2, 3, 4
#: Smallest capacity: the META row needs this many slots.
META_SLOTS = 32
#: Levels scanned from the top before switching to a binary search.
SCAN = 8

# META slots
M_NBID, M_NASK = 0, 1
M_SYNCED = 2  # 1 once a snapshot has completed and no error happened since
M_RESYNCING = 3  # 1 while dropping deltas until the next snapshot (RESYNC policy)
M_IN_MESSAGE = 4  # 1 when the previous row did not end a message (no LAST flag)
M_IN_SNAPSHOT = 5  # 1 when the previous row was flagged SNAPSHOT
M_LAST_SEQ = 6
M_LAST_TS = 7
M_SEQ_MODE = 8  # 0 none, 1 increasing, 2 contiguous
M_LEVEL_RULE = 9  # 0 strict, 1 upsert, 2 set
M_ON_ERROR = 10  # 0 raise, 1 resync
M_ERR_CODE = 11
M_ERR_SEQ = 12
M_ERR_SIDE = 13
M_ERR_ACTION = 14
M_ERR_PRICE = 15
M_ERR_SIZE = 16
M_ERR_EXPECTED = 17  # expected sequence, or the best ask of a crossed book
M_APPLIED = 18  # rows applied
M_DROPPED = 19  # rows dropped while resynchronising
M_IGNORED = 20  # deletes of absent levels ignored under the SET rule
M_RESYNCS = 21  # errors that started a resynchronisation

# return codes: below ERROR the row was handled; from ERROR on it is an integrity error
OK, NEED_CAPACITY, RESYNCED = 0, 1, 2
ERROR = 10
NOT_SYNCED, BAD_SIDE, BAD_ACTION, NEGATIVE_SIZE, ZERO_SIZE = 10, 11, 12, 13, 14
MISSING_LEVEL, EXISTING_LEVEL, SEQ_BACKWARDS, SEQ_DUPLICATE, SEQ_GAP, CROSSED = (
    15, 16, 17, 18, 19, 20)

# values shared with core.enums (kept literal so that this module imports only numba/numpy)
BUY, SELL = 1, 2
ADD, UPDATE, DELETE, CLEAR = 1, 2, 3, 4
F_SNAPSHOT, F_LAST = 1, 2
SEQ_NONE, SEQ_INCREASING, SEQ_CONTIGUOUS = 0, 1, 2
RULE_STRICT, RULE_UPSERT, RULE_SET = 0, 1, 2
ON_ERROR_RAISE, ON_ERROR_RESYNC = 0, 1


def new_state(capacity: int, seq_mode: int, level_rule: int, on_error: int) -> np.ndarray:
    """Return an empty, unsynchronised book with room for ``capacity`` levels per side."""
    state = np.zeros((5, max(capacity, META_SLOTS)), dtype=np.int64)
    state[META, M_SEQ_MODE] = seq_mode
    state[META, M_LEVEL_RULE] = level_rule
    state[META, M_ON_ERROR] = on_error
    return state
