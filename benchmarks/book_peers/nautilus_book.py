"""NautilusTrader OrderBook (L2_MBP) on deltas from an .npz file; prints one JSON line.

Run with the NautilusTrader interpreter: benchmarks/.env-nautilus/bin/python.
Usage: nautilus_book.py DELTAS.npz PRICE_PRECISION SIZE_PRECISION SINGLE_ROWS REPEATS
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

path, pp, sp, single_rows, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
data = np.load(path)
iid = InstrumentId.from_str("BTCUSDT.BINANCE")
sides = {1: OrderSide.BUY, 2: OrderSide.SELL}
actions = {1: BookAction.ADD, 2: BookAction.UPDATE, 3: BookAction.DELETE}
pscale, sscale = 10.0 ** pp, 10.0 ** sp
deltas = [
    OrderBookDelta(iid, actions[a], BookOrder(sides[s], Price(p / pscale, pp),
                                              Quantity(q / sscale, sp), 0), f, n, n, n)
    for s, a, p, q, n, f in zip(data["side"].tolist(), data["action"].tolist(),
                                data["price"].tolist(), data["size"].tolist(),
                                data["sequence"].tolist(), data["flags"].tolist(), strict=True)
]
book, batch_s, single_s, _ = time_books(iid, BookType.L2_MBP, deltas, single_rows, repeats)
print(json.dumps({
    "rows": len(deltas), "batch_s": batch_s,
    "single_rows": single_rows, "single_s": single_s,
    "best_bid": round(float(book.best_bid_price()) * pscale),
    "best_ask": round(float(book.best_ask_price()) * pscale),
    "bid_size": round(float(book.best_bid_size()) * sscale),
    "ask_size": round(float(book.best_ask_size()) * sscale),
    "bid_levels": len(book.bids()), "ask_levels": len(book.asks()),
}))
