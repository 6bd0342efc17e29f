"""The market-making benchmark's event stream (benchmarks/book_peers/mm_data.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from book_peers import mm_data
from book_peers.mm_data import COLUMNS, make_mm_events, merge
from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.data.schemas import schema_for
from sapphire.data.synthetic import SyntheticMarket

GENERATOR_EVENTS = 60  # quote updates and trades: a few hundred rows


def generator_tables(events: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """The generator's own BTCUSDT deltas and trades for its first ``events`` events."""
    instrument = mm_data.btcusdt()
    market = SyntheticMarket([(instrument, "btcusdt")], seed=seed)
    chunk = market.generate(events, l2=True)
    return chunk.l2_deltas[instrument.id], chunk.trades[instrument.id]


def reference_rows(deltas: pa.Table, trades: pa.Table) -> list[tuple]:
    """Rows merged by a plain sort on (ts, kind, position in its table)."""
    rows = [(d["ts_event"], 0, i, d["side"], d["action"], d["price"], d["size"], d["flags"],
             d["sequence"]) for i, d in enumerate(deltas.to_pylist())]
    rows += [(t["ts_event"], 1, i, t["aggressor_side"], 0, t["price"], t["size"], 0,
              int(t["trade_id"])) for i, t in enumerate(trades.to_pylist())]
    return [row[:2] + row[3:] for row in sorted(rows)]


def as_rows(events: dict[str, np.ndarray]) -> list[tuple]:
    return list(zip(*(events[name].tolist() for name in COLUMNS), strict=True))


@pytest.fixture(scope="module")
def generated() -> tuple[pa.Table, pa.Table]:
    return generator_tables(GENERATOR_EVENTS, seed=1)


def test_rows_are_the_generator_tables_merged_by_time(generated) -> None:
    deltas, trades = generated
    n = deltas.num_rows + trades.num_rows
    events = make_mm_events(n, seed=1)
    assert as_rows(events) == reference_rows(deltas, trades)


def test_counts_equal_the_generator_tables(generated) -> None:
    deltas, trades = generated
    events = make_mm_events(deltas.num_rows + trades.num_rows, seed=1)
    assert int((events["kind"] == 0).sum()) == deltas.num_rows
    assert int((events["kind"] == 1).sum()) == trades.num_rows
    np.testing.assert_array_equal(events["price"][events["kind"] == 0],
                                  deltas["price"].to_numpy())
    np.testing.assert_array_equal(events["size"][events["kind"] == 1],
                                  trades["size"].to_numpy())


def test_columns_have_the_documented_dtypes_and_exact_length() -> None:
    events = make_mm_events(257, seed=1)
    assert list(events) == list(COLUMNS)
    for name, dtype in COLUMNS.items():
        assert events[name].dtype == dtype, name
        assert events[name].shape == (257,), name


def test_rows_are_sorted_by_time() -> None:
    ts = make_mm_events(2_000, seed=2)["ts"]
    assert (np.diff(ts) >= 0).all()


def test_stream_starts_with_a_clear_then_the_snapshot() -> None:
    events = make_mm_events(21, seed=1)
    assert events["action"][0] == 4 and events["side"][0] == 0
    # 10 levels a side (the generator's default), all ADDs flagged SNAPSHOT, the last LAST too
    assert (events["action"][1:] == 1).all()
    assert (events["side"][1:11] == 1).all() and (events["side"][11:] == 2).all()
    assert events["flags"][1:20].tolist() == [1] * 19 and events["flags"][20] == 3


def test_shorter_stream_is_a_prefix_of_a_longer_one() -> None:
    longer = make_mm_events(900, seed=3)
    shorter = make_mm_events(400, seed=3)
    assert as_rows(shorter) == as_rows(longer)[:400]


