"""Random markets and order flows for the accounting property tests.

A *scenario* is everything one backtest needs: instruments (linear spot, linear perpetual,
inverse perpetual), one stream of quotes, trades or bars per instrument, a venue
(cash or margin, netting or hedging, fees, latency, fill model) and a list of *actions*
that :class:`FlowStrategy` performs at given data events. Prices are random walks in
ticks, kept well above zero so inverse contracts stay defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from hypothesis import strategies as st

from sapphire.backtest.config import VenueConfig
from sapphire.core.enums import Side
from sapphire.core.identifiers import InstrumentId
from sapphire.model.account import AccountType, PositionMode
from sapphire.model.instruments import Instrument, Perpetual, SpotPair
from sapphire.sim.models import FillModel, LatencyModel

NS = 1_000_000_000
START_NS = 1_700_000_000 * NS
SPOT_ID = InstrumentId.parse("BTCUSDT.SIM")
PERP_ID = InstrumentId.parse("ETHUSDT-PERP.SIM")
INVERSE_ID = InstrumentId.parse("XBTUSD.SIM")
D = Decimal


def spot(maker: Decimal, taker: Decimal) -> SpotPair:
    """Linear spot, settled in USDT: tick 0.5, lot 0.01."""
    return SpotPair(id=SPOT_ID, quote_currency="USDT", base_currency="BTC",
                    price_increment=D("0.5"), size_increment=D("0.01"),
                    maker_fee=maker, taker_fee=taker)


def perp(maker: Decimal, taker: Decimal) -> Perpetual:
    """Linear perpetual, settled in USDT, 10% initial margin: tick 0.01, lot 0.1."""
    return Perpetual(id=PERP_ID, quote_currency="USDT", base_currency="ETH",
                     settlement_currency="USDT", price_increment=D("0.01"),
                     size_increment=D("0.1"), maker_fee=maker, taker_fee=taker,
                     initial_margin=D("0.1"), maintenance_margin=D("0.05"))


def inverse(maker: Decimal, taker: Decimal) -> Perpetual:
    """Inverse perpetual, contracts of 10 USD settled in BTC: tick 0.5, lot 1."""
    return Perpetual(id=INVERSE_ID, quote_currency="USD", base_currency="BTC",
                     settlement_currency="BTC", price_increment=D("0.5"),
                     size_increment=D("1"), multiplier=D("10"), is_inverse=True,
                     maker_fee=maker, taker_fee=taker, initial_margin=D("0.1"),
                     maintenance_margin=D("0.05"))


#: Instrument sets a venue trades; each set settles in one currency.
BOOKS = {
    "spot": ("USDT", (spot,)),
    "perp": ("USDT", (perp,)),
    "inverse": ("BTC", (inverse,)),
    "spot+perp": ("USDT", (spot, perp)),
}
#: Starting balances per currency: rich, or poor enough that some orders are refused.
BALANCES = {"USDT": (2_000.0, 1_000_000.0), "BTC": (0.5, 100.0)}


@dataclass(frozen=True)
class Action:
    """Something the strategy does at its ``at``-th data event."""

    at: int
    op: str  # market, limit, stop_market, stop_limit, mit, lit, trail, trail_limit,
    # bracket, cancel, modify, close
    side: Side
    lots: int
    offset: int  # ticks from the touch (sign: see FlowStrategy)
    extra: int  # a second offset, a tif index, or which order/position to pick
    flags: int  # bit 0 post-only, bit 2 a hedging position id; reduce-only when % 8 == 3
    target: int  # instrument index


@dataclass(frozen=True)
class Scenario:
    book: str
    data: str  # quotes, trades, bars or quotes+trades
    venue: VenueConfig
    instruments: tuple[Instrument, ...]
    tables: tuple[tuple[pa.Table, ...], ...]  # per instrument: its streams
    events: int  # data events per instrument
    actions: tuple[Action, ...]


def quotes_table(ts: list[int], bid: list[int], ask: list[int], bid_lots: list[int],
                 ask_lots: list[int]) -> pa.Table:
    i64 = pa.int64()
    return pa.table({"ts_event": pa.array(ts, i64), "ts_init": pa.array(ts, i64),
                     "bid_price": pa.array(bid, i64), "ask_price": pa.array(ask, i64),
                     "bid_size": pa.array(bid_lots, i64), "ask_size": pa.array(ask_lots, i64)})


def trades_table(ts: list[int], price: list[int], size: list[int], side: list[int]) -> pa.Table:
    i64 = pa.int64()
    return pa.table({"ts_event": pa.array(ts, i64), "ts_init": pa.array(ts, i64),
                     "price": pa.array(price, i64), "size": pa.array(size, i64),
                     "aggressor_side": pa.array(side, pa.int8()),
                     "trade_id": pa.array([str(i) for i in range(len(ts))], pa.string())})


def bars_table(ts: list[int], o: list[int], h: list[int], lo: list[int], c: list[int]) -> pa.Table:
    i64 = pa.int64()
    return pa.table({"ts_event": pa.array(ts, i64), "ts_init": pa.array(ts, i64),
                     "open": pa.array(o, i64), "high": pa.array(h, i64),
                     "low": pa.array(lo, i64), "close": pa.array(c, i64),
                     "volume": pa.array([100] * len(ts), i64)})


@st.composite
def market_tables(draw: st.DrawFn, data: str, events: int) -> tuple[pa.Table, ...]:
    """One instrument's streams: ``events`` rows each, 1-3 s apart, prices near 2000 ticks."""
    steps = draw(st.lists(st.integers(1, 3), min_size=events, max_size=events))
    ts = [START_NS + NS * sum(steps[:i + 1]) for i in range(events)]
    moves = draw(st.lists(st.integers(-4, 4), min_size=events, max_size=events))
    mid = [2_000 + sum(moves[:i + 1]) for i in range(events)]
    tables = []
    if "quotes" in data:
        spread = draw(st.lists(st.integers(1, 3), min_size=events, max_size=events))
        sizes = draw(st.lists(st.integers(1, 40), min_size=2 * events, max_size=2 * events))
        tables.append(quotes_table(ts, mid, [m + s for m, s in zip(mid, spread, strict=True)],
                                   sizes[:events], sizes[events:]))
    if "trades" in data:
        jitter = draw(st.lists(st.integers(-1, 2), min_size=events, max_size=events))
        sizes = draw(st.lists(st.integers(1, 40), min_size=events, max_size=events))
        sides = draw(st.lists(st.sampled_from([1, 2]), min_size=events, max_size=events))
        tables.append(trades_table(ts, [m + j for m, j in zip(mid, jitter, strict=True)],
                                   sizes, sides))
    if data == "bars":
        opens = [2_000, *mid[:-1]]
        gaps = draw(st.lists(st.integers(-1, 1), min_size=events, max_size=events))
        wicks = draw(st.lists(st.integers(0, 3), min_size=2 * events, max_size=2 * events))
        o = [x + g for x, g in zip(opens, gaps, strict=True)]
        h = [max(a, c) + w for a, c, w in zip(o, mid, wicks[:events], strict=True)]
        lo = [min(a, c) - w for a, c, w in zip(o, mid, wicks[events:], strict=True)]
        tables.append(bars_table(ts, o, h, lo, mid))
    return tuple(tables)


