"""Instruments: construction, validation, tick/lot conversion and notional."""

from decimal import Decimal

import numpy as np
import pytest

from sapphire.core.enums import InstrumentKind
from sapphire.core.errors import ConfigError, IncrementError, InstrumentError
from sapphire.core.identifiers import InstrumentId
from sapphire.model import Equity, Future, FxPair, Perpetual, SpotPair


def spot(**overrides):
    fields = dict(
        id="BTCUSDT.BINANCE",
        quote_currency="USDT",
        base_currency="BTC",
        price_increment="0.01",
        size_increment="0.00001",
    )
    return SpotPair(**{**fields, **overrides})


def test_every_class_builds():
    built = [
        spot(),
        FxPair(
            id="EUR/USD.IDEALPRO",
            quote_currency="USD",
            base_currency="EUR",
            price_increment="0.00001",
            size_increment="1000",
        ),
        Perpetual(
            id="BTC-PERPETUAL.DERIBIT",
            quote_currency="USD",
            base_currency="BTC",
            settlement_currency="BTC",
            price_increment="0.5",
            size_increment="10",
            multiplier="10",
            is_inverse=True,
            initial_margin="0.1",
            maintenance_margin="0.05",
        ),
        Future(
            id="ESH4.GLBX",
            quote_currency="USD",
            underlying="ES",
            settlement_currency="USD",
            price_increment="0.25",
            size_increment="1",
            multiplier="50",
            expiry_ns=1_710_460_800 * 10**9,
        ),
        Equity(
            id="AAPL.XNAS",
            quote_currency="USD",
            price_increment="0.01",
            size_increment="1",
            isin="US0378331005",
        ),
    ]
    assert [i.kind for i in built] == [
        InstrumentKind.SPOT,
        InstrumentKind.FX,
        InstrumentKind.PERPETUAL,
        InstrumentKind.FUTURE,
        InstrumentKind.EQUITY,
    ]
    assert built[0].id == InstrumentId("BTCUSDT", "BINANCE")
    assert built[2].multiplier == Decimal("10")


def test_ticks_and_lots():
    instrument = spot()
    assert instrument.price_to_ticks(np.array([99999.99, 0.01])).tolist() == [9999999, 1]
    assert instrument.size_to_lots(np.array([0.00003, 1.5])).tolist() == [3, 150000]
    assert instrument.ticks_to_price(np.array([9999999])).tolist() == [99999.99]
    assert instrument.lots_to_size(np.array([150000])).tolist() == [1.5]
    assert instrument.price_to_tick("123.45") == 12345
    assert instrument.size_to_lot(0.00002) == 2


def test_off_tick_price_names_row_and_column():
    with pytest.raises(IncrementError, match=r"row 2, column 'bid_price'.*0.01 \(was 1.005\)"):
        spot().price_to_ticks(np.array([1.0, 1.005]), column="bid_price")
    with pytest.raises(IncrementError, match=r"row 1, column 'size'"):
        spot().size_to_lots(np.array([0.000001]))


def test_notional_linear_and_inverse():
    assert spot().notional(100.0, 2.0) == 200.0
    inverse = Perpetual(
        id="XBTUSD.BITMEX",
        quote_currency="USD",
        base_currency="XBT",
        settlement_currency="XBT",
        price_increment="0.5",
        size_increment="1",
        is_inverse=True,
    )
    assert inverse.notional(50_000.0, 100.0) == 0.002  # 100 USD of contracts at 50k USD/XBT


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"price_increment": 0.01}, ConfigError, "price_increment 0.01 given as a float"),
        ({"size_increment": "0"}, ConfigError, "expected a positive decimal"),
        ({"price_increment": "x"}, ConfigError, "invalid price_increment 'x'"),
        ({"multiplier": "0"}, InstrumentError, "multiplier must be positive, was 0"),
        ({"taker_fee": "1"}, InstrumentError, r"taker_fee must be a fraction in \(-1, 1\), was 1"),
        ({"maker_fee": "-1.5"}, InstrumentError, "maker_fee must be a fraction"),
        (
            {"initial_margin": "0.05", "maintenance_margin": "0.1"},
            InstrumentError,
            "expected 0 < maintenance_margin <= initial_margin <= 1, was 0.1 and 0.05",
        ),
        ({"maintenance_margin": "0"}, InstrumentError, "maintenance_margin"),
        ({"initial_margin": "1.5"}, InstrumentError, "initial_margin <= 1"),
        ({"min_quantity": "0"}, InstrumentError, "min_quantity must be positive, was 0"),
        ({"max_quantity": "0.000001"}, IncrementError, "not a multiple of the increment"),
        (
            {"min_quantity": "2", "max_quantity": "1"},
            InstrumentError,
            "min_quantity 2 exceeds max_quantity 1",
        ),
        ({"quote_currency": "usdt"}, InstrumentError, "invalid quote_currency 'usdt'"),
        ({"id": "BTCUSDT"}, ConfigError, "expected SYMBOL.VENUE"),
    ],
)
def test_invalid_fields(overrides, error, message):
    with pytest.raises(error, match=message):
        spot(**overrides)


def test_negative_maker_fee_is_a_rebate():
    assert spot(maker_fee="-0.0001", taker_fee=0.001).taker_fee == Decimal("0.001")


def test_future_expiry_after_activation():
    with pytest.raises(InstrumentError, match="expiry_ns 5 must follow activation_ns 10"):
        Future(
            id="ESH4.GLBX",
            quote_currency="USD",
            underlying="ES",
            settlement_currency="USD",
            price_increment="0.25",
            size_increment="1",
            expiry_ns=5,
            activation_ns=10,
        )


def test_frozen():
    with pytest.raises(AttributeError):
        spot().price_increment = Decimal("1")  # type: ignore[misc]
