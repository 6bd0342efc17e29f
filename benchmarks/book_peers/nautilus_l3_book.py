"""NautilusTrader OrderBook (L3_MBO) on order deltas from an .npz file; prints one JSON line.

Run with the NautilusTrader interpreter: benchmarks/.env-nautilus/bin/python.
The .npz holds order_id, side, action (1 add, 2 update, 3 delete), price, size,
sequence and flags columns (prices in ticks, sizes in lots).
Usage: nautilus_l3_book.py EVENTS.npz PRICE_PRECISION TICK SINGLE_ROWS REPEATS
"""

from __future__ import annotations

import json
import sys

import numpy as np
from nautilus_timing import time_books
from nautilus_trader.model.data import BookOrder, OrderBookDelta
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
book, batch_s, single_s, n_single = time_books(iid, BookType.L3_MBO, deltas, single_rows, repeats)
print(json.dumps({
    "rows": len(deltas), "batch_s": batch_s,
    "single_rows": n_single, "single_s": single_s,
    "best_bid": round(float(book.best_bid_price()) / tick),
    "best_ask": round(float(book.best_ask_price()) / tick),
    "bid_first_size": round(float(book.best_bid_size())),  # first order in line (L3)
    "ask_first_size": round(float(book.best_ask_size())),
    "bid_size": round(float(book.bids()[0].size())),  # the whole level
    "ask_size": round(float(book.asks()[0].size())),
}))
