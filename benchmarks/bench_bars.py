"""Bar aggregation benchmark: 10M synthetic quotes to 1-second MID bars.

Times :func:`sapphire.data.aggregation.aggregate_arrays` (one-pass numba kernel; median of
``--repeats`` after a warm-up that compiles it) against peers run in the same process on
the same arrays: a plain-numpy implementation written here (``np.flatnonzero`` of interval
changes + ``ufunc.reduceat``), pandas ``resample().ohlc()`` when pandas is importable, and
the incremental :class:`~sapphire.data.aggregator.BarAggregator` on a prefix of the ticks.
The numpy peer's bars are checked equal to Sapphire's before anything is reported.

Usage: python benchmarks/bench_bars.py [--rows 10000000] [--repeats 5] [--incremental-rows 200000]
Prints machine info, then one JSON line; also writes benchmarks/results/bars.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import median_seconds, print_machine_info, report
from sapphire.core.time import NS_PER_S
from sapphire.data.aggregation import BarArrays, aggregate_arrays
from sapphire.data.aggregator import BarAggregator
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import FxPair

RESULTS = Path(__file__).parent / "results" / "bars.json"
DAY_START_NS = 1_704_067_200_000_000_000  # 2024-01-01 UTC
SPEC = BarSpec.parse("1-s-mid")
INSTRUMENT = FxPair(id="EURUSD.SIM", quote_currency="USD", base_currency="EUR",
                    price_increment="0.00001", size_increment="1")


def make_quotes(rows: int, seed: int = 42) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Quotes about 1 ms apart (some equal stamps, some gaps), random-walk bid, 1-3 tick spread."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1_000_000, rows).astype(np.int64)
    gaps[rng.random(rows) < 1e-4] += 30 * NS_PER_S  # quiet spells: empty seconds
    ts = DAY_START_NS + np.cumsum(gaps)
    bid = 110_000 + np.cumsum(rng.integers(-1, 2, rows))
    ask = bid + rng.integers(1, 4, rows)
    sizes = [rng.integers(1, 50, rows) * 100_000 for _ in range(2)]
    return ts, [bid, ask], sizes


def numpy_bars(ts: np.ndarray, prices: list[np.ndarray], sizes: list[np.ndarray],
               step_ns: int) -> BarArrays:
    """The same bars with plain numpy: find interval changes, then reduce each run."""
    mid = prices[0] + prices[1]
    volume = sizes[0] + sizes[1]
    interval = ts // step_ns
    starts = np.concatenate(([0], np.flatnonzero(interval[1:] != interval[:-1]) + 1))
    ends = np.concatenate((starts[1:], [len(ts)])) - 1
    return BarArrays((interval[starts] + 1) * step_ns, mid[starts],
                     np.maximum.reduceat(mid, starts), np.minimum.reduceat(mid, starts),
                     mid[ends], np.add.reduceat(volume, starts))


def pandas_bars(ts: np.ndarray, prices: list[np.ndarray], sizes: list[np.ndarray]) -> object:
    import pandas as pd

    index = pd.to_datetime(ts, unit="ns", utc=True)
    mid = pd.Series(prices[0] + prices[1], index=index)
    volume = pd.Series(sizes[0] + sizes[1], index=index)
    bars = mid.resample("1s").ohlc()
    bars["volume"] = volume.resample("1s").sum()
    return bars.dropna()


def incremental_seconds(ts: np.ndarray, prices: list[np.ndarray], sizes: list[np.ndarray],
                        rows: int) -> float:
    aggregator = BarAggregator(SPEC, INSTRUMENT)
    columns = [c[:rows].tolist() for c in (ts, *prices, *sizes)]
    started = time.perf_counter()
    for row in zip(*columns, strict=True):
        aggregator.update_quote(*row)
    aggregator.flush()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--incremental-rows", type=int, default=200_000)
    args = parser.parse_args()
    info = print_machine_info()
    ts, prices, sizes = make_quotes(args.rows)

    def sapphire() -> BarArrays:
        return aggregate_arrays(ts, prices, sizes, SPEC, INSTRUMENT)

    ours = sapphire()  # warm-up: compiles (or loads the cached) kernel
    peer = numpy_bars(ts, prices, sizes, SPEC.step_ns)
    for name, mine, theirs in zip(BarArrays._fields, ours, peer, strict=True):
        if not np.array_equal(mine, theirs):
            raise SystemExit(f"numpy peer disagrees with sapphire on bar {name}")
    sapphire_s = median_seconds(sapphire, args.repeats)
    numpy_s = median_seconds(lambda: numpy_bars(ts, prices, sizes, SPEC.step_ns), args.repeats)
    result: dict[str, object] = {
        "benchmark": "bars", "spec": str(SPEC), "rows": args.rows, "bars": len(ours.ts_event),
        "repeats": args.repeats, "machine": info,
        "sapphire_s": round(sapphire_s, 4),
        "sapphire_ticks_per_s": round(args.rows / sapphire_s),
        "numpy_s": round(numpy_s, 4),
        "numpy_ticks_per_s": round(args.rows / numpy_s),
        "speedup_vs_numpy": round(numpy_s / sapphire_s, 1),
    }
    try:
        import pandas
    except ImportError:
        result["pandas"] = "not installed"
    else:
        pandas_s = median_seconds(lambda: pandas_bars(ts, prices, sizes), args.repeats)
        result.update({"pandas_version": pandas.__version__, "pandas_s": round(pandas_s, 4),
                       "pandas_ticks_per_s": round(args.rows / pandas_s),
                       "speedup_vs_pandas": round(pandas_s / sapphire_s, 1)})
    rows = min(args.incremental_rows, args.rows)
    incremental_s = incremental_seconds(ts, prices, sizes, rows)
    result.update({"incremental_rows": rows,
                   "incremental_ticks_per_s": round(rows / incremental_s)})
    report(result, RESULTS)


if __name__ == "__main__":
    main()
