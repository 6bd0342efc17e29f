"""numba kernels of the L2 (market-by-price) book over int64 ticks and lots.

The whole book lives in one int64 array ``state`` of shape ``(5, capacity)`` so that a
call from Python unboxes a single array (a numba call pays per argument):

* rows :data:`BID_KEY`/:data:`BID_SIZE` and :data:`ASK_KEY`/:data:`ASK_SIZE` hold the
  levels of each side sorted by *key* ascending, the best level last. The key of a bid
  is its price and of an ask its negated price, so both sides share one code path and
  "better" always means "larger key".
* row :data:`META` holds the counts, the integrity settings and the last error (the
  ``M_*`` indices below).

Why sorted arrays, best last: almost every delta of a real feed touches the first few
levels, so a scan from the top finds the level in one to three steps and an insert or
a delete moves only the levels above it; deep books fall back to a binary search after
:data:`SCAN` steps. Measured: 16 ns per top-of-book update, 28 ns for updates spread
uniformly over 10 levels (branch mispredictions of the scan). A tick-indexed ladder
would make the spread case O(1) but must re-find the best level after a delete and
re-centre its window; it was not built (see benchmarks/results/README.md, "L2 book").

Every kernel checks a row completely before it changes anything, except the crossed
book check, which can only be made once a message is complete.
"""

from __future__ import annotations

import numba
import numpy as np

from sapphire.book.layout import (
    ADD,
    ASK_KEY,
    BAD_ACTION,
    BAD_SIDE,
    BID_KEY,
    BUY,
    CLEAR,
    CROSSED,
    DELETE,
    EXISTING_LEVEL,
    F_LAST,
    F_SNAPSHOT,
    M_APPLIED,
    M_DROPPED,
    M_ERR_ACTION,
    M_ERR_CODE,
    M_ERR_EXPECTED,
    M_ERR_PRICE,
    M_ERR_SEQ,
    M_ERR_SIDE,
    M_ERR_SIZE,
    M_IGNORED,
    M_IN_MESSAGE,
    M_IN_SNAPSHOT,
    M_LAST_SEQ,
    M_LAST_TS,
    M_LEVEL_RULE,
    M_NASK,
    M_NBID,
    M_ON_ERROR,
    M_RESYNCING,
    M_RESYNCS,
    M_SEQ_MODE,
    M_SYNCED,
    META,
    MISSING_LEVEL,
    NEED_CAPACITY,
    NEGATIVE_SIZE,
    NOT_SYNCED,
    OK,
    ON_ERROR_RESYNC,
    RESYNCED,
    RULE_SET,
    RULE_STRICT,
    SCAN,
    SELL,
    SEQ_BACKWARDS,
    SEQ_CONTIGUOUS,
    SEQ_DUPLICATE,
    SEQ_GAP,
    SEQ_NONE,
    UPDATE,
    ZERO_SIZE,
)


@numba.njit(cache=True)
def _fail(state: np.ndarray, code: int, side: int, action: int, price: int, size: int,
          sequence: int, expected: int) -> int:
    meta = state[META]  # a view costs two atomic refcounts: fine on this rare path
    meta[M_ERR_CODE] = code
    meta[M_ERR_SEQ] = sequence
    meta[M_ERR_SIDE] = side
    meta[M_ERR_ACTION] = action
    meta[M_ERR_PRICE] = price
    meta[M_ERR_SIZE] = size
    meta[M_ERR_EXPECTED] = expected
    meta[M_SYNCED] = 0
    meta[M_IN_MESSAGE] = 0
    meta[M_IN_SNAPSHOT] = 0
    if meta[M_ON_ERROR] == ON_ERROR_RESYNC:
        meta[M_RESYNCING] = 1
        meta[M_RESYNCS] += 1
        meta[M_NBID] = 0
        meta[M_NASK] = 0
    return code


