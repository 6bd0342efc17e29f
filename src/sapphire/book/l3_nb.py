"""numba kernels of the L3 (market-by-order) book over int64 ticks and lots.

The book is one 2-D int64 array (see :mod:`sapphire.book.l3_layout` for its rows) so
that a call from Python unboxes a single array, and a kernel reads it by plain 2-D
indexing (numba builds views and reshapes slowly: about 70 ns each, measured):

* every live order has a column of the ``O_*`` rows, found from its id through an
  open-addressing hash table (linear probing, backward-shift deletion, load <= 1/2);
* the orders of one price level form a doubly linked list in priority order (FIFO):
  joining the back, leaving from anywhere and moving to the back are O(1), and the
  queue position of an order is a walk from the head;
* the levels of each side are kept sorted by key, best last, as in the L2 book: real
  feeds touch the first few levels, found by a short scan from the top (a binary
  search beyond :data:`SCAN` levels), and an insert moves only the levels above it.

Every kernel checks an event completely before it changes anything, except the
crossed-book check, which can only be made once a message is complete, and a row that
starts a snapshot, which empties the book first. A kernel that
needs more room returns :data:`NEED_CAPACITY` before changing anything; the facade
grows the array (:func:`grow`) and calls again.
"""

from __future__ import annotations

import numba
import numpy as np

from sapphire.book.exact_int_nb import as_int64, bits_as_int64
from sapphire.book.l3_layout import (
    ADD,
    BAD_ACTION,
    BAD_SIDE,
    BUY,
    CANCEL,
    CLEAR,
    CROSSED,
    DUPLICATE_ORDER,
    F_LAST,
    F_SNAPSHOT,
    FILL,
    FILLS_REPORT,
    H_KEY,
    H_VAL,
    L_COUNT,
    L_HEAD,
    L_PRICE,
    L_SIDE,
    L_TAIL,
    L_TOTAL,
    M_APPLIED,
    M_CHECK_CROSSED,
    M_DROPPED,
    M_ERR_ACTION,
    M_ERR_ASK,
    M_ERR_CODE,
    M_ERR_EXPECTED,
    M_ERR_OID,
    M_ERR_PRICE,
    M_ERR_SEQ,
    M_ERR_SIDE,
    M_ERR_SIZE,
    M_FILL_MODE,
    M_HAVE_SEQ,
    M_IN_MESSAGE,
    M_IN_SNAPSHOT,
    M_LAST_SEQ,
    M_LAST_TS,
    M_LFREE,
    M_LUSED,
    M_NASK,
    M_NBID,
    M_NLVL,
    M_NORD,
    M_OFREE,
    M_ON_ERROR,
    M_OUSED,
    M_RESYNCING,
    M_RESYNCS,
    M_SEQ_MODE,
    M_SYNCED,
    M_TRADE_PRICE,
    M_TRADE_SIDE,
    M_TRADE_SIZE,
    M_TRADE_TS,
    M_TRADES,
    M_UNCHECKED_FILLS,
    META,
    MODIFY,
    NEED_CAPACITY,
    NEGATIVE_SIZE,
    NONE,
    NOT_SYNCED,
    O_ID,
    O_LEVEL,
    O_NEXT,
    O_PREV,
    O_PRICE,
    O_SIDE,
    O_SIZE,
    OK,
    ON_ERROR_RESYNC,
    OVERSIZED,
    PRICE_MISMATCH,
    RESYNCED,
    ROWS,
    S_ASK_KEY,
    S_BID_KEY,
    SELL,
    SEQ_BACKWARDS,
    SEQ_CONTIGUOUS,
    SEQ_DUPLICATE,
    SEQ_GAP,
    SEQ_NONE,
    SIDE_MISMATCH,
    TRADE,
    UNKNOWN_ORDER,
    ZERO_SIZE,
)

#: Levels scanned from the top before switching to a binary search.
SCAN = 8
_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as int64: Fibonacci hashing


# -- hash table of order id -> slot -------------------------------------------------------------

