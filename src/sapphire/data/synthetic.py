"""A seeded synthetic market: quotes, trades and L2 deltas that look like a market.

Each instrument follows its :class:`~sapphire.data.calibration.MarketProfile`:

- the latent log mid moves at every quote update by a GARCH(1,1) return (volatility
  clusters), optionally loaded on a common Brownian factor so instruments co-move;
- the spread in ticks is drawn from the calibrated distribution, kept with some
  probability and widened with volatility (Gaussian copula); bid and ask sit on the
  tick grid around the mid, bid < ask always;
- quote updates and trades arrive as self-exciting (Hawkes) processes;
- trades lift the ask or hit the bid, with lognormal sizes on the lot grid capped by
  the size displayed on that side (a trade does not deplete the quote: it is the next
  quote update that reflects the book, as in throttled venue feeds);
- an L2 book of ``levels`` price levels per side follows the quotes; its deltas start
  with a snapshot (``SNAPSHOT`` flags) and every update ends with a ``LAST`` flag, after
  which the book's best levels equal the quote.

Instruments are merged into one timeline by (ts, instrument order, quotes before trades);
``n_events`` counts quote updates and trades over all instruments. Output is the same
for the same instruments, profiles, seed and start, whatever the chunk size; each
instrument's stream depends only on the seed and its own id and profile.

Typical use (a CLI writing a catalog)::

    market = SyntheticMarket.demo(seed=7)
    for chunk in market.chunks(10_000_000):
        for instrument_id, table in chunk.quotes.items(): ...
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType

import numpy as np
import pyarrow as pa

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.core.time import NS_PER_S
from sapphire.data.calibration import MarketProfile, get_profile
from sapphire.data.schemas import schema_for
from sapphire.model.instruments import FxPair, Instrument, Perpetual, SpotPair

#: Default start of a synthetic run: 2024-01-01T00:00:00Z in ns.
DEFAULT_START_NS = 1_704_067_200 * NS_PER_S
#: Grid step of the common factor (s).
FACTOR_CELL_S = 0.01
#: Probability that a quote update also resizes one deeper book level.
DEEP_UPDATE_PROB = 0.5
_STREAM_ORDER = (DataType.QUOTES, DataType.TRADES)


def demo_instruments() -> list[Instrument]:
    """Return the demo instruments: BTCUSDT.BINANCE spot, ETHUSDT-PERP.BINANCE, EURUSD.SIM fx."""
    d = Decimal
    return [
        SpotPair(id=InstrumentId("BTCUSDT", "BINANCE"), base_currency="BTC", quote_currency="USDT",
                 price_increment=d("0.01"), size_increment=d("0.00001")),
        Perpetual(id=InstrumentId("ETHUSDT-PERP", "BINANCE"), base_currency="ETH",
                  quote_currency="USDT", settlement_currency="USDT", price_increment=d("0.01"),
                  size_increment=d("0.001")),
        FxPair(id=InstrumentId("EURUSD", "SIM"), base_currency="EUR", quote_currency="USD",
               price_increment=d("0.00001"), size_increment=d("1")),
    ]


#: Built-in profile of each demo instrument.
DEMO_PROFILES: dict[str, str] = {
    "BTCUSDT.BINANCE": "btcusdt", "ETHUSDT-PERP.BINANCE": "ethusdt", "EURUSD.SIM": "eurusd",
}


@dataclass(frozen=True, slots=True)
class MarketChunk:
    """Tables generated for one stretch of time, per instrument.

    ``quotes``, ``trades`` and ``l2_deltas`` map every instrument to a table in the
    matching schema (``l2_deltas`` is empty when L2 was not requested);
    ``n_events`` counts the quote updates and trades in the chunk.
    """

    quotes: dict[InstrumentId, pa.Table]
    trades: dict[InstrumentId, pa.Table]
    l2_deltas: dict[InstrumentId, pa.Table]
    n_events: int

    def tables(self, data_type: DataType | str) -> dict[InstrumentId, pa.Table]:
        """Return the tables of ``data_type`` (quotes, trades or l2_deltas)."""
        kind = DataType(data_type)
        by_type = {DataType.QUOTES: self.quotes, DataType.TRADES: self.trades,
                   DataType.L2_DELTAS: self.l2_deltas}
        if kind not in by_type:
            raise ConfigError(f"the synthetic market has no {kind} data: expected one of "
                              f"{[str(k) for k in by_type]}")
        return by_type[kind]


class SyntheticMarket:
    """A reproducible synthetic market of several instruments.

    Parameters
    ----------
    instruments
        Pairs of an instrument and its profile (a :class:`MarketProfile` or the name of
        a built-in one, see :data:`~sapphire.data.calibration.PROFILES`).
    seed
        Non-negative integer seed.
    start_ns
        Time of the first event (UTC ns).
    levels
        Price levels per side of the L2 book (>= 1).
    correlation
        Correlation of returns between any two instruments through a common factor, in [0, 1).
    """

    def __init__(self, instruments: Sequence[tuple[Instrument, MarketProfile | str]], *,
                 seed: int = 0, start_ns: int = DEFAULT_START_NS, levels: int = 10,
                 correlation: float = 0.0) -> None:
        _check_int("seed", seed, 0)
        _check_int("start_ns", start_ns, 0)
        _check_int("levels", levels, 1)
        if isinstance(correlation, bool) or not 0 <= correlation < 1:
            raise ConfigError(f"invalid correlation {correlation!r}: expected a number in [0, 1)")
        if not instruments:
            raise ConfigError("a synthetic market needs at least one (instrument, profile) pair")
        pairs = [_resolve(pair) for pair in instruments]
        ids = [instrument.id for instrument, _ in pairs]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"instruments must be distinct, got {[str(i) for i in ids]}")
        self._pairs = pairs
        self.seed = seed
        self.start_ns = start_ns
        self.levels = levels
        self.correlation = float(correlation)

    @classmethod
    def demo(cls, *, seed: int = 0, start_ns: int = DEFAULT_START_NS, levels: int = 10,
             correlation: float = 0.3) -> SyntheticMarket:
        """Return a market of :func:`demo_instruments` with their built-in profiles."""
        pairs = [(inst, DEMO_PROFILES[str(inst.id)]) for inst in demo_instruments()]
        return cls(pairs, seed=seed, start_ns=start_ns, levels=levels, correlation=correlation)

    @property
    def instruments(self) -> list[Instrument]:
        """The instruments, in timeline order."""
        return [instrument for instrument, _ in self._pairs]

    @property
    def profiles(self) -> dict[InstrumentId, MarketProfile]:
        """The profile of each instrument."""
        return {instrument.id: profile for instrument, profile in self._pairs}

    def chunks(self, n_events: int, *, chunk_events: int = 1_000_000,
               l2: bool = True) -> Iterator[MarketChunk]:
        """Yield the first ``n_events`` events as chunks of about ``chunk_events`` each.

        Each chunk covers the same stretch of time for every instrument; memory stays
        bounded by the chunk size whatever ``n_events`` is.
        """
        _check_int("n_events", n_events, 0)
        _check_int("chunk_events", chunk_events, 1)
        streams = [_InstrumentStream(inst, profile, seed=self.seed, start_ns=self.start_ns,
                                    levels=self.levels, loading=math.sqrt(self.correlation),
                                    factor_key=_factor_key(self.seed))
                   for inst, profile in self._pairs]
        total_rate = sum(p.quote_rate + p.trade_rate for _, p in self._pairs)
        window = chunk_events / total_rate
        remaining = n_events
        step = 0
        while remaining > 0:
            step += 1
            parts = [stream.advance(step * window, l2=l2) for stream in streams]
            chunk = _assemble(self.instruments, parts, remaining)
            remaining -= chunk.n_events
            if chunk.n_events:
                yield chunk

    def generate(self, n_events: int, *, l2: bool = True) -> MarketChunk:
        """Return the first ``n_events`` events in one chunk (see :meth:`chunks` for large runs)."""
        parts = list(self.chunks(n_events, chunk_events=max(n_events, 1), l2=l2))
        if len(parts) == 1:
            return parts[0]
        return MarketChunk(
            quotes=_concat(parts, DataType.QUOTES, self.instruments),
            trades=_concat(parts, DataType.TRADES, self.instruments),
            l2_deltas=_concat(parts, DataType.L2_DELTAS, self.instruments),
            n_events=sum(part.n_events for part in parts),
        )

    def quotes(self, n_events: int) -> dict[InstrumentId, pa.Table]:
        """Return the quotes among the first ``n_events`` events, per instrument."""
        return self.generate(n_events, l2=False).quotes

    def trades(self, n_events: int) -> dict[InstrumentId, pa.Table]:
        """Return the trades among the first ``n_events`` events, per instrument."""
        return self.generate(n_events, l2=False).trades

    def l2_deltas(self, n_events: int) -> dict[InstrumentId, pa.Table]:
        """Return the L2 deltas of the quote updates among the first ``n_events`` events."""
        return self.generate(n_events, l2=True).l2_deltas


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"invalid {name} {value!r}: expected an integer >= {minimum}")


def _resolve(pair: object) -> tuple[Instrument, MarketProfile]:
    if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Instrument)):
        raise ConfigError(f"invalid instrument entry {pair!r}: expected (Instrument, profile)")
    instrument, profile = pair
    if isinstance(profile, str):
        profile = get_profile(profile)
    if not isinstance(profile, MarketProfile):
        raise ConfigError(f"invalid profile {profile!r} for {instrument.id}: expected a "
                          "MarketProfile or the name of a built-in profile")
    return instrument, profile


def _factor_key(seed: int) -> np.uint64:
    return np.random.SeedSequence([seed, 0xFAC7]).generate_state(1, np.uint64)[0]


def instrument_entropy(instrument_id: InstrumentId) -> int:
    """Stable 64-bit number derived from an instrument id (seeds its random streams)."""
    return int.from_bytes(hashlib.sha256(str(instrument_id).encode()).digest()[:8], "little")


def _assemble(instruments: list[Instrument], parts: list[dict[DataType, pa.Table]],
              remaining: int) -> MarketChunk:
    """Build a chunk, keeping only the first ``remaining`` events of the merged timeline."""
    counts = [[parts[i][kind].num_rows for kind in _STREAM_ORDER] for i in range(len(parts))]
    if sum(map(sum, counts)) > remaining:
        counts = _first_events(parts, remaining)
        parts = [_truncate(part, keep) for part, keep in zip(parts, counts, strict=True)]
    tables = {kind: {inst.id: part[kind] for inst, part in zip(instruments, parts, strict=True)}
              for kind in (*_STREAM_ORDER, DataType.L2_DELTAS)}
    return MarketChunk(quotes=tables[DataType.QUOTES], trades=tables[DataType.TRADES],
                       l2_deltas=tables[DataType.L2_DELTAS], n_events=sum(map(sum, counts)))


def _first_events(parts: list[dict[DataType, pa.Table]], n: int) -> list[list[int]]:
    """Rows of each (instrument, stream) among the first ``n`` events.

    Events are ordered by (ts, instrument, stream).
    """
    ts, owner = [], []
    for i, part in enumerate(parts):
        for k, kind in enumerate(_STREAM_ORDER):
            column = part[kind].column("ts_event").to_numpy()
            ts.append(column)
            owner.append(np.full(len(column), i * len(_STREAM_ORDER) + k, dtype=np.int64))
    all_ts, all_owner = np.concatenate(ts), np.concatenate(owner)
    first = np.lexsort((all_owner, all_ts))[:n]
    kept = np.bincount(all_owner[first], minlength=len(parts) * len(_STREAM_ORDER))
    return [list(map(int, kept[i * 2:i * 2 + 2])) for i in range(len(parts))]


def _truncate(part: dict[DataType, pa.Table], keep: list[int]) -> dict[DataType, pa.Table]:
    quotes = part[DataType.QUOTES].slice(0, keep[0])
    deltas = part[DataType.L2_DELTAS]
    if keep[0] == 0:
        deltas = deltas.slice(0, 0)
    else:
        last = quotes.column("ts_event")[keep[0] - 1].as_py()
        cut = np.searchsorted(deltas.column("ts_event").to_numpy(), last, side="right")
        deltas = deltas.slice(0, int(cut))
    return {DataType.QUOTES: quotes, DataType.TRADES: part[DataType.TRADES].slice(0, keep[1]),
            DataType.L2_DELTAS: deltas}


def _concat(parts: list[MarketChunk], kind: DataType,
            instruments: list[Instrument]) -> dict[InstrumentId, pa.Table]:
    tables: list[Mapping[InstrumentId, pa.Table]] = [part.tables(kind) for part in parts]
    return {inst.id: pa.concat_tables([t[inst.id] for t in tables]).combine_chunks()
            if tables else schema_for(kind).empty_table() for inst in instruments}


class _InstrumentStream:
    """State of one instrument's simulation, advanced window by window by the kernel."""

    def __init__(self, instrument: Instrument, profile: MarketProfile, *, seed: int,
                 start_ns: int, levels: int, loading: float, factor_key: np.uint64) -> None:
        from sapphire.data import synthetic_nb as nb

        self.instrument = instrument
        self.profile = profile
        self.start_ns = start_ns
        sequence = np.random.SeedSequence([seed, instrument_entropy(instrument.id)])
        self.rng = np.zeros(3, dtype=np.uint64)
        self.rng[:2] = sequence.generate_state(2, np.uint64)
        self.rng[nb.R_FACTOR] = factor_key
        self.params = _params(profile, instrument, loading)
        self.quantiles = np.asarray(profile.spread_quantiles, dtype=np.float64)
        self.book = np.zeros((4, levels), dtype=np.int64)
        self.scratch = np.zeros_like(self.book)
        self.fstate = np.zeros(nb.N_FSTATE, dtype=np.float64)
        self.istate = np.zeros(nb.N_ISTATE, dtype=np.int64)
        self._init_state(nb, np.random.default_rng(sequence))

    def _init_state(self, nb: ModuleType, generator: np.random.Generator) -> None:
        p, f = self.profile, self.fstate
        tick = float(self.instrument.price_increment)
        f[nb.F_Q_EXC] = p.quote_rate * p.quote_branching  # start at the stationary intensity
        f[nb.F_T_EXC] = p.trade_rate * p.trade_branching
        f[nb.F_T_NEXT] = generator.exponential(1 / p.trade_rate) if p.trade_rate > 0 else math.inf
        f[nb.F_X] = math.log(max(1.0, round(p.initial_price / tick)))
        f[nb.F_H] = p.event_vol**2
        f[nb.F_LH_MEAN] = math.log(p.event_vol**2)
        f[nb.F_LH_VAR] = 0.25
        f[nb.F_SPREAD] = 1.0
        f[nb.F_CELL_DF] = nb.factor_step(self.rng[nb.R_FACTOR], 0, FACTOR_CELL_S)

    def advance(self, horizon: float, *, l2: bool) -> dict[DataType, pa.Table]:
        """Simulate up to ``horizon`` seconds after the start; return the new rows as tables."""
        from sapphire.data.synthetic_nb import FULL, simulate_nb

        p = self.profile
        elapsed = max(horizon - self.fstate[0], 0.0)
        capacity = int(1.5 * elapsed * (p.quote_rate + p.trade_rate)) + 256
        pieces: list[tuple[np.ndarray, ...]] = []
        status = FULL
        while status == FULL:
            buffers = _buffers(capacity, self.book.shape[1], l2)
            status, nq, nt, nd = simulate_nb(
                self.params, self.quantiles, self.fstate, self.istate, self.rng, self.book,
                self.scratch, self.start_ns, horizon, *buffers, l2)  # type: ignore[call-arg]
            q, t64, t8, d64, d8 = buffers
            pieces.append((q[:, :nq], t64[:, :nt], t8[:, :nt], d64[:, :nd], d8[:, :nd]))
        joined = [np.concatenate([piece[k] for piece in pieces], axis=1) for k in range(5)]
        return {DataType.QUOTES: _quote_table(joined[0]),
                DataType.TRADES: _trade_table(joined[1], joined[2]),
                DataType.L2_DELTAS: _delta_table(joined[3], joined[4])}


