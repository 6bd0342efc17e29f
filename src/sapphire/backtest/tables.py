"""Arrow schemas of a backtest run's tables, and their checks.

These are the contract between the engine (which fills them) and the results,
statistics and reports (which read them). Times are int64 ns UTC; money is in
the account's base currency; quantities are in instrument units (not lots).

=========  ==================================================================
table      columns
=========  ==================================================================
fills      ts_event, order_id, instrument_id, side (+1 buy / -1 sell), quantity
           (> 0), price, notional (abs), fee (> 0 cost, < 0 rebate), liquidity
           ("maker" | "taker"), realized_pnl (gross of fees), position_after
           (signed; exactly 0.0 when flat)
orders     order_id, instrument_id, side, type, time_in_force, quantity, price
           (NaN if none), trigger_price (NaN if none), status (final),
           filled_quantity, avg_fill_price, ts_init, ts_last, reason, rule (the
           risk rule that denied it; "" if none)
positions  instrument_id, quantity (final, signed), avg_price, realized_pnl,
           unrealized_pnl, fees
equity     ts, equity
price      ts, price (one table per instrument: a down-sampled path for charts)
=========  ==================================================================
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.errors import DataValidationError, SchemaError

FILLS_SCHEMA = pa.schema([
    ("ts_event", pa.int64()),
    ("order_id", pa.string()),
    ("instrument_id", pa.string()),
    ("side", pa.int8()),
    ("quantity", pa.float64()),
    ("price", pa.float64()),
    ("notional", pa.float64()),
    ("fee", pa.float64()),
    ("liquidity", pa.string()),
    ("realized_pnl", pa.float64()),
    ("position_after", pa.float64()),
])

ORDERS_SCHEMA = pa.schema([
    ("order_id", pa.string()),
    ("instrument_id", pa.string()),
    ("side", pa.int8()),
    ("type", pa.string()),
    ("time_in_force", pa.string()),
    ("quantity", pa.float64()),
    ("price", pa.float64()),
    ("trigger_price", pa.float64()),
    ("status", pa.string()),
    ("filled_quantity", pa.float64()),
    ("avg_fill_price", pa.float64()),
    ("ts_init", pa.int64()),
    ("ts_last", pa.int64()),
    ("reason", pa.string()),
    ("rule", pa.string()),
])

TRADING_STATES_SCHEMA = pa.schema([
    ("ts", pa.int64()),
    ("previous", pa.string()),
    ("state", pa.string()),
    ("rule", pa.string()),
    ("reason", pa.string()),
])
"""Changes of the pre-trade risk engine's trading state (active, reducing, halted): when,
from what, to what, the rule that caused it ("user" for a manual change) and why."""

POSITIONS_SCHEMA = pa.schema([
    ("instrument_id", pa.string()),
    ("quantity", pa.float64()),
    ("avg_price", pa.float64()),
    ("realized_pnl", pa.float64()),
    ("unrealized_pnl", pa.float64()),
    ("fees", pa.float64()),
])

EQUITY_SCHEMA = pa.schema([("ts", pa.int64()), ("equity", pa.float64())])

PRICE_SCHEMA = pa.schema([("ts", pa.int64()), ("price", pa.float64())])

#: Columns of each table that may hold NaN (everything else must be finite).
_NAN_ALLOWED = {"orders": {"price", "trigger_price", "avg_fill_price"}}


def conform_table(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    """Return ``table`` with its columns in ``schema``'s order, after checking names and types.

    Raises
    ------
    SchemaError
        A column is missing, unexpected or of another type, or ``table`` is not a
        ``pyarrow.Table``.
    DataValidationError
        A column holds nulls, or a float column NaN or infinity where not allowed.
    """
    if not isinstance(table, pa.Table):
        raise SchemaError(f"{name}: expected a pyarrow.Table, got {type(table).__name__}")
    missing = [f.name for f in schema if f.name not in table.column_names]
    unexpected = [c for c in table.column_names if c not in schema.names]
    if missing or unexpected:
        raise SchemaError(
            f"{name}: columns do not match; missing {missing}, unexpected {unexpected} "
            f"(expected {schema.names})"
        )
    for field in schema:
        actual = table.schema.field(field.name).type
        if actual != field.type:
            raise SchemaError(
                f"{name}: column '{field.name}' has type {actual}, expected {field.type}"
            )
    table = table.select(schema.names)
    allowed = _NAN_ALLOWED.get(name, set())
    for field in schema:
        column = table.column(field.name)
        if column.null_count:
            row = _first_row(pc.is_null(column))
            raise DataValidationError("null value", source=name, row=row, column=field.name)
        if pa.types.is_floating(field.type):
            values = column.to_numpy()
            bad = ~np.isfinite(values) if field.name not in allowed else np.isinf(values)
            if bad.any():
                row = int(np.flatnonzero(bad)[0]) + 1
                raise DataValidationError(
                    "value is not finite", source=name, row=row, column=field.name,
                    value=float(values[row - 1]),
                )
    return table


def check_fills(fills: pa.Table) -> pa.Table:
    """Check a fills table (schema and values) and return it with columns in schema order.

    Rules: ``ts_event`` non-decreasing; ``side`` is +1 or -1; ``quantity`` > 0;
    ``notional`` >= 0; ``liquidity`` is "maker" or "taker".
    """
    fills = conform_table(fills, FILLS_SCHEMA, "fills")
    ts = fills.column("ts_event").to_numpy()
    _require(np.diff(ts) >= 0, "fills", "ts_event", ts[1:], "time goes backwards", offset=1)
    side = fills.column("side").to_numpy()
    _require(np.abs(side) == 1, "fills", "side", side, "side must be +1 (buy) or -1 (sell)")
    quantity = fills.column("quantity").to_numpy()
    _require(quantity > 0, "fills", "quantity", quantity, "quantity must be > 0")
    notional = fills.column("notional").to_numpy()
    _require(notional >= 0, "fills", "notional", notional, "notional must be >= 0")
    liquidity = fills.column("liquidity")
    good = pc.is_in(liquidity, value_set=pa.array(["maker", "taker"]))
    good = good.to_numpy(zero_copy_only=False)
    _require(good, "fills", "liquidity", liquidity.to_numpy(zero_copy_only=False),
             "liquidity must be 'maker' or 'taker'")
    return fills


def check_equity(equity: pa.Table) -> pa.Table:
    """Check an equity curve: at least one row, ``ts`` non-decreasing, first equity > 0."""
    equity = conform_table(equity, EQUITY_SCHEMA, "equity")
    if equity.num_rows == 0:
        raise DataValidationError("the equity curve is empty: expected at least one sample",
                                  source="equity")
    ts = equity.column("ts").to_numpy()
    _require(np.diff(ts) >= 0, "equity", "ts", ts[1:], "time goes backwards", offset=1)
    first = float(equity.column("equity")[0].as_py())
    if first <= 0:
        raise DataValidationError("the first equity must be > 0 (returns are relative to it)",
                                  source="equity", row=1, column="equity", value=first)
    return equity


def check_prices(prices: pa.Table, instrument_id: str) -> pa.Table:
    """Check one instrument's price path: ``ts`` non-decreasing, prices finite."""
    name = f"prices[{instrument_id}]"
    prices = conform_table(prices, PRICE_SCHEMA, name)
    ts = prices.column("ts").to_numpy()
    _require(np.diff(ts) >= 0, name, "ts", ts[1:], "time goes backwards", offset=1)
    return prices


def _require(good: np.ndarray, source: str, column: str, values: np.ndarray, reason: str,
             offset: int = 0) -> None:
    """Raise naming the first row where ``good`` is False (rows are 1-based)."""
    if not np.all(good):
        index = int(np.flatnonzero(~np.asarray(good))[0])
        value = values[index]
        raise DataValidationError(reason, source=source, row=index + offset + 1, column=column,
                                  value=value.item() if hasattr(value, "item") else value)


def _first_row(mask: pa.ChunkedArray) -> int:
    return int(np.flatnonzero(mask.to_numpy(zero_copy_only=False))[0]) + 1