@numba.njit(cache=True, inline="always")
def _home(key: int, mask: int) -> int:
    h = key * _GOLDEN  # wraps around: multiplicative hashing
    return (h ^ (h >> 29)) & mask


@numba.njit(cache=True, inline="always")
def _hfind(st: np.ndarray, key: int) -> tuple[int, int]:
    """Return (position, order slot) of ``key``; slot -1 and the free position if absent."""
    mask = st.shape[1] - 1
    i = _home(key, mask)
    while True:
        value = st[H_VAL, i]
        if value == 0:
            return i, -1
        if st[H_KEY, i] == key:
            return i, value - 1
        i = (i + 1) & mask


@numba.njit(cache=True)
def _hdelete(st: np.ndarray, i: int) -> None:
    """Empty position ``i``, shifting later entries of its probe run back (no tombstones)."""
    mask = st.shape[1] - 1
    j = i
    while True:
        j = (j + 1) & mask
        if st[H_VAL, j] == 0:
            break
        k = _home(st[H_KEY, j], mask)
        # the entry at j may move to i when its home is not cyclically in (i, j]
        if (j > i and (k <= i or k > j)) or (j < i and k <= i and k > j):
            st[H_KEY, i] = st[H_KEY, j]
            st[H_VAL, i] = st[H_VAL, j]
            i = j
    st[H_VAL, i] = 0


# -- sorted levels ----------------------------------------------------------------------------

@numba.njit(cache=True, inline="always")
def _find(st: np.ndarray, krow: int, n: int, key: int) -> int:
    """Return the index of the largest key <= ``key`` among ``st[krow, :n]`` (-1 if none)."""
    i = n - 1
    stop = n - SCAN
    while i >= 0 and i >= stop:
        if st[krow, i] <= key:
            return i
        i -= 1
    if i < 0:
        return -1
    lo, hi = 0, i + 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if st[krow, mid] <= key:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@numba.njit(cache=True, inline="always")
def _side_rows(side: int) -> tuple[int, int, int]:
    """Return (sorted key row, meta count slot, key sign) of ``side``."""
    if side == BUY:
        return S_BID_KEY, M_NBID, 1
    return S_ASK_KEY, M_NASK, -1


@numba.njit(cache=True)
def _level_for(st: np.ndarray, side: int, price: int) -> int:
    """Return the slot of the ``side`` level at ``price``, creating it when absent."""
    krow, nslot, sign = _side_rows(side)
    n = st[META, nslot]
    key = sign * price
    i = _find(st, krow, n, key)
    if i >= 0 and st[krow, i] == key:
        return st[krow + 1, i]
    if st[META, M_LFREE] >= 0:
        lvl = st[META, M_LFREE]
        st[META, M_LFREE] = st[L_HEAD, lvl]
    else:
        lvl = st[META, M_LUSED]
        st[META, M_LUSED] += 1
    st[META, M_NLVL] += 1
    st[L_PRICE, lvl] = price
    st[L_SIDE, lvl] = side
    st[L_TOTAL, lvl] = 0
    st[L_COUNT, lvl] = 0
    st[L_HEAD, lvl] = -1
    st[L_TAIL, lvl] = -1
    for j in range(n, i + 1, -1):
        st[krow, j] = st[krow, j - 1]
        st[krow + 1, j] = st[krow + 1, j - 1]
    st[krow, i + 1] = key
    st[krow + 1, i + 1] = lvl
    st[META, nslot] = n + 1
    return lvl


@numba.njit(cache=True)
def _drop_level(st: np.ndarray, lvl: int) -> None:
    """Remove the empty level ``lvl`` from its side and free its slot."""
    krow, nslot, sign = _side_rows(st[L_SIDE, lvl])
    n = st[META, nslot]
    i = _find(st, krow, n, sign * st[L_PRICE, lvl])
    for j in range(i, n - 1):
        st[krow, j] = st[krow, j + 1]
        st[krow + 1, j] = st[krow + 1, j + 1]
    st[META, nslot] = n - 1
    st[L_HEAD, lvl] = st[META, M_LFREE]
    st[META, M_LFREE] = lvl
    st[META, M_NLVL] -= 1