def test_small_chunks_give_the_same_rows(monkeypatch) -> None:
    whole = make_mm_events(700, seed=4)
    monkeypatch.setattr(mm_data, "_CHUNK_EVENTS", 25)  # about 90 rows a chunk: 8 chunks
    assert as_rows(make_mm_events(700, seed=4)) == as_rows(whole)


def test_seeds_give_different_streams() -> None:
    assert as_rows(make_mm_events(300, seed=5)) != as_rows(make_mm_events(300, seed=6))


def _deltas(ts: list[int], price: list[int]) -> pa.Table:
    n = len(ts)
    columns = [ts, ts, list(range(n)), [1] * n, [2] * n, price, [7] * n, [2] * n]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in
                                 zip(columns, schema_for(DataType.L2_DELTAS), strict=True)],
                                schema=schema_for(DataType.L2_DELTAS))


def _trades(ts: list[int], price: list[int]) -> pa.Table:
    n = len(ts)
    columns = [ts, ts, price, [3] * n, [2] * n, [str(40 + i) for i in range(n)]]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in
                                 zip(columns, schema_for(DataType.TRADES), strict=True)],
                                schema=schema_for(DataType.TRADES))


def test_merge_puts_deltas_before_trades_at_equal_time_and_keeps_table_order() -> None:
    # trade at 5 ties with two deltas at 5; a trade at 3 goes first; equal-ts rows of one
    # table keep their order (prices 101 then 100, 200 then 201)
    merged = merge(_deltas([5, 5, 9], [101, 100, 102]), _trades([3, 5, 5], [200, 201, 202]))
    assert merged["ts"].tolist() == [3, 5, 5, 5, 5, 9]
    assert merged["kind"].tolist() == [1, 0, 0, 1, 1, 0]
    assert merged["price"].tolist() == [200, 101, 100, 201, 202, 102]
    assert merged["side"].tolist() == [2, 1, 1, 2, 2, 1]
    assert merged["action"].tolist() == [0, 2, 2, 0, 0, 2]
    assert merged["size"].tolist() == [3, 7, 7, 3, 3, 7]
    assert merged["flags"].tolist() == [0, 2, 2, 0, 0, 2]
    assert merged["sequence"].tolist() == [40, 0, 1, 41, 42, 2]


@pytest.mark.parametrize("bad", [0, -5, True, 2.0, "10", None])
def test_bad_event_count_is_refused(bad) -> None:
    with pytest.raises(ConfigError, match=r"invalid n_events .*expected an integer >= 1"):
        make_mm_events(bad)


@pytest.mark.parametrize("bad", [-1, False, 1.5, "1"])
def test_bad_seed_is_refused(bad) -> None:
    with pytest.raises(ConfigError, match=r"invalid seed .*expected an integer >= 0"):
        make_mm_events(10, seed=bad)


def test_cached_events_are_written_once_then_read(monkeypatch, tmp_path) -> None:
    try:
        import bench_book_hftbacktest  # noqa: F401  (cached_mm_events reuses its cache)
    except ImportError as error:
        pytest.skip(f"benchmarks/bench_book_hftbacktest.py does not import: {error}")
    monkeypatch.setattr(mm_data, "CACHE", tmp_path)
    first = mm_data.cached_mm_events(40, 3)
    path = tmp_path / "mm_40_3.npz"
    assert path.exists()
    assert as_rows(first) == as_rows(make_mm_events(40, 3))
    # a second call reads the file: what is written there is what comes back
    np.savez(path, **{name: column[::-1] for name, column in first.items()})
    second = mm_data.cached_mm_events(40, 3)
    assert as_rows(second) == as_rows(first)[::-1]


def test_cached_events_refuse_a_bad_count_before_touching_the_cache(tmp_path,
                                                                     monkeypatch) -> None:
    monkeypatch.setattr(mm_data, "CACHE", tmp_path)
    with pytest.raises(ConfigError, match="invalid n_events -1"):
        mm_data.cached_mm_events(-1)
    assert list(tmp_path.iterdir()) == []
