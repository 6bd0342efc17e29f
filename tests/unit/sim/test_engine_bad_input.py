"""Bad input through the engine: a clear error, or a run that stops with its results kept."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.core.errors import (
    ConfigError,
    DataValidationError,
    SchemaError,
    UnknownInstrumentError,
)
from sapphire.core.identifiers import InstrumentId
from tests.unit.sim._harness import SPOT_ID, Script, bars, quotes, run, spot

ETH_ID = InstrumentId.parse("ETHUSDT.SIM")


def engine() -> BacktestEngine:
    built = BacktestEngine()
    built.add_venue(VenueConfig(name="SIM", currency="USDT", starting_balance=100_000.0))
    built.add_instrument(spot())
    return built


def test_strategy_raising_in_on_bar_stops_the_run_and_keeps_what_happened() -> None:
    stopped: list[bool] = []

    def boom(s: Script) -> None:
        raise ValueError("boom")

    class Stops(Script):
        def on_stop(self) -> None:
            stopped.append(True)

    steps = {60: lambda s: s.submit(s.orders.market(SPOT_ID, Side.BUY, "1")), 120: boom}
    data = bars([(60, 100, 101, 99, 100), (120, 100, 102, 99, 101), (180, 101, 103, 100, 102)])
    out = run(data, steps, kind="bars", strategy=Stops(steps, kind="bars"))
    assert out.result.errors == ["Stops raised in on_bar at ts=120: ValueError: boom"]
    # the fill before the error is kept, and the bar after it was never delivered
    assert out.fill_rows() == [("Stops-1", 1, 1.0, 100.0, "taker", 0.1)]
    assert out.strategy.seen == [60, 120]
    assert out.status("Stops-1") == ("filled", 1.0, "")
    assert stopped == [True]
    assert out.result.positions.column("quantity").to_pylist() == [1.0]
    # equity at the stop: marked at the close of the bar being handled (101): +1 - 0.1
    assert out.equity == pytest.approx(100_000 + 1.0 - 0.1)


def test_strategy_raising_in_on_order_event_names_that_handler() -> None:
    class Raises(Script):
        def on_fill(self, fill: Any) -> None:
            raise RuntimeError(f"cannot handle {fill.order_id}")

    steps = {2: lambda s: s.submit(s.orders.market(SPOT_ID, Side.BUY, "1"))}
    data = quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2), (3, 100, 101, 2, 2)])
    out = run(data, steps, strategy=Raises(steps))
    assert out.result.errors == [
        "Raises raised in on_fill at ts=2: RuntimeError: cannot handle Raises-1"]
    assert len(out.fills) == 1


def test_order_for_an_unknown_instrument_stops_the_run_with_its_name() -> None:
    steps = {1: lambda s: s.submit(s.orders.market(ETH_ID, Side.BUY, "1"))}
    out = run(quotes([(1, 100, 101, 2, 2), (2, 100, 101, 2, 2)]), steps)
    (error,) = out.result.errors
    assert error.startswith("Script raised in on_quote at ts=1: UnknownInstrumentError: "
                            "unknown instrument ETHUSDT.SIM")
    assert out.fills == []


def test_timestamps_going_backwards_name_the_row() -> None:
    data = quotes([(1, 100, 101, 2, 2), (3, 100, 101, 2, 2), (2, 100, 101, 2, 2)])
    with pytest.raises(DataValidationError,
                       match=r"row 3, column 'ts_event': timestamps go backwards \(was 2\)"):
        engine().add_data(data, "quotes", SPOT_ID)


def test_unknown_instrument_in_add_data() -> None:
    with pytest.raises(UnknownInstrumentError,
                       match=r"unknown instrument ETHUSDT\.SIM: add it with add_instrument"):
        engine().add_data(quotes([(1, 100, 101, 2, 2)]), "quotes", ETH_ID)


def test_subscribing_to_bars_that_were_not_added() -> None:
    built = engine()
    built.add_data(quotes([(1, 100, 101, 2, 2)]), "quotes", SPOT_ID)
    built.add_strategy(Script({}, kind="bars", bar_type="BTCUSDT.SIM-1-min-last-external"))
    with pytest.raises(ConfigError, match=r"subscribed to data that was not added: "
                                          r"BTCUSDT\.SIM-1-min-last-external"):
        built.run()


def test_data_with_a_float_price_column_is_refused() -> None:
    table = quotes([(1, 100, 101, 2, 2)])
    table = table.set_column(2, "bid_price", pa.array([100.0], pa.float64()))
    with pytest.raises(SchemaError, match=r"column 'bid_price' must hold integers"):
        engine().add_data(table, "quotes", SPOT_ID)
