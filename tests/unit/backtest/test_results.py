"""BacktestResult: run ids, the fills hash, validation, saving, loading and listing."""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sapphire.backtest import results as results_module
from sapphire.backtest.results import BacktestResult, fills_hash, list_runs, new_run_id
from sapphire.backtest.tables import FILLS_SCHEMA, PRICE_SCHEMA
from sapphire.core.errors import ConfigError, DataValidationError, ResultsError, SchemaError
from sapphire.core.time import NS_PER_S
from tests.unit.backtest.results_helpers import (
    MIXED_FILLS,
    as_numpy,
    equity_table,
    fills_table,
    orders_table,
    positions_table,
)

T0 = 1_795_256_130 * NS_PER_S + 500_000_000   # 2026-11-21T10:15:30.5Z


def make_result(run_id: str = "20261121T101530Z-0000abcd", **changes) -> BacktestResult:
    fields = {
        "strategy": "sapphire.strategy.examples:EmaCross",
        "config": {"fast": 10, "slow": 20, "instrument": "A.SIM", "fee": 0.001},
        "base_currency": "USD", "starting_equity": 1000.0, "start_ns": 0, "end_ns": 1000,
        "fills": fills_table(MIXED_FILLS), "orders": orders_table(2),
        "positions": positions_table(),
        "equity": equity_table([0, 500, 1000], [1000.0, 1010.0, 990.0]),
        "prices": {"A.SIM": pa.table({"ts": [0, 500], "price": [10.0, 12.0]}, schema=PRICE_SCHEMA),
                   "B/X.SIM": pa.table({"ts": [0], "price": [50.0]}, schema=PRICE_SCHEMA)},
        "errors": ["strategy raised in on_bar at ts=900: boom"],
    }
    fields.update(changes)
    return BacktestResult.from_run(run_id=run_id, **fields)


def assert_same_table(actual: pa.Table, expected: pa.Table) -> None:
    """Equal schema and values, NaN equal to NaN (orders hold NaN prices)."""
    assert actual.schema == expected.schema
    for name in expected.column_names:
        np.testing.assert_array_equal(as_numpy(actual, name), as_numpy(expected, name), name)


def test_run_id_has_the_utc_second_and_random_hex():
    first, second = new_run_id(T0), new_run_id(T0)
    assert re.fullmatch(r"20261121T101530Z-[0-9a-f]{8}", first)
    assert first != second


def test_fills_hash_is_sha256_of_the_documented_byte_form():
    fills = fills_table(MIXED_FILLS[:1])
    expected = hashlib.sha256(b"sapphire.fills/1\n")
    expected.update(struct.pack("<Q", 1))
    # One row: (100, "A.SIM", +1, 2.0, 10.0, fee 0.2, pnl 0.0, position 2.0), order id "f1".
    values = {"ts_event": struct.pack("<q", 100), "order_id": struct.pack("<Q", 2) + b"f1",
              "instrument_id": struct.pack("<Q", 5) + b"A.SIM", "side": struct.pack("<b", 1),
              "quantity": struct.pack("<d", 2.0), "price": struct.pack("<d", 10.0),
              "notional": struct.pack("<d", 20.0), "fee": struct.pack("<d", 0.2),
              "liquidity": struct.pack("<Q", 5) + b"taker",
              "realized_pnl": struct.pack("<d", 0.0), "position_after": struct.pack("<d", 2.0)}
    for field in FILLS_SCHEMA:
        expected.update(f"{field.name}:{field.type}\n".encode())
        expected.update(values[field.name])
    assert fills_hash(fills) == expected.hexdigest()


def test_fills_hash_ignores_chunking_and_column_order_but_not_values():
    fills = fills_table(MIXED_FILLS)
    chunked = pa.concat_tables([fills.slice(0, 4), fills.slice(4)])
    assert chunked.column("order_id").num_chunks == 2
    assert fills_hash(chunked) == fills_hash(fills)
    assert fills_hash(fills.select(list(reversed(fills.column_names)))) == fills_hash(fills)
    assert fills_hash(fills.slice(1)) != fills_hash(fills)
    changed = fills_table([(*MIXED_FILLS[0][:4], 10.000001, *MIXED_FILLS[0][5:]),
                           *MIXED_FILLS[1:]])
    assert fills_hash(changed) != fills_hash(fills)


