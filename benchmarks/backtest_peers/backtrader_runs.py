"""backtrader 1.9.78 runs of the bar workloads (EMA cross, see the package docstring).

backtrader is given its cheapest setup: a feed that reads prepared Python lists (no CSV
parsing in the run), ``stdstats=False`` (no plotting observers), zero commission and a
1,000,000 cash broker. Its own ``EMA`` indicator seeds with the SMA of the first n closes,
which is not our rule, so the strategy computes both EMAs itself in ``next()``.
backtrader fills a market order at the NEXT bar's open, so an order sent on the last bar
is never filled: fills may be one fewer than orders.
"""

from __future__ import annotations

from typing import Any

import backtrader as bt

from backtest_peers import FAST_PERIOD, SLOW_PERIOD, STARTING_BALANCE_USDT, TRADE_SIZE, RunResult
from backtest_peers.workloads import Workload

SUPPORTED = frozenset({"2", "2x"})
#: backtrader's date number of 1970-01-01 (days since 0001-01-01, plus one).
_EPOCH_DAYS = 719_163.0
_NS_PER_DAY = 86_400e9


def make_run(workload: Workload) -> BacktraderRun:
    """Return the backtrader run of ``workload``."""
    if workload.key not in SUPPORTED:
        raise ValueError(f"backtrader runner has no workload {workload.key!r}")
    return BacktraderRun(workload)


class ListFeed(bt.feed.DataBase):
    """A bar feed over prepared lists: ``columns`` = (dates, open, high, low, close, volume)."""

    params = (("columns", None),)

    def start(self) -> None:
        super().start()
        self._row = 0
        self._count = len(self.p.columns[0])

    def _load(self) -> bool:
        row = self._row
        if row >= self._count:
            return False
        dates, opens, highs, lows, closes, volumes = self.p.columns
        lines = self.lines
        lines.datetime[0] = dates[row]
        lines.open[0] = opens[row]
        lines.high[0] = highs[row]
        lines.low[0] = lows[row]
        lines.close[0] = closes[row]
        lines.volume[0] = volumes[row]
        lines.openinterest[0] = 0.0
        self._row = row + 1
        return True


class EmaCross(bt.Strategy):
    """The EMA cross of the package docstring."""

    def __init__(self) -> None:
        self.fast_alpha = 2.0 / (FAST_PERIOD + 1)
        self.slow_alpha = 2.0 / (SLOW_PERIOD + 1)
        self.fast = self.slow = 0.0
        self.count = 0
        self.orders = 0
        self.fills = 0

    def notify_order(self, order: Any) -> None:
        if order.status in (order.Partial, order.Completed):
            self.fills += 1

    def next(self) -> None:
        close = self.data.close[0]
        self.count += 1
        if self.count == 1:
            self.fast = self.slow = close
        else:
            self.fast = self.fast_alpha * close + (1.0 - self.fast_alpha) * self.fast
            self.slow = self.slow_alpha * close + (1.0 - self.slow_alpha) * self.slow
        if self.count < SLOW_PERIOD:
            return
        position = self.position.size
        if self.fast > self.slow and position <= 0:
            self.buy(size=TRADE_SIZE - position)
            self.orders += 1
        elif self.fast < self.slow and position >= 0:
            self.sell(size=TRADE_SIZE + position)
            self.orders += 1


class BacktraderRun:
    """One bar workload on ``Cerebro``."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.columns: tuple[list[float], ...] = ()
        self.cerebro: bt.Cerebro | None = None

    def convert(self) -> None:
        """Prepare backtrader date numbers and float prices as lists."""
        w = self.workload
        dates = _EPOCH_DAYS + w.arrays["ts"] / _NS_PER_DAY
        prices = (w.prices(name).tolist() for name in ("open", "high", "low", "close"))
        self.columns = (dates.tolist(), *prices, w.sizes("volume").tolist())

    def setup(self) -> None:
        """Build Cerebro with the feed, the strategy and a zero-commission broker."""
        cerebro = bt.Cerebro(stdstats=False)
        cerebro.adddata(ListFeed(columns=self.columns))
        cerebro.addstrategy(EmaCross)
        cerebro.broker.setcash(float(STARTING_BALANCE_USDT))
        cerebro.broker.setcommission(commission=0.0)
        self.cerebro = cerebro

    def run(self) -> RunResult:
        """Run Cerebro (preloads the feed, then steps the strategy bar by bar)."""
        assert self.cerebro is not None
        strategy = self.cerebro.run()[0]
        return RunResult(orders=strategy.orders, fills=strategy.fills,
                         strategy_events=strategy.count,
                         final_position=float(strategy.position.size))


def version() -> str:
    """Return the backtrader version."""
    return str(bt.__version__)
