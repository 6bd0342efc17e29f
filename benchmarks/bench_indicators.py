"""Indicator benchmark: incremental ns per update and vectorised Mticks/s, beside peers.

Incremental: each class of :mod:`sapphire.strategy.indicators` is fed ``--updates``
floats (a random walk around 10,000, as Python floats) through a bound ``update``
method; median of ``--repeats``. Peers in the same run: the bare EMA recurrence inlined
in the timing loop (the floor for any Python EMA) and minimal pure-Python classes
without input checks (EMA; SMA over ``collections.deque``).

Vectorised: each function over ``--rows`` float64 inputs after a warm-up that compiles
(or loads the cached) kernels; median of ``--repeats``. Peers: plain numpy/scipy
formulations written here (cumulative sums, ``np.convolve``, ``scipy.signal.lfilter``);
each peer's largest difference from Sapphire's output is recorded next to its time
(cumulative-sum formulas lose precision on long series: that is part of the story).

Usage: python benchmarks/bench_indicators.py [--updates 1000000] [--rows 5000000] [--repeats 5]
Prints machine info, then one JSON line; also writes benchmarks/results/indicators.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import lfilter

sys.path.insert(0, str(Path(__file__).parent))
from _machine import median_seconds, print_machine_info, report
from sapphire.strategy import indicators as ind

RESULTS = Path(__file__).parent / "results" / "indicators.json"
PERIOD = 20


def walk(rows: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 10_000.0 + np.cumsum(rng.normal(0.0, 1.0, rows))


# --- incremental ---------------------------------------------------------------------

class PlainEMA:
    """Peer: the EMA recurrence in a minimal class, no input checks."""

    __slots__ = ("alpha", "value")

    def __init__(self, period: int) -> None:
        self.alpha = 2.0 / (period + 1)
        self.value: float | None = None

    def update(self, x: float) -> None:
        if self.value is None:
            self.value = x
        else:
            self.value += self.alpha * (x - self.value)


class DequeSMA:
    """Peer: SMA over a deque with a running sum, no input checks."""

    __slots__ = ("period", "total", "window")

    def __init__(self, period: int) -> None:
        self.period = period
        self.window: deque[float] = deque()
        self.total = 0.0

    def update(self, x: float) -> None:
        self.window.append(x)
        self.total += x
        if len(self.window) > self.period:
            self.total -= self.window.popleft()

    @property
    def value(self) -> float:
        return self.total / self.period


def ns_per_update(make: Callable[[], Any], inputs: list[Any], repeats: int) -> float:
    def once() -> float:
        update = make().update
        started = time.perf_counter()
        if isinstance(inputs[0], tuple):
            for row in inputs:
                update(*row)
        else:
            for x in inputs:
                update(x)
        return time.perf_counter() - started
    times = sorted(once() for _ in range(repeats))
    return times[len(times) // 2] / len(inputs) * 1e9


def bare_ema_ns(inputs: list[float], repeats: int) -> float:
    def once() -> float:
        alpha, e = 2.0 / (PERIOD + 1), inputs[0]
        started = time.perf_counter()
        for x in inputs:
            e += alpha * (x - e)
        return time.perf_counter() - started
    times = sorted(once() for _ in range(repeats))
    return times[len(times) // 2] / len(inputs) * 1e9


def incremental(updates: int, repeats: int) -> dict[str, float]:
    x = walk(updates)
    values = x.tolist()
    bars = list(zip((x + 1.0).tolist(), (x - 1.0).tolist(), values, strict=True))
    trades = [(p, 1.0) for p in values]
    cases: dict[str, tuple[Callable[[], Any], list[Any]]] = {
        "EMA": (lambda: ind.EMA(PERIOD), values), "SMA": (lambda: ind.SMA(PERIOD), values),
        "WMA": (lambda: ind.WMA(PERIOD), values), "RSI": (lambda: ind.RSI(14), values),
        "MACD": (lambda: ind.MACD(), values),
        "BollingerBands": (lambda: ind.BollingerBands(PERIOD), values),
        "RollingZScore": (lambda: ind.RollingZScore(PERIOD), values),
        "ATR": (lambda: ind.ATR(14), bars), "VWAP": (lambda: ind.VWAP(), trades),
        "peer_plain_EMA": (lambda: PlainEMA(PERIOD), values),
        "peer_deque_SMA": (lambda: DequeSMA(PERIOD), values),
    }
    result = {name: round(ns_per_update(make, data, repeats), 1)
              for name, (make, data) in cases.items()}
    result["peer_bare_EMA_loop"] = round(bare_ema_ns(values, repeats), 1)
    # the argument loop itself (unpacking tuples) is inside ATR's and VWAP's figures
    return result


# --- vectorised ----------------------------------------------------------------------

def np_sma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full_like(x, np.nan)
    c = np.concatenate(([0.0], np.cumsum(x)))
    out[n - 1:] = (c[n:] - c[:-n]) / n
    return out


def np_ema(x: np.ndarray, n: int) -> np.ndarray:
    alpha = 2.0 / (n + 1)
    y, _ = lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * x[0]])
    return y


def np_wma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full_like(x, np.nan)
    weights = np.arange(n, 0, -1, dtype=np.float64)  # convolve flips: newest gets n
    out[n - 1:] = np.convolve(x, weights, mode="valid") / weights.sum()
    return out


def np_moments(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    mean = np_sma(x, n)
    squares = np_sma(x * x, n)
    return mean, np.sqrt(np.maximum(squares - mean * mean, 0.0))


def np_bollinger(x: np.ndarray, n: int) -> np.ndarray:
    mean, std = np_moments(x, n)
    return mean + 2.0 * std


def np_zscore(x: np.ndarray, n: int) -> np.ndarray:
    mean, std = np_moments(x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x - mean) / std


def np_vwap(price: np.ndarray, volume: np.ndarray) -> np.ndarray:
    return np.cumsum(price * volume) / np.cumsum(volume)


def vectorised(rows: int, repeats: int) -> dict[str, Any]:
    x = walk(rows)
    high, low, volume = x + 1.0, x - 1.0, np.ones_like(x)
    ours: dict[str, Callable[[], Any]] = {
        "sma": lambda: ind.sma(x, PERIOD), "ema": lambda: ind.ema(x, PERIOD),
        "wma": lambda: ind.wma(x, PERIOD), "rsi": lambda: ind.rsi(x, 14),
        "macd": lambda: ind.macd(x), "bollinger": lambda: ind.bollinger(x, PERIOD),
        "rolling_zscore": lambda: ind.rolling_zscore(x, PERIOD),
        "atr": lambda: ind.atr(high, low, x, 14), "vwap": lambda: ind.vwap(x, volume),
    }
    peers: dict[str, tuple[Callable[[], np.ndarray], Callable[[Any], np.ndarray]]] = {
        "sma": (lambda: np_sma(x, PERIOD), lambda r: r),
        "ema": (lambda: np_ema(x, PERIOD), lambda r: r),
        "wma": (lambda: np_wma(x, PERIOD), lambda r: r),
        "bollinger": (lambda: np_bollinger(x, PERIOD), lambda r: r.upper),
        "rolling_zscore": (lambda: np_zscore(x, PERIOD), lambda r: r),
        "vwap": (lambda: np_vwap(x, volume), lambda r: r),
    }
    result: dict[str, Any] = {}
    for name, run in ours.items():
        mine = run()  # warm-up: compile or load the cached kernel
        seconds = median_seconds(run, repeats)
        entry: dict[str, Any] = {"s": round(seconds, 4),
                                 "mticks_per_s": round(rows / seconds / 1e6, 1)}
        if name in peers:
            peer_run, pick = peers[name]
            theirs = peer_run()
            peer_s = median_seconds(peer_run, repeats)
            diff = np.abs(pick(mine) - theirs)
            entry.update({"peer_s": round(peer_s, 4),
                          "peer_mticks_per_s": round(rows / peer_s / 1e6, 1),
                          "speedup_vs_peer": round(peer_s / seconds, 2),
                          "peer_max_abs_diff": float(np.nanmax(diff))})
        result[name] = entry
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    info = print_machine_info()
    load_before = os.getloadavg()[0]
    result = {
        "benchmark": "indicators", "period": PERIOD, "updates": args.updates, "rows": args.rows,
        "repeats": args.repeats, "machine": info,
        "incremental_ns_per_update": incremental(args.updates, args.repeats),
        "vectorised": vectorised(args.rows, args.repeats),
        # 1-minute load average: the machine is shared, so this says how noisy the run was
        "load_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    report(result, RESULTS)


if __name__ == "__main__":
    main()
