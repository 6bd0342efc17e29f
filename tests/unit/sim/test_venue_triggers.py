"""Hand-worked stop, if-touched and trailing orders on quotes and on bars.

Instrument: tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001. Quote rows are
``(ts, bid, ask, bid size, ask size)``; bar rows ``(ts close, open, high, low, close)``.
Buy stops trigger on the ask, sell stops on the bid; a bar is walked open, nearer extreme,
other extreme, close.
"""

from __future__ import annotations

import pytest

from sapphire.core.enums import Side
from sapphire.model.order_events import OrderTriggered, OrderUpdated
from tests.unit.sim._harness import SPOT_ID, Script, bars, quotes, run

BUY, SELL = Side.BUY, Side.SELL
START = 100_000.0


def money(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-9)


def submit(build):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(build(s.orders))


def triggers(out, order_id: str) -> list[float]:  # type: ignore[no-untyped-def]
    """The trigger prices (units) a trailing order was moved to, in order."""
    return [e.trigger_price / 2 for e in out.strategy.events
            if isinstance(e, OrderUpdated) and e.order_id == order_id]


# -- stops on quotes --------------------------------------------------------------------------

def test_buy_stop_market_triggers_on_the_ask_and_takes_it() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 101, 101.5, 2, 2), (3, 101.5, 102, 2, 2)])
    out = run(data, {1: submit(lambda f: f.stop_market(SPOT_ID, BUY, "1", "102"))})
    # t=3: the ask reaches 102 while bid (101.5) and mid (101.75) are below: taker @ 102
    assert out.fill_rows() == [("Script-1", 1, 1.0, 102.0, "taker", 0.102)]
    assert out.fills[0]["ts_event"] == 3
    assert out.strategy.kinds("Script-1") == ["OrderSubmitted", "OrderAccepted",
                                              "OrderTriggered", "OrderFilled"]


def test_sell_stop_market_triggers_on_the_bid() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99.5, 100.5, 3, 2)])
    out = run(data, {1: submit(lambda f: f.stop_market(SPOT_ID, SELL, "1", "99.5"))})
    # t=2: bid 99.5 <= 99.5 (mid 100 is not): sell at the bid, fee 0.0995
    assert out.fill_rows() == [("Script-1", -1, 1.0, 99.5, "taker", 0.0995)]
    assert out.balance == money(START - 0.0995)


def test_stop_limit_triggers_then_rests_and_makes_when_traded_through() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 101.5, 103, 2, 2), (3, 101.5, 102, 2, 2)])
    out = run(data, {1: submit(lambda f: f.stop_limit(SPOT_ID, BUY, "1", price="102.5",
                                                      trigger_price="102"))})
    # t=2: ask 103 >= 102 triggers; the limit 102.5 is below the ask, so it rests.
    # t=3: ask 102 trades through 102.5 -> maker @ 102.5, fee 102.5 * 0.0002 = 0.0205
    assert out.fill_rows() == [("Script-1", 1, 1.0, 102.5, "maker", 0.0205)]
    assert [e.ts_event for e in out.strategy.events if isinstance(e, OrderTriggered)] == [2]
    assert out.fills[0]["ts_event"] == 3


def test_stop_limit_marketable_when_triggered_takes_the_touch() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 101.5, 102, 2, 2)])
    out = run(data, {1: submit(lambda f: f.stop_limit(SPOT_ID, BUY, "1", price="103",
                                                      trigger_price="102"))})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 102.0, "taker", 0.102)]


# -- if-touched -------------------------------------------------------------------------------

def test_buy_market_if_touched_fires_when_the_ask_falls_to_it() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99, 99.5, 2, 2), (3, 98.5, 99, 2, 2)])
    out = run(data, {1: submit(lambda f: f.market_if_touched(SPOT_ID, BUY, "1", "99"))})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 99.0, "taker", 0.099)]
    assert out.fills[0]["ts_event"] == 3


