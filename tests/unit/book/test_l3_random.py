"""Random event streams (hypothesis): after every event the L3 book equals the dict reference,
its internal structures agree, and batch replay gives the same book as one event at a time."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sapphire.book.integrity import OnError
from sapphire.book.l3 import L3Book
from sapphire.book.l3_integrity import FillMode, L3BookConfig, L3SequenceCheck
from sapphire.core.errors import OrderIntegrityError
from tests.unit.book.l3_reference import (
    ADD,
    BUY,
    CANCEL,
    CLEAR,
    FILL,
    LAST,
    MODIFY,
    SELL,
    SNAPSHOT,
    TRADE,
    RefL3,
)

COLUMNS = ("order_id", "side", "action", "price", "size", "sequence", "flags", "ts_event")


@st.composite
def streams(draw: st.DrawFn) -> tuple[dict, list[tuple[int, ...]]]:
    """Draw settings and a stream of mostly valid events (some bad on purpose)."""
    setup = {
        "sequence": draw(st.sampled_from(["none", "non-decreasing", "contiguous"])),
        "fills": draw(st.sampled_from(["reduce", "report"])),
        "check_crossed": draw(st.booleans()),
        "resync": draw(st.booleans()),
    }
    shadow = RefL3(sequence=setup["sequence"], fills=setup["fills"],
                   check_crossed=setup["check_crossed"], resync=setup["resync"])
    events: list[tuple[int, ...]] = []
    seq = 1
    next_id = 1
    for _ in range(draw(st.integers(1, 80))):
        kind = draw(st.sampled_from(["add", "add", "add", "modify", "modify", "cancel", "fill",
                                     "trade", "clear", "snapshot", "bad"]))
        live = sorted(shadow.orders)
        oid = draw(st.sampled_from(live)) if live and kind in ("modify", "cancel", "fill", "bad") \
            else next_id
        side, price, size = shadow.orders.get(oid, [draw(st.sampled_from([BUY, SELL])), 0, 0])
        flags = LAST if draw(st.integers(0, 3)) else 0
        if kind == "add":
            price = draw(st.integers(98, 100) if side == BUY else st.integers(101, 103))
            if draw(st.integers(0, 30)) == 0:
                price += 3 if side == BUY else -3  # may cross
            rows = [(oid, side, ADD, price, draw(st.integers(1, 9)), flags)]
            next_id += 1
        elif kind == "modify":
            new_price = price + draw(st.sampled_from([0, 0, -1, 1]))
            new_size = draw(st.sampled_from([size, size, max(size - 1, 1), size + 1, 5]))
            rows = [(oid, side, MODIFY, new_price, new_size, flags)]
        elif kind in ("cancel", "fill"):
            action = CANCEL if kind == "cancel" else FILL
            rows = [(oid, side, action, price, draw(st.integers(1, max(size, 1))), flags)]
        elif kind == "trade":
            rows = [(0, draw(st.sampled_from([0, BUY, SELL])), TRADE, 100, 3, flags)]
        elif kind == "clear":
            rows = [(0, 0, CLEAR, 0, 0, LAST)]
        elif kind == "snapshot":
            count = draw(st.integers(0, 4))
            rows = [(0, 0, CLEAR, 0, 0, SNAPSHOT | (LAST if count == 0 else 0))]
            for j in range(count):
                b = j % 2 == 0
                rows.append((next_id, BUY if b else SELL, ADD, 98 if b else 103, 2,
                             SNAPSHOT | (LAST if j == count - 1 else 0)))
                next_id += 1
        else:
            rows = [draw(st.sampled_from([
                (oid + 1000, side, CANCEL, price, 1, LAST),  # unknown order
                (live[0] if live else 1, BUY, ADD, 99, 1, LAST),  # maybe a duplicate
                (next_id, side, ADD, 99, -1, LAST),  # negative size
                (next_id, side, ADD, 99, 0, LAST),  # zero size
                (next_id, 7, ADD, 99, 1, LAST),  # bad side
                (next_id, side, 9, 99, 1, LAST),  # bad action
                (oid, side, CANCEL, price + 1, 1, LAST),  # wrong price
                (oid, SELL if side == BUY else BUY, MODIFY, price, 1, LAST),  # wrong side
                (oid, side, CANCEL, price, size + 1, LAST),  # more than it holds
            ]))]
            seq_step = draw(st.sampled_from([0, 1, 1, 2, -1]))  # duplicates, gaps, back
            seq = max(seq + seq_step - 1, 0)
        for row in rows:
            events.append((*row[:5], seq, row[5], seq * 10))
            shadow.apply(row[0], row[1], row[2], row[3], row[4], seq, row[5])
            if row[5] & LAST:
                seq += 1
    return setup, events


def _config(setup: dict) -> L3BookConfig:
    return L3BookConfig(sequence=L3SequenceCheck(setup["sequence"]), fills=FillMode(setup["fills"]),
                        check_crossed=setup["check_crossed"],
                        on_error=OnError.RESYNC if setup["resync"] else OnError.RAISE,
                        capacity=2)


def _same(book: L3Book, ref: RefL3) -> None:
    rows = [tuple(int(v) for v in row) for row in book.orders().tolist()]
    assert rows == ref.book()
    assert book.synced == ref.synced
    assert book.best_bid() == ref.best(BUY)
    assert book.best_ask() == ref.best(SELL)
    for side in (BUY, SELL):
        prices, sizes, counts = book.depth(side, 3)
        assert list(zip(prices.tolist(), sizes.tolist(), counts.tolist(), strict=True)) == \
            ref.depth(side, 3)
    for oid in ref.orders:
        position = book.queue_position(oid)
        assert position is not None
        assert (position.lots_ahead, position.orders_ahead) == ref.queue_position(oid)
    book.check_invariants()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_every_event_matches_the_reference_and_batch_matches_single(case):
    setup, events = case
    book = L3Book(_config(setup), name="random")
    ref = RefL3(sequence=setup["sequence"], fills=setup["fills"],
                check_crossed=setup["check_crossed"], resync=setup["resync"])
    raised_one_by_one = []
    for event in events:
        expected = ref.apply(*event[:7])
        try:
            book.apply(*event)
            raised = None
        except OrderIntegrityError as exc:
            raised = exc.fault.name
        if setup["resync"]:
            assert raised is None
        else:
            assert raised == expected, event
            if raised:
                raised_one_by_one.append(raised)
        _same(book, ref)
        if ref.last_trade is not None:
            last = book.last_trade()
            assert last is not None
            assert (last.price, last.size, last.aggressor) == ref.last_trade
    assert book.counts["dropped"] == ref.dropped

    batch = L3Book(_config(setup))
    columns = {name: np.array([e[i] for e in events], dtype=np.int64)
               for i, name in enumerate(COLUMNS)}
    columns["order_id"] = columns["order_id"].astype(np.uint64)
    failures = []
    while True:  # RAISE stops a batch at a bad row: resume after it, as a feed handler would
        try:
            batch.apply_batch({k: v for k, v in columns.items()})
            break
        except OrderIntegrityError as exc:
            row = int(str(exc).split(", row ")[1].split(":")[0])
            failures.append(exc.fault.name)
            columns = {k: v[row + 1:] for k, v in columns.items()}
    assert failures == raised_one_by_one
    assert np.array_equal(batch.orders(), book.orders())
    assert batch.counts == book.counts
    assert batch.synced == book.synced
    assert np.array_equal(batch._state, book._state)  # the very same bytes
