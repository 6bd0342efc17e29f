"""The event stream of the L2 market-making benchmark: BTCUSDT book deltas and trades.

Runs in the Sapphire interpreter (.venv). Sapphire's book-backed venue and the
hftbacktest peer (``book_peers/hftbacktest_mm.py``) both replay these rows, so both
engines see the same events.

The rows come from Sapphire's synthetic generator for one instrument (BTCUSDT.BINANCE
with its demo profile, seed ``seed``), generated chunk by chunk so memory stays bounded
by the output. Each chunk's L2 deltas and trades are merged into one timeline sorted by
``ts`` with deltas before trades at equal ``ts`` (a stable sort, so each table keeps its
own order). Chunks cover consecutive stretches of time, so the merged chunks are sorted
as a whole. ``n_events`` counts deltas plus trades and the stream stops at exactly that
many rows; the generator's output does not depend on its chunk size, so a shorter
stream is a prefix of a longer one.

Columns (one numpy array each):

``ts`` int64
    Exchange time (UTC ns).
``kind`` int8
    :data:`KIND_DELTA` (0) for an L2 delta, :data:`KIND_TRADE` (1) for a trade.
``side`` int8
    Deltas: 1 bid, 2 ask (0 for a clear). Trades: the aggressor, 1 buy, 2 sell.
``action`` int8
    Deltas: 1 add, 2 update, 3 delete, 4 clear (``sapphire.core.enums.BookAction``).
    Trades: 0.
``price`` int64
    Price in ticks of :data:`TICK_SIZE`.
``size`` int64
    Size in lots of :data:`LOT_SIZE` (0 for a delete or a clear).
``flags`` uint8
    Deltas: ``RecordFlag`` bits (1 snapshot, 2 last of a venue message). Trades: 0.
``sequence`` int64
    Deltas: the book sequence number. Trades: the trade id.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.errors import ConfigError
from sapphire.data.synthetic import DEMO_PROFILES, SyntheticMarket, demo_instruments
from sapphire.model.instruments import Instrument

#: Folder of the benchmarks' generated inputs (the one ``bench_book_hftbacktest.cached`` fills).
CACHE = Path(__file__).resolve().parent.parent / ".cache"
#: The instrument whose book and trades the benchmark replays.
INSTRUMENT_ID = "BTCUSDT.BINANCE"
#: Price of one tick of BTCUSDT (USDT).
TICK_SIZE = Decimal("0.01")
#: Size of one lot of BTCUSDT (BTC).
LOT_SIZE = Decimal("0.00001")
#: ``kind`` of an L2 delta row.
KIND_DELTA = 0
#: ``kind`` of a trade row.
KIND_TRADE = 1
#: Column names and dtypes of the event stream, in order.
COLUMNS: dict[str, np.dtype] = {
    "ts": np.dtype(np.int64), "kind": np.dtype(np.int8), "side": np.dtype(np.int8),
    "action": np.dtype(np.int8), "price": np.dtype(np.int64), "size": np.dtype(np.int64),
    "flags": np.dtype(np.uint8), "sequence": np.dtype(np.int64),
}
# Generator events (quote updates and trades) per chunk; each gives about 3.6 rows.
_CHUNK_EVENTS = 1_000_000
# The generator's own budget: large enough never to end before the rows are complete.
_UNBOUNDED = 2**62


def btcusdt() -> Instrument:
    """Return the BTCUSDT.BINANCE demo instrument (tick 0.01 USDT, lot 0.00001 BTC)."""
    return next(inst for inst in demo_instruments() if str(inst.id) == INSTRUMENT_ID)


def make_mm_events(n_events: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Return the first ``n_events`` rows (deltas and trades) of the BTCUSDT stream.

    Parameters
    ----------
    n_events
        Number of rows, deltas and trades together (>= 1).
    seed
        Seed of the synthetic market (>= 0).

    Returns
    -------
    dict of str to numpy.ndarray
        The columns of :data:`COLUMNS`, each of length ``n_events``.

    Raises
    ------
    ConfigError
        If ``n_events`` or ``seed`` is not an integer in range.
    """
    _check_int("n_events", n_events, 1)
    _check_int("seed", seed, 0)
    out = {name: np.empty(n_events, dtype) for name, dtype in COLUMNS.items()}
    filled = 0
    for rows in _merged_chunks(n_events, seed):
        take = min(len(rows["ts"]), n_events - filled)
        for name, column in rows.items():
            out[name][filled:filled + take] = column[:take]
        filled += take
        if filled == n_events:
            return out
    raise AssertionError("the synthetic market ended early")  # it is unbounded


def cached_mm_events(n_events: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Return :func:`make_mm_events`, written once to ``benchmarks/.cache/mm_<n>_<seed>.npz``."""
    _check_int("n_events", n_events, 1)
    _check_int("seed", seed, 0)
    from book_peers.common import cached

    columns = cached(cache_path(n_events, seed), lambda: make_mm_events(n_events, seed))
    assert columns is not None  # make_mm_events always returns columns
    return columns


def cache_path(n_events: int, seed: int = 1) -> Path:
    """Return the .npz file that :func:`cached_mm_events` reads and writes."""
    return CACHE / f"mm_{n_events}_{seed}.npz"


def _merged_chunks(n_events: int, seed: int) -> Iterator[dict[str, np.ndarray]]:
    instrument = btcusdt()
    market = SyntheticMarket([(instrument, DEMO_PROFILES[INSTRUMENT_ID])], seed=seed)
    # Small runs ask for small chunks; rows >= generator events, so one chunk suffices.
    size = min(_CHUNK_EVENTS, n_events)
    for chunk in market.chunks(_UNBOUNDED, chunk_events=size, l2=True):
        yield merge(chunk.l2_deltas[instrument.id], chunk.trades[instrument.id])


def merge(deltas: pa.Table, trades: pa.Table) -> dict[str, np.ndarray]:
    """Merge an L2 delta table and a trade table into event columns sorted by ``ts``.

    Deltas come before trades at equal ``ts``; rows of one table keep their order.
    """
    n_deltas = deltas.num_rows
    parts = {
        "ts": (deltas["ts_event"], trades["ts_event"]),
        "kind": (np.full(n_deltas, KIND_DELTA), np.full(trades.num_rows, KIND_TRADE)),
        "side": (deltas["side"], trades["aggressor_side"]),
        "action": (deltas["action"], np.zeros(trades.num_rows)),
        "price": (deltas["price"], trades["price"]),
        "size": (deltas["size"], trades["size"]),
        "flags": (deltas["flags"], np.zeros(trades.num_rows)),
        "sequence": (deltas["sequence"], pc.cast(trades["trade_id"], pa.int64())),
    }
    columns = {name: np.concatenate([np.asarray(p) for p in pair]).astype(COLUMNS[name])
               for name, pair in parts.items()}
    order = np.argsort(columns["ts"], kind="stable")
    return {name: column[order] for name, column in columns.items()}


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"invalid {name} {value!r}: expected an integer >= {minimum}")
