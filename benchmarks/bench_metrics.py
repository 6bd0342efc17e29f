"""Cost per call of the engine-facing metrics, against prometheus_client in the same process.

Times (median of ``--repeats`` runs of ``--calls`` calls each, a loop of the same length
with no call subtracted) of:

- the switched-off object (:class:`sapphire.metrics.NullMetrics`): a counter method and a
  histogram ``observe``;
- :class:`sapphire.metrics.EngineMetrics`: ``m.events += 1``, ``m.count_events()``,
  ``m.risk_check.observe(ns)``, and ``observe_many`` per value on batches of 1,000;
- peers: ``prometheus_client`` ``Counter.inc()`` and ``Histogram.observe()`` with the same
  106 buckets (what a naive engine would call per event);
- ``time.perf_counter_ns()``, the clock read a latency measurement needs.

Usage: python benchmarks/bench_metrics.py [--calls 1000000] [--repeats 5]
Prints machine info, then one JSON line; also writes benchmarks/results/metrics.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from prometheus_client import CollectorRegistry, Counter, Histogram

from _machine import print_machine_info, report
from sapphire.metrics import LATENCY_BUCKETS_NS, EngineMetrics, NullMetrics

RESULTS = Path(__file__).parent / "results" / "metrics.json"


def per_call_ns(body: Callable[[int], None], empty: Callable[[int], None], calls: int,
                repeats: int) -> float:
    """Median ns per call of ``body(calls)`` minus the same loop doing nothing."""
    def timed(fn: Callable[[int], None]) -> float:
        started = time.perf_counter_ns()
        fn(calls)
        return (time.perf_counter_ns() - started) / calls

    body(min(calls, 10_000))  # warm-up
    return statistics.median(timed(body) - timed(empty) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    info = print_machine_info()

    on, off = EngineMetrics(), NullMetrics()
    registry = CollectorRegistry()
    peer_counter = Counter("events", "events", registry=registry)
    peer_hist = Histogram("latency_seconds", "latency", registry=registry,
                          buckets=[b / 1e9 for b in LATENCY_BUCKETS_NS])
    latencies = np.random.default_rng(1).lognormal(8, 1.5, 1000).astype(np.int64)
    batch = len(latencies)

    def empty(n: int) -> None:
        for _ in range(n):
            pass

    def attr_increment(n: int) -> None:
        m = on
        for _ in range(n):
            m.events += 1

    def count_method(n: int) -> None:
        count = on.count_events
        for _ in range(n):
            count()

    def observe(n: int) -> None:
        h = on.risk_check
        for i in range(n):
            h.observe(i & 8191)

    def null_count(n: int) -> None:
        count = off.count_events
        for _ in range(n):
            count()

    def null_observe(n: int) -> None:
        h = off.risk_check
        for i in range(n):
            h.observe(i & 8191)

    def peer_inc(n: int) -> None:
        inc = peer_counter.inc
        for _ in range(n):
            inc()

    def peer_observe(n: int) -> None:
        obs = peer_hist.observe
        for i in range(n):
            obs((i & 8191) * 1e-9)

    def clock(n: int) -> None:
        now = time.perf_counter_ns
        for _ in range(n):
            now()

    def observe_many(n: int) -> None:
        h = on.book_update
        for _ in range(n // batch):
            h.observe_many(latencies)

    def empty_batches(n: int) -> None:
        for _ in range(n // batch):
            pass

    c, r = args.calls, args.repeats
    result: dict[str, object] = {"benchmark": "metrics", "calls": c, "repeats": r,
                                 "machine": info}
    for name, body, base in [
        ("null_count_ns", null_count, empty), ("null_observe_ns", null_observe, empty),
        ("attr_increment_ns", attr_increment, empty), ("count_method_ns", count_method, empty),
        ("observe_ns", observe, empty), ("observe_many_per_value_ns", observe_many, empty_batches),
        ("prometheus_inc_ns", peer_inc, empty), ("prometheus_observe_ns", peer_observe, empty),
        ("perf_counter_ns_ns", clock, empty),
    ]:
        result[name] = round(per_call_ns(body, base, c, r), 1)
    result["speedup_observe_vs_prometheus"] = round(
        float(result["prometheus_observe_ns"]) / float(result["observe_ns"]), 1)  # type: ignore[arg-type]
    result["speedup_count_vs_prometheus"] = round(
        float(result["prometheus_inc_ns"]) / float(result["count_method_ns"]), 1)  # type: ignore[arg-type]
    report(result, RESULTS)


if __name__ == "__main__":
    main()
