"""Hand-worked market and limit orders and times in force through a real BacktestEngine.

Instrument (see ``_harness``): tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001;
margin account of 100,000 USDT at leverage 1. Quote rows are
``(ts, bid, ask, bid size, ask size)``. Every expected number is worked out in the comments.
"""

from __future__ import annotations

import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.core.enums import Side
from sapphire.model.orders import TimeInForce
from sapphire.sim.models import FillModel
from tests.unit.sim._harness import SPOT_ID, Script, quotes, run

BUY, SELL = Side.BUY, Side.SELL
START = 100_000.0


def money(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-9)


def market(side: Side, size: str, **kw: object):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(s.orders.market(SPOT_ID, side, size, **kw))


def limit(side: Side, size: str, price: str, **kw: object):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(s.orders.limit(SPOT_ID, side, size, price, **kw))


def both(*steps):  # type: ignore[no-untyped-def]
    def step(s: Script) -> None:
        for each in steps:
            each(s)
    return step


# -- market orders ----------------------------------------------------------------------------

def test_market_order_fills_in_full_at_the_ask() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 102, 103, 2, 2)])
    out = run(data, {1: market(BUY, "1.5")})
    # 1.5 at the ask 101, taker fee 1.5 * 101 * 0.001 = 0.1515
    assert out.fill_rows() == [("Script-1", 1, 1.5, 101.0, "taker", 0.1515)]
    assert out.status("Script-1") == ("filled", 1.5, "")
    assert out.strategy.kinds("Script-1") == ["OrderSubmitted", "OrderAccepted", "OrderFilled"]
    assert out.balance == money(START - 0.1515)
    # marked at the last mid 102.5: + 1.5 * (102.5 - 101) = 2.25
    assert out.equity == money(START - 0.1515 + 2.25)


def test_market_sell_fills_at_the_bid() -> None:
    data = quotes([(1, 100, 101, 2, 2)])
    out = run(data, {1: market(SELL, "0.5")})
    # 0.5 * 100 * 0.001 = 0.05
    assert out.fill_rows() == [("Script-1", -1, 0.5, 100.0, "taker", 0.05)]
    assert out.account.net_quantity(SPOT_ID) == -5


def test_gtc_market_order_fills_the_displayed_size_then_the_next_quotes() -> None:
    data = quotes([(1, 100, 101, 2, 1.0), (2, 100.5, 101.5, 2, 0.3), (3, 101, 102, 2, 5)])
    out = run(data, {1: market(BUY, "1.5", time_in_force=TimeInForce.GTC)})
    # 1.0 @ 101 (fee 0.101), then 0.3 @ 101.5 (0.03045), then 0.2 @ 102 (0.0204)
    assert out.fill_rows() == [
        ("Script-1", 1, 1.0, 101.0, "taker", 0.101),
        ("Script-1", 1, 0.3, 101.5, "taker", 0.03045),
        ("Script-1", 1, 0.2, 102.0, "taker", 0.0204),
    ]
    assert [f["ts_event"] for f in out.fills] == [1, 2, 3]
    assert out.status("Script-1") == ("filled", 1.5, "")
    assert out.orders["Script-1"]["avg_fill_price"] == pytest.approx(151.85 / 1.5)
    fees = 0.101 + 0.03045 + 0.0204
    assert out.balance == money(START - fees)
    # cost 151.85, marked at mid 101.5: 1.5 * 101.5 - 151.85 = 0.4
    assert out.equity == money(START - fees + 0.4)


def test_two_orders_at_one_quote_share_its_displayed_size() -> None:
    data = quotes([(1, 100, 101, 2, 1.5), (2, 100, 101, 2, 5)])
    out = run(data, {1: both(market(BUY, "1"), market(BUY, "1"))})
    # the first takes 1.0 of the 1.5 shown; the second gets the 0.5 left, IOC cancels the rest
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101),
                               ("Script-2", 1, 0.5, 101.0, "taker", 0.0505)]
    assert out.status("Script-2") == ("canceled", 0.5, "IOC remainder not filled at once")


def test_ioc_market_remainder_is_canceled() -> None:
    data = quotes([(1, 100, 101, 2, 1.0), (2, 100, 101, 2, 5)])
    out = run(data, {1: market(BUY, "1.5")})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101)]
    assert out.status("Script-1") == ("canceled", 1.0, "IOC remainder not filled at once")
    assert out.strategy.kinds("Script-1") == ["OrderSubmitted", "OrderAccepted", "OrderFilled",
                                              "OrderCanceled"]
    assert out.balance == money(START - 0.101)


def test_ioc_limit_that_cannot_fill_is_canceled_without_a_fill() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 98, 99, 2, 2)])
    out = run(data, {1: limit(BUY, "1", "100", time_in_force=TimeInForce.IOC)})
    assert out.fills == []
    assert out.status("Script-1") == ("canceled", 0.0, "IOC remainder not filled at once")


# -- limit orders -----------------------------------------------------------------------------

def test_resting_limit_fills_as_maker_at_its_price_when_traded_through() -> None:
    data = quotes([(1, 100, 101, 1, 1), (2, 99.5, 100, 1, 1), (3, 98.5, 99, 1, 3)])
    out = run(data, {1: limit(BUY, "2", "99.5")})
    # t=2: ask 100 is above 99.5; t=3: ask 99 is through it -> 2 @ 99.5 maker,
    # fee 2 * 99.5 * 0.0002 = 0.0398
    assert out.fill_rows() == [("Script-1", 1, 2.0, 99.5, "maker", 0.0398)]
    assert out.fills[0]["ts_event"] == 3
    assert out.balance == money(START - 0.0398)
    # marked at mid 98.75: 2 * (98.75 - 99.5) = -1.5
    assert out.equity == money(START - 0.0398 - 1.5)


