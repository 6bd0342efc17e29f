"""Bad input to bar aggregation: each case raises a typed error naming what was wrong."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.enums import BarUnit, PriceType
from sapphire.core.errors import ConfigError, DataValidationError, SchemaError
from sapphire.core.time import NS_PER_S
from sapphire.data.aggregation import aggregate_arrays, aggregate_bars
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import Perpetual, SpotPair

SPOT = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                price_increment="0.01", size_increment="0.001")
INVERSE = Perpetual(id="XBTUSD.BITMEX", quote_currency="USD", base_currency="XBT",
                    settlement_currency="XBT", price_increment="0.5", size_increment="1",
                    is_inverse=True)
SPECS = ["1-s-last", "1-min-last", "2-tick-last", "0.002-volume-last", "0.001-value-last"]


def trades(ts: list[int]) -> pa.Table:
    n = len(ts)
    return pa.table({"ts_event": pa.array(ts, pa.int64()), "price": np.full(n, 100),
                     "size": np.full(n, 1)})


@pytest.mark.parametrize(("step", "unit"), [
    ("0", BarUnit.SECOND), ("-1", BarUnit.TICK), ("1.5", BarUnit.MINUTE), ("0", BarUnit.VALUE),
])
def test_non_positive_or_fractional_steps_are_rejected(step: str, unit: BarUnit) -> None:
    with pytest.raises(ConfigError, match=f"step.*was {step}"):
        BarSpec(Decimal(step), unit, PriceType.LAST)


@pytest.mark.parametrize("text", SPECS)
def test_unsorted_input_names_the_row(text: str) -> None:
    with pytest.raises(DataValidationError, match=r"row 3, column 'ts_event'.*backwards.*was 1"):
        aggregate_bars(trades([0, 2, 1, 5]), BarSpec.parse(text), SPOT)


def test_unsorted_input_is_found_past_many_time_bars() -> None:
    # The last timestamp is early, so fewer bars were expected than the sorted prefix makes.
    ts = [i * NS_PER_S for i in range(11)] + [NS_PER_S // 2]
    with pytest.raises(DataValidationError, match="row 12, column 'ts_event'"):
        aggregate_bars(trades(ts), BarSpec.parse("1-s-last"), SPOT)


@pytest.mark.parametrize("text", [*SPECS, "1-s-mid"])
def test_empty_input_gives_an_empty_bars_table(text: str) -> None:
    columns = ["ts_event", "price", "size", "bid_price", "ask_price", "bid_size", "ask_size"]
    empty = pa.table({name: pa.array([], pa.int64()) for name in columns})
    bars = aggregate_bars(empty, BarSpec.parse(text), SPOT)
    assert bars.num_rows == 0
    assert bars.column_names == ["ts_event", "ts_init", "open", "high", "low", "close", "volume"]


def test_quote_bars_need_quote_columns() -> None:
    with pytest.raises(SchemaError, match="bars need column 'bid_price'"):
        aggregate_bars(trades([0]), BarSpec.parse("1-s-mid"), SPOT)


def test_float_prices_are_rejected_not_truncated() -> None:
    table = pa.table({"ts_event": [0], "price": [100.5], "size": [1]})
    with pytest.raises(SchemaError, match=r"column 'price' must be integer.*double"):
        aggregate_bars(table, BarSpec.parse("1-s-last"), SPOT)


def test_null_values_are_rejected() -> None:
    table = pa.table({"ts_event": [0, 1], "price": pa.array([100, None], pa.int64()),
                      "size": [1, 1]})
    with pytest.raises(SchemaError, match="column 'price' has 1 missing values"):
        aggregate_bars(table, BarSpec.parse("1-s-last"), SPOT)


def test_mid_needs_two_price_arrays() -> None:
    one = np.array([1], dtype=np.int64)
    with pytest.raises(ConfigError, match="mid bars need 2 price and 2 size arrays, got 1 and 1"):
        aggregate_arrays(one, [one], [one], BarSpec.parse("1-s-mid"), SPOT)


def test_arrays_of_different_lengths_are_rejected() -> None:
    with pytest.raises(SchemaError, match="one length"):
        aggregate_arrays(np.array([0, 1]), [np.array([1])], [np.array([1, 1])],
                         BarSpec.parse("1-s-last"), SPOT)


def test_value_bars_of_an_inverse_instrument_are_rejected() -> None:
    with pytest.raises(ConfigError, match=r"XBTUSD\.BITMEX is inverse"):
        aggregate_bars(trades([0]), BarSpec.parse("100-value-last"), INVERSE)


def test_value_bars_that_could_overflow_are_rejected() -> None:
    table = pa.table({"ts_event": [0], "price": [2**40], "size": [2**30]})
    with pytest.raises(ConfigError, match="could overflow int64"):
        aggregate_bars(table, BarSpec.parse("1-value-last"), SPOT)
