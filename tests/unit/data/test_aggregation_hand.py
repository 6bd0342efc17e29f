"""Bars worked out by hand, for every unit and price type, from both aggregators."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.enums import DataType
from sapphire.core.time import NS_PER_S
from sapphire.data.aggregation import aggregate_bars, bar_price_scale, bar_threshold
from sapphire.data.aggregator import Bar, BarAggregator
from sapphire.data.bar_type import BarSpec
from sapphire.data.schemas import schema_for
from sapphire.model.instruments import Perpetual

# 2021-12-22 00:00:00 UTC: aligned to every time step used here.
T0 = 19_000 * 86_400 * NS_PER_S
S = NS_PER_S

INSTRUMENT = Perpetual(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                       settlement_currency="USDT", price_increment="0.01",
                       size_increment="0.001", multiplier="2")

# (time after T0 in ns, price in ticks, size in lots)
TRADES = [
    (S // 2, 100, 2), (9 * S // 10, 103, 1), (S, 101, 5), (S, 99, 1),
    (32 * S // 10, 102, 4), (61 * S, 98, 3), (3601 * S, 105, 2),
]

# (ts_event after T0, open, high, low, close, volume) per spec.
EXPECTED_TRADE_BARS = {
    "1-s-last": [(1 * S, 100, 103, 100, 103, 3), (2 * S, 101, 101, 99, 99, 6),
                 (4 * S, 102, 102, 102, 102, 4), (62 * S, 98, 98, 98, 98, 3),
                 (3602 * S, 105, 105, 105, 105, 2)],
    "2-s-last": [(2 * S, 100, 103, 99, 99, 9), (4 * S, 102, 102, 102, 102, 4),
                 (62 * S, 98, 98, 98, 98, 3), (3602 * S, 105, 105, 105, 105, 2)],
    "1-min-last": [(60 * S, 100, 103, 99, 102, 13), (120 * S, 98, 98, 98, 98, 3),
                   (3660 * S, 105, 105, 105, 105, 2)],
    "1-h-last": [(3600 * S, 100, 103, 98, 98, 16), (7200 * S, 105, 105, 105, 105, 2)],
    "1-d-last": [(86_400 * S, 100, 105, 98, 105, 18)],
    "3-tick-last": [(S, 100, 103, 100, 101, 8), (61 * S, 99, 102, 98, 98, 8),
                    (3601 * S, 105, 105, 105, 105, 2)],
    # 5 lots; the trade that crosses the threshold belongs wholly to the closing bar.
    "0.005-volume-last": [(S, 100, 103, 100, 101, 8), (32 * S // 10, 99, 102, 99, 102, 5),
                          (3601 * S, 98, 105, 98, 105, 5)],
    # 3 lots: reaching the threshold exactly closes the bar.
    "0.003-volume-last": [(9 * S // 10, 100, 103, 100, 103, 3), (S, 101, 101, 101, 101, 5),
                          (32 * S // 10, 99, 102, 99, 102, 5), (61 * S, 98, 98, 98, 98, 3),
                          (3601 * S, 105, 105, 105, 105, 2)],
    # A tick * lot is worth 0.01 * 0.001 * 2 = 0.00002 USDT: 0.0104 USDT is 520 of them.
    # Running value 200, 303, 808 | 99, 507, 801 | 210 (incomplete).
    "0.0104-value-last": [(S, 100, 103, 100, 101, 8), (61 * S, 99, 102, 98, 98, 8),
                          (3601 * S, 105, 105, 105, 105, 2)],
}

# (time after T0, bid, ask, bid size, ask size)
QUOTES = [(S // 5, 100, 101, 1, 2), (7 * S // 10, 100, 102, 3, 1), (3 * S // 2, 101, 102, 2, 2)]

EXPECTED_QUOTE_BARS = {
    # mid prices in half-ticks (bid + ask), volume bid_size + ask_size
    "1-s-mid": [(S, 201, 202, 201, 202, 7), (2 * S, 203, 203, 203, 203, 4)],
    "1-s-bid": [(S, 100, 100, 100, 100, 4), (2 * S, 101, 101, 101, 101, 2)],
    "1-s-ask": [(S, 101, 102, 101, 102, 3), (2 * S, 102, 102, 102, 102, 2)],
    "2-tick-mid": [(7 * S // 10, 201, 202, 201, 202, 7), (3 * S // 2, 203, 203, 203, 203, 4)],
    "0.004-volume-bid": [(7 * S // 10, 100, 100, 100, 100, 4), (3 * S // 2, 101, 101, 101, 101, 2)],
}


def trades_table(rows: list[tuple[int, int, int]]) -> pa.Table:
    ts, price, size = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    return pa.table({"ts_event": T0 + ts, "price": price, "size": size})


def quotes_table(rows: list[tuple[int, ...]]) -> pa.Table:
    columns = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    ts, bid, ask, bid_size, ask_size = columns
    return pa.table({"ts_event": T0 + ts, "bid_price": bid, "ask_price": ask,
                     "bid_size": bid_size, "ask_size": ask_size})


def shifted(expected: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    return [(T0 + ts, *rest) for ts, *rest in expected]


def table_rows(table: pa.Table) -> list[tuple[int, ...]]:
    names = ["ts_event", "open", "high", "low", "close", "volume"]
    return list(zip(*(table.column(n).to_pylist() for n in names), strict=True))


def vars_of(bar: Bar) -> tuple[int, ...]:
    return (bar.ts_event, bar.open, bar.high, bar.low, bar.close, bar.volume)


def incremental(spec: BarSpec, ticks: list[tuple[int, ...]]) -> list[Bar]:
    aggregator = BarAggregator(spec, INSTRUMENT)
    bars = []
    for ts, *values in ticks:
        update = aggregator.update_trade if len(values) == 2 else aggregator.update_quote
        bars += update(T0 + ts, *values)
    return bars + aggregator.flush()


@pytest.mark.parametrize("text", sorted(EXPECTED_TRADE_BARS))
def test_trade_bars_by_hand(text: str) -> None:
    spec = BarSpec.parse(text)
    expected = shifted(EXPECTED_TRADE_BARS[text])
    assert table_rows(aggregate_bars(trades_table(TRADES), spec, INSTRUMENT)) == expected
    assert [vars_of(bar) for bar in incremental(spec, TRADES)] == expected


@pytest.mark.parametrize("text", sorted(EXPECTED_QUOTE_BARS))
def test_quote_bars_by_hand(text: str) -> None:
    spec = BarSpec.parse(text)
    expected = shifted(EXPECTED_QUOTE_BARS[text])
    assert table_rows(aggregate_bars(quotes_table(QUOTES), spec, INSTRUMENT)) == expected
    assert [vars_of(bar) for bar in incremental(spec, QUOTES)] == expected


def test_bars_table_has_the_bars_schema_and_records_the_price_scale() -> None:
    table = aggregate_bars(quotes_table(QUOTES), BarSpec.parse("1-s-mid"), INSTRUMENT)
    assert table.schema.equals(schema_for(DataType.BARS))
    assert table.schema.metadata == {b"price_scale": b"2", b"bar_spec": b"1-s-mid"}
    assert table.column("ts_init").to_pylist() == table.column("ts_event").to_pylist()


def test_price_scale_is_two_only_for_mid() -> None:
    assert [bar_price_scale(p) for p in ("mid", "bid", "ask", "last")] == [2, 1, 1, 1]


@pytest.mark.parametrize(("text", "threshold"), [
    ("7-tick-last", 7), ("0.005-volume-last", 5), ("0.0045-volume-last", 5),
    ("0.0104-value-last", 520), ("0.0104-value-mid", 1040), ("0.01041-value-last", 521),
])
def test_threshold_is_exact(text: str, threshold: int) -> None:
    assert bar_threshold(BarSpec.parse(text), INSTRUMENT) == threshold
