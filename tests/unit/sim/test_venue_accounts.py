"""Hand-worked cash and margin accounts, netting and hedging, and inverse PnL.

Instruments: tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001. Quote rows are
``(ts, bid, ask, bid size, ask size)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.model.account import PositionMode
from sapphire.model.instruments import Perpetual
from sapphire.model.order_events import OrderFilled
from sapphire.model.orders import TimeInForce
from tests.unit.sim._harness import (
    LOT,
    MAKER_FEE,
    PERP_ID,
    PRICE_TICK,
    SPOT_ID,
    TAKER_FEE,
    Script,
    inverse_perp,
    quotes,
    run,
)

BUY, SELL = Side.BUY, Side.SELL
LINEAR_ID = InstrumentId.parse("BTCUSDT-PERP.SIM")


def money(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-9)


def venue(**kw: Any) -> VenueConfig:
    kw.setdefault("starting_balance", 1_000.0)
    return VenueConfig(name="SIM", currency=kw.pop("currency", "USDT"), **kw)


def market(side: Side, size: str, instrument: InstrumentId = SPOT_ID, **kw: Any):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(s.orders.market(instrument, side, size, **kw))


def both(*steps):  # type: ignore[no-untyped-def]
    return lambda s: [step(s) for step in steps]


# -- cash -------------------------------------------------------------------------------------

def test_cash_account_cannot_sell_short() -> None:
    out = run(quotes([(1, 100, 101, 20, 20)]), {1: market(SELL, "1")},
              venue=venue(account_type="cash"))
    assert out.status("Script-1") == (
        "rejected", 0.0, "a cash account cannot sell short: holds 0 lots, selling 10")


def test_cash_account_rejects_a_buy_it_cannot_pay_for_with_the_numbers() -> None:
    data = quotes([(1, 100, 101, 20, 20), (2, 100, 101, 20, 20), (3, 100, 101, 20, 20)])
    out = run(data, {1: both(market(BUY, "10"), market(BUY, "9")),
                     2: market(BUY, "1"), 3: market(SELL, "9")},
              venue=venue(account_type="cash"))
    # 10 @ 101 needs 1010 of 1000; 9 @ 101 (909, fee 0.909) fits; then 1 more needs 101
    # of 1000 - 0.909 - 909 = 90.091; selling the 9 at the bid 100 loses 9, fee 0.9
    assert out.status("Script-1") == (
        "rejected", 0.0, "insufficient cash: order needs 1010.00 USDT, 1000.00 available")
    assert out.status("Script-3") == (
        "rejected", 0.0, "insufficient cash: order needs 101.00 USDT, 90.09 available")
    assert out.fill_rows() == [("Script-2", 1, 9.0, 101.0, "taker", 0.909),
                               ("Script-4", -1, 9.0, 100.0, "taker", 0.9)]
    assert out.balance == money(1000.0 - 9.0 - 0.909 - 0.9)


def test_cash_account_sells_what_it_holds_and_no_more() -> None:
    data = quotes([(1, 100, 101, 20, 20), (2, 100, 101, 20, 20)])
    out = run(data, {1: market(BUY, "2"), 2: both(market(SELL, "3"), market(SELL, "2"))},
              venue=venue(account_type="cash"))
    assert out.status("Script-2") == (
        "rejected", 0.0, "a cash account cannot sell short: holds 20 lots, selling 30")
    assert out.status("Script-3")[:2] == ("filled", 2.0)


def test_cash_account_bracket_exits_are_both_accepted() -> None:
    # the two exits of a bracket are reduce-only and cancel each other: together they do
    # not sell short
    def go(s: Script) -> None:
        entry = s.orders.market(SPOT_ID, BUY, "1")
        s.submit(s.orders.bracket(entry, stop_loss="95", take_profit="110"))

    out = run(quotes([(1, 100, 101, 20, 20)]), {1: go}, venue=venue(account_type="cash"))
    assert [out.status(o)[0] for o in ("Script-1", "Script-2", "Script-3")] == [
        "filled", "accepted", "accepted"]


# -- margin -----------------------------------------------------------------------------------

def linear_perp() -> Perpetual:
    return Perpetual(id=LINEAR_ID, quote_currency="USDT", base_currency="BTC",
                     settlement_currency="USDT", price_increment=PRICE_TICK,
                     size_increment=LOT, maker_fee=MAKER_FEE, taker_fee=TAKER_FEE,
                     initial_margin=Decimal("0.05"), maintenance_margin=Decimal("0.025"))


def test_margin_uses_the_larger_of_initial_margin_and_one_over_leverage() -> None:
    data = quotes([(1, 100, 101, 100, 100), (2, 90, 90.5, 100, 100)])
    steps = {1: both(market(BUY, "60", LINEAR_ID), market(BUY, "40", LINEAR_ID)),
             2: market(BUY, "1", LINEAR_ID)}
    out = run(data, steps, instrument=linear_perp(), venue=venue(leverage=5.0))
    # fraction max(0.05, 1/5) = 0.2: 60 @ 101 needs 6060 * 0.2 = 1212 of 1000
    assert out.status("Script-1") == (
        "rejected", 0.0, "insufficient free margin: order needs 1212.00 USDT, 1000.00 available")
    # 40 @ 101 needs 808: filled, fee 4.04
    assert out.fill_rows() == [("Script-2", 1, 40.0, 101.0, "taker", 4.04)]
    # t=2, mid 90.25: equity 1000 - 4.04 + 40 * (90.25 - 101) = 565.96, the position uses
    # 40 * 90.25 * 0.2 = 722, so -156.04 is free; 1 @ 90.5 needs 18.10
    assert out.status("Script-3") == (
        "rejected", 0.0, "insufficient free margin: order needs 18.10 USDT, -156.04 available")
    assert out.equity == money(565.96)


def test_high_leverage_is_capped_by_the_instruments_initial_margin() -> None:
    data = quotes([(1, 100, 101, 1000, 1000)])
    steps = {1: both(market(BUY, "200", LINEAR_ID), market(BUY, "190", LINEAR_ID))}
    out = run(data, steps, instrument=linear_perp(), venue=venue(leverage=50.0))
    # fraction max(0.05, 1/50) = 0.05: 200 @ 101 needs 1010; 190 @ 101 needs 959.50
    assert out.status("Script-1") == (
        "rejected", 0.0, "insufficient free margin: order needs 1010.00 USDT, 1000.00 available")
    assert out.status("Script-2")[:2] == ("filled", 190.0)


def test_working_orders_hold_margin() -> None:
    data = quotes([(1, 100, 101, 100, 100)])
    steps = {1: both(lambda s: s.submit(s.orders.limit(LINEAR_ID, BUY, "30", "100")),
                     lambda s: s.submit(s.orders.limit(LINEAR_ID, BUY, "30", "100")))}
    out = run(data, steps, instrument=linear_perp(), venue=venue(leverage=5.0))
    # each needs 30 * 100 * 0.2 = 600; the first holds 600 of 1000, leaving 400
    assert out.status("Script-1") == ("accepted", 0.0, "")
    assert out.status("Script-2") == (
        "rejected", 0.0, "insufficient free margin: order needs 600.00 USDT, 400.00 available")


# -- netting and hedging ----------------------------------------------------------------------

def flip_steps() -> dict[int, Any]:
    return {1: market(BUY, "1"), 2: market(SELL, "2")}


FLIP = [(1, 100, 101, 20, 20), (2, 102, 103, 20, 20)]


def test_netting_flips_one_position_and_realizes_the_closed_part() -> None:
    out = run(quotes(FLIP), flip_steps(), venue=venue(starting_balance=100_000.0))
    # buy 1 @ 101 (fee 0.101), sell 2 @ 102 (fee 0.204): realizes +1 on 1, short 1 @ 102
    assert [f["realized_pnl"] for f in out.fills] == [0.0, pytest.approx(1.0)]
    rows = out.result.positions.to_pylist()
    assert [(r["quantity"], r["avg_price"]) for r in rows] == [(-1.0, 102.0)]
    assert rows[0]["realized_pnl"] == pytest.approx(1.0)
    assert rows[0]["fees"] == pytest.approx(0.305)
    assert out.balance == money(100_000 + 1.0 - 0.305)
    # the short 1 @ 102 marked at 102.5 loses 0.5
    assert out.equity == money(100_000 + 1.0 - 0.305 - 0.5)


def test_hedging_keeps_a_position_per_opening_order() -> None:
    out = run(quotes(FLIP), flip_steps(),
              venue=venue(starting_balance=100_000.0, position_mode=PositionMode.HEDGING))
    fills = [e for e in out.strategy.events if isinstance(e, OrderFilled)]
    assert [f.position_id for f in fills] == ["BTCUSDT.SIM-P1", "BTCUSDT.SIM-P2"]
    rows = out.result.positions.to_pylist()
    assert [(r["quantity"], r["avg_price"], r["realized_pnl"]) for r in rows] == [
        (1.0, 101.0, 0.0), (-2.0, 102.0, 0.0)]
    assert out.account.net_quantity(SPOT_ID) == -10
    assert out.balance == money(100_000 - 0.305)
    # at mid 102.5: long +1.5, short -1.0: the same equity as netting
    assert out.equity == money(100_000 - 0.305 + 0.5)


def test_hedging_closes_the_position_named_by_the_order() -> None:
    data = quotes([*FLIP, (3, 104, 105, 20, 20)])
    steps = {**flip_steps(), 3: market(BUY, "2", position_id="BTCUSDT.SIM-P2")}
    out = run(data, steps,
              venue=venue(starting_balance=100_000.0, position_mode=PositionMode.HEDGING))
    # the short 2 @ 102 is bought back @ 105: -6; the long 1 stays open
    assert out.fills[-1]["realized_pnl"] == pytest.approx(-6.0)
    rows = {r["quantity"]: r for r in out.result.positions.to_pylist()}
    assert set(rows) == {1.0, 0.0}
    assert out.account.net_quantity(SPOT_ID) == 10


def test_hedging_partial_fills_of_one_order_build_one_position() -> None:
    data = quotes([(1, 100, 101, 20, 1.0), (2, 100, 101.5, 20, 20)])
    out = run(data, {1: market(BUY, "1.5", time_in_force=TimeInForce.GTC)},
              venue=venue(starting_balance=100_000.0, position_mode=PositionMode.HEDGING))
    rows = out.result.positions.to_pylist()
    # 1.0 @ 101 and 0.5 @ 101.5: one position of 1.5 at (101 + 50.75) / 1.5
    assert [(r["quantity"], r["avg_price"]) for r in rows] == [
        (1.5, pytest.approx(151.75 / 1.5))]


# -- inverse ----------------------------------------------------------------------------------

def test_inverse_pnl_is_settled_in_the_base_currency() -> None:
    data = quotes([(1, 39_999.5, 40_000, 100, 100), (2, 50_000, 50_000.5, 100, 100)])
    out = run(data, {1: market(BUY, "10", PERP_ID), 2: market(SELL, "10", PERP_ID)},
              instrument=inverse_perp(), venue=venue(currency="BTC", starting_balance=1.0))
    # 10 contracts of 100 USD: 1000 / 40000 = 0.025 BTC (fee 0.000025), sold at 50000:
    # 1000 * (1/40000 - 1/50000) = 0.005 BTC, fee 1000 / 50000 * 0.001 = 0.00002
    assert out.fill_rows() == [("Script-1", 1, 10.0, 40_000.0, "taker", 0.000025),
                               ("Script-2", -1, 10.0, 50_000.0, "taker", 0.00002)]
    assert out.fills[0]["notional"] == pytest.approx(0.025)
    assert out.fills[1]["realized_pnl"] == pytest.approx(0.005)
    assert out.balance == money(1.0 + 0.005 - 0.000025 - 0.00002)
    assert out.equity == money(1.004955)


def test_inverse_short_gains_when_the_price_falls() -> None:
    data = quotes([(1, 50_000, 50_000.5, 100, 100), (2, 39_999.5, 40_000, 100, 100)])
    out = run(data, {1: market(SELL, "10", PERP_ID), 2: market(BUY, "10", PERP_ID)},
              instrument=inverse_perp(), venue=venue(currency="BTC", starting_balance=1.0))
    # short 1000 USD at 50000, covered at 40000: -1000 * (1/50000 - 1/40000) = +0.005
    assert out.fills[1]["realized_pnl"] == pytest.approx(0.005)
    assert out.balance == money(1.0 + 0.005 - 0.00002 - 0.000025)
