"""The hftbacktest side of the market-making benchmark (benchmarks/book_peers/hftbacktest_mm.py).

The script runs in hftbacktest's own interpreter, so these tests run it as a subprocess
on a few hand-made events and check its JSON line; they skip when that interpreter is
not installed (``make bench-hftbacktest-env``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
PEER_PYTHON = BENCHMARKS / ".env-hftbacktest" / "bin" / "python"
SCRIPT = BENCHMARKS / "book_peers" / "hftbacktest_mm.py"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PEER_PYTHON.exists(),
                       reason="no hftbacktest interpreter at benchmarks/.env-hftbacktest: "
                              "make bench-hftbacktest-env"),
]

T0, STEP = 1_000_000_000, 100_000_000  # ns; quoting steps at T0 + k * STEP
DELTA, TRADE = 0, 1
BID, ASK = 1, 2  # book sides; for trades the aggressor: BID = buyer, ASK = seller
ADD, UPDATE, DELETE, CLEAR = 1, 2, 3, 4

# (ts, kind, side, action, price ticks, size lots); the comments give what the loop sees.
EVENTS = [
    (T0, DELTA, 0, CLEAR, 0, 0),
    (T0, DELTA, BID, ADD, 10_000, 50),
    (T0, DELTA, ASK, ADD, 10_001, 50),
    # step 1: buy #1 at 10000 and sell #2 at 10001, 100 lots each, 50 lots ahead of both
    (T0 + 15 * STEP // 10, TRADE, ASK, 0, 10_000, 120),  # 120 > 50 ahead: buy #1 fills
    # step 2: position 100: buy #3 at 10000; sell #2 still working
    (T0 + 25 * STEP // 10, DELTA, ASK, UPDATE, 10_001, 30),  # ahead of #2: min(50, 30)
    (T0 + 26 * STEP // 10, TRADE, BID, 0, 10_001, 30),  # takes exactly the 30: no fill
    (T0 + 27 * STEP // 10, TRADE, BID, 0, 10_001, 1),  # one lot beyond: sell #2 fills
    # step 3: position 0: sell #4 at 10001; buy #3 still working
    (T0 + 35 * STEP // 10, DELTA, BID, DELETE, 10_000, 0),
    (T0 + 35 * STEP // 10, DELTA, BID, ADD, 9_999, 10),
    # step 4: best bid 9999: buy #3 (10000) cancelled, buy #5 at 9999
    (T0 + 45 * STEP // 10, TRADE, ASK, 0, 9_998, 1),  # trades through 9999: #5 fills
    # step 5: position 100: buy #6 at 9999; sell #4 still working; then the data ends
    (T0 + 55 * STEP // 10, DELTA, ASK, UPDATE, 10_001, 40),
]


def write_events(path: Path, rows: list[tuple]) -> Path:
    ts, kind, side, action, price, size = (np.array(c) for c in zip(*rows, strict=True))
    np.savez(path, ts=ts.astype(np.int64), kind=kind.astype(np.int8),
             side=side.astype(np.int8), action=action.astype(np.int8),
             price=price.astype(np.int64), size=size.astype(np.int64),
             flags=np.zeros(len(rows), np.uint8), sequence=np.arange(len(rows)))
    return path


def run_script(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PEER_PYTHON), str(SCRIPT), str(path), "0.01", "0.00001", "1",
                           *args], capture_output=True, text=True, timeout=120)


def test_quoting_loop_fills_and_counts_as_worked_out_by_hand(tmp_path) -> None:
    out = run_script(write_events(tmp_path / "events.npz", EVENTS), str(STEP))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rows"] == len(EVENTS)
    assert result["exchange"] == "no_partial"
    assert result["steps"] == 5
    assert result["orders_submitted"] == 6
    assert (result["fills"], result["bought_lots"], result["sold_lots"]) == (3, 200, 100)
    assert result["position_lots"] == 100
    assert (result["best_bid"], result["best_ask"]) == (9_999, 10_001)


def test_unknown_row_kind_is_refused_with_its_row(tmp_path) -> None:
    rows = [*EVENTS[:3], (T0 + STEP, 2, BID, 0, 10_000, 1)]
    out = run_script(write_events(tmp_path / "bad.npz", rows))
    assert out.returncode != 0
    assert "row 3 has kind 2, side 1, action 0" in out.stderr


def test_unknown_exchange_is_refused_with_the_usage(tmp_path) -> None:
    out = run_script(write_events(tmp_path / "events.npz", EVENTS), str(STEP), "fifo")
    assert out.returncode != 0
    assert "EXCHANGE" in out.stderr and "no_partial" in out.stderr
