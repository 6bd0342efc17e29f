"""Stress tests: user shocks by hand; historical replay from catalog bars."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.errors import RiskError
from sapphire.core.time import NS_PER_DAY, NS_PER_MIN
from sapphire.data import BarType, Catalog
from sapphire.model.instruments import SpotPair
from sapphire.risk import apply_shocks, replay_scenario

BTC = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
               price_increment="0.01", size_increment="0.001")
ETH = SpotPair(id="ETHUSDT.BINANCE", quote_currency="USDT", base_currency="ETH",
               price_increment="0.01", size_increment="0.001")
BTC_BARS = BarType.parse("BTCUSDT.BINANCE-1-min-last-external")
ETH_BARS = BarType.parse("ETHUSDT.BINANCE-1-min-last-external")
T0 = 19_723 * NS_PER_DAY  # 2024-01-01


def bars(minutes: list[int], closes: list[int]) -> pa.Table:
    ts = [T0 + m * NS_PER_MIN for m in minutes]
    return pa.table({"ts_event": ts, "ts_init": ts, "open": closes, "high": closes,
                     "low": closes, "close": closes, "volume": [1] * len(ts)})


@pytest.fixture
def catalog(tmp_path):
    cat = Catalog(tmp_path / "catalog")
    cat.add_instrument(BTC)
    cat.add_instrument(ETH)
    cat.write("bars", BTC_BARS, bars([1, 2, 3, 4, 5], [100, 90, 80, 95, 110]))
    cat.write("bars", ETH_BARS, bars([1, 2, 4, 5], [200, 220, 150, 160]))  # no minute 3
    return cat


def test_user_shocks_by_hand():
    result = apply_shocks({"A": 1000.0, "B": -500.0, "C": 200.0}, {"A": -0.2, "B": 0.1},
                          name="crash")
    assert result.name == "crash"
    assert result.by_instrument == {"A": -200.0, "B": -50.0, "C": 0.0}
    assert result.pnl == -250.0


def test_user_shock_errors():
    with pytest.raises(RiskError, match=r"instruments not in positions: \['X'\]"):
        apply_shocks({"A": 1.0}, {"X": 0.1})
    with pytest.raises(RiskError, match=r"shock for 'A' is -1.5; expected a finite return >= -1"):
        apply_shocks({"A": 1.0}, {"A": -1.5})
    with pytest.raises(RiskError, match="positions are all zero"):
        apply_shocks({"A": 0.0}, {"A": 0.1})
    with pytest.raises(RiskError, match="position 'A' is nan"):
        apply_shocks({"A": float("nan")}, {})


def test_replay_applies_window_returns_to_current_positions(catalog):
    positions = {"BTCUSDT.BINANCE": 10_000.0, "ETHUSDT.BINANCE": -4_000.0}
    replay = replay_scenario(catalog, positions,
                             {"BTCUSDT.BINANCE": BTC_BARS, "ETHUSDT.BINANCE": str(ETH_BARS)},
                             T0, T0 + NS_PER_DAY, name="flash")
    # Common minutes 1, 2, 4, 5. BTC 100 -> 90, 95, 110; ETH 200 -> 220, 150, 160.
    assert replay.ts_event.tolist() == [T0 + m * NS_PER_MIN for m in (1, 2, 4, 5)]
    btc = 10_000 * np.array([0, -0.10, -0.05, 0.10])
    eth = -4_000 * np.array([0, 0.10, -0.25, -0.20])
    np.testing.assert_allclose(replay.pnl_path, btc + eth)
    assert replay.result.by_instrument == pytest.approx({"BTCUSDT.BINANCE": 1_000.0,
                                                         "ETHUSDT.BINANCE": 800.0})
    assert replay.result.pnl == pytest.approx(1_800.0)
    assert replay.worst_pnl == pytest.approx(-1_400.0)  # minute 2: -1000 - 400
    assert replay.name == "flash"


def test_replay_window_bounds_the_bars(catalog):
    replay = replay_scenario(catalog, {"BTCUSDT.BINANCE": 1_000.0},
                             {"BTCUSDT.BINANCE": BTC_BARS}, T0 + 2 * NS_PER_MIN,
                             T0 + 4 * NS_PER_MIN)
    # Minutes 2 and 3 only: 90 -> 80.
    assert replay.result.pnl == pytest.approx(1_000.0 * (80 / 90 - 1))


def test_replay_errors(catalog):
    positions = {"BTCUSDT.BINANCE": 1_000.0}
    with pytest.raises(RiskError, match=r"no bar type given for held instruments \['BTCUSDT"):
        replay_scenario(catalog, positions, {}, T0, T0 + NS_PER_DAY)
    with pytest.raises(RiskError, match="has 0 bar\\(s\\) in"):
        replay_scenario(catalog, positions, {"BTCUSDT.BINANCE": BTC_BARS}, T0 + NS_PER_DAY,
                        T0 + 2 * NS_PER_DAY)
    with pytest.raises(RiskError, match=r"is for ETHUSDT.BINANCE, not for position 'BTCUSDT"):
        replay_scenario(catalog, positions, {"BTCUSDT.BINANCE": ETH_BARS}, T0, T0 + NS_PER_DAY)
    with pytest.raises(RiskError, match="scenario window is empty"):
        replay_scenario(catalog, positions, {"BTCUSDT.BINANCE": BTC_BARS}, T0, T0)