def _params(profile: MarketProfile, instrument: Instrument, loading: float) -> np.ndarray:
    from sapphire.data import synthetic_nb as nb

    p = profile
    lot = float(instrument.size_increment)
    values = {
        nb.P_Q_MU: p.quote_rate * (1 - p.quote_branching),
        nb.P_Q_ALPHA: p.quote_branching * p.quote_decay, nb.P_Q_DECAY: p.quote_decay,
        nb.P_T_MU: p.trade_rate * (1 - p.trade_branching),
        nb.P_T_ALPHA: p.trade_branching * p.trade_decay, nb.P_T_DECAY: p.trade_decay,
        nb.P_OMEGA: p.event_vol**2 * (1 - p.garch_alpha - p.garch_beta),
        nb.P_G_ALPHA: p.garch_alpha, nb.P_G_BETA: p.garch_beta, nb.P_LOADING: loading,
        nb.P_MEAN_DT: 1 / p.quote_rate, nb.P_PERSIST: p.spread_persistence,
        nb.P_SPREAD_RHO: p.spread_vol_corr, nb.P_BUY: p.buy_fraction,
        nb.P_TS_MU: math.log(p.trade_size_median / lot), nb.P_TS_SIGMA: p.trade_size_sigma,
        nb.P_DS_MU: math.log(p.display_size_median / lot), nb.P_DS_SIGMA: p.display_size_sigma,
        nb.P_GAP: p.level_gap, nb.P_CELL: FACTOR_CELL_S, nb.P_DEEP: DEEP_UPDATE_PROB,
    }
    params = np.zeros(nb.N_PARAMS, dtype=np.float64)
    for index, value in values.items():
        params[index] = value
    return params


