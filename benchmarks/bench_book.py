"""L2 book benchmark: Sapphire's L2Book against NautilusTrader 1.221's OrderBook.

Deltas: a random walk of level updates on a book of 20 levels a side around a fixed
mid (offsets from the touch geometric, so most updates hit the top levels, as in real
feeds), generated here with a seed. Both books replay the same rows; their final top
of book is compared before anything is reported.

* batch: Sapphire ``apply_batch`` on ``--rows`` deltas (median of ``--repeats``);
  NautilusTrader ``apply_deltas`` on the first ``--peer-rows`` (building 10M Python
  delta objects does not fit here), compared as deltas per second.
* one at a time: a Python loop of ``apply_delta`` over ``--single-rows`` deltas, for both.

NautilusTrader runs in its own interpreter (benchmarks/.env-nautilus) on the same
deltas written to a temporary .npz file.

Usage: python benchmarks/bench_book.py [--rows 10000000] [--peer-rows 1000000]
       [--single-rows 200000] [--repeats 3]
Prints machine info, then one JSON line; also writes benchmarks/results/book.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info
from book_peers.common import batch_seconds, run_peer
from sapphire.book import L2Book, L2BookConfig, LevelRule, SequenceCheck

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "book.json"
MID, LEVELS = 2_000_000, 20  # ticks of 0.01


def make_deltas(rows: int, seed: int = 7) -> dict[str, np.ndarray]:
    """UPDATE deltas: a snapshot of 20 levels a side, then random sizes at geometric offsets."""
    rng = np.random.default_rng(seed)
    side = rng.integers(1, 3, rows).astype(np.int8)
    offset = np.minimum(rng.geometric(0.45, rows), LEVELS)
    price = np.where(side == 1, MID - offset, MID + offset).astype(np.int64)
    size = rng.integers(1, 5_000, rows).astype(np.int64)
    snap_side = np.repeat(np.array([1, 2], np.int8), LEVELS)
    snap_price = np.concatenate([MID - np.arange(1, LEVELS + 1), MID + np.arange(1, LEVELS + 1)])
    n = rows + 2 * LEVELS
    flags = np.full(n, 2, np.uint8)
    flags[: 2 * LEVELS] = 1
    flags[2 * LEVELS - 1] = 3
    return {
        "side": np.concatenate([snap_side, side]),
        "action": np.concatenate([np.ones(2 * LEVELS, np.int8), np.full(rows, 2, np.int8)]),
        "price": np.concatenate([snap_price, price]).astype(np.int64),
        "size": np.concatenate([np.full(2 * LEVELS, 1_000), size]).astype(np.int64),
        "sequence": np.arange(n, dtype=np.int64),
        "flags": flags, "ts_event": np.arange(n, dtype=np.int64),
    }


def _prefix(deltas: dict[str, np.ndarray], rows: int) -> dict[str, np.ndarray]:
    return {name: column[:rows] for name, column in deltas.items()}


CONFIG = L2BookConfig(sequence=SequenceCheck.CONTIGUOUS, levels=LevelRule.UPSERT)


def sapphire_single(deltas: dict[str, np.ndarray], repeats: int) -> float:
    rows = list(zip(*(deltas[c].tolist() for c in ("side", "action", "price", "size",
                                                     "sequence", "flags")), strict=True))
    times = []
    for _ in range(repeats):
        book = L2Book(CONFIG)
        apply = book.apply_delta
        started = time.perf_counter()
        for side, action, price, size, seq, flags in rows:
            apply(side, action, price, size, seq, flags)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--peer-rows", type=int, default=1_000_000)
    parser.add_argument("--single-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(machine_info()))
    deltas = make_deltas(args.rows)
    peer_deltas = _prefix(deltas, args.peer_rows)
    peer = run_peer("nautilus_book.py", peer_deltas, 2, 0, args.single_rows, args.repeats)
    batch_s, book = batch_seconds(lambda: L2Book(CONFIG), deltas, args.repeats)
    check = L2Book(CONFIG)
    check.apply_batch(peer_deltas)
    single_s = sapphire_single(_prefix(deltas, args.single_rows), args.repeats)
    n = len(deltas["side"])
    result = {
        "benchmark": "book_l2", "rows": n, "repeats": args.repeats,
        "sapphire_batch_per_s": n / batch_s,
        "sapphire_single_us": single_s / args.single_rows * 1e6,
        "final_levels": [book.level_count(1), book.level_count(2)],
    }
    if peer is not None:
        same = (peer["best_bid"], peer["best_ask"], peer["bid_size"], peer["ask_size"]) == (
            check.best_bid_price(), check.best_ask_price(), check.best_bid_size(),
            check.best_ask_size())
        if not same:
            raise SystemExit(f"books differ after {args.peer_rows} rows: nautilus {peer}, "
                             f"sapphire {check}")
        result |= {
            "peer": "nautilus_trader 1.221 OrderBook L2_MBP", "peer_rows": peer["rows"],
            "nautilus_batch_per_s": peer["rows"] / peer["batch_s"],
            "nautilus_single_us": peer["single_s"] / peer["single_rows"] * 1e6,
        }
        result["batch_speedup"] = result["sapphire_batch_per_s"] / result["nautilus_batch_per_s"]
        result["single_ratio"] = result["sapphire_single_us"] / result["nautilus_single_us"]
    print(json.dumps(result))
    recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    kept = {k: recorded[k] for k in ("hftbacktest",) if k in recorded}  # bench_book_hftbacktest
    RESULTS.write_text(json.dumps({"machine": machine_info(), **result, **kept}, indent=2)
                       + "\n")


if __name__ == "__main__":
    main()
