"""The loader registry: every loader by name, and errors naming what is known."""

from __future__ import annotations

import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.data.loaders import LOADERS, CsvLoader, DatabentoLoader, get_loader


def test_registry_names():
    assert sorted(LOADERS) == [
        "bars-csv", "binance-depth", "binance-quotes", "binance-trades", "bybit-orderbook", "csv",
        "databento", "histdata-quotes", "parquet", "tardis-l2", "tardis-snapshot",
        "tardis-trades", "truefx-quotes",
    ]
    assert all(cls.name == name for name, cls in LOADERS.items())


def test_get_loader_builds_with_text_options():
    loader = get_loader("csv", data_type="trades", columns={"ts_event": "t", "price": "p",
                                                             "size": "q"}, has_header="true")
    assert isinstance(loader, CsvLoader) and loader.data_type == DataType.TRADES
    databento = get_loader("databento", schema="trades", instrument_id="17077")
    assert isinstance(databento, DatabentoLoader) and databento.instrument_id == 17077
    assert databento.data_type == DataType.TRADES


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown loader 'nope'.*'binance-trades'"):
        get_loader("nope")


def test_unknown_option_is_a_config_error():
    with pytest.raises(ConfigError, match=r"loader 'binance-trades': invalid options \['tz'\]"):
        get_loader("binance-trades", tz="UTC")


def test_data_type_text_says_how_the_type_is_chosen():
    texts = {name: cls.data_type_text() for name, cls in LOADERS.items()}
    generic = "chosen with --data-type (trades, quotes, l2_deltas, l3_orders, bars)"
    assert texts["csv"] == texts["parquet"] == generic
    assert texts["databento"] == (
        "by the schema option (mbo: l3_orders, mbp-1: quotes, trades: trades, ohlcv-*: bars)")
    assert texts["binance-trades"] == "trades"
    assert texts["tardis-l2"] == "l2_deltas"
    assert texts["bars-csv"] == "bars"
