"""Catalog benchmark: import quotes from CSV, read an instrument-day back.

Peer: NautilusTrader 1.221 (``QuoteTickDataWrangler`` + ``ParquetDataCatalog``), run in
the same process when installed (``make bench-nautilus-env`` builds its own venv).

Usage: python benchmarks/bench_catalog.py [--rows 10000000] [--repeats 3] [--no-peer]
                                         [--compression lz4]
Prints machine info, then one JSON line; also writes benchmarks/results/catalog.json.
Import figures are the median of the repeats, with every repeat's wall and CPU time
and the 1-minute load average around the runs (the machine is shared: CPU seconds
per import are the figure least moved by other work).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info, median_seconds
from sapphire.data.catalog import Catalog
from sapphire.data.ingest import import_file
from sapphire.data.loaders.generic import CsvLoader
from sapphire.model.instruments import FxPair

WORK = Path(__file__).parent / ".work"
RESULTS = Path(__file__).parent / "results" / "catalog.json"
DAY_START_NS = 1_704_067_200_000_000_000  # 2024-01-01
INSTRUMENT = FxPair(id="EURUSD.SIM", quote_currency="USD", base_currency="EUR",
                    price_increment="0.00001", size_increment="1")
COLUMNS = {"ts_event": "timestamp", "bid_price": "bid", "ask_price": "ask",
           "bid_size": "bid_size", "ask_size": "ask_size"}


def make_csv(rows: int) -> Path:
    """Write ``rows`` EUR/USD-like quotes within one UTC day (ISO timestamps, 5 decimals)."""
    path = WORK / f"quotes_{rows}.csv"
    if path.exists():
        return path
    WORK.mkdir(exist_ok=True)
    rng = np.random.default_rng(42)
    gaps = rng.integers(1, 2 * 86_400_000_000_000 // rows, rows)
    ts = DAY_START_NS + np.cumsum(gaps)
    bid = 110_000 + np.cumsum(rng.integers(-1, 2, rows))
    ask = bid + rng.integers(1, 4, rows)
    table = pa.table({
        "timestamp": pa.array(ts).cast(pa.timestamp("ns", "UTC")),
        "bid": bid / 100_000, "ask": ask / 100_000,
        "bid_size": rng.integers(1, 50, rows) * 100_000.0,
        "ask_size": rng.integers(1, 50, rows) * 100_000.0,
    })
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def sapphire_import(path: Path, target: Path, compression: str = "lz4") -> int:
    shutil.rmtree(target, ignore_errors=True)
    catalog = Catalog(target, compression=compression)
    loader = CsvLoader("quotes", COLUMNS, timestamp="iso")
    return import_file(catalog, path, loader, INSTRUMENT).rows


def nautilus_import(path: Path, target: Path) -> int:
    import pandas as pd
    from nautilus_trader.persistence.catalog import ParquetDataCatalog
    from nautilus_trader.persistence.wranglers import QuoteTickDataWrangler
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

    shutil.rmtree(target, ignore_errors=True)
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    frame = pd.read_csv(path, index_col="timestamp", parse_dates=["timestamp"])
    frame = frame.rename(columns={"bid": "bid_price", "ask": "ask_price"})
    ticks = QuoteTickDataWrangler(instrument).process(frame)
    ParquetDataCatalog(str(target)).write_data(ticks)
    return len(ticks)


def timed_imports(path: Path, target: Path, repeats: int, compression: str) -> dict[str, list]:
    """Wall and process CPU seconds of each of ``repeats`` imports, and the load around them."""
    walls, cpus, loads = [], [], [os.getloadavg()[0]]
    for _ in range(repeats):
        cpu_before, started = os.times(), time.perf_counter()
        sapphire_import(path, target, compression)
        wall, cpu_after = time.perf_counter() - started, os.times()
        walls.append(wall)
        cpus.append(cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system)
        loads.append(os.getloadavg()[0])
    return {"wall": walls, "cpu": cpus, "load": loads}


def catalog_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--compression", default="lz4", help="Parquet codec of the catalog")
    args = parser.parse_args()
    info = machine_info()
    print(json.dumps(info), file=sys.stderr)
    path = make_csv(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="sapphire-bench-"))
    target = scratch / "sapphire"
    sapphire_import(path, target, args.compression)  # warm-up: kernels, page cache
    runs = timed_imports(path, target, args.repeats, args.compression)
    import_s = statistics.median(runs["wall"])
    catalog = Catalog(target)
    day = "2024-01-01"
    assert catalog.read_day("quotes", INSTRUMENT.id, day).num_rows > 0
    read_rows = catalog.read_day("quotes", INSTRUMENT.id, day).num_rows
    read_s = median_seconds(lambda: catalog.read_day("quotes", INSTRUMENT.id, day), 7)
    result = {
        "benchmark": "catalog", "rows": args.rows, "machine": info,
        "compression": args.compression,
        "sapphire_import_s": round(import_s, 3),
        "sapphire_import_rows_per_s": round(args.rows / import_s),
        "sapphire_import_rows_per_s_range": [round(args.rows / max(runs["wall"])),
                                             round(args.rows / min(runs["wall"]))],
        "sapphire_import_wall_s_each": [round(t, 3) for t in runs["wall"]],
        "sapphire_import_cpu_s_each": [round(t, 3) for t in runs["cpu"]],
        "load_avg_1m_around_imports": [round(x, 2) for x in runs["load"]],
        "catalog_bytes": catalog_bytes(target),
        "sapphire_read_day_rows": read_rows,
        "sapphire_read_day_s": round(read_s, 4),
        "sapphire_read_rows_per_s": round(read_rows / read_s),
    }
    if not args.no_peer:
        try:
            import nautilus_trader
        except ImportError:
            result["nautilus"] = "not installed: run `make bench-nautilus-env` and use its python"
        else:
            started = time.perf_counter()
            nautilus_rows = nautilus_import(path, scratch / "nautilus")
            nautilus_s = time.perf_counter() - started
            result.update({
                "nautilus_version": nautilus_trader.__version__,
                "nautilus_import_s": round(nautilus_s, 3),
                "nautilus_import_rows_per_s": round(nautilus_rows / nautilus_s),
                "import_speedup_vs_nautilus": round(nautilus_s / import_s, 1),
            })
    shutil.rmtree(scratch, ignore_errors=True)
    line = json.dumps(result)
    print(line)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(line + "\n")


if __name__ == "__main__":
    main()
