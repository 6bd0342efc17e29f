"""RiskConfig: defaults, overrides, rates by mode, and bad input named by key."""

import math

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.settings import RateLimits, RiskSettings
from sapphire.risk.pretrade import InstrumentLimits, RiskConfig, parse_interval


def test_instrument_entry_replaces_only_the_fields_it_sets():
    config = RiskConfig.from_dict({
        "default": {"max_order_notional": 10_000, "price_band": 0.05},
        "instruments": {"BTCUSDT.SIM": {"max_position": 2.0, "price_band": 0.1}}})
    assert config.limits("BTCUSDT.SIM") == InstrumentLimits(
        max_order_notional=10_000.0, max_position=2.0, price_band=0.1)
    assert config.limits("ETHUSDT.SIM") == InstrumentLimits(max_order_notional=10_000.0,
                                                            price_band=0.05)


def test_rates_default_to_the_settings_of_the_mode():
    assert RiskConfig().rates() == ((100_000, 10**9), (100_000, 10**9))
    assert RiskConfig(mode="live").rates() == ((100, 10**9), (100, 10**9))
    settings = RiskSettings(max_order_rate=RateLimits(paper="7/00:01:00"))
    assert RiskConfig(mode="paper").rates(settings) == ((7, 60 * 10**9), (1000, 10**9))
    explicit = RiskConfig(mode="live", max_order_rate="5/00:00:02", max_modify_rate="3/01:00:00")
    assert explicit.rates() == ((5, 2 * 10**9), (3, 3600 * 10**9))


def test_interval_parses_to_ns():
    assert parse_interval("01:02:03") == 3723 * 10**9


@pytest.mark.parametrize("text", ["100/1s", "100", "0/00:00:01", "10/00:00:00", "5/00:61:00"])
def test_malformed_rate_names_the_key_and_the_form(text):
    with pytest.raises(ConfigError, match="max_order_rate") as info:
        RiskConfig.from_dict({"max_order_rate": text})
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(("key", "value"), [
    ("max_order_notional", -5.0), ("max_position", 0.0), ("max_position_notional", -1.0),
    ("max_order_notional", math.nan), ("max_position", math.inf)])
def test_non_positive_instrument_limit_is_named(key, value):
    with pytest.raises(ConfigError, match=f"{key} must be a finite number > 0") as info:
        RiskConfig.from_dict({"default": {key: value}})
    assert "$.default" in str(info.value)


@pytest.mark.parametrize(("key", "value"), [
    ("max_gross_exposure", -1.0), ("max_net_exposure", 0.0), ("max_daily_loss", math.nan)])
def test_non_positive_portfolio_limit_is_named(key, value):
    with pytest.raises(ConfigError, match=f"{key} must be a finite number > 0"):
        RiskConfig.from_dict({key: value})


def test_direct_construction_validates_too():
    with pytest.raises(ConfigError, match=r"max_daily_loss .* was -1"):
        RiskConfig(max_daily_loss=-1.0)
    with pytest.raises(ConfigError,
                       match=r"max_open_orders must be an integer >= 1 \(or absent\), was 0"):
        InstrumentLimits(max_open_orders=0)


@pytest.mark.parametrize("band", [0.0, -0.1, 1.5, math.nan])
def test_band_outside_zero_one_is_refused(band):
    with pytest.raises(ConfigError, match=r"price_band must be a fraction in \(0, 1\]"):
        RiskConfig.from_dict({"default": {"price_band": band}})


def test_band_of_one_is_allowed():
    assert RiskConfig.from_dict({"default": {"price_band": 1}}).default.price_band == 1.0


@pytest.mark.parametrize("drawdown", [0.0, 1.0, 2.0])
def test_drawdown_outside_zero_one_is_refused(drawdown):
    with pytest.raises(ConfigError, match=r"max_drawdown must be a fraction in \(0, 1\)"):
        RiskConfig.from_dict({"max_drawdown": drawdown})


@pytest.mark.parametrize(("data", "key"), [
    ({"max_orders": 5}, "max_orders"),
    ({"default": {"max_notional": 5}}, "max_notional"),
    ({"instruments": {"BTCUSDT.SIM": {"band": 0.1}}}, "band")])
def test_unknown_keys_are_named(data, key):
    with pytest.raises(ConfigError, match=f"unknown field `{key}`"):
        RiskConfig.from_dict(data)


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match=r"Expected `int`.*max_open_orders|max_open_orders"):
        RiskConfig.from_dict({"max_open_orders": "many"})


@pytest.mark.parametrize("text", ["1s", "00:00:00", "00:60:00"])
def test_bad_equity_check_interval_is_named(text):
    with pytest.raises(ConfigError, match="equity_check_interval"):
        RiskConfig.from_dict({"equity_check_interval": text})


def test_unknown_mode_is_refused():
    with pytest.raises(ConfigError, match="mode"):
        RiskConfig.from_dict({"mode": "demo"})


def test_override_of_an_unknown_instrument_is_named():
    config = RiskConfig.from_dict({"instruments": {"DOGE.SIM": {"max_position": 1}}})
    with pytest.raises(ConfigError, match=r"unknown instruments \['DOGE.SIM'\]"):
        config.check_instruments(["BTCUSDT.SIM"])
