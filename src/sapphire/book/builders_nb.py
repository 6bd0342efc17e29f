"""The vendor sequencing rules over a batch of messages, as one numba kernel.

:func:`sequence_nb` runs the state machine of
:meth:`sapphire.book.builders.Sequencer.step` over arrays of message ids and stops at
the first message that must be reported (a broken rule, or a diff before any snapshot),
so that the Python side can word the error from the same code as one message at a time.
Everything else (snapshots, stale Binance diffs, messages dropped while resyncing,
messages that follow the rule) is decided here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Vendor codes.
BINANCE, BYBIT, TARDIS = 0, 1, 2
#: Reason codes written per message (0 keeps it).
KEEP, STALE, RESYNC, BEFORE_SNAPSHOT = 0, 1, 2, 3
#: Slots of the state array (int64) carried between calls.
SYNCED, RESYNCING, SNAPSHOT_ID, HAS_PREVIOUS, PREVIOUS_FIRST, PREVIOUS_LAST, WHY = range(7)
STATE_SIZE = 7


@njit(cache=True, nogil=True)
def sequence_nb(vendor: int, first: np.ndarray, last: np.ndarray, previous: np.ndarray,
                snapshot: np.ndarray, start: int, state: np.ndarray,
                codes: np.ndarray) -> int:  # pragma: no cover - compiled
    """Decide messages ``start..`` into ``codes``; return the index of the first to report.

    ``first``/``last``/``previous`` are Binance ``U``/``u``/``pu`` (``pu`` -1 when
    absent) or Bybit ``u``/``seq``; ``state`` (see the slot constants) is read and
    updated in place. Returns ``len(first)`` when no message needs reporting; the
    message at the returned index is left undecided and the state is as before it.
    """
    synced = state[SYNCED]
    resyncing = state[RESYNCING]
    snapshot_id = state[SNAPSHOT_ID]
    has_previous = state[HAS_PREVIOUS]
    previous_first = state[PREVIOUS_FIRST]
    previous_last = state[PREVIOUS_LAST]
    why = state[WHY]
    n = len(first)
    stop = n
    for i in range(start, n):
        if snapshot[i]:
            synced, resyncing, has_previous = 1, 0, 0
            snapshot_id = last[i]
            codes[i] = KEEP
            continue
        if not synced:
            if not resyncing:
                stop = i
                break
            codes[i] = why
            continue
        broken = False
        if vendor == BINANCE:
            if not has_previous:
                if last[i] <= snapshot_id:
                    codes[i] = STALE
                    continue
                broken = not (first[i] <= snapshot_id + 1 <= last[i])
            elif previous[i] != -1:
                broken = previous[i] != previous_last
            else:
                broken = first[i] != previous_last + 1
        elif vendor == BYBIT and has_previous:
            broken = first[i] != previous_first + 1 or last[i] <= previous_last
        if broken:
            stop = i
            break
        codes[i] = KEEP
        has_previous, previous_first, previous_last = 1, first[i], last[i]
    state[SYNCED] = synced
    state[RESYNCING] = resyncing
    state[SNAPSHOT_ID] = snapshot_id
    state[HAS_PREVIOUS] = has_previous
    state[PREVIOUS_FIRST] = previous_first
    state[PREVIOUS_LAST] = previous_last
    state[WHY] = why
    return stop
