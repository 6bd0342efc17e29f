"""Per-order and per-position rules, open orders and portfolio exposure, with hand numbers.

BTC marks at 20,000.00 (2,000,000 ticks of 0.01), ETH at 1,000.00; lots are 0.001.
"""

from decimal import Decimal

from sapphire.model.market import Trade
from sapphire.model.order_events import OrderFilled
from sapphire.model.order_factory import Lots
from sapphire.risk.pretrade import RiskConfig
from tests.unit.risk.pretrade._harness import BTC, BUY, ETH, SELL, Harness


def limits(**default) -> RiskConfig:
    return RiskConfig.from_dict({"default": default})


# -- order notional ---------------------------------------------------------------------------

def test_notional_at_the_limit_passes_and_one_tick_over_is_denied():
    h = Harness(limits(max_order_notional=10_000))
    assert h.limit(BUY, 500, 2_000_000).status.value == "accepted"  # 0.5 x 20,000.00
    over = h.limit(BUY, 500, 2_000_001)
    assert h.denial(over) == ("max_order_notional",
                              "order notional 10,000.01 USDT > limit 10,000.00 USDT")
    assert over.order_id not in h.venue.received
    assert [type(e).__name__ for e in over.events] == ["OrderDenied"]


def test_market_order_is_valued_at_the_mid_and_stop_at_its_trigger():
    h = Harness(limits(max_order_notional=10_000))
    assert h.denial(h.market(BUY, 501)) == (
        "max_order_notional", "order notional 10,020.00 USDT > limit 10,000.00 USDT")
    stop = h.submit(h.orders.stop_market(BTC.id, BUY, Lots(500), Decimal("20000.02")))
    assert h.denial(stop)[1] == "order notional 10,000.01 USDT > limit 10,000.00 USDT"


def test_market_order_without_any_price_is_denied():
    h = Harness(limits(max_order_notional=10_000))
    h.marks[BTC.id] = None
    rule, reason = h.denial(h.market(BUY, 1))
    assert rule == "no_reference_price"
    assert "market order in BTCUSDT.SIM: no trade or quote seen yet" in reason


# -- position -------------------------------------------------------------------------------

def test_position_counts_working_orders_on_the_same_side():
    h = Harness(limits(max_position=1.0))
    h.hold(BUY, 600, 2_000_000)
    h.limit(BUY, 300, 1_990_000)
    assert h.limit(BUY, 100, 1_990_000).status.value == "accepted"  # 0.6 + 0.4 = 1.0
    assert h.denial(h.limit(BUY, 1, 1_990_000)) == (
        "max_position", "position 0.600 + working 0.400 + order 0.001 = 1.001 > limit 1.000")


def test_sells_are_measured_toward_the_short_limit():
    h = Harness(limits(max_position=1.0))
    h.hold(BUY, 600, 2_000_000)
    h.limit(BUY, 400, 1_990_000)  # buys do not count against the short side
    assert h.limit(SELL, 1600, 2_010_000).status.value == "accepted"  # 0.6 - 1.6 = -1.0
    assert h.denial(h.limit(SELL, 1, 2_010_000)) == (
        "max_position",
        "position 0.600 + working -1.600 + order -0.001 = -1.001 > limit 1.000")


def test_order_toward_flat_passes_even_above_the_limit():
    h = Harness(limits(max_position=0.5))
    # a position held before the limit applied (booked straight into the portfolio)
    h.kernel.portfolio.apply_fill(OrderFilled(
        order_id="old", ts_event=0, instrument_id=str(BTC.id), side=1, quantity=1000,
        price=2_000_000, fee=0.0, liquidity="taker", trade_id="t0"), "SIM", BTC.id)
    assert h.limit(SELL, 300, 2_000_000).status.value == "accepted"
    assert h.denial(h.limit(BUY, 1, 2_000_000))[0] == "max_position"


def test_position_notional_at_the_order_price():
    h = Harness(limits(max_position_notional=15_000))
    h.hold(BUY, 600, 2_000_000)  # 12,000.00
    assert h.limit(BUY, 150, 2_000_000).status.value == "accepted"  # 0.75 x 20,000 = 15,000
    assert h.denial(h.limit(BUY, 1, 2_000_000)) == (
        "max_position_notional",
        "position notional with working orders and the order "
        "15,020.00 USDT > limit 15,000.00 USDT")


def test_a_modify_does_not_count_the_order_twice():
    h = Harness(limits(max_position=1.0))
    order = h.limit(BUY, 900, 1_990_000)
    h.kernel.execution.modify(order, 1000, 1_990_000, None)
    assert order.quantity == 1000
    h.kernel.execution.modify(order, 1001, 1_990_000, None)
    assert order.quantity == 1000
    assert order.reason == ("max_position: position 0.000 + working 0.000 + order 1.001 = "
                            "1.001 > limit 1.000")


# -- open orders ----------------------------------------------------------------------------

