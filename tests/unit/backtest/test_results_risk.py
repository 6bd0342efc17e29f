"""Risk in the results: the orders table's rule column and the trading-state changes."""

import pyarrow as pa
import pytest

from sapphire.backtest.results import TRADING_STATES_FILE, BacktestResult
from sapphire.backtest.tables import TRADING_STATES_SCHEMA
from sapphire.core.errors import SchemaError
from tests.unit.backtest.results_helpers import (
    equity_table,
    fills_table,
    orders_table,
    positions_table,
)


def result(**extra) -> BacktestResult:
    return BacktestResult(run_id="r1", strategy="m:C", config={}, base_currency="USDT",
                          starting_equity=1.0, start_ns=0, end_ns=10, fills=fills_table([]),
                          orders=extra.pop("orders", orders_table(2)),
                          positions=positions_table(), equity=equity_table([0], [1.0]),
                          **extra)


def states() -> pa.Table:
    return pa.table({"ts": [5], "previous": ["active"], "state": ["halted"],
                     "rule": ["max_daily_loss"], "reason": ["loss 1,000.01 USDT > limit"]},
                    schema=TRADING_STATES_SCHEMA)


def test_trading_states_are_saved_and_loaded(tmp_path):
    saved = result(trading_states=states())
    folder = saved.save(tmp_path)
    assert (folder / TRADING_STATES_FILE).exists()
    loaded = BacktestResult.load(folder)
    assert loaded.trading_states.to_pylist() == states().to_pylist()


def test_a_run_without_state_changes_writes_no_file_and_loads_empty(tmp_path):
    folder = result().save(tmp_path)
    assert not (folder / TRADING_STATES_FILE).exists()
    assert BacktestResult.load(folder).trading_states.num_rows == 0


def test_orders_from_before_the_rule_column_get_an_empty_rule():
    old = orders_table(2).drop_columns(["rule"])
    assert result(orders=old).orders.column("rule").to_pylist() == ["", ""]


def test_trading_states_with_wrong_columns_are_refused():
    with pytest.raises(SchemaError, match="trading_states: columns do not match"):
        result(trading_states=pa.table({"ts": [1]}))


def test_summary_lists_denials_by_rule_and_state_changes():
    from rich.console import Console

    from sapphire.backtest.summary import print_summary

    orders = orders_table(3).to_pydict()
    orders["status"] = ["denied", "denied", "filled"]
    orders["rule"] = ["price_band", "max_open_orders", ""]
    console = Console(record=True, width=200)
    print_summary(result(orders=pa.table(orders, schema=orders_table(0).schema),
                         trading_states=states()), console)
    text = console.export_text()
    assert "risk denied 2 orders: max_open_orders 1, price_band 1" in text
    assert ("1970-01-01T00:00:00.000000005Z trading active -> halted (max_daily_loss: "
            "loss 1,000.01 USDT > limit)") in text
