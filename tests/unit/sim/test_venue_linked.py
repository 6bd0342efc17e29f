"""Hand-worked OCO, OTO, brackets and reduce-only orders through a real BacktestEngine.

Instrument: tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001; margin account of
100,000 USDT. Quote rows are ``(ts, bid, ask, bid size, ask size)``.
"""

from __future__ import annotations

from typing import Any

import pytest

from sapphire.core.enums import Side
from tests.unit.sim._harness import SPOT_ID, Script, quotes, run

BUY, SELL = Side.BUY, Side.SELL
START = 100_000.0


def money(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-9)


def kinds(out: Any, order_id: str) -> list[str]:
    return [name.removeprefix("Order") for name in out.strategy.kinds(order_id)]


def limit_bracket(s: Script) -> None:
    entry = s.orders.limit(SPOT_ID, BUY, "1", "100")
    s.submit(s.orders.bracket(entry, stop_loss="98", take_profit="103"))


def test_bracket_exits_wait_for_the_entry_then_one_cancels_the_other() -> None:
    seen: dict[str, str] = {}

    def look(s: Script) -> None:
        seen.update({o: s.cache.order(o).status.value for o in ("Script-2", "Script-3")})

    data = quotes([(1, 100, 101, 2, 2), (2, 99, 99.5, 2, 2), (3, 103, 103.5, 2, 2)])
    out = run(data, {1: lambda s: (limit_bracket(s), look(s))})
    assert seen == {"Script-2": "initialized", "Script-3": "initialized"}
    # t=2: ask 99.5 trades through the entry 100 -> maker (fee 0.02); the exits go out.
    # t=3: bid 103 touches the take-profit -> maker @ 103 (fee 0.0206); the stop is canceled
    assert out.fill_rows() == [("Script-1", 1, 1.0, 100.0, "maker", 0.02),
                               ("Script-3", -1, 1.0, 103.0, "maker", 0.0206)]
    assert kinds(out, "Script-2") == ["Submitted", "Accepted", "PendingCancel", "Canceled"]
    assert out.status("Script-2") == ("canceled", 0.0, "OCO: Script-3 filled")
    assert next(e.ts_event for e in out.strategy.events if e.order_id == "Script-2") == 2
    assert out.balance == money(START + 3.0 - 0.02 - 0.0206)
    assert out.account.net_quantity(SPOT_ID) == 0


def test_bracket_stop_loss_fills_and_cancels_the_take_profit() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 99, 99.5, 2, 2), (3, 97.5, 98, 2, 2)])
    out = run(data, {1: limit_bracket})
    # t=3: bid 97.5 is below the stop 98 -> sell at the bid 97.5 (fee 0.0975)
    assert out.fill_rows() == [("Script-1", 1, 1.0, 100.0, "maker", 0.02),
                               ("Script-2", -1, 1.0, 97.5, "taker", 0.0975)]
    assert out.status("Script-3") == ("canceled", 0.0, "OCO: Script-2 filled")
    assert out.balance == money(START - 2.5 - 0.02 - 0.0975)


def test_bracket_whose_entry_is_canceled_drops_its_exits() -> None:
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: limit_bracket, 2: lambda s: s.cancel(s.cache.order("Script-1"))})
    assert out.status("Script-1") == ("canceled", 0.0, "canceled by strategy")
    for child in ("Script-2", "Script-3"):
        assert out.status(child) == ("canceled", 0.0, "OTO parent Script-1 canceled unfilled")
        assert kinds(out, child) == ["Canceled"]


def test_oto_child_gets_the_quantity_the_parent_filled() -> None:
    def parent_and_child(s: Script) -> None:
        parent = s.orders.market(SPOT_ID, BUY, "1.5")
        child = s.orders.limit(SPOT_ID, SELL, "1.5", "105")
        s.orders.link_oto(parent, child)
        s.submit([parent, child])

    data = quotes([(1, 100, 101, 2, 1.0), (2, 100, 101, 2, 2)])
    out = run(data, {1: parent_and_child})
    # the IOC parent fills 1.0 of 1.5 and is canceled: the child goes out for 1.0
    assert out.status("Script-1") == ("canceled", 1.0, "IOC remainder not filled at once")
    assert out.orders["Script-2"]["quantity"] == 1.0
    assert out.status("Script-2") == ("accepted", 0.0, "")


