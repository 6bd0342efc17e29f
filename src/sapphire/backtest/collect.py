"""Turn a finished run's kernel state into the result tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sapphire.backtest.tables import (
    FILLS_SCHEMA,
    ORDERS_SCHEMA,
    POSITIONS_SCHEMA,
    TRADING_STATES_SCHEMA,
)

if TYPE_CHECKING:
    from sapphire.backtest.streams import Stream
    from sapphire.engine.kernel import Kernel
    from sapphire.model.account import Account
    from sapphire.model.orders import Order

_NAN = float("nan")


def fills_table(kernel: Kernel) -> pa.Table:
    return pa.table(kernel.portfolio.fills.columns, schema=FILLS_SCHEMA)


def orders_table(kernel: Kernel) -> pa.Table:
    orders = list(kernel.cache.orders.values())
    units = {i.id: (float(i.price_increment), float(i.size_increment))
             for i in kernel.cache.instruments}
    price_unit = [units[o.instrument_id][0] for o in orders]
    size_unit = [units[o.instrument_id][1] for o in orders]
    columns = {
        "order_id": [o.order_id for o in orders],
        "instrument_id": [str(o.instrument_id) for o in orders],
        "side": [o.sign for o in orders],
        "type": [o.type for o in orders],
        "time_in_force": [o.time_in_force for o in orders],
        "quantity": [o.quantity * u for o, u in zip(orders, size_unit, strict=True)],
        "price": [_NAN if o.price is None else o.price * u
                  for o, u in zip(orders, price_unit, strict=True)],
        "trigger_price": [_NAN if o.trigger_price is None else o.trigger_price * u
                          for o, u in zip(orders, price_unit, strict=True)],
        "status": [o.status for o in orders],
        "filled_quantity": [o.filled * u for o, u in zip(orders, size_unit, strict=True)],
        "avg_fill_price": [o.avg_price * u if o.filled else _NAN
                           for o, u in zip(orders, price_unit, strict=True)],
        "ts_init": [o.ts_init for o in orders],
        "ts_last": [o.ts_last for o in orders],
        "reason": [o.reason for o in orders],
        "rule": [_denied_by(o) for o in orders],
    }
    return pa.table(columns, schema=ORDERS_SCHEMA)


def _denied_by(order: Order) -> str:
    """The rule that denied ``order`` ("" if it was not denied)."""
    if order.status.value != "denied" or not order.events:
        return ""
    return str(getattr(order.events[-1], "rule", ""))


def trading_states_table(kernel: Kernel) -> pa.Table:
    """The risk engine's trading-state changes (empty without a risk engine that keeps them)."""
    changes = getattr(kernel.execution.risk, "state_changes", [])
    return pa.table({
        "ts": [c.ts for c in changes], "previous": [str(c.previous) for c in changes],
        "state": [str(c.state) for c in changes], "rule": [c.rule for c in changes],
        "reason": [c.reason for c in changes]}, schema=TRADING_STATES_SCHEMA)


def positions_table(accounts: list[Account]) -> pa.Table:
    """One row per position (open and closed), in the order they were opened."""
    rows: dict[str, list[object]] = {name: [] for name in POSITIONS_SCHEMA.names}
    for account in accounts:
        every = sorted([*account.closed_positions, *account.positions.values()],
                       key=lambda p: p.opened_ns)
        for position in every:
            mark = account.mark_of(position.instrument_id)
            math = position.math
            values = {
                "instrument_id": str(position.instrument_id),
                "quantity": position.quantity * math.size_unit,
                "avg_price": position.avg_price * math.price_unit,
                "realized_pnl": position.realized_pnl,
                "unrealized_pnl": position.unrealized_pnl(mark) if mark is not None else 0.0,
                "fees": position.fees,
            }
            for name, value in values.items():
                rows[name].append(value)
    return pa.table(rows, schema=POSITIONS_SCHEMA)


def price_paths(streams: list[Stream], points: int) -> dict[str, pa.Table]:
    """A down-sampled price path per instrument from its matching stream (mid, trade, close)."""
    paths = {}
    for stream in streams:
        if not stream.matching or len(stream) == 0:
            continue
        rows = np.unique(np.linspace(0, len(stream) - 1, num=min(points, len(stream)))
                         .astype(np.int64))
        price = stream.marks(rows)
        priced = np.isfinite(price)  # a book has no price until it has had both sides
        rows, price = rows[priced], price[priced]
        paths[str(stream.instrument.id)] = pa.table({
            "ts": pa.array(stream.ts[rows], pa.int64()), "price": pa.array(price, pa.float64())})
    return paths
