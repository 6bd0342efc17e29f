"""NautilusTrader configs from Sapphire's profile (runs only where nautilus_trader is installed).

Run it with the benchmark environment: ``benchmarks/.env-nautilus/bin/python -m pytest
tests/integration/test_nautilus_interop.py``.
"""

from __future__ import annotations

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.hardware import GIB, GpuProbe, MachineProbe, derive_profile
from sapphire.core.settings import load_settings
from sapphire.interop.nautilus import redis_database

nautilus = pytest.importorskip(
    "nautilus_trader", reason="nautilus_trader is not installed here (it lives in "
    "benchmarks/.env-nautilus: make bench-nautilus-env)")

from sapphire.interop.nautilus import backtest_engine_config, trading_node_config  # noqa: E402

MACHINE = MachineProbe(physical_cores=16, logical_cores=32, memory_bytes=192 * GIB,
                       disk_free_bytes=GIB, disk_path="/", gpu=GpuProbe("absent", "none"),
                       torch_installed=False, cupy_installed=False)


def profile_for(environ=None, **overrides):
    loaded = load_settings(environ=environ or {}, overrides=overrides)
    return loaded.settings, derive_profile(loaded.settings, MACHINE, environ={})


def test_backtest_config_in_memory():
    settings, profile = profile_for()
    config = backtest_engine_config(settings, profile)
    assert (config.cache.tick_capacity, config.cache.bar_capacity) == (19_200_000, 960_000)
    assert config.cache.database is None  # Redis off by default
    assert config.risk_engine.max_order_submit_rate == "100000/00:00:01"
    assert config.logging.log_level == "DEBUG" and config.logging.log_colors is True
    assert str(config.trader_id) == "SAPPHIRE-001"


def test_live_node_with_redis_in_production():
    settings, profile = profile_for(
        {"SAPPHIRE_USE_REDIS": "true", "SAPPHIRE_REDIS__URL": "rediss://u:pw@cache.lan:6380/0"},
        environment="production")
    from nautilus_trader.common import Environment

    node = trading_node_config(settings, profile, "live")
    assert node.environment == Environment.LIVE
    db = node.cache.database
    assert (db.type, db.host, db.port, db.username, db.password, db.ssl) == (
        "redis", "cache.lan", 6380, "u", "pw", True)
    assert node.risk_engine.max_order_submit_rate == "50/00:00:01"  # stricter than backtest
    assert node.logging.log_level == "INFO" and node.logging.log_colors is False
    assert node.logging.log_file_format == "json"
    assert (node.logging.log_directory, node.logging.log_file_name) == ("logs", "sapphire")


def test_paper_node_is_a_sandbox_with_paper_rates():
    settings, profile = profile_for(**{"risk.max_order_rate.paper": "7/00:00:01",
                                       "cache.ticks": "1234"})
    from nautilus_trader.common import Environment

    node = trading_node_config(settings, profile, "paper")
    assert node.environment == Environment.SANDBOX
    assert node.risk_engine.max_order_submit_rate == "7/00:00:01"
    assert node.cache.tick_capacity == 1234


def test_bad_mode_and_bad_redis_url():
    settings, profile = profile_for()
    with pytest.raises(ConfigError, match="mode 'backtest'"):
        trading_node_config(settings, profile, "backtest")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expected redis://"):
        redis_database("http://cache.lan")
