"""Market statistics, profile validation, and calibration round trips on synthetic data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.errors import ConfigError, DataError
from sapphire.data.calibration import BTCUSDT, PROFILES, calibrate, get_profile, market_stats
from sapphire.data.synthetic import SyntheticMarket, demo_instruments

BTC = demo_instruments()[0]


def _hand_quotes(n: int = 40) -> pa.Table:
    ts = np.arange(n, dtype=np.int64) * 500_000_000  # every 0.5 s
    bid = np.full(n, 1000, dtype=np.int64)
    spread = np.where(np.arange(n) % 4 == 3, 3, 1)  # one quote in four is 3 ticks wide
    size = np.full(n, 200, dtype=np.int64)
    return pa.table({"ts_event": ts, "ts_init": ts, "bid_price": bid, "ask_price": bid + spread,
                     "bid_size": size, "ask_size": size})


def test_market_stats_by_hand() -> None:
    stats = market_stats(_hand_quotes(), None, BTC)
    assert stats.n_quotes == 40 and stats.duration_s == 19.5
    assert stats.quote_rate == pytest.approx(2.0)
    assert stats.spread_one_tick == 0.75 and stats.spread_mean == 1.5
    assert stats.spread_quantiles[15] == 1.0 and stats.spread_quantiles[16] == 3.0
    # 39 steps, 10 into a 3-tick quote and 9 back out of one: 20 keep the spread.
    assert stats.spread_unchanged == pytest.approx(20 / 39)
    assert stats.display_size_quantiles == (0.002,) * 5  # 200 lots of 0.00001
    assert stats.n_trades == 0 and stats.trade_rate == 0.0


def test_market_stats_rejects_short_or_malformed_data() -> None:
    with pytest.raises(DataError, match="at least 30 quotes"):
        market_stats(_hand_quotes(10), None, BTC)
    with pytest.raises(DataError, match="missing columns"):
        market_stats(_hand_quotes().drop_columns(["ask_size"]), None, BTC)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("quote_rate", -1.0, "invalid quote_rate -1.0, expected a positive number"),
    ("trade_rate", -0.5, "invalid trade_rate -0.5"),
    ("garch_beta", 0.9, "garch_alpha \\+ garch_beta < 1"),
    ("quote_branching", 1.0, "invalid quote_branching 1.0"),
    ("spread_quantiles", (0.0,) * 21, "invalid spread_quantiles"),
    ("event_vol", float("nan"), "invalid event_vol nan"),
])
def test_bad_profile_fields_are_rejected(field, value, message) -> None:
    with pytest.raises(ConfigError, match=message):
        BTCUSDT.with_changes(**{field: value})


def test_unknown_profile_name() -> None:
    assert get_profile("eurusd") is PROFILES["eurusd"]
    with pytest.raises(ConfigError, match="unknown market profile 'xauusd'"):
        get_profile("xauusd")


def test_calibrate_without_sizes_needs_a_base() -> None:
    quotes = _hand_quotes().set_column(4, "bid_size", pa.array(np.zeros(40, dtype=np.int64)))
    quotes = quotes.set_column(5, "ask_size", pa.array(np.zeros(40, dtype=np.int64)))
    with pytest.raises(ConfigError, match="carry no sizes"):
        calibrate(quotes, None, BTC)
    profile = calibrate(quotes, None, BTC, base=BTCUSDT)
    assert profile.display_size_median == BTCUSDT.display_size_median
    assert profile.trade_rate == BTCUSDT.trade_rate


def _generate(profile, n=20_000):
    market = SyntheticMarket([(BTC, profile)], seed=5)
    chunk = market.generate(n, l2=False)
    return chunk.quotes[BTC.id], chunk.trades[BTC.id]


def test_generated_returns_cluster_in_volatility() -> None:
    clustered = market_stats(*_generate(BTCUSDT), BTC)
    flat = market_stats(*_generate(BTCUSDT.with_changes(garch_alpha=0.0, garch_beta=0.0)), BTC)
    assert clustered.abs_return_acf[0] > 0.1
    assert clustered.clustering > flat.clustering + 0.05


def test_calibrate_recovers_generated_profile() -> None:
    profile = BTCUSDT.with_changes(quote_branching=0.5, quote_decay=20.0)
    quotes, trades = _generate(profile, 40_000)
    fitted = calibrate(quotes, trades, BTC)
    assert fitted.quote_rate == pytest.approx(profile.quote_rate, rel=0.1)
    assert fitted.trade_rate == pytest.approx(profile.trade_rate, rel=0.1)
    assert fitted.quote_branching == pytest.approx(0.5, abs=0.15)
    assert fitted.buy_fraction == pytest.approx(profile.buy_fraction, abs=0.02)
    assert fitted.spread_quantiles[10] == 1.0 and fitted.spread_quantiles[14] > 100