# -- FIFO queues --------------------------------------------------------------------------------

@numba.njit(cache=True, inline="always")
def _link_back(st: np.ndarray, s: int, lvl: int) -> None:
    """Put order ``s`` at the back of level ``lvl``'s queue."""
    tail = st[L_TAIL, lvl]
    st[O_PREV, s] = tail
    st[O_NEXT, s] = -1
    st[O_LEVEL, s] = lvl
    if tail >= 0:
        st[O_NEXT, tail] = s
    else:
        st[L_HEAD, lvl] = s
    st[L_TAIL, lvl] = s
    st[L_COUNT, lvl] += 1
    st[L_TOTAL, lvl] += st[O_SIZE, s]


@numba.njit(cache=True, inline="always")
def _unlink(st: np.ndarray, s: int) -> int:
    """Take order ``s`` out of its level's queue; return the level (maybe now empty)."""
    lvl = st[O_LEVEL, s]
    prev, nxt = st[O_PREV, s], st[O_NEXT, s]
    if prev >= 0:
        st[O_NEXT, prev] = nxt
    else:
        st[L_HEAD, lvl] = nxt
    if nxt >= 0:
        st[O_PREV, nxt] = prev
    else:
        st[L_TAIL, lvl] = prev
    st[L_COUNT, lvl] -= 1
    st[L_TOTAL, lvl] -= st[O_SIZE, s]
    return lvl


@numba.njit(cache=True)
def _remove_order(st: np.ndarray, s: int, pos: int) -> None:
    """Remove order ``s`` (at hash position ``pos``) from the book."""
    lvl = _unlink(st, s)
    if st[L_COUNT, lvl] == 0:
        _drop_level(st, lvl)
    _hdelete(st, pos)
    st[O_NEXT, s] = st[META, M_OFREE]
    st[META, M_OFREE] = s
    st[META, M_NORD] -= 1


@numba.njit(cache=True)
def _clear(st: np.ndarray) -> None:
    """Empty the book (settings, counters and the last trade stay)."""
    st[META, M_NORD] = 0
    st[META, M_OUSED] = 0
    st[META, M_OFREE] = -1
    st[META, M_NLVL] = 0
    st[META, M_LUSED] = 0
    st[META, M_LFREE] = -1
    st[META, M_NBID] = 0
    st[META, M_NASK] = 0
    st[H_VAL, :] = 0


# -- events -------------------------------------------------------------------------------------

@numba.njit(cache=True)
def _fail(st: np.ndarray, code: int, oid: int, side: int, action: int, price: int, size: int,
          seq: int, expected: int) -> int:
    st[META, M_ERR_CODE] = code
    st[META, M_ERR_SEQ] = seq
    st[META, M_ERR_OID] = oid
    st[META, M_ERR_SIDE] = side
    st[META, M_ERR_ACTION] = action
    st[META, M_ERR_PRICE] = price
    st[META, M_ERR_SIZE] = size
    st[META, M_ERR_EXPECTED] = expected
    st[META, M_SYNCED] = 0
    st[META, M_IN_MESSAGE] = 0
    st[META, M_IN_SNAPSHOT] = 0
    if st[META, M_ON_ERROR] == ON_ERROR_RESYNC:
        st[META, M_RESYNCING] = 1
        st[META, M_RESYNCS] += 1
        _clear(st)
    return code


@numba.njit(cache=True)
def _sequence_fault(st: np.ndarray, seq: int, snapshot: bool) -> int:
    """Return the sequence error code of a row that continues the stream (OK if none)."""
    last = st[META, M_LAST_SEQ]
    if seq < last:
        return SEQ_BACKWARDS
    if st[META, M_SEQ_MODE] != SEQ_CONTIGUOUS or snapshot:
        return OK
    if st[META, M_IN_MESSAGE] == 0:
        if seq == last:
            return SEQ_DUPLICATE
        if seq != last + 1:
            return SEQ_GAP
    elif seq > last + 1:
        return SEQ_GAP
    return OK


