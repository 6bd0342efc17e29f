"""Turning a table of file columns into a table of schema columns.

A :class:`ColumnMap` says which file column feeds each schema column and how to
read its timestamps and sides; the CSV, Parquet and vendor loaders all convert
through it, a whole chunk at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.enums import BookAction, DataType, OrderAction
from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.data.loaders.convert import (
    EPOCH_UNITS,
    check_symbol,
    check_timestamp_format,
    lots,
    sides,
    ticks,
    times_to_ns,
)
from sapphire.data.loaders.locate import Rows
from sapphire.data.schemas import ROLES, schema_for
from sapphire.model.instruments import Instrument

#: Labels read as a buyer (or a bid) and a seller (or an ask), in side and aggressor columns.
BUY_LABELS = ("buy", "Buy", "BUY", "b", "B", "bid", "Bid", "BID", "1")
SELL_LABELS = ("sell", "Sell", "SELL", "s", "S", "ask", "Ask", "ASK", "a", "A", "offer", "2")
NONE_LABELS = ("", "none", "NONE", "unknown", "0", "n", "N")

_TIMES = ("ts_event", "ts_init")
#: Schema columns a file may leave out, and what they become then.
_DEFAULTS: dict[str, object] = {
    "trade_id": "", "aggressor_side": 0, "sequence": 0, "flags": 0, "volume": 0,
}
_OPTIONAL_QUOTE_SIZES = ("bid_size", "ask_size")


@dataclass(frozen=True)
class ColumnMap:
    """Which file column feeds each schema column of ``data_type``, and how to read it.

    Parameters
    ----------
    data_type
        What the rows become.
    columns
        Schema column -> file column. ``ts_init`` may be left out (it is then
        ``ts_event``), and so may ``trade_id`` (empty), ``aggressor_side`` (NONE),
        ``sequence``, ``flags``, bar ``volume`` (0) and quote sizes (0 lots: unknown).
    timestamp
        ``iso``, ``s``/``ms``/``us``/``ns`` since the epoch, ``auto`` or a strptime format.
    tz
        Zone of timestamps that carry no offset (an IANA name or ``-05:00``).
    symbol
        A file column naming the instrument of each row, checked against the import.
    buy, sell, none
        Labels of the side and aggressor columns.
    """

    data_type: DataType
    columns: Mapping[str, str]
    timestamp: str = "iso"
    tz: str | None = None
    symbol: str | None = None
    buy: Collection[str] = BUY_LABELS
    sell: Collection[str] = SELL_LABELS
    none: Collection[str] = NONE_LABELS
    ts_shift_ns: int = 0
    _schema: pa.Schema = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_type", DataType(self.data_type))
        object.__setattr__(self, "columns", dict(self.columns))
        schema = schema_for(self.data_type)
        object.__setattr__(self, "_schema", schema)
        check_timestamp_format(self.timestamp, self.tz)
        unknown = [name for name in self.columns if name not in schema.names]
        if unknown:
            raise ConfigError(f"unknown {self.data_type} columns {unknown} in the column map; "
                              f"expected some of {schema.names}")
        missing = [name for name in schema.names if name not in self.columns
                   and not self._optional(name)]
        if missing:
            raise ConfigError(f"the column map for {self.data_type} lacks {missing}; "
                              f"it maps {sorted(self.columns)}")

    def _optional(self, name: str) -> bool:
        return (name == "ts_init" or name in _DEFAULTS
                or (self.data_type == DataType.QUOTES and name in _OPTIONAL_QUOTE_SIZES))

    @property
    def file_columns(self) -> list[str]:
        """The file columns read, each once."""
        names = list(dict.fromkeys(self.columns.values()))
        if self.symbol is not None and self.symbol not in names:
            names.append(self.symbol)
        return names

    @property
    def error_columns(self) -> dict[str, str]:
        """Schema column -> file column named in errors (``ts_init`` falls back to ``ts_event``)."""
        names = dict(self.columns)
        names.setdefault("ts_init", names["ts_event"])
        return names

    def csv_types(self) -> dict[str, pa.DataType]:
        """Arrow types to parse each file column of a CSV as (the fast path)."""
        types: dict[str, pa.DataType] = {}
        roles = ROLES[self.data_type]
        for name, source in self.columns.items():
            if name in _TIMES:
                types[source] = self._csv_time_type()
            elif name in roles.prices or name in roles.sizes:
                types[source] = pa.float64()
            elif name in ("sequence", "flags"):
                types[source] = pa.int64()
            elif name == "order_id":
                types[source] = pa.uint64()
            else:
                types[source] = pa.string()
        if self.symbol is not None:
            types[self.symbol] = pa.string()
        return types

    def _csv_time_type(self) -> pa.DataType:
        if self.timestamp == "iso":
            return pa.timestamp("ns", "UTC") if self.tz is None else pa.timestamp("ns")
        if self.timestamp == "s":
            return pa.float64()
        if self.timestamp in EPOCH_UNITS:
            return pa.int64()
        return pa.string()

    def convert(self, raw: pa.Table, instrument: Instrument, rows: Rows) -> pa.Table:
        """Return ``raw``'s rows in schema columns (not yet validated).

        Errors name the file's column and are placed in the file by ``rows``.
        """
        if self.symbol is not None:
            check_symbol(raw.column(self.symbol), instrument, self.symbol, rows)
        arrays: list[pa.Array] = []
        with rows.locating():
            for field_ in self._schema:
                arrays.append(self._column(field_, raw, instrument, arrays))
        return pa.Table.from_arrays(arrays, schema=self._schema)

    def _column(self, field_: pa.Field, raw: pa.Table, instrument: Instrument,
                done: list[pa.Array]) -> pa.Array:
        name = field_.name
        source = self.columns.get(name)
        n = raw.num_rows
        if source is None:
            if name == "ts_init":
                return done[0]
            value = _DEFAULTS.get(name, 0)
            return pa.array(np.full(n, value, dtype=object if isinstance(value, str)
                                    else field_.type.to_pandas_dtype()), field_.type)
        column = raw.column(source)
        roles = ROLES[self.data_type]
        if name in _TIMES:
            values = times_to_ns(column, self.timestamp, self.tz, source)
            return pa.array(values + self.ts_shift_ns if self.ts_shift_ns else values, pa.int64())
        if name in roles.prices:
            return pa.array(ticks(instrument, column, source), pa.int64())
        if name in roles.sizes:
            return pa.array(lots(instrument, column, source), pa.int64())
        if name in ("aggressor_side", "side"):
            return pa.array(sides(column, self.buy, self.sell, source, self.none), pa.int8())
        if name == "action":
            return pa.array(_actions(column, self.data_type, source), pa.int8())
        return _cast(column, field_.type, source)


def _actions(column: pa.ChunkedArray, data_type: DataType, name: str) -> np.ndarray:
    enum = BookAction if data_type == DataType.L2_DELTAS else OrderAction
    array = column.combine_chunks()
    if pa.types.is_integer(array.type):
        values = array.to_numpy(zero_copy_only=False)
        known = np.isin(values, [member.value for member in enum])
    else:
        text = pc.utf8_upper(pc.cast(array, pa.string()))
        names = [member.name for member in enum]
        codes = pc.index_in(text, value_set=pa.array(names))
        known = np.asarray(pc.is_valid(codes).to_numpy(zero_copy_only=False), dtype=bool)
        lookup = np.array([member.value for member in enum], dtype=np.int8)
        values = lookup[np.asarray(pc.fill_null(codes, 0).to_numpy(zero_copy_only=False))]
    if not known.all():
        row = int(np.argmin(known))
        raise DataValidationError(f"unknown action, expected one of {[m.name for m in enum]}",
                                  row=row + 1, column=name, value=array[row].as_py())
    return values.astype(np.int8)


def _cast(column: pa.ChunkedArray, type_: pa.DataType, name: str) -> pa.Array:
    array = column.combine_chunks()
    if array.null_count:
        row = int(np.argmax(pc.is_null(array).to_numpy(zero_copy_only=False)))
        raise DataValidationError("value is missing", row=row + 1, column=name)
    try:
        return pc.cast(array, type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataValidationError(f"cannot read as {type_}: {exc}", column=name) from None