def test_sell_market_if_touched_fires_when_the_bid_rises_to_it() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 102, 102.5, 2, 2)])
    out = run(data, {1: submit(lambda f: f.market_if_touched(SPOT_ID, SELL, "1", "102"))})
    assert out.fill_rows() == [("Script-1", -1, 1.0, 102.0, "taker", 0.102)]


def test_limit_if_touched_rests_at_its_limit_once_touched() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 102, 102.5, 2, 2), (3, 103, 103.5, 2, 2)])
    out = run(data, {1: submit(lambda f: f.limit_if_touched(SPOT_ID, SELL, "1", price="102.5",
                                                            trigger_price="102"))})
    # t=2: bid 102 touches the trigger; the sell limit 102.5 is above the bid: rests.
    # t=3: bid 103 is through 102.5 -> maker @ 102.5
    assert out.fill_rows() == [("Script-1", -1, 1.0, 102.5, "maker", 0.0205)]
    assert out.fills[0]["ts_event"] == 3


# -- trailing stops ---------------------------------------------------------------------------

def test_trailing_stop_market_ratchets_up_and_fires_at_the_exact_trigger() -> None:
    data = quotes([(1, 100, 100.5, 2, 2), (2, 101, 101.5, 2, 2), (3, 100.5, 101, 2, 2),
                   (4, 102, 102.5, 2, 2), (5, 101.5, 102, 2, 2), (6, 101, 101.5, 2, 2)])
    out = run(data, {1: submit(lambda f: f.trailing_stop_market(SPOT_ID, SELL, "1",
                                                                trailing_offset="1"))})
    # bid 100 -> 99; 101 -> 100; 100.5 keeps 100; 102 -> 101; 101.5 keeps 101 (not hit);
    # t=6 bid 101 hits 101: sell at the bid
    assert triggers(out, "Script-1") == [99.0, 100.0, 101.0]
    assert out.fill_rows() == [("Script-1", -1, 1.0, 101.0, "taker", 0.101)]
    assert out.fills[0]["ts_event"] == 6
    assert out.orders["Script-1"]["trigger_price"] == 101.0


def test_trailing_stop_limit_ratchets_down_then_takes_within_its_limit() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99, 100, 2, 2), (3, 99.5, 100.5, 2, 2),
                   (4, 100, 101, 2, 2)])
    out = run(data, {1: submit(lambda f: f.trailing_stop_limit(
        SPOT_ID, BUY, "1", trailing_offset="1", limit_offset="0.5"))})
    # ask 101 -> 102; 100 -> 101; 100.5 keeps 101; t=4 ask 101 hits it: the limit is
    # 101 + 0.5 = 101.5, marketable -> taker @ 101
    assert triggers(out, "Script-1") == [102.0, 101.0]
    triggered = [e for e in out.strategy.events if isinstance(e, OrderTriggered)]
    assert [(e.ts_event, e.price) for e in triggered] == [(4, 203)]
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101)]


def test_trailing_stop_limit_rests_when_the_market_gaps_past_its_limit() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99, 100, 2, 2), (3, 101.5, 102, 2, 2),
                   (4, 100, 100.5, 2, 2)])
    out = run(data, {1: submit(lambda f: f.trailing_stop_limit(
        SPOT_ID, BUY, "1", trailing_offset="1", limit_offset="0.5"))})
    # trigger 101 after t=2; t=3 ask 102 fires it with limit 101.5 < ask: rests;
    # t=4 ask 100.5 is through 101.5 -> maker @ 101.5, fee 0.0203
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.5, "maker", 0.0203)]
    assert out.fills[0]["ts_event"] == 4


# -- on bars ----------------------------------------------------------------------------------

def on_bars(rows, steps):  # type: ignore[no-untyped-def]
    return run(bars(rows), steps, kind="bars")


