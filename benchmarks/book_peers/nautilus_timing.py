"""The timing loop shared by nautilus_book.py and nautilus_l3_book.py.

Runs in the NautilusTrader interpreter (benchmarks/.env-nautilus/bin/python).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from nautilus_trader.model.book import OrderBook
from nautilus_trader.model.data import OrderBookDeltas


def time_books(iid: Any, book_type: Any, deltas: list, single_rows: int,
               repeats: int) -> tuple[Any, float, float, int]:
    """Replay ``deltas`` ``repeats`` times, as one ``apply_deltas`` and one at a time.

    Returns the last batch-built book, the median batch seconds, the median seconds of
    ``apply_delta`` over the first ``single_rows`` deltas, and how many those were.
    """
    batch_times, single_times = [], []
    part = deltas[:single_rows]
    for _ in range(repeats):
        book = OrderBook(iid, book_type)
        packed = OrderBookDeltas(iid, deltas)
        started = time.perf_counter()
        book.apply_deltas(packed)
        batch_times.append(time.perf_counter() - started)
        one = OrderBook(iid, book_type)
        apply = one.apply_delta
        started = time.perf_counter()
        for delta in part:
            apply(delta)
        single_times.append(time.perf_counter() - started)
    return book, statistics.median(batch_times), statistics.median(single_times), len(part)