OPS = ("market", "market", "limit", "limit", "limit", "stop_market", "stop_limit", "mit",
       "lit", "trail", "trail_limit", "bracket", "cancel", "cancel", "modify", "modify",
       "close")


@st.composite
def actions(draw: st.DrawFn, events: int, targets: int) -> tuple[Action, ...]:
    action = st.builds(
        Action, at=st.integers(0, events - 1), op=st.sampled_from(OPS),
        side=st.sampled_from([Side.BUY, Side.SELL]), lots=st.integers(1, 30),
        offset=st.integers(-4, 6), extra=st.integers(0, 7), flags=st.integers(0, 15),
        target=st.integers(0, targets - 1))
    return tuple(sorted(draw(st.lists(action, min_size=8, max_size=40)), key=lambda a: a.at))


@st.composite
def scenarios(draw: st.DrawFn, *, latency: bool = False) -> Scenario:
    book = draw(st.sampled_from(sorted(BOOKS)))
    currency, makers = BOOKS[book]
    fees = draw(st.sampled_from([(D(0), D(0)), (D("0.0002"), D("0.0007")),
                                 (D("-0.0001"), D("0.001"))]))
    instruments = tuple(make(*fees) for make in makers)
    data = draw(st.sampled_from(["quotes", "trades", "bars", "quotes+trades"]))
    events = draw(st.integers(4, 30))
    tables = tuple(draw(market_tables(data, events)) for _ in instruments)
    account = draw(st.sampled_from(list(AccountType)))
    leverage = 1.0 if account == AccountType.CASH else float(draw(st.sampled_from([1, 3, 10])))
    delays = LatencyModel()
    if latency:
        delays = LatencyModel(submit_ns=draw(st.sampled_from([0, NS // 2, 2 * NS])),
                              modify_ns=draw(st.sampled_from([0, NS, 3 * NS])),
                              cancel_ns=draw(st.sampled_from([0, NS // 4, 4 * NS])))
    fill_model = draw(st.sampled_from([
        FillModel(), FillModel(prob_fill_on_limit=0.5, prob_slippage=0.3, seed=7)]))
    venue = VenueConfig(name="SIM", account_type=account, currency=currency,
                        starting_balance=draw(st.sampled_from(BALANCES[currency])),
                        leverage=leverage,
                        position_mode=draw(st.sampled_from(list(PositionMode))),
                        fill_model=fill_model, latency=delays)
    return Scenario(book, data, venue, instruments, tables, events,
                    draw(actions(events, len(instruments))))
