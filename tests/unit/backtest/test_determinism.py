"""Determinism: the same data, config and seed give the same fills, hence the same hash.

Two workloads on a seeded :class:`~sapphire.data.synthetic.SyntheticMarket`:

* EMACross on 1-second mid bars the engine builds from the quotes
  (``<ID>-1-s-mid-internal``), matched against the quotes;
* QuotingMarketMaker on every quote with a probabilistic fill model (a touch fills with
  probability 0.3, drawn from the model's seed): the same seed repeats the fills, another
  seed changes them. One run happens in a fresh interpreter with another
  ``PYTHONHASHSEED``, so no set or dict ordering leaks into the fills.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.backtest.results import BacktestResult, fills_hash
from sapphire.model.instruments import Instrument
from sapphire.sim.models import FillModel
from sapphire.strategy.examples import (
    EMACross,
    EMACrossConfig,
    QuotingMarketMaker,
    QuotingMarketMakerConfig,
)
from sapphire.strategy.strategy import Strategy

ROOT = Path(__file__).parents[3]
QUOTES = 8_000
MAKER_QUOTES = 2_500  # the market maker sees every quote in Python: fewer keep it quick


def market(seed: int = 11) -> tuple[Instrument, pa.Table]:
    """``QUOTES`` synthetic BTCUSDT quotes (no trades), about 15 minutes of market."""
    from sapphire.data.calibration import get_profile
    from sapphire.data.synthetic import SyntheticMarket, demo_instruments

    instrument = demo_instruments()[0]
    profile = dataclasses.replace(get_profile("btcusdt"), trade_rate=0.0)
    chunk = SyntheticMarket([(instrument, profile)], seed=seed).generate(QUOTES, l2=False)
    return instrument, chunk.quotes[instrument.id]


def ema_cross(instrument: Instrument) -> EMACross:
    return EMACross(EMACrossConfig(bar_type=f"{instrument.id}-1-s-mid-internal",
                                   trade_size=Decimal("0.01")))


def market_maker(instrument: Instrument) -> QuotingMarketMaker:
    return QuotingMarketMaker(QuotingMarketMakerConfig(
        instrument_id=str(instrument.id), quote_size=Decimal("0.01"),
        max_inventory=Decimal("0.05")))


def run(instrument: Instrument, quotes: pa.Table, strategy: Strategy,
        fill_model: FillModel | None = None) -> BacktestResult:
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="BINANCE", currency="USDT",
                                 fill_model=fill_model or FillModel()))
    engine.add_instrument(instrument)
    engine.add_data(quotes, "quotes", instrument.id)
    engine.add_strategy(strategy)
    result = engine.run()
    assert result.errors == []
    return result


def run_maker(seed: int, data: tuple[Instrument, pa.Table] | None = None) -> BacktestResult:
    """The market maker on the first quotes, touches filling with probability 0.3."""
    instrument, quotes = data or market()
    model = FillModel(prob_fill_on_limit=0.3, seed=seed)
    return run(instrument, quotes.slice(0, MAKER_QUOTES), market_maker(instrument), model)


def maker_hash(seed: int) -> str:
    """The fills hash of :func:`run_maker` (called in a subprocess too)."""
    return run_maker(seed).fills_hash


@pytest.fixture(scope="module")
def data() -> tuple[Instrument, pa.Table]:
    return market()


def test_ema_cross_on_internal_mid_bars_repeats(data: tuple[Instrument, pa.Table]) -> None:
    instrument, quotes = data
    first = run(instrument, quotes, ema_cross(instrument))
    second = run(instrument, quotes, ema_cross(instrument))
    assert first.fills.num_rows >= 10  # the cross trades on a quarter hour of 1 s bars
    assert first.fills.equals(second.fills)
    assert first.fills_hash == second.fills_hash == fills_hash(second.fills)
    assert first.run_id != second.run_id  # the hash is of the fills, not of the run


def test_ema_cross_hash_changes_with_the_data(data: tuple[Instrument, pa.Table]) -> None:
    instrument, quotes = data
    other = market(seed=12)[1]
    assert run(instrument, quotes, ema_cross(instrument)).fills_hash \
        != run(instrument, other, ema_cross(instrument)).fills_hash


@pytest.fixture(scope="module")
def maker_seed_1(data: tuple[Instrument, pa.Table]) -> BacktestResult:
    return run_maker(1, data)


def test_market_maker_with_seeded_fill_model_repeats(data: tuple[Instrument, pa.Table],
                                                     maker_seed_1: BacktestResult) -> None:
    first, second = maker_seed_1, run_maker(1, data)
    assert first.fills.num_rows > 100
    assert set(first.fills["liquidity"].to_pylist()) == {"maker"}  # post-only quotes
    assert first.fills.equals(second.fills)
    assert first.fills_hash == second.fills_hash


def test_market_maker_hash_changes_with_the_seed(data: tuple[Instrument, pa.Table],
                                                maker_seed_1: BacktestResult) -> None:
    other = run_maker(2, data)
    assert other.fills.num_rows > 100
    assert maker_seed_1.fills_hash != other.fills_hash


def test_market_maker_hash_is_the_same_in_another_interpreter(
        maker_seed_1: BacktestResult) -> None:
    code = ("from tests.unit.backtest.test_determinism import maker_hash; "
            "print(maker_hash(1))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == maker_seed_1.fills_hash
