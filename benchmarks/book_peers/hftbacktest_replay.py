"""hftbacktest 2.4.4 market depth replaying L2 deltas (and L3 orders) from .npz files.

Run with the hftbacktest interpreter: benchmarks/.env-hftbacktest/bin/python.
Usage: hftbacktest_replay.py KIND EVENTS.npz TICK_SIZE REPEATS
  KIND l2: columns side, price (ticks), size (lots) of L2 level updates (size 0 deletes).
  KIND l3: columns order_id, side, action (1 add, 2 modify, 3 cancel), price, size.
Prints one JSON line: rows, the median seconds of a replay, and the final top of book
(ticks and lots) so the caller can check that both books agree.

hftbacktest keeps its market depth inside a backtester fed with its own event rows
(``event_dtype``: an event word with flags, exchange and local times, float price and
quantity, order id). The rows here carry LOCAL_EVENT only, so the local processor
applies them to its depth and the exchange processor (which would simulate our orders)
skips them; ``_goto_end`` then runs through the data. L2 rows are DEPTH_EVENTs on a
HashMapMarketDepth; L3 rows are ADD/MODIFY/CANCEL_ORDER_EVENTs, which the binding
replays on an L3 (order-by-order) book when the asset uses ``l3_fifo_queue_model``.
Building the event array and the backtester is not timed; the replay is.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
from hftbacktest import (
    ADD_ORDER_EVENT,
    BUY_EVENT,
    CANCEL_ORDER_EVENT,
    DEPTH_EVENT,
    LOCAL_EVENT,
    MODIFY_ORDER_EVENT,
    SELL_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
)
from hftbacktest.binding import event_dtype


def l2_events(data: np.lib.npyio.NpzFile, tick: float) -> np.ndarray:
    n = len(data["side"])
    events = np.zeros(n, event_dtype)
    side = np.where(data["side"] == 1, BUY_EVENT, SELL_EVENT).astype(np.uint64)
    events["ev"] = np.uint64(DEPTH_EVENT | LOCAL_EVENT) | side
    events["exch_ts"] = events["local_ts"] = np.arange(n, dtype=np.int64) + 1
    events["px"] = data["price"] * tick
    events["qty"] = data["size"]
    return events


def l3_events(data: np.lib.npyio.NpzFile, tick: float) -> np.ndarray:
    n = len(data["side"])
    kinds = {1: ADD_ORDER_EVENT, 2: MODIFY_ORDER_EVENT, 3: CANCEL_ORDER_EVENT}
    events = np.zeros(n, event_dtype)
    kind = np.zeros(n, np.uint64)
    for action, flag in kinds.items():
        kind[data["action"] == action] = flag
    side = np.where(data["side"] == 1, BUY_EVENT, SELL_EVENT).astype(np.uint64)
    events["ev"] = kind | np.uint64(LOCAL_EVENT) | side
    events["exch_ts"] = events["local_ts"] = np.arange(n, dtype=np.int64) + 1
    events["px"] = data["price"] * tick
    events["qty"] = data["size"]
    events["order_id"] = data["order_id"]
    return events


def replay(events: np.ndarray, tick: float, l3: bool) -> tuple[float, tuple]:
    asset = (BacktestAsset().data(events).linear_asset(1.0).constant_order_latency(0, 0)
             .no_partial_fill_exchange().tick_size(tick).lot_size(1.0).last_trades_capacity(0))
    asset = asset.l3_fifo_queue_model() if l3 else asset.risk_adverse_queue_model()
    hbt = HashMapMarketDepthBacktest([asset])
    started = time.perf_counter()
    hbt._goto_end()
    seconds = time.perf_counter() - started
    depth = hbt.depth(0)
    top = (depth.best_bid_tick, depth.best_ask_tick, depth.best_bid_qty, depth.best_ask_qty)
    hbt.close()
    return seconds, top


def main() -> None:
    kind, path, tick, repeats = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    data = np.load(path)
    events = (l3_events if kind == "l3" else l2_events)(data, tick)
    replay(events[:1000].copy(), tick, kind == "l3")  # compile the jitclass wrappers
    times, top = [], ()
    for _ in range(repeats):
        seconds, top = replay(events, tick, kind == "l3")
        times.append(seconds)
    bid, ask, bid_qty, ask_qty = top
    print(json.dumps({"rows": len(events), "replay_s": statistics.median(times),
                      "best_bid": int(bid), "best_ask": int(ask), "bid_size": int(bid_qty),
                      "ask_size": int(ask_qty)}))


if __name__ == "__main__":
    main()
