"""Every loader on the real vendor samples: exact row counts, first and last rows.

Expected values were read from the files by hand: times are the file's own text,
prices and sizes the file's numbers divided by the increments chosen below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from sapphire.core.enums import BookAction as A
from sapphire.core.enums import OrderAction as O
from sapphire.core.enums import Side
from sapphire.core.errors import DataValidationError
from sapphire.data.loaders import get_loader
from sapphire.data.validation import REPAIR, STRICT
from sapphire.model.instruments import SpotPair

REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"real data samples not found at {REAL}"),
]
SNAP, LAST = 1, 2


def ns(text: str) -> int:
    """Nanoseconds of an ISO time written with its offset (exact, no floats)."""
    moment = datetime.fromisoformat(text)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000


def us(count: int) -> int:
    return count * 1000


def spot(symbol: str, price: str, size: str) -> SpotPair:
    return SpotPair(id=symbol, quote_currency="USD", base_currency="X",
                    price_increment=Decimal(price), size_increment=Decimal(size))


BINANCE_T = ns("2021-01-08T00:00:00.278+00:00")
DEPTH = ns("2022-11-01T23:49:39.146+00:00")  # 1667346579146 ms
CASES = {
    "binance-trades": (
        "binance-trades", {}, "trades/binance-btcusdt-trades.parquet",
        spot("BTCUSDT.BINANCE", "0.01", "0.000001"), 2001,
        (BINANCE_T, BINANCE_T, 3943248, 263, Side.SELL, "553287559"),
        (ns("2021-01-08T00:00:46.355+00:00"),) * 2 + (3949176, 14596, Side.SELL, "553289559")),
    "binance-quotes": (
        "binance-quotes", {}, "quotes/binance-btcusdt-quotes.parquet",
        spot("BTCUSDT.BINANCE", "0.01", "0.000001"), 451,
        (ns("2021-01-08T00:00:01.076+00:00"),) * 2 + (3943299, 3943362, 3100, 66851),
        (ns("2021-01-08T00:00:46.674+00:00"),) * 2 + (3949097, 3949098, 131467, 884984)),
    "binance-depth-snap": (
        "binance-depth", {}, "book/binance-btcusdt-depth-snap.csv",
        spot("BTCUSDT.BINANCE", "0.01", "0.001"), 101,
        (DEPTH, DEPTH, 2098021528332, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (DEPTH, DEPTH, 2098021528332, Side.BUY, A.ADD, 2036590, 207, SNAP | LAST)),
    "bybit": (
        "bybit-orderbook", {}, "book/bybit-xrpusdt-ob500-2024-12-01.jsonl",
        spot("XRPUSDT.BYBIT", "0.0001", "1"), 3967,  # 1 CLEAR + 1000 levels + 2966 in deltas
        (us(1733011200589000), us(1733011200691000), 130020238981, Side.NONE, A.CLEAR, 0, 0,
         SNAP),
        (us(1733011205488000), us(1733011205490000), 130020252664, Side.SELL, A.DELETE, 20038,
         0, LAST)),
    "tardis-trades": (
        "tardis-trades", {}, "trades/tardis-bitmex-trades-XBTUSD.csv",
        spot("XBTUSD.BITMEX", "0.5", "1"), 10,
        (us(1583020803145000), us(1583020803307160), 17063, 2152, Side.SELL,
         "ccc3c1fa-212c-e8b0-1706-9b9c4f3d5ecf"),
        (us(1583020803276000), us(1583020803336743), 17063, 1, Side.SELL,
         "7cae8d7b-b69d-025b-cc3c-84b911f37a8a")),
    "tardis-l2": (
        "tardis-l2", {}, "book/tardis-deribit-incremental-L2-BTC-PERPETUAL.csv",
        spot("BTC-PERPETUAL.DERIBIT", "0.5", "10"), 16,
        (us(1585699200245000), us(1585699200355684), 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (us(1585699200245000), us(1585699200355684), 0, Side.SELL, A.ADD, 12857, 3995,
         SNAP | LAST)),
    "tardis-snapshot": (
        "tardis-snapshot", {}, "book/tardis-binance-futures-book-snapshot-25-BTCUSDT.csv",
        spot("BTCUSDT.BINANCE", "0.01", "0.001"), 10 * 51,
        (us(1598918403696000), us(1598918403810979), 0, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (us(1598918404005000), us(1598918404009468), 0, Side.BUY, A.ADD, 1165325, 1003,
         SNAP | LAST)),
    "histdata": (
        "histdata-quotes", {}, "quotes/histdata-eurusd-ticks-2020-01.csv",
        spot("EURUSD.HISTDATA", "0.00001", "1"), 9500,
        (ns("2020-01-01T17:00:00.065-05:00"),) * 2 + (112120, 112172, 0, 0),
        (ns("2020-01-01T23:00:52.125-05:00"),) * 2 + (112130, 112132, 0, 0)),
    "truefx": (
        "truefx-quotes", {}, "quotes/truefx-usdjpy-ticks-2013.csv",
        spot("USDJPY.TRUEFX", "0.001", "1"), 1000,
        (ns("2013-01-01T22:00:00.295+00:00"),) * 2 + (86655, 86728, 0, 0),
        (ns("2013-01-01T22:35:13.494+00:00"),) * 2 + (86836, 86854, 0, 0)),
    "btc-bars": (
        "bars-csv", {"bar_spec": "1-min-last", "tz": "UTC"},
        "bars/btc-perp-20211231-20220201_1m.csv", spot("BTCUSD.SIM", "0.001", "0.0000001"), 45031,
        (ns("2021-12-31T23:02:00+00:00"),) * 2 + (46319000, 46385000, 46319000, 46377000,
                                                  23004137295000),
        (ns("2022-02-01T05:32:00+00:00"),) * 2 + (38525000, 38546000, 38525000, 38544000,
                                                  6859069735000)),
    "fxcm-bid-bars": (
        "bars-csv", {"bar_spec": "1-min-bid"}, "bars/fxcm-gbpusd-m1-bid-2012.csv",
        spot("GBPUSD.FXCM", "0.00001", "1"), 30117,
        (ns("2012-02-01T00:01:00+00:00"),) * 2 + (157597, 157606, 157576, 157576, 0),
        (ns("2012-03-01T00:01:00+00:00"),) * 2 + (159206, 159211, 159194, 159208, 0)),
    "fxcm-ask-bars": (
        "bars-csv", {"bar_spec": "1-min-ask"}, "bars/fxcm-gbpusd-m1-ask-2012.csv",
        spot("GBPUSD.FXCM", "0.00001", "1"), 30117,
        (ns("2012-02-01T00:01:00+00:00"),) * 2 + (157608, 157610, 157585, 157585, 0),
        (ns("2012-03-01T00:01:00+00:00"),) * 2 + (159217, 159220, 159201, 159216, 0)),
    "databento-mbo": (
        "databento", {"schema": "mbo"}, "mbo/databento-esh4-glbx-mdp3-20231225.mbo.dbn.zst",
        spot("ESH4.GLBX", "0.25", "1"), 68767,  # 68,792 records, 25 repeated fills merged
        (1703422805243925307, 1703462400000000000, 682, 6412777162812, Side.BUY, O.ADD, 19196,
         2, SNAP),  # 4799.00 / 0.25
        (1703548799446724905, 1703548799446821072, 59585, 6412777285103, Side.SELL, O.MODIFY,
         19242, 1, LAST)),  # 4810.50 / 0.25
}


def _read(name, options, relative, instrument, policy=STRICT, chunk_rows=1_000_000):
    loader = get_loader(name, **options)
    chunks = list(loader.read(REAL / relative, instrument, policy=policy, chunk_rows=chunk_rows))
    return pa.concat_tables(chunks)


def _row(table: pa.Table, index: int) -> tuple:
    return tuple(table.column(name)[index].as_py() for name in table.column_names)


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_sample(case):
    name, options, relative, instrument, count, first, last = CASES[case]
    table = _read(name, options, relative, instrument)
    assert len(table) == count
    assert _row(table, 0) == first
    assert _row(table, -1) == last


@pytest.mark.parametrize("case", ["binance-trades", "databento-mbo", "bybit", "tardis-snapshot"])
def test_real_sample_in_small_chunks_is_the_same(case):
    name, options, relative, instrument, *_ = CASES[case]
    whole = _read(name, options, relative, instrument)
    assert _read(name, options, relative, instrument, chunk_rows=97).equals(whole)


def test_binance_depth_update_repeats_rows_and_needs_repair():
    """Lines 65-101 repeat lines 2-38 within one update id; line 101 ends the message."""
    instrument = spot("BTCUSDT.BINANCE", "0.01", "0.001")
    relative = "book/binance-btcusdt-depth-update.csv"
    with pytest.raises(DataValidationError, match=r"depth-update\.csv, row 64, .*duplicate"):
        _read("binance-depth", {}, relative, instrument)
    table = _read("binance-depth", {}, relative, instrument, policy=REPAIR)
    update = 1667347199939 * 10**6  # the file's timestamp column, in ms
    assert len(table) == 100 - 36
    assert _row(table, 0) == (update, update, 2098041696700, Side.SELL, A.DELETE, 2047280, 0, 0)
    assert _row(table, -1) == (update, update, 2098041696700, Side.SELL, A.UPDATE, 2087910,
                               10249, LAST)
