"""numba kernels of the L2 (market-by-price) book over int64 ticks and lots.

The whole book lives in one flat int64 array ``state`` (see :mod:`sapphire.book.layout`)
so that a call from Python unboxes a single array (a numba call pays per argument).
Both sides share one code path through *keys*: a bid's key is its price and an ask's
its negated price, so "better" always means "larger key". Per side:

* a **ladder**: a window of ``W`` consecutive keys starting at ``lo``, one slot of lots
  per tick (0 = no level), with the best slot and the count of levels kept in META. A
  delta inside the window finds its level in O(1) with no search and no branch on the
  data; only a DELETE of the best level scans down to the next non-empty slot.
* the **far** levels: every level below the window, in two arrays sorted by key, best
  last (a scan from the top, then a bisection). The window always holds the best level
  of a non-empty side: a level better than the window moves the window up (the level
  a quarter from its top; what falls below goes far), and a window left empty moves
  down to the best far level, whose neighbours move back in. So the best bid and ask
  are read, never searched.

Why: the previous layout (sorted arrays only) paid a data-dependent scan per delta
(a branch misprediction or two); the ladder replaced it with an index, and the side
is taken arithmetically because feeds alternate sides at random. Measured in
benchmarks/results/README.md ("L2 book").

Every kernel checks a row completely before it changes anything, except the crossed
book check, which can only be made once a message is complete.
"""

from __future__ import annotations

import numba
import numpy as np