def test_oco_cancel_of_one_cancels_the_other() -> None:
    def pair(s: Script) -> None:
        s.pair = [s.orders.limit(SPOT_ID, SELL, "1", "105"),
                  s.orders.stop_market(SPOT_ID, SELL, "1", "95")]
        s.orders.link_oco(*s.pair)
        s.submit(s.pair)

    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    out = run(data, {1: pair, 2: lambda s: s.cancel(s.pair[0])})
    assert out.status("Script-1") == ("canceled", 0.0, "canceled by strategy")
    assert out.status("Script-2") == ("canceled", 0.0, "OCO: Script-1 canceled")


# -- reduce-only ------------------------------------------------------------------------------

def test_reduce_only_that_would_open_a_position_is_rejected() -> None:
    data = quotes([(1, 100, 101, 2, 2)])
    out = run(data, {1: lambda s: s.submit(s.orders.market(SPOT_ID, SELL, "1",
                                                            reduce_only=True))})
    assert out.fills == []
    assert out.status("Script-1") == (
        "rejected", 0.0, "reduce-only order for 10 lots would not reduce the position of 0 lots")


def test_reduce_only_larger_than_the_position_is_rejected() -> None:
    def go(s: Script) -> None:
        s.submit(s.orders.market(SPOT_ID, BUY, "1"))
        s.submit(s.orders.limit(SPOT_ID, SELL, "1.5", "105", reduce_only=True))

    out = run(quotes([(1, 100, 101, 2, 2)]), {1: go})
    assert out.status("Script-2") == (
        "rejected", 0.0,
        "reduce-only order for 15 lots would not reduce the position of 10 lots")


def test_reduce_only_rest_is_canceled_once_the_position_is_flat() -> None:
    def go(s: Script) -> None:
        s.submit(s.orders.market(SPOT_ID, BUY, "1"))
        s.submit(s.orders.limit(SPOT_ID, SELL, "1", "102", reduce_only=True))
        s.submit(s.orders.limit(SPOT_ID, SELL, "1", "103", reduce_only=True))

    data = quotes([(1, 100, 101, 2, 2), (2, 102, 102.5, 2, 2), (3, 100, 101, 2, 2)])
    out = run(data, {1: go})
    # t=2: the sell at 102 closes the position; the one at 103 can no longer reduce
    # anything and is canceled at once, not left working
    assert out.fill_rows() == [("Script-1", 1, 1.0, 101.0, "taker", 0.101),
                               ("Script-2", -1, 1.0, 102.0, "maker", 0.0204)]
    assert out.status("Script-3") == ("canceled", 0.0,
                                      "reduce-only order canceled: the position is flat")
    assert out.orders["Script-3"]["ts_last"] == 2


def test_reduce_only_fills_what_is_left_of_the_position_and_cancels_the_rest() -> None:
    def go(s: Script) -> None:
        s.submit(s.orders.market(SPOT_ID, BUY, "2"))
        s.submit(s.orders.limit(SPOT_ID, SELL, "2", "103", reduce_only=True))

    data = quotes([(1, 100, 101, 5, 5), (2, 100, 101, 5, 5), (3, 103, 103.5, 5, 5)])
    out = run(data, {1: go, 2: lambda s: s.submit(s.orders.market(SPOT_ID, SELL, "1"))})
    # t=2 sells 1 of the 2 held; t=3 the reduce-only sell may only close the last 1.0
    assert out.fill_rows() == [("Script-1", 1, 2.0, 101.0, "taker", 0.202),
                               ("Script-3", -1, 1.0, 100.0, "taker", 0.1),
                               ("Script-2", -1, 1.0, 103.0, "maker", 0.0206)]
    assert out.status("Script-2") == ("canceled", 1.0,
                                      "reduce-only order canceled: the position is flat")
    assert out.account.net_quantity(SPOT_ID) == 0
    # realized (100 - 101) + (103 - 101) = 1
    assert out.balance == money(START + 1.0 - 0.202 - 0.1 - 0.0206)
