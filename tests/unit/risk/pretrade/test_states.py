"""Trading states, the loss limits and the kill switch, with hand-worked equity.

The account starts at 100,000.00 USDT without fees; 1 BTC is 1000 lots, so each tick
(0.01) of BTC moves the equity of a 1 BTC position by 0.01 USDT.
"""

import pytest

from sapphire.core.errors import ConfigError
from sapphire.risk.pretrade import RISK_STRATEGY_ID, RiskConfig, StateChange, TradingState
from tests.unit.risk.pretrade._harness import BTC, BUY, DAY, NS, SELL, T0, Harness

ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def test_reducing_lets_only_reducing_orders_through():
    h = Harness()
    h.hold(BUY, 600, 2_000_000)
    h.risk.set_trading_state("reducing", "manual")
    assert h.denial(h.limit(BUY, 1, 1_990_000)) == (
        "trading_state", "REDUCING lets only position-reducing orders through; net position "
                         "0.600, order buys 0.001")
    assert h.denial(h.limit(SELL, 700, 2_010_000)) == (
        "trading_state", "REDUCING: order 0.700 + working 0.000 would take the position 0.600 "
                         "past flat")
    assert h.limit(SELL, 400, 2_010_000).status.value == "accepted"
    assert h.denial(h.limit(SELL, 300, 2_010_000))[0] == "trading_state"  # 0.4 + 0.3 > 0.6
    assert h.limit(SELL, 200, 2_010_000).status.value == "accepted"
    assert h.risk.state_changes == [StateChange(ts=T0, previous=ACTIVE, state=REDUCING,
                                                rule="user", reason="manual")]


def test_reducing_with_no_position_denies_everything():
    h = Harness()
    h.risk.set_trading_state(REDUCING, "flat book")
    assert h.denial(h.limit(SELL, 1, 2_010_000))[1].startswith(
        "REDUCING lets only position-reducing orders through; net position 0.000")


def test_halted_denies_orders_and_modifies_but_not_cancels():
    h = Harness()
    working = h.limit(BUY, 10, 1_990_000)
    h.risk.set_trading_state(HALTED, "stop")
    assert h.denial(h.limit(SELL, 1, 2_010_000)) == ("trading_state",
                                                     "trading is HALTED (user: stop)")
    h.kernel.execution.modify(working, 20, 1_990_000, None)
    assert working.reason == "trading_state: trading is HALTED (user: stop)"
    h.kernel.execution.cancel(working)
    assert working.status.value == "canceled"


@pytest.mark.parametrize(("state", "reason", "message"), [
    ("paused", "x", "trading state 'paused': expected one of"),
    ("halted", "", "reason is empty")])
def test_bad_state_change_is_refused(state, reason, message):
    h = Harness()
    with pytest.raises(ConfigError, match=message):
        h.risk.set_trading_state(state, reason)
    assert h.risk.state == ACTIVE


def test_daily_loss_at_the_limit_passes_and_one_cent_over_halts_cancels_and_flattens():
    h = Harness(RiskConfig(max_daily_loss=1_000.0, flatten_on_breach=True,
                           equity_check_interval="00:00:01"))
    h.hold(BUY, 1000, 2_000_000)
    working = h.limit(BUY, 100, 1_800_000)
    h.marks[BTC.id] = 1_900_000.0  # equity 99,000.00: a loss of exactly 1,000.00
    h.at(T0 + NS)
    assert h.risk.state == ACTIVE
    h.marks[BTC.id] = 1_899_999.0  # equity 98,999.99
    h.at(T0 + 2 * NS)
    reason = ("equity 100,000.00 USDT at the UTC day's start -> 98,999.99 USDT: "
              "loss 1,000.01 USDT > limit 1,000.00 USDT")
    assert h.risk.state_changes == [StateChange(ts=T0 + 2 * NS, previous=ACTIVE,
                                                state=HALTED, rule="max_daily_loss",
                                                reason=reason)]
    assert working.status.value == "canceled"
    assert working.reason == "kill switch: max_daily_loss"
    closing = h.kernel.cache.orders[h.venue.received[-1]]
    assert (closing.strategy_id, closing.side, closing.quantity, closing.reduce_only,
            closing.type.value) == (RISK_STRATEGY_ID, SELL, 1000, True, "market")
    assert h.denial(h.limit(SELL, 1, 2_000_000))[1] == (
        f"trading is HALTED (max_daily_loss: {reason})")


