"""`sapphire config show`, `doctor` and `bench` end to end."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from sapphire.cli import app

runner = CliRunner()
@pytest.fixture(autouse=True)
def no_sapphire_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("SAPPHIRE_"):
            monkeypatch.delenv(name)


def test_config_show_reports_values_and_sources(tmp_path, monkeypatch):
    config = tmp_path / "s.toml"
    config.write_text('environment = "production"\n[cache]\nticks = 100\nbars = 5\n')
    monkeypatch.setenv("SAPPHIRE_CACHE__TICKS", "200")
    monkeypatch.setenv("SAPPHIRE_USE_REDIS", "true")
    result = runner.invoke(app, ["config", "show", "--config", str(config), "--json",
                                 "--set", "cache.bars=9"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["environment"] == {"value": "production", "source": f"file {config}"}
    assert shown["cache.ticks"] == {"value": 200, "source": "env SAPPHIRE_CACHE__TICKS"}
    assert shown["cache.bars"] == {"value": 9, "source": "cli --set cache.bars"}
    assert shown["redis.use_redis"] == {"value": True, "source": "env SAPPHIRE_USE_REDIS"}
    assert shown["logging.json"] == {"value": True, "source": "environment default (production)"}
    assert shown["metrics.port"] == {"value": 9464, "source": "default"}


def test_config_show_table():
    result = runner.invoke(app, ["config", "show", "--env", "test"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "Effective settings (test)" in flat
    assert "│ logging.level" in flat and "│ WARNING" in flat
    assert "environment default" in flat


@pytest.mark.parametrize(("text", "message"), [
    ("[cache]\nticks = -1\n", "key 'cache.ticks'"),
    ("[risk]\nmax_orders = 3\n", "unknown key 'risk.max_orders'"),
    ("[hardware]\nthreads = \"x\"\n", "key 'hardware.threads'"),
])
def test_config_show_bad_file_fails_cleanly(tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    result = runner.invoke(app, ["config", "show", "--config", str(config)])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert config.read_text() == text


@pytest.mark.parametrize("argv", [["--help"], ["config", "show"]])
def test_fast_commands_do_not_import_numba(argv):
    code = f"import sys; sys.argv = ['sapphire', *{argv!r}]; from sapphire.cli import main; main()"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "sapphire.core.settings" in imported or argv == ["--help"]
    assert not {name for name in imported if name.split(".")[0] == "numba"}


def test_doctor_survives_a_hanging_gpu_probe(tmp_path, monkeypatch):
    tool = tmp_path / "bin" / "nvidia-smi"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\nsleep 30\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tool.parent}:/bin:/usr/bin")
    result = runner.invoke(app, ["doctor", "--set", "hardware.gpu_probe_timeout_s=0.3",
                                 "--set", f"data.catalog={tmp_path / 'cat'}"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "timeout: nvidia-smi did not answer within 0.3 s" in flat
    for heading in ("Machine", "Profile", "Recommendations", "tick_capacity", "CPU governor"):
        assert heading in flat
    assert not (tmp_path / "cat").exists()  # doctor looks, --apply acts


def test_doctor_apply_creates_data_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi
    catalog = tmp_path / "a" / "b" / "catalog"
    result = runner.invoke(app, ["doctor", "--apply", "--set", f"data.catalog={catalog}",
                                 "--set", "hardware.threads=3"])
    assert result.exit_code == 0, result.output
    assert catalog.is_dir()
    assert "applied: OMP_NUM_THREADS=3" in result.output


# --- bench ---------------------------------------------------------------------------------

FAKE_BENCH = textwrap.dedent("""
    import json, os, sys
    print(json.dumps({"python": sys.version}), file=sys.stderr)
    seconds = float(os.environ.get("FAKE_SECONDS", "1.0"))
    if os.environ.get("FAKE_FAIL"):
        sys.exit("fake benchmark broke")
    rows = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 1000
    print("warming up")
    print(json.dumps({"benchmark": "fake", "rows": rows, "fake_s": seconds,
                      "fake_rows_per_s": rows / seconds}))
""")


@pytest.fixture
def bench_dir(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    (folder / "bench_fake.py").write_text(FAKE_BENCH)
    history = folder / "results" / "history.jsonl"
    history.parent.mkdir()
    lines = [{"time": f"2024-01-0{i}T00:00:00Z", "machine": "ci", "benchmark": "fake",
              "args": "", "figures": {"fake_s": s, "fake_rows_per_s": 1000 / s}}
             for i, s in enumerate([1.0, 1.02, 0.98, 1.01, 0.99, 1.0], start=1)]
    history.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder, history


def bench(folder, history, *extra):
    return runner.invoke(app, ["bench", "--dir", str(folder), "--history", str(history),
                               "--machine", "ci", *extra])


def test_bench_within_noise_appends_and_passes(bench_dir, monkeypatch):
    folder, history = bench_dir
    monkeypatch.setenv("FAKE_SECONDS", "1.03")
    result = bench(folder, history)
    assert result.exit_code == 0, result.output
    runs = [json.loads(line) for line in history.read_text().splitlines()]
    assert len(runs) == 7
    assert runs[-1]["figures"] == {"fake_s": 1.03, "fake_rows_per_s": 1000 / 1.03}
    assert (runs[-1]["machine"], runs[-1]["benchmark"]) == ("ci", "fake")


def test_bench_flags_a_slowdown_with_exit_status_3(bench_dir, monkeypatch):
    folder, history = bench_dir
    monkeypatch.setenv("FAKE_SECONDS", "1.3")
    result = bench(folder, history)
    assert result.exit_code == 3, result.output
    flat = " ".join(result.output.split())
    assert "2 regression(s): fake.fake_s, fake.fake_rows_per_s" in flat
    assert len(history.read_text().splitlines()) == 7  # the slow run is recorded too
    again = runner.invoke(app, ["bench", "--history", str(history), "--check-only"])
    assert again.exit_code == 3


def test_bench_with_other_args_is_its_own_series(bench_dir, monkeypatch):
    folder, history = bench_dir
    monkeypatch.setenv("FAKE_SECONDS", "5")
    result = bench(folder, history, "--args", "fake=--rows 50")
    assert result.exit_code == 0, result.output
    assert "unjudged" in result.output
    assert json.loads(history.read_text().splitlines()[-1])["args"] == "--rows 50"


def test_bench_on_corrupt_history_changes_nothing(bench_dir):
    folder, history = bench_dir
    history.write_text(history.read_text() + '{"time": "x", "mach\n')
    before = history.read_bytes()
    result = bench(folder, history)
    assert result.exit_code == 1
    assert "line 7:" in result.output and "nothing was written" in " ".join(result.output.split())
    assert history.read_bytes() == before


def test_bench_failing_script_exits_1_and_records_nothing(bench_dir, monkeypatch):
    folder, history = bench_dir
    before = history.read_bytes()
    monkeypatch.setenv("FAKE_FAIL", "1")
    result = bench(folder, history)
    assert result.exit_code == 1
    assert "bench_fake.py: exit status 1: fake benchmark broke" in " ".join(result.output.split())
    assert history.read_bytes() == before


def test_bench_unknown_name(bench_dir):
    folder, history = bench_dir
    result = bench(folder, history, "nope")
    assert result.exit_code == 1
    assert "no benchmark named 'nope'" in " ".join(result.output.split())
