"""hftbacktest 2.4.4 running the L2 market-making loop of the book benchmark.

Run with the hftbacktest interpreter: benchmarks/.env-hftbacktest/bin/python.
Usage: hftbacktest_mm.py EVENTS.npz TICK LOT REPEATS [INTERVAL_NS [EXCHANGE]]
  EVENTS.npz: the columns of ``book_peers/mm_data.py`` (ts, kind, side, action, price in
  ticks, size in lots, flags, sequence); TICK and LOT: the instrument's tick and lot size;
  INTERVAL_NS: time between quoting steps (default 100 ms); EXCHANGE: ``no_partial``
  (default) or ``partial``, hftbacktest's exchange model (see below).
Prints one JSON line: rows, the median seconds and process CPU seconds of a run, events
per second, fills, lots bought and sold, the final position, orders submitted, quoting
steps and the final best bid and ask (ticks), so the caller can check both engines agree.

The events. Every row is an exchange and a local event at ``exch_ts = local_ts = ts``:
L2 deltas become DEPTH_EVENTs (BUY_EVENT for the bid side, SELL_EVENT for the ask) whose
quantity is the level's new size (0 for a delete: hftbacktest drops a level set to 0);
the clear that opens the stream's snapshot becomes a DEPTH_CLEAR_EVENT with no side
(both sides cleared); trades become TRADE_EVENTs flagged with the aggressor (BUY_EVENT:
a buyer lifted the ask). Prices and sizes go in as ``ticks * TICK`` and ``lots * LOT``.

The asset: linear, tick TICK, lot LOT, zero order latency both ways
(``constant_order_latency(0, 0)``), the risk-averse queue model, no fees, and
hftbacktest's no-partial-fill exchange by default. Fills then work like this: an order
joins the back of its level (queue ahead = the level's size when the order arrives); a
trade at its price takes the trade's size off the queue ahead, and a smaller level size
caps it (size added behind never counts); once trades at its price have taken more than
the queue ahead (by a lot or more) the WHOLE order fills at its price. It also fills
whole when a trade goes through its price (a sell trade below a buy) or the other side's
best reaches it (best ask <= the buy's price). A crossing post-only order expires.

Why not the partial-fill exchange: in 2.4.4 it stops the run with InvalidOrderStatus
(elapse returns 14) once a trade exactly fills an order's remaining size (the order
stays in the exchange's book as filled: hftbacktest issues #312 and #301; with this loop
after 671 steps of the first 100,000 rows), and its local position ignores partial fills
(issues #299 and #316). ``EXCHANGE=partial`` runs it anyway, to show the failure; any
return code other than end-of-data stops this script with an error rather than
reporting the rate of a run cut short.

The quoting rule (Sapphire's side of the benchmark runs the same one). Start at the
first event's time t0; at every step ``hbt.elapse(INTERVAL_NS)`` (default 100 ms)
replays all events with ts <= t0 + k * INTERVAL_NS, then the strategy, at that time:

1. forgets orders that are no longer working (filled, cancelled or expired);
2. reads the best bid and ask (ticks) and the position (lots);
3. buy side: while position < MAX_POSITION_LOTS (1,000 lots = 10 quotes of QTY_LOTS =
   100 lots), keeps exactly one post-only (GTX) limit buy at the best bid: a working buy
   at another price is cancelled, and a new buy of QTY_LOTS is submitted at the best bid
   unless a working one (possibly partly filled) is already there. When the position is
   >= MAX_POSITION_LOTS, a working buy is cancelled and none is submitted;
4. sell side mirrored: one GTX sell at the best ask while position > -MAX_POSITION_LOTS.

With zero latency an order reaches the exchange at the step's time, after the events of
that time and before any later one; its acknowledgement and any fill reach the strategy
before its next step. The loop is an ``@njit`` function taking the backtester, as in
hftbacktest's examples. Building the event array and the backtester is not timed; the
loop is, ``REPEATS`` times after a warm-up run on the first rows (compiles the loop).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
from hftbacktest import (
    BUY,
    BUY_EVENT,
    DEPTH_CLEAR_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    GTX,
    LIMIT,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
)
from hftbacktest.binding import event_dtype
from numba import njit

#: Size of one quote (lots).
QTY_LOTS = 100
#: Largest position, long or short, at which the strategy still quotes that side (lots).
MAX_POSITION_LOTS = 10 * QTY_LOTS
#: Time between two quoting steps (ns of exchange time).
INTERVAL_NS = 100_000_000
#: hftbacktest's best bid tick of an empty bid side (i64::MIN).
NO_BID = np.iinfo(np.int64).min
#: hftbacktest's best ask tick of an empty ask side (i64::MAX).
NO_ASK = np.iinfo(np.int64).max

#: hftbacktest exchange models this script can run; the first is the default.
EXCHANGES = ("no_partial", "partial")

KIND_DELTA, KIND_TRADE = 0, 1
ADD, UPDATE, DELETE, CLEAR = 1, 2, 3, 4


def mm_events(data: dict[str, np.ndarray], tick: float, lot: float) -> np.ndarray:
    """Return hftbacktest events (``event_dtype``) for the rows of ``mm_data``."""
    kind, side, action = data["kind"], data["side"], data["action"]
    _check_codes(kind, side, action)
    delta = kind == KIND_DELTA
    ev = np.full(len(kind), TRADE_EVENT, np.uint64)
    ev[delta] = DEPTH_EVENT
    ev[delta & (action == CLEAR)] = DEPTH_CLEAR_EVENT
    ev[side == 1] |= np.uint64(BUY_EVENT)
    ev[side == 2] |= np.uint64(SELL_EVENT)
    events = np.zeros(len(kind), event_dtype)
    events["ev"] = ev | np.uint64(EXCH_EVENT | LOCAL_EVENT)
    events["exch_ts"] = events["local_ts"] = data["ts"]
    events["px"] = data["price"] * tick
    deleted = delta & (action == DELETE)
    events["qty"] = np.where(deleted, 0, data["size"]) * lot
    return events


def _check_codes(kind: np.ndarray, side: np.ndarray, action: np.ndarray) -> None:
    delta, trade = kind == KIND_DELTA, kind == KIND_TRADE
    bad = ~(delta | trade)
    bad |= delta & ~np.isin(action, (ADD, UPDATE, DELETE, CLEAR))
    bad |= delta & (action != CLEAR) & ~np.isin(side, (1, 2))
    bad |= trade & ~np.isin(side, (1, 2))
    if bad.any():
        row = int(np.argmax(bad))
        raise SystemExit(f"row {row} has kind {kind[row]}, side {side[row]}, action "
                         f"{action[row]}: expected a delta (kind 0, side 1/2, action 1-4; "
                         "side 0 only for a clear) or a trade (kind 1, side 1/2)")


@njit
def quote_loop(hbt, interval, qty, max_position, tick, lot):
    """Run the quoting rule to the end of the data.

    Returns (the last elapse code: 1 at the end of the data, orders submitted, steps).
    """
    asset = 0
    order_id = np.uint64(1)
    steps = 0
    code = hbt.elapse(interval)
    while code == 0:
        steps += 1
        hbt.clear_inactive_orders(asset)
        depth = hbt.depth(asset)
        bid, ask = depth.best_bid_tick, depth.best_ask_tick
        position = np.int64(np.round(hbt.position(asset) / lot))
        want_buy = position < max_position and bid != NO_BID
        want_sell = position > -max_position and ask != NO_ASK
        buy_there, sell_there = False, False
        values = hbt.orders(asset).values()
        while values.has_next():
            order = values.get()
            if order.side == BUY:
                if want_buy and order.price_tick == bid:
                    buy_there = True
                elif order.cancellable:
                    hbt.cancel(asset, order.order_id, False)
            else:
                if want_sell and order.price_tick == ask:
                    sell_there = True
                elif order.cancellable:
                    hbt.cancel(asset, order.order_id, False)
        if want_buy and not buy_there:
            hbt.submit_buy_order(asset, order_id, bid * tick, qty, GTX, LIMIT, False)
            order_id += np.uint64(1)
        if want_sell and not sell_there:
            hbt.submit_sell_order(asset, order_id, ask * tick, qty, GTX, LIMIT, False)
            order_id += np.uint64(1)
        code = hbt.elapse(interval)
    # 1: the last elapse replayed the events after the last step and reached the end
    return code, np.int64(order_id) - 1, steps


def run(events: np.ndarray, tick: float, lot: float, interval: int, exchange: str) -> dict:
    """Build a backtester on ``events``, run the loop once; return its timing and state."""
    asset = (BacktestAsset().data(events).linear_asset(1.0).constant_order_latency(0, 0)
             .risk_adverse_queue_model().trading_value_fee_model(0.0, 0.0)
             .tick_size(tick).lot_size(lot).last_trades_capacity(0))
    if exchange == "partial":
        asset = asset.partial_fill_exchange()
    else:
        asset = asset.no_partial_fill_exchange()
    hbt = HashMapMarketDepthBacktest([asset])
    wall, cpu = time.perf_counter(), time.process_time()
    code, submitted, steps = quote_loop(hbt, interval, QTY_LOTS * lot, MAX_POSITION_LOTS,
                                        tick, lot)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if code != 1:
        at = hbt.current_timestamp
        hbt.close()
        raise SystemExit(f"hftbacktest's elapse returned {code} after {steps} steps (at ts "
                         f"{at}): expected 1, the end of the data (10-15 are its "
                         "BacktestErrors, 14 InvalidOrderStatus)")
    state = hbt.state_values(0)
    depth = hbt.depth(0)
    position = round(hbt.position(0) / lot)
    traded = round(state.trading_volume / lot)  # bought + sold
    result = {"seconds": wall, "cpu_seconds": cpu, "fills": int(state.num_trades),
              "bought_lots": (traded + position) // 2, "sold_lots": (traded - position) // 2,
              "position_lots": position, "orders_submitted": int(submitted),
              "steps": int(steps), "best_bid": int(depth.best_bid_tick),
              "best_ask": int(depth.best_ask_tick)}
    hbt.close()
    return result


def main() -> None:
    args = sys.argv[1:]
    if not 4 <= len(args) <= 6 or (len(args) == 6 and args[5] not in EXCHANGES):
        raise SystemExit(__doc__.split("\n\n")[1])
    path, tick, lot, repeats = args[0], float(args[1]), float(args[2]), int(args[3])
    interval = int(args[4]) if len(args) >= 5 else INTERVAL_NS
    exchange = args[5] if len(args) == 6 else EXCHANGES[0]
    with np.load(path) as data:
        events = mm_events({name: data[name] for name in data.files}, tick, lot)
    run(events[:10_000].copy(), tick, lot, interval, exchange)  # compile loop and wrappers
    runs = [run(events, tick, lot, interval, exchange) for _ in range(repeats)]
    seconds = statistics.median(r["seconds"] for r in runs)
    last = runs[-1]
    print(json.dumps({"rows": len(events), "repeats": repeats, "interval_ns": interval,
                      "exchange": exchange,
                      "median_s": seconds, "events_per_s": len(events) / seconds,
                      "median_cpu_s": statistics.median(r["cpu_seconds"] for r in runs),
                      **{k: v for k, v in last.items() if k not in ("seconds", "cpu_seconds")}}))


if __name__ == "__main__":
    main()