@pytest.mark.parametrize(("side", "trigger", "bar", "fill"), [
    (SELL, "95", (120, 93, 94, 92, 93), 93.0),     # gaps down through the sell stop
    (BUY, "105", (120, 107, 108, 106, 107), 107.0),  # gaps up through the buy stop
])
def test_stop_on_a_bar_gap_fills_at_the_open(side: Side, trigger: str, bar: tuple,
                                             fill: float) -> None:
    out = on_bars([(60, 100, 101, 99, 100), bar],
                  {60: submit(lambda f: f.stop_market(SPOT_ID, side, "1", trigger))})
    assert out.fill_rows() == [("Script-1", 1 if side == BUY else -1, 1.0, fill, "taker",
                                round(fill * 0.001, 12))]
    assert out.fills[0]["ts_event"] == 120


def test_stop_inside_a_bar_fills_exactly_at_its_trigger() -> None:
    # O 100 -> H 100.5 (nearer) -> L 97 -> C 98: the sell stop 99 is passed on the way down
    out = on_bars([(60, 100, 101, 99, 100), (120, 100, 100.5, 97, 98)],
                  {60: submit(lambda f: f.stop_market(SPOT_ID, SELL, "1", "99"))})
    assert out.fill_rows() == [("Script-1", -1, 1.0, 99.0, "taker", 0.099)]


def bracket(s: Script) -> None:
    entry = s.orders.market(SPOT_ID, BUY, "1")
    s.submit(s.orders.bracket(entry, stop_loss="99", take_profit="104.5"))


def test_bar_path_low_first_when_the_low_is_nearer() -> None:
    # entry @ the bar-1 close 100; bar 2: O 100, L 99 (1 away) before H 105 (5 away):
    # the stop-loss fills @ 99 and cancels the take-profit
    out = on_bars([(60, 100, 101, 99, 100), (120, 100, 105, 99, 104)], {60: bracket})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 100.0, "taker", 0.1),
                               ("Script-2", -1, 1.0, 99.0, "taker", 0.099)]
    assert out.status("Script-3") == ("canceled", 0.0, "OCO: Script-2 filled")
    assert out.fills[1]["realized_pnl"] == pytest.approx(-1.0)
    assert out.balance == money(START - 1.0 - 0.1 - 0.099)
    assert out.equity == money(START - 1.0 - 0.1 - 0.099)


def test_bar_path_high_first_when_the_high_is_nearer() -> None:
    # bar 2: O 100, H 105 (5 away) before L 94 (6 away): the take-profit 104.5 is touched
    # on the way up -> maker @ 104.5 (fee 0.0209); the stop-loss is canceled
    out = on_bars([(60, 100, 101, 99, 100), (120, 100, 105, 94, 96)], {60: bracket})
    assert out.fill_rows() == [("Script-1", 1, 1.0, 100.0, "taker", 0.1),
                               ("Script-3", -1, 1.0, 104.5, "maker", 0.0209)]
    assert out.status("Script-2") == ("canceled", 0.0, "OCO: Script-3 filled")
    assert out.balance == money(START + 4.5 - 0.1 - 0.0209)


def test_bar_path_tie_goes_high_first() -> None:
    # O 100, H 105 and L 95 both 5 away: high first, so the take-profit wins
    out = on_bars([(60, 100, 101, 99, 100), (120, 100, 105, 95, 96)], {60: bracket})
    assert [row[0] for row in out.fill_rows()] == ["Script-1", "Script-3"]


def test_market_order_on_a_bar_fills_at_its_close() -> None:
    out = on_bars([(60, 100, 101, 99, 100.5), (120, 100, 105, 95, 96)],
                  {60: submit(lambda f: f.market(SPOT_ID, SELL, "2"))})
    # fee 2 * 100.5 * 0.001 = 0.201; marked at the last close 96: +2 * 4.5 = 9
    assert out.fill_rows() == [("Script-1", -1, 2.0, 100.5, "taker", 0.201)]
    assert out.equity == money(START - 0.201 + 9.0)
