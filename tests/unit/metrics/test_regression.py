"""Benchmark history: the regression rule by hand, a recorded history, corrupt files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sapphire.core.errors import BenchmarkHistoryError, ConfigError
from sapphire.metrics.regression import (
    Rule,
    Run,
    append_history,
    direction,
    figures_of,
    judge,
    judge_latest,
    make_run,
    read_history,
)

RECORDED = Path(__file__).parent / "data" / "history_planted.jsonl"


def run(value, key="x_per_s", machine="m", benchmark="b", args=""):
    return Run(time="2024-01-01T00:00:00Z", machine=machine, benchmark=benchmark, args=args,
               figures={key: value})


def test_direction_from_key_names():
    assert direction("sapphire_ticks_per_s") is True
    assert direction("speedup_vs_numpy") is True and direction("import_speedup_vs_nautilus")
    assert direction("sapphire_s") is False and direction("p99_ns") is False
    assert direction("latency_ms") is False
    assert direction("rows") is None and direction("bars") is None


def test_figures_of_keeps_finite_numbers_under_figure_keys():
    result = {"benchmark": "b", "rows": 10, "a_s": 1.5, "b_per_s": 7, "c_s": float("nan"),
              "d_s": True, "e_s": "fast", "machine": {"cpus_s": 3}}
    assert figures_of(result) == {"a_s": 1.5, "b_per_s": 7.0}


def test_rule_by_hand_higher_is_better():
    past = [run(v) for v in (100, 102, 98, 101, 99)]
    # median 100; |dev| = 0,2,2,1,1 -> MAD 1; limit = max(4 x 1.4826 x 1, 2 % x 100) = 5.9304
    [bad] = judge(past, run(94.0))
    assert (bad.status, bad.median, bad.mad) == ("regression", 100, 1)
    assert bad.limit == pytest.approx(5.9304)
    assert judge(past, run(94.1))[0].status == "ok"
    assert judge(past, run(1000.0))[0].status == "ok"  # better is never a regression


def test_rule_by_hand_lower_is_better():
    past = [run(v, "t_s") for v in (10.0, 10.2, 9.8, 10.1, 9.9)]
    # median 10, MAD 0.1, limit = max(0.59304, 0.2) = 0.59304
    assert judge(past, run(10.6, "t_s"))[0].status == "regression"
    assert judge(past, run(10.59, "t_s"))[0].status == "ok"
    assert judge(past, run(1.0, "t_s"))[0].status == "ok"


def test_floor_applies_when_history_is_perfectly_quiet():
    past = [run(100.0) for _ in range(5)]  # MAD 0: the 2 % floor decides
    assert judge(past, run(98.5))[0].status == "ok"
    assert judge(past, run(97.9))[0].status == "regression"


def test_too_little_history_is_not_judged():
    [verdict] = judge([run(100.0)] * 4, run(1.0))
    assert (verdict.status, verdict.runs, verdict.median) == ("unjudged", 4, None)


def test_only_the_same_machine_benchmark_and_args_are_compared():
    past = [run(100.0, machine="fast")] * 5 + [run(100.0, args="--rows 10")] * 5
    assert judge(past, run(50.0, machine="slow"))[0].status == "unjudged"
    assert judge(past, run(50.0, args="--rows 99"))[0].status == "unjudged"
    assert judge(past, run(50.0, args="--rows 10"))[0].status == "regression"


def test_window_uses_only_recent_runs():
    past = [run(1000.0)] * 20 + [run(100.0)] * 5  # it got slower long ago; that is the norm now
    assert judge(past, run(100.0), Rule(window=5))[0].status == "ok"
    assert judge(past, run(100.0), Rule(window=25))[0].status == "regression"


def test_recorded_history_finds_the_planted_regression_and_not_the_noise():
    history = read_history(RECORDED)
    assert len(history) == 39
    verdicts = judge_latest(history)
    flagged = {(v.benchmark, v.figure) for v in verdicts if v.status == "regression"}
    assert flagged == {("bars", "sapphire_s"), ("bars", "sapphire_ticks_per_s")}
    # the catalog's 6 % dip and the laptop's usual slowness are noise, not regressions
    ok = {(v.benchmark, v.figure, round(v.median or 0)) for v in verdicts if v.status == "ok"}
    assert ("catalog", "sapphire_import_rows_per_s", 2650094) in ok
    assert ("bars", "sapphire_ticks_per_s", 102008478) in ok  # laptop judged against itself
    assert len(verdicts) == 7


def test_band_follows_each_series_own_noise():
    # workstation bars nights vary ~3 %, laptop nights ~5 %: the allowed band differs to match
    verdicts = {(v.benchmark, v.figure, v.runs, round(v.median or 0)): v
                for v in judge_latest(read_history(RECORDED))}
    ws = verdicts[("bars", "sapphire_ticks_per_s", 10, 243605720)]
    laptop = verdicts[("bars", "sapphire_ticks_per_s", 10, 102008478)]
    assert ws.limit == pytest.approx(4 * 1.4826 * ws.mad)
    assert laptop.limit == pytest.approx(4 * 1.4826 * laptop.mad)
    assert ws.limit / ws.median < 0.07 < 0.13 < laptop.limit / laptop.median


# --- history files -----------------------------------------------------------------------


def test_missing_history_is_empty(tmp_path):
    assert read_history(tmp_path / "none.jsonl") == []


def test_append_then_read_round_trip(tmp_path):
    path = tmp_path / "results" / "history.jsonl"
    first = make_run({"benchmark": "bars", "rows": 5, "sapphire_s": 0.5}, "m", when=0)
    append_history(path, [first])
    append_history(path, [make_run({"benchmark": "bars", "sapphire_s": 0.6}, "m", "--rows 9")])
    runs = read_history(path)
    assert runs[0] == Run(time="1970-01-01T00:00:00Z", machine="m", benchmark="bars", args="",
                          figures={"sapphire_s": 0.5})
    assert (runs[1].args, runs[1].figures) == ("--rows 9", {"sapphire_s": 0.6})


def test_append_keeps_existing_bytes_and_a_last_line_without_newline(tmp_path):
    path = tmp_path / "history.jsonl"
    original = RECORDED.read_text().rstrip("\n")  # a hand edit dropped the final newline
    path.write_text(original)
    append_history(path, [run(1.0)])
    text = path.read_text()
    assert text.startswith(original + "\n")
    assert len(read_history(path)) == 40


@pytest.mark.parametrize(("line", "reason"), [
    ('{"time": "t", "machine": "m", "benchmark": "b"', "truncated"),
    ('{"time": "t", "machine": "m", "figures": {}}', "missing benchmark"),
    ('{"time": "t", "machine": "m", "benchmark": "b", "figures": {"a_s": "fast"}}', "type"),
    ("not json at all", "garbage"),
])
def test_corrupt_line_names_the_line_and_nothing_changes(tmp_path, line, reason):
    path = tmp_path / "history.jsonl"
    good = RECORDED.read_text().splitlines()[:2]
    path.write_text("\n".join([*good, line, good[0]]) + "\n")
    before = path.read_bytes()
    with pytest.raises(BenchmarkHistoryError, match=rf"{path}, line 3: ") as info:
        read_history(path)
    assert "nothing was written" in str(info.value), reason
    assert path.read_bytes() == before


def test_make_run_needs_a_name_and_a_figure():
    with pytest.raises(BenchmarkHistoryError, match="without a 'benchmark' name"):
        make_run({"sapphire_s": 1.0}, "m")
    with pytest.raises(BenchmarkHistoryError, match="'b' reported no figure"):
        make_run({"benchmark": "b", "rows": 3}, "m")


@pytest.mark.parametrize("kwargs", [{"window": 0}, {"min_runs": 11}, {"k": 0},
                                    {"k": float("nan")}, {"floor": -0.1}, {"floor": 1.0}])
def test_rule_rejects_nonsense(kwargs):
    with pytest.raises(ConfigError, match="expected"):
        Rule(**kwargs)
