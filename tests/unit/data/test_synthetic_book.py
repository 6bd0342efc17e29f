"""Synthetic L2 deltas: replayed into a dict book, the best levels equal the quotes."""

from __future__ import annotations

import numpy as np
import pytest

from sapphire.core.enums import BookAction, RecordFlag, Side
from sapphire.data.synthetic import SyntheticMarket, demo_instruments

LEVELS = 4


@pytest.fixture(scope="module")
def chunk():
    return SyntheticMarket.demo(seed=11, levels=LEVELS).generate(4000)


def _replay(deltas):
    """Yield (ts, best bid, bid size, best ask, ask size, depth) after each LAST-flagged row."""
    book = {Side.BUY: {}, Side.SELL: {}}
    for row in deltas.to_pylist():
        side, action = Side(row["side"]), BookAction(row["action"])
        if action is BookAction.CLEAR:
            book[Side.BUY].clear()
            book[Side.SELL].clear()
        elif action is BookAction.DELETE:
            del book[side][row["price"]]
        elif action is BookAction.ADD:
            assert row["price"] not in book[side]
            book[side][row["price"]] = row["size"]
        else:
            assert row["price"] in book[side]
            book[side][row["price"]] = row["size"]
        if row["flags"] & RecordFlag.LAST:
            bid, ask = max(book[Side.BUY]), min(book[Side.SELL])
            depth = (len(book[Side.BUY]), len(book[Side.SELL]))
            yield row["ts_event"], bid, book[Side.BUY][bid], ask, book[Side.SELL][ask], depth


@pytest.mark.parametrize("index", [0, 1, 2])
def test_replayed_best_levels_equal_quotes(chunk, index) -> None:
    inst = demo_instruments()[index]
    quotes = chunk.quotes[inst.id]
    states = list(_replay(chunk.l2_deltas[inst.id]))
    assert len(states) == quotes.num_rows
    expected = np.column_stack([quotes.column(c).to_numpy() for c in
                                ("ts_event", "bid_price", "bid_size", "ask_price", "ask_size")])
    np.testing.assert_array_equal(np.array([s[:5] for s in states]), expected)
    assert all(depth == (LEVELS, LEVELS) for *_, depth in states)


def test_book_starts_with_a_flagged_snapshot(chunk) -> None:
    deltas = chunk.l2_deltas[demo_instruments()[0].id].slice(0, 2 * LEVELS + 2).to_pylist()
    assert deltas[0]["action"] == BookAction.CLEAR
    assert [d["flags"] for d in deltas[: 2 * LEVELS]] == [RecordFlag.SNAPSHOT] * (2 * LEVELS)
    assert deltas[2 * LEVELS]["flags"] == RecordFlag.SNAPSHOT | RecordFlag.LAST
    assert deltas[-1]["flags"] & RecordFlag.SNAPSHOT == 0
    assert [d["sequence"] for d in deltas] == list(range(2 * LEVELS + 2))


def test_book_never_crosses_between_rows(chunk) -> None:
    book = {Side.BUY: set(), Side.SELL: set()}
    for row in chunk.l2_deltas[demo_instruments()[1].id].to_pylist()[: 4000]:
        if row["action"] == BookAction.CLEAR:
            continue
        levels = book[Side(row["side"])]
        if row["action"] == BookAction.DELETE:
            levels.discard(row["price"])
        else:
            levels.add(row["price"])
        if book[Side.BUY] and book[Side.SELL]:
            assert max(book[Side.BUY]) < min(book[Side.SELL])
