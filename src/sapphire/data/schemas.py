"""Arrow schemas of the market data types, used end to end as columns.

Prices are int64 ticks and sizes int64 lots of the instrument they belong to
(see :class:`~sapphire.model.instruments.Instrument`); timestamps are int64 UTC
nanoseconds. Small enumerations are int8 (:mod:`sapphire.core.enums`).

Column roles tell validation which rule applies to which column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from sapphire.core.enums import DataType
from sapphire.core.errors import SchemaError

#: Bumped whenever a stored schema changes shape; stored with every file.
SCHEMA_VERSION: Final = 1

_TS = [
    pa.field("ts_event", pa.int64(), nullable=False),
    pa.field("ts_init", pa.int64(), nullable=False),
]


def _fields(*pairs: tuple[str, pa.DataType]) -> list[pa.Field]:
    return [pa.field(name, type_, nullable=False) for name, type_ in pairs]


SCHEMAS: Final[dict[DataType, pa.Schema]] = {
    DataType.TRADES: pa.schema(_TS + _fields(
        ("price", pa.int64()), ("size", pa.int64()), ("aggressor_side", pa.int8()),
        ("trade_id", pa.string()),
    )),
    DataType.QUOTES: pa.schema(_TS + _fields(
        ("bid_price", pa.int64()), ("ask_price", pa.int64()),
        ("bid_size", pa.int64()), ("ask_size", pa.int64()),
    )),
    DataType.L2_DELTAS: pa.schema(_TS + _fields(
        ("sequence", pa.int64()), ("side", pa.int8()), ("action", pa.int8()),
        ("price", pa.int64()), ("size", pa.int64()), ("flags", pa.uint8()),
    )),
    DataType.L3_ORDERS: pa.schema(_TS + _fields(
        ("sequence", pa.int64()), ("order_id", pa.uint64()), ("side", pa.int8()),
        ("action", pa.int8()), ("price", pa.int64()), ("size", pa.int64()), ("flags", pa.uint8()),
    )),
    DataType.BARS: pa.schema(_TS + _fields(
        ("open", pa.int64()), ("high", pa.int64()), ("low", pa.int64()), ("close", pa.int64()),
        ("volume", pa.int64()),
    )),
}


@dataclass(frozen=True, slots=True)
class ColumnRoles:
    """Which columns of a data type hold prices, sizes, and the ordering key."""

    prices: tuple[str, ...]
    sizes: tuple[str, ...]
    #: Columns that order rows: rows must be non-decreasing in this key.
    order_by: tuple[str, ...]
    #: Sizes that must be strictly positive (others may be zero, e.g. a delete).
    positive_sizes: tuple[str, ...] = ()
    #: Prices that may be zero (a clear or a delete carries no price).
    zero_price_allowed: bool = False


ROLES: Final[dict[DataType, ColumnRoles]] = {
    DataType.TRADES: ColumnRoles(("price",), ("size",), ("ts_event",), positive_sizes=("size",)),
    DataType.QUOTES: ColumnRoles(
        ("bid_price", "ask_price"), ("bid_size", "ask_size"), ("ts_event",)
    ),
    DataType.L2_DELTAS: ColumnRoles(("price",), ("size",), ("ts_event", "sequence"),
                                    zero_price_allowed=True),
    DataType.L3_ORDERS: ColumnRoles(("price",), ("size",), ("ts_event", "sequence"),
                                    zero_price_allowed=True),
    DataType.BARS: ColumnRoles(("open", "high", "low", "close"), ("volume",), ("ts_event",)),
}


def schema_for(data_type: DataType | str) -> pa.Schema:
    """Return the Arrow schema of ``data_type``."""
    return SCHEMAS[DataType(data_type)]


def numpy_dtype(data_type: DataType | str) -> np.dtype:
    """Return the numpy structured dtype equivalent to the schema (strings as objects)."""
    fields = []
    for field in schema_for(data_type):
        kind = object if pa.types.is_string(field.type) else field.type.to_pandas_dtype()
        fields.append((field.name, kind))
    return np.dtype(fields)


def conform(table: pa.Table | pa.RecordBatch, data_type: DataType | str) -> pa.Table:
    """Return ``table`` with exactly the schema's columns, in order, cast safely.

    Raises
    ------
    SchemaError
        A column is missing, an extra column is present, a value is null, or a
        cast would lose information; the message names the column.
    """
    data_type = DataType(data_type)
    schema = SCHEMAS[data_type]
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    repeated = sorted({name for name in table.column_names if table.column_names.count(name) > 1})
    if repeated:
        raise SchemaError(f"{data_type} data has repeated columns {repeated}; expected each once")
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise SchemaError(f"{data_type} data is missing columns {missing}; expected {schema.names}")
    extra = [name for name in table.column_names if name not in schema.names]
    if extra:
        raise SchemaError(
            f"{data_type} data has unexpected columns {extra}; expected {schema.names}"
        )
    columns = []
    for field in schema:
        column = table.column(field.name)
        if column.null_count:
            raise SchemaError(
                f"{data_type} column '{field.name}' has {column.null_count} missing values"
            )
        if column.type != field.type:
            try:
                if pa.types.is_timestamp(column.type):  # count nanoseconds, whatever its unit
                    column = column.cast(pa.timestamp("ns", column.type.tz), safe=True)
                column = column.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise SchemaError(
                    f"{data_type} column '{field.name}' has type {column.type}, "
                    f"expected {field.type}: {exc}"
                ) from None
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def empty_table(data_type: DataType | str) -> pa.Table:
    """Return a table of ``data_type`` with no rows."""
    return schema_for(data_type).empty_table()
