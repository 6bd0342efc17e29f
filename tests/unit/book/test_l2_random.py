"""Random delta streams: one at a time, batch replay and the dict reference agree row by row,
and the book keeps its invariants after every consistent message."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sapphire.book import L2Book, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.core.errors import BookIntegrityError
from tests.unit.book.reference import LAST, SNAPSHOT, RefBook, book_sides

RULES = {LevelRule.STRICT: "strict", LevelRule.UPSERT: "upsert", LevelRule.SET: "set"}


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
@given(rows=streams(faulty=False), rule=st.sampled_from(list(RULES)))
def test_consistent_streams_match_the_reference(rows, rule):
    config = L2BookConfig(levels=LevelRule.SET if rule is LevelRule.STRICT else rule,
                          on_error=OnError.RESYNC)
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
       seq=st.sampled_from(list(SequenceCheck)))
def test_faulty_streams_raise_where_the_reference_fails(rows, rule, seq):
    config = L2BookConfig(levels=rule, sequence=seq)
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
       seq=st.sampled_from(list(SequenceCheck)))
def test_resync_one_at_a_time_equals_batch(rows, rule, seq):
    config = L2BookConfig(levels=rule, sequence=seq, on_error=OnError.RESYNC, capacity=2)
    one, batch = L2Book(config), L2Book(config)
    for row in rows:
        one.apply_delta(*row)
    batch.apply_batch(_batch(rows))
    width = min(one._state.shape[1], batch._state.shape[1])
    np.testing.assert_array_equal(one._state[4], batch._state[4])
    assert book_sides(one) == book_sides(batch)
    assert one._state[:, :width].shape == batch._state[:, :width].shape