@numba.njit(cache=True, inline="always")
def apply_nb(state: np.ndarray, side: int, action: int, price: int, size: int,
             sequence: int, flags: int, ts: int) -> int:
    """Apply one delta; return :data:`OK`, :data:`NEED_CAPACITY`, :data:`RESYNCED` or an error.

    On an error the row is not applied (a crossed book is, being seen only at the end of
    its message), the error is recorded in META and the book is marked out of sync; under
    the resync policy it is also emptied and later rows are dropped until a snapshot.

    One function body on purpose, inlined into :func:`apply_batch_nb`: numba increments
    and decrements the array's reference count (atomically) around calls that pass it,
    which cost 2-3x per row when the level search and the sequence rule were helpers
    (measured: 38 -> 16 ns per top-of-book update). Only error paths call out.
    """
    snapshot = (flags & F_SNAPSHOT) != 0
    starts_snapshot = snapshot and (state[META, M_IN_SNAPSHOT] == 0 or action == CLEAR)
    if not snapshot and state[META, M_SYNCED] == 0 and state[META, M_IN_SNAPSHOT] == 0:
        if state[META, M_RESYNCING] == 1:
            state[META, M_DROPPED] += 1
            return OK
        return _fail(state, NOT_SYNCED, side, action, price, size, sequence, 0)
    # -- the sequence rule (a snapshot restarts it)
    mode = state[META, M_SEQ_MODE]
    if not starts_snapshot and mode != SEQ_NONE:
        last = state[META, M_LAST_SEQ]
        if sequence < last:
            return _fail(state, SEQ_BACKWARDS, side, action, price, size, sequence, last)
        if state[META, M_IN_MESSAGE] == 0:
            if sequence == last:
                return _fail(state, SEQ_DUPLICATE, side, action, price, size, sequence, last)
            if mode == SEQ_CONTIGUOUS and sequence != last + 1:
                return _fail(state, SEQ_GAP, side, action, price, size, sequence, last + 1)
        elif mode == SEQ_CONTIGUOUS and sequence > last + 1:
            return _fail(state, SEQ_GAP, side, action, price, size, sequence, last + 1)
    if action == CLEAR:
        state[META, M_NBID] = 0
        state[META, M_NASK] = 0
    elif ADD <= action <= DELETE:
        if side == BUY:
            krow, nslot, key = BID_KEY, M_NBID, price
        elif side == SELL:
            krow, nslot, key = ASK_KEY, M_NASK, -price
        else:
            return _fail(state, BAD_SIDE, side, action, price, size, sequence, 0)
        if size < 0:
            return _fail(state, NEGATIVE_SIZE, side, action, price, size, sequence, 0)
        if action != DELETE and size == 0:
            return _fail(state, ZERO_SIZE, side, action, price, size, sequence, 0)
        if starts_snapshot:  # a snapshot without a CLEAR still replaces the book
            state[META, M_NBID] = 0
            state[META, M_NASK] = 0
        # -- find the last level with key <= key: scan from the top, then bisect
        n = state[META, nslot]
        i = n - 1
        stop = n - SCAN
        while i >= 0 and i >= stop and state[krow, i] > key:
            i -= 1
        if i >= 0 and i < stop:
            lo, hi = 0, i + 1  # state[krow, i + 1] > key
            while lo < hi:
                mid = (lo + hi) >> 1
                if state[krow, mid] <= key:
                    lo = mid + 1
                else:
                    hi = mid
            i = lo - 1
        found = i >= 0 and state[krow, i] == key
        rule = state[META, M_LEVEL_RULE]
        if action == DELETE:
            if found:
                for j in range(i, n - 1):
                    state[krow, j] = state[krow, j + 1]
                    state[krow + 1, j] = state[krow + 1, j + 1]
                state[META, nslot] = n - 1
            elif rule == RULE_SET:
                state[META, M_IGNORED] += 1
            else:
                return _fail(state, MISSING_LEVEL, side, action, price, size, sequence, 0)
        elif found:
            if action == ADD and rule == RULE_STRICT:
                return _fail(state, EXISTING_LEVEL, side, action, price, size, sequence, 0)
            state[krow + 1, i] = size
        elif action == UPDATE and rule == RULE_STRICT:
            return _fail(state, MISSING_LEVEL, side, action, price, size, sequence, 0)
        elif n == state.shape[1]:
            return NEED_CAPACITY
        else:
            for j in range(n, i + 1, -1):
                state[krow, j] = state[krow, j - 1]
                state[krow + 1, j] = state[krow + 1, j - 1]
            state[krow, i + 1] = key
            state[krow + 1, i + 1] = size
            state[META, nslot] = n + 1
    else:
        return _fail(state, BAD_ACTION, side, action, price, size, sequence, 0)
    state[META, M_LAST_SEQ] = sequence
    state[META, M_LAST_TS] = ts
    state[META, M_APPLIED] += 1
    state[META, M_IN_SNAPSHOT] = 1 if snapshot else 0
    if (flags & F_LAST) == 0:
        state[META, M_IN_MESSAGE] = 1
        return OK
    state[META, M_IN_MESSAGE] = 0
    nb, na = state[META, M_NBID], state[META, M_NASK]
    if nb > 0 and na > 0 and state[BID_KEY, nb - 1] >= -state[ASK_KEY, na - 1]:
        return _fail(state, CROSSED, BUY, action, state[BID_KEY, nb - 1], size, sequence,
                     -state[ASK_KEY, na - 1])
    if snapshot and state[META, M_SYNCED] == 0:
        state[META, M_SYNCED] = 1
        if state[META, M_RESYNCING] == 1:
            state[META, M_RESYNCING] = 0
            return RESYNCED
    return OK


