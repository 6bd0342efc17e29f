"""DatabentoLoader on DBN files written here: metadata from databento_dbn, records by hand."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import databento_dbn
import numpy as np
import pytest
import zstandard

from sapphire.core.enums import OrderAction as O
from sapphire.core.enums import Side
from sapphire.core.errors import ConfigError, DataValidationError, IncrementError, SchemaError
from sapphire.data.loaders import DatabentoLoader
from sapphire.data.loaders.dbn_records import natural_size, record_dtype
from tests.unit.data.loaders.helpers import ESH4, T0, read_all, rows

PX = 1_000_000_000  # one unit of price in DBN fixed point
SNAP, LAST = 1, 2
ES_ID, OTHER_ID = 17077, 99


def _dbn(tmp_path, schema, records, *, name="f.dbn", mapped=True):
    mappings = [SimpleNamespace(raw_symbol="ESH4", intervals=[SimpleNamespace(
        start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 1, 2),
        symbol=str(ES_ID))])] if mapped else []
    metadata = databento_dbn.Metadata(
        dataset="GLBX.MDP3", schema=databento_dbn.Schema(schema), start=T0,
        stype_in=databento_dbn.SType.RAW_SYMBOL, stype_out=databento_dbn.SType.INSTRUMENT_ID,
        end=T0 + 86_400 * 10**9, symbols=["ESH4"], partial=[], not_found=[], mappings=mappings)
    layout = "ohlcv" if schema.startswith("ohlcv") else schema
    dtype = record_dtype(layout, natural_size(layout))
    array = np.zeros(len(records), dtype=dtype)
    rtype = {"mbo": 0xA0, "mbp-1": 0x01, "trades": 0x00, "ohlcv-1m": 0x21}[schema]
    for i, record in enumerate(records):
        array[i]["length"] = dtype.itemsize // 4
        array[i]["rtype"] = rtype
        array[i]["instrument_id"] = ES_ID
        for key, value in record.items():
            array[i][key] = value
    data = metadata.encode() + array.tobytes()
    path = tmp_path / name
    path.write_bytes(zstandard.ZstdCompressor().compress(data) if name.endswith(".zst") else data)
    return path


def _mbo(ts, action, side, price, size, order_id, seq, flags=0, **extra):
    return {"ts_event": ts, "ts_recv": ts + 5, "action": action, "side": side,
            "price": int(price * PX), "size": size, "order_id": order_id, "sequence": seq,
            "flags": flags, **extra}


MBO = [
    _mbo(T0, b"A", b"B", 4799.0, 2, 1, 682, 32),        # snapshot, own sequences
    _mbo(T0, b"A", b"A", 4800.25, 6, 2, 680, 32),
    _mbo(T0, b"A", b"B", 4798.75, 1, 3, 681, 32 | 128),
    _mbo(T0 + 9, b"A", b"B", 4799.0, 1, 4, 700, 0, instrument_id=OTHER_ID),
    _mbo(T0 + 10, b"F", b"A", 4800.25, 1, 2, 701),        # two fills of one order ...
    _mbo(T0 + 10, b"T", b"B", 4800.25, 2, 0, 701),
    _mbo(T0 + 10, b"F", b"A", 4800.25, 1, 2, 701),        # ... in one message: merged
    _mbo(T0 + 10, b"C", b"A", 4800.25, 2, 2, 701, 128),
    _mbo(T0 + 20, b"R", b"N", 0, 0, 0, 702, 128, price_undef=True),
]


def _mbo_records():
    records = [dict(r) for r in MBO]
    for record in records:
        if record.pop("price_undef", False):
            record["price"] = np.iinfo(np.int64).max
    return records


def test_mbo_rows(tmp_path):
    path = _dbn(tmp_path, "mbo", _mbo_records(), name="f.dbn.zst")
    r = T0 + 5
    assert rows(read_all(DatabentoLoader("mbo"), path, ESH4)) == [
        (T0, r, 682, 1, Side.BUY, O.ADD, 19196, 2, SNAP),
        (T0, r, 682, 2, Side.SELL, O.ADD, 19201, 6, SNAP),
        (T0, r, 682, 3, Side.BUY, O.ADD, 19195, 1, SNAP | LAST),
        (T0 + 10, r + 10, 701, 2, Side.SELL, O.FILL, 19201, 2, 0),
        (T0 + 10, r + 10, 701, 0, Side.BUY, O.TRADE, 19201, 2, 0),
        (T0 + 10, r + 10, 701, 2, Side.SELL, O.CANCEL, 19201, 2, LAST),
        (T0 + 20, r + 20, 702, 0, Side.NONE, O.CLEAR, 0, 0, LAST),
    ]


def test_mbo_chunks_end_with_a_venue_message(tmp_path):
    path = _dbn(tmp_path, "mbo", _mbo_records())
    chunks = list(DatabentoLoader("mbo").read(path, ESH4, chunk_rows=1))
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]


def test_explicit_instrument_id_without_symbology(tmp_path):
    path = _dbn(tmp_path, "mbo", _mbo_records(), mapped=False)
    with pytest.raises(ConfigError, match="instrument_id"):
        read_all(DatabentoLoader("mbo"), path, ESH4)
    table = read_all(DatabentoLoader("mbo", instrument_id=OTHER_ID), path, ESH4)
    assert table.column("order_id").to_pylist() == [4]


def test_off_tick_price_names_record_and_column(tmp_path):
    records = [*_mbo_records()[:3], _mbo(T0 + 10, b"A", b"B", 4799.1, 1, 9, 700, 128)]
    with pytest.raises(IncrementError, match=r"f\.dbn, row 4, column 'price'.*4799\.1"):
        read_all(DatabentoLoader("mbo"), _dbn(tmp_path, "mbo", records), ESH4)


def test_unknown_action_and_wrong_schema(tmp_path):
    records = [_mbo(T0, b"Z", b"B", 4799.0, 1, 9, 700, 128)]
    with pytest.raises(DataValidationError, match=r"f\.dbn, row 1, column 'action'"):
        read_all(DatabentoLoader("mbo"), _dbn(tmp_path, "mbo", records), ESH4)
    with pytest.raises(SchemaError, match="holds mbo records"):
        read_all(DatabentoLoader("trades"), _dbn(tmp_path, "mbo", records), ESH4)


def test_trades_and_quotes(tmp_path):
    trade = {"ts_event": T0, "ts_recv": T0 + 3, "price": 4800 * PX, "size": 3, "side": b"A",
             "action": b"T", "sequence": 5}
    table = read_all(DatabentoLoader("trades"), _dbn(tmp_path, "trades", [trade]), ESH4)
    assert rows(table) == [(T0, T0 + 3, 19200, 3, Side.SELL, "")]
    quote = {"ts_event": T0, "ts_recv": T0 + 3, "bid_px": 4800 * PX, "ask_px": 4800_25 * PX // 100,
             "bid_sz": 7, "ask_sz": 8, "price": 4800 * PX, "action": b"A", "side": b"B"}
    table = read_all(DatabentoLoader("mbp-1"), _dbn(tmp_path, "mbp-1", [quote]), ESH4)
    assert rows(table) == [(T0, T0 + 3, 19200, 19201, 7, 8)]


def test_ohlcv_bars_are_stamped_at_close(tmp_path):
    bar = {"ts_event": T0, "open": 4800 * PX, "high": 4801 * PX, "low": 4799 * PX,
           "close": 4800 * PX, "volume": 12}
    table = read_all(DatabentoLoader("ohlcv-1m"), _dbn(tmp_path, "ohlcv-1m", [bar]), ESH4)
    close = T0 + 60 * 10**9
    assert rows(table) == [(close, close, 19200, 19204, 19196, 19200, 12)]