def test_open_orders_total_and_per_instrument():
    h = Harness(RiskConfig.from_dict({
        "max_open_orders": 2, "instruments": {"BTCUSDT.SIM": {"max_open_orders": 1}}}))
    btc = h.limit(BUY, 1, 1_990_000)
    assert h.denial(h.limit(BUY, 1, 1_990_000)) == (
        "max_open_orders_instrument", "1 orders open in BTCUSDT.SIM >= limit 1")
    assert h.limit(BUY, 1, 99_000, ETH).status.value == "accepted"
    assert h.denial(h.limit(BUY, 1, 99_000, ETH)) == ("max_open_orders",
                                                      "2 orders open >= limit 2")
    h.kernel.execution.cancel(btc)
    assert h.limit(BUY, 1, 99_000, ETH).status.value == "accepted"
    eth = [o for o in h.kernel.cache.open_orders() if o.instrument_id == ETH.id]
    h.fill(eth[0], 1, 99_000)  # a filled order frees its slot too
    assert h.limit(BUY, 1, 1_990_000).status.value == "accepted"


# -- price band -----------------------------------------------------------------------------

def test_band_edges_around_the_mid():
    h = Harness(limits(price_band=0.05))
    assert h.limit(BUY, 1, 2_100_000).status.value == "accepted"  # exactly +5 %
    assert h.limit(SELL, 1, 1_900_000).status.value == "accepted"  # exactly -5 %
    assert h.denial(h.limit(BUY, 1, 2_100_001)) == (
        "price_band", "limit price 21000.01 is 5.00% from the reference 20000.00 > band 5.00%")
    assert h.denial(h.limit(SELL, 1, 1_899_999))[0] == "price_band"


def test_band_checks_the_trigger_price():
    h = Harness(limits(price_band=0.05))
    stop = h.submit(h.orders.stop_market(BTC.id, BUY, Lots(1), Decimal("21000.01")))
    assert h.denial(stop)[1].startswith("trigger price 21000.01 is 5.00% from the reference")


def test_band_around_a_half_tick_mid():
    h = Harness(limits(price_band=0.05))
    h.marks[BTC.id] = 2_000_000.5  # band edge at 2,100,000.525
    assert h.limit(BUY, 1, 2_100_000).status.value == "accepted"
    assert h.denial(h.limit(BUY, 1, 2_100_001))[1].endswith("reference 20000.005 > band 5.00%")


def test_last_trade_in_the_cache_is_the_reference():
    h = Harness(limits(price_band=0.05))
    h.kernel.cache.trades[BTC.id] = Trade(BTC.id, 0, 10_000.0, 1.0, 1, 1_000_000, 1000)
    assert h.limit(BUY, 1, 1_050_000).status.value == "accepted"
    assert h.denial(h.limit(BUY, 1, 2_000_000))[1] == (
        "limit price 20000.00 is 100.00% from the reference 10000.00 > band 5.00%")


def test_no_reference_denies_a_banded_order():
    h = Harness(limits(price_band=0.05))
    h.marks[BTC.id] = None
    assert h.denial(h.limit(BUY, 1, 2_000_000)) == (
        "price_band", "limit price 20000.00 cannot be checked: no trade or quote seen yet "
                      "in BTCUSDT.SIM")
    assert h.market(BUY, 1).status.value == "accepted"  # nothing to band


def test_modify_outside_the_band_is_rejected_and_the_order_keeps_its_price():
    h = Harness(limits(price_band=0.05))
    order = h.limit(BUY, 1, 2_000_000)
    h.kernel.execution.modify(order, 1, 2_200_000, None)
    assert order.price == 2_000_000
    assert order.status.value == "accepted"
    assert order.reason.startswith("price_band: limit price 22000.00 is 10.00%")


# -- portfolio exposure ---------------------------------------------------------------------

def test_gross_exposure_over_instruments():
    h = Harness(RiskConfig(max_gross_exposure=30_000.0))
    h.hold(BUY, 1000, 2_000_000)  # 20,000
    h.hold(BUY, 5000, 100_000, ETH)  # 5,000
    assert h.limit(BUY, 250, 2_000_000).status.value == "accepted"  # 25,000 + 5,000
    assert h.denial(h.limit(BUY, 251, 2_000_000)) == (
        "max_gross_exposure", "gross exposure after the order 30,020.00 USDT > limit "
                              "30,000.00 USDT")
    assert h.limit(SELL, 1000, 100_000, ETH).status.value == "accepted"  # lowers it


def test_net_exposure_nets_longs_and_shorts():
    h = Harness(RiskConfig(max_net_exposure=10_000.0))
    h.hold(BUY, 500, 2_000_000)  # +10,000: at the cap
    h.hold(SELL, 5000, 100_000, ETH)  # -5,000: lowers the net
    assert h.denial(h.limit(BUY, 500, 2_000_000)) == (
        "max_net_exposure", "net exposure after the order (absolute) 15,000.00 USDT > limit "
                            "10,000.00 USDT")
    assert h.limit(BUY, 250, 2_000_000).status.value == "accepted"  # 15,000 - 5,000
