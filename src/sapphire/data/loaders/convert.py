"""Column conversions shared by the loaders: timestamps, prices, sizes, sides, symbols.

Every function works on a whole column at once and raises errors that name the
1-based row within the column and the file's column; the caller places them in the
file with :meth:`Rows.locating <sapphire.data.loaders.locate.Rows.locating>`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.enums import Side
from sapphire.core.errors import (
    ConfigError,
    DataValidationError,
    SchemaError,
    UnknownInstrumentError,
)
from sapphire.core.time import compact_to_ns, epoch_to_ns, iso_to_ns, strptime_to_ns
from sapphire.data.loaders.locate import Rows
from sapphire.model.instruments import Instrument

EPOCH_UNITS = ("s", "ms", "us", "ns")
#: Timestamp formats: ISO 8601 text, an epoch count in a unit, ``auto`` (either, guessed),
#: ``compact`` (HistData's ``YYYYMMDD HHMMSSmmm``, needs a zone) or a strptime format.
TIMESTAMP_FORMATS = ("iso", "auto", "compact", *EPOCH_UNITS)


def check_timestamp_format(timestamp: str, tz: str | None) -> str:
    """Return ``timestamp`` if it is a known format or a strptime format (which needs ``tz``)."""
    if timestamp == "compact" and tz is None:
        raise ConfigError("timestamp format 'compact' needs the zone of its times: pass tz")
    if timestamp in TIMESTAMP_FORMATS:
        return timestamp
    if "%" not in timestamp:
        raise ConfigError(f"unknown timestamp format {timestamp!r}: expected one of "
                          f"{list(TIMESTAMP_FORMATS)} or a strptime format such as '%Y%m%d %H%M%S'")
    if tz is None:
        raise ConfigError(f"timestamp format {timestamp!r} needs the zone of its times: pass tz")
    return timestamp


def require_columns(found: Sequence[str], needed: Collection[str], source: str) -> None:
    """Raise :class:`SchemaError` naming the first column of ``needed`` missing from ``found``."""
    for name in needed:
        if name not in found:
            raise SchemaError(
                f"{source}: missing column '{name}'; the file has columns {list(found)}")


def times_to_ns(column: pa.Array | pa.ChunkedArray, timestamp: str, tz: str | None,
                name: str) -> np.ndarray:
    """Convert a timestamp column (text, epoch counts or Arrow timestamps) to int64 UTC ns.

    ``timestamp`` says how to read text or numbers; Arrow timestamps without a zone
    are read in ``tz``.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = array.type
    if pa.types.is_timestamp(kind):
        return _arrow_times(array, tz, name)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        unit = timestamp if timestamp in EPOCH_UNITS else "auto"
        return epoch_to_ns(array, unit, column=name)  # type: ignore[arg-type]
    if timestamp in EPOCH_UNITS:
        return epoch_to_ns(to_float(array, name), timestamp, column=name)  # type: ignore[arg-type]
    if timestamp == "auto" and len(array) and pc.all(pc.utf8_is_digit(array)).as_py():
        return epoch_to_ns(pc.cast(array, pa.int64()), "auto", column=name)
    if timestamp in ("iso", "auto"):
        return iso_to_ns(array, tz=tz, column=name)
    assert tz is not None  # checked by check_timestamp_format
    if timestamp == "compact":
        return compact_to_ns(array, tz=tz, column=name)
    return strptime_to_ns(array, timestamp, tz=tz, column=name)