@numba.njit(cache=True)
def _add(st: np.ndarray, oid: int, side: int, price: int, size: int, seq: int) -> int:
    if side != BUY and side != SELL:
        return _fail(st, BAD_SIDE, oid, side, ADD, price, size, seq, 0)
    if size <= 0:
        return _fail(st, NEGATIVE_SIZE if size < 0 else ZERO_SIZE, oid, side, ADD, price, size,
                     seq, 0)
    pos, found = _hfind(st, oid)
    if found >= 0:
        return _fail(st, DUPLICATE_ORDER, oid, side, ADD, price, size, seq, 0)
    if st[META, M_OFREE] >= 0:
        s = st[META, M_OFREE]
        st[META, M_OFREE] = st[O_NEXT, s]
    else:
        s = st[META, M_OUSED]
        st[META, M_OUSED] += 1
    st[META, M_NORD] += 1
    st[H_KEY, pos] = oid
    st[H_VAL, pos] = s + 1
    st[O_ID, s] = oid
    st[O_PRICE, s] = price
    st[O_SIZE, s] = size
    st[O_SIDE, s] = side
    _link_back(st, s, _level_for(st, side, price))
    return OK


@numba.njit(cache=True)
def _modify(st: np.ndarray, oid: int, side: int, price: int, size: int, seq: int) -> int:
    """Change an order's price and/or size (CME MDP3 priority rule, see the facade)."""
    _, s = _hfind(st, oid)
    if s < 0:
        return _fail(st, UNKNOWN_ORDER, oid, side, MODIFY, price, size, seq, 0)
    if st[O_SIDE, s] != side:
        return _fail(st, SIDE_MISMATCH, oid, side, MODIFY, price, size, seq, st[O_SIDE, s])
    if size <= 0:
        return _fail(st, NEGATIVE_SIZE if size < 0 else ZERO_SIZE, oid, side, MODIFY, price,
                     size, seq, 0)
    old = st[O_SIZE, s]
    if price != st[O_PRICE, s]:  # a new price: the back of the new level's queue
        lvl = _unlink(st, s)
        if st[L_COUNT, lvl] == 0:
            _drop_level(st, lvl)
        st[O_PRICE, s] = price
        st[O_SIZE, s] = size
        _link_back(st, s, _level_for(st, side, price))
    elif size > old:  # more size: the back of the same queue
        lvl = _unlink(st, s)
        st[O_SIZE, s] = size
        _link_back(st, s, lvl)
    else:  # less (or the same) size keeps the place in the queue
        st[L_TOTAL, st[O_LEVEL, s]] -= old - size
        st[O_SIZE, s] = size
    return OK


@numba.njit(cache=True)
def _reduce(st: np.ndarray, oid: int, side: int, action: int, price: int, size: int,
            seq: int) -> int:
    """Take ``size`` lots off an order (a CANCEL, or a FILL when fills reduce the book)."""
    pos, s = _hfind(st, oid)
    if s < 0:
        return _fail(st, UNKNOWN_ORDER, oid, side, action, price, size, seq, 0)
    if st[O_SIDE, s] != side:
        return _fail(st, SIDE_MISMATCH, oid, side, action, price, size, seq, st[O_SIDE, s])
    if action == CANCEL and st[O_PRICE, s] != price:
        return _fail(st, PRICE_MISMATCH, oid, side, action, price, size, seq,
                     st[O_PRICE, s])
    if size <= 0:
        return _fail(st, NEGATIVE_SIZE if size < 0 else ZERO_SIZE, oid, side, action, price,
                     size, seq, 0)
    left = st[O_SIZE, s] - size
    if left < 0:
        return _fail(st, OVERSIZED, oid, side, action, price, size, seq, st[O_SIZE, s])
    if left == 0:
        _remove_order(st, s, pos)
    else:
        st[O_SIZE, s] = left
        st[L_TOTAL, st[O_LEVEL, s]] -= size
    return OK