def test_fills_hash_treats_negative_zero_as_zero():
    fills = fills_table(MIXED_FILLS[:4])
    after = fills.column("position_after").to_pylist()
    negative = fills.set_column(10, "position_after", [[*after[:3], -0.0]])
    assert fills_hash(negative) == fills_hash(fills)


def test_from_run_computes_statistics():
    result = make_result()
    assert result.statistics["fills"] == 9
    assert result.statistics["turnover"] == pytest.approx(347 / 1005)
    assert result.statistics["profit_factor"] == pytest.approx(1.5)
    assert result.fills_hash == fills_hash(result.fills)


def test_from_run_gives_a_new_id_from_the_creation_time():
    result = BacktestResult.from_run(
        strategy="m:C", config={}, base_currency="USD", starting_equity=1.0, start_ns=0,
        end_ns=0, fills=fills_table([]), orders=orders_table(0), positions=positions_table(),
        equity=equity_table([0], [1.0]), created_ns=T0)
    assert result.run_id.startswith("20261121T101530Z-")


def test_save_and_load_round_trip(tmp_path):
    result = make_result()
    path = result.save(tmp_path / "backtests")
    assert path == tmp_path / "backtests" / result.run_id
    assert sorted(p.name for p in path.iterdir()) == [
        "equity.parquet", "fills.parquet", "orders.parquet", "positions.parquet",
        "prices.parquet", "run.json"]
    loaded = BacktestResult.load(path)
    for name in ("run_id", "strategy", "config", "base_currency", "starting_equity",
                 "start_ns", "end_ns", "errors", "fills_hash"):
        assert getattr(loaded, name) == getattr(result, name), name
    for name in ("fills", "orders", "positions", "equity"):
        assert_same_table(getattr(loaded, name), getattr(result, name))
    assert list(loaded.prices) == ["A.SIM", "B/X.SIM"]
    for instrument, prices in result.prices.items():
        assert_same_table(loaded.prices[instrument], prices)
    assert loaded.statistics.keys() == result.statistics.keys()
    for key, value in result.statistics.items():
        assert loaded.statistics[key] == value or (math.isnan(value)
                                                   and math.isnan(loaded.statistics[key])), key
    assert BacktestResult.load(tmp_path / "backtests", result.run_id).run_id == result.run_id


def test_run_json_is_strict_json_with_the_statistics_and_hash(tmp_path):
    result = make_result(equity=equity_table([0, 1000], [1000.0, 1000.0]))
    assert math.isnan(result.statistics["sharpe"])
    assert result.statistics["profit_factor"] == 1.5
    path = result.save(tmp_path)

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    manifest = json.loads((path / "run.json").read_text(), parse_constant=refuse)
    assert manifest["statistics"]["sharpe"] == "NaN"
    assert manifest["fills_hash"] == result.fills_hash
    assert manifest["start"] == "1970-01-01T00:00:00.000000000Z"
    assert manifest["rows"]["fills"] == 9
    assert manifest["config"]["fast"] == 10


def test_infinite_statistic_survives_save(tmp_path):
    result = make_result()
    stats = dict(result.statistics, profit_factor=math.inf)
    fields = {k: v for k, v in result.__dict__.items() if k != "fills_hash"}
    changed = BacktestResult(**{**fields, "statistics": stats})
    assert BacktestResult.load(changed.save(tmp_path)).statistics["profit_factor"] == math.inf


def test_save_never_replaces_a_run(tmp_path):
    result = make_result()
    result.save(tmp_path)
    with pytest.raises(ResultsError, match="exists already"):
        result.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [result.run_id]


