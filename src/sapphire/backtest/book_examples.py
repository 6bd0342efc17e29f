"""Market making on order books, ready to run: the real ES sample (L3) and generated L2.

* :func:`es_mbo_backtest`: Databento's CME ES March 2024 market-by-order sample, replayed
  ``loops`` times back to back for length (each copy starts with the sample's own CLEAR
  and snapshot, a second after the last; order ids and sequences are the sample's, made
  distinct per copy), through an L3 book: the quotes rest in it as real orders (FIFO).
* :func:`generated_l2_backtest`: BTCUSDT L2 deltas and trades from the synthetic market,
  through the conservative L2 queue model.

Both run :class:`~sapphire.strategy.examples.book_market_maker.BookMarketMaker` and return
the :class:`~sapphire.backtest.results.BacktestResult`: fills, the position after each
fill (the report's inventory chart), PnL and the equity curve.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.model.account import AccountType
from sapphire.model.instruments import Future
from sapphire.strategy.examples.book_market_maker import BookMarketMaker, BookMarketMakerConfig

if TYPE_CHECKING:
    from sapphire.backtest.results import BacktestResult

ES_SAMPLE = "mbo/databento-esh4-glbx-mdp3-20231225.mbo.dbn.zst"
NS_PER_S = 1_000_000_000


def es_future() -> Future:
    """ES March 2024 on CME Globex: 0.25 points a tick, 50 USD a point."""
    return Future(id=InstrumentId("ESH4", "GLBX"), quote_currency="USD", underlying="ES",
                  settlement_currency="USD", price_increment=Decimal("0.25"),
                  size_increment=Decimal("1"), multiplier=Decimal(50),
                  expiry_ns=1_710_460_800 * NS_PER_S, initial_margin=Decimal("0.05"),
                  maintenance_margin=Decimal("0.05"),
                  maker_fee=Decimal("0"), taker_fee=Decimal("0"))


def es_mbo_events(data_root: str | Path, loops: int = 1) -> pa.Table:
    """The ES sample's MBO events, repeated ``loops`` times back to back."""
    from sapphire.data.loaders import get_loader

    path = Path(data_root) / ES_SAMPLE
    if not path.is_file():
        raise ConfigError(f"the ES MBO sample is not at {path}")
    if loops < 1:
        raise ConfigError(f"loops must be at least 1, was {loops}")
    one = pa.concat_tables(list(get_loader("databento", schema="mbo").read(path, es_future())))
    span = int(one.column("ts_event").to_numpy()[-1] - one.column("ts_event").to_numpy()[0])
    ids = one.column("order_id").to_numpy()
    id_step = int(ids.max()) + 1
    seq_step = int(one.column("sequence").to_numpy().max()) + 1
    copies = []
    for k in range(loops):
        shift = k * (span + NS_PER_S)
        copy = _with(one, "ts_event", one.column("ts_event").to_numpy() + shift, pa.int64())
        copy = _with(copy, "ts_init", one.column("ts_init").to_numpy() + shift, pa.int64())
        copy = _with(copy, "sequence", one.column("sequence").to_numpy() + k * seq_step,
                     pa.int64())
        copies.append(_with(copy, "order_id", np.where(ids > 0, ids + np.uint64(k * id_step),
                                                       ids), pa.uint64()))
    return pa.concat_tables(copies)


def _with(table: pa.Table, name: str, values: np.ndarray, type_: pa.DataType) -> pa.Table:
    """``table`` with column ``name`` replaced by ``values``."""
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, type_))


def es_mbo_backtest(data_root: str | Path, *, loops: int = 3, quote_size: str = "1",
                    max_position: str = "5", interval_ns: int = 100_000_000) -> BacktestResult:
    """Quote the ES book's touch on the looped MBO sample (see the module docstring)."""
    from sapphire.book.l3_integrity import DATABENTO_MBO

    instrument = es_future()
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="GLBX", account_type=AccountType.MARGIN, currency="USD",
                                 starting_balance=1_000_000.0, leverage=20.0))
    engine.add_instrument(instrument)
    engine.add_data(es_mbo_events(data_root, loops), "l3_orders", instrument.id,
                    book_config=DATABENTO_MBO)
    engine.add_strategy(BookMarketMaker(BookMarketMakerConfig(
        instrument_id=str(instrument.id), quote_size=Decimal(quote_size),
        max_position=Decimal(max_position), interval_ns=interval_ns)))
    return engine.run()


def generated_l2_backtest(events: int = 1_000_000, *, seed: int = 1,
                          quote_size: str = "0.001", max_position: str = "0.01",
                          interval_ns: int = 100_000_000) -> BacktestResult:
    """Quote the touch of a generated BTCUSDT L2 book (deltas and trades: ``events``)."""
    from sapphire.data.synthetic import DEMO_PROFILES, SyntheticMarket, demo_instruments

    instrument = demo_instruments()[0]
    market = SyntheticMarket([(instrument, DEMO_PROFILES[str(instrument.id)])], seed=seed)
    chunk = market.generate(events)
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name=instrument.id.venue, currency="USDT",
                                 starting_balance=1_000_000.0))
    engine.add_instrument(instrument)
    engine.add_data(chunk.l2_deltas[instrument.id], "l2_deltas", instrument.id)
    engine.add_data(chunk.trades[instrument.id], "trades", instrument.id)
    engine.add_strategy(BookMarketMaker(BookMarketMakerConfig(
        instrument_id=str(instrument.id), quote_size=Decimal(quote_size),
        max_position=Decimal(max_position), interval_ns=interval_ns)))
    return engine.run()
