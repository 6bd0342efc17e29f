"""The `sapphire` command end to end, on a small generated market."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sapphire.cli import app

from ..unit.data.catalog_helpers import tree_digest

runner = CliRunner()

SPECS = """
[[instrument]]
type = "fx"
id = "EURUSD.SIM"
base_currency = "EUR"
quote_currency = "USD"
price_increment = "0.00001"
size_increment = "1"
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    catalog = tmp_path_factory.mktemp("cli") / "catalog"
    result = runner.invoke(app, ["data", "generate", "--catalog", str(catalog), "--events", "20000",
                                 "--seed", "3"])
    assert result.exit_code == 0, result.output
    return catalog


def test_ls_lists_generated_series(generated):
    result = runner.invoke(app, ["data", "ls", "--catalog", str(generated)])
    assert result.exit_code == 0, result.output
    for name in ("BTCUSDT.BINANCE", "EURUSD.SIM", "quotes", "trades", "l2_deltas", "bars"):
        assert name in result.output


def test_sql_query_over_views(generated):
    result = runner.invoke(app, ["data", "query", "--catalog", str(generated), "--sql",
                                 "SELECT count(*) AS crossed FROM quotes "
                                 "WHERE bid_price >= ask_price"])
    assert result.exit_code == 0, result.output
    assert "crossed" in result.output and "│ 0 " in result.output


def test_series_query_with_time_range(generated):
    result = runner.invoke(app, ["data", "query", "quotes", "EURUSD.SIM", "--catalog",
                                 str(generated), "--end", "2024-01-01", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "0 of 0 rows" in result.output


def test_unknown_data_type_exits_non_zero(generated):
    result = runner.invoke(app, ["data", "query", "candles", "EURUSD.SIM",
                                 "--catalog", str(generated)])
    assert result.exit_code == 1
    assert "unknown data type 'candles'" in result.output


def test_import_of_a_bad_file_names_row_and_column_and_changes_nothing(tmp_path):
    catalog = tmp_path / "catalog"
    specs = tmp_path / "specs.toml"
    specs.write_text(SPECS)
    good = tmp_path / "good.csv"
    good.write_text("timestamp,bid,ask\n2024-01-01T00:00:00Z,1.10000,1.10002\n"
                    "2024-01-01T00:00:01Z,1.10001,1.10003\n")
    args = ["data", "import", "--catalog", str(catalog), "--format", "csv", "--data-type",
            "quotes", "--instrument", "EURUSD.SIM", "--instruments", str(specs),
            "--map", "ts_event=timestamp", "--map", "bid_price=bid", "--map", "ask_price=ask"]
    ok = runner.invoke(app, [*args[:2], str(good), *args[2:]])
    assert ok.exit_code == 0, ok.output
    assert "imported 2 rows" in ok.output
    before = tree_digest(catalog)
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,bid,ask\n2024-01-01T00:00:02Z,1.10000,1.10002\n"
                   "2024-01-01T00:00:03Z,-1.10001,1.10003\n")
    failed = runner.invoke(app, [*args[:2], str(bad), *args[2:]])
    assert failed.exit_code == 1
    message = " ".join(failed.output.split())
    assert "bad.csv" in message and "row 2" in message and "'bid'" in message
    assert tree_digest(catalog) == before