def test_failed_save_leaves_nothing_behind(tmp_path, monkeypatch):
    def fail(table, path):
        raise OSError("disk full")

    monkeypatch.setattr(results_module, "_write_parquet", fail)
    with pytest.raises(ResultsError, match=r"cannot save run .*disk full"):
        make_result().save(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_load_detects_changed_fills(tmp_path):
    path = make_result().save(tmp_path)
    fills = pq.read_table(path / "fills.parquet")
    pq.write_table(fills.slice(1), path / "fills.parquet")
    with pytest.raises(ResultsError, match=r"fills hash .* does not match"):
        BacktestResult.load(path)


def test_load_of_a_missing_run_names_the_file(tmp_path):
    with pytest.raises(ResultsError, match=r"run\.json does not exist"):
        BacktestResult.load(tmp_path / "nothing")


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(extra=1), r"unexpected \['extra'\]"),
    (lambda m: m.pop("errors"), r"missing \['errors'\]"),
    (lambda m: m.update(format="other/9"), "format 'other/9'"),
    (lambda m: m.update(run_id="x"), "differs from its folder"),
    (lambda m: m["statistics"].update(sharpe="big"), "statistic value 'big'"),
    (lambda m: m.update(strategy="no-colon"), "invalid strategy"),
])
def test_load_rejects_a_bad_run_json(tmp_path, change, message):
    path = make_result().save(tmp_path)
    manifest = json.loads((path / "run.json").read_text())
    change(manifest)
    (path / "run.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsError, match=message):
        BacktestResult.load(path)


def test_load_rejects_unreadable_json(tmp_path):
    path = make_result().save(tmp_path)
    (path / "run.json").write_text("{not json")
    with pytest.raises(ResultsError, match="not readable JSON"):
        BacktestResult.load(path)


def test_list_runs_sorted_by_id_skipping_unfinished_saves(tmp_path):
    make_result("20261121T101531Z-00000002").save(tmp_path)
    make_result("20261121T101530Z-00000001").save(tmp_path)
    (tmp_path / ".tmp-20261121T101532Z-00000003-abcd").mkdir()
    runs = list_runs(tmp_path)
    assert [r.run_id for r in runs] == ["20261121T101530Z-00000001", "20261121T101531Z-00000002"]
    assert runs[0].strategy == "sapphire.strategy.examples:EmaCross"
    assert runs[0].statistics["fills"] == 9
    assert runs[0].errors == 1
    assert runs[0].path == tmp_path / "20261121T101530Z-00000001"


def test_list_runs_of_an_absent_folder_is_empty(tmp_path):
    assert list_runs(tmp_path / "absent") == []


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"strategy": "EmaCross"}, ConfigError, "invalid strategy 'EmaCross'"),
    ({"config": {"x": math.nan}}, ConfigError, "config is not JSON-able"),
    ({"config": {"x": {1, 2}}}, ConfigError, "config is not JSON-able"),
    ({"config": [1]}, ConfigError, "config must be a dict, was list"),
    ({"base_currency": ""}, ConfigError, "invalid base_currency ''"),
    ({"starting_equity": 0.0}, ConfigError, "starting_equity must be > 0, was 0.0"),
    ({"starting_equity": math.inf}, ConfigError, "starting_equity must be a finite number"),
    ({"end_ns": -1}, ConfigError, "end_ns -1 is before start_ns 0"),
    ({"start_ns": 0.5}, ConfigError, "start_ns must be an integer"),
    ({"errors": "boom"}, ConfigError, "errors must be a list of str"),
    ({"statistics": {"x": "1"}}, ConfigError, "statistic 'x' = '1'"),
    ({"orders": positions_table()}, SchemaError, "orders: columns do not match"),
    ({"prices": {"A.SIM": pa.table({"ts": [1, 0], "price": [1.0, 1.0]})}}, DataValidationError,
     r"prices\[A.SIM\], row 2, column 'ts': time goes backwards"),
    ({"prices": [1]}, ConfigError, "prices must be a dict"),
])
def test_bad_result_fields_are_rejected(changes, error, message):
    base = make_result()
    fields = {**base.__dict__, **changes}
    fields.pop("fills_hash", None)
    with pytest.raises(error, match=message):
        BacktestResult(**fields)


@pytest.mark.parametrize("strategy", ["pkg.mod:Outer.Inner", "tests.x:test_a.<locals>.Local"])
def test_nested_and_local_strategy_classes_are_accepted(strategy):
    assert make_result(strategy=strategy).strategy == strategy


@pytest.mark.parametrize("run_id", ["", "../up", "a/b", ".hidden"])
def test_unsafe_run_ids_are_rejected(run_id):
    with pytest.raises(ConfigError, match="invalid run_id"):
        make_result(run_id)