@numba.njit(cache=True)
def _reported_fill(st: np.ndarray, oid: int, side: int, price: int, size: int, seq: int) -> int:
    """Check a fill that only reports (the book changes with the cancel or modify after it)."""
    if size <= 0:
        return _fail(st, NEGATIVE_SIZE if size < 0 else ZERO_SIZE, oid, side, FILL, price,
                     size, seq, 0)
    if side == NONE:  # an auction's uncrossing: CME names no side, and maybe no shown order
        st[META, M_UNCHECKED_FILLS] += 1
        return OK
    _, s = _hfind(st, oid)
    if s < 0:
        return _fail(st, UNKNOWN_ORDER, oid, side, FILL, price, size, seq, 0)
    if st[O_SIDE, s] != side:
        return _fail(st, SIDE_MISMATCH, oid, side, FILL, price, size, seq, st[O_SIDE, s])
    return OK


@numba.njit(cache=True)
def _trade(st: np.ndarray, oid: int, side: int, price: int, size: int, seq: int,
           ts: int) -> int:
    if side != NONE and side != BUY and side != SELL:
        return _fail(st, BAD_SIDE, oid, side, TRADE, price, size, seq, 0)
    if size < 0:
        return _fail(st, NEGATIVE_SIZE, oid, side, TRADE, price, size, seq, 0)
    st[META, M_TRADE_PRICE] = price
    st[META, M_TRADE_SIZE] = size
    st[META, M_TRADE_SIDE] = side
    st[META, M_TRADE_TS] = ts
    st[META, M_TRADES] += 1
    return OK


@numba.njit(cache=True)
def _crossed(st: np.ndarray) -> bool:
    nb, na = st[META, M_NBID], st[META, M_NASK]
    if nb == 0 or na == 0:
        return False
    return st[S_BID_KEY, nb - 1] >= -st[S_ASK_KEY, na - 1]


@numba.njit(cache=True)
def apply_nb(st: np.ndarray, oid: int, side: int, action: int, price: int, size: int,
             seq: int, flags: int, ts: int) -> int:
    """Apply one event; return :data:`OK`, :data:`NEED_CAPACITY`, :data:`RESYNCED` or an error.

    On an error the event is not applied (a crossed book is, being seen only at the end
    of its message), the error is recorded in META and the book is marked out of sync;
    under the resync policy it is also emptied and later events are dropped until a
    snapshot or a CLEAR.
    """
    if action == ADD and 2 * (st[META, M_NORD] + 1) > st.shape[1]:
        return NEED_CAPACITY  # at most half the hash table's positions hold orders
    snapshot = (flags & F_SNAPSHOT) != 0
    resynced = False
    if st[META, M_IN_SNAPSHOT] == 1 and not snapshot:
        # a snapshot without a LAST row (Databento's CME snapshots) ends at the next row
        st[META, M_IN_SNAPSHOT] = 0
        if st[META, M_SYNCED] == 0:
            st[META, M_SYNCED] = 1
            if st[META, M_RESYNCING] == 1:
                st[META, M_RESYNCING] = 0
                resynced = True
    starts_snapshot = snapshot and (st[META, M_IN_SNAPSHOT] == 0 or action == CLEAR)
    resets = starts_snapshot or action == CLEAR
    if st[META, M_SYNCED] == 0 and st[META, M_IN_SNAPSHOT] == 0 and not resets:
        if st[META, M_RESYNCING] == 1:
            st[META, M_DROPPED] += 1
            return OK
        return _fail(st, NOT_SYNCED, oid, side, action, price, size, seq, 0)
    if not resets and st[META, M_HAVE_SEQ] == 1 and st[META, M_SEQ_MODE] != SEQ_NONE:
        fault = _sequence_fault(st, seq, snapshot)
        if fault != OK:
            expected = st[META, M_LAST_SEQ] + 1 if fault == SEQ_GAP else st[META, M_LAST_SEQ]
            return _fail(st, fault, oid, side, action, price, size, seq, expected)
    if resets:
        _clear(st)
    if action == ADD:
        code = _add(st, oid, side, price, size, seq)
    elif action == CANCEL:
        code = _reduce(st, oid, side, CANCEL, price, size, seq)
    elif action == MODIFY:
        code = _modify(st, oid, side, price, size, seq)
    elif action == FILL:
        if st[META, M_FILL_MODE] == FILLS_REPORT:
            code = _reported_fill(st, oid, side, price, size, seq)
        else:
            code = _reduce(st, oid, side, FILL, price, size, seq)
    elif action == TRADE:
        code = _trade(st, oid, side, price, size, seq, ts)
    elif action == CLEAR:
        code = OK
        if not snapshot and st[META, M_SYNCED] == 0:
            st[META, M_SYNCED] = 1
            if st[META, M_RESYNCING] == 1:
                st[META, M_RESYNCING] = 0
                resynced = True
    else:
        code = _fail(st, BAD_ACTION, oid, side, action, price, size, seq, 0)
    if code != OK:
        return code
    st[META, M_LAST_SEQ] = seq
    st[META, M_HAVE_SEQ] = 1
    st[META, M_LAST_TS] = ts
    st[META, M_APPLIED] += 1
    st[META, M_IN_SNAPSHOT] = 1 if snapshot else 0
    if (flags & F_LAST) == 0:
        st[META, M_IN_MESSAGE] = 1
        return RESYNCED if resynced else OK
    st[META, M_IN_MESSAGE] = 0
    if snapshot:
        st[META, M_IN_SNAPSHOT] = 0
        if st[META, M_SYNCED] == 0:
            st[META, M_SYNCED] = 1
            if st[META, M_RESYNCING] == 1:
                st[META, M_RESYNCING] = 0
                resynced = True
    if st[META, M_CHECK_CROSSED] == 1 and _crossed(st):
        st[META, M_ERR_ASK] = best_nb(st, SELL)[0]
        return _fail(st, CROSSED, oid, side, action, price, size, seq, best_nb(st, BUY)[0])
    return RESYNCED if resynced else OK


