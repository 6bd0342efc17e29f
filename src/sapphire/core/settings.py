"""Settings: one typed, immutable tree for the whole platform, and where each value came from.

Precedence, lowest first (a later layer wins, key by key):

1. ``default``: the defaults written in the structs below;
2. ``environment default``: :data:`ENVIRONMENT_DEFAULTS` for the chosen environment
   (``development``, ``test`` or ``production``);
3. ``file``: a TOML file (``--config PATH``, else ``$SAPPHIRE_CONFIG``);
4. ``env``: environment variables ``SAPPHIRE_<SECTION>__<KEY>`` (double underscore between
   levels, e.g. ``SAPPHIRE_RISK__MAX_ORDER_RATE__LIVE=50/00:00:01``), plus the short aliases
   in :data:`ENV_ALIASES` (``SAPPHIRE_USE_REDIS``, ``SAPPHIRE_LOG_LEVEL``, ``SAPPHIRE_CATALOG``);
5. ``cli``: command-line options (``--env``, ``--set key=value``).

The environment itself is chosen by the same precedence (default ``development``) before
its defaults are applied. Values given as text (environment variables, ``--set``) are parsed
to the key's type; lists, tables and whole sections are given as JSON. A ``SAPPHIRE_*``
variable with a ``__`` that names no key is an error; one without ``__`` that is not an
alias belongs to someone else and is ignored.

Every effective value remembers its layer (:attr:`LoadedSettings.sources`). Unknown keys,
wrong types, negative capacities and malformed rates are :class:`ConfigError` naming the key
path, the bad value and what was expected.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from sapphire.core.errors import ConfigError

Environment = Literal["development", "test", "production"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
RiskBackend = Literal["auto", "numpy", "numba", "cupy", "torch"]
Mode = Literal["backtest", "paper", "live"]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]

_RATE = re.compile(r"^(\d+)/(\d{2}):(\d{2}):(\d{2})$")
NS_PER_SECOND = 1_000_000_000


def parse_rate(text: str) -> tuple[int, int]:
    """Parse a rate limit ``"count/HH:MM:SS"`` into ``(count, interval_ns)``.

    Raises
    ------
    ConfigError
        When the text is not of that form, the count is zero, or the interval is zero.
    """
    match = _RATE.match(text)
    if match is None:
        raise ConfigError(f"rate {text!r}: expected 'count/HH:MM:SS', e.g. '100/00:00:01'")
    count, hours, minutes, seconds = (int(g) for g in match.groups())
    if minutes >= 60 or seconds >= 60:
        raise ConfigError(f"rate {text!r}: minutes and seconds must be below 60")
    interval_ns = (hours * 3600 + minutes * 60 + seconds) * NS_PER_SECOND
    if count < 1 or interval_ns <= 0:
        raise ConfigError(f"rate {text!r}: expected a count >= 1 and an interval > 00:00:00")
    return count, interval_ns


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every settings section: immutable, keyword-only, unknown keys rejected."""


class LoggingSettings(_Section, frozen=True):
    """Logging: level, per-component levels, format and an optional rotating file.

    ``components`` maps a logger name (``"sapphire.data"``) to its own level. ``file``,
    when set, receives every record in a file rotated at ``max_bytes`` bytes, keeping
    ``backup_count`` old files.
    """

    level: LogLevel = "INFO"
    components: dict[str, LogLevel] = {}
    json: bool = False
    file: str | None = None
    max_bytes: PositiveInt = 10 * 1024 * 1024
    backup_count: NonNegativeInt = 5


class DataSettings(_Section, frozen=True):
    """Where market data lives: the catalog folder and extra data folders."""

    catalog: str = "catalog"
    dirs: list[str] = []


class HardwareSettings(_Section, frozen=True):
    """Explicit hardware choices; any left ``None`` is derived from the machine.

    ``threads`` sets OMP, MKL and numba threads; ``gpu_probe_timeout_s`` bounds each
    ``nvidia-smi`` call (seconds).
    """

    threads: PositiveInt | None = None
    numba_cache_dir: str | None = None
    use_gpu: bool | None = None
    gpu_probe_timeout_s: PositiveFloat = 5.0


class CacheSettings(_Section, frozen=True):
    """In-memory capacities (count of items kept); ``None`` means sized to RAM."""

    ticks: PositiveInt | None = None
    bars: PositiveInt | None = None


