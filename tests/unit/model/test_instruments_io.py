"""Instruments to and from JSON, dicts and TOML files."""

from decimal import Decimal

import pytest

from sapphire.core.errors import ConfigError, InstrumentError
from sapphire.model import (
    Future,
    Perpetual,
    SpotPair,
    instrument_from_dict,
    instrument_from_json,
    instrument_to_dict,
    instrument_to_json,
    load_instruments,
)

PERP = Perpetual(
    id="BTCUSDT.BINANCE",
    quote_currency="USDT",
    base_currency="BTC",
    settlement_currency="USDT",
    price_increment="0.1",
    size_increment="0.001",
    maker_fee="0.0002",
    taker_fee="0.0004",
    initial_margin="0.05",
    maintenance_margin="0.004",
    min_quantity="0.001",
)


def test_to_dict_is_plain_data():
    data = instrument_to_dict(PERP)
    assert data["type"] == "perpetual"
    assert data["id"] == "BTCUSDT.BINANCE"
    assert data["price_increment"] == "0.1"
    assert data["max_quantity"] is None


def test_json_round_trip():
    assert instrument_from_json(instrument_to_json(PERP)) == PERP
    assert instrument_from_json(instrument_to_json(PERP).decode()) == PERP


def test_from_dict_rejects_unknown_field():
    data = {**instrument_to_dict(PERP), "leverage": 10}
    with pytest.raises(
        InstrumentError, match=r"invalid instrument BTCUSDT\.BINANCE: .*unknown field `leverage`"
    ):
        instrument_from_dict(data)


def test_from_dict_rejects_float_increment_and_bad_type():
    with pytest.raises(ConfigError, match=r"price_increment 0\.1 given as a float"):
        instrument_from_dict({**instrument_to_dict(PERP), "price_increment": 0.1})
    with pytest.raises(InstrumentError, match=r"invalid instrument BTCUSDT\.BINANCE"):
        instrument_from_dict({**instrument_to_dict(PERP), "type": "option"})
    with pytest.raises(InstrumentError, match="expected a table of fields"):
        instrument_from_dict(["BTCUSDT.BINANCE"])


def test_from_dict_runs_validation():
    with pytest.raises(InstrumentError, match="taker_fee must be a fraction"):
        instrument_from_dict({**instrument_to_dict(PERP), "taker_fee": "2"})


TOML = """
[[instrument]]
type = "spot"
id = "ETHUSDT.BINANCE"
quote_currency = "USDT"
base_currency = "ETH"
price_increment = "0.01"
size_increment = "0.0001"
taker_fee = 0.001

[[instrument]]
type = "future"
id = "ESH4.GLBX"
quote_currency = "USD"
underlying = "ES"
settlement_currency = "USD"
price_increment = "0.25"
size_increment = 1
multiplier = 50
expiry_ns = 1710460800000000000
"""


def test_load_instruments(tmp_path):
    path = tmp_path / "instruments.toml"
    path.write_text(TOML)
    spot, future = load_instruments(path)
    assert isinstance(spot, SpotPair) and isinstance(future, Future)
    assert spot.taker_fee == Decimal("0.001")
    assert future.price_to_tick("4750.25") == 19001
    assert future.multiplier == Decimal(50)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("[[instrument]\n", ConfigError, "invalid TOML"),
        ("[[instruments]]\n", ConfigError, r"unknown top-level keys \['instruments'\]"),
        ("instrument = 1\n", ConfigError, "must be an array of tables"),
        (TOML.replace('"0.01"', "0.01"), ConfigError, "instrument #1: .*given as a float"),
        (
            TOML.replace("multiplier = 50", "multiplier = 50\ncolour = 'red'"),
            InstrumentError,
            "instrument #2: .*unknown field `colour`",
        ),
    ],
)
def test_load_instruments_errors(tmp_path, text, error, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(error, match=message):
        load_instruments(path)