@numba.njit(cache=True)
def apply_one_nb(st: np.ndarray, oid: int, side: int, action: int, price: int, size: int,
                 seq: int, flags: int, ts: int) -> int:
    """:func:`apply_nb` for one event from Python, compiled for :data:`exact_uint64_bits`
    (the order id) and :data:`exact_int64` (the rest) arguments.

    Numba then refuses a float or a bool argument (``TypeError``), and an order id outside
    0..2**64-1 or another value outside int64 (``OverflowError``), instead of truncating.
    """
    return apply_nb(st, bits_as_int64(oid), as_int64(side), as_int64(action), as_int64(price),
                    as_int64(size), as_int64(seq), as_int64(flags), as_int64(ts))


@numba.njit(cache=True)
def apply_batch_nb(st: np.ndarray, oid: np.ndarray, side: np.ndarray, action: np.ndarray,
                   price: np.ndarray, size: np.ndarray, seq: np.ndarray, flags: np.ndarray,
                   ts: np.ndarray, start: int) -> tuple[int, int]:
    """Apply rows ``start:`` in order; stop at the first code other than OK.

    Returns ``(code, row)``: ``(OK, len)`` when every row was applied, else the code and
    the row it came from (a NEED_CAPACITY row was not applied; a RESYNCED one was).
    """
    n = side.shape[0]
    for i in range(start, n):
        code = apply_nb(st, oid[i], side[i], action[i], price[i], size[i], seq[i], flags[i],
                        ts[i])
        if code != OK:
            return code, i
    return OK, n


# -- growth -------------------------------------------------------------------------------------

def grow(st: np.ndarray) -> np.ndarray:
    """Return a copy of the book twice as wide (room for twice the orders)."""
    new = np.zeros((ROWS, 2 * st.shape[1]), dtype=np.int64)
    new[:H_KEY, : st.shape[1]] = st[:H_KEY]
    _rehash_nb(new)
    return new


