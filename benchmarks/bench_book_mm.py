"""Market making on order books through the backtest engine, with hftbacktest as the peer.

* L2: ``--events`` BTCUSDT deltas and trades (``book_peers/mm_data.py``, seed 1), the same
  rows for both engines. Sapphire runs ``BookMarketMaker`` (one post-only quote of 100 lots
  a side at the touch every 100 ms, position capped at 1,000 lots) in ``BacktestEngine``
  with the conservative L2 queue model; hftbacktest 2.4.4 runs the same loop
  (``book_peers/hftbacktest_mm.py``, its risk-averse queue model, no partial fills: its
  partial-fill exchange stops on this loop, see that script). Only the run is timed (not
  building the data or the engine). Their fill rules differ, so fill counts are reported,
  not compared.
* L3: the Databento ES MBO sample through ``BacktestEngine`` on an L3 book: replay alone
  (no strategy orders; the book kept in step for matching), and ``BookMarketMaker`` on the
  sample looped ``--loops`` times (``sapphire.backtest.book_examples``).

Usage: python benchmarks/bench_book_mm.py [--events 10000000] [--loops 3] [--no-peer]
Prints machine info, then one JSON line; also writes benchmarks/results/book_mm.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info
from book_peers.mm_data import LOT_SIZE, TICK_SIZE, btcusdt, cache_path, cached_mm_events
from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.strategy.examples.book_market_maker import BookMarketMaker, BookMarketMakerConfig
from sapphire.strategy.strategy import Strategy

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "book_mm.json"
PEER_PYTHON = HERE / ".env-hftbacktest" / "bin" / "python"
PEER = HERE / "book_peers" / "hftbacktest_mm.py"
DATA = HERE.parent.parent / "shared" / "data" / "real"
QTY_LOTS, MAX_LOTS, INTERVAL_NS = 100, 1_000, 100_000_000


def tables(events: dict[str, np.ndarray]) -> tuple[pa.Table, pa.Table]:
    """The L2 deltas and the trades of the merged rows, in the catalog's schemas."""
    delta, trade = events["kind"] == 0, events["kind"] == 1
    ts = events["ts"]
    deltas = pa.table({
        "ts_event": ts[delta], "ts_init": ts[delta], "sequence": events["sequence"][delta],
        "side": events["side"][delta], "action": events["action"][delta],
        "price": events["price"][delta], "size": events["size"][delta],
        "flags": events["flags"][delta]})
    trades = pa.table({
        "ts_event": ts[trade], "ts_init": ts[trade], "price": events["price"][trade],
        "size": events["size"][trade], "aggressor_side": events["side"][trade],
        "trade_id": pa.array(events["sequence"][trade].astype(str))})
    return deltas, trades


def sapphire_l2(events: dict[str, np.ndarray]) -> dict:
    instrument = btcusdt()
    deltas, trades = tables(events)
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name=instrument.id.venue, currency="USDT",
                                 starting_balance=1e9))
    engine.add_instrument(instrument)
    engine.add_data(deltas, "l2_deltas", instrument.id)
    engine.add_data(trades, "trades", instrument.id)
    engine.add_strategy(BookMarketMaker(BookMarketMakerConfig(
        instrument_id=str(instrument.id), quote_size=QTY_LOTS * Decimal(str(LOT_SIZE)),
        max_position=MAX_LOTS * Decimal(str(LOT_SIZE)), interval_ns=INTERVAL_NS)))
    return timed_run(engine, len(events["ts"]))


def timed_run(engine: BacktestEngine, events: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    result = engine.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    fills = result.fills
    side = fills.column("side").to_numpy()
    return {"events": events, "seconds": wall, "cpu_seconds": cpu, "events_per_s": events / wall,
            "events_per_cpu_s": events / cpu, "fills": fills.num_rows,
            "orders": result.orders.num_rows, "buys": int((side > 0).sum()),
            "sells": int((side < 0).sum()), "net_pnl": result.statistics["net_pnl"]}


class Passive(Strategy):
    """Sends nothing: the replay alone."""


def sapphire_mbo(loops: int) -> dict:
    from sapphire.backtest.book_examples import es_future, es_mbo_backtest, es_mbo_events
    from sapphire.book.l3_integrity import DATABENTO_MBO

    events = es_mbo_events(DATA, 1)
    instrument = es_future()
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="GLBX", currency="USD"))
    engine.add_instrument(instrument)
    engine.add_data(events, "l3_orders", instrument.id, book_config=DATABENTO_MBO)
    engine.add_strategy(Passive())
    replay = timed_run(engine, events.num_rows)
    wall, cpu = time.perf_counter(), time.process_time()
    result = es_mbo_backtest(DATA, loops=loops)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = events.num_rows * loops
    return {"replay": replay, "mm": {"events": n, "loops": loops, "seconds": wall,
                                     "cpu_seconds": cpu, "events_per_s": n / wall,
                                     "fills": result.fills.num_rows,
                                     "orders": result.orders.num_rows,
                                     "net_pnl": result.statistics["net_pnl"]}}


def peer(n: int) -> dict | None:
    if not PEER_PYTHON.exists():
        return None
    out = subprocess.run([str(PEER_PYTHON), str(PEER), str(cache_path(n)), str(TICK_SIZE),
                          str(LOT_SIZE), "1", str(INTERVAL_NS)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--loops", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    print(json.dumps(machine_info()))
    events = cached_mm_events(args.events)
    result: dict = {"l2_sapphire": sapphire_l2(events)}
    other = None if args.no_peer else peer(args.events)
    if other is not None:
        result["l2_hftbacktest"] = other
        result["l2_speed_ratio"] = (result["l2_sapphire"]["events_per_s"]
                                    / other["events_per_s"])
    if DATA.exists():
        result["l3_es"] = sapphire_mbo(args.loops)
    print(json.dumps(result))
    RESULTS.write_text(json.dumps({"machine": machine_info(), **result}, indent=2) + "\n")


if __name__ == "__main__":
    main()
