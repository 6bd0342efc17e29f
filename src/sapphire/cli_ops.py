"""Operations commands: ``sapphire config show``, ``sapphire doctor``, ``sapphire bench``.

Registered on the main app by :func:`register`. Imports stay inside the commands so that
``sapphire --help`` and ``sapphire config show`` never import numba.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sapphire.core.settings import LoadedSettings
    from sapphire.metrics.regression import Verdict

EXIT_ERROR = 1
EXIT_REGRESSION = 3

console = Console()
errors = Console(stderr=True)

config_app = typer.Typer(help="Settings: show the effective values and where they came from.",
                         no_args_is_help=True)

ConfigFile = Annotated[Path | None, typer.Option(
    "--config", "-C", help="TOML settings file (default: $SAPPHIRE_CONFIG, else none).")]
EnvOption = Annotated[str | None, typer.Option(
    "--env", help="Environment: development, test or production.")]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", "-s", help="Setting key=value (e.g. risk.backend=numba), repeatable; wins over all.")]


def _fail(exc: Exception) -> NoReturn:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=EXIT_ERROR)


def _load(config: Path | None, env: str | None, overrides: list[str] | None) -> LoadedSettings:
    from sapphire.core.errors import ConfigError
    from sapphire.core.settings import load_settings, parse_overrides

    try:
        return load_settings(config, overrides=parse_overrides(overrides or []), environment=env)
    except ConfigError as exc:
        _fail(exc)


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "{}"
    return "-" if value is None else str(value)


@config_app.command("show")
def config_show(config: ConfigFile = None, env: EnvOption = None, set_: SetOption = None,
                json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
                ) -> None:
    """Print the effective settings and the layer each value came from."""
    loaded = _load(config, env, set_)
    if json:
        import json as json_lib

        console.print_json(json_lib.dumps({key: {"value": value, "source": source}
                                           for key, value, source in loaded.items()}))
        return
    table = Table(title=f"Effective settings ({loaded.settings.environment})",
                  caption="precedence: default < environment default < file < env < cli")
    table.add_column("key", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source")
    for key, value, source in loaded.items():
        style = "dim" if source == "default" else None
        table.add_row(key, _show(value), source, style=style)
    console.print(table)


def _gib(value: int | None) -> str:
    return "unknown" if value is None else f"{value / (1 << 30):,.1f} GiB"


def doctor(config: ConfigFile = None, env: EnvOption = None, set_: SetOption = None,
           apply: Annotated[bool, typer.Option(
               "--apply", help="Also create the data folders (and set the thread variables "
                               "for this process).")] = False,
           ) -> None:
    """Probe this machine, show the profile derived from it and tuning advice."""
    from sapphire.core.hardware import apply_profile, derive_profile, probe_machine, recommendations

    settings = _load(config, env, set_).settings
    machine = probe_machine(Path(settings.data.catalog),
                            gpu_timeout_s=settings.hardware.gpu_probe_timeout_s)
    profile = derive_profile(settings, machine)
    found = Table("probe", "found", title="Machine")
    found.add_row("cores", f"{machine.physical_cores or '?'} physical, "
                           f"{machine.logical_cores or '?'} logical")
    found.add_row("memory", _gib(machine.memory_bytes))
    found.add_row("free disk", f"{_gib(machine.disk_free_bytes)} under {machine.disk_path}")
    gpu = machine.gpu
    if gpu.devices:
        for device in gpu.devices:
            found.add_row("gpu", f"{device.name}, {device.memory_mib or '?'} MiB, "
                                 f"driver {device.driver or '?'}, CUDA {device.cuda or '?'} "
                                 f"({gpu.source})")
    else:
        found.add_row("gpu", f"{gpu.status}: {gpu.detail}")
    found.add_row("torch / cupy", f"{'installed' if machine.torch_installed else 'absent'} / "
                                  f"{'installed' if machine.cupy_installed else 'absent'}")
    for note in machine.notes:
        found.add_row("probe failed", note, style="yellow")
    console.print(found)

    decided = Table("decision", "value", "from", title="Profile")
    rows: list[tuple[str, object]] = [
        ("threads", f"{profile.threads} (OMP, MKL, numba)"),
        ("numba_cache_dir", profile.numba_cache_dir),
        ("tick_capacity", f"{profile.tick_capacity:,}"),
        ("bar_capacity", f"{profile.bar_capacity:,}"),
        ("use_redis", profile.use_redis if not profile.use_redis else profile.redis_url),
        ("use_gpu", profile.use_gpu),
        ("risk_backend", profile.risk_backend),
        ("data_dirs", "\n".join(f"{d}{'' if Path(d).is_dir() else ' (missing)'}"
                                for d in profile.data_dirs)),
    ]
    for name, value in rows:
        decided.add_row(name, str(value), profile.sources[name])
    console.print(decided)

    advice = Table("topic", "now", "advice", title="Recommendations (nothing is changed)")
    for item in recommendations(logical_cores=machine.logical_cores):
        advice.add_row(item.topic, item.current, item.advice,
                       style=None if item.ok else "yellow")
    console.print(advice)
    if apply:
        for line in apply_profile(profile):
            console.print(f"applied: {line}")


def bench(
    names: Annotated[list[str] | None, typer.Argument(
        help="Benchmarks to run (bars for bench_bars.py); default all.")] = None,
    folder: Annotated[Path, typer.Option("--dir", help="Folder of bench_*.py scripts.")] = Path(
        "benchmarks"),
    history: Annotated[Path, typer.Option(help="History file (JSON lines, appended).")] = Path(
        "benchmarks/results/history.jsonl"),
    args: Annotated[list[str] | None, typer.Option(
        "--args", help="NAME=ARGS passed to one script, e.g. 'bars=--rows 1000000'; "
                       "repeatable. Runs with other args form their own series.")] = None,
    machine: Annotated[str | None, typer.Option(
        help="Machine tag (default: host-arch-cores-RAM).")] = None,
    window: Annotated[int, typer.Option(help="Previous runs compared against.")] = 10,
    min_runs: Annotated[int, typer.Option(help="Fewest previous runs to judge a figure.")] = 5,
    k: Annotated[float, typer.Option(help="Allowed distance in robust sigmas (1.4826 MAD).")] = 4.0,
    floor: Annotated[float, typer.Option(help="Allowed distance at least this fraction of "
                                              "the median.")] = 0.02,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per script.")] = 1800.0,
    check_only: Annotated[bool, typer.Option(
        "--check-only", help="Run nothing: judge the newest runs already in the history.")] = False,
) -> None:
    """Run benchmarks, append them to the history and flag regressions (exit status 3).

    A figure regresses when it is worse than the median of the previous WINDOW runs of
    the same machine, benchmark and arguments by more than max(K x 1.4826 x MAD,
    FLOOR x median). Exit status: 0 fine, 1 error (a script failed, corrupt history),
    3 regression.
    """
    from sapphire.core.errors import ConfigError, SapphireError
    from sapphire.metrics.bench import discover, run_script
    from sapphire.metrics.regression import (
        Rule,
        append_history,
        judge,
        judge_latest,
        machine_tag,
        make_run,
        read_history,
    )

    try:
        rule = Rule(window=window, min_runs=min_runs, k=k, floor=floor)
        past = read_history(history)  # a corrupt history stops us before anything runs
        if check_only:
            _report(judge_latest(past, rule), [])
            return
        script_args = _script_args(args or [])
        scripts = discover(folder, names)
        unknown = set(script_args) - {s.stem.removeprefix("bench_") for s in scripts}
        if unknown:
            raise ConfigError(f"--args for {', '.join(sorted(unknown))}: not among the "
                              "benchmarks being run")
        tag = machine or machine_tag()
    except SapphireError as exc:
        _fail(exc)
    runs, failures = [], []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        with console.status(f"running {script.name} ..."):
            outcome = run_script(script, script_args.get(name, ""), timeout)
        if outcome.result is None:
            failures.append(f"{script.name}: {outcome.error}")
            continue
        try:
            runs.append(make_run(outcome.result, tag, outcome.args))
        except SapphireError as exc:
            failures.append(f"{script.name}: {exc}")
    verdicts = [v for run in runs for v in judge(past, run, rule)]
    if runs:
        append_history(history, runs)
        console.print(f"appended {len(runs)} run(s) to {history} (machine {tag})",
                      soft_wrap=True)
    _report(verdicts, failures)


def _script_args(items: list[str]) -> dict[str, str]:
    from sapphire.core.errors import ConfigError

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--args {item!r}: expected NAME=ARGS, e.g. 'bars=--rows 1000000'")
        out[name] = value
    return out


def _report(verdicts: list[Verdict], failures: list[str]) -> None:
    table = Table("benchmark", title="Benchmark figures vs. recent runs")
    table.add_column("figure", overflow="fold")
    for name in ("value", "median", "allowed", "runs", "verdict"):
        table.add_column(name, justify="right" if name != "verdict" else "left", no_wrap=True)
    for v in verdicts:
        arrow = "↑" if v.higher_is_better else "↓"
        name = v.benchmark + (f" [{v.args}]" if v.args else "")
        style = {"regression": "bold red", "unjudged": "dim"}.get(v.status)
        table.add_row(name, f"{v.figure} {arrow}", f"{v.value:,.6g}",
                      "-" if v.median is None else f"{v.median:,.6g}",
                      "-" if v.limit is None else f"±{v.limit:,.3g}", str(v.runs), v.status,
                      style=style)
    console.print(table)
    for failure in failures:
        errors.print(f"[bold red]failed:[/] {failure}", highlight=False, soft_wrap=True)
    regressions = [v for v in verdicts if v.status == "regression"]
    if regressions:
        errors.print(f"[bold red]{len(regressions)} regression(s):[/] "
                     + ", ".join(f"{v.benchmark}.{v.figure}" for v in regressions),
                     highlight=False, soft_wrap=True)
        raise typer.Exit(code=EXIT_REGRESSION)
    if failures:
        raise typer.Exit(code=EXIT_ERROR)


def register(app: typer.Typer) -> None:
    """Add ``config``, ``doctor`` and ``bench`` to the main ``sapphire`` app."""
    app.add_typer(config_app, name="config")
    app.command("doctor")(doctor)
    app.command("bench")(bench)
