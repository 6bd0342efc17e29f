"""NautilusTrader OrderBook (L3_MBO) on order deltas from an .npz file; prints one JSON line.

Run with the NautilusTrader interpreter: benchmarks/.env-nautilus/bin/python.
The .npz holds order_id, side, action (1 add, 2 update, 3 delete), price, size,
sequence and flags columns (prices in ticks, sizes in lots).
Usage: nautilus_l3_book.py EVENTS.npz PRICE_PRECISION TICK SINGLE_ROWS REPEATS
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
from nautilus_trader.model.book import OrderBook
from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas
from nautilus_trader.model.enums import BookAction, BookType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

path, pp, tick, single_rows, repeats = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
data = np.load(path)
iid = InstrumentId.from_str("ESH4.GLBX")
sides = {1: OrderSide.BUY, 2: OrderSide.SELL}
actions = {1: BookAction.ADD, 2: BookAction.UPDATE, 3: BookAction.DELETE}
deltas = [
    OrderBookDelta(iid, actions[a], BookOrder(sides[s], Price(p * tick, pp), Quantity(q, 0), o),
                   f, n, n, n)
    for o, s, a, p, q, n, f in zip(data["order_id"].tolist(), data["side"].tolist(),
                                   data["action"].tolist(), data["price"].tolist(),
                                   data["size"].tolist(), data["sequence"].tolist(),
                                   data["flags"].tolist(), strict=True)
]
batch_times, single_times = [], []
for _ in range(repeats):
    book = OrderBook(iid, BookType.L3_MBO)
    packed = OrderBookDeltas(iid, deltas)
    started = time.perf_counter()
    book.apply_deltas(packed)
    batch_times.append(time.perf_counter() - started)
    one = OrderBook(iid, BookType.L3_MBO)
    apply = one.apply_delta
    part = deltas[:single_rows]
    started = time.perf_counter()
    for delta in part:
        apply(delta)
    single_times.append(time.perf_counter() - started)
print(json.dumps({
    "rows": len(deltas), "batch_s": statistics.median(batch_times),
    "single_rows": len(part), "single_s": statistics.median(single_times),
    "best_bid": round(float(book.best_bid_price()) / tick),
    "best_ask": round(float(book.best_ask_price()) / tick),
    "bid_first_size": round(float(book.best_bid_size())),  # first order in line (L3)
    "ask_first_size": round(float(book.best_ask_size())),
    "bid_size": round(float(book.bids()[0].size())),  # the whole level
    "ask_size": round(float(book.asks()[0].size())),
}))
