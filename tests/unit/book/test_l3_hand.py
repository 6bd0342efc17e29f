"""Hand-worked L3 cases: FIFO queue positions (who is ahead, by how much), the modify
priority rule, fills, aggregated depth and the price queries."""

from __future__ import annotations

import math

import pytest

from sapphire.book.l3 import L3Book, LastTrade, QueuePosition, RestingOrder
from sapphire.book.l3_integrity import DATABENTO_MBO, FillMode, L3BookConfig
from sapphire.core.enums import Side

BUY, SELL = Side.BUY, Side.SELL


def ahead(book: L3Book, oid: int) -> tuple[int, int]:
    position = book.queue_position(oid)
    assert position is not None
    return position.lots_ahead, position.orders_ahead


@pytest.fixture
def book() -> L3Book:
    """Bids at 100: A=1 (5 lots), B=2 (3), C=3 (2), in that order; a bid 4 at 99 (1)."""
    b = L3Book(L3BookConfig(capacity=2))  # small: the book grows during the cases
    b.add(1, BUY, 100, 5)
    b.add(2, BUY, 100, 3)
    b.add(3, BUY, 100, 2)
    b.add(4, BUY, 99, 1)
    return b


def test_queue_position_counts_the_lots_and_orders_ahead(book):
    assert ahead(book, 1) == (0, 0)
    assert ahead(book, 2) == (5, 1)
    assert ahead(book, 3) == (8, 2)
    assert ahead(book, 4) == (0, 0)  # alone at 99
    assert book.queue_position(99) is None
    assert book.size_at(BUY, 100) == 10


def test_a_partial_cancel_ahead_moves_the_queue_up(book):
    book.cancel(1, 2)  # A: 5 -> 3 lots, still first
    assert ahead(book, 2) == (3, 1)
    assert ahead(book, 3) == (6, 2)
    book.cancel(1)  # A leaves
    assert ahead(book, 2) == (0, 0)
    assert ahead(book, 3) == (3, 1)
    assert book.order(1) is None


def test_a_size_decrease_keeps_priority(book):
    book.modify(2, 100, 1)  # B: 3 -> 1, stays second
    ids, sizes = book.level_orders(BUY, 100)
    assert ids.tolist() == [1, 2, 3] and sizes.tolist() == [5, 1, 2]
    assert ahead(book, 3) == (6, 2)


def test_the_same_size_at_the_same_price_keeps_priority(book):
    book.modify(1, 100, 5)
    assert book.level_orders(BUY, 100)[0].tolist() == [1, 2, 3]


def test_a_size_increase_loses_priority(book):
    book.modify(1, 100, 6)  # A: 5 -> 6 goes behind C
    ids, sizes = book.level_orders(BUY, 100)
    assert ids.tolist() == [2, 3, 1] and sizes.tolist() == [3, 2, 6]
    assert ahead(book, 1) == (5, 2)
    assert ahead(book, 2) == (0, 0)


def test_a_price_change_loses_priority_even_with_less_size(book):
    book.modify(1, 99, 1)  # A moves to 99 behind order 4
    assert book.level_orders(BUY, 99)[0].tolist() == [4, 1]
    assert ahead(book, 1) == (1, 1)
    book.modify(1, 100, 1)  # and back to 100: the back of that queue
    assert book.level_orders(BUY, 100)[0].tolist() == [2, 3, 1]
    assert ahead(book, 1) == (5, 2)
    assert book.level_count(BUY) == 2


def test_reducing_fills_take_lots_from_the_front(book):
    book.fill(1, 5)  # A filled completely: B is first
    assert book.order(1) is None
    assert ahead(book, 2) == (0, 0)
    book.fill(2, 1)
    assert ahead(book, 3) == (2, 1)
    assert book.order(2) == RestingOrder(2, BUY, 100, 2)


