"""The backtest engine: replays market data through the kernel and a simulated venue.

The hot path stays columnar. :func:`~sapphire.backtest.replay_nb.scan_nb` moves through
the merged timeline in compiled code, updating each instrument's touch, and stops only
where Python is needed: an event a strategy subscribed to, an event that could trigger or
fill a working order, or scheduled work (timers, latency, expiries). Python then handles
that one event exactly: the venue matches first, then subscribers see the data.

Each instrument matches against its finest data: quotes if it has any, else trades, else
imported bars. Bars the engine builds from ticks (``-internal``) are computed in one
vectorised pass before the replay (the same bars :class:`~sapphire.data.aggregator.BarAggregator`
builds tick by tick live) and delivered at their close time.

A run ends at its last market event: work scheduled after it (a command still in flight
under the latency model, an expiry, a timer) does not happen, because there is no market
left to act on; such an order ends the run as submitted, which the orders table shows.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sapphire.backtest import collect
from sapphire.backtest.book_feed import BookFeed, BookStream, l2_stream, l3_stream, new_book
from sapphire.backtest.config import BacktestConfig, VenueConfig
from sapphire.backtest.equity import grid_equity, with_start_and_end
from sapphire.backtest.kinds import BAR, L2_BOOK, QUOTE, TRADE
from sapphire.backtest.replay import Replay, no_cyclic_gc, prepare_kernel
from sapphire.backtest.streams import Stream, Timeline, merge
from sapphire.core.enums import BarSource, DataType
from sapphire.core.errors import ConfigError, UnknownInstrumentError
from sapphire.core.identifiers import InstrumentId
from sapphire.data.bar_type import BarType
from sapphire.engine.clock import SimulatedClock
from sapphire.engine.kernel import Kernel, StrategyError
from sapphire.model.account import Account
from sapphire.sim.book_matching import L2BookMatcher, L3BookMatcher
from sapphire.sim.market_state import MarketState
from sapphire.sim.venue import SimulatedVenue

if TYPE_CHECKING:
    from sapphire.backtest.results import BacktestResult
    from sapphire.engine.risk import PreTradeRisk
    from sapphire.metrics.engine import EngineMetrics
    from sapphire.model.instruments import Instrument
    from sapphire.strategy.strategy import Strategy

log = logging.getLogger(__name__)

_KINDS = {DataType.QUOTES: QUOTE, DataType.TRADES: TRADE, DataType.BARS: BAR}
_BOOK_TYPES = (DataType.L2_DELTAS, DataType.L3_ORDERS)


class BacktestEngine:
    """Set up venues, instruments, data and strategies, then :meth:`run`.

    Examples
    --------
    >>> engine = BacktestEngine()
    >>> engine.add_venue(VenueConfig(name="BINANCE", currency="USDT"))
    >>> engine.add_instrument(btcusdt)                     # doctest: +SKIP
    >>> engine.add_data(quotes_table, "quotes")            # doctest: +SKIP
    >>> engine.add_strategy(EMACross(EMACrossConfig(...)))  # doctest: +SKIP
    >>> result = engine.run()                              # doctest: +SKIP
    """

    def __init__(self, config: BacktestConfig | None = None, *,
                 risk: PreTradeRisk | None = None,
                 metrics: EngineMetrics | None = None) -> None:
        self.config = config or BacktestConfig()
        self._risk = risk
        self._metrics = metrics
        prepare_kernel()
        self._venues: dict[str, VenueConfig] = {}
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._streams: list[Stream] = []
        self._books: dict[InstrumentId, tuple[DataType, pa.Table, Any]] = {}
        self._strategies: list[Strategy] = []
        self.kernel: Kernel | None = None
        self._ran = False

    # -- set-up -----------------------------------------------------------------------------

    def add_venue(self, config: VenueConfig) -> None:
        if config.name in self._venues:
            raise ConfigError(f"venue {config.name} is already added")
        self._venues[config.name] = config

    def add_instrument(self, instrument: Instrument) -> None:
        if instrument.id.venue not in self._venues:
            raise ConfigError(f"add venue {instrument.id.venue} before instrument {instrument.id}")
        self._instruments[instrument.id] = instrument

    def add_data(self, table: pa.Table, data_type: DataType | str,
                 series: InstrumentId | BarType | str | None = None, *,
                 book_config: Any = None) -> None:
        """Add quotes, trades, bars, L2 deltas or L3 orders in the catalog's schema (ticks
        and lots).

        ``series`` is the instrument id (ticks, books) or bar type (bars); if omitted it is
        read from the table's ``series`` metadata as written by the catalog. An instrument
        with book data matches against its book (see :mod:`~sapphire.backtest.book_feed`);
        ``book_config`` is its :class:`~sapphire.book.integrity.L2BookConfig` or
        :class:`~sapphire.book.l3_integrity.L3BookConfig` (default: raise on any fault; L2
        levels set by UPDATE whether present or not).
        """
        data_type = DataType(data_type)
        if data_type in _BOOK_TYPES:
            self._add_book(table, data_type, series, book_config)
            return
        if data_type not in _KINDS:
            raise ConfigError(f"backtests replay quotes, trades, bars, l2_deltas or l3_orders, "
                              f"not {data_type}")
        key = self._series(table, data_type, series)
        kind = _KINDS[data_type]
        instrument = self._instrument(key.instrument_id if isinstance(key, BarType) else key)
        scale = 1
        if isinstance(key, BarType):
            scale = 2 if key.spec.price_type.value == "mid" else 1
        name = f"{data_type.value} {key}"
        self._streams.append(Stream.from_table(kind, key, instrument, table, name=name,
                                               price_scale=scale))

    def _add_book(self, table: pa.Table, data_type: DataType, series: object,
                  book_config: Any) -> None:
        key = self._series(table, data_type, series)  # type: ignore[arg-type]
        instrument = self._instrument(key)  # type: ignore[arg-type]
        if instrument.id in self._books:
            raise ConfigError(f"{instrument.id} already has book data; add it in one table")
        self._books[instrument.id] = (data_type, table, book_config)

    def add_catalog_data(self, catalog: Any, data_type: DataType | str, series: str,
                         start: object = None, end: object = None) -> None:
        """Add data read from a :class:`~sapphire.data.catalog.Catalog`."""
        table = catalog.query(DataType(data_type), series, start=start, end=end)
        self.add_data(table, data_type, series)

    def add_strategy(self, strategy: Strategy) -> None:
        self._strategies.append(strategy)

    def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise UnknownInstrumentError(
                f"unknown instrument {instrument_id}: add it with add_instrument first") from None

    @staticmethod
    def _series(table: pa.Table, data_type: DataType,
                series: InstrumentId | BarType | str | None) -> InstrumentId | BarType:
        if series is None:
            metadata = table.schema.metadata or {}
            raw = metadata.get(b"series") or metadata.get(b"instrument_id")
            if raw is None:
                raise ConfigError(f"say which series these {data_type.value} are (series=...)")
            series = raw.decode()
        if isinstance(series, InstrumentId | BarType):
            return series
        return BarType.parse(series) if data_type == DataType.BARS else InstrumentId.parse(series)

    # -- running ----------------------------------------------------------------------------

    def run(self, *, strategy_name: str | None = None,
            run_config: dict[str, Any] | None = None) -> BacktestResult:
        """Replay everything and return the results (kept up to a strategy's error)."""
        if self._ran:
            raise ConfigError("a BacktestEngine runs once; build a new one for another run")
        self._ran = True
        if not self._strategies:
            raise ConfigError("add a strategy before running")
        books, merged = self._book_streams()
        streams = [self._clip(stream) for stream in [*self._streams, *books]
                   if stream not in merged]
        start = min((int(s.ts[0]) for s in streams if len(s)), default=0)
        clock = SimulatedClock(start)
        market = MarketState(len(self._instruments))
        kernel = self._build_kernel(clock, market)
        errors: list[str] = []
        timeline: Timeline | None = None
        try:
            for strategy in self._strategies:
                kernel.call(strategy, "on_start")
            kernel.data.frozen = True
            streams += self._internal_bars(kernel, streams)
            self._route(kernel, streams)
            streams = self._delayed_views(streams)
            timeline = merge(streams)
            end = int(timeline.ts[-1]) if len(timeline) else start
            replay = Replay(kernel, clock, market, streams, timeline, self._venue_of,
                            self._book_feeds(kernel, market, streams, timeline))
            with no_cyclic_gc():
                replay.run()
        except StrategyError as exc:
            log.error("run stopped: %s", exc)
            errors.append(str(exc))
            end = clock.now()
        self._count(kernel, timeline)
        for strategy in self._strategies:
            try:
                kernel.call(strategy, "on_stop")
            except StrategyError as exc:
                errors.append(str(exc))
        return self._result(kernel, streams, start, max(end, clock.now()), errors,
                            strategy_name, run_config)

    @staticmethod
    def _count(kernel: Kernel, timeline: Timeline | None) -> None:
        """Events replayed (all of them up to the clock, skipped or handled) and end gauges."""
        metrics = kernel.metrics
        if timeline is not None:
            metrics.events += int(np.searchsorted(timeline.ts, kernel.clock.now(), side="right"))
        metrics.open_orders = len(kernel.cache.open_orders())
        metrics.open_positions = len(kernel.portfolio.positions())

    def _clip(self, stream: Stream) -> Stream:
        lo, hi = self.config.start_ns, self.config.end_ns
        if lo is None and hi is None:
            return stream
        first = 0 if lo is None else int(np.searchsorted(stream.ts, lo, side="left"))
        last = len(stream) if hi is None else int(np.searchsorted(stream.ts, hi, side="left"))
        if isinstance(stream, BookStream):
            return replace(stream, ts=stream.ts[first:last],
                           events=np.ascontiguousarray(stream.events[:, first:last]),
                           mids=stream.mids[first:last])
        return Stream(stream.kind, stream.key, stream.instrument, stream.ts[first:last],
                      [c[first:last] for c in stream.columns], stream.price_scale,
                      stream.internal)

    def _book_streams(self) -> tuple[list[BookStream], list[Stream]]:
        """One stream per instrument with book data, and the trade streams merged into
        them: an L2 book takes its instrument's trades in (its queues move with them)."""
        books: list[BookStream] = []
        merged: list[Stream] = []
        for instrument_id, (data_type, table, config) in self._books.items():
            instrument = self._instruments[instrument_id]
            name = f"{data_type.value} {instrument_id}"
            if data_type == DataType.L3_ORDERS:
                books.append(l3_stream(instrument, table, name=name, config=config))
                continue
            trades = [s for s in self._streams if s.kind == TRADE and s.key == instrument_id]
            merged += trades
            books.append(l2_stream(instrument, table, trades[0] if trades else None, name=name,
                                   config=config))
        return books, merged

    def _delayed_views(self, streams: list[Stream]) -> list[Stream]:
        """Under a feed latency, strategies get a later copy of each stream they read (and
        of every book: the one in the cache); the venue matches on the originals."""
        out = list(streams)
        for stream in streams:
            delay = self._feed_delay(stream)
            if delay <= 0 or not (stream.subscribers or isinstance(stream, BookStream)):
                continue
            if isinstance(stream, BookStream):
                later = stream.delayed(delay)
                later.subscribe(stream.subscribers_by_kind)
                stream.subscribe({})
                view: Stream = later
            else:
                view = replace(stream, ts=stream.ts + delay, matching=False)
                view.subscribers, stream.subscribers = stream.subscribers, []
            view.instrument_index = stream.instrument_index
            out.append(view)
        return out

    def _feed_delay(self, stream: Stream) -> int:
        return self._venues[stream.instrument.id.venue].latency.feed_ns

    def _book_feeds(self, kernel: Kernel, market: MarketState, streams: list[Stream],
                    timeline: Timeline) -> dict[int, BookFeed]:
        feeds = {}
        for sid, stream in enumerate(streams):
            if not isinstance(stream, BookStream):
                continue
            venue = self._venue_objects[stream.instrument.id.venue]
            book = new_book(stream)
            matcher = None
            if stream.view_of is None:
                matcher = (L2BookMatcher if stream.kind == L2_BOOK else L3BookMatcher)(book)
                venue.attach_book(stream.instrument_index, matcher)
            if stream.view_of is not None or self._feed_delay(stream) <= 0:
                kernel.cache.books[stream.instrument.id] = book  # the book strategies read
            feeds[sid] = BookFeed(stream, sid, kernel, market, venue, timeline, book, matcher)
        return feeds

    def _build_kernel(self, clock: SimulatedClock, market: MarketState) -> Kernel:
        index = {instrument_id: i for i, instrument_id in enumerate(self._instruments)}
        self._index = index

        def marks(instrument_id: object) -> float | None:
            k = index[instrument_id]  # type: ignore[index]
            if not market.has_market[k]:
                return None
            return (int(market.bid[k]) + int(market.ask[k])) / 2.0

        kernel = Kernel(clock, marks, self._risk, self._metrics)
        self.kernel = kernel
        self._venue_objects: dict[str, SimulatedVenue] = {}
        for name, cfg in self._venues.items():
            venue_account = _account(cfg)
            venue = SimulatedVenue(name, venue_account, market, emit=kernel.execution.on_event,
                                   clock=clock.now, schedule=clock.schedule,
                                   fill_model=cfg.fill_model, latency=cfg.latency)
            kernel.portfolio.add_account(name, _account(cfg))
            kernel.execution.add_venue(name, venue)
            self._venue_objects[name] = venue
        for instrument_id, instrument in self._instruments.items():
            kernel.cache.add_instrument(instrument)
            venue = self._venue_objects[instrument_id.venue]
            venue.add_instrument(instrument, index[instrument_id])
            kernel.portfolio.account(instrument_id.venue).add_instrument(instrument)
        for strategy in self._strategies:
            kernel.add_strategy(strategy)
        return kernel

    def _venue_of(self, stream: Stream) -> SimulatedVenue:
        return self._venue_objects[stream.instrument.id.venue]

    def _internal_bars(self, kernel: Kernel, streams: list[Stream]) -> list[Stream]:
        """Aggregate the subscribed ``-internal`` bar types from their instruments' ticks."""
        keys = [key for key in kernel.data.keys("bars")
                if isinstance(key, BarType) and key.source == BarSource.INTERNAL]
        return [_aggregated(key, streams) for key in keys]

    def _route(self, kernel: Kernel, streams: list[Stream]) -> None:
        """Pick each instrument's matching stream and attach subscribers to streams."""
        index = self._index
        for instrument_id in self._instruments:
            candidates = [s for s in streams if s.instrument.id == instrument_id
                          and not s.internal]
            best = min(candidates, key=lambda s: (not isinstance(s, BookStream), s.kind != QUOTE,
                                                  s.kind != TRADE), default=None)
            if best is not None:
                if best.kind == BAR and best.price_scale != 1:
                    raise ConfigError(f"{best.key}: mid-price bars cannot be matched against "
                                      "(half ticks); add quotes, trades or last/bid/ask bars")
                best.matching = True
        kinds = {QUOTE: "quotes", TRADE: "trades", BAR: "bars"}
        quoted = {s.key for s in streams if s.kind == QUOTE}
        for stream in streams:
            stream.instrument_index = index[stream.instrument.id]
            if isinstance(stream, BookStream):
                # the book serves its trades, every event, and top-of-book quotes when the
                # instrument has no quotes of its own
                stream.subscribe({
                    "trades": list(kernel.data.subscribers("trades", stream.key)),
                    "books": list(kernel.data.subscribers("books", stream.key)),
                    "quotes": [] if stream.key in quoted
                    else list(kernel.data.subscribers("quotes", stream.key))})
                continue
            stream.subscribers = list(kernel.data.subscribers(kinds[stream.kind], stream.key))
        wanted = {(kind, key) for kind in (*kinds.values(), "books")
                  for key in kernel.data.keys(kind)}
        present = {(kinds[s.kind], s.key) for s in streams if not isinstance(s, BookStream)}
        present |= {(kind, s.key) for s in streams if isinstance(s, BookStream)
                    for kind in ("books", "trades", "quotes")}
        missing = sorted(str(key) for kind, key in wanted - present)
        if missing:
            raise ConfigError(f"subscribed to data that was not added: {', '.join(missing)}")

    def _result(self, kernel: Kernel, streams: list[Stream], start: int, end: int,
                errors: list[str], strategy_name: str | None,
                run_config: dict[str, Any] | None) -> BacktestResult:
        from sapphire.backtest.results import BacktestResult, new_run_id
        from sapphire.backtest.statistics import compute_statistics

        accounts = list(kernel.portfolio.accounts.values())
        currencies = sorted({a.currency for a in accounts})
        equity = self._equity(kernel, streams, start, end)
        fills = collect.fills_table(kernel)
        first = self._strategies[0]
        name = strategy_name or f"{type(first).__module__}:{type(first).__qualname__}"
        return BacktestResult(
            run_id=new_run_id(start), strategy=name,
            config=run_config or _default_config(self),
            base_currency=currencies[0] if len(currencies) == 1 else "MIXED",
            starting_equity=sum(a.starting_balance for a in accounts),
            start_ns=start, end_ns=end, fills=fills, orders=collect.orders_table(kernel),
            positions=collect.positions_table(accounts), equity=equity,
            prices=collect.price_paths(streams, self.config.price_points),
            statistics=compute_statistics(equity, fills, start_ns=start, end_ns=end),
            trading_states=collect.trading_states_table(kernel), errors=errors)


    def _equity(self, kernel: Kernel, streams: list[Stream], start: int, end: int) -> pa.Table:
        portfolio = kernel.portfolio
        starting = sum(a.starting_balance for a in portfolio.accounts.values())
        grid_ts, grid_values = grid_equity(start, end, self.config.equity_interval_ns,
                                           starting, portfolio.fills, streams)
        ts, values = with_start_and_end(grid_ts, grid_values, (start, starting),
                                        (end, portfolio.equity()))
        return pa.table({"ts": pa.array(ts, pa.int64()), "equity": pa.array(values, pa.float64())})


def _aggregated(bar_type: BarType, streams: list[Stream]) -> Stream:
    """Bars of ``bar_type`` built in one vectorised pass over its instrument's ticks."""
    from sapphire.data.aggregation import INPUT_COLUMNS, aggregate_arrays, bar_price_scale

    spec = bar_type.spec
    kind = TRADE if spec.price_type.value == "last" else QUOTE
    source = next((s for s in streams if s.kind == kind and s.key == bar_type.instrument_id),
                  None)
    if source is None:
        wanted = "trades" if kind == TRADE else "quotes"
        raise ConfigError(f"bars {bar_type} are built from {wanted} of "
                          f"{bar_type.instrument_id}, but none were added")
    prices, sizes = INPUT_COLUMNS[spec.price_type]
    bars = aggregate_arrays(source.ts, [source.column(n) for n in prices],
                            [source.column(n) for n in sizes], spec, source.instrument)
    return Stream(BAR, bar_type, source.instrument, bars.ts_event,
                  [bars.open, bars.high, bars.low, bars.close, bars.volume],
                  price_scale=bar_price_scale(spec.price_type), internal=True)


def _account(cfg: VenueConfig) -> Account:
    return Account(cfg.account_type, cfg.currency, cfg.starting_balance,
                   leverage=cfg.leverage, position_mode=cfg.position_mode)


def _default_config(engine: BacktestEngine) -> dict[str, Any]:
    import msgspec

    return {
        "venues": [msgspec.to_builtins(v) for v in engine._venues.values()],
        "strategies": [{"class": f"{type(s).__module__}:{type(s).__qualname__}",
                        "params": msgspec.to_builtins(s.config)} for s in engine._strategies],
        "backtest": msgspec.to_builtins(engine.config),
    }
