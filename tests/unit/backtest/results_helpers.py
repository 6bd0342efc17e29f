"""Builders of small run tables for the results, statistics and report tests."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from sapphire.backtest.tables import EQUITY_SCHEMA, FILLS_SCHEMA, ORDERS_SCHEMA, POSITIONS_SCHEMA

# (ts_event, instrument, side, quantity, price, fee, realized_pnl, position_after)
Fill = tuple[int, str, int, float, float, float, float, float]


def fills_table(rows: list[Fill]) -> pa.Table:
    """A fills table; order ids f1, f2, ...; notional = quantity * price; taker unless fee < 0."""
    columns: dict[str, list] = {name: [] for name in FILLS_SCHEMA.names}
    for i, (ts, instrument, side, quantity, price, fee, pnl, after) in enumerate(rows):
        columns["ts_event"].append(ts)
        columns["order_id"].append(f"f{i + 1}")
        columns["instrument_id"].append(instrument)
        columns["side"].append(side)
        columns["quantity"].append(quantity)
        columns["price"].append(price)
        columns["notional"].append(quantity * price)
        columns["fee"].append(fee)
        columns["liquidity"].append("maker" if fee < 0 else "taker")
        columns["realized_pnl"].append(pnl)
        columns["position_after"].append(after)
    return pa.table(columns, schema=FILLS_SCHEMA)


def equity_table(ts: list[int], equity: list[float]) -> pa.Table:
    """An equity curve."""
    return pa.table({"ts": ts, "equity": equity}, schema=EQUITY_SCHEMA)


def orders_table(n: int = 1) -> pa.Table:
    """``n`` filled market orders (one NaN price each)."""
    return pa.table({
        "order_id": [f"o{i}" for i in range(n)], "instrument_id": ["A.SIM"] * n,
        "side": [1] * n, "type": ["market"] * n, "time_in_force": ["gtc"] * n,
        "quantity": [1.0] * n, "price": [math.nan] * n, "trigger_price": [math.nan] * n,
        "status": ["filled"] * n, "filled_quantity": [1.0] * n, "avg_fill_price": [10.0] * n,
        "ts_init": list(range(n)), "ts_last": list(range(n)), "reason": [""] * n,
        "rule": [""] * n,
    }, schema=ORDERS_SCHEMA)


def positions_table() -> pa.Table:
    """One flat position."""
    return pa.table({"instrument_id": ["A.SIM"], "quantity": [0.0], "avg_price": [0.0],
                     "realized_pnl": [3.0], "unrealized_pnl": [0.0], "fees": [0.6]},
                    schema=POSITIONS_SCHEMA)


#: Three round trips on A (the second closed by a flip that opens the third), and two on B
#: (the second still open at the end, ts 1000). Worked out in test_round_trips.py.
MIXED_FILLS: list[Fill] = [
    (100, "A.SIM", +1, 2.0, 10.0, 0.2, 0.0, 2.0),
    (200, "A.SIM", +1, 1.0, 13.0, 0.1, 0.0, 3.0),
    (250, "B.SIM", +1, 1.0, 50.0, 0.05, 0.0, 1.0),
    (300, "A.SIM", -1, 3.0, 12.0, 0.3, 3.0, 0.0),
    (400, "A.SIM", -1, 2.0, 12.0, 0.2, 0.0, -2.0),
    (500, "A.SIM", +1, 5.0, 13.0, 0.5, -2.0, 3.0),
    (600, "A.SIM", -1, 3.0, 14.0, -0.15, 3.0, 0.0),
    (700, "B.SIM", -1, 1.0, 49.0, 0.05, -1.0, 0.0),
    (900, "B.SIM", +1, 1.0, 48.0, 0.05, 0.0, 1.0),
]


def as_numpy(table: pa.Table, column: str) -> np.ndarray:
    """A column as numpy."""
    return table.column(column).to_numpy(zero_copy_only=False)
