"""The pre-trade risk engine through a whole backtest: denials, the kill switch, results.

One spot instrument (tick 0.01, lot 0.001, no fees), a hand-built quote table one second
apart, a margin account of 100,000.00 USDT, a venue with no latency.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa
import pytest

from sapphire.backtest import BacktestEngine, VenueConfig
from sapphire.backtest.collect import trading_states_table
from sapphire.backtest.runner import load_run_file
from sapphire.core.enums import Side
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.model.instruments import SpotPair
from sapphire.model.order_events import OrderDenied, OrderEvent, OrderSubmitted
from sapphire.risk.pretrade import PreTradeRiskEngine, RiskConfig, TradingState
from sapphire.strategy.strategy import Strategy

NS = 1_000_000_000
T0 = 19_676 * 86_400 * NS  # 2023-11-15T00:00:00Z
BTC = SpotPair(id=InstrumentId.parse("BTCUSDT.SIM"), quote_currency="USDT", base_currency="BTC",
               price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))


class Scripted(Strategy):
    """Runs ``script[n]`` at the n-th quote (from 1) and keeps every order event."""

    def __init__(self, script: dict[int, Callable[[Scripted], None]]) -> None:
        super().__init__()
        self.script = script
        self.seen = 0
        self.events: list[OrderEvent] = []

    def on_start(self) -> None:
        self.subscribe_quotes(BTC.id)

    def on_quote(self, quote: object) -> None:
        self.seen += 1
        action = self.script.get(self.seen)
        if action is not None:
            action(self)

    def on_order_event(self, event: OrderEvent) -> None:
        self.events.append(event)


def quotes(rows: list[tuple[int, int]]) -> pa.Table:
    """One quote a second from T0: (bid, ask) in ticks, 100 BTC each side."""
    ts = [T0 + i * NS for i in range(len(rows))]
    i64 = pa.int64()
    return pa.table({"ts_event": pa.array(ts, i64), "ts_init": pa.array(ts, i64),
                     "bid_price": pa.array([b for b, _ in rows], i64),
                     "ask_price": pa.array([a for _, a in rows], i64),
                     "bid_size": pa.array([100_000] * len(rows), i64),
                     "ask_size": pa.array([100_000] * len(rows), i64)})


def run(config: RiskConfig, rows: list[tuple[int, int]], strategy: Scripted):
    risk = PreTradeRiskEngine(config)
    engine = BacktestEngine(risk=risk)
    engine.add_venue(VenueConfig(name="SIM", currency="USDT", starting_balance=100_000.0))
    engine.add_instrument(BTC)
    engine.add_data(quotes(rows), "quotes", BTC.id)
    engine.add_strategy(strategy)
    return engine.run(), risk, engine


def market(side: Side, size: str) -> Callable[[Scripted], None]:
    return lambda s: s.submit(s.orders.market(BTC.id, side, size))


def test_a_denied_order_never_reaches_the_venue_and_the_strategy_sees_the_rule():
    strategy = Scripted({1: market(Side.BUY, "1"), 2: market(Side.BUY, "0.5")})
    config = RiskConfig.from_dict({"default": {"max_order_notional": 10_000}})
    result, risk, _ = run(config, [(1_999_999, 2_000_001)] * 3, strategy)
    denied = [e for e in strategy.events if isinstance(e, OrderDenied)]
    assert [(e.order_id, e.rule, e.reason) for e in denied] == [
        ("Scripted-1", "max_order_notional",
         "order notional 20,000.00 USDT > limit 10,000.00 USDT")]
    assert not any(isinstance(e, OrderSubmitted) and e.order_id == "Scripted-1"
                   for e in strategy.events)
    orders = result.orders.to_pylist()
    assert [(o["order_id"], o["status"], o["rule"]) for o in orders] == [
        ("Scripted-1", "denied", "max_order_notional"), ("Scripted-2", "filled", "")]
    fills = result.fills.to_pylist()
    assert [(f["order_id"], f["quantity"], f["price"]) for f in fills] == [
        ("Scripted-2", 0.5, pytest.approx(20_000.01, rel=1e-12))]
    assert risk.denials == {"max_order_notional": 1}


def test_a_daily_loss_breach_halts_cancels_and_flattens_at_the_timer():
    def enter(s: Scripted) -> None:
        s.submit(s.orders.market(BTC.id, Side.BUY, "1"))  # fills at 20,000.01
        s.submit(s.orders.limit(BTC.id, Side.BUY, "0.1", "18000"))  # rests

    strategy = Scripted({1: enter, 5: market(Side.BUY, "0.1")})
    config = RiskConfig(max_daily_loss=1_000.0, flatten_on_breach=True,
                        equity_check_interval="00:00:01")
    rows = [(1_999_999, 2_000_001),  # T0: buy 1 BTC at 20,000.01
            (1_900_000, 1_900_002),  # T0+1s: mid 19,000.01, equity 99,000.00 (at the limit)
            (1_899_999, 1_900_001),  # T0+2s: mid 19,000.00, equity 98,999.99
            (1_899_999, 1_900_001),  # T0+3s: the timer before this quote trips the switch
            (1_899_999, 1_900_001)]  # T0+4s: the strategy's order is denied
    result, risk, engine = run(config, rows, strategy)
    assert risk.state == TradingState.HALTED
    change = risk.state_changes[0]
    assert (change.ts, change.rule) == (T0 + 3 * NS, "max_daily_loss")
    assert change.reason == ("equity 100,000.00 USDT at the UTC day's start -> 98,999.99 USDT: "
                             "loss 1,000.01 USDT > limit 1,000.00 USDT")
    orders = {o["order_id"]: o for o in result.orders.to_pylist()}
    assert orders["Scripted-2"]["status"] == "canceled"
    assert orders["Scripted-2"]["reason"] == "kill switch: max_daily_loss"
    assert orders["Scripted-2"]["ts_last"] == T0 + 3 * NS
    assert (orders["Scripted-3"]["status"], orders["Scripted-3"]["rule"]) == ("denied",
                                                                              "trading_state")
    fills = [(f["ts_event"], f["order_id"], f["side"], f["quantity"], f["price"])
             for f in result.fills.to_pylist()]
    assert fills == [(T0, "Scripted-1", 1, 1.0, pytest.approx(20_000.01, rel=1e-12)),
                     (T0 + 3 * NS, "RiskEngine-1", -1, 1.0, pytest.approx(18_999.99, rel=1e-12))]
    # 100,000.00 - 20,000.01 + 18,999.99, flat
    assert result.equity.column("equity").to_pylist()[-1] == pytest.approx(98_999.98, abs=1e-9)
    states = trading_states_table(engine.kernel).to_pylist()
    assert [(s["ts"], s["previous"], s["state"], s["rule"]) for s in states] == [
        (T0 + 3 * NS, "active", "halted", "max_daily_loss")]


def test_run_file_risk_table_is_checked(tmp_path):
    base = ('strategy = "m:C"\n[[venues]]\nname = "SIM"\n[[data]]\ntype = "quotes"\n'
            'series = "BTCUSDT.SIM"\n')
    good = tmp_path / "good.toml"
    good.write_text(base + '[risk]\nmax_order_rate = "10/00:00:01"\n[risk.default]\n'
                           'price_band = 0.05\n')
    assert load_run_file(good).risk == RiskConfig(
        max_order_rate="10/00:00:01", default=RiskConfig().default.__class__(price_band=0.05))
    bad = tmp_path / "bad.toml"
    bad.write_text(base + '[risk.default]\nmax_notional = 5\n')
    with pytest.raises(ConfigError, match=r"unknown field `max_notional` - at `\$.risk.default`"):
        load_run_file(bad)
    malformed = tmp_path / "malformed.toml"
    malformed.write_text(base + '[risk]\nmax_order_rate = "10 per second"\n')
    with pytest.raises(ConfigError, match=r"max_order_rate: rate '10 per second'"):
        load_run_file(malformed)
