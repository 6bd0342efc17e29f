"""Book replay against hftbacktest 2.4.4's market depth, in the same run.

* L2: the deltas of ``bench_book.py`` (same generator and seed), written once to
  ``benchmarks/.cache/`` as .npz; Sapphire and hftbacktest both load that file. Sapphire
  ``L2Book.apply_batch`` (median of ``--repeats``) and ``apply_delta`` in a Python loop
  over ``--single-rows``; hftbacktest replays them as DEPTH_EVENTs through a
  HashMapMarketDepth backtester (``book_peers/hftbacktest_replay.py``).
* L3: the book-changing rows (adds, modifies, cancels) of the Databento ESH4 MBO sample,
  cached the same way; Sapphire ``L3Book.apply_batch`` and ``apply`` one at a time;
  hftbacktest replays them as ADD/MODIFY/CANCEL_ORDER_EVENTs on its L3 book.

The final top of book (prices and sizes) must agree before anything is reported.
hftbacktest runs in its own interpreter (benchmarks/.env-hftbacktest, ``make
bench-hftbacktest-env``). Its replay goes through its backtester's event loop with no
strategy, so it is a book-replay figure, not the quoting-loop figure of the issue.

Usage: python benchmarks/bench_book_hftbacktest.py [--rows 10000000]
       [--single-rows 200000] [--repeats 3]
Prints machine info, then one JSON line; also merges it into benchmarks/results/book.json
under the key "hftbacktest" (the file's other keys are kept).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info
from bench_book import CONFIG, make_deltas, sapphire_single
from bench_book_l3 import batch_seconds, book_changing, databento, single_seconds
from book_peers.common import batch_seconds as l2_batch_seconds
from book_peers.common import cached
from sapphire.book import L2Book
from sapphire.book.l3_integrity import DATABENTO_MBO

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "book.json"
PEER_PYTHON = HERE / ".env-hftbacktest" / "bin" / "python"
PEER = HERE / "book_peers" / "hftbacktest_replay.py"


def peer(kind: str, path: Path, tick: float, repeats: int) -> dict:
    out = subprocess.run([str(PEER_PYTHON), str(PEER), kind, str(path), str(tick),
                          str(repeats)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def l2(rows: int, single_rows: int, repeats: int) -> dict:
    path = CACHE / f"book-l2-deltas-{rows}-seed7-v1.npz"
    deltas = cached(path, lambda: make_deltas(rows))
    assert deltas is not None
    other = peer("l2", path, 0.01, repeats)
    batch_s, book = l2_batch_seconds(lambda: L2Book(CONFIG), deltas, repeats)
    single_s = sapphire_single({k: v[:single_rows] for k, v in deltas.items()}, repeats)
    ours = (book.best_bid_price(), book.best_ask_price(), book.best_bid_size(),
            book.best_ask_size())
    if ours != (other["best_bid"], other["best_ask"], other["bid_size"], other["ask_size"]):
        raise SystemExit(f"L2 books differ: hftbacktest {other}, sapphire {book}")
    n = len(deltas["side"])
    return {"l2_rows": n, "l2_sapphire_batch_per_s": n / batch_s,
            "l2_sapphire_single_per_s": single_rows / single_s,
            "l2_sapphire_single_us": single_s / single_rows * 1e6,
            "l2_hftbacktest_replay_per_s": other["rows"] / other["replay_s"],
            "l2_batch_speedup": (n / batch_s) / (other["rows"] / other["replay_s"])}


def l3(repeats: int) -> dict:
    def make() -> dict[str, np.ndarray] | None:
        real = databento()
        return None if real is None else book_changing(real)

    path = CACHE / "esh4-mbo-book-changing-v1.npz"
    rows = cached(path, make)
    if rows is None:
        return {}
    other = peer("l3", path, 0.25, repeats)
    n = len(rows["side"])
    batch_s, book = batch_seconds(rows, DATABENTO_MBO, repeats)
    single_s = single_seconds(rows, DATABENTO_MBO, n, repeats)
    bid, ask = book.best_bid(), book.best_ask()
    assert bid is not None and ask is not None
    if (bid[0], ask[0], bid[1], ask[1]) != (other["best_bid"], other["best_ask"],
                                            other["bid_size"], other["ask_size"]):
        raise SystemExit(f"L3 books differ: hftbacktest {other}, sapphire {book}")
    return {"l3_databento_rows": n, "l3_sapphire_batch_per_s": n / batch_s,
            "l3_sapphire_single_per_s": n / single_s,
            "l3_sapphire_single_us": single_s / n * 1e6,
            "l3_hftbacktest_replay_per_s": other["rows"] / other["replay_s"],
            "l3_batch_speedup": (n / batch_s) / (other["rows"] / other["replay_s"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--single-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(machine_info()))
    if not PEER_PYTHON.exists():
        raise SystemExit(f"no hftbacktest environment at {PEER_PYTHON.parent.parent}: "
                         "run `make bench-hftbacktest-env`")
    result = {"benchmark": "book_hftbacktest", "peer": "hftbacktest 2.4.4 HashMapMarketDepth",
              "repeats": args.repeats}
    result |= l2(args.rows, args.single_rows, args.repeats)
    result |= l3(args.repeats)
    print(json.dumps(result))
    recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    recorded["hftbacktest"] = {"machine": machine_info(), **result}
    RESULTS.write_text(json.dumps(recorded, indent=2) + "\n")


if __name__ == "__main__":
    main()
