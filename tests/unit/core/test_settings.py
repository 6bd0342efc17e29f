"""Settings: layers and their precedence, sources, and every kind of bad input."""

from __future__ import annotations

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.settings import (
    NS_PER_SECOND,
    Settings,
    leaf_keys,
    load_settings,
    parse_overrides,
    parse_rate,
)


def write(tmp_path, text, name="sapphire.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_in_development():
    loaded = load_settings(environ={})
    s = loaded.settings
    assert s.environment == "development"
    assert (s.logging.level, loaded.sources["logging.level"]) == (
        "DEBUG", "environment default (development)")
    assert (s.redis.use_redis, loaded.sources["redis.use_redis"]) == (False, "default")
    assert s.risk.max_order_rate.live == "100/00:00:01"
    assert s.cache.ticks is None and s.metrics.enabled is False


def test_every_leaf_has_a_source():
    loaded = load_settings(environ={})
    keys = [key for key, _, _ in loaded.items()]
    assert keys == leaf_keys()
    assert "risk.max_order_rate.backtest" in keys and "metrics.port" in keys


def test_precedence_cli_over_env_over_file_over_environment_default(tmp_path):
    # logging.level: development default is DEBUG; each layer in turn overrides it
    path = write(tmp_path, '[logging]\nlevel = "ERROR"\n[cache]\nticks = 100\n')
    env = {"SAPPHIRE_CACHE__TICKS": "200", "SAPPHIRE_LOGGING__LEVEL": "WARNING"}
    full = load_settings(path, environ=env, overrides={"cache.ticks": "300"})
    assert (full.settings.cache.ticks, full.sources["cache.ticks"]) == (
        300, "cli --set cache.ticks")
    assert (full.settings.logging.level, full.sources["logging.level"]) == (
        "WARNING", "env SAPPHIRE_LOGGING__LEVEL")
    no_cli = load_settings(path, environ=env)
    assert (no_cli.settings.cache.ticks, no_cli.sources["cache.ticks"]) == (
        200, "env SAPPHIRE_CACHE__TICKS")
    file_only = load_settings(path, environ={})
    assert (file_only.settings.cache.ticks, file_only.sources["cache.ticks"]) == (
        100, f"file {path}")
    assert (file_only.settings.logging.level, file_only.sources["logging.level"]) == (
        "ERROR", f"file {path}")


def test_environment_is_chosen_by_the_same_precedence(tmp_path):
    path = write(tmp_path, 'environment = "production"\n')
    assert load_settings(path, environ={}).settings.environment == "production"
    from_env = load_settings(path, environ={"SAPPHIRE_ENVIRONMENT": "test"})
    assert (from_env.settings.environment, from_env.settings.logging.level) == ("test", "WARNING")
    from_cli = load_settings(path, environ={"SAPPHIRE_ENVIRONMENT": "test"},
                             environment="development")
    assert from_cli.settings.environment == "development"
    assert from_cli.sources["environment"] == "cli --env"


def test_production_defaults_are_stricter_for_live():
    s = load_settings(environ={}, environment="production").settings
    assert s.logging.level == "INFO" and s.logging.json is True
    assert s.metrics.enabled is True
    assert s.risk.max_order_rate.live == "50/00:00:01"
    assert parse_rate(s.risk.max_order_rate.live)[0] < parse_rate(s.risk.max_order_rate.backtest)[0]


def test_file_beats_environment_default(tmp_path):
    path = write(tmp_path, 'environment = "production"\n[metrics]\nenabled = false\n')
    loaded = load_settings(path, environ={})
    assert loaded.settings.metrics.enabled is False
    assert loaded.sources["metrics.enabled"] == f"file {path}"


def test_sapphire_config_variable_names_the_file(tmp_path):
    path = write(tmp_path, "[redis]\nuse_redis = true\n")
    loaded = load_settings(environ={"SAPPHIRE_CONFIG": str(path)})
    assert loaded.settings.redis.use_redis is True


def test_env_aliases_and_text_parsing():
    env = {"SAPPHIRE_USE_REDIS": "true", "SAPPHIRE_CATALOG": "/data/cat",
           "SAPPHIRE_HARDWARE__THREADS": "6", "SAPPHIRE_HARDWARE__USE_GPU": "false",
           "SAPPHIRE_HARDWARE__GPU_PROBE_TIMEOUT_S": "0.5",
           "SAPPHIRE_DATA__DIRS": '["/a", "/b"]',
           "SAPPHIRE_LOGGING__COMPONENTS": '{"sapphire.data": "ERROR"}',
           "SAPPHIRE_RISK__MAX_ORDER_RATE__LIVE": "20/00:00:02"}
    loaded = load_settings(environ=env)
    s = loaded.settings
    assert s.redis.use_redis is True
    assert loaded.sources["redis.use_redis"] == "env SAPPHIRE_USE_REDIS"
    assert s.data.catalog == "/data/cat"
    hw = s.hardware
    assert (hw.threads, hw.use_gpu, hw.gpu_probe_timeout_s) == (6, False, 0.5)
    assert s.data.dirs == ["/a", "/b"]
    assert s.logging.components == {"sapphire.data": "ERROR"}
    assert s.risk.max_order_rate.live == "20/00:00:02"
    assert s.risk.max_order_rate.paper == "1000/00:00:01"  # untouched siblings keep defaults


def test_a_whole_section_as_json_sets_its_leaves():
    loaded = load_settings(environ={"SAPPHIRE_RISK__MAX_ORDER_RATE": '{"paper": "7/00:00:01"}'})
    assert loaded.settings.risk.max_order_rate.paper == "7/00:00:01"
    assert loaded.sources["risk.max_order_rate.paper"] == "env SAPPHIRE_RISK__MAX_ORDER_RATE"
    assert loaded.sources["risk.max_order_rate.live"] == "default"


def test_none_text_clears_an_optional_value(tmp_path):
    path = write(tmp_path, "[cache]\nticks = 10\n")
    loaded = load_settings(path, environ={}, overrides={"cache.ticks": "none"})
    assert loaded.settings.cache.ticks is None


def test_foreign_sapphire_variables_without_double_underscore_are_ignored():
    s = load_settings(environ={"SAPPHIRE_SOMETHING_ELSE": "x"}).settings
    assert s == load_settings(environ={}).settings


def test_settings_are_frozen():
    s = load_settings(environ={}).settings
    with pytest.raises(AttributeError):
        s.environment = "production"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        s.cache.ticks = 5  # type: ignore[misc]


def test_parse_rate():
    assert parse_rate("100/00:00:01") == (100, NS_PER_SECOND)
    assert parse_rate("5/01:02:03") == (5, 3723 * NS_PER_SECOND)


@pytest.mark.parametrize("text", ["100", "100/1", "0/00:00:01", "5/00:00:00", "5/00:60:00",
                                  "-1/00:00:01", "1/0:00:01"])
def test_parse_rate_rejects(text):
    with pytest.raises(ConfigError, match="rate"):
        parse_rate(text)


# --- bad input: each names the key path and what was expected ----------------------------


def test_unknown_key_in_file_names_the_path(tmp_path):
    path = write(tmp_path, "[risk]\nbackend = \"numba\"\nmax_orders = 3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'risk\.max_orders'") as info:
        load_settings(path, environ={})
    assert str(path) in str(info.value)


def test_unknown_section_in_file(tmp_path):
    path = write(tmp_path, "[databse]\nurl = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'databse'"):
        load_settings(path, environ={})


def test_wrong_type_names_key_and_expected_type(tmp_path):
    path = write(tmp_path, '[hardware]\nthreads = "four"\n')
    with pytest.raises(ConfigError, match=r"key 'hardware\.threads'.*'four'.*expected int >= 1"):
        load_settings(path, environ={})


def test_text_number_in_file_is_a_wrong_type(tmp_path):
    # a file is typed: "3" is a string there, unlike in an environment variable
    path = write(tmp_path, '[cache]\nbars = "3"\n')
    with pytest.raises(ConfigError, match=r"key 'cache\.bars'"):
        load_settings(path, environ={})


@pytest.mark.parametrize("key", ["ticks", "bars"])
def test_negative_capacity_in_file(tmp_path, key):
    path = write(tmp_path, f"[cache]\n{key} = -5\n")
    with pytest.raises(ConfigError, match=rf"key 'cache\.{key}'.*>= 1.*was -5"):
        load_settings(path, environ={})


def test_negative_capacity_in_environment():
    with pytest.raises(ConfigError, match=r"env SAPPHIRE_CACHE__TICKS: key 'cache\.ticks'.*'-1'"):
        load_settings(environ={"SAPPHIRE_CACHE__TICKS": "-1"})


def test_bad_rate_names_mode_and_value(tmp_path):
    path = write(tmp_path, '[risk.max_order_rate]\nlive = "fast"\n')
    with pytest.raises(ConfigError,
                       match=r"key 'risk\.max_order_rate\.live'.*'fast'.*count/HH:MM:SS"):
        load_settings(path, environ={})


def test_log_level_text_is_case_insensitive():
    assert load_settings(environ={"SAPPHIRE_LOG_LEVEL": "error"}).settings.logging.level == "ERROR"


def test_bad_log_level_lists_the_choices():
    with pytest.raises(ConfigError, match=r"key 'logging\.level'.*'loud'.*'DEBUG', 'INFO'"):
        load_settings(environ={}, overrides={"logging.level": "loud"})


def test_bad_environment():
    with pytest.raises(ConfigError, match=r"key 'environment': 'prod'.*'production'"):
        load_settings(environ={"SAPPHIRE_ENVIRONMENT": "prod"})


def test_unknown_nested_env_variable_names_it():
    with pytest.raises(ConfigError, match=r"SAPPHIRE_CACHE__TICK: unknown key 'cache\.tick' "
                                          r"\(known: cache\.ticks, cache\.bars\)"):
        load_settings(environ={"SAPPHIRE_CACHE__TICK": "5"})


def test_unknown_cli_key():
    with pytest.raises(ConfigError, match=r"cli --set cache\.size: unknown key 'cache\.size'"):
        load_settings(environ={}, overrides={"cache.size": "5"})


def test_bad_json_for_a_list():
    with pytest.raises(ConfigError, match=r"key 'data\.dirs' needs JSON"):
        load_settings(environ={"SAPPHIRE_DATA__DIRS": "/a,/b"})


def test_bad_port():
    with pytest.raises(ConfigError, match=r"key 'metrics\.port'.*<= 65535"):
        load_settings(environ={}, overrides={"metrics.port": "70000"})


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})
    path = write(tmp_path, "[cache\nticks = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_parse_overrides():
    assert parse_overrides(["a.b=1", " c = x=y "]) == {"a.b": "1", "c": "x=y"}
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_overrides(["novalue"])
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_overrides(["=3"])


def test_direct_construction_validates_nothing_unknown():
    with pytest.raises(TypeError):
        Settings(nonsense=1)  # type: ignore[call-arg]