def _arrow_times(array: pa.Array, tz: str | None, name: str) -> np.ndarray:
    if array.null_count:
        _raise_first(pc.is_null(array), name, "timestamp is missing")
    if array.type.tz is None:
        if tz is None:
            raise DataValidationError("timestamps have no time zone: pass tz", column=name)
        try:
            array = pc.assume_timezone(array, tz)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataValidationError(f"cannot place timestamps in zone {tz!r}: {exc}",
                                      column=name) from None
    nanos = pc.cast(array, pa.timestamp("ns", "UTC")) if array.type.unit != "ns" else array
    return np.asarray(nanos.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def to_float(column: pa.Array | pa.ChunkedArray, name: str) -> np.ndarray:
    """Return a numeric or text column as float64 (a missing value is NaN)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_floating(array.type):
        try:
            array = pc.cast(array, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = pc.is_null(pc.cast(array, pa.float64(), safe=False)) if not (
                pa.types.is_string(array.type) or pa.types.is_large_string(array.type)) else \
                pc.invert(pc.match_substring_regex(
                    array, r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"))
            _raise_first(bad, name, "not a number", array)
            raise
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def ticks(instrument: Instrument, column: pa.Array | pa.ChunkedArray | np.ndarray,
          name: str) -> np.ndarray:
    """Convert prices to the instrument's int64 ticks (exactly, or IncrementError)."""
    values = column if isinstance(column, np.ndarray) else to_float(column, name)
    return instrument.price_to_ticks(values, column=name)


def lots(instrument: Instrument, column: pa.Array | pa.ChunkedArray | np.ndarray,
         name: str) -> np.ndarray:
    """Convert sizes to the instrument's int64 lots (exactly, or IncrementError)."""
    values = column if isinstance(column, np.ndarray) else to_float(column, name)
    return instrument.size_to_lots(values, column=name)


def sides(column: pa.Array | pa.ChunkedArray, buy: Collection[str], sell: Collection[str],
          name: str, none: Collection[str] = ()) -> np.ndarray:
    """Map side labels to :class:`Side` codes (int8); an unknown label is an error."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    out = np.full(len(array), -1, dtype=np.int8)
    for labels, side in ((buy, Side.BUY), (sell, Side.SELL), (none, Side.NONE)):
        if labels:
            hit = pc.is_in(array, value_set=pa.array(list(labels), pa.string()))
            out[np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)] = side
    bad = out < 0
    if bad.any():
        row = int(np.argmax(bad))
        expected = sorted({*buy, *sell, *none})
        raise DataValidationError(f"unknown side, expected one of {expected}", row=row + 1,
                                  column=name, value=array[row].as_py())
    return out


def normalized_symbol(symbol: str) -> str:
    """Return ``symbol`` upper-cased without separators (``BTC/USDT`` -> ``BTCUSDT``)."""
    return "".join(ch for ch in symbol.upper() if ch.isalnum())


def check_symbol(column: pa.Array | pa.ChunkedArray, instrument: Instrument, name: str,
                 rows: Rows) -> None:
    """Raise :class:`UnknownInstrumentError` at the first row naming another instrument.

    Symbols match when equal ignoring case and separators, so ``BTC/USDT`` in a file is
    ``BTCUSDT.BINANCE``.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(array)
    wanted = normalized_symbol(instrument.id.symbol)
    for code, symbol in enumerate(encoded.dictionary.to_pylist()):
        if symbol is not None and normalized_symbol(str(symbol)) == wanted:
            continue
        row = int(np.argmax(encoded.indices.to_numpy(zero_copy_only=False) == code)) + 1
        raise UnknownInstrumentError(
            f"{rows.source}, row {rows.file_row(row)}, column '{name}': symbol {symbol!r} is not "
            f"the instrument being imported ({instrument.id})"
        )
    if encoded.null_count:
        row = int(np.argmax(pc.is_null(array).to_numpy(zero_copy_only=False))) + 1
        raise UnknownInstrumentError(
            f"{rows.source}, row {rows.file_row(row)}, column '{name}': symbol is missing"
        )


def _raise_first(bad: pa.Array | np.ndarray, name: str, reason: str,
                 values: pa.Array | None = None) -> None:
    mask = bad if isinstance(bad, np.ndarray) else np.asarray(
        pc.fill_null(bad, True).to_numpy(zero_copy_only=False), dtype=bool)
    if mask.any():
        row = int(np.argmax(mask))
        value = None if values is None else values[row].as_py()
        raise DataValidationError(reason, row=row + 1, column=name, value=value)
