"""Turn a finished run's kernel state into the result tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sapphire.backtest.kinds import BAR, QUOTE
from sapphire.backtest.tables import FILLS_SCHEMA, ORDERS_SCHEMA, POSITIONS_SCHEMA

if TYPE_CHECKING:
    from sapphire.backtest.streams import Stream
    from sapphire.engine.kernel import Kernel
    from sapphire.model.account import Account

_NAN = float("nan")


def fills_table(kernel: Kernel) -> pa.Table:
    return pa.table(kernel.portfolio.fills.columns, schema=FILLS_SCHEMA)


def orders_table(kernel: Kernel) -> pa.Table:
    rows: dict[str, list[object]] = {name: [] for name in ORDERS_SCHEMA.names}
    for order in kernel.cache.orders.values():
        instrument = kernel.cache.instrument(order.instrument_id)
        price_unit = float(instrument.price_increment)
        size_unit = float(instrument.size_increment)
        values = {
            "order_id": order.order_id, "instrument_id": str(order.instrument_id),
            "side": order.sign, "type": order.type.value,
            "time_in_force": order.time_in_force.value,
            "quantity": order.quantity * size_unit,
            "price": _NAN if order.price is None else order.price * price_unit,
            "trigger_price": (_NAN if order.trigger_price is None
                              else order.trigger_price * price_unit),
            "status": order.status.value, "filled_quantity": order.filled * size_unit,
            "avg_fill_price": order.avg_price * price_unit if order.filled else _NAN,
            "ts_init": order.ts_init, "ts_last": order.ts_last, "reason": order.reason,
        }
        for name, value in values.items():
            rows[name].append(value)
    return pa.table(rows, schema=ORDERS_SCHEMA)


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
        step = stream.instrument.price_step
        if stream.kind == QUOTE:
            ticks = (stream.columns[0][rows] + stream.columns[1][rows]) / 2.0
            price = ticks * float(step.value)
        elif stream.kind == BAR:
            price = step.from_units(stream.columns[3][rows]) / stream.price_scale
        else:
            price = step.from_units(stream.columns[0][rows])
        paths[str(stream.instrument.id)] = pa.table({
            "ts": pa.array(stream.ts[rows], pa.int64()), "price": pa.array(price, pa.float64())})
    return paths
