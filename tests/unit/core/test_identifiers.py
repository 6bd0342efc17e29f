"""InstrumentId: parse, format, ordering and invalid input."""

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId


def test_parse_and_str():
    instrument = InstrumentId.parse(" BTCUSDT.BINANCE ")
    assert instrument == InstrumentId("BTCUSDT", "BINANCE")
    assert str(instrument) == "BTCUSDT.BINANCE"


def test_dots_belong_to_the_symbol():
    instrument = InstrumentId.parse("BRK.B.XNYS")
    assert (instrument.symbol, instrument.venue) == ("BRK.B", "XNYS")
    assert str(instrument) == "BRK.B.XNYS"


def test_symbols_with_punctuation():
    assert InstrumentId.parse("BTC-PERPETUAL.DERIBIT").symbol == "BTC-PERPETUAL"
    assert InstrumentId.parse("EUR/USD.IDEALPRO").symbol == "EUR/USD"


def test_hashable_and_ordered():
    a, b = InstrumentId("A", "X"), InstrumentId("B", "X")
    assert sorted([b, a]) == [a, b]
    assert len({a, InstrumentId.parse("A.X")}) == 1


@pytest.mark.parametrize("text", ["BTCUSDT", "BTCUSDT.", ".BINANCE", "", "."])
def test_parse_needs_symbol_and_venue(text):
    with pytest.raises(
        ConfigError, match=rf"invalid instrument id '{text}': expected SYMBOL.VENUE"
    ):
        InstrumentId.parse(text)


@pytest.mark.parametrize(
    ("symbol", "venue", "message"),
    [
        ("BTC USDT", "BINANCE", "invalid instrument symbol 'BTC USDT'"),
        ("-BTC", "BINANCE", "invalid instrument symbol '-BTC'"),
        ("BTC\n", "BINANCE", "invalid instrument symbol 'BTC\\\\n'"),
        ("BTC", "BIN.ANCE", "invalid venue 'BIN.ANCE'"),
        ("BTC", "", "invalid instrument venue ''"),
        ("BTC", 7, "invalid instrument venue 7"),
    ],
)
def test_invalid_parts(symbol, venue, message):
    with pytest.raises(ConfigError, match=message):
        InstrumentId(symbol, venue)


def test_parse_rejects_non_text():
    with pytest.raises(ConfigError, match="invalid instrument id 42"):
        InstrumentId.parse(42)
