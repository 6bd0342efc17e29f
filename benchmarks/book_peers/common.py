"""Scaffolding shared by the book benchmarks (bench_book.py, bench_book_l3.py).

Runs in the benchmark's interpreter: times a book's ``apply_batch`` and hands rows to a
peer script run by the NautilusTrader interpreter (benchmarks/.env-nautilus).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
PEER_PYTHON = HERE.parent / ".env-nautilus" / "bin" / "python"


def batch_seconds(new_book: Callable[[], Any], rows: dict[str, np.ndarray],
                  repeats: int) -> tuple[float, Any]:
    """Return the median seconds of ``new_book().apply_batch(rows)`` and the last book.

    The first 1,000 rows go through a book first, so compiling (or loading the numba
    cache) is not timed.
    """
    new_book().apply_batch({name: column[:1000] for name, column in rows.items()})
    times = []
    for _ in range(repeats):
        book = new_book()
        started = time.perf_counter()
        book.apply_batch(rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times), book


def run_peer(script: str, rows: dict[str, np.ndarray], *args: object) -> dict | None:
    """Run book_peers/``script`` on ``rows`` (as a temporary .npz) and ``args``; return the
    JSON of its last line, None when the NautilusTrader interpreter is not installed."""
    if not PEER_PYTHON.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.npz"
        np.savez(path, **rows)
        out = subprocess.run([str(PEER_PYTHON), str(HERE / script), str(path),
                              *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cached(path: Path, make) -> dict[str, np.ndarray] | None:
    """Write ``make()`` to ``path`` once; return the columns as loaded from the file."""
    if not path.exists():
        columns = make()
        if columns is None:
            return None
        path.parent.mkdir(exist_ok=True)
        np.savez(path, **columns)
    with np.load(path) as data:
        return {name: data[name] for name in data.files}
