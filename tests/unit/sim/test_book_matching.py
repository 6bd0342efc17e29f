"""Book matching worked out by hand: level walks, L2 conservative queues, L3 FIFO queues,
feed latency, and bad book data.

Instrument (see ``_harness``): tick 0.5, lot 0.1, maker fee 0.0002, taker fee 0.001.
Book rows are written in instrument units and converted here. The scripted strategy
subscribes to every book event, so a step runs at the time of any event; a no-op event
(a far ask level at 110.0) gives a step its own time where needed.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from sapphire.backtest.config import VenueConfig
from sapphire.backtest.engine import BacktestEngine
from sapphire.core.enums import Side
from sapphire.core.errors import BookIntegrityError, DataValidationError, UnknownInstrumentError
from sapphire.model.instruments import SpotPair
from sapphire.sim.models import LatencyModel
from tests.unit.sim._harness import SPOT_ID, Outcome, Script, _check_books_agree, lots, spot, ticks

BUY, SELL = Side.BUY, Side.SELL
ADD, UPDATE, DELETE, CLEAR = 1, 2, 3, 4
SNAP, LAST = 1, 2
L3_ADD, L3_CANCEL, L3_FILL, L3_TRADE = 1, 3, 4, 5


def l2(*parts: list[tuple]) -> pa.Table:
    """L2 deltas from lists of ``(ts, side, action, price, size[, flags])`` rows (flags:
    LAST unless given)."""
    full = [(*r, LAST) if len(r) == 5 else r for part in parts for r in part]
    return pa.table({
        "ts_event": pa.array([r[0] for r in full], pa.int64()),
        "ts_init": pa.array([r[0] for r in full], pa.int64()),
        "sequence": pa.array(range(1, len(full) + 1), pa.int64()),
        "side": pa.array([int(r[1]) for r in full], pa.int8()),
        "action": pa.array([r[2] for r in full], pa.int8()),
        "price": pa.array([ticks(r[3]) for r in full], pa.int64()),
        "size": pa.array([lots(r[4]) for r in full], pa.int64()),
        "flags": pa.array([r[5] for r in full], pa.uint8()),
    })


def snapshot(ts: int, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
             ) -> list[tuple]:
    rows: list[tuple] = [(ts, 0, CLEAR, 0.0, 0.0, SNAP)]
    rows += [(ts, BUY, ADD, p, q, SNAP) for p, q in bids]
    rows += [(ts, SELL, ADD, p, q, SNAP) for p, q in asks]
    last = rows[-1]
    rows[-1] = (*last[:5], SNAP | LAST)
    return rows


def prints(rows: list[tuple[int, float, float, Side]]) -> pa.Table:
    """Trades from ``(ts, price, size, aggressor side)`` rows."""
    return pa.table({
        "ts_event": pa.array([r[0] for r in rows], pa.int64()),
        "ts_init": pa.array([r[0] for r in rows], pa.int64()),
        "price": pa.array([ticks(r[1]) for r in rows], pa.int64()),
        "size": pa.array([lots(r[2]) for r in rows], pa.int64()),
        "aggressor_side": pa.array([int(r[3]) for r in rows], pa.int8()),
        "trade_id": pa.array([str(i) for i in range(len(rows))], pa.string()),
    })


def mbo(rows: list[tuple]) -> pa.Table:
    """L3 events from ``(ts, order_id, side, action, price, size)`` rows."""
    return pa.table({
        "ts_event": pa.array([r[0] for r in rows], pa.int64()),
        "ts_init": pa.array([r[0] for r in rows], pa.int64()),
        "sequence": pa.array(range(1, len(rows) + 1), pa.int64()),
        "order_id": pa.array([r[1] for r in rows], pa.uint64()),
        "side": pa.array([int(r[2]) for r in rows], pa.int8()),
        "action": pa.array([r[3] for r in rows], pa.int8()),
        "price": pa.array([ticks(r[4]) for r in rows], pa.int64()),
        "size": pa.array([lots(r[5]) for r in rows], pa.int64()),
        "flags": pa.array([LAST] * len(rows), pa.uint8()),
    })


def run_book(book: pa.Table, steps: dict, *, trades: pa.Table | None = None,
             kind: str = "l2_deltas", latency: LatencyModel | None = None,
             instrument: SpotPair | None = None) -> Outcome:
    instrument = instrument or spot()
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USDT", starting_balance=100_000.0,
                                 latency=latency or LatencyModel()))
    engine.add_instrument(instrument)
    engine.add_data(book, kind, instrument.id)
    if trades is not None:
        engine.add_data(trades, "trades", instrument.id)
    script = Script(steps, kind="books", instrument_id=instrument.id)
    engine.add_strategy(script)
    result = engine.run()
    outcome = Outcome(engine, result, script, result.fills.to_pylist(),
                      {row["order_id"]: row for row in result.orders.to_pylist()})
    _check_books_agree(outcome)
    return outcome


def limit(side: Side, size: str, price: str):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(s.orders.limit(SPOT_ID, side, size, price))


def market(side: Side, size: str):  # type: ignore[no-untyped-def]
    return lambda s: s.submit(s.orders.market(SPOT_ID, side, size))


def both(*steps):  # type: ignore[no-untyped-def]
    def step(s: Script) -> None:
        for each in steps:
            each(s)
    return step


def noop(ts: int) -> tuple:
    return (ts, SELL, UPDATE, 110.0, 1.0)


def fills(outcome: Outcome) -> list[tuple[str, float, float, str]]:
    return [(f["order_id"], round(f["quantity"], 9), round(f["price"], 9), f["liquidity"])
            for f in outcome.fills]


# -- taking: a walk of the book --------------------------------------------------------------

def test_market_order_walks_the_book_level_by_level_and_takes_the_size() -> None:
    # asks 100.5 x 0.3, 101.0 x 0.5, 101.5 x 1.0. A market buy of 1.0 takes 0.3 @ 100.5,
    # 0.5 @ 101.0 and 0.2 @ 101.5; a second market buy of 0.3 at the same time finds only
    # what the first left: 0.3 @ 101.5 (0.8 there before it).
    book = l2(snapshot(1, [(100.0, 5.0)], [(100.5, 0.3), (101.0, 0.5), (101.5, 1.0),
                                           (110.0, 1.0)]), [noop(2)])
    out = run_book(book, {2: both(market(BUY, "1.0"), market(BUY, "0.3"))})
    assert fills(out) == [("Script-1", 0.3, 100.5, "taker"), ("Script-1", 0.5, 101.0, "taker"),
                          ("Script-1", 0.2, 101.5, "taker"), ("Script-2", 0.3, 101.5, "taker")]
    # fees: taker 10 bps of each notional: 30.15 + 50.5 + 20.3 + 30.45 = 131.4 -> 0.1314
    assert out.account.fees == pytest.approx(0.1314, abs=1e-12)


def test_limit_order_walks_only_to_its_price_then_rests_for_the_rest() -> None:
    # a buy limit 1.0 @ 101.0 takes 0.3 @ 100.5 and 0.5 @ 101.0, then rests 0.2 at 101.0
    book = l2(snapshot(1, [(100.0, 5.0)], [(100.5, 0.3), (101.0, 0.5), (101.5, 1.0),
                                           (110.0, 1.0)]), [noop(2)])
    out = run_book(book, {2: limit(BUY, "1.0", "101.0")})
    assert fills(out) == [("Script-1", 0.3, 100.5, "taker"), ("Script-1", 0.5, 101.0, "taker")]
    assert out.status("Script-1")[:2] == ("partially_filled", 0.8)


# -- resting: the conservative L2 queue ------------------------------------------------------

def test_l2_queue_moves_with_trades_and_in_proportion_with_cancels() -> None:
    # bid 100.0 x 5.0. t=2 we join with 1.0: 5.0 (50 lots) ahead of us.
    # t=3 a sell of 2.0 trades at 100.0: 30 ahead.
    # t=4 the level shows 3.0: its fall of 20 lots is the trade's, not cancels: 30 ahead.
    # t=5 the level falls to 1.5: 15 lots cancelled, all of them ahead (30 of 30): 15 ahead.
    # t=6 the level rises to 2.5: 10 lots join behind us: 15 ahead.
    # t=7 the level falls to 1.5: 10 cancelled, 15/25 of them ahead: 15 - 10*15//25 = 9.
    # t=8 a sell of 1.4 (14 lots): 9 go to those ahead, 5 lots fill us: 0.5 @ 100.0.
    # t=9 a sell of 0.3 at 100.0: nobody ahead, 0.3 fills us.
    # t=10 a sell at 99.5 trades through our price: the last 0.2 fills.
    book = l2(snapshot(1, [(100.0, 5.0)], [(100.5, 3.0), (110.0, 1.0)]), [
        noop(2), (4, BUY, UPDATE, 100.0, 3.0), (5, BUY, UPDATE, 100.0, 1.5),
        (6, BUY, UPDATE, 100.0, 2.5), (7, BUY, UPDATE, 100.0, 1.5)])
    trades = prints([(3, 100.0, 2.0, SELL), (8, 100.0, 1.4, SELL), (9, 100.0, 0.3, SELL),
                     (10, 99.5, 0.1, SELL)])
    out = run_book(book, {2: limit(BUY, "1.0", "100.0")}, trades=trades)
    assert fills(out) == [("Script-1", 0.5, 100.0, "maker"), ("Script-1", 0.3, 100.0, "maker"),
                          ("Script-1", 0.2, 100.0, "maker")]
    assert [f["ts_event"] for f in out.fills] == [8, 9, 10]
    # maker 2 bps: (50 + 30 + 20) * 0.0002 = 0.02
    assert out.account.fees == pytest.approx(0.02, abs=1e-12)


def test_l2_trades_fill_our_earlier_order_first() -> None:
    # bid 100.0 x 5.0. A joins with 1.0 (50 ahead); 1.0 more joins the level (t=3: 6.0);
    # B joins with 1.0 behind the 60 displayed and A's 10: 70 ahead.
    # t=5 a sell of 5.5 (55 lots): A has 50 ahead, fills 5; B: 70 - 55 = 15 ahead.
    # t=6 a sell of 1.5 (15 lots): A fills its last 5; B: 15 - 15 = 0 ahead, no fill.
    # t=7 a sell of 0.5: B fills 0.5.
    book = l2(snapshot(1, [(100.0, 5.0)], [(100.5, 3.0), (110.0, 1.0)]), [
        noop(2), (3, BUY, UPDATE, 100.0, 6.0), noop(4)])
    trades = prints([(5, 100.0, 5.5, SELL), (6, 100.0, 1.5, SELL), (7, 100.0, 0.5, SELL)])
    out = run_book(book, {2: limit(BUY, "1.0", "100.0"), 4: limit(BUY, "1.0", "100.0")},
                   trades=trades)
    assert fills(out) == [("Script-1", 0.5, 100.0, "maker"), ("Script-1", 0.5, 100.0, "maker"),
                          ("Script-2", 0.5, 100.0, "maker")]
    assert [f["ts_event"] for f in out.fills] == [5, 6, 7]


def test_l2_other_side_reaching_our_price_fills_beyond_the_size_ahead() -> None:
    # we bid 1.0 @ 100.5 inside the spread (nobody ahead); at t=3 the ask comes down to
    # 100.5 with 0.4 on it: it would have traded with us, 0.4 fills. The book stays so at
    # t=4 (another level changes): the same 0.4 does not fill us twice.
    book = l2(snapshot(1, [(100.0, 5.0)], [(101.0, 3.0), (110.0, 1.0)]), [
        noop(2), (3, SELL, ADD, 100.5, 0.4), (4, SELL, UPDATE, 101.0, 2.0)])
    out = run_book(book, {2: limit(BUY, "1.0", "100.5")})
    assert fills(out) == [("Script-1", 0.4, 100.5, "maker")]
    assert out.fills[0]["ts_event"] == 3


def test_l2_modify_to_a_new_price_goes_to_the_back_of_that_level() -> None:
    # bid 100.0 x 5.0 and 99.5 x 2.0. We join 100.0 (50 ahead), then at t=3 move to 99.5:
    # 20 ahead there. A sell of 2.5 at 99.5 at t=4: 20 to those ahead, 5 lots fill us.
    book = l2(snapshot(1, [(100.0, 5.0), (99.5, 2.0)], [(100.5, 3.0), (110.0, 1.0)]),
              [noop(2), noop(3)])
    trades = prints([(4, 99.5, 2.5, SELL)])

    def move(s: Script) -> None:
        s.modify(s.cache.open_orders()[0], price="99.5")

    out = run_book(book, {2: limit(BUY, "1.0", "100.0"), 3: move}, trades=trades)
    assert fills(out) == [("Script-1", 0.5, 99.5, "maker")]


# -- resting: FIFO in an L3 book -------------------------------------------------------------

def test_l3_order_is_a_real_order_in_the_fifo_queue() -> None:
    # bids at 100.0: order 1 (2.0) then order 2 (1.0); an ask 11 at 100.5.
    # t=2 we join behind them: 3.0 ahead. t=3 order 3 (1.0) joins behind us.
    # t=4 order 1 cancels: 1.0 ahead. t=5 a sell of 1.5 trades at 100.0: order 2's 1.0
    # first, then 0.5 fills us. t=6 the data reports order 2 filled (it leaves) and order 3
    # filled 0.5 (the data does not know us). t=7 a sell of 0.5: we are first, 0.5 fills us.
    book = mbo([(1, 1, BUY, L3_ADD, 100.0, 2.0), (1, 2, BUY, L3_ADD, 100.0, 1.0),
                (1, 11, SELL, L3_ADD, 100.5, 1.0), (2, 12, SELL, L3_ADD, 110.0, 1.0),
                (3, 3, BUY, L3_ADD, 100.0, 1.0), (4, 1, BUY, L3_CANCEL, 100.0, 2.0),
                (5, 0, SELL, L3_TRADE, 100.0, 1.5), (6, 2, BUY, L3_FILL, 100.0, 1.0),
                (6, 3, BUY, L3_FILL, 100.0, 0.5), (7, 0, SELL, L3_TRADE, 100.0, 0.5)])
    out = run_book(book, {2: limit(BUY, "1.0", "100.0")}, kind="l3_orders")
    assert fills(out) == [("Script-1", 0.5, 100.0, "maker"), ("Script-1", 0.5, 100.0, "maker")]
    assert [f["ts_event"] for f in out.fills] == [5, 7]
    # the book the strategy reads holds our order until it filled, then not
    assert out.engine.kernel is not None
    assert out.engine.kernel.cache.book(SPOT_ID).size_at(BUY, ticks(100.0)) == lots(0.5)


def test_l3_cancel_takes_our_order_out_of_the_book() -> None:
    book = mbo([(1, 1, BUY, L3_ADD, 100.0, 2.0), (1, 11, SELL, L3_ADD, 100.5, 1.0),
                (2, 12, SELL, L3_ADD, 110.0, 1.0), (3, 13, SELL, L3_ADD, 111.0, 1.0)])

    def cancel(s: Script) -> None:
        s.cancel(s.cache.open_orders()[0])

    seen: list[int] = []

    def look(s: Script) -> None:
        seen.append(s.cache.book(SPOT_ID).size_at(BUY, ticks(100.0)))
        cancel(s)

    out = run_book(book, {2: limit(BUY, "1.0", "100.0"), 3: look}, kind="l3_orders")
    assert seen == [lots(3.0)]  # 2.0 of order 1 and our 1.0
    assert out.engine.kernel is not None
    assert out.engine.kernel.cache.book(SPOT_ID).size_at(BUY, ticks(100.0)) == lots(2.0)
    assert out.status("Script-1")[0] == "canceled"


# -- latency on what the strategy sees ---------------------------------------------------------

def test_feed_latency_delays_the_book_the_strategy_sees_not_the_matching() -> None:
    # feed latency 5: the strategy hears of the t=1 snapshot at 6 and of the t=10 bid
    # change at 15, and reads the book as it was then. Our bid (sent at 6, resting from 6)
    # is filled by the trade at 12, at 12: the venue matches on the book as it is.
    book = l2(snapshot(1, [(100.0, 5.0)], [(100.5, 3.0)]), [(10, BUY, UPDATE, 100.0, 4.0)])
    trades = prints([(12, 99.5, 0.1, SELL)])
    bids: list[tuple[int, int]] = []

    def record(s: Script) -> None:
        bids.append((s.now(), s.cache.book(SPOT_ID).best_bid_size()))

    out = run_book(book, {6: both(record, limit(BUY, "1.0", "100.0")), 15: record},
                   trades=trades, latency=LatencyModel(feed_ns=5))
    assert bids == [(6, lots(5.0)), (15, lots(4.0))]
    # on_book comes once per message (the snapshot's three rows are one) and per trade
    assert out.strategy.seen == [6, 15, 17]
    assert [(f["ts_event"], round(f["quantity"], 9)) for f in out.fills] == [(12, 1.0)]


# -- bad book data ---------------------------------------------------------------------------

def test_book_data_for_an_unknown_instrument_is_refused() -> None:
    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USDT"))
    engine.add_instrument(spot())
    with pytest.raises(UnknownInstrumentError, match=r"ETHUSDT\.SIM"):
        engine.add_data(l2(snapshot(1, [(100.0, 1.0)], [(100.5, 1.0)])), "l2_deltas",
                        "ETHUSDT.SIM")


def test_book_timestamps_going_backwards_name_the_row() -> None:
    book = l2(snapshot(5, [(100.0, 1.0)], [(100.5, 1.0)]), [(3, BUY, UPDATE, 100.0, 2.0)])
    with pytest.raises(DataValidationError, match="timestamps go backwards"):
        run_book(book, {})


def test_a_delta_before_any_snapshot_stops_the_run_with_the_fault() -> None:
    book = l2([(1, BUY, UPDATE, 100.0, 1.0), (2, SELL, UPDATE, 100.5, 1.0)])
    with pytest.raises(BookIntegrityError, match="row 0"):
        run_book(book, {})


def test_a_negative_size_stops_the_run_and_names_it() -> None:
    book = l2(snapshot(1, [(100.0, 1.0)], [(100.5, 1.0)]), [(2, BUY, UPDATE, 100.0, -1.0)])
    with pytest.raises(BookIntegrityError, match="negative"):
        run_book(book, {})


def test_quotes_of_their_own_reach_strategies_once_not_again_from_the_book() -> None:
    # quotes at 2 and 3; the book's touch changes at 1 and 4 (and its trades, none here, are
    # subscribed): with quotes of its own the instrument's quote subscribers hear only
    # those, no second copy from the book
    from tests.unit.sim._harness import quotes

    engine = BacktestEngine()
    engine.add_venue(VenueConfig(name="SIM", currency="USDT"))
    engine.add_instrument(spot())
    engine.add_data(l2(snapshot(1, [(100.0, 5.0)], [(100.5, 3.0)]),
                       [(4, BUY, UPDATE, 100.0, 4.0)]), "l2_deltas", SPOT_ID)
    engine.add_data(quotes([(2, 100.0, 100.5, 5.0, 3.0), (3, 100.0, 100.5, 5.0, 2.0)]),
                    "quotes", SPOT_ID)
    class QuotesAndTrades(Script):
        def on_start(self) -> None:
            super().on_start()
            self.subscribe_trades(SPOT_ID)  # the book then has subscribers of its own

    script = QuotesAndTrades({}, kind="quotes")
    engine.add_strategy(script)
    engine.run()
    assert script.seen == [2, 3]
