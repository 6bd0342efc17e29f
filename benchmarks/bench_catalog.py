"""Catalog benchmark: import quotes from CSV, read an instrument-day back.

Peer: NautilusTrader 1.221 (``QuoteTickDataWrangler`` + ``ParquetDataCatalog``), run in
the same process when installed (``make bench-nautilus-env`` builds its own venv).

Usage: python benchmarks/bench_catalog.py [--rows 10000000] [--repeats 3] [--no-peer]
Prints machine info, then one JSON line; also writes benchmarks/results/catalog.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_info, median_seconds  # noqa: E402

from sapphire.data.catalog import Catalog  # noqa: E402
from sapphire.data.ingest import import_file  # noqa: E402
from sapphire.data.loaders.generic import CsvLoader  # noqa: E402
from sapphire.model.instruments import FxPair  # noqa: E402

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


def sapphire_import(path: Path, target: Path) -> int:
    shutil.rmtree(target, ignore_errors=True)
    catalog = Catalog(target)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    info = machine_info()
    print(json.dumps(info), file=sys.stderr)
    path = make_csv(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="sapphire-bench-"))
    target = scratch / "sapphire"
    sapphire_import(path, target)  # warm-up: compiles kernels, fills the page cache
    import_s = median_seconds(lambda: sapphire_import(path, target), args.repeats)
    catalog = Catalog(target)
    day = "2024-01-01"
    assert catalog.read_day("quotes", INSTRUMENT.id, day).num_rows > 0
    read_rows = catalog.read_day("quotes", INSTRUMENT.id, day).num_rows
    read_s = median_seconds(lambda: catalog.read_day("quotes", INSTRUMENT.id, day), 7)
    result = {
        "benchmark": "catalog", "rows": args.rows, "machine": info,
        "sapphire_import_s": round(import_s, 3),
        "sapphire_import_rows_per_s": round(args.rows / import_s),
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