class RedisSettings(_Section, frozen=True):
    """Redis for the cache and message bus; off by default (everything in memory)."""

    use_redis: bool = False
    url: str = "redis://localhost:6379/0"


class RateLimits(_Section, frozen=True):
    """A rate limit per trading mode, each ``"count/HH:MM:SS"``."""

    backtest: str = "100000/00:00:01"
    paper: str = "1000/00:00:01"
    live: str = "100/00:00:01"

    def __post_init__(self) -> None:
        for mode in ("backtest", "paper", "live"):
            value = getattr(self, mode)
            try:
                parse_rate(value)
            except ConfigError as exc:
                # msgspec adds the section path; name the mode so the full key is clear
                raise ValueError(f"key '{mode}': {exc}") from None

    def for_mode(self, mode: Mode) -> str:
        """Return the rate string of ``mode`` (backtest, paper or live)."""
        value: str = getattr(self, mode)
        return value


class RiskSettings(_Section, frozen=True):
    """Pre-trade risk: the analytics backend and order rate limits by trading mode."""

    backend: RiskBackend = "auto"
    max_order_rate: RateLimits = RateLimits()
    max_modify_rate: RateLimits = RateLimits()


class MetricsSettings(_Section, frozen=True):
    """Prometheus metrics: on or off, and where ``/metrics`` is served."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: Port = 9464


class Settings(_Section, frozen=True):
    """The whole settings tree. Build it with :func:`load_settings`."""

    environment: Environment = "development"
    logging: LoggingSettings = LoggingSettings()
    data: DataSettings = DataSettings()
    hardware: HardwareSettings = HardwareSettings()
    cache: CacheSettings = CacheSettings()
    redis: RedisSettings = RedisSettings()
    risk: RiskSettings = RiskSettings()
    metrics: MetricsSettings = MetricsSettings()


ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "development": {"logging": {"level": "DEBUG"}},
    "test": {"logging": {"level": "WARNING"}},
    "production": {
        "logging": {"level": "INFO", "json": True, "file": "logs/sapphire.log"},
        "metrics": {"enabled": True},
        "risk": {"max_order_rate": {"paper": "100/00:00:01", "live": "50/00:00:01"},
                 "max_modify_rate": {"paper": "100/00:00:01", "live": "50/00:00:01"}},
    },
}
"""Defaults that depend on the environment: DEBUG logs only in development, JSON logs,
a log file and metrics in production, stricter paper/live rates in production."""

ENV_PREFIX = "SAPPHIRE_"
ENV_ALIASES: dict[str, str] = {
    "SAPPHIRE_USE_REDIS": "redis.use_redis",
    "SAPPHIRE_LOG_LEVEL": "logging.level",
    "SAPPHIRE_CATALOG": "data.catalog",
    "SAPPHIRE_ENVIRONMENT": "environment",
}
"""Short environment variables and the key each one sets."""

CONFIG_ENV = "SAPPHIRE_CONFIG"


class LoadedSettings(msgspec.Struct, frozen=True):
    """Effective settings plus the layer each leaf value came from.

    Attributes
    ----------
    settings
        The validated tree.
    sources
        Dotted key (``"risk.max_order_rate.live"``) to the layer that set it:
        ``default``, ``environment default (production)``, ``file PATH``,
        ``env VARIABLE`` or ``cli --set``/``cli --env``.
    """

    settings: Settings
    sources: dict[str, str]

    def items(self) -> Iterator[tuple[str, Any, str]]:
        """Yield ``(key, value, source)`` for every leaf, in declaration order."""
        for key in leaf_keys():
            yield key, get_value(self.settings, key), self.sources[key]


# ---------------------------------------------------------------------------------------
# schema helpers


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def _is_section(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, _Section)


def leaf_keys(cls: type = Settings, prefix: str = "") -> list[str]:
    """Return every leaf key of the tree as a dotted path, in declaration order."""
    keys: list[str] = []
    hints = _hints(cls)
    for name in cls.__struct_fields__:  # type: ignore[attr-defined]
        tp = hints[name]
        if _is_section(tp):
            keys.extend(leaf_keys(tp, f"{prefix}{name}."))
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _type_at(path: list[str]) -> Any:
    """The annotated type at a key path, or ``None`` when no such key exists."""
    tp: Any = Settings
    for part in path:
        if not _is_section(tp) or part not in tp.__struct_fields__:
            return None
        tp = _hints(tp)[part]
    return tp


def get_value(settings: Settings, key: str) -> Any:
    """Return the value at a dotted key of ``settings``."""
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _describe(tp: Any) -> str:
    """Human name of a settings type, for error messages."""
    if tp is None:
        return "?"
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *meta = typing.get_args(tp)
        limits = [f"{op} {getattr(m, attr)}" for m in meta
                  for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<="))
                  if getattr(m, attr, None) is not None]
        return f"{_describe(base)} {' and '.join(limits)}".strip()
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join("none" if a is type(None) else _describe(a)
                           for a in typing.get_args(tp))
    if _is_section(tp):
        return "a table of settings"
    return getattr(tp, "__name__", str(tp))


_MSGSPEC_PATH = re.compile(r"^(?P<msg>.*) - at `\$(?P<path>[^`]*)`$", re.S)


def _translate(exc: msgspec.ValidationError, source: str,
               layer: Mapping[str, Any] | None = None) -> ConfigError:
    """Turn msgspec's message into one naming the source, key, bad value and expected type."""
    text = str(exc)
    match = _MSGSPEC_PATH.match(text)
    msg, raw_path = (text, "") if match is None else (match["msg"], match["path"].lstrip("."))
    path = [p for p in re.split(r"\.|\[", raw_path.replace("]", "")) if p]
    unknown = re.match(r"Object contains unknown field `(.+)`", msg)
    if unknown:
        key = ".".join([*path, unknown[1]])
        return ConfigError(f"{source}: unknown key '{key}'")
    key = ".".join(path) or "(top level)"
    if msg.startswith("key '"):  # raised by a section's __post_init__
        inner = msg.split("'")[1]
        return ConfigError(f"{source}: key '{key}.{inner}'{msg[len(inner) + 6:]}")
    expected = _describe(_type_at(path))
    try:
        was = f", was {get_value_builtin(layer or {}, key)!r}"
    except (KeyError, TypeError):
        was = ""
    return ConfigError(f"{source}: key '{key}': {msg}{was} (expected {expected})")


