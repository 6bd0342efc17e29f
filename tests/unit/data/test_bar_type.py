"""BarSpec and BarType: parse, format, step length and bad specs."""

from decimal import Decimal

import pytest

from sapphire.core.enums import BarSource, BarUnit, PriceType
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.data.bar_type import BarSpec, BarType


@pytest.mark.parametrize(
    "text",
    [
        "1-min-last",
        "500-volume-mid",
        "0.5-value-bid",
        "100-tick-ask",
        "15-s-last",
        "4-h-mid",
        "1-d-last",
    ],
)
def test_spec_round_trip(text):
    assert str(BarSpec.parse(text)) == text


def test_spec_fields_and_normalised_step():
    spec = BarSpec.parse("1.0-min-last")
    assert (spec.step, spec.unit, spec.price_type) == (Decimal(1), BarUnit.MINUTE, PriceType.LAST)
    assert str(spec) == "1-min-last"
    assert str(BarSpec.parse("1e3-tick-last")) == "1000-tick-last"
    assert BarSpec("5", "s", "mid") == BarSpec.parse("5-s-mid")


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("1-min-last", 60 * 10**9),
        ("15-s-mid", 15 * 10**9),
        ("4-h-last", 4 * 3600 * 10**9),
        ("1-d-last", 86400 * 10**9),
    ],
)
def test_step_ns(text, ns):
    assert BarSpec.parse(text).step_ns == ns


def test_step_ns_needs_time_bars():
    with pytest.raises(ConfigError, match="tick bars have no fixed length in time"):
        _ = BarSpec.parse("100-tick-last").step_ns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1-min", "expected STEP-UNIT-PRICE"),
        ("1-min-last-x", "expected STEP-UNIT-PRICE"),
        ("x-min-last", "step must be a number"),
        ("1-week-last", "unit one of"),
        ("1-min-close", "price one of"),
        ("0-min-last", "bar step must be positive, was 0"),
        ("-1-min-last", "expected STEP-UNIT-PRICE"),
        ("1.5-min-last", "min bars need a whole step, was 1.5"),
        ("2.5-tick-last", "tick bars need a whole step"),
        ("inf-volume-last", "finite"),
        ("nan-tick-last", "finite"),
    ],
)
def test_bad_specs(text, message):
    with pytest.raises(ConfigError, match=message):
        BarSpec.parse(text)


def test_float_step_rejected():
    with pytest.raises(ConfigError, match="given as a float"):
        BarSpec(0.5, BarUnit.VALUE, PriceType.LAST)


@pytest.mark.parametrize(
    "text",
    [
        "BTCUSDT.BINANCE-1-min-last-external",
        "BTC-PERPETUAL.DERIBIT-100-tick-mid-internal",
        "BRK.B.XNYS-1-d-last-external",
    ],
)
def test_bar_type_round_trip(text):
    assert str(BarType.parse(text)) == text


def test_bar_type_fields():
    bar_type = BarType.parse("BTC-USD.COINBASE-5-min-bid-external")
    assert bar_type.instrument_id == InstrumentId("BTC-USD", "COINBASE")
    assert bar_type.spec == BarSpec.parse("5-min-bid")
    assert bar_type.source is BarSource.EXTERNAL
    assert BarType(InstrumentId("A", "X"), BarSpec.parse("1-s-last")).source is BarSource.INTERNAL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BTCUSDT.BINANCE-1-min-last", "invalid bar type 'BTCUSDT.BINANCE-1-min-last'"),
        (
            "BTCUSDT.BINANCE-1-min-last-vendor",
            "invalid bar type .*INSTRUMENT-STEP-UNIT-PRICE-SOURCE",
        ),
        ("BTCUSDT-1-min-last-external", "expected SYMBOL.VENUE"),
        ("BTCUSDT.BINANCE-1-week-last-external", "unit one of"),
    ],
)
def test_bad_bar_types(text, message):
    with pytest.raises(ConfigError, match=message):
        BarType.parse(text)
