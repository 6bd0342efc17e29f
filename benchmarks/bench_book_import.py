"""Book import speed: a synthetic Binance depth snapshot + diff stream through ``import_book``.

The files are written first; each import then runs in its own child process so that its
peak RSS (``VmHWM``) is the import's own.
The diff file has two rows a message (a bid and an ask with the same ids), each diff's
``pu`` the previous ``u``, so every message passes the sequencing rules: the figure is
the whole import (CSV parse, validation, sequencing, catalog write).

    python benchmarks/bench_book_import.py [--rows 1000000 4000000] [--before FILE]

``--before`` embeds an earlier run's JSON line (e.g. of the previous commit) under
"before" and adds the rows/s ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).parent))
from _machine import print_machine_info, report

RESULTS = Path(__file__).parent / "results" / "book_import.json"
COLUMNS = ["symbol", "timestamp", "first_update_id", "last_update_id", "side",
           "update_type", "price", "qty", "pu"]


def _decimal(ticks: np.ndarray, places: int) -> pa.Array:
    """Integer ticks as decimal strings with ``places`` decimals ("1234" -> "12.34")."""
    whole = pc.cast(pa.array(ticks // 10**places), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(ticks % 10**places), pa.string()), places, "0")
    return pc.binary_join_element_wise(whole, frac, ".")


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """Write a 2-row snapshot file and a ``rows``-row diff file (2 rows a message)."""
    snap = folder / "snap.csv"
    snap.write_text(",".join(COLUMNS) + "\nBTCUSDT,1000,100,100,b,snap,10.00,1.000,-1\n"
                    "BTCUSDT,1000,100,100,a,snap,10.10,2.000,-1\n")
    n = rows // 2
    rng = np.random.default_rng(7)
    message = np.repeat(np.arange(n, dtype=np.int64), 2)
    width = rng.integers(1, 4, n)  # ids a message spans
    last = 100 + np.cumsum(width)
    first = last - width + 1
    side = np.tile(np.array(["b", "a"]), n)
    price = np.where(side == "b", 1000, 1010) - rng.integers(0, 50, 2 * n)
    qty = rng.integers(0, 5000, 2 * n)
    table = pa.table({
        "symbol": pa.array(np.full(2 * n, "BTCUSDT")),
        "timestamp": 1001 + message,
        "first_update_id": first[message],
        "last_update_id": last[message],
        "side": pa.array(side),
        "update_type": pa.array(np.full(2 * n, "set")),
        "price": _decimal(price, 2),
        "qty": _decimal(qty, 3),
        "pu": np.r_[100, last[:-1]][message],
    })
    diffs = folder / "diffs.csv"
    pacsv.write_csv(table, diffs, pacsv.WriteOptions(quoting_style="none"))
    return snap, diffs


def _peak_rss_mb() -> float:
    """This process's peak RSS (MB): VmHWM, which exec resets (ru_maxrss keeps the
    parent's size at fork on Linux)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_one(folder: Path) -> dict[str, object]:
    """Import the files of ``folder`` (see :func:`write_files`) in this process; its figures."""
    from sapphire.book.importing import import_book
    from sapphire.core.identifiers import InstrumentId
    from sapphire.data.catalog import Catalog
    from sapphire.model.instruments import SpotPair

    btc = SpotPair(id=InstrumentId.parse("BTCUSDT.BINANCE"), quote_currency="USD",
                   base_currency="X", price_increment=Decimal("0.01"),
                   size_increment=Decimal("0.001"))
    catalog = Catalog(folder / "catalog")
    catalog.add_instrument(btc)
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    result = import_book(catalog, [folder / "snap.csv", folder / "diffs.csv"],
                         "binance-depth", btc)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    rows = result.rows - 3  # the snapshot's CLEAR and two levels
    return {"rows": rows, "stored_rows": result.rows, "messages": result.messages,
            "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds),
            "peak_rss_mb": peak, "rss_before_import_mb": rss_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--before", type=Path, help="an earlier run's JSON line to compare")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child process
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    info = print_machine_info()
    sizes = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            write_files(Path(tmp), rows)
            child = subprocess.run([sys.executable, __file__, "--one", tmp], check=True,
                                   capture_output=True, text=True)
        sizes.append(json.loads(child.stdout.strip().splitlines()[-1]))
    result: dict[str, object] = {"benchmark": "book_import", "format": "binance-depth",
                                 "rows_per_message": 2, "sizes": sizes, "machine": info}
    if args.before:
        before = json.loads(args.before.read_text().strip().splitlines()[-1])
        result["before"] = before["sizes"]
        result["speedup"] = {str(s["rows"]): round(s["rows_per_s"] / b["rows_per_s"], 2)
                             for s, b in zip(sizes, before["sizes"], strict=True)}
    report(result, args.out)


if __name__ == "__main__":
    main()
