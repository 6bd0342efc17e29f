"""OrderFactory: each kind of order built exactly in ticks and lots, and malformed ones
refused at the call with an error that names the problem."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from sapphire.core.enums import Side
from sapphire.core.errors import UnknownInstrumentError
from sapphire.core.identifiers import InstrumentId
from sapphire.engine.cache import Cache
from sapphire.model.instruments import SpotPair
from sapphire.model.order_factory import OrderFactory
from sapphire.model.orders import (
    ContingencyType,
    OrderError,
    OrderStatus,
    OrderType,
    TimeInForce,
)

IID = InstrumentId.parse("BTCUSDT.SIM")
BUY, SELL = Side.BUY, Side.SELL


@pytest.fixture
def factory() -> OrderFactory:
    cache = Cache()
    cache.add_instrument(SpotPair(id=IID, quote_currency="USDT", base_currency="BTC",
                                  price_increment=Decimal("0.5"), size_increment=Decimal("0.1"),
                                  min_quantity=Decimal("0.2"), max_quantity=Decimal("50")))
    return OrderFactory("S", cache.instrument, lambda: 123)


def test_market(factory: OrderFactory) -> None:
    order = factory.market(IID, BUY, "1.5")
    assert (order.order_id, order.type, order.side, order.quantity) == (
        "S-1", OrderType.MARKET, BUY, 15)
    assert (order.price, order.trigger_price, order.time_in_force) == (None, None, TimeInForce.IOC)
    assert (order.status, order.ts_init, order.strategy_id, order.filled) == (
        OrderStatus.INITIALIZED, 123, "S", 0)
    gtc = factory.market(IID, SELL, Decimal("0.3"), time_in_force=TimeInForce.GTC,
                         reduce_only=True)
    assert (gtc.order_id, gtc.sign, gtc.quantity, gtc.time_in_force, gtc.reduce_only) == (
        "S-2", -1, 3, TimeInForce.GTC, True)


def test_limit(factory: OrderFactory) -> None:
    order = factory.limit(IID, SELL, 2, "100.5", time_in_force="gtd", expire_ns=5_000,
                          post_only=True)
    assert (order.type, order.quantity, order.price, order.time_in_force, order.expire_ns,
            order.post_only) == (OrderType.LIMIT, 20, 201, TimeInForce.GTD, 5_000, True)
    assert order.is_passive


def test_stop_market_and_stop_limit(factory: OrderFactory) -> None:
    stop = factory.stop_market(IID, SELL, "1", "95", time_in_force=TimeInForce.DAY)
    assert (stop.type, stop.trigger_price, stop.price, stop.time_in_force) == (
        OrderType.STOP_MARKET, 190, None, TimeInForce.DAY)
    stop_limit = factory.stop_limit(IID, BUY, "1", price="105.5", trigger_price="105")
    assert (stop_limit.type, stop_limit.price, stop_limit.trigger_price) == (
        OrderType.STOP_LIMIT, 211, 210)


def test_if_touched(factory: OrderFactory) -> None:
    mit = factory.market_if_touched(IID, BUY, "1", "90")
    assert (mit.type, mit.trigger_price, mit.price) == (OrderType.MARKET_IF_TOUCHED, 180, None)
    lit = factory.limit_if_touched(IID, SELL, "1", price="110", trigger_price="109.5")
    assert (lit.type, lit.price, lit.trigger_price) == (OrderType.LIMIT_IF_TOUCHED, 220, 219)


def test_trailing_stops(factory: OrderFactory) -> None:
    market = factory.trailing_stop_market(IID, SELL, "1", trailing_offset="2.5")
    assert (market.type, market.trailing_offset, market.trigger_price, market.price) == (
        OrderType.TRAILING_STOP_MARKET, 5, None, None)
    limit = factory.trailing_stop_limit(IID, BUY, "1", trailing_offset="1", limit_offset="0",
                                        trigger_price="101")
    assert (limit.type, limit.trailing_offset, limit.limit_offset, limit.trigger_price) == (
        OrderType.TRAILING_STOP_LIMIT, 2, 0, 202)


def test_link_oco_and_oto(factory: OrderFactory) -> None:
    a, b, c = (factory.limit(IID, SELL, 1, p) for p in ("110", "111", "112"))
    factory.link_oco(a, b, c)
    assert a.contingency == ContingencyType.OCO
    assert (a.linked_ids, b.linked_ids, c.linked_ids) == (
        ("S-2", "S-3"), ("S-1", "S-3"), ("S-1", "S-2"))
    parent = factory.market(IID, BUY, 1)
    child = factory.limit(IID, SELL, 1, "120")
    factory.link_oto(parent, child)
    assert (parent.contingency, parent.linked_ids, child.parent_id) == (
        ContingencyType.OTO, ("S-5",), "S-4")


def test_link_needs_enough_orders(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match="OCO group needs at least two orders"):
        factory.link_oco(factory.market(IID, BUY, 1))
    with pytest.raises(OrderError, match="OTO parent needs at least one child"):
        factory.link_oto(factory.market(IID, BUY, 1))


def test_bracket(factory: OrderFactory) -> None:
    entry = factory.limit(IID, BUY, "1.2", "100")
    orders = factory.bracket(entry, stop_loss="95", take_profit="110")
    entry_, stop, take = orders
    assert entry_ is entry
    assert (stop.type, stop.side, stop.quantity, stop.trigger_price, stop.reduce_only) == (
        OrderType.STOP_MARKET, SELL, 12, 190, True)
    assert (take.type, take.side, take.quantity, take.price, take.reduce_only) == (
        OrderType.LIMIT, SELL, 12, 220, True)
    assert entry.contingency == ContingencyType.OTO
    assert entry.linked_ids == (stop.order_id, take.order_id)
    assert stop.parent_id == take.parent_id == entry.order_id
    assert (stop.linked_ids, take.linked_ids) == ((take.order_id,), (stop.order_id,))


def test_bracket_with_one_exit_and_with_none(factory: OrderFactory) -> None:
    entry = factory.market(IID, SELL, "1")
    _, stop = factory.bracket(entry, stop_loss="105")
    assert (stop.side, stop.contingency, stop.parent_id) == (BUY, ContingencyType.NONE,
                                                             entry.order_id)
    with pytest.raises(OrderError, match="bracket needs a stop_loss, a take_profit or both"):
        factory.bracket(factory.market(IID, BUY, 1))


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "problem"), [
    ("100.2", "price '100.2'.*not a multiple of the increment 0.5"),
    (100.25, "price 100.25.*not a multiple of the increment 0.5"),
    (float("nan"), "price nan.*not a finite number"),
    ("abc", "price 'abc'.*expected a decimal number"),
    ("0", "price must be positive, was '0'"),
    ("-1", "price must be positive, was '-1'"),
])
def test_bad_limit_price(factory: OrderFactory, price: object, problem: str) -> None:
    with pytest.raises(OrderError, match=problem):
        factory.limit(IID, BUY, 1, price)  # type: ignore[arg-type]


@pytest.mark.parametrize(("quantity", "problem"), [
    (0, "quantity must be positive, was 0"),
    ("-1", "quantity must be positive, was '-1'"),
    ("0.25", "quantity '0.25'.*not a multiple of the increment 0.1"),
    (float("nan"), "quantity nan.*not a finite number"),
    (float("inf"), "quantity inf.*not a finite number"),
    ("0.1", "quantity 0.1 is below the minimum 0.2"),
    ("50.1", "quantity 50.1 is above the maximum 50"),
])
def test_bad_quantity(factory: OrderFactory, quantity: object, problem: str) -> None:
    with pytest.raises(OrderError, match=problem):
        factory.market(IID, BUY, quantity)  # type: ignore[arg-type]


def test_a_rejected_build_uses_no_order_id(factory: OrderFactory) -> None:
    with pytest.raises(OrderError):
        factory.market(IID, BUY, 0)
    assert factory.market(IID, BUY, 1).order_id == "S-1"


def test_off_tick_trigger_and_offsets(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match=r"trigger_price '95.1'.*increment 0.5"):
        factory.stop_market(IID, SELL, 1, "95.1")
    with pytest.raises(OrderError, match="trailing_offset must be positive, was '0'"):
        factory.trailing_stop_market(IID, SELL, 1, trailing_offset="0")
    with pytest.raises(OrderError, match=r"limit_offset '0.2'.*increment 0.5"):
        factory.trailing_stop_limit(IID, SELL, 1, trailing_offset="1", limit_offset="0.2")


def test_unknown_instrument(factory: OrderFactory) -> None:
    with pytest.raises(UnknownInstrumentError, match=r"unknown instrument ETHUSDT\.SIM.*"
                                                     r"registered: BTCUSDT\.SIM"):
        factory.market(InstrumentId.parse("ETHUSDT.SIM"), BUY, 1)


def test_bad_side(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match=r"side must be BUY or SELL, was <Side\.NONE: 0>"):
        factory.market(IID, Side.NONE, 1)


def test_gtd_needs_an_expiry_and_only_gtd_takes_one(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match=r"GTD order needs expire_ns .* was None"):
        factory.limit(IID, BUY, 1, "100", time_in_force=TimeInForce.GTD)
    with pytest.raises(OrderError, match=r"GTD order needs expire_ns .* was -5"):
        factory.limit(IID, BUY, 1, "100", time_in_force=TimeInForce.GTD, expire_ns=-5)
    with pytest.raises(OrderError, match="expire_ns is only for GTD orders, not GTC"):
        factory.limit(IID, BUY, 1, "100", expire_ns=10)


def test_gtd_expiry_may_be_a_numpy_integer(factory: OrderFactory) -> None:
    # timestamps read from arrays are numpy integers; they are whole ns all the same
    order = factory.limit(IID, BUY, 1, "100", time_in_force=TimeInForce.GTD,
                          expire_ns=np.int64(9_000))  # type: ignore[arg-type]
    assert order.expire_ns == 9_000 and type(order.expire_ns) is int


def test_unknown_time_in_force_names_it(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match=r"time in force 'gtx'.*gtc, ioc, fok, gtd, day"):
        factory.limit(IID, BUY, 1, "100", time_in_force="gtx")


@pytest.mark.parametrize("tif", [TimeInForce.GTD, TimeInForce.DAY])
def test_market_cannot_rest_until_a_time(factory: OrderFactory, tif: TimeInForce) -> None:
    with pytest.raises(OrderError, match=f"market order cannot be {tif.value.upper()}"):
        factory.market(IID, BUY, 1, time_in_force=tif)


@pytest.mark.parametrize("tif", [TimeInForce.IOC, TimeInForce.FOK])
def test_post_only_must_rest(factory: OrderFactory, tif: TimeInForce) -> None:
    with pytest.raises(OrderError, match="post-only order cannot be IOC or FOK"):
        factory.limit(IID, BUY, 1, "100", post_only=True, time_in_force=tif)


def test_post_only_is_for_limit_prices(factory: OrderFactory) -> None:
    with pytest.raises(OrderError, match="post_only applies to limit orders, not stop_market"):
        factory.stop_market(IID, BUY, 1, "100", post_only=True)


@pytest.mark.parametrize(("build", "problem"), [
    (lambda f: f.stop_market(IID, BUY, 1, "100", price="101"), "stop_market order takes no price"),
    (lambda f: f.market_if_touched(IID, BUY, 1, "100", limit_offset="1"),
     "market_if_touched order takes no limit_offset"),
    (lambda f: f.stop_limit(IID, BUY, 1, "100", "101", trailing_offset="1"),
     "stop_limit order takes no trailing_offset"),
    (lambda f: f.trailing_stop_market(IID, SELL, 1, "1", price="100"),
     "trailing_stop_market order takes no price"),
    (lambda f: f.trailing_stop_market(IID, SELL, 1, "1", limit_offset="1"),
     "trailing_stop_market order takes no limit_offset"),
])
def test_fields_that_make_no_sense_for_the_type(factory: OrderFactory, build: object,
                                                problem: str) -> None:
    with pytest.raises(OrderError, match=problem):
        build(factory)  # type: ignore[operator]
