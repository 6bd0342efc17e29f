"""Random delta streams: one at a time, batch replay and the dict reference agree row by row,
and the book keeps its invariants after every consistent message."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sapphire.book import L2Book, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.core.errors import BookIntegrityError
from tests.unit.book.reference import LAST, SNAPSHOT, RefBook, book_sides

RULES = {LevelRule.STRICT: "strict", LevelRule.UPSERT: "upsert", LevelRule.SET: "set"}
# ladder widths (ticks): narrow ones move the window and the far levels on most rows
WINDOWS = st.sampled_from([1, 2, 3, 4, 7, 1024])


@st.composite
def streams(draw, faulty: bool):
    """A snapshot, then messages of 1-3 rows around a drifting mid (some bad when faulty)."""
    mid = 1000
    bids = {mid - i: draw(st.integers(1, 50)) for i in range(1, draw(st.integers(1, 6)))}
    asks = {mid + i: draw(st.integers(1, 50)) for i in range(1, draw(st.integers(1, 6)))}
    seq = 1
    rows = [(0, 4, 0, 0, seq, SNAPSHOT, 0)]
    rows += [(1, 1, p, s, seq, SNAPSHOT, 0) for p, s in bids.items()]
    rows += [(2, 1, p, s, seq, SNAPSHOT, 0) for p, s in asks.items()]
    rows[-1] = (*rows[-1][:5], SNAPSHOT | LAST, 0)
    for _ in range(draw(st.integers(0, 40))):
        seq += 1 if not faulty else draw(st.sampled_from([1, 1, 1, 1, 0, 2, -1]))
        n = draw(st.integers(1, 3))
        for k in range(n):
            side = draw(st.sampled_from([1, 2] if not faulty else [1, 2, 2, 1, 0]))
            action = draw(st.sampled_from([1, 2, 3, 3] if not faulty else [1, 2, 3, 4, 7]))
            offset = draw(st.integers(1, 8))
            price = mid - offset if side == 1 else mid + offset
            if faulty and draw(st.integers(0, 9)) == 0:
                price = mid + offset if side == 1 else mid - offset  # may cross
            size = draw(st.integers(-1 if faulty else 1, 40))
            flags = LAST if k == n - 1 else 0
            if faulty and draw(st.integers(0, 19)) == 0:
                flags |= SNAPSHOT
            rows.append((side, action, price, size, seq, flags, seq))
    return rows


def _batch(rows):
    names = ("side", "action", "price", "size", "sequence", "flags", "ts_event")
    return {name: np.array([r[i] for r in rows]) for i, name in enumerate(names)}


def _check_invariants(book):
    (bp, bs), (ap, as_) = book.depth(1), book.depth(2)
    assert (bs > 0).all() and (as_ > 0).all()
    assert (np.diff(bp) < 0).all() and (np.diff(ap) > 0).all()
    if len(bp) and len(ap) and book.synced:
        assert bp[0] < ap[0]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=streams(faulty=False), rule=st.sampled_from(list(RULES)), window=WINDOWS)
def test_consistent_streams_match_the_reference(rows, rule, window):
    config = L2BookConfig(levels=LevelRule.SET if rule is LevelRule.STRICT else rule,
                          on_error=OnError.RESYNC, window=window)
    one, ref = L2Book(config), RefBook(levels=RULES[config.levels])
    for row in rows:
        one.apply_delta(*row)
        ref.apply(*row[:6])
        if row[5] & LAST and ref.fault is None:
            assert book_sides(one) == ref.sides()
            _check_invariants(one)
    batch = L2Book(config)
    batch.apply_batch(_batch(rows))
    np.testing.assert_array_equal(batch._state, one._state)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=streams(faulty=True), rule=st.sampled_from(list(RULES)),
       seq=st.sampled_from(list(SequenceCheck)), window=WINDOWS)
def test_faulty_streams_raise_where_the_reference_fails(rows, rule, seq, window):
    config = L2BookConfig(levels=rule, sequence=seq, window=window)
    book, ref = L2Book(config), RefBook(sequence=seq.value, levels=RULES[rule])
    for i, row in enumerate(rows):
        ref.apply(*row[:6])
        if ref.fault is not None:
            try:
                book.apply_delta(*row)
            except BookIntegrityError as exc:
                assert exc.fault.name == ref.fault, (i, row)
            else:
                raise AssertionError(f"row {i} {row}: expected {ref.fault}")
            break
        book.apply_delta(*row)
        assert book_sides(book) == ref.sides()
        if row[5] & LAST:
            _check_invariants(book)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=streams(faulty=True), rule=st.sampled_from(list(RULES)),
       seq=st.sampled_from(list(SequenceCheck)), window=WINDOWS)
def test_resync_one_at_a_time_equals_batch(rows, rule, seq, window):
    config = L2BookConfig(levels=rule, sequence=seq, on_error=OnError.RESYNC, capacity=2,
                          window=window)
    one, batch = L2Book(config), L2Book(config)
    for row in rows:
        one.apply_delta(*row)
    batch.apply_batch(_batch(rows))
    np.testing.assert_array_equal(one._state, batch._state)
    assert book_sides(one) == book_sides(batch)


def _drifting_rows(seed: int, messages: int) -> list[tuple[int, ...]]:
    """A snapshot, then one-row messages around a mid that random-walks far from its start,
    adding, updating and deleting levels up to 40 ticks deep (never crossing)."""
    rng = np.random.default_rng(seed)
    ref, rows, mid = RefBook(levels="set"), [], 5_000
    snapshot = [(0, 4, 0, 0, 1, SNAPSHOT, 0), (1, 1, mid - 1, 5, 1, SNAPSHOT, 0),
                (2, 1, mid + 1, 5, 1, SNAPSHOT | LAST, 0)]
    for row in snapshot:
        ref.apply(*row[:6])
    rows += snapshot
    while len(rows) < messages:
        mid += int(rng.integers(-3, 4))
        side = int(rng.integers(1, 3))
        depth = int(rng.geometric(0.15))
        price = mid - depth if side == 1 else mid + depth
        action = int(rng.choice([1, 2, 3, 3]))
        row = (side, action, price, int(rng.integers(1, 9)), len(rows), LAST, len(rows))
        trial = RefBook(levels="set", bids=dict(ref.bids), asks=dict(ref.asks), synced=True,
                        last_seq=ref.last_seq)
        trial.apply(*row[:6])
        if trial.fault is None:  # keep the stream consistent: drop rows that would cross
            ref.apply(*row[:6])
            rows.append(row)
    return rows


@pytest.mark.parametrize("window", [1, 4, 16, 1024])
def test_a_drifting_book_matches_the_reference_through_window_moves(window):
    rows = _drifting_rows(seed=window, messages=3_000)
    config = L2BookConfig(levels=LevelRule.SET, window=window, capacity=4)
    one, ref = L2Book(config), RefBook(levels="set")
    for row in rows:
        one.apply_delta(*row)
        ref.apply(*row[:6])
        assert book_sides(one) == ref.sides(), row
        assert one.best_bid_price() == max(ref.bids, default=None)
        assert one.best_ask_price() == min(ref.asks, default=None)
    bids, asks = ref.sides()
    assert [one.size_at(1, p) for p, _ in bids] == [s for _, s in bids]
    assert [one.size_at(2, p) for p, _ in asks] == [s for _, s in asks]
    assert one.available(1, 5) == sum(s for _, s in bids[:5])
    assert one.fill(1, 30).notional == _walk(asks, 30)
    assert one.fill(2, 30).notional == _walk(bids, 30)
    batch = L2Book(config)
    batch.apply_batch(_batch(rows))
    np.testing.assert_array_equal(batch._state, one._state)


def _walk(levels: list[tuple[int, int]], wanted: int) -> int:
    notional = 0
    for price, size in levels:
        take = min(size, wanted)
        notional, wanted = notional + take * price, wanted - take
    return notional
