"""The real Databento ESH4 MBO sample through the L3 book, checked after every message
against the dict reference of ``l3_reference`` (adds, cancels, modifies, fills, trades)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sapphire.book.l3 import L3Book
from sapphire.book.l3_integrity import DATABENTO_MBO, FillMode, L3BookConfig
from sapphire.core.errors import OrderIntegrityError
from sapphire.data.loaders import get_loader
from sapphire.model.instruments import SpotPair
from tests.unit.book.l3_reference import BUY, FILL, LAST, SELL, RefL3

REAL = Path(__file__).parents[3] / ".." / "shared" / "data" / "real"
SAMPLE = REAL / "mbo" / "databento-esh4-glbx-mdp3-20231225.mbo.dbn.zst"
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not SAMPLE.is_file(), reason=f"real MBO sample not found at {SAMPLE}"),
]
OPEN_NS = 1703545200000000000  # 2023-12-25 23:00 UTC: CME Globex opens ES (17:00 CT)


@pytest.fixture(scope="module")
def events() -> pa.Table:
    es = SpotPair(id="ESH4.GLBX", quote_currency="USD", base_currency="X",
                  price_increment=Decimal("0.25"), size_increment=Decimal("1"))
    return pa.concat_tables(list(get_loader("databento", schema="mbo").read(SAMPLE, es)))


def test_every_message_matches_the_reference(events):
    """After each message the best levels and every level the message touched hold the same
    orders in the same order as the reference (so, by induction, the whole book does; the
    whole book is compared too, every 1,000 rows and at the end)."""
    book = L3Book(DATABENTO_MBO, name="ESH4")
    ref = RefL3(sequence="non-decreasing", fills="report", check_crossed=False)
    rows = events.select(["order_id", "side", "action", "price", "size", "sequence", "flags",
                          "ts_event"]).to_pylist()
    crossed_after_open = 0
    touched: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        event = tuple(row.values())
        oid = row["order_id"]
        if oid in ref.orders:
            touched.add(tuple(ref.orders[oid][:2]))  # the level it leaves
        assert ref.apply(*event[:7]) is None, (i, event)
        book.apply(*event)
        if oid in ref.orders:
            touched.add(tuple(ref.orders[oid][:2]))  # the level it joins
            position = book.queue_position(oid)
            assert position is not None
            assert (position.lots_ahead, position.orders_ahead) == ref.queue_position(oid), i
        if not row["flags"] & LAST:
            continue
        for side, price in touched:
            ids, sizes = book.level_orders(side, price)
            queue = ref.queues[side].get(price, [])
            assert ids.tolist() == queue, (i, side, price)
            assert sizes.tolist() == [ref.orders[o][2] for o in queue], (i, side, price)
        touched.clear()
        bid, ask = ref.best(BUY), ref.best(SELL)
        assert book.best_bid() == bid, i
        assert book.best_ask() == ask, i
        for side in (BUY, SELL):
            prices, sizes, counts = book.depth(side, 5)
            assert list(zip(prices.tolist(), sizes.tolist(), counts.tolist(),
                            strict=True)) == ref.depth(side, 5), i
        if i % 1000 == 0:
            assert [tuple(r) for r in book.orders().tolist()] == ref.book(), i
        if row["ts_event"] >= OPEN_NS and bid and ask and bid[0] >= ask[0]:
            crossed_after_open += 1
    assert [tuple(r) for r in book.orders().tolist()] == ref.book()
    assert book.order_count == len(ref.orders) == 11217
    for side in (BUY, SELL):
        prices, sizes, counts = book.depth(side, 10)
        assert list(zip(prices.tolist(), sizes.tolist(), counts.tolist(),
                        strict=True)) == ref.depth(side, 10)
    # the pre-open book crosses (hence check_crossed=False); from the open on it never does
    assert crossed_after_open == 0
    assert book.counts == {"applied": 68767, "dropped": 0, "resyncs": 0, "unchecked_fills": 35,
                           "trades": 2973}
    book.check_invariants()


def test_batch_replay_equals_one_at_a_time(events):
    single = L3Book(DATABENTO_MBO)
    for row in events.select(["order_id", "side", "action", "price", "size", "sequence",
                              "flags", "ts_event"]).to_pylist():
        single.apply(*row.values())
    batch = L3Book(DATABENTO_MBO)
    batch.apply_batch(events)
    assert np.array_equal(batch.orders(), single.orders())
    assert batch.counts == single.counts
    assert np.array_equal(batch._state, single._state)


def test_the_open_has_fills_of_orders_not_on_the_book(events):
    """CME's opening auction reports fills with side NONE, some of orders never shown."""
    action, side = events.column("action").to_numpy(), events.column("side").to_numpy()
    ts = events.column("ts_event").to_numpy()
    auction = (action == FILL) & (side == 0)
    assert auction.sum() == 35
    assert (ts[auction] == OPEN_NS).all()


def test_reducing_fills_are_wrong_for_databento(events):
    """With fills='reduce' the first fill (the opening auction's, naming no side) stops."""
    book = L3Book(L3BookConfig(fills=FillMode.REDUCE, check_crossed=False))
    with pytest.raises(OrderIntegrityError, match=r"row 9651: sequence 6000: FILL order "
                                                  r"6412777265263 NONE .* rests on the BUY side"):
        book.apply_batch(events)


def test_crossed_check_stops_at_the_first_crossed_pre_open_message(events):
    book = L3Book(L3BookConfig(fills=FillMode.REPORT))
    with pytest.raises(OrderIntegrityError, match=r"row 8759: .*crossed book after the "
                                                  r"message: best bid 19220 >= best ask 19198"):
        book.apply_batch(events)
