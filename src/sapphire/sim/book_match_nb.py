"""Book replay kernels of the simulated venue: apply market events, move the queues.

A book stream is replayed here, event after event, in compiled code: each event is
applied to the instrument's book, the touch is written to the
:class:`~sapphire.sim.market_state.MarketState` table, and the venue's resting orders
(a :mod:`~sapphire.sim.queue_table` array) move up their queues. The kernel returns to
Python at the first event Python must handle, with the reasons as bits:

* :data:`R_FILL`: a trade reached a resting order (its ``Q_FILL`` says how many lots);
* :data:`R_THRESHOLD`: the touch crossed one of the venue's thresholds (a trigger, or
  the other side reaching a resting limit's price);
* :data:`R_TOUCH`, :data:`R_TRADE`, :data:`R_EVERY`: a strategy asked for top-of-book
  changes, trades, or the book after every message and trade;
* :data:`R_BOOK`: the book returned a code (an integrity fault, more room needed, a
  resynchronisation); ``NEED_CAPACITY`` events are not applied.

The touch is read where a message ends (a row flagged LAST) and along a snapshot (some
vendors' snapshots have no LAST row, and a quiet market may send nothing after one):
inside a message the book passes through states the venue never showed (a new best bid
before the old best ask is deleted), which must neither fill nor trigger anything.

Queue models (positions in lots):

* **L2, conservative** (:func:`l2_run_nb`): an order joins behind all the size
  displayed at its price. A trade at its price first takes the size ahead, then fills
  the order; a trade through its price fills it all. A level's size falling by more
  than the trades seen there since its last change is taken for cancels, which shrink
  the size ahead in proportion (``ahead * cancelled // size before``, rounded down: the
  conservative side). Size added to the level queues behind the order. A CLEAR
  (snapshot) moves nobody forward.
* **L3, FIFO** (:func:`l3_run_nb`): the order rests in the L3 book as a real order
  (the venue adds it), so cancels ahead of it move it up exactly; a trade at its price
  fills it by what exceeds the lots ahead of it in the book's queue at that moment, a
  trade through its price fills it all.

Either way the data is replayed as recorded: fills of the simulated orders take no size
from the book that later events show (no market impact), except that an aggressive
order's fill reduces an L2 level until the data next sets it.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from sapphire.book import l2_nb, l3_nb
from sapphire.book import l3_layout as L3  # noqa: N812  (as the books do)
from sapphire.book.layout import (
    DELETE,
    F_LAST,
    F_SNAPSHOT,
    LADDER,
    M_APPLIED,
    M_BEST,
    M_FARCAP,
    M_IN_MESSAGE,
    M_IN_SNAPSHOT,
    M_LAST_SEQ,
    M_LAST_TS,
    M_LO,
    M_NFAR,
    M_NLAD,
    M_SEQ_MODE,
    M_SYNCED,
    M_WINDOW,
    META_SLOTS,
    RESYNCED,
    UPDATE,
)
from sapphire.sim.market_state import (
    ASK,
    ASK_LOTS,
    BID,
    BID_LOTS,
    DOWN_BUY,
    DOWN_SELL,
    HAS_MARKET,
    UP_BUY,
    UP_SELL,
    WATCH,
)
from sapphire.sim.queue_table import Q_AHEAD, Q_FILL, Q_LEAVES, Q_OID, Q_PRICE, Q_SIDE, Q_TRADED

R_FILL, R_THRESHOLD, R_TOUCH, R_TRADE, R_EVERY, R_BOOK = 1, 2, 4, 8, 16, 32
#: What a stream's kernel call watches for (``wants`` bits).
W_MATCH, W_TOUCH, W_TRADES, W_EVERY = 1, 2, 4, 8
#: Rows of an L2 stream's event array: kind (0 delta, 1 trade), side (aggressor side for a
#: trade), action, price, size, flags, sequence.
E_KIND, E_SIDE, E_ACTION, E_PRICE, E_SIZE, E_FLAGS, E_SEQ = range(7)
DELTA, TRADE = 0, 1
#: Rows of an L3 stream's event array.
O_OID, O_SIDE, O_ACTION, O_PRICE, O_SIZE, O_FLAGS, O_SEQ = range(7)
#: Columns of a stream's last touch: bid, ask, bid lots, ask lots, and 1 once the book
#: has had both sides (the prices are then the last ones seen on each side).
T_BID, T_ASK, T_BID_LOTS, T_ASK_LOTS, T_SEEN = range(5)

_BUY, _SELL = 1, 2


@nb.njit(cache=True, inline="always")
def _l2_size_at(book: np.ndarray, side: int, price: int) -> int:
    s = side - _BUY
    key = price - 2 * s * price
    if book[M_NLAD + s] == 0:
        return 0
    width = book[M_WINDOW]
    idx = key - book[M_LO + s]
    if idx >= width:
        return 0
    if idx >= 0:
        return book[LADDER + s * width + idx]
    cap = book[M_FARCAP]
    keys = LADDER + 2 * width + 2 * s * cap  # layout.far_start, inline
    for i in range(book[M_NFAR + s]):
        if book[keys + i] == key:
            return book[keys + cap + i]
    return 0


@nb.njit(cache=True, inline="always")
def _trade_hits(queue: np.ndarray, aggressor: int, price: int, size: int, bid: int,
                ask: int, book: np.ndarray, l3: bool) -> int:
    """Fill resting orders a trade reaches; return the lots newly marked to fill."""
    if aggressor != _BUY and aggressor != _SELL:  # no side given: infer it from the touch
        aggressor = _BUY if price >= ask else (_SELL if price <= bid else 0)
        if aggressor == 0:
            return 0
    passive = _SELL if aggressor == _BUY else _BUY
    total = 0
    for q in range(1, queue[0, 0] + 1):
        if queue[q, Q_SIDE] != passive:
            continue
        mine = queue[q, Q_PRICE]
        room = queue[q, Q_LEAVES] - queue[q, Q_FILL]
        through = price > mine if passive == _SELL else price < mine
        add = 0
        if through:
            add = room
        elif price == mine:
            if l3:  # the book's FIFO count (everyone, if a CLEAR took our order out)
                found, lots, _ = l3_nb.queue_nb(book, queue[q, Q_OID])
                queue[q, Q_AHEAD] = lots if found else l3_nb.size_at_nb(book, passive, mine)[0]
            ahead = queue[q, Q_AHEAD]
            if size > ahead:
                add = min(room, size - ahead)
                queue[q, Q_AHEAD] = 0
            else:
                queue[q, Q_AHEAD] = ahead - size
            queue[q, Q_TRADED] += size
        if add > 0:
            queue[q, Q_FILL] += add
            total += add
    return total


@nb.njit(cache=True, inline="always")
def _requeue(queue: np.ndarray, q: int, before: int, after: int) -> None:
    """L2: the level of row ``q`` went from ``before`` to ``after`` lots."""
    if after >= before:
        queue[q, Q_TRADED] = 0
        return
    fall = before - after
    traded = min(queue[q, Q_TRADED], fall)
    queue[q, Q_TRADED] -= traded
    cancelled = fall - traded
    ahead = queue[q, Q_AHEAD]
    if cancelled > 0 and ahead > 0:
        ahead -= cancelled * ahead // before
    queue[q, Q_AHEAD] = min(ahead, after)


@nb.njit(cache=True, inline="always")
def _touch(touch: np.ndarray, market: np.ndarray, k: int, wants: int, bid: int, ask: int,
           bid_lots: int, ask_lots: int, two_sided: bool, last: bool) -> int:
    """Record the new touch; return the stop reasons it gives. Only a message's end
    (``last``) counts as a touch strategies hear of; the venue matches on snapshots too."""
    reason = 0
    if last:
        if two_sided:
            touch[T_SEEN] = 1
        if (bid != touch[T_BID] or ask != touch[T_ASK] or bid_lots != touch[T_BID_LOTS]
                or ask_lots != touch[T_ASK_LOTS]):
            touch[T_BID], touch[T_ASK] = bid, ask
            touch[T_BID_LOTS], touch[T_ASK_LOTS] = bid_lots, ask_lots
            if wants & W_TOUCH:
                reason = R_TOUCH
        if wants & W_EVERY:
            reason |= R_EVERY
    if wants & W_MATCH:
        market[k, BID], market[k, ASK] = bid, ask
        market[k, BID_LOTS], market[k, ASK_LOTS] = bid_lots, ask_lots
        if two_sided:
            market[k, HAS_MARKET] = 1
        if market[k, HAS_MARKET] and (
                market[k, WATCH] or ask <= market[k, DOWN_BUY] or bid <= market[k, DOWN_SELL]
                or ask >= market[k, UP_BUY] or bid >= market[k, UP_SELL]):
            reason |= R_THRESHOLD
    return reason


@nb.njit(cache=True)
def l2_run_nb(i, due, ev_ts, ev_stream, ev_local, sid, rows, book, queue, touch, market, k,
              wants, mids):
    """Replay timeline events ``i..`` of L2 stream ``sid``; return (index, reasons, code).

    Stops before the first event of another stream or at or after ``due`` (reasons 0:
    that event was not consumed), or after an event Python must handle (reasons set).
    ``mids[row]`` gets bid + ask after each event once the book has had both sides.
    """
    n = ev_ts.shape[0]
    match = (wants & W_MATCH) != 0
    while i < n:
        ts = ev_ts[i]
        if ev_stream[i] != sid or ts >= due:
            return i, 0, 0
        r = ev_local[i]
        side = rows[E_SIDE, r]
        price = rows[E_PRICE, r]
        size = rows[E_SIZE, r]
        reason = 0
        code = 0
        if rows[E_KIND, r] == TRADE:
            if wants & W_EVERY:
                reason |= R_EVERY
            if match and queue[0, 0] > 0 and _trade_hits(queue, side, price, size, touch[T_BID],
                                                        touch[T_ASK], book, False) > 0:
                reason |= R_FILL
            if wants & W_TRADES:
                reason |= R_TRADE
        else:
            queued = False
            if match:
                for q in range(1, queue[0, 0] + 1):
                    if queue[q, Q_SIDE] == side and queue[q, Q_PRICE] == price:
                        queued = True
            before = _l2_size_at(book, side, price) if queued else 0
            code = l2_nb.apply_nb(book, side, rows[E_ACTION, r], price, size, rows[E_SEQ, r],
                                  rows[E_FLAGS, r], ts)
            if code != 0 and code != RESYNCED:  # not applied (or the book went out of sync)
                return i, reason | R_BOOK, code
            if code == RESYNCED:
                reason |= R_BOOK
            if queued:
                after = _l2_size_at(book, side, price)
                for q in range(1, queue[0, 0] + 1):
                    if queue[q, Q_SIDE] == side and queue[q, Q_PRICE] == price:
                        _requeue(queue, q, before, after)
            if (rows[E_FLAGS, r] & (F_LAST | F_SNAPSHOT)) == 0:  # mid-message: not settled
                i += 1
                continue
            has_bid = book[M_NLAD] > 0
            has_ask = book[M_NLAD + 1] > 0
            width = book[M_WINDOW]
            bid, ask = touch[T_BID], touch[T_ASK]
            bid_lots = ask_lots = 0
            if has_bid:
                bid = book[M_LO] + book[M_BEST]
                bid_lots = book[LADDER + book[M_BEST]]
            if has_ask:
                ask = -(book[M_LO + 1] + book[M_BEST + 1])
                ask_lots = book[LADDER + width + book[M_BEST + 1]]
            reason |= _touch(touch, market, k, wants, bid, ask, bid_lots, ask_lots,
                             has_bid and has_ask, (rows[E_FLAGS, r] & F_LAST) != 0)
        if touch[T_SEEN]:
            mids[r] = touch[T_BID] + touch[T_ASK]
        if reason:
            return i, reason, code
        i += 1
    return n, 0, 0


@nb.njit(cache=True)
def l3_run_nb(i, due, ev_ts, ev_stream, ev_local, sid, rows, book, queue, touch, market, k,
              wants, mids):
    """:func:`l2_run_nb` for an L3 (market-by-order) stream with FIFO queues."""
    n = ev_ts.shape[0]
    match = (wants & W_MATCH) != 0
    while i < n:
        ts = ev_ts[i]
        if ev_stream[i] != sid or ts >= due:
            return i, 0, 0
        r = ev_local[i]
        action = rows[O_ACTION, r]
        reason = 0
        if action == L3.TRADE:
            if wants & W_EVERY:
                reason |= R_EVERY
            if match and queue[0, 0] > 0 and _trade_hits(
                    queue, rows[O_SIDE, r], rows[O_PRICE, r], rows[O_SIZE, r], touch[T_BID],
                    touch[T_ASK], book, True) > 0:
                reason |= R_FILL
            if wants & W_TRADES:
                reason |= R_TRADE
        code = l3_nb.apply_nb(book, rows[O_OID, r], rows[O_SIDE, r], action, rows[O_PRICE, r],
                              rows[O_SIZE, r], rows[O_SEQ, r], rows[O_FLAGS, r], ts)
        if code != L3.OK and code != L3.RESYNCED:
            return i, reason | R_BOOK, code
        if code == L3.RESYNCED:
            reason |= R_BOOK
        if action != L3.TRADE and action != L3.FILL and (
                rows[O_FLAGS, r] & (L3.F_LAST | L3.F_SNAPSHOT)) != 0:
            bid, bid_lots, _ = l3_nb.best_nb(book, _BUY)
            ask, ask_lots, _ = l3_nb.best_nb(book, _SELL)
            two_sided = bid_lots > 0 and ask_lots > 0
            if bid_lots == 0:
                bid = touch[T_BID]
            if ask_lots == 0:
                ask = touch[T_ASK]
            reason |= _touch(touch, market, k, wants, bid, ask, bid_lots, ask_lots, two_sided,
                             (rows[O_FLAGS, r] & L3.F_LAST) != 0)
        if touch[T_SEEN]:
            mids[r] = touch[T_BID] + touch[T_ASK]
        if reason:
            return i, reason, code
        i += 1
    return n, 0, 0


@nb.njit(cache=True)
def l2_consume_nb(book: np.ndarray, side: int, price: int, lots: int) -> int:
    """Take ``lots`` off the ``side`` level at ``price`` (an aggressive fill); return the
    lots it holds now. The book's sequence, time, message state and counters are left as
    the data set them (the change goes in as a row without LAST, so no message ends)."""
    held = _l2_size_at(book, side, price)
    if held == 0 or lots <= 0 or book[M_SYNCED] == 0:
        return held
    left = max(held - lots, 0)
    saved = book[:META_SLOTS].copy()
    book[M_SEQ_MODE] = 0
    code = l2_nb.apply_nb(book, side, DELETE if left == 0 else UPDATE, price, left,
                          saved[M_LAST_SEQ], 0, saved[M_LAST_TS])
    for slot in (M_LAST_SEQ, M_LAST_TS, M_SEQ_MODE, M_APPLIED, M_IN_MESSAGE, M_IN_SNAPSHOT):
        book[slot] = saved[slot]
    return left if code == 0 else held


@nb.njit(cache=True)
def l3_phantom_nb(book: np.ndarray, oid: int, side: int, price: int, lots: int) -> int:
    """Rest, move or resize the venue's order ``oid`` in the L3 book as a real order (the
    CME rule: a new price or more lots go to the back of the queue, fewer keep the place);
    ``lots`` 0 removes it. Returns an l3 code (NEED_CAPACITY: grow the book and call again)."""
    _, s = l3_nb._hfind(book, oid)
    if s < 0:
        if lots == 0:
            return L3.OK
        if 2 * (book[L3.META, L3.M_NORD] + 1) > book.shape[1]:
            return L3.NEED_CAPACITY
        return l3_nb._add(book, oid, side, price, lots, book[L3.META, L3.M_LAST_SEQ])
    if lots == 0:
        return l3_nb._reduce(book, oid, side, L3.CANCEL, book[L3.O_PRICE, s],
                             book[L3.O_SIZE, s], 0)
    if book[L3.O_PRICE, s] == price and book[L3.O_SIZE, s] == lots:
        return L3.OK
    return l3_nb._modify(book, oid, side, price, lots, 0)
