"""Benchmark history and regression detection.

The history is a JSON-lines file (default ``benchmarks/results/history.jsonl``), one line
per benchmark run: ``{"time", "machine", "benchmark", "args", "figures"}``. It is only ever
appended to; a line that cannot be read stops everything with a
:class:`~sapphire.core.errors.BenchmarkHistoryError` naming the file and line, before
anything is written.

Figures and their direction come from the key names of a benchmark's JSON line:
``*_per_s`` and ``speedup*`` are better when higher; ``*_s``, ``*_ms``, ``*_ns`` are
better when lower; other keys are not figures.

The rule (:func:`judge`): a figure regresses when it is worse than the median of the
previous runs by more than ``max(k * 1.4826 * MAD, floor * |median|)``, where the previous
runs are the last ``window`` runs with the same machine tag, benchmark and arguments, MAD
is their median absolute deviation (x 1.4826 estimates a standard deviation for normal
noise, robust to a past outlier) and ``floor`` stops a perfectly quiet history (MAD = 0)
from flagging a trivial change. Fewer than ``min_runs`` previous runs: not judged.
Defaults: window 10, min_runs 5, k 4, floor 2 %.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from sapphire.core.errors import BenchmarkHistoryError, ConfigError

MAD_TO_SIGMA = 1.4826
DEFAULT_HISTORY = Path("benchmarks/results/history.jsonl")


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    """Parameters of the regression rule (see the module docstring)."""

    window: int = 10
    min_runs: int = 5
    k: float = 4.0
    floor: float = 0.02

    def __post_init__(self) -> None:
        if self.window < 1 or self.min_runs < 1 or self.min_runs > self.window:
            raise ConfigError(f"window {self.window}, min_runs {self.min_runs}: expected "
                              "1 <= min_runs <= window")
        if not (self.k > 0 and math.isfinite(self.k)) or not 0 <= self.floor < 1:
            raise ConfigError(f"k {self.k}, floor {self.floor}: expected k > 0 and 0 <= floor < 1")


DEFAULT_RULE = Rule()


class Run(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """One benchmark run as stored in the history (``figures`` by name)."""

    time: str
    machine: str
    benchmark: str
    args: str = ""
    figures: dict[str, float]

    @property
    def series(self) -> tuple[str, str, str]:
        """What makes runs comparable: machine tag, benchmark and arguments."""
        return self.machine, self.benchmark, self.args


class Verdict(msgspec.Struct, frozen=True):
    """The judgement of one figure of one new run.

    ``status`` is ``regression``, ``ok`` or ``unjudged`` (too little history); ``limit``
    is how far from ``median`` (in the figure's unit) a value may be on the bad side.
    """

    benchmark: str
    args: str
    figure: str
    value: float
    status: Literal["regression", "ok", "unjudged"]
    median: float | None = None
    mad: float | None = None
    limit: float | None = None
    runs: int = 0
    higher_is_better: bool = True


def direction(key: str) -> bool | None:
    """``True`` if a figure named ``key`` is better higher, ``False`` if lower, else ``None``."""
    if key.endswith("_per_s") or key.startswith("speedup") or "_speedup" in key:
        return True
    if key.endswith(("_s", "_ms", "_ns")):
        return False
    return None


def figures_of(result: Mapping[str, Any]) -> dict[str, float]:
    """The figures of a benchmark's JSON result: finite numbers under figure-like keys."""
    return {key: float(value) for key, value in result.items()
            if direction(key) is not None and isinstance(value, int | float)
            and not isinstance(value, bool) and math.isfinite(value)}


def machine_tag() -> str:
    """Tag runs of this machine: host name, architecture, logical cores, RAM in GiB."""
    import psutil

    ram = psutil.virtual_memory().total >> 30
    return f"{platform.node() or 'unknown'}-{platform.machine()}-{os.cpu_count()}c-{ram}g"


def make_run(result: Mapping[str, Any], machine: str, args: str = "",
             when: float | None = None) -> Run:
    """Build a history entry from a benchmark's JSON result.

    Raises
    ------
    BenchmarkHistoryError
        When the result names no benchmark or carries no figure.
    """
    name = result.get("benchmark")
    if not isinstance(name, str) or not name:
        raise BenchmarkHistoryError(
            f"benchmark result without a 'benchmark' name: {dict(result)!r:.200}")
    figures = figures_of(result)
    if not figures:
        raise BenchmarkHistoryError(f"benchmark {name!r} reported no figure (keys ending in "
                                    "_per_s, _s, _ms, _ns or starting with speedup)")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if when is None else when))
    return Run(time=stamp, machine=machine, benchmark=name, args=args, figures=figures)


def read_history(path: str | Path) -> list[Run]:
    """Read every run of a history file (none when the file does not exist).

    Raises
    ------
    BenchmarkHistoryError
        Naming the file and the 1-based line of the first line that is not a valid run.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkHistoryError(f"benchmark history {path} cannot be read: {exc}") from None
    runs = []
    decoder = msgspec.json.Decoder(Run)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            runs.append(decoder.decode(line))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BenchmarkHistoryError(
                f"benchmark history {path}, line {number}: {exc} (line starts {line[:60]!r}); "
                "fix or remove that line, nothing was written") from None
    return runs


def append_history(path: str | Path, runs: Iterable[Run]) -> None:
    """Append runs to a history file (created with its folder when missing); never rewrites."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(msgspec.to_builtins(run)) + "\n" for run in runs)
    with path.open("a+b") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() > 0:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":  # a hand-edited last line: keep it whole
                lines = "\n" + lines
        handle.write(lines.encode())


def judge(previous: list[Run], run: Run, rule: Rule | None = None) -> list[Verdict]:
    """Judge each figure of ``run`` against ``previous`` runs (all of them, oldest first).

    Only previous runs of the same series (machine, benchmark, args) count, the last
    ``rule.window`` of them.
    """
    rule = DEFAULT_RULE if rule is None else rule
    same = [p for p in previous if p.series == run.series][-rule.window:]
    verdicts = []
    for figure, value in run.figures.items():
        higher = bool(direction(figure))
        past = [p.figures[figure] for p in same if figure in p.figures]
        if len(past) < rule.min_runs:
            verdicts.append(Verdict(run.benchmark, run.args, figure, value, "unjudged",
                                    runs=len(past), higher_is_better=higher))
            continue
        median = statistics.median(past)
        mad = statistics.median(abs(x - median) for x in past)
        limit = max(rule.k * MAD_TO_SIGMA * mad, rule.floor * abs(median))
        worse_by = median - value if higher else value - median
        verdicts.append(Verdict(run.benchmark, run.args, figure, value,
                                "regression" if worse_by > limit else "ok", median, mad, limit,
                                len(past), higher))
    return verdicts


def judge_latest(history: list[Run], rule: Rule | None = None) -> list[Verdict]:
    """Judge the newest run of every series in ``history`` against the runs before it."""
    newest: dict[tuple[str, str, str], int] = {}
    for index, run in enumerate(history):
        newest[run.series] = index
    verdicts = []
    for index in sorted(newest.values()):
        verdicts.extend(judge(history[:index], history[index], rule))
    return verdicts