@numba.njit(cache=True)
def apply_batch_nb(state: np.ndarray, side: np.ndarray, action: np.ndarray, price: np.ndarray,
                   size: np.ndarray, sequence: np.ndarray, flags: np.ndarray, ts: np.ndarray,
                   start: int) -> tuple[int, int]:
    """Apply rows ``start:`` in order; stop at the first code other than OK.

    Returns ``(code, row)``: ``(OK, len)`` when every row was applied, else the code and
    the row it came from (a NEED_CAPACITY row was not applied; a RESYNCED one was).
    """
    n = side.shape[0]
    for i in range(start, n):
        code = apply_nb(state, side[i], action[i], price[i], size[i], sequence[i], flags[i],
                        ts[i])
        if code != OK:
            return code, i
    return OK, n


@numba.njit(cache=True)
def walk_nb(state: np.ndarray, book_side: int, wanted: int) -> tuple[int, int, int]:
    """Walk ``book_side`` from its best level taking up to ``wanted`` lots.

    Returns ``(filled lots, sum of price * lots in tick-lots, worst price reached)``; the
    worst price is 0 when nothing was filled.
    """
    krow = BID_KEY if book_side == BUY else ASK_KEY
    sign = 1 if book_side == BUY else -1
    n = state[META, M_NBID] if book_side == BUY else state[META, M_NASK]
    filled = 0
    notional = 0
    worst = 0
    i = n - 1
    while i >= 0 and filled < wanted:
        take = min(state[krow + 1, i], wanted - filled)
        worst = sign * state[krow, i]
        filled += take
        notional += take * worst
        i -= 1
    return filled, notional, worst


@numba.njit(cache=True)
def side_total_nb(state: np.ndarray, book_side: int, levels: int) -> int:
    """Return the lots on the best ``levels`` levels of ``book_side``."""
    krow = BID_KEY if book_side == BUY else ASK_KEY
    n = state[META, M_NBID] if book_side == BUY else state[META, M_NASK]
    total = 0
    for i in range(n - 1, max(n - levels, 0) - 1, -1):
        total += state[krow + 1, i]
    return total