@numba.njit(cache=True)
def _rehash_nb(st: np.ndarray) -> None:
    """Fill the (empty) hash table from the orders on the book."""
    for krow, nslot in ((S_BID_KEY, M_NBID), (S_ASK_KEY, M_NASK)):
        for i in range(st[META, nslot]):
            s = st[L_HEAD, st[krow + 1, i]]
            while s >= 0:
                pos, _ = _hfind(st, st[O_ID, s])
                st[H_KEY, pos] = st[O_ID, s]
                st[H_VAL, pos] = s + 1
                s = st[O_NEXT, s]


# -- queries ------------------------------------------------------------------------------------

@numba.njit(cache=True)
def best_nb(st: np.ndarray, side: int) -> tuple[int, int, int]:
    """Return (price, lots, orders) of the best ``side`` level; (0, 0, 0) when empty."""
    krow, nslot, _ = _side_rows(side)
    n = st[META, nslot]
    if n == 0:
        return 0, 0, 0
    lvl = st[krow + 1, n - 1]
    return st[L_PRICE, lvl], st[L_TOTAL, lvl], st[L_COUNT, lvl]


@numba.njit(cache=True)
def depth_nb(st: np.ndarray, side: int, k: int) -> np.ndarray:
    """Return rows (price, lots, orders) of the best ``k`` levels of ``side``, best first."""
    krow, nslot, _ = _side_rows(side)
    n = st[META, nslot]
    k = min(k, n)
    out = np.empty((k, 3), dtype=np.int64)
    for j in range(k):
        lvl = st[krow + 1, n - 1 - j]
        out[j, 0] = st[L_PRICE, lvl]
        out[j, 1] = st[L_TOTAL, lvl]
        out[j, 2] = st[L_COUNT, lvl]
    return out


@numba.njit(cache=True)
def level_nb(st: np.ndarray, side: int, price: int) -> int:
    """Return the slot of the ``side`` level at ``price`` (-1 when there is none)."""
    krow, nslot, sign = _side_rows(side)
    i = _find(st, krow, st[META, nslot], sign * price)
    if i >= 0 and st[krow, i] == sign * price:
        return st[krow + 1, i]
    return -1


@numba.njit(cache=True)
def size_at_nb(st: np.ndarray, side: int, price: int) -> tuple[int, int]:
    """Return (lots, orders) at ``price`` on ``side`` ((0, 0) when there is no level)."""
    lvl = level_nb(st, side, price)
    if lvl < 0:
        return 0, 0
    return st[L_TOTAL, lvl], st[L_COUNT, lvl]


@numba.njit(cache=True)
def order_nb(st: np.ndarray, oid: int) -> tuple[int, int, int, int]:
    """Return (slot, side, price, lots) of order ``oid``; slot -1 when it is not on the book."""
    _, s = _hfind(st, oid)
    if s < 0:
        return -1, 0, 0, 0
    return s, st[O_SIDE, s], st[O_PRICE, s], st[O_SIZE, s]


@numba.njit(cache=True)
def queue_nb(st: np.ndarray, oid: int) -> tuple[int, int, int]:
    """Return (found, lots ahead, orders ahead) of order ``oid`` in its level's queue."""
    _, s = _hfind(st, oid)
    if s < 0:
        return 0, 0, 0
    lots = 0
    count = 0
    t = st[L_HEAD, st[O_LEVEL, s]]
    while t != s:
        lots += st[O_SIZE, t]
        count += 1
        t = st[O_NEXT, t]
    return 1, lots, count


@numba.njit(cache=True)
def level_orders_nb(st: np.ndarray, side: int, price: int) -> np.ndarray:
    """Return rows (order id, lots) of the ``side`` level at ``price`` in priority order."""
    lvl = level_nb(st, side, price)
    if lvl < 0:
        return np.empty((0, 2), dtype=np.int64)
    out = np.empty((st[L_COUNT, lvl], 2), dtype=np.int64)
    s = st[L_HEAD, lvl]
    j = 0
    while s >= 0:
        out[j, 0] = st[O_ID, s]
        out[j, 1] = st[O_SIZE, s]
        j += 1
        s = st[O_NEXT, s]
    return out


