"""Pre-trade risk benchmark: the cost of the checks per order, and in a whole backtest.

Two measurements, each against a peer in the same process:

* ``check_submit``: µs per call with every rule on (rate window, open orders total and per
  instrument, price band, order notional, position in lots and notional, gross and net
  exposure, daily loss and drawdown evaluated at each check), over a kernel holding
  positions in two instruments and 20 working orders; the peer is ``NoRisk``. Every
  order passes (a denial would stop early and flatter the figure).
* A backtest of :class:`~sapphire.strategy.examples.QuotingMarketMaker` (cancels and
  re-quotes both sides on every touch change) over ``--quotes`` synthetic quotes, run with
  and without the engine (same limits, generous enough that nothing is denied, plus a
  1-second equity timer); the ratio of median wall times is the overhead.

Usage: python benchmarks/bench_pretrade.py [--quotes 200000] [--repeats 5]
Prints machine info, then one JSON line; also writes benchmarks/results/pretrade.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from _machine import print_machine_info, report
from sapphire.backtest import BacktestEngine, VenueConfig
from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.engine.clock import SimulatedClock
from sapphire.engine.kernel import Kernel
from sapphire.engine.risk import NoRisk
from sapphire.model.account import Account, AccountType
from sapphire.model.instruments import SpotPair
from sapphire.model.order_events import OrderAccepted, OrderFilled
from sapphire.model.order_factory import Lots
from sapphire.risk.pretrade import PreTradeRiskEngine, RiskConfig
from sapphire.strategy.examples import QuotingMarketMaker, QuotingMarketMakerConfig

NS = 1_000_000_000
T0 = 19_676 * 86_400 * NS


def spot(symbol: str) -> SpotPair:
    return SpotPair(id=InstrumentId.parse(f"{symbol}USDT.SIM"), quote_currency="USDT",
                    base_currency=symbol, price_increment=Decimal("0.01"),
                    size_increment=Decimal("0.001"))


BTC, ETH = spot("BTC"), spot("ETH")

ALL_RULES = RiskConfig.from_dict({
    "max_order_rate": "1000000/00:00:01", "max_modify_rate": "1000000/00:00:01",
    "max_open_orders": 1_000, "max_gross_exposure": 1e9, "max_net_exposure": 1e9,
    "max_daily_loss": 1e6, "max_drawdown": 0.5,
    "default": {"max_order_notional": 1e7, "max_position": 1_000.0,
                "max_position_notional": 1e8, "max_open_orders": 500, "price_band": 0.5}})


class _AcceptingVenue:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def submit(self, order: object) -> None:
        self.kernel.execution.on_event(OrderAccepted(order_id=order.order_id,  # type: ignore[attr-defined]
                                                     ts_event=self.kernel.clock.now()))

    def modify(self, *args: object) -> None: ...

    def cancel(self, *args: object) -> None: ...


def _kernel(risk: object) -> Kernel:
    marks = {BTC.id: 2_000_000.0, ETH.id: 100_000.0}
    kernel = Kernel(SimulatedClock(T0), marks.get, risk)  # type: ignore[arg-type]
    account = Account(AccountType.MARGIN, "USDT", 10_000_000.0)
    kernel.portfolio.add_account("SIM", account)
    for instrument in (BTC, ETH):
        account.add_instrument(instrument)
        kernel.cache.add_instrument(instrument)
    kernel.execution.add_venue("SIM", _AcceptingVenue(kernel))
    factory = kernel.order_factory("setup")
    for instrument, ticks in ((BTC, 2_000_000), (ETH, 100_000)):
        held = factory.limit(instrument.id, Side.BUY, Lots(2_000), Decimal(ticks) / 100)
        kernel.execution.submit(held)
        kernel.execution.on_event(OrderFilled(
            order_id=held.order_id, ts_event=T0, instrument_id=str(instrument.id), side=1,
            quantity=2_000, price=ticks, fee=0.0, liquidity="maker", trade_id=held.order_id))
        for i in range(10):
            kernel.execution.submit(factory.limit(instrument.id, Side.BUY, Lots(10),
                                                  Decimal(ticks - 100 * (i + 1)) / 100))
    return kernel


def check_submit_us(risk: object, n: int, repeats: int) -> float:
    """Median over ``repeats`` of the µs per ``check_submit`` over ``n`` fresh orders."""
    kernel = _kernel(risk)
    check = kernel.execution.risk.check_submit
    factory = kernel.order_factory("bench")
    times = []
    for _ in range(repeats):
        orders = [factory.limit(BTC.id, Side.BUY if i % 2 else Side.SELL, Lots(1),
                                Decimal(1_990_000 + i % 1000) / 100) for i in range(n)]
        started = time.perf_counter()
        for order in orders:
            if check(order) is not None:
                raise AssertionError(f"{order} was denied: the benchmark measures passes")
        times.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(times)


def quotes(n: int, seed: int = 7) -> pa.Table:
    """A random walk of the touch in ticks, one quote each 100 ms, spread 1 to 3 ticks."""
    rng = np.random.default_rng(seed)
    bid = 2_000_000 + np.cumsum(rng.integers(-2, 3, n))
    ask = bid + rng.integers(1, 4, n)
    ts = T0 + np.arange(n, dtype=np.int64) * 100_000_000
    sizes = rng.integers(1_000, 5_000, n)
    return pa.table({"ts_event": ts, "ts_init": ts, "bid_price": bid, "ask_price": ask,
                     "bid_size": sizes, "ask_size": sizes})


def backtest_s(table: pa.Table, with_risk: bool) -> tuple[float, dict[str, int]]:
    config = RiskConfig.from_dict({**_builtins(ALL_RULES), "equity_check_interval": "00:00:01"})
    risk = PreTradeRiskEngine(config) if with_risk else None
    engine = BacktestEngine(risk=risk)
    engine.add_venue(VenueConfig(name="SIM", currency="USDT", starting_balance=10_000_000.0))
    engine.add_instrument(BTC)
    engine.add_data(table, "quotes", BTC.id)
    engine.add_strategy(QuotingMarketMaker(QuotingMarketMakerConfig(
        instrument_id=str(BTC.id), quote_size=Decimal("0.01"), max_inventory=Decimal("1"))))
    started = time.perf_counter()
    result = engine.run()
    elapsed = time.perf_counter() - started
    statuses = result.orders.column("status").to_pylist()
    return elapsed, {"orders": len(statuses), "denied": statuses.count("denied"),
                     "fills": result.fills.num_rows}


def _builtins(config: RiskConfig) -> dict[str, object]:
    import msgspec

    data: dict[str, object] = msgspec.to_builtins(config)
    return {k: v for k, v in data.items() if v is not None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=200_000)
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    machine = print_machine_info()

    all_rules = check_submit_us(PreTradeRiskEngine(ALL_RULES), args.checks, args.repeats)
    no_risk = check_submit_us(NoRisk(), args.checks, args.repeats)

    table = quotes(args.quotes)
    backtest_s(table, True)  # warm-up: imports, numba cache
    plain, risky, counts = [], [], {}
    for _ in range(args.repeats):  # interleaved, so drift hits both alike
        seconds, counts_plain = backtest_s(table, False)
        plain.append(seconds)
        seconds, counts = backtest_s(table, True)
        risky.append(seconds)
    if counts != counts_plain:
        raise AssertionError(f"risk changed the run: {counts} vs {counts_plain}")
    plain_s, risky_s = statistics.median(plain), statistics.median(risky)
    report({
        "benchmark": "pretrade", "machine": machine,
        "check_submit_us": {"all_rules": round(all_rules, 3), "no_risk": round(no_risk, 3)},
        "backtest": {"strategy": "QuotingMarketMaker", "quotes": args.quotes, **counts,
                     "without_risk_s": round(plain_s, 3), "with_risk_s": round(risky_s, 3),
                     "overhead_ratio": round(risky_s / plain_s, 3),
                     "risk_us_per_order": round((risky_s - plain_s) / counts["orders"] * 1e6,
                                                2)},
        "repeats": args.repeats,
    }, Path(__file__).parent / "results" / "pretrade.json")


if __name__ == "__main__":
    main()
