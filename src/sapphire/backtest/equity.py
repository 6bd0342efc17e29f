"""The equity curve of a finished run, on a regular grid, computed in one vectorised pass.

Sampling equity from the replay loop would cost a Python call per interval; instead the
curve is rebuilt afterwards from the fills and the instruments' marks (the last event of
each instrument's matching stream at or before each grid time: mid of a quote, trade
price, bar close). Equity is cash plus the value of positions:

* linear: a fill moves cash by ``-side * lots * price * point_value``; a position is
  worth ``lots * mark * point_value``;
* inverse: a fill moves cash by ``+side * size / price``; a position is worth
  ``-size / mark`` (``size = lots * size_increment * multiplier``),

so that their sum equals starting balance + realized + unrealized PnL - fees, the same
figure :meth:`~sapphire.model.account.Account.equity` gives at any instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sapphire.backtest.streams import Stream
    from sapphire.engine.portfolio import FillLedger


def grid_equity(start: int, end: int, interval: int, starting: float, ledger: FillLedger,
                streams: list[Stream]) -> tuple[np.ndarray, np.ndarray]:
    """Equity at ``start, start + interval, ..., end`` and at every fill's time (after
    the fills at that time)."""
    grid = np.arange(start, end, interval, dtype=np.int64)
    fills_at = np.asarray(ledger.columns["ts_event"], dtype=np.int64)
    grid = np.sort(np.concatenate([grid, fills_at, [np.int64(end)]]))
    grid = grid[np.concatenate([[True], grid[1:] != grid[:-1]])]  # sorted: drop repeats
    cash = np.full(grid.shape[0], starting, dtype=np.float64)
    columns = ledger.columns
    if not columns["ts_event"]:
        return grid, cash
    fill_ts = np.asarray(columns["ts_event"], dtype=np.int64)
    instruments = np.asarray(columns["instrument_id"], dtype=object)
    side = np.asarray(columns["side"], dtype=np.float64)
    quantity = np.asarray(columns["quantity"], dtype=np.float64)
    price = np.asarray(columns["price"], dtype=np.float64)
    fee = np.asarray(columns["fee"], dtype=np.float64)
    upto = np.searchsorted(fill_ts, grid, side="right")  # fills at or before each grid time
    cash -= _cumulative(fee, upto)
    for stream in streams:
        if not stream.matching:
            continue
        mine = instruments == str(stream.instrument.id)
        if not mine.any():
            continue
        multiplier = float(stream.instrument.multiplier)
        signed = np.where(mine, side * quantity * multiplier, 0.0)
        held = _cumulative(signed, upto)
        mark = _marks(stream, grid)
        if stream.instrument.is_inverse:
            flows = np.where(mine, signed / np.where(mine, price, 1.0), 0.0)
            cash += _cumulative(flows, upto) - np.where(held != 0, held / mark, 0.0)
        else:
            cash += -_cumulative(signed * price, upto) + np.where(held != 0, held * mark, 0.0)
    return grid, cash


def with_start_and_end(grid_ts: np.ndarray, grid_values: np.ndarray, start: tuple[int, float],
                       end: tuple[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """Put the starting equity (before any fill) first and the portfolio's own closing
    valuation last (it replaces the grid's point at the end time)."""
    keep = grid_ts != end[0]
    ts = np.concatenate([[start[0]], grid_ts[keep], [end[0]]]).astype(np.int64)
    values = np.concatenate([[start[1]], grid_values[keep], [end[1]]]).astype(np.float64)
    return ts, values


def _cumulative(values: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Sum of ``values[:k]`` for each ``k`` in ``upto``."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    return total[upto]


def _marks(stream: Stream, grid: np.ndarray) -> np.ndarray:
    """The stream's price (in the instrument's units) at each grid time."""
    at = np.searchsorted(stream.ts, grid, side="right") - 1
    valid = at >= 0
    return np.where(valid, stream.marks(np.where(valid, at, 0)), np.nan)