def test_reported_fills_leave_the_book_to_the_cancel_after_them():
    book = L3Book(DATABENTO_MBO)
    book.add(10, SELL, 101, 4)
    book.add(11, SELL, 101, 2)
    book.trade(101, 3, BUY, flags=0)  # aggressor bought 3
    book.fill(10, 3, flags=0)
    assert book.order(10) == RestingOrder(10, SELL, 101, 4)  # nothing changed yet
    book.cancel(10, 3)  # CME: the partial fill shows as a cancel of 3
    assert book.order(10) == RestingOrder(10, SELL, 101, 1)
    assert ahead(book, 11) == (1, 1)
    assert book.last_trade() == LastTrade(101, 3, BUY, 0)
    book.fill(999, 5, price=101)  # side NONE when not on the book: an auction's fill
    assert book.counts["unchecked_fills"] == 1


def test_depth_is_aggregated_by_price_best_first():
    book = L3Book()
    for oid, side, price, size in [(1, BUY, 100, 2), (2, BUY, 100, 3), (3, BUY, 98, 7),
                                   (4, SELL, 102, 4), (5, SELL, 101, 1), (6, SELL, 101, 1),
                                   (7, SELL, 105, 9)]:
        book.add(oid, side, price, size)
    prices, sizes, counts = book.depth(BUY)
    assert (prices.tolist(), sizes.tolist(), counts.tolist()) == ([100, 98], [5, 7], [2, 1])
    prices, sizes, counts = book.depth(SELL, 2)
    assert (prices.tolist(), sizes.tolist(), counts.tolist()) == ([101, 102], [2, 4], [2, 1])
    assert book.best_bid() == (100, 5, 2)
    assert book.best_ask() == (101, 2, 2)
    assert book.spread() == 1
    assert book.mid() == 100.5
    # Stoikov's weighted mid: (100 * 2 + 101 * 5) / (5 + 2) = 705 / 7
    assert book.microprice() == pytest.approx(705 / 7)
    assert book.imbalance() == pytest.approx((5 - 2) / 7)
    assert book.imbalance(2) == pytest.approx((12 - 6) / 18)
    # a buy of 5 takes 101 x2, 102 x3: (202 + 306) / 5
    estimate = book.estimate_fill(BUY, 5)
    assert (estimate.filled, estimate.notional, estimate.worst_price) == (5, 508, 102)
    assert estimate.average_price == pytest.approx(101.6)
    assert book.estimate_fill(SELL, 20).filled == 12  # only 12 lots of bids
    assert not book.estimate_fill(SELL, 20).complete
    orders = book.orders()
    assert orders["order_id"].tolist() == [1, 2, 3, 5, 6, 4, 7]


def test_an_empty_book_answers_none():
    book = L3Book()
    assert book.best_bid() is None and book.best_ask_price() is None
    assert book.spread() is None and book.mid() is None and book.microprice() is None
    assert book.imbalance() is None and book.last_trade() is None
    assert math.isnan(book.estimate_fill(BUY, 1).average_price)
    assert book.depth(BUY)[0].size == 0
    assert book.level_orders(SELL, 5)[0].size == 0


def test_order_ids_use_all_64_bits():
    book = L3Book()
    big = 2**64 - 1
    book.add(big, SELL, 50, 1)
    book.add(2**63, SELL, 50, 2)
    assert book.order(big) == RestingOrder(big, SELL, 50, 1)
    assert book.queue_position(2**63) == QueuePosition(1, 1)
    assert book.level_orders(SELL, 50)[0].tolist() == [big, 2**63]
    book.cancel(big)
    assert book.orders()["order_id"].tolist() == [2**63]


def test_clear_empties_the_book_and_keeps_the_last_trade():
    book = L3Book(L3BookConfig(fills=FillMode.REPORT))
    book.add(1, BUY, 10, 1)
    book.trade(10, 1)
    book.clear()
    assert book.order_count == 0 and book.best_bid() is None
    assert book.last_trade() == LastTrade(10, 1, Side.NONE, 0)
    book.add(1, BUY, 10, 1)  # the id may come back after a clear
    assert book.order_count == 1
