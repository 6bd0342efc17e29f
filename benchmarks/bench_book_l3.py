"""L3 book benchmark: Sapphire's L3Book on the real Databento ESH4 MBO sample and on a
synthetic MBO stream, against NautilusTrader 1.221's OrderBook (L3_MBO) on the same events.

* databento: the whole sample (68,767 rows: adds, modifies, cancels, fills, trades) with
  the ``DATABENTO_MBO`` settings, in batch (median of ``--repeats``) and one event at a
  time from Python (``L3Book.apply`` in a loop).
* synthetic: ``--rows`` events generated here with a seed (adds, cancels, size-down and
  one-tick price modifies around a fixed mid, 500 to 10,000 live orders), same two ways.
* peer: NautilusTrader applies ADD/UPDATE/DELETE deltas by order id. Both books replay
  the same book-changing rows (fills and trades, which change no MBO book, left out;
  each sample cancel removes a whole order, so it is a DELETE); the final top of book is
  compared before anything is reported (prices, level sizes and the first order's size).
  NautilusTrader gets the first ``--peer-rows`` synthetic rows (building 10M Python delta
  objects does not fit in memory here).

NautilusTrader runs in its own interpreter (benchmarks/.env-nautilus) on the same rows
written to a temporary .npz file.

Usage: python benchmarks/bench_book_l3.py [--rows 10000000] [--peer-rows 1000000]
       [--single-rows 200000] [--repeats 3]
Prints machine info, then one JSON line; also writes benchmarks/results/book_l3.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info
from book_peers.common import batch_seconds, run_peer
from sapphire.book.l3 import L3Book
from sapphire.book.l3_integrity import DATABENTO_MBO, L3BookConfig
from sapphire.data.loaders import get_loader
from sapphire.model.instruments import SpotPair

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "book_l3.json"
SAMPLE = HERE.parent.parent / "shared" / "data" / "real" / "mbo" / \
    "databento-esh4-glbx-mdp3-20231225.mbo.dbn.zst"
COLUMNS = ("order_id", "side", "action", "price", "size", "sequence", "flags", "ts_event")
MID = 200_000  # ticks
SYNTHETIC = L3BookConfig(capacity=16_384)


@numba.njit(cache=True)
def _generate(rows: int, seed: int, target: int) -> tuple[np.ndarray, ...]:
    """Valid MBO events: adds, whole cancels, size-down or one-tick modifies, no crossing."""
    np.random.seed(seed)
    oid = np.empty(rows, np.int64)
    side = np.empty(rows, np.int8)
    action = np.empty(rows, np.int8)
    price = np.empty(rows, np.int64)
    size = np.empty(rows, np.int64)
    live = np.empty(rows, np.int64)  # ids of live orders (swap-remove)
    where = np.full(rows + 1, -1, np.int64)  # id -> index in live
    o_side = np.zeros(rows + 1, np.int8)
    o_price = np.zeros(rows + 1, np.int64)
    o_size = np.zeros(rows + 1, np.int64)
    n = 0
    next_id = 1
    for i in range(rows):
        u = np.random.random()
        if n < target // 10 or (u < 0.45 and n < 2 * target):
            s = 1 + (np.random.random() < 0.5)
            off = min(np.random.geometric(0.15), 60)
            p = MID - off if s == 1 else MID + off
            q = np.random.randint(1, 20)
            k = next_id
            next_id += 1
            where[k] = n
            live[n] = k
            n += 1
            o_side[k], o_price[k], o_size[k] = s, p, q
            oid[i], side[i], action[i], price[i], size[i] = k, s, 1, p, q
            continue
        k = live[np.random.randint(0, n)]
        s, p, q = o_side[k], o_price[k], o_size[k]
        if u < 0.75:  # cancel the whole order
            j = where[k]
            live[j] = live[n - 1]
            where[live[j]] = j
            n -= 1
            oid[i], side[i], action[i], price[i], size[i] = k, s, 3, p, q
        else:  # modify: less size, or one tick away (staying on its side)
            if q > 1 and np.random.random() < 0.5:
                q = np.random.randint(1, q)
            else:
                step = 1 if np.random.random() < 0.5 else -1
                if (s == 1 and p + step < MID) or (s == 2 and p + step > MID):
                    p += step
            o_price[k], o_size[k] = p, q
            oid[i], side[i], action[i], price[i], size[i] = k, s, 2, p, q
    return oid, side, action, price, size


def synthetic(rows: int, seed: int = 11) -> dict[str, np.ndarray]:
    oid, side, action, price, size = _generate(rows, seed, 5_000)
    return {"order_id": oid.view(np.uint64), "side": side, "action": action, "price": price,
            "size": size, "sequence": np.arange(rows, dtype=np.int64),
            "flags": np.full(rows, 2, np.uint8), "ts_event": np.arange(rows, dtype=np.int64)}


def databento() -> dict[str, np.ndarray] | None:
    if not SAMPLE.is_file():
        return None
    es = SpotPair(id="ESH4.GLBX", quote_currency="USD", base_currency="X",
                  price_increment=Decimal("0.25"), size_increment=Decimal("1"))
    table = pa.concat_tables(list(get_loader("databento", schema="mbo").read(SAMPLE, es)))
    return {name: table.column(name).to_numpy() for name in COLUMNS}


def book_changing(events: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keep = np.isin(events["action"], (1, 2, 3))
    return {name: column[keep] for name, column in events.items()}


def single_seconds(events: dict[str, np.ndarray], config: L3BookConfig, rows: int,
                   repeats: int) -> float:
    rows_list = list(zip(*(events[c][:rows].tolist() for c in COLUMNS), strict=True))
    times = []
    for _ in range(repeats):
        book = L3Book(config)
        apply = book.apply
        started = time.perf_counter()
        for row in rows_list:
            apply(*row)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def compare(name: str, events: dict[str, np.ndarray], config: L3BookConfig, single_rows: int,
            repeats: int) -> dict:
    """Sapphire and NautilusTrader on the same book-changing rows; tops must agree."""
    rows = book_changing(events)
    peer = run_peer("nautilus_l3_book.py", rows, 2, 0.25, single_rows, repeats)
    if peer is None:
        return {}
    batch_s, book = batch_seconds(lambda: L3Book(config), rows, repeats)
    single_s = single_seconds(rows, config, single_rows, repeats)
    bid, ask = book.best_bid(), book.best_ask()
    assert bid is not None and ask is not None
    first_bid, first_ask = book.level_orders(1, bid[0])[1][0], book.level_orders(2, ask[0])[1][0]
    if (peer["best_bid"], peer["best_ask"], peer["bid_size"], peer["ask_size"],
            peer["bid_first_size"], peer["ask_first_size"]) != (
            bid[0], ask[0], bid[1], ask[1], first_bid, first_ask):
        raise SystemExit(f"{name}: books differ: nautilus {peer}, sapphire {book}")
    n = len(rows["side"])
    return {
        f"{name}_peer_rows": n,
        f"{name}_same_rows_sapphire_batch_per_s": n / batch_s,
        f"{name}_same_rows_sapphire_single_us": single_s / min(single_rows, n) * 1e6,
        f"{name}_nautilus_batch_per_s": peer["rows"] / peer["batch_s"],
        f"{name}_nautilus_single_us": peer["single_s"] / peer["single_rows"] * 1e6,
        f"{name}_batch_speedup": (n / batch_s) / (peer["rows"] / peer["batch_s"]),
        f"{name}_single_ratio": (single_s / min(single_rows, n))
        / (peer["single_s"] / peer["single_rows"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--peer-rows", type=int, default=1_000_000)
    parser.add_argument("--single-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(machine_info()))
    result: dict = {"benchmark": "book_l3", "repeats": args.repeats}
    if args.repeats > 0:
        result["peer"] = "nautilus_trader 1.221 OrderBook L3_MBO"
    real = databento()
    if real is not None:
        n = len(real["side"])
        batch_s, book = batch_seconds(lambda: L3Book(DATABENTO_MBO), real, args.repeats)
        single_s = single_seconds(real, DATABENTO_MBO, n, args.repeats)
        result |= {"databento_rows": n, "databento_batch_per_s": n / batch_s,
                   "databento_single_us": single_s / n * 1e6,
                   "databento_single_per_s": n / single_s,
                   "databento_final_orders": book.order_count}
        result |= compare("databento", real, DATABENTO_MBO, n, args.repeats)
    events = synthetic(args.rows)
    batch_s, book = batch_seconds(lambda: L3Book(SYNTHETIC), events, args.repeats)
    single_s = single_seconds(events, SYNTHETIC, args.single_rows, args.repeats)
    result |= {"synthetic_rows": args.rows, "synthetic_batch_per_s": args.rows / batch_s,
               "synthetic_single_us": single_s / args.single_rows * 1e6,
               "synthetic_single_per_s": args.single_rows / single_s,
               "synthetic_final_orders": book.order_count}
    result |= compare("synthetic", {k: v[: args.peer_rows] for k, v in events.items()},
                      SYNTHETIC, args.single_rows, args.repeats)
    print(json.dumps(result))
    RESULTS.write_text(json.dumps({"machine": machine_info(), **result}, indent=2) + "\n")


if __name__ == "__main__":
    main()