def _buffers(capacity: int, levels: int, l2: bool) -> tuple[np.ndarray, ...]:
    rows = capacity * 8 + 4 * levels + 2 if l2 else 0
    return (np.empty((5, capacity), np.int64), np.empty((4, capacity), np.int64),
            np.empty((1, capacity), np.int8), np.empty((4, rows), np.int64),
            np.empty((3, rows), np.int8))


def _table(kind: DataType, columns: list[np.ndarray]) -> pa.Table:
    schema = schema_for(kind)
    arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _quote_table(q: np.ndarray) -> pa.Table:
    return _table(DataType.QUOTES, [q[0], q[0], q[1], q[2], q[3], q[4]])


def _trade_table(t64: np.ndarray, t8: np.ndarray) -> pa.Table:
    ids = pa.array(t64[3]).cast(pa.string())
    schema = schema_for(DataType.TRADES)
    arrays = [pa.array(t64[0]), pa.array(t64[0]), pa.array(t64[1]), pa.array(t64[2]),
              pa.array(t8[0]), ids]
    return pa.Table.from_arrays(arrays, schema=schema)


def _delta_table(d64: np.ndarray, d8: np.ndarray) -> pa.Table:
    return _table(DataType.L2_DELTAS, [d64[0], d64[0], d64[1], d8[0], d8[1], d64[2], d64[3],
                                       d8[2].astype(np.uint8)])
