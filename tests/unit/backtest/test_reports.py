"""The HTML report, the terminal summary and the formatting they share."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from rich.console import Console

from sapphire.backtest.formatting import format_duration, format_statistic
from sapphire.backtest.report_html import _figure, _thin, html_report, write_html_report
from sapphire.backtest.summary import print_summary
from sapphire.core.errors import ConfigError, ResultsError
from sapphire.core.time import NS_PER_DAY, NS_PER_S
from tests.unit.backtest.test_results import make_result


@pytest.fixture(scope="module")
def report() -> str:
    return html_report(make_result(), max_fill_rows=5)


def test_report_is_self_contained(report):
    assert report.startswith("<!DOCTYPE html>")
    assert "<script src=" not in report                    # no CDN: plotly.js is inline
    assert re.search(r"plotly\.js v\d+\.\d+\.\d+", report)
    assert len(report) > 1_000_000


def test_report_has_the_traces(report):
    names = re.findall(r'"name":"([^"]*)"', report)
    assert names == ["Equity", "Drawdown", "A.SIM price", "A.SIM buys", "A.SIM sells",
                     "A.SIM inventory", r"B\u002fX.SIM price", r"B\u002fX.SIM buys",
                     r"B\u002fX.SIM sells", r"B\u002fX.SIM inventory", "B.SIM buys",
                     "B.SIM sells", "B.SIM inventory"]


def test_inventory_steps_through_the_position_after_each_fill():
    # A.SIM of MIXED_FILLS: flat at the start (0), then 2, 3, 0, -2, 3, 0 after its fills
    # at 100..600, held to the end of the run (1000)
    trace = {t.name: t for t in _figure(make_result(), 100).data}["A.SIM inventory"]
    assert np.asarray(trace.x).astype(np.int64).tolist() == [0, 100, 200, 300, 400, 500, 600,
                                                              1000]
    assert list(trace.y) == [0.0, 2.0, 3.0, 0.0, -2.0, 3.0, 0.0, 0.0]
    assert trace.line.shape == "hv"


def test_chart_marks_fills_at_their_times_and_prices():
    traces = {t.name: t for t in _figure(make_result(), 100).data}
    # A.SIM buys: f1 2 @ 10 (ts 100), f2 1 @ 13 (ts 200), f6 5 @ 13 (ts 500).
    buys = traces["A.SIM buys"]
    assert np.asarray(buys.x).astype(np.int64).tolist() == [100, 200, 500]
    assert list(buys.y) == [10.0, 13.0, 13.0]
    assert np.asarray(buys.customdata).tolist() == [[2.0, 0.2, 0.0], [1.0, 0.1, 0.0],
                                                    [5.0, 0.5, -2.0]]
    sells = traces["A.SIM sells"]
    assert np.asarray(sells.x).astype(np.int64).tolist() == [300, 400, 600]
    assert list(sells.y) == [12.0, 12.0, 14.0]
    # Drawdown in percent below zero: equity 1000, 1010, 990 -> 0, 0, -(1 - 990/1010).
    assert list(traces["Drawdown"].y) == pytest.approx([0, 0, -100 * (1 - 990 / 1010)])
    assert list(traces["Equity"].y) == [1000.0, 1010.0, 990.0]


def test_report_lists_the_statistics(report):
    # Fills of MIXED_FILLS, equity 1000 -> 1010 -> 990 over 1000 ns.
    for label, value in [("Total return", "-1.00%"), ("Max drawdown", "1.98%"),
                         ("Profit factor", "1.500"), ("Win rate", "50.00%"),
                         ("Total fees", "1.30 USD"), ("Exposure", "70.00%"),
                         ("Expectancy (per trade)", "0.44 USD"), ("Sharpe ratio", "n/a")]:
        assert f"<tr><td>{label}</td><td>{value}</td></tr>" in report, label


def test_report_has_the_run_id_hash_config_and_errors(report):
    result = make_result()
    assert "<h1>Backtest 20261121T101530Z-0000abcd</h1>" in report
    assert f"<td>{result.fills_hash}</td>" in report
    assert "sapphire.strategy.examples:EmaCross" in report
    assert "&quot;fast&quot;: 10" in report
    assert "strategy raised in on_bar at ts=900: boom" in report


def test_report_tables_are_cut_at_max_fill_rows(report):
    assert "<h2>Fills (first 5 of 9)</h2>" in report
    assert "<h2>Trades (round trips) (5)</h2>" in report
    assert "<td>f5</td>" in report
    assert "<td>f6</td>" not in report


def test_write_html_report(tmp_path):
    path = write_html_report(make_result(), tmp_path / "sub" / "report.html", max_fill_rows=1)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_html_report_to_a_bad_path(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ResultsError, match=r"cannot write the report to .*file/report\.html"):
        write_html_report(make_result(), tmp_path / "file" / "report.html")


@pytest.mark.parametrize(("options", "message"), [
    ({"max_fill_rows": -1}, "max_fill_rows must be an integer >= 0, was -1"),
    ({"max_points": 3}, "max_points must be an integer >= 4, was 3"),
    ({"max_points": 10.0}, "max_points must be an integer >= 4, was 10.0"),
])
def test_bad_report_options(options, message):
    with pytest.raises(ConfigError, match=message):
        html_report(make_result(), **options)


def test_thinning_keeps_extremes_of_each_bucket():
    ts = np.arange(10)
    values = np.array([5.0, 1, 7, 3, 9, 2, 8, 0, 6, 4])
    # 2 buckets of 5: [5,1,7,3,9] keeps 1 (idx 1) and 9 (idx 4); [2,8,0,6,4] keeps 8 (6), 0 (7);
    # plus the first and last samples.
    x, y = _thin(ts, values, 4)
    assert x.tolist() == [0, 1, 4, 6, 7, 9]
    assert y.tolist() == [5, 1, 9, 8, 0, 4]
    assert _thin(ts, values, 10)[0].tolist() == list(range(10))


def test_summary_renders_the_key_figures():
    console = Console(record=True, width=120, color_system=None)
    print_summary(make_result(), console)
    text = console.export_text()
    assert "sapphire.strategy.examples:EmaCross" in text
    assert "run 20261121T101530Z-0000abcd" in text
    assert "Total return: -1.00%" in text
    assert "Max drawdown: 1.98%" in text
    assert re.search(r"Profit factor\s+│\s+1\.500", text)
    assert re.search(r"Exposure\s+│\s+70\.00%", text)
    assert "error: strategy raised in on_bar at ts=900: boom" in text
    assert "Periods per year" not in text


def test_summary_details_show_how_returns_were_computed():
    console = Console(record=True, width=120, color_system=None)
    print_summary(make_result(), console, details=True)
    assert re.search(r"Periods per year\s+│\s+525,960", console.export_text())


@pytest.mark.parametrize(("ns", "text"), [
    (0, "00:00:00"), (500, "500ns"), (250_000_000, "0.250s"), (61 * NS_PER_S, "00:01:01"),
    (3 * NS_PER_DAY + 4 * 3600 * NS_PER_S + 5 * 60 * NS_PER_S + 6 * NS_PER_S, "3d 04:05:06"),
    (-2 * NS_PER_S, "-00:00:02"), (math.nan, "n/a"),
])
def test_format_duration(ns, text):
    assert format_duration(ns) == text


@pytest.mark.parametrize(("name", "value", "text"), [
    ("total_return", 0.1234, "12.34%"), ("final_equity", 1234567.891, "1,234,567.89 USD"),
    ("sharpe", 1.23456, "1.235"), ("trades", 12.0, "12"), ("profit_factor", math.inf, "inf"),
    ("average_loss", -math.inf, "-inf"), ("sortino", math.nan, "n/a"),
    ("max_drawdown_duration_ns", 3600.0 * NS_PER_S, "01:00:00"), ("unknown", 0.5, "0.5"),
])
def test_format_statistic(name, value, text):
    assert format_statistic(name, value, "USD") == text


def test_report_config_block_is_valid_json(report):
    block = re.search(r"<pre>(.*?)</pre>", report, re.S)
    assert block is not None
    config = json.loads(block.group(1).replace("&quot;", '"'))
    assert config == make_result().config