def test_resting_limit_fills_no_more_than_the_displayed_size() -> None:
    data = quotes([(1, 100, 101, 1, 1), (2, 98.5, 99, 1, 0.5), (3, 98.5, 99, 1, 0.5)])
    out = run(data, {1: limit(BUY, "0.8", "99.5")})
    assert out.fill_rows() == [("Script-1", 1, 0.5, 99.5, "maker", 0.00995),
                               ("Script-1", 1, 0.3, 99.5, "maker", 0.00597)]
    assert out.status("Script-1") == ("filled", 0.8, "")


@pytest.mark.parametrize(("probability", "fill_ts"), [(1.0, 2), (0.0, 4)])
def test_limit_touched_fills_with_prob_fill_on_limit(probability: float, fill_ts: int) -> None:
    data = quotes([(1, 100, 101, 1, 1), (2, 99, 99.5, 1, 1), (3, 99.5, 100, 1, 1),
                   (4, 98.5, 99, 1, 1)])
    venue = VenueConfig(name="SIM", currency="USDT", starting_balance=START,
                        fill_model=FillModel(prob_fill_on_limit=probability))
    out = run(data, {1: limit(BUY, "1", "99.5")}, venue=venue)
    # t=2 the ask touches 99.5: fills with p=1, not with p=0; t=4 trades through: fills
    assert out.fill_rows() == [("Script-1", 1, 1.0, 99.5, "maker", 0.0199)]
    assert out.fills[0]["ts_event"] == fill_ts


def test_marketable_limit_takes_the_touch_with_price_improvement() -> None:
    data = quotes([(1, 100, 101, 2, 2)])
    out = run(data, {1: both(limit(BUY, "1", "102"), limit(SELL, "0.5", "99"))})
    # the buy at 102 takes the ask 101, the sell at 99 the bid 100, both as takers
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101),
                               ("Script-2", -1, 0.5, 100.0, "taker", 0.05)]


def test_gtc_limit_keeps_working_across_quotes() -> None:
    data = quotes([(1, 100, 101, 1, 1), (2, 100, 100.5, 1, 1), (3, 99, 99.5, 1, 1)])
    out = run(data, {1: limit(BUY, "1", "99")})
    assert out.fills == []
    assert out.status("Script-1") == ("accepted", 0.0, "")


# -- FOK and post-only ------------------------------------------------------------------------

def test_fok_fills_all_or_cancels() -> None:
    data = quotes([(1, 100, 101, 2, 1.0), (2, 100, 101, 2, 5)])
    out = run(data, {1: both(limit(BUY, "1.5", "101", time_in_force=TimeInForce.FOK),
                             market(BUY, "1", time_in_force=TimeInForce.FOK))})
    # 1.5 wanted, 1.0 shown: canceled with nothing filled; then 1.0 fills completely
    assert out.status("Script-1") == ("canceled", 0.0, "FOK needs 15 lots, 10 available")
    assert out.fill_rows() == [("Script-2", 1, 1.0, 101.0, "taker", 0.101)]
    assert out.status("Script-2") == ("filled", 1.0, "")


def test_fok_limit_that_is_not_marketable_is_canceled() -> None:
    data = quotes([(1, 100, 101, 2, 2)])
    out = run(data, {1: limit(BUY, "1", "100.5", time_in_force=TimeInForce.FOK)})
    assert out.fills == []
    assert out.status("Script-1")[:2] == ("canceled", 0.0)


def test_post_only_is_rejected_when_marketable_and_makes_otherwise() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99.5, 100, 2, 2)])
    out = run(data, {1: both(limit(BUY, "1", "101", post_only=True),
                             limit(BUY, "1", "100.5", post_only=True))})
    assert out.status("Script-1") == ("rejected", 0.0, "post-only order would take liquidity")
    assert out.strategy.kinds("Script-1") == ["OrderSubmitted", "OrderRejected"]
    # t=2: ask 100 trades through 100.5 -> maker fill, fee 100.5 * 0.0002 = 0.0201
    assert out.fill_rows() == [("Script-2", 1, 1.0, 100.5, "maker", 0.0201)]


# -- fill models ------------------------------------------------------------------------------

def test_certain_slippage_fills_one_tick_worse() -> None:
    venue = VenueConfig(name="SIM", currency="USDT", starting_balance=START,
                        fill_model=FillModel(prob_slippage=1.0))
    out = run(quotes([(1, 100, 101, 2, 2)]), {1: both(market(BUY, "1"), market(SELL, "1"))},
              venue=venue)
    # one tick is 0.5: the buy pays 101.5, the sell gets 99.5
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.5, "taker", 0.1015),
                               ("Script-2", -1, 1.0, 99.5, "taker", 0.0995)]


def test_probabilistic_fills_repeat_with_the_seed() -> None:
    data = quotes([(t, 100, 101, 50, 50) for t in range(1, 41)])
    steps = {t: market(BUY if t % 2 else SELL, "1") for t in range(1, 41)}

    def prices(seed: int) -> list[float]:
        venue = VenueConfig(name="SIM", currency="USDT", starting_balance=START,
                            fill_model=FillModel(prob_slippage=0.5, seed=seed))
        return [row[3] for row in run(data, steps, venue=venue).fill_rows()]

    first = prices(7)
    assert first == prices(7)
    # 40 draws at p = 0.5: some slipped and some did not
    assert {101.0, 101.5} <= set(first) and {100.0, 99.5} <= set(first)
