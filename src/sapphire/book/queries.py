"""What the L2 and L3 book facades share: top-of-book queries and argument checks.

:class:`BookQueries` derives spread, mid, microprice, imbalance and fill estimates from
a book's best levels and its ``side_total_nb`` / ``walk_nb`` kernels, so both books
answer them the same way. The helpers below check the arguments of the facades (typed
errors naming the bad value) and turn a batch (Arrow, structured array or mapping of
columns) into the contiguous integer columns the kernels take. None of this is on the
one-at-a-time apply paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sapphire.core.enums import Side
from sapphire.core.errors import ConfigError, DataValidationError, SchemaError

INTEGER = (int, np.integer)


@dataclass(frozen=True, slots=True)
class FillEstimate:
    """What walking the book for an order of a given size would fill.

    Attributes
    ----------
    wanted
        Lots asked for.
    filled
        Lots available on the book up to ``wanted`` (less when the side is too thin).
    notional
        Sum of price * lots over the levels taken (tick-lots).
    average_price
        ``notional / filled`` in ticks, NaN when nothing fills.
    worst_price
        The last (worst) level's price in ticks, None when nothing fills.
    """

    wanted: int
    filled: int
    notional: int
    average_price: float
    worst_price: int | None

    @property
    def complete(self) -> bool:
        """Whether the book holds the whole size."""
        return self.filled == self.wanted


class BookQueries:
    """Queries on the best levels, shared by :class:`~sapphire.book.l2.L2Book` and
    :class:`~sapphire.book.l3.L3Book`.

    A book provides ``_state``, ``_nb`` (a kernel module with ``side_total_nb`` and
    ``walk_nb``) and :meth:`_best`.
    """

    _state: np.ndarray
    _nb: Any

    def _best(self, side: Side) -> tuple[int, ...] | None:
        """Return (price in ticks, lots, ...) of ``side``'s best level (None when empty)."""
        raise NotImplementedError

    def spread(self) -> int | None:
        """Return best ask - best bid in ticks (None when a side is empty)."""
        bid, ask = self._best(Side.BUY), self._best(Side.SELL)
        return None if bid is None or ask is None else ask[0] - bid[0]

    def mid(self) -> float | None:
        """Return (best bid + best ask) / 2 in ticks (None when a side is empty)."""
        bid, ask = self._best(Side.BUY), self._best(Side.SELL)
        return None if bid is None or ask is None else (bid[0] + ask[0]) / 2

    def microprice(self) -> float | None:
        """Return the size-weighted mid in ticks (None when a side is empty).

        ``(bid * ask_size + ask * bid_size) / (bid_size + ask_size)``: the price leans
        toward the side with less size, which is the one more likely to be taken
        (the "weighted mid" of S. Stoikov, *The micro-price*, Quantitative Finance 2018).
        """
        bid, ask = self._best(Side.BUY), self._best(Side.SELL)
        if bid is None or ask is None:
            return None
        return (bid[0] * ask[1] + ask[0] * bid[1]) / (bid[1] + ask[1])

    def imbalance(self, levels: int = 1) -> float | None:
        """Return (bid lots - ask lots) / (bid lots + ask lots) over the best ``levels``.

        In [-1, 1]; positive when bids outweigh asks. None when a side is empty.
        """
        levels = count_arg(levels, "levels")
        bid = int(self._nb.side_total_nb(self._state, int(Side.BUY), levels))
        ask = int(self._nb.side_total_nb(self._state, int(Side.SELL), levels))
        if bid == 0 or ask == 0:
            return None
        return (bid - ask) / (bid + ask)

    def _estimate_fill(self, order_side: int, size: int) -> FillEstimate:
        """Walk the book for an aggressive order of ``size`` lots on ``order_side``.

        A BUY takes the asks from the best up, a SELL the bids from the best down.
        """
        book_side = Side.SELL if side_arg(order_side) == Side.BUY else Side.BUY
        wanted = count_arg(size, "size")
        filled, notional, worst = (int(v) for v in
                                   self._nb.walk_nb(self._state, int(book_side), wanted))
        return FillEstimate(wanted=wanted, filled=filled, notional=notional,
                            average_price=notional / filled if filled else float("nan"),
                            worst_price=worst if filled else None)


