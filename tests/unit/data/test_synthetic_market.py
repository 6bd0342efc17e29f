"""SyntheticMarket: determinism, grids, schemas, merged timeline, configuration errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.data.calibration import BTCUSDT
from sapphire.data.synthetic import SyntheticMarket, demo_instruments
from sapphire.data.validation import validate

N = 3000


@pytest.fixture(scope="module")
def chunk():
    return SyntheticMarket.demo(seed=7, levels=5).generate(N)


def _equal(a: dict[object, pa.Table], b: dict[object, pa.Table]) -> bool:
    return a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)


def test_same_seed_gives_identical_tables(chunk) -> None:
    again = SyntheticMarket.demo(seed=7, levels=5).generate(N)
    for kind in (DataType.QUOTES, DataType.TRADES, DataType.L2_DELTAS):
        assert _equal(chunk.tables(kind), again.tables(kind))


def test_other_seed_gives_different_quotes(chunk) -> None:
    other = SyntheticMarket.demo(seed=8, levels=5).generate(N)
    assert not _equal(chunk.quotes, other.quotes)


def test_chunking_does_not_change_output(chunk) -> None:
    parts = list(SyntheticMarket.demo(seed=7, levels=5).chunks(N, chunk_events=700))
    assert len(parts) > 3
    assert sum(p.n_events for p in parts) == N
    for kind in (DataType.QUOTES, DataType.TRADES, DataType.L2_DELTAS):
        for inst_id, table in chunk.tables(kind).items():
            joined = pa.concat_tables([p.tables(kind)[inst_id] for p in parts])
            assert joined.equals(table)


def test_n_events_counts_quotes_and_trades(chunk) -> None:
    rows = sum(t.num_rows for t in [*chunk.quotes.values(), *chunk.trades.values()])
    assert rows == chunk.n_events == N


def test_instrument_stream_independent_of_other_instruments(chunk) -> None:
    btc = demo_instruments()[0]
    alone = SyntheticMarket([(btc, "btcusdt")], seed=7, levels=5, correlation=0.3).generate(N)
    n = min(alone.quotes[btc.id].num_rows, chunk.quotes[btc.id].num_rows)
    assert alone.quotes[btc.id].slice(0, n).equals(chunk.quotes[btc.id].slice(0, n))


def test_tables_pass_strict_validation(chunk) -> None:
    for kind in (DataType.QUOTES, DataType.TRADES, DataType.L2_DELTAS):
        for inst_id, table in chunk.tables(kind).items():
            assert table.num_rows > 0, (kind, inst_id)
            assert validate(table, kind).equals(table)


def test_prices_and_sizes_are_on_the_grids(chunk) -> None:
    for inst in demo_instruments():
        quotes = chunk.quotes[inst.id]
        for column in ("bid_price", "ask_price", "bid_size", "ask_size"):
            values = quotes.column(column).to_numpy()
            assert values.dtype == np.int64 and values.min() >= 1
        prices = inst.ticks_to_price(quotes.column("bid_price").to_numpy())
        ticks = quotes.column("bid_price").to_numpy()
        np.testing.assert_array_equal(inst.price_to_ticks(prices), ticks)


def test_bid_below_ask_always(chunk) -> None:
    for quotes in chunk.quotes.values():
        assert np.all(quotes.column("bid_price").to_numpy() < quotes.column("ask_price").to_numpy())


def test_trades_hit_the_current_quote_capped_by_its_size(chunk) -> None:
    for inst_id, trades in chunk.trades.items():
        quotes = chunk.quotes[inst_id]
        q_ts = quotes.column("ts_event").to_numpy()
        at = np.searchsorted(q_ts, trades.column("ts_event").to_numpy(), side="right") - 1
        assert at.min() >= 0
        buy = trades.column("aggressor_side").to_numpy() == 1
        side_price = np.where(buy, quotes.column("ask_price").to_numpy()[at],
                              quotes.column("bid_price").to_numpy()[at])
        shown = np.where(buy, quotes.column("ask_size").to_numpy()[at],
                         quotes.column("bid_size").to_numpy()[at])
        np.testing.assert_array_equal(trades.column("price").to_numpy(), side_price)
        assert np.all(trades.column("size").to_numpy() <= shown)
        assert set(np.unique(trades.column("aggressor_side").to_numpy())) == {1, 2}


def test_first_quote_is_at_start() -> None:
    market = SyntheticMarket.demo(seed=1, start_ns=5_000_000_000)
    quotes = market.quotes(1)
    first = quotes[demo_instruments()[0].id]
    assert first.num_rows == 1 and first.column("ts_event")[0].as_py() == 5_000_000_000
    assert all(t.num_rows == 0 for t in list(quotes.values())[1:])


def test_correlation_makes_returns_co_move() -> None:
    btc, eth, _ = demo_instruments()
    pairs = [(btc, "btcusdt"), (eth, "ethusdt")]
    correlated = SyntheticMarket(pairs, seed=3, correlation=0.8).generate(40_000, l2=False)
    independent = SyntheticMarket(pairs, seed=3).generate(40_000, l2=False)
    assert _return_corr(correlated.quotes, btc, eth) > 0.4
    assert abs(_return_corr(independent.quotes, btc, eth)) < 0.2


def _return_corr(quotes, a, b, step_ns=1_000_000_000) -> float:
    grids = []
    for inst in (a, b):
        table = quotes[inst.id]
        ts = table.column("ts_event").to_numpy()
        mid = (table.column("bid_price").to_numpy() + table.column("ask_price").to_numpy()) / 2
        grid = np.arange(ts[0], ts[-1], step_ns)
        grids.append(np.log(mid[np.searchsorted(ts, grid, side="right") - 1]))
    n = min(len(g) for g in grids)
    return float(np.corrcoef(np.diff(grids[0][:n]), np.diff(grids[1][:n]))[0, 1])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"levels": 0}, "invalid levels 0"),
    ({"seed": -1}, "invalid seed -1"),
    ({"correlation": 1.0}, "invalid correlation 1.0"),
])
def test_bad_market_config_is_rejected(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        SyntheticMarket([(demo_instruments()[0], "btcusdt")], **kwargs)


def test_unknown_profile_is_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown market profile 'dogeusdt'"):
        SyntheticMarket([(demo_instruments()[0], "dogeusdt")])


def test_duplicate_instruments_are_rejected() -> None:
    btc = demo_instruments()[0]
    with pytest.raises(ConfigError, match="must be distinct"):
        SyntheticMarket([(btc, "btcusdt"), (btc, BTCUSDT)])


def test_negative_event_count_is_rejected() -> None:
    with pytest.raises(ConfigError, match="invalid n_events -5"):
        SyntheticMarket.demo().generate(-5)
