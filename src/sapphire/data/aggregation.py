"""Bar aggregation over whole arrays: trades or quotes in, OHLCV bars out.

What a bar holds
----------------
``ts_event`` and ``ts_init`` (int64 UTC ns, equal for bars built here), ``open``, ``high``,
``low``, ``close`` and ``volume`` (int64), following ``BarSpec``:

* Time bars (``s``, ``min``, ``h``, ``d``) cover ``[open, open + step)`` aligned to the UTC
  epoch and are stamped with their close time ``open + step``. An interval without a tick
  gives no bar.
* Tick bars close after ``step`` ticks; volume bars once the summed size reaches ``step``
  (in units of size, so ``ceil(step / size_increment)`` lots); value bars once the summed
  ``price * size * multiplier`` reaches ``step`` in the quote currency, computed exactly
  from ticks times lots. The tick that reaches the threshold belongs wholly to the closing
  bar (it is never split), and the bar is stamped with that tick's timestamp.
* The last bar may be incomplete (its interval or threshold not yet reached): it is
  returned anyway, since it is what history has. :class:`~sapphire.data.aggregator.BarAggregator`
  emits the same bar on ``flush()``.

Prices and volume by price type
-------------------------------
``last`` uses trades (``price``, ``size``); ``bid`` and ``ask`` use that side of quotes
(its price, and its size as volume); ``mid`` uses ``bid + ask``, which is the mid price
in HALF-TICKS so that no half tick is ever rounded away, and ``bid_size + ask_size`` as
volume. :func:`bar_price_scale` gives the divisor (2 for ``mid``, 1 otherwise): a bar
price in ticks is ``open / bar_price_scale(spec.price_type)``. Tables returned by
:func:`aggregate_bars` record it in their schema metadata (``price_scale``).

Input is expected to be validated (:mod:`sapphire.data.validation`); only the order of
timestamps is checked here, because bars depend on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from sapphire.core.enums import BarUnit, DataType, PriceType
from sapphire.core.errors import ConfigError, DataValidationError, SchemaError
from sapphire.data.bar_type import BarSpec
from sapphire.data.schemas import schema_for
from sapphire.model.instruments import Instrument

_INT64_MAX = np.iinfo(np.int64).max

#: Columns of the input table read for each price type: (prices, sizes).
INPUT_COLUMNS: dict[PriceType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    PriceType.LAST: (("price",), ("size",)),
    PriceType.BID: (("bid_price",), ("bid_size",)),
    PriceType.ASK: (("ask_price",), ("ask_size",)),
    PriceType.MID: (("bid_price", "ask_price"), ("bid_size", "ask_size")),
}


class BarArrays(NamedTuple):
    """Bars as parallel int64 arrays (prices scaled by :func:`bar_price_scale`)."""

    ts_event: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


def bar_price_scale(price_type: PriceType | str) -> int:
    """Return how many bar price units make one tick: 2 for ``mid`` (half-ticks), else 1."""
    return 2 if PriceType(price_type) is PriceType.MID else 1


def bar_threshold(spec: BarSpec, instrument: Instrument) -> int:
    """Return the integer measure at which a tick, volume or value bar closes.

    Tick bars count ticks (``step``); volume bars sum lots (``ceil(step / size_increment)``);
    value bars sum bar price units times lots, ``ceil(step * scale / (price_increment *
    size_increment * multiplier))``, which equals ``price * size * multiplier >= step``
    exactly.

    Raises
    ------
    ConfigError
        For time bars, or value bars of an inverse instrument (whose value in the quote
        currency is not ``price * size * multiplier``).
    """
    if spec.unit.is_time:
        raise ConfigError(f"{spec.unit} bars close on time, not on a threshold")
    step = Fraction(spec.step)
    if spec.unit is BarUnit.TICK:
        return int(step)
    if spec.unit is BarUnit.VOLUME:
        return math.ceil(step / Fraction(instrument.size_increment))
    if instrument.is_inverse:
        raise ConfigError(
            f"value bars need a linear instrument (value = price * size * multiplier), "
            f"but {instrument.id} is inverse"
        )
    unit_value = (Fraction(instrument.price_increment) * Fraction(instrument.size_increment)
                  * Fraction(instrument.multiplier) / bar_price_scale(spec.price_type))
    return math.ceil(step / unit_value)


def aggregate_arrays(ts_event: np.ndarray, prices: Sequence[np.ndarray],
                     sizes: Sequence[np.ndarray], spec: BarSpec,
                     instrument: Instrument) -> BarArrays:
    """Aggregate ticks given as int64 arrays into bars, in one pass.

    Parameters
    ----------
    ts_event
        Tick times, int64 UTC ns, non-decreasing.
    prices
        One array of prices in ticks (trade price for ``last``, the bid for ``bid``, the
        ask for ``ask``), or two (bid, ask) for ``mid``: the bar price is their sum.
    sizes
        As many arrays of sizes in lots, matching ``prices``: the volume is their sum.
    spec
        What bars to build.
    instrument
        Gives the size increment (volume bars) and the value of a tick (value bars).

    Returns
    -------
    BarArrays
        One row per bar, prices scaled by :func:`bar_price_scale` (half-ticks for ``mid``).

    Raises
    ------
    DataValidationError
        A timestamp is earlier than the one before it (1-based row, column ``ts_event``).
    ConfigError
        The number of arrays does not fit the price type, or value bars could overflow int64.
    SchemaError
        Arrays of different lengths or not integers.
    """
    from sapphire.data.aggregation_nb import (
        MEASURE_SIZE,
        MEASURE_TICKS,
        MEASURE_VALUE,
        threshold_bars_nb,
        time_bars_nb,
    )

    ts, p1, p2, s1, s2 = _columns(ts_event, prices, sizes, spec.price_type)
    two = len(prices) == 2
    n = ts.shape[0]
    if spec.unit.is_time:
        step = spec.step_ns
        span = int(ts[-1]) // step - int(ts[0]) // step + 1 if n else 0
        out = _empty_out(max(1, min(n, span)))
        count, bad = time_bars_nb(ts, p1, p2, s1, s2, two, step, *out)
    else:
        threshold = bar_threshold(spec, instrument)
        kind = {BarUnit.TICK: MEASURE_TICKS, BarUnit.VOLUME: MEASURE_SIZE}.get(
            spec.unit, MEASURE_VALUE)
        if kind == MEASURE_VALUE:
            _check_value_range(threshold, p1, p2, s1, s2, two)
        capacity = -(-n // threshold) if kind == MEASURE_TICKS else n
        out = _empty_out(capacity)
        count, bad = threshold_bars_nb(ts, p1, p2, s1, s2, two, kind, threshold, *out)
    if bad >= 0:
        raise DataValidationError(
            f"timestamp goes backwards (previous was {int(ts[bad - 1])}); bars need sorted ticks",
            row=bad + 1, column="ts_event", value=int(ts[bad]),
        )
    return BarArrays(*(column[:count].copy() for column in out))


def aggregate_bars(table: pa.Table, spec: BarSpec, instrument: Instrument) -> pa.Table:
    """Aggregate a trades (``last``) or quotes (``bid``, ``ask``, ``mid``) table into bars.

    The table needs ``ts_event`` and the columns of :data:`INPUT_COLUMNS` for the price
    type, as int64 ticks and lots (other columns are ignored). The result has the
    ``bars`` schema with ``ts_init = ts_event``; for ``mid`` its prices are half-ticks
    (schema metadata ``price_scale`` = ``2``). The last bar may be incomplete. An empty
    table gives an empty bars table. See the module docstring for the rules.

    Raises
    ------
    SchemaError
        A needed column is missing, null or not an integer.
    DataValidationError
        A timestamp goes backwards (names the 1-based row).
    """
    price_names, size_names = INPUT_COLUMNS[spec.price_type]
    ts = _table_column(table, "ts_event")
    prices = [_table_column(table, name) for name in price_names]
    sizes = [_table_column(table, name) for name in size_names]
    bars = aggregate_arrays(ts, prices, sizes, spec, instrument)
    arrays = [bars.ts_event, bars.ts_event, bars.open, bars.high, bars.low, bars.close,
              bars.volume]
    schema = schema_for(DataType.BARS).with_metadata(
        {"price_scale": str(bar_price_scale(spec.price_type)), "bar_spec": str(spec)})
    return pa.Table.from_arrays([pa.array(a, pa.int64()) for a in arrays], schema=schema)


def _columns(ts_event: np.ndarray, prices: Sequence[np.ndarray], sizes: Sequence[np.ndarray],
             price_type: PriceType) -> tuple[np.ndarray, ...]:
    expected = len(INPUT_COLUMNS[price_type][0])
    if len(prices) != expected or len(sizes) != expected:
        raise ConfigError(
            f"{price_type} bars need {expected} price and {expected} size arrays, "
            f"got {len(prices)} and {len(sizes)}"
        )
    names = ["ts_event", *(f"prices[{i}]" for i in range(expected)),
             *(f"sizes[{i}]" for i in range(expected))]
    arrays = [_int64(array, name) for array, name in zip([ts_event, *prices, *sizes], names,
                                                          strict=True)]
    lengths = {name: a.shape[0] for name, a in zip(names, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise SchemaError(f"tick arrays must have one length, got {lengths}")
    ts, p, s = arrays[0], arrays[1:1 + expected], arrays[1 + expected:]
    return ts, p[0], p[-1], s[0], s[-1]


def _int64(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise SchemaError(
            f"{name} must be a 1-d integer array (ticks, lots or ns), got {array.dtype} "
            f"with {array.ndim} dimensions"
        )
    if array.dtype == np.uint64 and array.size and array.max() > _INT64_MAX:
        raise SchemaError(f"{name} has values above the int64 range")
    return np.ascontiguousarray(array, dtype=np.int64)


def _table_column(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        raise SchemaError(f"bars need column '{name}', table has {table.column_names}")
    column = table.column(name)
    if column.null_count:
        raise SchemaError(f"column '{name}' has {column.null_count} missing values")
    if not pa.types.is_integer(column.type):
        raise SchemaError(f"column '{name}' must be integer ticks, lots or ns, was {column.type}")
    return column.to_numpy()


def _empty_out(rows: int) -> list[np.ndarray]:
    return [np.empty(rows, dtype=np.int64) for _ in range(6)]


def _check_value_range(threshold: int, p1: np.ndarray, p2: np.ndarray, s1: np.ndarray,
                       s2: np.ndarray, two: bool) -> None:
    if p1.shape[0] == 0:
        return
    price = int(np.abs(p1).max()) + (int(np.abs(p2).max()) if two else 0)
    size = int(np.abs(s1).max()) + (int(np.abs(s2).max()) if two else 0)
    if threshold + price * size > _INT64_MAX:
        raise ConfigError(
            f"value bars of threshold {threshold} (price units * lots) with prices up to {price} "
            f"and sizes up to {size} could overflow int64; use a coarser increment or step"
        )
