"""The L2 (market-by-price) order book: a Python facade over the kernels of ``l2_nb``.

Prices are int64 ticks and sizes int64 lots of the book's instrument (convert at the
edges with :class:`~sapphire.model.instruments.Instrument`). Two ways in give identical
books: :meth:`L2Book.apply_delta` (one delta, for live feeds) and
:meth:`L2Book.apply_batch` (columns of the catalog's ``l2_deltas`` schema, for replay).
Every delta is checked (see :mod:`sapphire.book.integrity`).

Typical use::

    book = L2Book(L2BookConfig(levels=LevelRule.UPSERT))
    book.apply_batch(catalog.query("l2_deltas", "XRPUSDT.BYBIT"))
    book.best_bid_price(), book.fill(Side.BUY, 1_000).average_price
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from sapphire.book import integrity
from sapphire.book import layout as L  # noqa: N812  (short: used on every line)
from sapphire.book.integrity import L2BookConfig
from sapphire.book.queries import (
    BookQueries,
    FillEstimate,
    batch_columns,
    count_arg,
    require_integer,
    side_arg,
)
from sapphire.core.enums import BookAction, RecordFlag, Side
from sapphire.core.errors import BookIntegrityError, ConfigError

_COLUMNS = {"side": np.int8, "action": np.int8, "price": np.int64, "size": np.int64,
            "sequence": np.int64, "flags": np.uint8, "ts_event": np.int64}


class L2Book(BookQueries):
    """A market-by-price book over integer ticks and lots, checked delta by delta.

    Parameters
    ----------
    config
        Error policy, sequence and level rules (see :class:`L2BookConfig`).
    name
        Shown in log lines and errors (e.g. the instrument id).
    """

    def __init__(self, config: L2BookConfig | None = None, *, name: str = "L2Book") -> None:
        from sapphire.book import l2_nb  # numba is imported only when a book is built

        self.config = L2BookConfig() if config is None else config
        if not isinstance(self.config, L2BookConfig):
            raise ConfigError(f"config must be an L2BookConfig, was {type(config).__name__}")
        self.name = name
        self._nb = l2_nb
        self._state = self._new_state()
        self._apply = _entry_point(l2_nb.apply_one_nb, self._state)

    # -- applying deltas ---------------------------------------------------------------------

    def apply_delta(self, side: int, action: int, price: int, size: int, sequence: int = 0,
                    flags: int = RecordFlag.LAST, ts_event: int = 0) -> None:
        """Apply one delta (a message of its own unless ``flags`` lacks LAST).

        Parameters
        ----------
        side
            :class:`~sapphire.core.enums.Side` of the level (BUY bid, SELL ask).
        action
            :class:`~sapphire.core.enums.BookAction`.
        price, size
            Level price in ticks and its new size in lots (ignored by DELETE and CLEAR).
        sequence
            The venue's sequence number (see :class:`~sapphire.book.integrity.SequenceCheck`).
        flags
            :class:`~sapphire.core.enums.RecordFlag` bits: SNAPSHOT for snapshot rows,
            LAST on the row that ends a message (the book is checked for crossing then).
        ts_event
            Venue time of the delta (ns UTC).

        Raises
        ------
        BookIntegrityError
            Under the RAISE policy, a delta that fails a check (the message names its
            sequence, side, price and the fault).
        DataValidationError
            An argument is not an integer (a float, a bool, a string, None...).
        """
        try:
            code = self._apply(self._state, side, action, price, size, sequence, flags,
                               ts_event)
        except TypeError:  # the kernel's arguments refuse what is not an integer
            _check_integers(side=side, action=action, price=price, size=size,
                            sequence=sequence, flags=flags, ts_event=ts_event)
            raise
        if code:
            self._handle(code, None)
            if code == L.NEED_CAPACITY:
                self.apply_delta(side, action, price, size, sequence, flags, ts_event)

    def apply_batch(self, deltas: pa.Table | pa.RecordBatch | np.ndarray | Mapping[str, Any],
                    ) -> None:
        """Apply rows of the ``l2_deltas`` schema in order (same result as one at a time).

        ``deltas`` is an Arrow table or batch, a numpy structured array, or a mapping of
        column name to array, with at least the columns side, action, price, size,
        sequence, flags and ts_event (integers).

        Raises
        ------
        BookIntegrityError
            Under the RAISE policy, the first row that fails a check; the rows before it
            are applied and the message names the row's index in ``deltas``.
        SchemaError
            A column is missing, not integer, or the columns differ in length.
        """
        cols = batch_columns(deltas, _COLUMNS, "deltas")
        start = 0
        while True:
            code, row = self._nb.apply_batch_nb(self._state, *cols, start)
            if code == L.OK:
                return
            self._handle(int(code), int(row))
            start = row if code == L.NEED_CAPACITY else row + 1

    def apply_snapshot(self, bids: Any, asks: Any, *, sequence: int = 0,
                       ts_event: int = 0) -> None:
        """Replace the book by ``bids`` and ``asks``, each rows of (price ticks, size lots).

        Applied as a message flagged SNAPSHOT: a CLEAR, then an ADD per level.
        """
        levels = [_levels(bids, "bids"), _levels(asks, "asks")]
        n = 1 + len(levels[0]) + len(levels[1])
        side = np.concatenate([[Side.NONE], np.full(len(levels[0]), Side.BUY),
                               np.full(len(levels[1]), Side.SELL)]).astype(np.int8)
        action = np.full(n, BookAction.ADD, dtype=np.int8)
        action[0] = BookAction.CLEAR
        price = np.concatenate([[0], levels[0][:, 0], levels[1][:, 0]]).astype(np.int64)
        size = np.concatenate([[0], levels[0][:, 1], levels[1][:, 1]]).astype(np.int64)
        flags = np.full(n, RecordFlag.SNAPSHOT, dtype=np.uint8)
        flags[-1] |= RecordFlag.LAST
        self.apply_batch({"side": side, "action": action, "price": price, "size": size,
                          "sequence": np.full(n, sequence, np.int64), "flags": flags,
                          "ts_event": np.full(n, ts_event, np.int64)})

    def clear(self) -> None:
        """Remove every level (as a CLEAR delta would); the book stays synchronised."""
        self._nb.clear_nb(self._state)

    def reset(self) -> None:
        """Forget everything: empty, out of sync, counters at zero (a snapshot must come next)."""
        self._state = self._new_state()

    def _new_state(self) -> np.ndarray:
        return L.new_state(self.config.capacity, self.config.window, *self.config.codes())

    def _handle(self, code: int, row: int | None) -> None:
        if code == L.NEED_CAPACITY:
            self._state = L.grown(self._state)
        elif code == L.RESYNCED:
            integrity.report_resynced(self._meta, self.name)
        elif row is None:
            integrity.report(self._meta, self.name)
        else:
            try:
                integrity.report(self._meta, f"{self.name}, row {row}")
            except BookIntegrityError as exc:
                raise BookIntegrityError(f"{self.name}, row {row}: {exc}", fault=exc.fault,
                                         sequence=exc.sequence, side=exc.side,
                                         price=exc.price) from None

    # -- state -------------------------------------------------------------------------------

    @property
    def _meta(self) -> np.ndarray:
        return self._state[: L.META_SLOTS]

    @property
    def synced(self) -> bool:
        """Whether a snapshot has been applied and no check has failed since."""
        return bool(self._meta[L.M_SYNCED])

    @property
    def sequence(self) -> int:
        """Sequence of the last applied delta."""
        return int(self._meta[L.M_LAST_SEQ])

    @property
    def ts_last(self) -> int:
        """``ts_event`` of the last applied delta (ns UTC)."""
        return int(self._meta[L.M_LAST_TS])

    @property
    def counts(self) -> dict[str, int]:
        """Rows applied, dropped while resynchronising, ignored deletes, and resyncs."""
        meta = self._meta
        return {"applied": int(meta[L.M_APPLIED]), "dropped": int(meta[L.M_DROPPED]),
                "ignored_deletes": int(meta[L.M_IGNORED]), "resyncs": int(meta[L.M_RESYNCS])}

    def level_count(self, side: int) -> int:
        """Return how many levels ``side`` holds."""
        return L.side_levels(self._state, 0 if side_arg(side) == Side.BUY else 1)

    # -- queries -----------------------------------------------------------------------------

    def depth(self, side: int, levels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (prices in ticks, sizes in lots) of the best ``levels`` of ``side``, best first.

        ``levels=None`` returns every level.
        """
        buy = side_arg(side) == Side.BUY
        n = self.level_count(side)
        k = n if levels is None else min(count_arg(levels, "levels"), n)
        keys, sizes = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
        self._nb.levels_nb(self._state, 0 if buy else 1, keys, sizes)
        return (keys if buy else -keys), sizes

    def best_bid_price(self) -> int | None:
        """Return the best bid in ticks (None when there are no bids)."""
        return L.best_key(self._state, 0)

    def best_ask_price(self) -> int | None:
        """Return the best ask in ticks (None when there are no asks)."""
        key = L.best_key(self._state, 1)
        return None if key is None else -key

    def best_bid_size(self) -> int | None:
        """Return the size at the best bid in lots (None when there are no bids)."""
        return L.best_size(self._state, 0)

    def best_ask_size(self) -> int | None:
        """Return the size at the best ask in lots (None when there are no asks)."""
        return L.best_size(self._state, 1)

    def size_at(self, side: int, price: int) -> int:
        """Return the lots at ``price`` (ticks) on ``side``; 0 when there is no such level."""
        buy = side_arg(side) == Side.BUY
        return L.size_at_key(self._state, 0 if buy else 1, int(price) if buy else -int(price))

    def _best(self, side: Side) -> tuple[int, int] | None:
        s = 0 if side == Side.BUY else 1
        key = L.best_key(self._state, s)
        if key is None:
            return None
        size = L.best_size(self._state, s)
        assert size is not None  # the side has a level
        return (key if s == 0 else -key), size

    def available(self, side: int, levels: int | None = None) -> int:
        """Return the lots resting on ``side`` over its best ``levels`` (all when None)."""
        n = self.level_count(side)
        k = n if levels is None else count_arg(levels, "levels")
        return int(self._nb.side_total_nb(self._state, int(side_arg(side)), k))

    def fill(self, order_side: int, size: int) -> FillEstimate:
        """Walk the book for an aggressive order of ``size`` lots on ``order_side``.

        A BUY takes the asks from the best up, a SELL the bids from the best down.
        """
        return self._estimate_fill(order_side, size)

    def __repr__(self) -> str:
        return (f"L2Book({self.name!r}, bid={self.best_bid_price()}, ask={self.best_ask_price()}, "
                f"levels={self.level_count(Side.BUY)}/{self.level_count(Side.SELL)}, "
                f"synced={self.synced})")


def _entry_point(dispatcher: Any, state: np.ndarray) -> Any:
    """The compiled entry of ``apply_one_nb`` for (state, seven exact_int64); see
    :func:`sapphire.book.exact_int_nb.entry_point`."""
    import numba

    from sapphire.book.exact_int_nb import entry_point, exact_int64

    return entry_point(dispatcher, (numba.typeof(state),) + (exact_int64,) * 7)


def _check_integers(**values: Any) -> None:
    for name, value in values.items():
        require_integer(name, value)


def _levels(rows: Any, name: str) -> np.ndarray:
    array = np.asarray(rows)
    if array.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ConfigError(f"{name} must be rows of (price, size), had shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise ConfigError(f"{name} must hold integer ticks and lots, had dtype {array.dtype}")
    return array.astype(np.int64)
