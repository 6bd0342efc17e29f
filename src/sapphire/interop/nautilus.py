"""NautilusTrader configs built from Sapphire's settings and hardware profile.

Needs ``nautilus_trader`` (not a Sapphire dependency; imported only inside these functions).
Both configs carry the profile's cache capacities, a Redis database config only when
``redis.use_redis`` is on, the order rate limits of the matching mode, and logging set up
for the environment (colours off and JSON files in production).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from sapphire.core.errors import ConfigError
from sapphire.core.hardware import HardwareProfile
from sapphire.core.settings import Settings

if TYPE_CHECKING:
    from nautilus_trader.config import BacktestEngineConfig, TradingNodeConfig

DEFAULT_TRADER_ID = "SAPPHIRE-001"
_NAUTILUS_LEVELS = {"CRITICAL": "ERROR"}  # NautilusTrader has no CRITICAL


def _nautilus() -> Any:
    try:
        import nautilus_trader.config as config
    except ImportError:
        raise ConfigError("NautilusTrader interop needs the nautilus_trader package: "
                          "pip install nautilus_trader") from None
    return config


def redis_database(url: str) -> dict[str, Any]:
    """Split a ``redis://[user:password@]host[:port][/db]`` URL into DatabaseConfig fields.

    Raises
    ------
    ConfigError
        For a URL whose scheme is not ``redis`` or ``rediss`` or that has no host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigError(f"redis.url {url!r}: expected redis://host:port or rediss://host:port")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigError(f"redis.url {url!r}: the port is not a number in 0..65535") from None
    return {"type": "redis", "host": parts.hostname, "port": port, "username": parts.username,
            "password": parts.password, "ssl": parts.scheme == "rediss"}


def _common(settings: Settings, profile: HardwareProfile,
            mode: Literal["backtest", "paper", "live"]) -> dict[str, Any]:
    config = _nautilus()
    database = (config.DatabaseConfig(**redis_database(profile.redis_url))
                if profile.use_redis else None)
    log = settings.logging
    file = Path(log.file) if log.file else None
    production = settings.environment == "production"
    return {
        "cache": config.CacheConfig(database=database, tick_capacity=profile.tick_capacity,
                                    bar_capacity=profile.bar_capacity),
        "risk_engine": config.RiskEngineConfig(
            max_order_submit_rate=settings.risk.max_order_rate.for_mode(mode),
            max_order_modify_rate=settings.risk.max_modify_rate.for_mode(mode)),
        "logging": config.LoggingConfig(
            log_level=_NAUTILUS_LEVELS.get(log.level, log.level),
            log_level_file=None if file is None else _NAUTILUS_LEVELS.get(log.level, log.level),
            log_directory=None if file is None else str(file.parent),
            log_file_name=None if file is None else file.stem,
            log_file_format="json" if (log.json and file is not None) else None,
            log_file_max_size=log.max_bytes if file is not None else None,
            log_file_max_backup_count=log.backup_count,
            log_colors=not production and not log.json,
            log_component_levels={k: _NAUTILUS_LEVELS.get(v, v) for k, v in log.components.items()}
            or None),
    }


def backtest_engine_config(settings: Settings, profile: HardwareProfile,
                           trader_id: str = DEFAULT_TRADER_ID) -> BacktestEngineConfig:
    """Build a NautilusTrader ``BacktestEngineConfig`` (backtest order rates).

    Raises
    ------
    ConfigError
        When nautilus_trader is not installed or the Redis URL is malformed.
    """
    config = _nautilus()
    engine: BacktestEngineConfig = config.BacktestEngineConfig(
        trader_id=trader_id, **_common(settings, profile, "backtest"))
    return engine


def trading_node_config(settings: Settings, profile: HardwareProfile,
                        mode: Literal["paper", "live"] = "live",
                        trader_id: str = DEFAULT_TRADER_ID) -> TradingNodeConfig:
    """Build a NautilusTrader ``TradingNodeConfig`` for paper (sandbox) or live trading.

    Raises
    ------
    ConfigError
        For a mode other than paper or live, a malformed Redis URL, or no nautilus_trader.
    """
    if mode not in ("paper", "live"):
        raise ConfigError(f"trading node mode {mode!r}: expected 'paper' or 'live'")
    config = _nautilus()
    from nautilus_trader.common import Environment

    node: TradingNodeConfig = config.TradingNodeConfig(
        trader_id=trader_id,
        environment=Environment.SANDBOX if mode == "paper" else Environment.LIVE,
        **_common(settings, profile, mode))
    return node