def test_a_check_evaluates_the_loss_and_the_breaching_order_is_denied_by_it():
    h = Harness(RiskConfig(max_daily_loss=1_000.0))
    h.hold(BUY, 1000, 2_000_000)
    working = h.limit(BUY, 100, 1_800_000)
    h.marks[BTC.id] = 1_899_999.0
    h.at(T0 + 5 * NS)  # no timer: nothing evaluated yet
    assert h.risk.state == ACTIVE
    rule, _ = h.denial(h.limit(SELL, 1000, 1_899_999))
    assert rule == "max_daily_loss"
    assert h.risk.state == HALTED
    assert working.status.value == "accepted"  # the kill switch runs after this event
    h.at(T0 + 5 * NS)
    assert working.status.value == "canceled"
    # flatten_on_breach is off: nothing was sent to close the position
    assert {h.kernel.cache.orders[i].strategy_id for i in h.venue.received} == {"S"}


def test_a_fill_evaluates_the_loss():
    h = Harness(RiskConfig(max_daily_loss=1_000.0))
    h.marks[BTC.id] = 1_899_999.0
    h.hold(BUY, 1000, 2_000_000)  # bought above the mark: equity 98,999.99 at once
    assert h.risk.state_changes[-1].rule == "max_daily_loss"
    assert h.risk.state_changes[-1].ts == T0


def test_drawdown_from_the_peak():
    h = Harness(RiskConfig(max_drawdown=0.1, equity_check_interval="00:00:01"))
    h.hold(BUY, 1000, 2_000_000)
    h.marks[BTC.id] = 3_000_000.0  # equity 110,000.00: the peak
    h.at(T0 + NS)
    h.marks[BTC.id] = 1_900_000.0  # 99,000.00: exactly 10 % below the peak
    h.at(T0 + 2 * NS)
    assert h.risk.state == ACTIVE
    h.marks[BTC.id] = 1_899_999.0  # 98,999.99
    h.at(T0 + 3 * NS)
    change = h.risk.state_changes[-1]
    assert (change.ts, change.rule, change.state) == (T0 + 3 * NS, "max_drawdown", HALTED)
    assert change.reason == ("equity 98,999.99 USDT from the peak 110,000.00 USDT: "
                             "drawdown 10.00001% > limit 10.00000%")  # 11,000.01 / 110,000


def test_the_day_restarts_at_utc_midnight():
    h = Harness(RiskConfig(max_daily_loss=1_000.0, equity_check_interval="01:00:00"))
    h.hold(BUY, 1000, 2_000_000)
    h.marks[BTC.id] = 1_920_000.0  # 99,200.00: 800.00 lost on the first day
    h.at(T0 + 23 * 3600 * NS)
    h.at(T0 + DAY)  # midnight: the second day starts at 99,200.00
    h.marks[BTC.id] = 1_830_000.0  # 98,300.00: 1,700.00 below the start, 900.00 today
    h.at(T0 + DAY + 3600 * NS)
    assert h.risk.state == ACTIVE
    h.marks[BTC.id] = 1_819_999.0  # 98,199.99: 1,000.01 today
    h.at(T0 + DAY + 2 * 3600 * NS)
    assert h.risk.state_changes[-1].reason.startswith(
        "equity 99,200.00 USDT at the UTC day's start -> 98,199.99 USDT: loss 1,000.01 USDT")


def test_resuming_measures_from_the_equity_at_that_moment():
    h = Harness(RiskConfig(max_daily_loss=1_000.0))
    h.hold(BUY, 1000, 2_000_000)
    h.marks[BTC.id] = 1_899_999.0
    h.denial(h.limit(SELL, 1, 2_000_000))
    h.risk.set_trading_state(ACTIVE, "reviewed")
    assert h.limit(SELL, 1, 1_899_999).status.value == "accepted"
    h.marks[BTC.id] = 1_800_000.0  # 999.99 below 98,999.99
    assert h.limit(SELL, 1, 1_800_000).status.value == "accepted"
    assert [c.state for c in h.risk.state_changes] == [HALTED, ACTIVE]


def test_user_kill_switch_cancels_without_flattening_by_default():
    h = Harness()
    h.hold(BUY, 1000, 2_000_000)
    working = h.limit(BUY, 100, 1_800_000)
    sent = len(h.venue.received)
    h.risk.kill_switch("manual stop")
    h.at(T0)
    assert working.status.value == "canceled"
    assert len(h.venue.received) == sent
    assert h.risk.state_changes[-1].rule == "user"