@numba.njit(cache=True)
def book_orders_nb(st: np.ndarray) -> np.ndarray:
    """Return rows (side, price, order id, lots) of every order: bids then asks, each from
    the best level down and in priority order within a level."""
    out = np.empty((st[META, M_NORD], 4), dtype=np.int64)
    j = 0
    for krow, nslot in ((S_BID_KEY, M_NBID), (S_ASK_KEY, M_NASK)):
        n = st[META, nslot]
        for i in range(n - 1, -1, -1):
            lvl = st[krow + 1, i]
            s = st[L_HEAD, lvl]
            while s >= 0:
                out[j, 0] = st[O_SIDE, s]
                out[j, 1] = st[O_PRICE, s]
                out[j, 2] = st[O_ID, s]
                out[j, 3] = st[O_SIZE, s]
                j += 1
                s = st[O_NEXT, s]
    return out


@numba.njit(cache=True)
def walk_nb(st: np.ndarray, book_side: int, wanted: int) -> tuple[int, int, int]:
    """Walk ``book_side`` from its best level taking up to ``wanted`` lots.

    Returns ``(filled lots, sum of price * lots in tick-lots, worst price reached)``; the
    worst price is 0 when nothing was filled.
    """
    krow, nslot, _ = _side_rows(book_side)
    filled = 0
    notional = 0
    worst = 0
    i = st[META, nslot] - 1
    while i >= 0 and filled < wanted:
        lvl = st[krow + 1, i]
        take = min(st[L_TOTAL, lvl], wanted - filled)
        worst = st[L_PRICE, lvl]
        filled += take
        notional += take * worst
        i -= 1
    return filled, notional, worst


@numba.njit(cache=True)
def side_total_nb(st: np.ndarray, side: int, k: int) -> int:
    """Return the lots on the best ``k`` levels of ``side``."""
    krow, nslot, _ = _side_rows(side)
    n = st[META, nslot]
    total = 0
    for i in range(n - 1, max(n - k, 0) - 1, -1):
        total += st[L_TOTAL, st[krow + 1, i]]
    return total


@numba.njit(cache=True)
def invariants_nb(st: np.ndarray) -> int:
    """Return 0 when the book's structures agree, else the number of the first broken rule.

    1 keys not strictly increasing; 2 a level's price, side or key disagree; 3 a level's
    total or count differs from its orders; 4 a queue's links are broken; 5 an order's
    size is not positive; 6 the hash table does not find an order; 7 counts differ from
    the orders and levels found.
    """
    seen_orders = 0
    seen_levels = 0
    for krow, nslot, side, sign in ((S_BID_KEY, M_NBID, BUY, 1), (S_ASK_KEY, M_NASK, SELL, -1)):
        n = st[META, nslot]
        seen_levels += n
        for i in range(n):
            if i > 0 and st[krow, i] <= st[krow, i - 1]:
                return 1
            lvl = st[krow + 1, i]
            if st[L_SIDE, lvl] != side or sign * st[L_PRICE, lvl] != st[krow, i]:
                return 2
            total = 0
            count = 0
            prev = -1
            s = st[L_HEAD, lvl]
            while s >= 0:
                if st[O_PREV, s] != prev or st[O_LEVEL, s] != lvl:
                    return 4
                if st[O_SIZE, s] <= 0:
                    return 5
                if (st[O_PRICE, s] != st[L_PRICE, lvl]
                        or st[O_SIDE, s] != side):
                    return 2
                if _hfind(st, st[O_ID, s])[1] != s:
                    return 6
                total += st[O_SIZE, s]
                count += 1
                prev = s
                s = st[O_NEXT, s]
            if st[L_TAIL, lvl] != prev:
                return 4
            if total != st[L_TOTAL, lvl] or count != st[L_COUNT, lvl] or count == 0:
                return 3
            seen_orders += count
    live = 0
    for i in range(st.shape[1]):
        if st[H_VAL, i] != 0:
            live += 1
    if seen_orders != st[META, M_NORD] or seen_levels != st[META, M_NLVL] or live != seen_orders:
        return 7
    return 0
