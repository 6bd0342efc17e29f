"""A tiny, scripted backtest for hand-worked venue scenarios.

Prices in these tests are written in instrument units and converted here: the instrument
has a price tick of 0.5 and a lot of 0.1, so ``100.5`` is 201 ticks and ``0.3`` is 3 lots.
A :class:`Script` strategy runs a callable at given data timestamps and records every
order event it hears, so a test reads as "at t=2 submit X; expect fills Y".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.identifiers import InstrumentId
from sapphire.model.instruments import Instrument, Perpetual, SpotPair
from sapphire.model.order_events import OrderEvent
from sapphire.strategy.strategy import Strategy

PRICE_TICK = Decimal("0.5")
LOT = Decimal("0.1")
MAKER_FEE = Decimal("0.0002")
TAKER_FEE = Decimal("0.001")
SPOT_ID = InstrumentId.parse("BTCUSDT.SIM")
PERP_ID = InstrumentId.parse("BTCUSD-PERP.SIM")
BARS = "BTCUSDT.SIM-1-min-last-external"


def spot(**overrides: Any) -> SpotPair:
    """BTC/USDT spot: tick 0.5, lot 0.1, maker 2 bps, taker 10 bps."""
    fields: dict[str, Any] = dict(id=SPOT_ID, quote_currency="USDT", base_currency="BTC",
                                  price_increment=PRICE_TICK, size_increment=LOT,
                                  maker_fee=MAKER_FEE, taker_fee=TAKER_FEE)
    fields.update(overrides)
    return SpotPair(**fields)


def inverse_perp() -> Perpetual:
    """An inverse BTC perpetual: contracts of 100 USD, settled in BTC, tick 0.5, lot 0.1."""
    return Perpetual(id=PERP_ID, quote_currency="USD", base_currency="BTC",
                     settlement_currency="BTC", price_increment=PRICE_TICK,
                     size_increment=LOT, multiplier=Decimal(100), is_inverse=True,
                     maker_fee=MAKER_FEE, taker_fee=TAKER_FEE, initial_margin=Decimal("0.1"),
                     maintenance_margin=Decimal("0.05"))


def ticks(price: float) -> int:
    return int(Decimal(str(price)) / PRICE_TICK)


def lots(size: float) -> int:
    return int(Decimal(str(size)) / LOT)


def quotes(rows: Sequence[tuple[int, float, float, float, float]]) -> pa.Table:
    """Quotes from ``(ts, bid, ask, bid_size, ask_size)`` rows in instrument units."""
    return pa.table({
        "ts_event": pa.array([r[0] for r in rows], pa.int64()),
        "ts_init": pa.array([r[0] for r in rows], pa.int64()),
        "bid_price": pa.array([ticks(r[1]) for r in rows], pa.int64()),
        "ask_price": pa.array([ticks(r[2]) for r in rows], pa.int64()),
        "bid_size": pa.array([lots(r[3]) for r in rows], pa.int64()),
        "ask_size": pa.array([lots(r[4]) for r in rows], pa.int64()),
    })


def trades(rows: Sequence[tuple[int, float, float]]) -> pa.Table:
    """Trades from ``(ts, price, size)`` rows in instrument units."""
    return pa.table({
        "ts_event": pa.array([r[0] for r in rows], pa.int64()),
        "ts_init": pa.array([r[0] for r in rows], pa.int64()),
        "price": pa.array([ticks(r[1]) for r in rows], pa.int64()),
        "size": pa.array([lots(r[2]) for r in rows], pa.int64()),
        "aggressor_side": pa.array([0] * len(rows), pa.int8()),
        "trade_id": pa.array([str(i) for i in range(len(rows))], pa.string()),
    })


def bars(rows: Sequence[tuple[int, float, float, float, float]]) -> pa.Table:
    """Bars from ``(ts_close, open, high, low, close)`` rows in instrument units."""
    return pa.table({
        "ts_event": pa.array([r[0] for r in rows], pa.int64()),
        "ts_init": pa.array([r[0] for r in rows], pa.int64()),
        "open": pa.array([ticks(r[1]) for r in rows], pa.int64()),
        "high": pa.array([ticks(r[2]) for r in rows], pa.int64()),
        "low": pa.array([ticks(r[3]) for r in rows], pa.int64()),
        "close": pa.array([ticks(r[4]) for r in rows], pa.int64()),
        "volume": pa.array([lots(100.0)] * len(rows), pa.int64()),
    })


Step = Callable[["Script"], None]


class Script(Strategy):
    """Runs ``steps[ts]`` when data stamped ``ts`` reaches it; records every order event."""

    def __init__(self, steps: dict[int, Step], *, kind: str = "quotes",
                 instrument_id: InstrumentId = SPOT_ID, bar_type: str = BARS) -> None:
        super().__init__()
        self.steps = steps
        self.kind = kind
        self.instrument_id = instrument_id
        self.bar_type = bar_type
        self.events: list[OrderEvent] = []
        self.seen: list[int] = []

    def on_start(self) -> None:
        if self.kind == "quotes":
            self.subscribe_quotes(self.instrument_id)
        elif self.kind == "trades":
            self.subscribe_trades(self.instrument_id)
        elif self.kind == "books":
            self.subscribe_book(self.instrument_id)
        else:
            self.subscribe_bars(self.bar_type)
        if 0 in self.steps:
            self.steps[0](self)

    def _step(self, ts: int) -> None:
        self.seen.append(ts)
        step = self.steps.get(ts)
        if step is not None and ts != 0:
            step(self)

    def on_quote(self, quote: Any) -> None:
        self._step(quote.ts_event)

    def on_trade(self, trade: Any) -> None:
        self._step(trade.ts_event)

    def on_bar(self, bar: Any) -> None:
        self._step(bar.ts_event)

    def on_book(self, book: Any) -> None:
        self._step(self.now())

    def on_order_event(self, event: OrderEvent) -> None:
        self.events.append(event)

    def kinds(self, order_id: str) -> list[str]:
        """Names of the events of one order, in order."""
        return [type(e).__name__ for e in self.events if e.order_id == order_id]


@dataclass
class Outcome:
    """What a scenario produced."""

    engine: BacktestEngine
    result: Any
    strategy: Script
    fills: list[dict[str, Any]] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def account(self) -> Any:
        assert self.engine.kernel is not None
        return self.engine.kernel.portfolio.accounts["SIM"]

    @property
    def venue_account(self) -> Any:
        return self.engine._venue_objects["SIM"].account

    def fill_rows(self) -> list[tuple[str, int, float, float, str, float]]:
        """``(order_id, side, quantity, price, liquidity, fee)`` of every fill, rounded so
        that lots and ticks times their float units compare to the written-out values."""
        return [(f["order_id"], f["side"], round(f["quantity"], 9), round(f["price"], 9),
                 f["liquidity"], round(f["fee"], 12)) for f in self.fills]

    def status(self, order_id: str) -> tuple[str, float, str]:
        """``(status, filled quantity, reason)`` of an order at the end of the run."""
        row = self.orders[order_id]
        return row["status"], round(row["filled_quantity"], 9), row["reason"]

    @property
    def balance(self) -> float:
        return float(self.account.balance)

    @property
    def equity(self) -> float:
        """The last point of the run's equity curve."""
        return float(self.result.equity.column("equity")[-1].as_py())


def run(data: pa.Table, steps: dict[int, Step], *, kind: str = "quotes",
        instrument: Instrument | None = None, venue: VenueConfig | None = None,
        strategy: Script | None = None) -> Outcome:
    """Run ``steps`` against ``data`` (quotes, trades or bars) and collect the outcome."""
    instrument = instrument or spot()
    engine = BacktestEngine()
    engine.add_venue(venue or VenueConfig(name="SIM", currency="USDT",
                                          starting_balance=100_000.0))
    engine.add_instrument(instrument)
    series = BARS if kind == "bars" else instrument.id
    engine.add_data(data, kind, series)
    script = strategy or Script(steps, kind=kind, instrument_id=instrument.id)
    engine.add_strategy(script)
    result = engine.run()
    outcome = Outcome(engine, result, script, result.fills.to_pylist(),
                      {row["order_id"]: row for row in result.orders.to_pylist()})
    _check_books_agree(outcome)
    return outcome


def _check_books_agree(outcome: Outcome) -> None:
    """The kernel's account mirrors the venue's from fill events: they must agree."""
    kernel, venue = outcome.account, outcome.venue_account
    assert kernel.balance == venue.balance
    assert kernel.net_lots == venue.net_lots
    assert kernel.fees == venue.fees