def require_integer(name: str, value: Any) -> None:
    """Raise DataValidationError when ``value`` is not an integer (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, INTEGER):
        raise DataValidationError(f"{name} must be an integer", column=name, value=value)


def integer_arg(value: Any, name: str) -> int:
    """Return ``value`` as an int; ConfigError when it is not an integer."""
    if isinstance(value, bool) or not isinstance(value, INTEGER):
        raise ConfigError(f"{name} must be an integer, was {value!r}")
    return int(value)


def side_arg(side: Any) -> Side:
    """Return ``side`` as Side.BUY or Side.SELL; ConfigError for anything else."""
    if isinstance(side, bool) or side not in (Side.BUY, Side.SELL):
        raise ConfigError(f"side must be Side.BUY (1) or Side.SELL (2), was {side!r}")
    return Side(int(side))


def count_arg(value: Any, name: str) -> int:
    """Return ``value`` as an int; ConfigError unless it is a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, INTEGER) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, was {value!r}")
    return int(value)


def batch_columns(data: Any, schema: Mapping[str, Any], what: str) -> list[np.ndarray]:
    """Return the ``schema`` columns of ``data`` as contiguous arrays of their dtypes.

    Parameters
    ----------
    data
        An Arrow table or batch, a numpy structured array, or a mapping of column name
        to array.
    schema
        Column name to numpy integer dtype, in the order returned; must hold ``side``.
    what
        What the rows are ("deltas", "events"), for the error messages.

    Raises
    ------
    SchemaError
        ``data`` is of another kind, a column is missing, not a 1-d integer column, out
        of its dtype's range, or the columns differ in length.
    """
    names, get = _getter(data, what)
    missing = [name for name in schema if name not in names]
    if missing:
        raise SchemaError(f"{what} are missing columns {missing}; expected {list(schema)}")
    rows = len(get("side"))
    columns = []
    for name, dtype in schema.items():
        column = get(name)
        if column.ndim != 1 or column.dtype.kind not in "iu":
            raise SchemaError(f"{what} column '{name}' must be a column of integers, was "
                              f"{column.dtype} of shape {column.shape}")
        if len(column) != rows:
            raise SchemaError(f"{what} column '{name}' has {len(column)} rows, 'side' has {rows}")
        columns.append(_cast(column, np.dtype(dtype), f"{what} column '{name}'"))
    return columns


def _getter(data: Any, what: str) -> tuple[Sequence[str], Callable[[str], np.ndarray]]:
    """Return the column names of ``data`` and a function of a name to its array."""
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    names: Sequence[str]
    if isinstance(data, pa.Table):
        names = data.column_names
        get = lambda name: data.column(name).to_numpy()  # noqa: E731
    elif isinstance(data, np.ndarray) and data.dtype.names:
        names = data.dtype.names
        get = lambda name: data[name]  # noqa: E731
    elif isinstance(data, Mapping):
        names = list(data)
        get = lambda name: np.asarray(data[name])  # noqa: E731
    else:
        raise SchemaError(f"{what} must be an Arrow table, a structured array or a mapping of "
                          f"columns, was {type(data).__name__}")
    return names, get


def _cast(column: np.ndarray, dtype: np.dtype, label: str) -> np.ndarray:
    """Return ``column`` as contiguous ``dtype``; a value that does not fit is an error."""
    if column.dtype != dtype and len(column) and not np.can_cast(column.dtype, dtype):
        info = np.iinfo(dtype)
        lo, hi = column.min(), column.max()
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            raise SchemaError(f"{label} holds {bad}, outside {dtype} "
                              f"[{info.min}, {info.max}]")
    return np.ascontiguousarray(column, dtype=dtype)
