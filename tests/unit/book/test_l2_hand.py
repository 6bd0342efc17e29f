"""L2Book queries on a small book whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from sapphire.book import L2Book, L2BookConfig
from sapphire.core.enums import BookAction as A
from sapphire.core.enums import RecordFlag, Side
from sapphire.core.errors import ConfigError

BIDS = [(100, 5), (99, 3), (97, 10)]
ASKS = [(101, 2), (102, 4), (105, 6)]


@pytest.fixture
def book() -> L2Book:
    book = L2Book()
    book.apply_snapshot(BIDS, ASKS, sequence=10, ts_event=7)
    return book


def test_top_of_book(book):
    assert (book.best_bid_price(), book.best_bid_size()) == (100, 5)
    assert (book.best_ask_price(), book.best_ask_size()) == (101, 2)
    assert book.spread() == 1
    assert book.mid() == 100.5
    assert book.synced and book.sequence == 10 and book.ts_last == 7


def test_microprice_leans_to_the_thin_side(book):
    # (100 * 2 + 101 * 5) / (5 + 2) = 705 / 7
    assert book.microprice() == pytest.approx(705 / 7, abs=1e-12)


@pytest.mark.parametrize(("levels", "expected"), [(1, 3 / 7), (2, 2 / 14), (3, 6 / 30)])
def test_imbalance(book, levels, expected):
    # bids 5, 8, 18 cumulated; asks 2, 6, 12
    assert book.imbalance(levels) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("side", "size", "filled", "notional", "worst"), [
    (Side.BUY, 5, 5, 2 * 101 + 3 * 102, 102),
    (Side.BUY, 2, 2, 2 * 101, 101),
    (Side.BUY, 20, 12, 2 * 101 + 4 * 102 + 6 * 105, 105),  # the book holds only 12
    (Side.SELL, 6, 6, 5 * 100 + 1 * 99, 99),
])
def test_fill_walks_the_book(book, side, size, filled, notional, worst):
    estimate = book.fill(side, size)
    assert (estimate.filled, estimate.notional, estimate.worst_price) == (filled, notional, worst)
    assert estimate.average_price == pytest.approx(notional / filled, abs=1e-12)
    assert estimate.complete is (filled == size)


def test_fill_of_nothing(book):
    estimate = book.fill(Side.BUY, 0)
    assert (estimate.filled, estimate.notional, estimate.worst_price) == (0, 0, None)
    assert math.isnan(estimate.average_price)


def test_depth_size_at_available(book):
    prices, sizes = book.depth(Side.BUY, 2)
    assert prices.tolist() == [100, 99] and sizes.tolist() == [5, 3]
    prices, sizes = book.depth(Side.SELL)
    assert prices.tolist() == [101, 102, 105] and sizes.tolist() == [2, 4, 6]
    assert book.size_at(Side.SELL, 102) == 4
    assert book.size_at(Side.BUY, 98) == 0
    assert book.available(Side.SELL) == 12
    assert book.available(Side.BUY, 2) == 8


def test_deltas_move_the_top(book):
    book.apply_delta(Side.SELL, A.UPDATE, 101, 7, sequence=11)
    book.apply_delta(Side.BUY, A.DELETE, 100, 0, sequence=12)
    book.apply_delta(Side.BUY, A.ADD, 98, 1, sequence=13)
    assert book.depth(Side.BUY)[0].tolist() == [99, 98, 97]
    assert (book.best_ask_price(), book.best_ask_size()) == (101, 7)
    assert book.spread() == 2
    book.apply_delta(Side.NONE, A.CLEAR, 0, 0, sequence=14)
    assert book.best_bid_price() is None and book.mid() is None and book.microprice() is None
    assert book.imbalance() is None and book.synced


def test_one_message_of_several_rows_is_checked_at_its_end(book):
    # the ask moves up first, so the bid may take 101 within the same message
    book.apply_delta(Side.SELL, A.DELETE, 101, 0, sequence=11, flags=0)
    book.apply_delta(Side.BUY, A.ADD, 101, 1, sequence=11, flags=RecordFlag.LAST)
    assert (book.best_bid_price(), book.best_ask_price()) == (101, 102)


def test_the_book_grows_past_its_capacity():
    book = L2Book(L2BookConfig(capacity=1))
    book.apply_snapshot([(1000 - i, i + 1) for i in range(100)],
                        [(1001 + i, i + 1) for i in range(70)], sequence=1)
    for i in range(40):  # inserts below the deepest bid, one at a time
        book.apply_delta(Side.BUY, A.ADD, 800 - i, 1, sequence=2 + i)
    assert book.level_count(Side.BUY) == 140 and book.level_count(Side.SELL) == 70
    prices, sizes = book.depth(Side.BUY)
    assert prices.tolist() == [1000 - i for i in range(100)] + [800 - i for i in range(40)]
    assert sizes[:3].tolist() == [1, 2, 3]


def test_clear_keeps_sync_and_reset_forgets(book):
    book.clear()
    assert book.level_count(Side.BUY) == 0 and book.synced
    book.reset()
    assert not book.synced and book.counts == {"applied": 0, "dropped": 0,
                                               "ignored_deletes": 0, "resyncs": 0}


@pytest.mark.parametrize("bad", [0, 3, True, 1.0, "buy"])
def test_queries_reject_a_bad_side(book, bad):
    if isinstance(bad, float):  # 1.0 == Side.BUY: accepted as the integer it equals
        assert book.size_at(bad, 100) == 5
        return
    with pytest.raises(ConfigError, match=r"side must be Side\.BUY"):
        book.depth(bad)


@pytest.mark.parametrize(("call", "match"), [
    (lambda b: b.fill(Side.BUY, -1), "size must be a non-negative integer, was -1"),
    (lambda b: b.depth(Side.BUY, 2.5), "levels must be a non-negative integer, was 2.5"),
    (lambda b: b.imbalance(-3), "levels must be a non-negative integer, was -3"),
    (lambda b: b.apply_snapshot([(1, 2, 3)], []), r"bids must be rows of \(price, size\)"),
    (lambda b: b.apply_snapshot([], [(1.5, 2.0)]), "asks must hold integer ticks"),
])
def test_bad_query_arguments(book, call, match):
    with pytest.raises(ConfigError, match=match):
        call(book)


def test_a_snapshot_replaces_a_wide_book():
    # 150 bids 2 ticks apart span 300 ticks of the window: clearing them zeroes slots one
    # by one near the best and the rest of the span in one go; none may survive
    book = L2Book(L2BookConfig(window=1024, capacity=8))
    book.apply_snapshot([(10_000 - 2 * i, 1 + i) for i in range(150)],
                        [(10_001 + 3 * i, 1) for i in range(100)], sequence=1)
    assert book.level_count(Side.BUY) == 150 and book.size_at(Side.BUY, 9_702) == 150
    book.apply_snapshot([(9_990, 4)], [(9_995, 6)], sequence=2)
    assert book.depth(Side.BUY)[0].tolist() == [9_990] and book.size_at(Side.BUY, 9_702) == 0
    assert book.depth(Side.SELL)[1].tolist() == [6] and book.available(Side.SELL) == 6
    book.clear()
    book.apply_delta(Side.BUY, A.ADD, 9_702, 3, sequence=3)
    assert book.depth(Side.BUY)[0].tolist() == [9_702] and book.available(Side.BUY) == 3
