"""Validation of market data before it is stored.

Bad values (a NaN, a zero or negative price, a negative size) are always
rejected. Disorder and exact duplicate rows are rejected or repaired as the
caller chooses in an explicit :class:`OrderPolicy`; nothing is repaired silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.enums import DataType
from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.data.schemas import ROLES, conform


class OnDisorder(StrEnum):
    """What to do with rows whose timestamps go backwards."""

    REJECT = "reject"
    SORT = "sort"  # stable sort by the ordering key


class OnDuplicate(StrEnum):
    """What to do with rows identical in every column to another row."""

    REJECT = "reject"
    DROP = "drop"  # keep the first


@dataclass(frozen=True, slots=True)
class OrderPolicy:
    """How a write treats out-of-order and duplicate rows (reject both by default)."""

    on_disorder: OnDisorder = OnDisorder.REJECT
    on_duplicate: OnDuplicate = OnDuplicate.REJECT

    @property
    def repairs(self) -> bool:
        """Whether this policy may reorder or drop rows."""
        return self.on_disorder is OnDisorder.SORT or self.on_duplicate is OnDuplicate.DROP


STRICT = OrderPolicy()
REPAIR = OrderPolicy(OnDisorder.SORT, OnDuplicate.DROP)


@dataclass(frozen=True, slots=True)
class Validated:
    """A table that :func:`validate` returned for ``data_type`` under ``policy``.

    A loader hands these on so that a transaction storing the rows does not check
    them again; it still checks where they join rows written before them.
    """

    table: pa.Table
    data_type: DataType
    policy: OrderPolicy


def check_values(table: pa.Table, data_type: DataType) -> None:
    """Reject non-positive prices and negative sizes (rows numbered from 1 in ``table``)."""
    roles = ROLES[data_type]
    for name in roles.prices:
        prices = _numpy(table, name)
        bad = prices < 0 if roles.zero_price_allowed else prices <= 0
        _raise_first(bad, prices, name, "negative price" if roles.zero_price_allowed
                     else "price must be positive")
    for name in roles.sizes:
        sizes = _numpy(table, name)
        strict = name in roles.positive_sizes
        _raise_first(sizes <= 0 if strict else sizes < 0, sizes, name,
                     "size must be positive" if strict else "negative size")
    if data_type == DataType.BARS:
        _check_bar_shape(table)


def first_disorder(
    table: pa.Table, data_type: DataType, previous_key: tuple[int, ...] | None = None
) -> int:
    """Return the 0-based index of the first row that sorts before its predecessor, or -1.

    ``previous_key`` is the ordering key of the row before ``table`` (from an earlier chunk).
    """
    keys = [_numpy(table, name) for name in ROLES[data_type].order_by]
    if previous_key is not None and len(table):
        first = tuple(int(k[0]) for k in keys)
        if first < previous_key:
            return 0
    if len(table) < 2:
        return -1
    earlier = np.zeros(len(table) - 1, dtype=bool)
    tied = np.ones(len(table) - 1, dtype=bool)
    for key in keys:
        earlier |= tied & (key[1:] < key[:-1])
        tied &= key[1:] == key[:-1]
    return int(np.argmax(earlier)) + 1 if earlier.any() else -1


def duplicate_rows(table: pa.Table, data_type: DataType) -> np.ndarray:
    """Return a mask of rows identical to an earlier row with the same ordering key.

    ``table`` must be sorted by the ordering key; only rows that tie on it are compared.
    """
    n = len(table)
    mask = np.zeros(n, dtype=bool)
    if n < 2:
        return mask
    keys = [_numpy(table, name) for name in ROLES[data_type].order_by]
    tied = np.ones(n - 1, dtype=bool)
    for key in keys:
        tied &= key[1:] == key[:-1]
    if not tied.any():
        return mask
    in_run = np.zeros(n, dtype=bool)
    in_run[1:] |= tied
    in_run[:-1] |= tied
    rows = np.flatnonzero(in_run)
    subset = table.take(pa.array(rows))
    codes = [_codes(subset.column(name)) for name in subset.column_names]
    order = np.lexsort(codes[::-1])
    # Compare column by column: stacking int64 with uint64 would round both through float64.
    same = np.ones(len(rows) - 1, dtype=bool)
    for code in codes:
        ordered = code[order]
        same &= ordered[1:] == ordered[:-1]
    # Of each group of identical rows, flag all but the earliest original position.
    group = np.concatenate([[0], np.cumsum(~same)])
    first_position = np.full(group[-1] + 1, len(rows), dtype=np.int64)
    np.minimum.at(first_position, group, order)
    is_later_copy = order != first_position[group]
    mask[rows[order[is_later_copy]]] = True
    return mask


def enforce_order(table: pa.Table, data_type: DataType, policy: OrderPolicy,
                  previous_key: tuple[int, ...] | None = None) -> pa.Table:
    """Apply ``policy`` to ``table``: raise on disorder or duplicates, or repair them."""
    disorder = first_disorder(table, data_type, previous_key)
    if disorder >= 0:
        if policy.on_disorder is OnDisorder.REJECT:
            raise _backwards(table, data_type, disorder, previous_key)
        order = sort_order(table, data_type)
        table = table.take(pa.array(order))
    else:
        order = None
    duplicates = duplicate_rows(table, data_type)
    if duplicates.any():
        if policy.on_duplicate is OnDuplicate.REJECT:
            index = int(np.argmax(duplicates))
            raise DataValidationError(  # the row as numbered in the input, before any sort
                "duplicate row: identical to an earlier row "
                "(choose the 'drop' repair to accept it)",
                row=int(order[index] if order is not None else index) + 1,
                column=ROLES[data_type].order_by[0],
            )
        table = table.filter(pa.array(~duplicates))
    return table


def _backwards(table: pa.Table, data_type: DataType, row: int,
               previous_key: tuple[int, ...] | None) -> DataValidationError:
    """Return the error for ``row`` sorting before the row before it, naming the column that
    went backwards: the first of the ordering key that differs from that row's."""
    names = ROLES[data_type].order_by
    key = order_key(table, data_type, row)
    before = previous_key if row == 0 and previous_key is not None else order_key(
        table, data_type, row - 1)
    column, value = next(((n, v) for n, v, b in zip(names, key, before, strict=True) if v != b),
                         (names[-1], key[-1]))
    what = ("timestamp goes backwards" if column == names[0]
            else f"{column} goes backwards within one timestamp")
    return DataValidationError(f"{what} (choose the 'sort' repair to accept it)", row=row + 1,
                               column=column, value=value)


