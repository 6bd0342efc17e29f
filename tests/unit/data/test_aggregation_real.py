"""Parity of vectorised and incremental bars on real Binance trades and HistData quotes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq
import pytest

from sapphire.core.time import NS_PER_S, compact_to_ns, epoch_to_ns
from sapphire.data.aggregation import aggregate_bars
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import FxPair, Instrument, SpotPair

from .test_aggregation_parity import incremental_bars

REAL = Path(__file__).parents[3] / ".." / "shared" / "data" / "real"
TRADES = REAL / "trades" / "binance-btcusdt-trades.parquet"
QUOTES = REAL / "quotes" / "histdata-eurusd-ticks-2020-01.csv"

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"real market data samples not found at {REAL}"),
]

BTCUSDT = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                   price_increment="0.01", size_increment="0.000001")
EURUSD = FxPair(id="EURUSD.HISTDATA", quote_currency="USD", base_currency="EUR",
                price_increment="0.00001", size_increment="1")


@pytest.fixture(scope="module")
def trades() -> pa.Table:
    raw = pq.read_table(TRADES)
    ts = epoch_to_ns(raw.column("timestamp").cast(pa.int64()), "ms")
    return pa.table({
        "ts_event": ts,
        "price": BTCUSDT.price_to_ticks(raw.column("price").to_numpy(), column="price"),
        "size": BTCUSDT.size_to_lots(raw.column("quantity").to_numpy(), column="quantity"),
    })


@pytest.fixture(scope="module")
def quotes() -> pa.Table:
    names = ["timestamp", "bid", "ask", "volume"]
    raw = pv.read_csv(QUOTES, read_options=pv.ReadOptions(column_names=names),
                      convert_options=pv.ConvertOptions(column_types={"timestamp": pa.string()}))
    zeros = np.zeros(raw.num_rows, dtype=np.int64)
    return pa.table({
        "ts_event": compact_to_ns(raw.column("timestamp"), tz="-05:00"),
        "bid_price": EURUSD.price_to_ticks(raw.column("bid").to_numpy(), column="bid"),
        "ask_price": EURUSD.price_to_ticks(raw.column("ask").to_numpy(), column="ask"),
        "bid_size": zeros, "ask_size": zeros,  # HistData gives no sizes
    })


def rows(table: pa.Table) -> list[tuple[int, ...]]:
    names = ["ts_event", "open", "high", "low", "close", "volume"]
    return list(zip(*(table.column(n).to_pylist() for n in names), strict=True))


def replay(table: pa.Table, spec: BarSpec, instrument: Instrument) -> list[tuple[int, ...]]:
    names = ["price", "size"] if spec.price_type == "last" else [
        "bid_price", "ask_price", "bid_size", "ask_size"]
    columns = [table.column(n).to_numpy() for n in names]
    half = len(columns) // 2
    return incremental_bars(table.column("ts_event").to_numpy(), columns[:half], columns[half:],
                            spec, instrument)


@pytest.mark.parametrize("text", ["1-s-last", "1-min-last", "50-tick-last", "0.5-volume-last",
                                  "25000-value-last"])
def test_trade_bars_match_incremental(trades: pa.Table, text: str) -> None:
    spec = BarSpec.parse(text)
    bars = aggregate_bars(trades, spec, BTCUSDT)
    assert rows(bars) == replay(trades, spec, BTCUSDT)
    assert sum(bars.column("volume").to_pylist()) == sum(trades.column("size").to_pylist())


def test_one_second_trade_bars_cover_each_second_with_trades(trades: pa.Table) -> None:
    # The sample spans 46 s of trading: 47 distinct seconds hold trades.
    bars = aggregate_bars(trades, BarSpec.parse("1-s-last"), BTCUSDT)
    seconds = np.unique(trades.column("ts_event").to_numpy() // NS_PER_S)
    assert len(seconds) == bars.num_rows == 47
    assert bars.column("ts_event").to_pylist() == ((seconds + 1) * NS_PER_S).tolist()
    first = trades.column("price")[0].as_py()
    assert bars.column("open")[0].as_py() == first  # 39432.48 -> 3943248 ticks
    assert first == 3_943_248


@pytest.mark.parametrize("text", ["1-min-mid", "1-s-bid", "1-h-ask", "10-tick-mid"])
def test_quote_bars_match_incremental(quotes: pa.Table, text: str) -> None:
    spec = BarSpec.parse(text)
    assert rows(aggregate_bars(quotes, spec, EURUSD)) == replay(quotes, spec, EURUSD)


def test_mid_bars_keep_half_ticks(quotes: pa.Table) -> None:
    bars = aggregate_bars(quotes, BarSpec.parse("1-min-mid"), EURUSD)
    # First quote 1.12120 / 1.12172: mid 1.12146 is 224292 half-ticks of 0.00001.
    assert bars.column("open")[0].as_py() == 112_120 + 112_172
    odd = np.asarray(bars.column("close")) % 2 == 1
    assert odd.any()  # some mids fall on half a tick and are kept, not rounded
