"""Arrow schemas and conform()."""

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import SchemaError
from sapphire.data.schemas import ROLES, SCHEMAS, conform, empty_table, numpy_dtype, schema_for


def trades(**columns):
    base = {
        "ts_event": [1, 2],
        "ts_init": [1, 2],
        "price": [100, 101],
        "size": [1, 2],
        "aggressor_side": [1, 2],
        "trade_id": ["a", "b"],
    }
    base.update(columns)
    return pa.table({k: v for k, v in base.items() if v is not None})


def test_every_data_type_has_a_schema_and_roles():
    assert set(SCHEMAS) == set(DataType) == set(ROLES)
    for data_type in DataType:
        names = schema_for(data_type.value).names
        assert names[:2] == ["ts_event", "ts_init"]
        assert set(ROLES[data_type].prices) <= set(names)
        assert set(ROLES[data_type].order_by) <= set(names)
        assert empty_table(data_type).num_rows == 0


def test_conform_reorders_and_casts_safely():
    table = trades().select(["trade_id", "size", "price", "aggressor_side", "ts_init", "ts_event"])
    table = table.set_column(1, "size", pa.array([1, 2], pa.int32()))
    out = conform(table, "trades")
    assert out.schema == schema_for(DataType.TRADES)
    assert out.column("size").to_pylist() == [1, 2]
    assert out.column("trade_id").to_pylist() == ["a", "b"]


def test_conform_accepts_record_batch_and_whole_floats():
    batch = trades(price=pa.array([100.0, 101.0])).to_batches()[0]
    assert conform(batch, DataType.TRADES).column("price").to_pylist() == [100, 101]


def test_timestamp_columns_become_nanoseconds():
    stamps = pa.array([1, 2], pa.timestamp("ms", "UTC"))
    out = conform(trades(ts_event=stamps), DataType.TRADES)
    assert out.column("ts_event").to_pylist() == [1_000_000, 2_000_000]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (trades(trade_id=None), r"trades data is missing columns \['trade_id'\]"),
        (trades(venue=["x", "y"]), r"trades data has unexpected columns \['venue'\]"),
        (trades(price=pa.array([1, None], pa.int64())), "column 'price' has 1 missing values"),
        (trades(price=pa.array([1.5, 2.0])), "column 'price' has type double, expected int64"),
        (trades(aggressor_side=[1, 300]), "column 'aggressor_side' has type int64, expected int8"),
        (trades(size=["1", "x"]), "column 'size' has type string, expected int64"),
    ],
)
def test_conform_errors(table, message):
    with pytest.raises(SchemaError, match=message):
        conform(table, DataType.TRADES)


def test_repeated_column():
    table = trades()
    table = table.append_column("price", pa.array([1, 2]))
    with pytest.raises(SchemaError, match=r"repeated columns \['price'\]"):
        conform(table, DataType.TRADES)


def test_numpy_dtype():
    dtype = numpy_dtype(DataType.L3_ORDERS)
    assert dtype["order_id"] == "uint64" and dtype["flags"] == "uint8"
    assert numpy_dtype("trades")["trade_id"] == np.dtype(object)