def validate(table: pa.Table | pa.RecordBatch, data_type: DataType | str, *,
             policy: OrderPolicy = STRICT, source: str | None = None, row_offset: int = 0,
             previous_key: tuple[int, ...] | None = None) -> pa.Table:
    """Conform ``table`` to its schema, check its values and apply ``policy``.

    Errors name ``source`` and the row as ``row_offset`` plus the 1-based row in ``table``.
    With a repairing policy the returned table may be reordered or shorter.
    """
    data_type = DataType(data_type)
    try:
        table = conform(table, data_type)
        check_values(table, data_type)
        return enforce_order(table, data_type, policy, previous_key)
    except DataValidationError as exc:
        raise exc.located(source=source, row_offset=row_offset) from None
    except SchemaError as exc:
        if source is None:
            raise
        raise SchemaError(f"{source}: {exc}") from None


def sort_order(table: pa.Table, data_type: DataType) -> np.ndarray:
    """Return the stable permutation that sorts ``table`` by the data type's ordering key."""
    keys = [_numpy(table, name) for name in ROLES[data_type].order_by]
    return np.lexsort(keys[::-1])


def sort_table(table: pa.Table, data_type: DataType) -> pa.Table:
    """Stable sort by the data type's ordering key."""
    return table.take(pa.array(sort_order(table, data_type)))


def order_key(table: pa.Table, data_type: DataType, row: int) -> tuple[int, ...]:
    """Return the ordering key of one row."""
    return tuple(int(table.column(name)[row].as_py()) for name in ROLES[data_type].order_by)


def _check_bar_shape(table: pa.Table) -> None:
    high, low = _numpy(table, "high"), _numpy(table, "low")
    _raise_first(high < low, high, "high", "bar high is below its low")
    for name in ("open", "close"):
        values = _numpy(table, name)
        _raise_first((values > high) | (values < low), values, name,
                     f"bar {name} lies outside its high-low range")


def _numpy(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy()


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_string(column.type):
        return pc.dictionary_encode(column).combine_chunks().indices.to_numpy()
    return column.to_numpy()


def _raise_first(bad: np.ndarray, values: np.ndarray, column: str, reason: str) -> None:
    if bad.any():
        index = int(np.argmax(bad))
        raise DataValidationError(reason, row=index + 1, column=column, value=values[index].item())
