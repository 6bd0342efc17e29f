"""Layout of an L2 book's state array and the codes its kernels return.

Kept apart from :mod:`sapphire.book.l2_nb` so that reading a book's state or its
error does not import numba. See that module for what the sections mean.

The state is one flat int64 array::

    [ META (META_SLOTS) | bid ladder (W) | ask ladder (W) |
      bid far keys (F) | bid far sizes (F) | ask far keys (F) | ask far sizes (F) ]

with ``W`` the ladder window in ticks (``state[M_WINDOW]``) and ``F`` the far capacity
in levels per side (``state[M_FARCAP]``). Side index ``s`` is 0 for bids, 1 for asks.
"""

from __future__ import annotations

import numpy as np

#: Slots of the META section; the bid ladder starts right after it.
META_SLOTS = 32
LADDER = META_SLOTS
#: Far levels scanned from the top before switching to a binary search.
SCAN = 8

# META slots (a pair indexed by side: bids at +0, asks at +1)
M_NLAD = 0  # levels in the ladder window: M_NLAD + s
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
M_NFAR = 22  # levels below the window, in the far arrays: M_NFAR + s
M_LO = 24  # key of ladder slot 0: M_LO + s
M_BEST = 26  # ladder slot of the best level (valid while M_NLAD + s > 0): M_BEST + s
M_WINDOW = 28  # W, ticks in each side's ladder
M_FARCAP = 29  # F, levels each side can hold (ladder and far together)

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


def far_start(window: int) -> int:
    """Return the index of the bid far keys in a state whose ladder holds ``window`` ticks."""
    return LADDER + 2 * window


def new_state(capacity: int, window: int, seq_mode: int, level_rule: int,
              on_error: int) -> np.ndarray:
    """Return an empty, unsynchronised book: ``capacity`` levels and ``window`` ticks a side."""
    state = np.zeros(far_start(window) + 4 * capacity, dtype=np.int64)
    state[M_SEQ_MODE] = seq_mode
    state[M_LEVEL_RULE] = level_rule
    state[M_ON_ERROR] = on_error
    state[M_WINDOW] = window
    state[M_FARCAP] = capacity
    return state


def grown(state: np.ndarray) -> np.ndarray:
    """Return a copy of ``state`` with twice the far capacity (levels kept where they are)."""
    window, cap = int(state[M_WINDOW]), int(state[M_FARCAP])
    far = far_start(window)
    out = np.zeros(far + 8 * cap, dtype=np.int64)
    out[:far] = state[:far]
    for row in range(4):
        out[far + 2 * cap * row: far + 2 * cap * row + cap] = state[far + cap * row:
                                                                   far + cap * (row + 1)]
    out[M_FARCAP] = 2 * cap
    return out


def side_levels(state: np.ndarray, s: int) -> int:
    """Return how many levels side ``s`` (0 bids, 1 asks) holds."""
    return int(state[M_NLAD + s] + state[M_NFAR + s])


def best_key(state: np.ndarray, s: int) -> int | None:
    """Return the key (bid price, or minus the ask price) of side ``s``'s best level."""
    if state[M_NLAD + s] == 0:
        return None
    return int(state[M_LO + s] + state[M_BEST + s])


def best_size(state: np.ndarray, s: int) -> int | None:
    """Return the lots at side ``s``'s best level."""
    if state[M_NLAD + s] == 0:
        return None
    return int(state[LADDER + s * int(state[M_WINDOW]) + int(state[M_BEST + s])])


def size_at_key(state: np.ndarray, s: int, key: int) -> int:
    """Return the lots at ``key`` on side ``s`` (0 when absent)."""
    if state[M_NLAD + s] == 0:
        return 0
    window = int(state[M_WINDOW])
    idx = key - int(state[M_LO + s])
    if idx >= window:
        return 0
    if idx >= 0:
        return int(state[LADDER + s * window + idx])
    cap, nfar = int(state[M_FARCAP]), int(state[M_NFAR + s])
    keys = far_start(window) + 2 * s * cap
    i = int(np.searchsorted(state[keys: keys + nfar], key))
    return int(state[keys + cap + i]) if i < nfar and state[keys + i] == key else 0
