"""BarAggregator: when bars complete, live timers, flush, and misuse."""

from __future__ import annotations

import dataclasses

import pytest

from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.core.time import NS_PER_S
from sapphire.data.aggregator import Bar, BarAggregator
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import SpotPair

SPOT = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                price_increment="0.01", size_increment="0.001")
S = NS_PER_S


def aggregator(text: str) -> BarAggregator:
    return BarAggregator(BarSpec.parse(text), SPOT)


def test_time_bar_completes_on_a_tick_in_a_later_interval() -> None:
    bars = aggregator("1-s-last")
    assert bars.update_trade(S // 2, 100, 1) == []
    assert bars.update_trade(S - 1, 101, 2) == []
    assert bars.update_trade(5 * S, 99, 3) == [Bar(S, 100, 101, 100, 101, 3)]
    assert bars.flush() == [Bar(6 * S, 99, 99, 99, 99, 3)]
    assert bars.flush() == []


def test_on_time_closes_the_bar_at_its_close_time_only() -> None:
    bars = aggregator("1-s-mid")
    assert bars.on_time(0) == []  # nothing open yet
    assert bars.update_quote(S // 2, 100, 103, 1, 1) == []
    assert bars.on_time(S - 1) == []
    assert bars.on_time(S) == [Bar(S, 203, 203, 203, 203, 2)]
    assert bars.on_time(2 * S) == []
    assert bars.update_quote(S, 101, 102, 2, 2) == []
    assert bars.flush() == [Bar(2 * S, 203, 203, 203, 203, 4)]


def test_a_tick_older_than_a_bar_closed_on_time_is_late() -> None:
    bars = aggregator("1-s-last")
    bars.update_trade(S // 2, 100, 1)
    bars.on_time(S + 7)
    with pytest.raises(DataValidationError, match=r"backwards.*previous was 1000000000"):
        bars.update_trade(S - 1, 100, 1)


def test_threshold_bar_completes_on_the_tick_that_reaches_it() -> None:
    bars = aggregator("2-tick-last")
    assert bars.update_trade(1, 100, 1) == []
    assert bars.update_trade(2, 90, 1) == [Bar(2, 100, 100, 90, 90, 2)]
    assert bars.update_trade(3, 95, 4) == []
    assert bars.flush() == [Bar(3, 95, 95, 95, 95, 4)]


def test_ticks_going_backwards_are_rejected() -> None:
    bars = aggregator("2-tick-ask")
    bars.update_quote(10, 100, 101, 1, 1)
    with pytest.raises(DataValidationError, match=r"column 'ts_event'.*backwards.*was 9"):
        bars.update_quote(9, 100, 101, 1, 1)


def test_trades_and_quotes_feed_only_their_bars() -> None:
    with pytest.raises(ConfigError, match="mid bars are built from quotes"):
        aggregator("1-s-mid").update_trade(0, 100, 1)
    with pytest.raises(ConfigError, match="last bars are built from trades"):
        aggregator("1-s-last").update_quote(0, 100, 101, 1, 1)


def test_on_time_is_for_time_bars_only() -> None:
    with pytest.raises(ConfigError, match="volume bars close on ticks"):
        aggregator("1-volume-last").on_time(0)


def test_bars_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Bar(1, 1, 1, 1, 1, 1).open = 2  # type: ignore[misc]
