"""ParquetLoader and the Binance Parquet loaders on tiny hand-written files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sapphire.core.errors import DataValidationError, SchemaError, UnknownInstrumentError
from sapphire.data.loaders import BinanceQuotesLoader, BinanceTradesLoader, ParquetLoader
from tests.unit.data.loaders.helpers import BTCUSDT, T0, read_all, rows

MS = 1_000_000


def _parquet(tmp_path, name, columns):
    path = tmp_path / name
    pq.write_table(pa.table(columns), path)
    return path


def _trades(tmp_path, buyer_maker=("True", "False"), prices=(42000.01, 42000.02)):
    stamps = pa.array([T0 // MS, T0 // MS + 1], pa.timestamp("ms", "UTC"))
    return _parquet(tmp_path, "t.parquet", {
        "timestamp": stamps, "trade_id": pa.array([7, 8]), "price": pa.array(prices),
        "quantity": pa.array([0.001, 0.25]), "buyer_maker": pa.array(buyer_maker)})


def test_binance_trades_buyer_maker_means_the_aggressor_sold(tmp_path):
    table = read_all(BinanceTradesLoader(), _trades(tmp_path), BTCUSDT)
    assert rows(table) == [(T0, T0, 4200001, 1, 2, "7"), (T0 + MS, T0 + MS, 4200002, 250, 1, "8")]


def test_binance_trades_bad_values_name_the_row_and_column(tmp_path):
    with pytest.raises(DataValidationError, match=r"t\.parquet, row 2, column 'buyer_maker'"):
        read_all(BinanceTradesLoader(), _trades(tmp_path, buyer_maker=("True", "maybe")), BTCUSDT)
    with pytest.raises(DataValidationError, match=r"t\.parquet, row 1, column 'price'.*positive"):
        read_all(BinanceTradesLoader(), _trades(tmp_path, prices=(0.0, 1.0)), BTCUSDT)


def _quotes(tmp_path, symbols=("BTC/USDT", "BTC/USDT")):
    return _parquet(tmp_path, "q.parquet", {
        "timestamp": pa.array([T0 // MS, T0 // MS + 2], pa.timestamp("ms", "UTC")),
        "symbol": pa.array(symbols), "ask_size": pa.array([1.5, 2.0]),
        "ask": pa.array([42000.02, 42000.03]), "bid_size": pa.array([0.5, 0.0]),
        "bid": pa.array([42000.01, 42000.0])})


def test_binance_quotes(tmp_path):
    table = read_all(BinanceQuotesLoader(), _quotes(tmp_path), BTCUSDT)
    assert rows(table) == [(T0, T0, 4200001, 4200002, 500, 1500),
                           (T0 + 2 * MS, T0 + 2 * MS, 4200000, 4200003, 0, 2000)]


def test_binance_quotes_of_another_symbol_are_rejected(tmp_path):
    with pytest.raises(UnknownInstrumentError, match=r"q\.parquet, row 2, column 'symbol'.*ETH"):
        read_all(BinanceQuotesLoader(), _quotes(tmp_path, ("BTC/USDT", "ETH/USDT")), BTCUSDT)


def test_parquet_missing_column_lists_the_columns_found(tmp_path):
    path = _parquet(tmp_path, "x.parquet", {"timestamp": pa.array([1]), "price": pa.array([1.0])})
    with pytest.raises(SchemaError, match=r"x\.parquet: missing column 'trade_id'.*'price'"):
        read_all(BinanceTradesLoader(), path, BTCUSDT)


def test_generic_parquet_with_epoch_microseconds(tmp_path):
    path = _parquet(tmp_path, "g.parquet", {
        "us": pa.array([T0 // 1000, T0 // 1000 + 1]), "p": pa.array([1.5, 1.25]),
        "q": pa.array([2.0, 3.0])})
    loader = ParquetLoader("trades", {"ts_event": "us", "price": "p", "size": "q"},
                           timestamp="us")
    assert rows(read_all(loader, path, BTCUSDT)) == [
        (T0, T0, 150, 2000, 0, ""), (T0 + 1000, T0 + 1000, 125, 3000, 0, "")]


def test_parquet_disorder_across_chunks_names_the_row(tmp_path):
    path = _parquet(tmp_path, "g.parquet", {
        "us": pa.array([3, 4, 5, 1]), "p": pa.array([1.5] * 4), "q": pa.array([1.0] * 4)})
    loader = ParquetLoader("trades", {"ts_event": "us", "price": "p", "size": "q"},
                           timestamp="us")
    with pytest.raises(DataValidationError, match=r"g\.parquet, row 4, column 'us'"):
        read_all(loader, path, BTCUSDT, chunk_rows=2)
