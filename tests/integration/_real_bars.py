"""The real BTC one-minute bars and the engine set-up shared by the strategy-on-real-bars tests.

The sample is ``../shared/data/real/bars/btc-perp-20211231-20220201_1m.csv``; a test
module uses :data:`NEEDS_BARS` as its ``pytestmark``, so it is skipped, with the path
named, where the sample is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.backtest.results import BacktestResult
from sapphire.data.loaders import get_loader
from sapphire.model.instruments import SpotPair
from sapphire.strategy.strategy import Strategy

REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"
BARS = REAL / "bars" / "btc-perp-20211231-20220201_1m.csv"
NEEDS_BARS = [
    pytest.mark.real_data,
    pytest.mark.skipif(not BARS.is_file(), reason=f"real data sample not found at {BARS}"),
]
#: The instrument of tests/integration/test_loaders_real.py ("btc-bars"): price tick 0.001 USD.
BTC = SpotPair(id="BTCUSD.SIM", quote_currency="USD", base_currency="BTC",
               price_increment=Decimal("0.001"), size_increment=Decimal("0.0000001"))
BAR_TYPE = "BTCUSD.SIM-1-min-last-external"
STARTING = 1_000_000.0  # USD, no fees on this instrument

#: A trade of a plain reference loop: (ts_event ns, side +1 buy / -1 sell, BTC, price ticks).
Trade = tuple[int, int, int, int]


def load_bars() -> pa.Table:
    """All the sample's bars (close etc. in price ticks), read by the bars-csv loader."""
    loader = get_loader("bars-csv", bar_spec="1-min-last", tz="UTC")
    return pa.concat_tables(list(loader.read(BARS, BTC)))


def run_on_bars(bars: pa.Table, strategy: Strategy) -> BacktestResult:
    """Backtest ``strategy`` alone on ``bars`` at the SIM venue; assert the run had no errors."""
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USD", starting_balance=STARTING))
    engine.add_instrument(BTC)
    engine.add_data(bars, "bars", BAR_TYPE)
    engine.add_strategy(strategy)
    result = engine.run()
    assert result.errors == []
    return result


def trades_pnl(trades: Sequence[Trade], last_close_ticks: int) -> float:
    """Net PnL in USD of ``trades``, the position valued at the last close.

    Exact in integer ticks * BTC: the trades' cash flows plus the position held.
    """
    cash = -sum(side * qty * ticks for _, side, qty, ticks in trades)
    held = sum(side * qty for _, side, qty, _ in trades)
    return (cash + held * last_close_ticks) / 1000
