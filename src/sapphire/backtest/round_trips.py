"""Round-trip trades, trade statistics and exposure from a run's fills.

A round trip (a "trade") runs, per instrument, from flat to flat: it opens with
the fill that takes the position away from 0.0 and closes with the fill that
brings it back to exactly 0.0. A fill that flips the position (long to short or
short to long) closes one trade and opens the next. Its fee is split in
proportion to the quantity on each side of zero: the closing part carries
``|before| / (|before| + |after|)`` of it. Its ``realized_pnl`` belongs wholly to
the closing trade, because the opening part realizes nothing (an even split of
the pnl would move profit into a trade that has not yet made it).

A trade's ``realized_pnl`` is the sum of its fills' realized pnl (gross of fees,
including partial closes along the way), ``fees`` the sum of its fee parts and
``net_pnl = realized_pnl - fees``. A trade still open at the end of the run is
listed with ``closed = False`` and left out of the trade statistics.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from sapphire.backtest.tables import check_fills
from sapphire.core.errors import DataValidationError

ROUND_TRIPS_SCHEMA = pa.schema([
    ("instrument_id", pa.string()),
    ("direction", pa.int8()),         # +1 long, -1 short
    ("ts_open", pa.int64()),
    ("ts_close", pa.int64()),         # -1 while open
    ("closed", pa.bool_()),
    ("max_quantity", pa.float64()),   # largest absolute position held, instrument units
    ("fills", pa.int64()),            # fills that touched it (a flip counts in both trades)
    ("realized_pnl", pa.float64()),
    ("fees", pa.float64()),
    ("net_pnl", pa.float64()),
])

#: A fill's position_after must equal the previous one plus side * quantity within this
#: relative tolerance (positions are whole lots converted to float, so only rounding differs).
_POSITION_RTOL = 1e-9


def round_trips(fills: pa.Table) -> pa.Table:
    """Split fills into round-trip trades per instrument (see the module docstring).

    Parameters
    ----------
    fills
        A fills table (:data:`~sapphire.backtest.tables.FILLS_SCHEMA`), in time order.

    Returns
    -------
    pyarrow.Table
        One row per trade (:data:`ROUND_TRIPS_SCHEMA`), ordered by ``ts_open`` and, for
        equal times, by instrument in order of first fill.

    Raises
    ------
    DataValidationError
        A fill's ``position_after`` does not follow from the previous position of its
        instrument and the fill's side and quantity.
    """
    fills = check_fills(fills)
    ids = fills.column("instrument_id").to_numpy(zero_copy_only=False)
    parts = []
    for instrument in dict.fromkeys(ids.tolist()):
        rows = np.flatnonzero(ids == instrument)
        parts.append(_instrument_trips(fills.take(rows), rows, instrument))
    if not parts:
        return ROUND_TRIPS_SCHEMA.empty_table()
    table = pa.concat_tables(parts)
    order = np.argsort(table.column("ts_open").to_numpy(), kind="stable")
    return table.take(order)


def _instrument_trips(fills: pa.Table, rows: np.ndarray, instrument: str) -> pa.Table:
    ts = fills.column("ts_event").to_numpy()
    after = fills.column("position_after").to_numpy()
    before = np.concatenate(([0.0], after[:-1]))
    _check_positions(fills, before, after, rows)
    opens = (before == 0.0) & (after != 0.0)
    flips = (before * after) < 0.0
    starts = opens | flips
    trade = np.cumsum(starts) - 1                    # trade of each fill's opening part
    n = int(trade[-1]) + 1
    fee = fills.column("fee").to_numpy()
    pnl = fills.column("realized_pnl").to_numpy()
    close_share = np.where(flips, np.abs(before) / (np.abs(before) + np.abs(after)), 0.0)
    closing = np.where(flips, trade - 1, trade)      # trade the fill's closing part belongs to
    fees = np.bincount(closing, fee * np.where(flips, close_share, 1.0), n)
    fees += np.bincount(trade[flips], fee[flips] * (1.0 - close_share[flips]), n)
    realized = np.bincount(closing, pnl, n)
    touched = np.bincount(closing, minlength=n) + np.bincount(trade[flips], minlength=n)
    max_quantity = np.zeros(n)
    np.maximum.at(max_quantity, trade, np.abs(after))
    ends = (after == 0.0) | flips
    ts_close = np.full(n, -1, dtype=np.int64)
    ts_close[closing[ends]] = ts[ends]
    return pa.table({
        "instrument_id": pa.array([instrument] * n, pa.string()),
        "direction": pa.array(np.sign(after[starts]).astype(np.int8)),
        "ts_open": pa.array(ts[starts]),
        "ts_close": pa.array(ts_close),
        "closed": pa.array(ts_close >= 0),
        "max_quantity": pa.array(max_quantity),
        "fills": pa.array(touched.astype(np.int64)),
        "realized_pnl": pa.array(realized),
        "fees": pa.array(fees),
        "net_pnl": pa.array(realized - fees),
    }, schema=ROUND_TRIPS_SCHEMA)


def _check_positions(fills: pa.Table, before: np.ndarray, after: np.ndarray,
                     rows: np.ndarray) -> None:
    side = fills.column("side").to_numpy().astype(np.float64)
    quantity = fills.column("quantity").to_numpy()
    expected = before + side * quantity
    scale = np.maximum(np.maximum(np.abs(before), quantity), 1.0)
    bad = (np.abs(expected - after) > _POSITION_RTOL * scale) | (after == before)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"position_after does not follow from the previous position {float(before[i])!r} "
            f"and side * quantity {float(side[i] * quantity[i])!r} "
            f"(expected {float(expected[i])!r})",
            source="fills", row=int(rows[i]) + 1, column="position_after", value=float(after[i]),
        )


def trade_statistics(trips: pa.Table) -> dict[str, float]:
    """Return trade counts, win rate, profit factor, expectancy and average win and loss.

    Only closed trades count. A trade wins when its ``net_pnl`` > 0 and loses when < 0;
    a break-even trade counts in ``trades`` but in neither wins nor losses.

    - ``win_rate = wins / trades``
    - ``profit_factor = sum(net_pnl of wins) / |sum(net_pnl of losses)|`` (gross profit over
      gross loss, both net of fees; Pardo, *The Evaluation and Optimization of Trading
      Strategies*, 2008); ``inf`` with wins and no losses, ``0`` with losses and no wins,
      NaN with neither
    - ``expectancy = mean(net_pnl)`` over all trades (money per trade)
    - ``average_win = mean(net_pnl of wins)``, ``average_loss = mean(net_pnl of losses)``
      (negative); NaN when there are none

    Returns
    -------
    dict
        ``trades``, ``open_trades``, ``wins``, ``losses``, ``win_rate``, ``profit_factor``,
        ``expectancy``, ``average_win``, ``average_loss`` (NaN where there is no trade to
        average over).
    """
    closed = trips.column("closed").to_numpy(zero_copy_only=False)
    net = trips.column("net_pnl").to_numpy()[closed]
    wins, losses = net[net > 0], net[net < 0]
    if wins.size and not losses.size:
        profit_factor = math.inf
    elif not wins.size and not losses.size:
        profit_factor = math.nan
    else:
        profit_factor = float(wins.sum() / -losses.sum())
    return {
        "trades": float(net.size),
        "open_trades": float(closed.size - net.size),
        "wins": float(wins.size),
        "losses": float(losses.size),
        "win_rate": float(wins.size / net.size) if net.size else math.nan,
        "profit_factor": profit_factor,
        "expectancy": float(net.mean()) if net.size else math.nan,
        "average_win": float(wins.mean()) if wins.size else math.nan,
        "average_loss": float(losses.mean()) if losses.size else math.nan,
    }


def exposure(trips: pa.Table, start_ns: int, end_ns: int) -> float:
    """Return the fraction of ``[start_ns, end_ns]`` during which any position was open.

    Each trade holds a position from ``ts_open`` to ``ts_close`` (a trade still open
    runs to ``end_ns``); trades of different instruments that overlap count once
    (the union of the intervals). NaN when the run has no length.
    """
    span = end_ns - start_ns
    if span <= 0:
        return math.nan
    opened = trips.column("ts_open").to_numpy()
    closed = trips.column("ts_close").to_numpy()
    closed = np.where(closed < 0, end_ns, closed)
    lo = np.clip(opened, start_ns, end_ns)
    hi = np.clip(closed, start_ns, end_ns)
    if lo.size == 0:
        return 0.0
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    # A new block of overlapping intervals starts where an interval begins after every
    # earlier one has ended; the union's length is the sum of the blocks' lengths.
    reach = np.maximum.accumulate(hi)
    starts = np.flatnonzero(np.concatenate(([True], lo[1:] > reach[:-1])))
    return float((np.maximum.reduceat(hi, starts) - lo[starts]).sum() / span)
