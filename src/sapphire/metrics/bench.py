"""Run benchmark scripts: each prints machine info and, last, one JSON line of results."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec

from sapphire.core.errors import ConfigError


class BenchOutcome(msgspec.Struct, frozen=True):
    """What one benchmark script produced: its JSON result, or why there is none."""

    name: str
    script: str
    args: str
    result: dict[str, Any] | None
    error: str | None
    seconds: float


def discover(folder: str | Path, names: list[str] | None = None) -> list[Path]:
    """Benchmark scripts ``bench_*.py`` in ``folder``, optionally only the given names.

    Raises
    ------
    ConfigError
        When the folder does not exist or a requested name has no script.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"benchmark folder {folder} does not exist")
    scripts = {p.stem.removeprefix("bench_"): p for p in sorted(folder.glob("bench_*.py"))}
    if not names:
        return list(scripts.values())
    missing = [n for n in names if n not in scripts]
    if missing:
        raise ConfigError(f"no benchmark named {', '.join(map(repr, missing))} in {folder}: "
                          f"expected one of {', '.join(scripts) or '(none)'}")
    return [scripts[n] for n in names]


def last_json_line(stdout: str) -> dict[str, Any] | None:
    """The last line of ``stdout`` that is a JSON object, or ``None``."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def run_script(script: Path, args: str = "", timeout_s: float = 1800.0,
               python: str = sys.executable) -> BenchOutcome:
    """Run one benchmark script with ``args`` (a shell-like string) and parse its result.

    Never raises for a failing script: the outcome carries the error instead.
    """
    import time

    name = script.stem.removeprefix("bench_")
    started = time.perf_counter()
    try:
        done = subprocess.run([python, str(script), *shlex.split(args)], capture_output=True,
                              text=True, timeout=timeout_s, check=False,
                              cwd=script.parent.parent)
    except subprocess.TimeoutExpired:
        return BenchOutcome(name, str(script), args, None, f"timed out after {timeout_s:g} s",
                            time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        # the last line of a traceback (or of sys.exit's message) says what went wrong
        last = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]
        return BenchOutcome(name, str(script), args, None,
                            f"exit status {done.returncode}: {last}", seconds)
    result = last_json_line(done.stdout)
    if result is None:
        return BenchOutcome(name, str(script), args, None, "printed no JSON line", seconds)
    result.setdefault("benchmark", name)
    return BenchOutcome(name, str(script), args, result, None, seconds)
