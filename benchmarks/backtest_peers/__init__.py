"""Backtest benchmark: shared workloads and one runner module per engine.

Every engine runs the same workloads (:mod:`.workloads`) on the same bytes, each run in a
fresh subprocess started by ``benchmarks/bench_backtest.py``. The strategies are defined
here once, and every runner must implement them exactly.

EMA cross (workloads 1, 2 and 2x)
---------------------------------
Two exponential moving averages of the bar close, fast ``n = 10`` and slow ``n = 20``, each
with ``alpha = 2 / (n + 1)`` and seeded with the first close (``ema = close`` on the first
bar, then ``ema = alpha * close + (1 - alpha) * ema``). A signal exists only once both EMAs
have seen at least ``n`` closes (so from the 20th bar on). On each bar, with ``position`` the
net position in units of the base currency::

    fast > slow and position <= 0:  market BUY  (TRADE_SIZE - position)
    fast < slow and position >= 0:  market SELL (TRADE_SIZE + position)
    fast == slow:                   nothing

so after the first order the strategy reverses between +1 and -1 unit at every cross.
Account: NETTING positions, margin account of 1,000,000 USDT, no fees.

Quote rule (workload 3)
-----------------------
Every quote reaches a Python callback. With ``m = bid + ask`` (the mid in half-ticks) and a
reference ``ref`` (the first quote's ``m``)::

    m - ref >= 2 * K:  ref = m; if flat:  market BUY TRADE_SIZE
    ref - m >= 2 * K:  ref = m; if long:  market SELL the position (flatten)

with ``K = QUOTE_RULE_TICKS`` (3,000 ticks = 30 USDT), which trades about 3,300 times on the
1,000,000 quotes.

Runner contract
---------------
A runner module (``sapphire_runs``, ``nautilus_runs``, ``backtrader_runs``) defines

``SUPPORTED: frozenset[str]``
    The workload keys it can run (``"1"``, ``"2"``, ``"2x"``, ``"3"``).
``make_run(workload: Workload) -> EngineRun``
    An object with three methods, timed separately by the benchmark child:
    ``convert()`` turns the workload's numpy arrays into the engine's own data objects;
    ``setup()`` builds the engine, venue, account, instrument and strategy and loads the
    data; ``run()`` runs the backtest and returns a :class:`RunResult`.

Only ``run()`` counts for throughput; the other two are reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Order size of both strategies, in units of the base currency (BTC).
TRADE_SIZE = 1
#: EMA periods of the cross (bars).
FAST_PERIOD = 10
SLOW_PERIOD = 20
#: Move of the mid, in price ticks, that triggers the quote rule.
QUOTE_RULE_TICKS = 3_000
#: Starting balance of the margin account (USDT).
STARTING_BALANCE_USDT = 1_000_000


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a runner reports after ``run()``.

    Parameters
    ----------
    orders
        Market orders the strategy submitted.
    fills
        Fill events the engine produced (an order may fill in several parts).
    strategy_events
        Bars (workloads 1, 2, 2x) or quotes (workload 3) the strategy's callback received.
    final_position
        Net position at the end, in units of the base currency.
    """

    orders: int
    fills: int
    strategy_events: int
    final_position: float


class EngineRun(Protocol):
    """One engine's run of one workload (see the module docstring)."""

    def convert(self) -> None:
        """Turn the workload arrays into the engine's data objects."""

    def setup(self) -> None:
        """Build engine, venue, account, instrument, strategy; load the data."""

    def run(self) -> RunResult:
        """Run the backtest and report it."""
