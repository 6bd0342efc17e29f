"""Accounting invariants of the backtest engine under random order flows (hypothesis).

Random quotes, trades or bars drive a real :class:`BacktestEngine` while a strategy sends
random market, limit, stop, if-touched, trailing and bracket orders, cancels and modifies
them, for cash and margin accounts, netting and hedging, linear and inverse instruments,
with maker and taker fees (rebates included), with and without latency and a seeded
probabilistic fill model. After every data event and every order event
(:class:`~tests.unit.engine._checks.FlowStrategy`):

* per instrument, the signed sum of the fills equals the position (kernel and venue);
* for each account, balance == starting + realized - fees, fees equal the sum of the fill
  fees (each the instrument's rate times the notional), equity == balance + unrealized
  at the marks, and equity equals the cash-flow reference of the fills;
* the kernel's account agrees with the venue's;
* no order is in an impossible state: 0 <= filled <= quantity, filled equals its fills,
  filled orders are complete, the venue holds exactly the live orders.

At the end, the result tables agree with the accounts.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings

from sapphire.backtest.config import BacktestConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.backtest.results import BacktestResult
from tests.unit.engine._checks import REL, FlowStrategy, close
from tests.unit.engine._flows import NS, Scenario, scenarios

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(scenario: Scenario) -> tuple[BacktestResult, FlowStrategy, BacktestEngine]:
    engine = BacktestEngine(BacktestConfig(equity_interval_ns=5 * NS))
    engine.add_venue(scenario.venue)
    for instrument in scenario.instruments:
        engine.add_instrument(instrument)
    for instrument, tables in zip(scenario.instruments, scenario.tables, strict=True):
        kinds = [k for k in ("quotes", "trades") if k in scenario.data] or ["bars"]
        for kind, table in zip(kinds, tables, strict=True):
            series = f"{instrument.id}-1-s-last-external" if kind == "bars" else instrument.id
            engine.add_data(table, kind, series)
    strategy = FlowStrategy(scenario)
    engine.add_strategy(strategy)
    result = engine.run()
    if strategy.failures:
        raise strategy.failures[0]
    assert result.errors == [], result.errors
    return result, strategy, engine


def check_result(result: BacktestResult, strategy: FlowStrategy) -> None:
    """The finished run's tables agree with the accounts and the reference."""
    ref = strategy.reference
    fills, positions = result.fills, result.positions
    assert fills.num_rows == ref.count
    for instrument in strategy.scenario.instruments:
        key = str(instrument.id)
        mine = fills.filter(pc.equal(fills["instrument_id"], key))
        signed = sum(s * q for s, q in zip(mine["side"].to_pylist(),
                                           mine["quantity"].to_pylist(), strict=True))
        held = positions.filter(pc.equal(positions["instrument_id"], key))
        size = float(instrument.size_increment)
        assert math.isclose(signed, sum(held["quantity"].to_pylist()), abs_tol=size / 2)
        assert math.isclose(signed, ref.lots[key] * size, abs_tol=size / 2)
        close(sum(mine["fee"].to_pylist()), sum(held["fees"].to_pylist()), ref.moved,
              f"{key} fills fees vs positions fees")
        close(sum(mine["realized_pnl"].to_pylist()), sum(held["realized_pnl"].to_pylist()),
              ref.moved, f"{key} fills realized vs positions realized")
    equity = result.equity["equity"].to_pylist()
    account_equity = strategy.portfolio.equity()
    close(equity[-1], account_equity, ref.moved, "equity table end vs account equity")
    marks = strategy.marks()
    if all(k in marks for k in ref.flows):
        close(account_equity, ref.equity(marks), ref.moved, "end equity vs reference")
    if result.start_ns not in set(fills["ts_event"].to_pylist()):
        assert math.isclose(equity[0], strategy.scenario.venue.starting_balance, rel_tol=REL)


def check_grid(result: BacktestResult, strategy: FlowStrategy, engine: BacktestEngine) -> None:
    """Equity on the grid (between fills) equals the reference at the data's marks then."""
    fill_ts = set(result.fills["ts_event"].to_pylist())
    scenario = strategy.scenario
    events: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for instrument, tables in zip(scenario.instruments, scenario.tables, strict=True):
        table = tables[0]
        ts = table["ts_event"].to_pylist()
        if "quotes" in scenario.data:
            mid = [(b + a) / 2 for b, a in zip(table["bid_price"].to_pylist(),
                                               table["ask_price"].to_pylist(), strict=True)]
        else:
            mid = [float(p) for p in table[
                "price" if scenario.data == "trades" else "close"].to_pylist()]
        events[str(instrument.id)] = list(zip(ts, mid, strict=True))
    fills = result.fills.to_pylist()
    for t, value in zip(result.equity["ts"].to_pylist(), result.equity["equity"].to_pylist(),
                        strict=True):
        if t in fill_ts:
            continue
        ref = type(strategy.reference)(scenario.venue.starting_balance, scenario.instruments)
        for row, event in zip(fills, strategy.reference.fills, strict=True):
            if row["ts_event"] <= t:
                ref.add(event)
        marks = {k: next((m for ts, m in reversed(rows) if ts <= t), math.nan)
                 for k, rows in events.items()}
        if any(math.isnan(marks[k]) for k in ref.flows):
            continue
        close(value, ref.equity(marks), ref.moved, f"equity at {t}")


@SETTINGS
@given(scenarios())
def test_invariants_hold_after_every_event(scenario: Scenario) -> None:
    result, strategy, engine = run(scenario)
    assert strategy.checks > scenario.events
    check_result(result, strategy)
    check_grid(result, strategy, engine)


@settings(SETTINGS, max_examples=60)
@given(scenarios(latency=True))
def test_invariants_hold_with_latency(scenario: Scenario) -> None:
    result, strategy, _ = run(scenario)
    check_result(result, strategy)