# ---------------------------------------------------------------------------------------
# layers


def _validate(layer: dict[str, Any], source: str, *, from_text: bool) -> None:
    """Check a partial layer against the schema (defaults fill what it leaves out)."""
    try:
        msgspec.convert(layer, Settings, strict=not from_text)
    except msgspec.ValidationError as exc:
        raise _translate(exc, source, layer) from None


def _nest(key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


def _flatten(layer: Mapping[str, Any], cls: type = Settings, prefix: str = "") -> dict[str, Any]:
    """Leaf key -> value for a validated layer (dicts and lists are leaves)."""
    flat: dict[str, Any] = {}
    hints = _hints(cls)
    for name, value in layer.items():
        tp = hints[name]
        if _is_section(tp) and isinstance(value, Mapping):
            flat.update(_flatten(value, tp, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _parse_text(key: str, text: str, source: str) -> Any:
    """Parse a value given as text to something msgspec can convert to the key's type."""
    tp = _type_at(key.split("."))
    if tp is None:
        raise ConfigError(f"{source}: unknown key '{key}'")
    args = typing.get_args(tp)
    if text.strip().lower() in ("none", "null") and type(None) in args:
        return None
    base = typing.get_origin(tp)
    if base is Literal and text.upper() in args:  # `SAPPHIRE_LOG_LEVEL=debug` means DEBUG
        return text.upper()
    if _is_section(tp) or base in (dict, list):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: key '{key}' needs JSON ({_describe(tp)}), "
                              f"got {text!r}: {exc.msg}") from None
    return text


def _text_layer(pairs: list[tuple[str, str, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Build a layer from ``(key, text, source)`` triples, validating each on its own."""
    layer: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, text, source in pairs:
        one = _nest(key, _parse_text(key, text, source))
        _validate(one, source, from_text=True)
        converted = msgspec.to_builtins(msgspec.convert(one, Settings, strict=False))
        for leaf, _ in _flatten(one).items():
            _merge_leaf(layer, leaf, get_value_builtin(converted, leaf))
            sources[leaf] = source
    return layer, sources


def get_value_builtin(tree: Mapping[str, Any], key: str) -> Any:
    """Return the value at a dotted key of a nested mapping."""
    value: Any = tree
    for part in key.split("."):
        value = value[part]
    return value


def _merge_leaf(tree: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def env_pairs(environ: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Settings given by ``SAPPHIRE_*`` variables as ``(key, text, source)``.

    Raises
    ------
    ConfigError
        For a ``SAPPHIRE_A__B`` variable whose path names no key.
    """
    pairs = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        if name in ENV_ALIASES:
            key = ENV_ALIASES[name]
        elif "__" in name:
            key = ".".join(p.lower() for p in name[len(ENV_PREFIX):].split("__"))
            if _type_at(key.split(".")) is None:
                section = key.split(".")[0]
                known = [k for k in leaf_keys() if k.startswith(f"{section}.")] or [
                    k for k in leaf_keys() if "." not in k] + sorted(
                    {k.split(".")[0] for k in leaf_keys() if "." in k})
                raise ConfigError(f"environment variable {name}: unknown key '{key}' "
                                  f"(known: {', '.join(known)})")
        else:
            continue
        pairs.append((key, environ[name], f"env {name}"))
    return pairs


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"settings file {path} cannot be read: {exc}") from None


def _choose_environment(cli_env: str | None, cli: list[tuple[str, str, str]],
                        env: list[tuple[str, str, str]], file_layer: dict[str, Any],
                        file_source: str) -> tuple[str, str]:
    candidates = [(text, source) for key, text, source in cli if key == "environment"]
    if cli_env is not None:
        candidates.append((cli_env, "cli --env"))
    candidates += [(text, source) for key, text, source in env if key == "environment"]
    if "environment" in file_layer:
        candidates.append((file_layer["environment"], file_source))
    value, source = candidates[0] if candidates else ("development", "default")
    allowed = typing.get_args(Environment)
    if value not in allowed:
        raise ConfigError(f"{source}: key 'environment': {value!r} is not an environment "
                          f"(expected one of {', '.join(map(repr, allowed))})")
    return str(value), source


def load_settings(
    file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    environment: str | None = None,
) -> LoadedSettings:
    """Load the effective settings from all layers (see the module docstring).

    Parameters
    ----------
    file
        TOML settings file; ``None`` reads ``$SAPPHIRE_CONFIG`` when set, else no file.
    environ
        Environment variables (default ``os.environ``).
    overrides
        Command-line ``key=value`` settings by dotted key, values as text.
    environment
        Command-line ``--env``; wins over every other way of choosing the environment.

    Raises
    ------
    ConfigError
        Naming the layer and key of an unknown key, a wrong type or a bad value.
    """
    environ = os.environ if environ is None else environ
    if file is None and environ.get(CONFIG_ENV):
        file = environ[CONFIG_ENV]
    file_layer: dict[str, Any] = {}
    file_source = "file"
    if file is not None:
        file_source = f"file {file}"
        file_layer = _read_toml(Path(file))
        _validate(file_layer, f"settings file {file}", from_text=False)
    env = env_pairs(environ)
    cli = [(key, text, f"cli --set {key}") for key, text in (overrides or {}).items()]
    chosen, env_source = _choose_environment(environment, cli, env, file_layer, file_source)
    env_layer, env_sources = _text_layer(env)
    cli_layer, cli_sources = _text_layer(cli)

    sources = dict.fromkeys(leaf_keys(), "default")
    merged: dict[str, Any] = {}
    layers = [(_flatten(ENVIRONMENT_DEFAULTS[chosen]), f"environment default ({chosen})"),
              (_flatten(file_layer), file_source)]
    for flat, source in layers:
        for key, value in flat.items():
            _merge_leaf(merged, key, value)
            sources[key] = source
    for layer, layer_sources in ((env_layer, env_sources), (cli_layer, cli_sources)):
        for key, value in _flatten(layer).items():
            _merge_leaf(merged, key, value)
            sources[key] = layer_sources[key]
    merged["environment"] = chosen
    sources["environment"] = env_source
    try:
        settings = msgspec.convert(merged, Settings)
    except msgspec.ValidationError as exc:  # every layer passed alone, so this is a bug
        raise _translate(exc, "merged settings") from None
    return LoadedSettings(settings=settings, sources=sources)


def parse_overrides(items: list[str]) -> dict[str, str]:
    """Parse command-line ``key=value`` items into a dict (later items win).

    Raises
    ------
    ConfigError
        For an item without ``=`` or with an empty key.
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected key=value, e.g. risk.backend=numba")
        out[key.strip()] = value.strip()
    return out