from sapphire.book.exact_int_nb import as_int64
from sapphire.book.layout import (
    ADD,
    BAD_ACTION,
    BAD_SIDE,
    BUY,
    CLEAR,
    CROSSED,
    DELETE,
    EXISTING_LEVEL,
    F_LAST,
    F_SNAPSHOT,
    LADDER,
    M_APPLIED,
    M_BEST,
    M_DROPPED,
    M_ERR_ACTION,
    M_ERR_CODE,
    M_ERR_EXPECTED,
    M_ERR_PRICE,
    M_ERR_SEQ,
    M_ERR_SIDE,
    M_ERR_SIZE,
    M_FARCAP,
    M_IGNORED,
    M_IN_MESSAGE,
    M_IN_SNAPSHOT,
    M_LAST_SEQ,
    M_LAST_TS,
    M_LEVEL_RULE,
    M_LO,
    M_NFAR,
    M_NLAD,
    M_ON_ERROR,
    M_RESYNCING,
    M_RESYNCS,
    M_SEQ_MODE,
    M_SYNCED,
    M_WINDOW,
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
    state[M_ERR_CODE] = code
    state[M_ERR_SEQ] = sequence
    state[M_ERR_SIDE] = side
    state[M_ERR_ACTION] = action
    state[M_ERR_PRICE] = price
    state[M_ERR_SIZE] = size
    state[M_ERR_EXPECTED] = expected
    state[M_SYNCED] = 0
    state[M_IN_MESSAGE] = 0
    state[M_IN_SNAPSHOT] = 0
    if state[M_ON_ERROR] == ON_ERROR_RESYNC:
        state[M_RESYNCING] = 1
        state[M_RESYNCS] += 1
        clear_nb(state)
    return code


@numba.njit(cache=True)
def clear_nb(state: np.ndarray) -> None:
    """Empty both sides: zero the ladder slots in use (from the best down), counts to 0.

    Up to 64 slots below the best are zeroed one by one until the side's levels are
    found; a side that spans more has the rest of its window below zeroed in one go.
    """
    width = state[M_WINDOW]
    for s in range(2):
        base = LADDER + s * width
        left = state[M_NLAD + s]
        j = base + state[M_BEST + s]
        stop = max(j - 64, base - 1)
        while left > 0 and j > stop:
            left -= state[j] != 0  # no branch on the slot: most ticks are empty
            state[j] = 0
            j -= 1
        if left > 0:
            state[base: j + 1] = 0
        state[M_NLAD + s] = 0
        state[M_NFAR + s] = 0


@numba.njit(cache=True, inline="always")
def _far_find(state: np.ndarray, keys: int, n: int, key: int) -> int:
    """Return the index of the last far level with key <= ``key`` (-1 when none).

    A scan from the top (the levels nearest the window move most), then a bisection.
    """
    i = n - 1
    stop = n - SCAN
    while i >= 0 and i >= stop and state[keys + i] > key:
        i -= 1
    if i >= 0 and i < stop:
        lo, hi = 0, i + 1  # state[keys + i + 1] > key
        while lo < hi:
            mid = (lo + hi) >> 1
            if state[keys + mid] <= key:
                lo = mid + 1
            else:
                hi = mid
        i = lo - 1
    return i


@numba.njit(cache=True)
def _absent(state: np.ndarray, rule: int) -> int:
    """A DELETE of a level that is not there: ignored under SET, else an error."""
    if rule == RULE_SET:
        state[M_IGNORED] += 1
        return OK
    return MISSING_LEVEL


@numba.njit(cache=True, inline="always")
def _top_slot(width: int) -> int:
    """Return the slot a new best level takes when the window moves to it.

    A quarter of the window stays above it for the best to improve into, the rest below
    for the levels behind it (snapshots list a side from its best level down).
    """
    return width - 1 - width // 4


@numba.njit(cache=True)
def _shift_up(state: np.ndarray, s: int, new_lo: int) -> None:
    """Move side ``s``'s window up to start at key ``new_lo``; levels left below go far.

    They are worse than the window and better than every far level, so appending them
    in ascending order keeps the far arrays sorted.
    """
    width, cap = state[M_WINDOW], state[M_FARCAP]
    lo, base = state[M_LO + s], LADDER + s * width
    keys = LADDER + 2 * width + 2 * s * cap
    nfar = state[M_NFAR + s]
    d = new_lo - lo
    moved = 0
    for i in range(min(d, width)):
        if state[base + i] != 0:
            state[keys + nfar] = lo + i
            state[keys + cap + nfar] = state[base + i]
            nfar += 1
            moved += 1
    for i in range(width - d):
        state[base + i] = state[base + i + d]
    for i in range(max(width - d, 0), width):
        state[base + i] = 0
    state[M_NFAR + s] = nfar
    state[M_NLAD + s] -= moved
    state[M_BEST + s] -= d
    state[M_LO + s] = new_lo


@numba.njit(cache=True)
def _refill(state: np.ndarray, s: int) -> None:
    """Put side ``s``'s best far level at the empty window's top slot; move far levels in."""
    width, cap = state[M_WINDOW], state[M_FARCAP]
    base = LADDER + s * width
    keys = LADDER + 2 * width + 2 * s * cap
    nfar = state[M_NFAR + s]
    lo = state[keys + nfar - 1] - _top_slot(width)
    moved = 0
    while nfar > 0 and state[keys + nfar - 1] >= lo:
        nfar -= 1
        state[base + state[keys + nfar] - lo] = state[keys + cap + nfar]
        moved += 1
    state[M_LO + s] = lo
    state[M_BEST + s] = _top_slot(width)
    state[M_NLAD + s] = moved
    state[M_NFAR + s] = nfar


@numba.njit(cache=True)
def _outside(state: np.ndarray, s: int, action: int, key: int, size: int, rule: int) -> int:
    """Apply a checked ADD/UPDATE/DELETE whose key is outside side ``s``'s window.

    Returns OK, NEED_CAPACITY or MISSING_LEVEL/EXISTING_LEVEL (nothing changed then).
    """
    width, cap = state[M_WINDOW], state[M_FARCAP]
    nlad, nfar, lo = state[M_NLAD + s], state[M_NFAR + s], state[M_LO + s]
    top = _top_slot(width)
    if nlad == 0 or key >= lo + width:  # an empty side, or a level better than the window
        if action == DELETE:
            return _absent(state, rule)
        if action == UPDATE and rule == RULE_STRICT:
            return MISSING_LEVEL
        if nlad + nfar >= cap:
            return NEED_CAPACITY
        if nlad == 0:  # no far levels either (a side whose window empties refills it)
            state[M_LO + s] = key - top
        else:
            _shift_up(state, s, key - top)
        state[LADDER + s * width + top] = size
        state[M_BEST + s] = top
        state[M_NLAD + s] += 1
        return OK
    # below the window: the far arrays, sorted by key, best last
    keys = LADDER + 2 * width + 2 * s * cap
    i = _far_find(state, keys, nfar, key)
    found = i >= 0 and state[keys + i] == key
    if action == DELETE:
        if not found:
            return _absent(state, rule)
        for j in range(i, nfar - 1):
            state[keys + j] = state[keys + j + 1]
            state[keys + cap + j] = state[keys + cap + j + 1]
        state[M_NFAR + s] = nfar - 1
    elif found:
        if action == ADD and rule == RULE_STRICT:
            return EXISTING_LEVEL
        state[keys + cap + i] = size
    elif action == UPDATE and rule == RULE_STRICT:
        return MISSING_LEVEL
    elif nlad + nfar >= cap:
        return NEED_CAPACITY
    else:
        for j in range(nfar, i + 1, -1):
            state[keys + j] = state[keys + j - 1]
            state[keys + cap + j] = state[keys + cap + j - 1]
        state[keys + i + 1] = key
        state[keys + cap + i + 1] = size
        state[M_NFAR + s] = nfar + 1
    return OK


@numba.njit(cache=True, inline="always")
def apply_nb(state: np.ndarray, side: int, action: int, price: int, size: int,
             sequence: int, flags: int, ts: int) -> int:
    """Apply one delta; return :data:`OK`, :data:`NEED_CAPACITY`, :data:`RESYNCED` or an error.

    On an error the row is not applied (a crossed book is, being seen only at the end of
    its message), the error is recorded in META and the book is marked out of sync; under
    the resync policy it is also emptied and later rows are dropped until a snapshot.

    One function body on purpose, inlined into :func:`apply_batch_nb`: numba increments
    and decrements the array's reference count (atomically) around calls that pass it,
    which cost 2-3x per row when the level search and the sequence rule were helpers.
    Only rare paths call out (errors, clears, levels outside the window, re-centring).
    """
    snapshot = (flags & F_SNAPSHOT) != 0
    starts_snapshot = snapshot and (state[M_IN_SNAPSHOT] == 0 or action == CLEAR)
    if not snapshot and state[M_SYNCED] == 0 and state[M_IN_SNAPSHOT] == 0:
        if state[M_RESYNCING] == 1:
            state[M_DROPPED] += 1
            return OK
        return _fail(state, NOT_SYNCED, side, action, price, size, sequence, 0)
    # -- the sequence rule (a snapshot restarts it)
    mode = state[M_SEQ_MODE]
    if not starts_snapshot and mode != SEQ_NONE:
        last = state[M_LAST_SEQ]
        if sequence < last:
            return _fail(state, SEQ_BACKWARDS, side, action, price, size, sequence, last)
        if state[M_IN_MESSAGE] == 0:
            if sequence == last:
                return _fail(state, SEQ_DUPLICATE, side, action, price, size, sequence, last)
            if mode == SEQ_CONTIGUOUS and sequence != last + 1:
                return _fail(state, SEQ_GAP, side, action, price, size, sequence, last + 1)
        elif mode == SEQ_CONTIGUOUS and sequence > last + 1:
            return _fail(state, SEQ_GAP, side, action, price, size, sequence, last + 1)
    if action == CLEAR:
        clear_nb(state)
    elif ADD <= action <= DELETE:
        s = side - BUY  # 0 bids, 1 asks; computed, not branched on (sides come at random)
        if s != 0 and s != 1:
            return _fail(state, BAD_SIDE, side, action, price, size, sequence, 0)
        key = price - 2 * s * price
        if size < 0:
            return _fail(state, NEGATIVE_SIZE, side, action, price, size, sequence, 0)
        if action != DELETE and size == 0:
            return _fail(state, ZERO_SIZE, side, action, price, size, sequence, 0)
        if starts_snapshot:  # a snapshot without a CLEAR still replaces the book
            clear_nb(state)
        rule = state[M_LEVEL_RULE]
        width = state[M_WINDOW]
        nlad = state[M_NLAD + s]
        idx = key - state[M_LO + s]
        if nlad > 0 and 0 <= idx < width:  # -- in the window: the level's slot is known
            slot = LADDER + s * width + idx
            if action == DELETE:
                if state[slot] != 0:
                    state[slot] = 0
                    state[M_NLAD + s] = nlad - 1
                    if idx == state[M_BEST + s]:
                        if nlad > 1:  # the next best is the first non-empty slot below
                            j = slot - 1
                            while state[j] == 0:
                                j -= 1
                            state[M_BEST + s] = j - (slot - idx)
                        elif state[M_NFAR + s] > 0:
                            _refill(state, s)
                elif rule == RULE_SET:
                    state[M_IGNORED] += 1
                else:
                    return _fail(state, MISSING_LEVEL, side, action, price, size, sequence, 0)
            elif state[slot] != 0:
                if action == ADD and rule == RULE_STRICT:
                    return _fail(state, EXISTING_LEVEL, side, action, price, size, sequence, 0)
                state[slot] = size
            elif action == UPDATE and rule == RULE_STRICT:
                return _fail(state, MISSING_LEVEL, side, action, price, size, sequence, 0)
            elif nlad + state[M_NFAR + s] >= state[M_FARCAP]:
                return NEED_CAPACITY
            else:
                state[slot] = size
                state[M_NLAD + s] = nlad + 1
                if idx > state[M_BEST + s]:
                    state[M_BEST + s] = idx
        else:
            code = _outside(state, s, action, key, size, rule)
            if code == NEED_CAPACITY:
                return code
            if code != OK:
                return _fail(state, code, side, action, price, size, sequence, 0)
    else:
        return _fail(state, BAD_ACTION, side, action, price, size, sequence, 0)
    state[M_LAST_SEQ] = sequence
    state[M_LAST_TS] = ts
    state[M_APPLIED] += 1
    state[M_IN_SNAPSHOT] = 1 if snapshot else 0
    if (flags & F_LAST) == 0:
        state[M_IN_MESSAGE] = 1
        return OK
    state[M_IN_MESSAGE] = 0
    if state[M_NLAD] > 0 and state[M_NLAD + 1] > 0:
        bid = state[M_LO] + state[M_BEST]
        ask = -(state[M_LO + 1] + state[M_BEST + 1])
        if bid >= ask:
            return _fail(state, CROSSED, BUY, action, bid, size, sequence, ask)
    if snapshot and state[M_SYNCED] == 0:
        state[M_SYNCED] = 1
        if state[M_RESYNCING] == 1:
            state[M_RESYNCING] = 0
            return RESYNCED
    return OK


@numba.njit(cache=True)
def apply_batch_nb(state: np.ndarray, side: np.ndarray, action: np.ndarray, price: np.ndarray,
                   size: np.ndarray, sequence: np.ndarray, flags: np.ndarray, ts: np.ndarray,
                   start: int) -> tuple[int, int]:
    """Apply rows ``start:`` in order; stop at the first code other than OK.

    Returns ``(code, row)``: ``(OK, len)`` when every row was applied, else the code and
    the row it came from (a NEED_CAPACITY row was not applied; a RESYNCED one was).

    Most rows of a feed are one-row messages that set the size of a level already in the
    window. Runs of them are applied in the inner loop with the counters in locals; a row
    that is anything else goes through :func:`apply_nb`. A row joins a run only when it
    is exactly what apply_nb would apply as a plain size change: a whole message (flags
    exactly LAST) on a synchronised book between messages, passing the sequence rule, an
    UPDATE (or an ADD the level rule lets set a size) with a positive size, for a level
    already in the window. The book was uncrossed at the end of the previous message and
    no price changes, so apply_nb's crossed check cannot fail; its other effects (last
    sequence and time, the applied count, the message and snapshot flags) are written
    once when the run ends. Written inline, not as a helper: passing the eight column
    arrays to a helper costs 16 atomic reference-count updates per call (measured: 5x
    slower on rows outside runs).
    """
    n = side.shape[0]
    i = start
    while i < n:
        if state[M_SYNCED] == 1 and state[M_IN_MESSAGE] == 0:
            mode, rule, width = state[M_SEQ_MODE], state[M_LEVEL_RULE], state[M_WINDOW]
            lo_bid, lo_ask = state[M_LO], state[M_LO + 1]
            last, last_ts, applied = state[M_LAST_SEQ], state[M_LAST_TS], state[M_APPLIED]
            j = i
            while j < n:
                act, new_size, seq = action[j], size[j], sequence[j]
                s = side[j] - BUY
                if (flags[j] != F_LAST or new_size <= 0 or (s != 0 and s != 1)
                        or not (act == UPDATE or (act == ADD and rule != RULE_STRICT))):
                    break
                if mode == SEQ_CONTIGUOUS:
                    if seq != last + 1:
                        break
                elif mode != SEQ_NONE and seq <= last:
                    break
                idx = price[j] - 2 * s * price[j] - (lo_bid if s == 0 else lo_ask)
                if idx < 0 or idx >= width:
                    break
                slot = LADDER + s * width + idx
                if state[slot] == 0:  # no level (an empty side's window is all zero)
                    break
                state[slot] = new_size
                last = seq
                last_ts = ts[j]
                applied += 1
                j += 1
            if j > i:
                state[M_LAST_SEQ] = last
                state[M_LAST_TS] = last_ts
                state[M_APPLIED] = applied
                state[M_IN_SNAPSHOT] = 0
                state[M_IN_MESSAGE] = 0
                i = j
                if i == n:
                    break
        code = apply_nb(state, side[i], action[i], price[i], size[i], sequence[i], flags[i],
                        ts[i])
        if code != OK:
            return code, i
        i += 1
    return OK, n


@numba.njit(cache=True)
def levels_nb(state: np.ndarray, s: int, keys: np.ndarray, sizes: np.ndarray) -> int:
    """Fill ``keys`` and ``sizes`` with side ``s``'s levels, best first; return how many.

    Fills at most ``len(keys)`` levels: the window from its best slot down over
    non-empty slots, then the far levels from the top down.
    """
    wanted = keys.shape[0]
    width, cap = state[M_WINDOW], state[M_FARCAP]
    base = LADDER + s * width
    lo = state[M_LO + s]
    left = state[M_NLAD + s]
    out = 0
    i = state[M_BEST + s]
    while left > 0 and out < wanted:
        if state[base + i] != 0:
            keys[out] = lo + i
            sizes[out] = state[base + i]
            out += 1
            left -= 1
        i -= 1
    far = LADDER + 2 * width + 2 * s * cap
    i = state[M_NFAR + s] - 1
    while i >= 0 and out < wanted:
        keys[out] = state[far + i]
        sizes[out] = state[far + cap + i]
        out += 1
        i -= 1
    return out


@numba.njit(cache=True)
def walk_nb(state: np.ndarray, book_side: int, wanted: int) -> tuple[int, int, int]:
    """Walk ``book_side`` from its best level taking up to ``wanted`` lots.

    Returns ``(filled lots, sum of price * lots in tick-lots, worst price reached)``; the
    worst price is 0 when nothing was filled.
    """
    s = 0 if book_side == BUY else 1
    sign = 1 if book_side == BUY else -1
    width, cap = state[M_WINDOW], state[M_FARCAP]
    base = LADDER + s * width
    lo = state[M_LO + s]
    left = state[M_NLAD + s]
    filled = 0
    notional = 0
    worst = 0
    i = state[M_BEST + s]
    while left > 0 and filled < wanted:
        if state[base + i] != 0:
            take = min(state[base + i], wanted - filled)
            worst = sign * (lo + i)
            filled += take
            notional += take * worst
            left -= 1
        i -= 1
    far = LADDER + 2 * width + 2 * s * cap
    i = state[M_NFAR + s] - 1
    while i >= 0 and filled < wanted:
        take = min(state[far + cap + i], wanted - filled)
        worst = sign * state[far + i]
        filled += take
        notional += take * worst
        i -= 1
    return filled, notional, worst


@numba.njit(cache=True)
def side_total_nb(state: np.ndarray, book_side: int, levels: int) -> int:
    """Return the lots on the best ``levels`` levels of ``book_side``."""
    s = 0 if book_side == BUY else 1
    width, cap = state[M_WINDOW], state[M_FARCAP]
    base = LADDER + s * width
    left = min(state[M_NLAD + s], levels)
    total = 0
    i = state[M_BEST + s]
    while left > 0:
        if state[base + i] != 0:
            total += state[base + i]
            left -= 1
        i -= 1
    far = LADDER + 2 * width + 2 * s * cap
    nfar = state[M_NFAR + s]
    rest = levels - min(state[M_NLAD + s], levels)  # levels still wanted from the far arrays
    for i in range(nfar - 1, max(nfar - rest, 0) - 1, -1):
        total += state[far + cap + i]
    return total


@numba.njit(cache=True)
def apply_one_nb(state: np.ndarray, side: int, action: int, price: int, size: int,
                 sequence: int, flags: int, ts: int) -> int:
    """:func:`apply_nb` for one delta from Python, compiled for :data:`exact_int64` arguments.

    Numba then refuses a float or a bool argument (``TypeError``) instead of truncating it.
    """
    return apply_nb(state, as_int64(side), as_int64(action), as_int64(price), as_int64(size),
                    as_int64(sequence), as_int64(flags), as_int64(ts))
