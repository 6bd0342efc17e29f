"""A strategy that performs a scenario's actions and checks the accounting after every event.

The checks compare the engine with an independent reference kept here from the fill
events alone: the signed lots per instrument, the fees, and the equity written as cash
flows (``starting - fees - sum(side * lots * price * point value) + net * mark * point
value`` for linear contracts; ``+ sum(side * size / price) - net size / mark`` for inverse
ones), which does not depend on how positions average their entry price.
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from sapphire.core.enums import Side
from sapphire.model.account import Account, PositionMode
from sapphire.model.order_events import OrderEvent, OrderFilled
from sapphire.model.orders import OrderError, OrderStatus, OrderType, TimeInForce
from sapphire.strategy.strategy import Strategy, StrategyConfig
from tests.unit.engine._flows import NS, Action, Scenario

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument
    from sapphire.model.market import Bar, Quote, Trade
    from sapphire.sim.venue import SimulatedVenue

TIFS = (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD, TimeInForce.DAY)
MARKET_TIFS = (TimeInForce.IOC, TimeInForce.GTC, TimeInForce.FOK)
NO_FILLS = {OrderStatus.INITIALIZED, OrderStatus.DENIED, OrderStatus.SUBMITTED,
            OrderStatus.REJECTED, OrderStatus.ACCEPTED, OrderStatus.TRIGGERED}
AT_VENUE = {OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PARTIALLY_FILLED}
S = OrderStatus
#: How far a float figure may drift from the reference, relative to the money moved.
REL = 1e-9


def close(actual: float, expected: float, scale: float, what: str) -> None:
    assert math.isclose(actual, expected, rel_tol=REL, abs_tol=REL * scale), \
        f"{what}: {actual!r} != {expected!r}"


class Reference:
    """What the fills alone say about one account."""

    def __init__(self, starting: float, instruments: tuple[Instrument, ...]) -> None:
        self.starting = starting
        self.instruments = {str(i.id): i for i in instruments}
        self.lots: dict[str, int] = defaultdict(int)
        self.flows: dict[str, float] = defaultdict(float)
        self.fees = 0.0
        self.moved = starting  # money moved, the scale of float error
        self.by_order: dict[str, int] = defaultdict(int)
        self.fills: list[OrderFilled] = []

    @property
    def count(self) -> int:
        return len(self.fills)

    def add(self, fill: OrderFilled) -> None:
        instrument = self.instruments[fill.instrument_id]
        self.fills.append(fill)
        self.lots[fill.instrument_id] += fill.side * fill.quantity
        self.by_order[fill.order_id] += fill.quantity
        self.fees += fill.fee
        notional = notional_of(instrument, fill.quantity, fill.price)
        self.moved += notional
        rate = instrument.maker_fee if fill.liquidity == "maker" else instrument.taker_fee
        close(fill.fee, notional * float(rate), self.moved, f"fee of {fill}")
        if instrument.is_inverse:
            self.flows[fill.instrument_id] += fill.side * notional
        else:
            self.flows[fill.instrument_id] -= fill.side * notional

    def equity(self, marks: dict[str, float]) -> float:
        """Starting balance - fees + cash flows + positions at ``marks`` (ticks)."""
        total = self.starting - self.fees
        for instrument_id, flow in self.flows.items():
            instrument = self.instruments[instrument_id]
            held = notional_of(instrument, abs(self.lots[instrument_id]), marks[instrument_id])
            sign = 1 if self.lots[instrument_id] > 0 else -1
            total += flow + (-sign * held if instrument.is_inverse else sign * held)
        return total


def notional_of(instrument: Instrument, lots: int, ticks: float) -> float:
    """Absolute value of ``lots`` at ``ticks``, written from the instrument's definition."""
    size = float(lots * instrument.size_increment * instrument.multiplier)
    price = ticks * float(instrument.price_increment)
    return size / price if instrument.is_inverse else size * price


class FlowStrategy(Strategy):
    """Performs a scenario's actions on its data events; checks everything on every event."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(StrategyConfig(strategy_id="FLOW"))
        self.scenario = scenario
        self.ids = [i.id for i in scenario.instruments]
        self.pending = {k: [a for a in scenario.actions if a.target == k]
                        for k in range(len(self.ids))}
        self.seen = [0] * len(self.ids)
        self.reference = Reference(scenario.venue.starting_balance, scenario.instruments)
        self.failures: list[BaseException] = []
        self.checks = 0
        self.refused = 0  # actions the order factory refused (OrderError)
        self.position_of: dict[str, str] = {}  # hedging: order id -> its position id

    # -- wiring -------------------------------------------------------------------------

    @property
    def venue(self) -> SimulatedVenue:
        return self.kernel.execution.venues["SIM"]  # type: ignore[return-value]

    @property
    def account(self) -> Account:
        return self.portfolio.account("SIM")

    def on_start(self) -> None:
        data = self.scenario.data
        for instrument_id in self.ids:
            if "quotes" in data:
                self.subscribe_quotes(instrument_id)
            if "trades" in data:
                self.subscribe_trades(instrument_id)
            if data == "bars":
                self.subscribe_bars(f"{instrument_id}-1-s-last-external")

    def on_quote(self, quote: Quote) -> None:
        self._data(quote.instrument_id, acts=True)

    def on_trade(self, trade: Trade) -> None:
        self._data(trade.instrument_id, acts="quotes" not in self.scenario.data)

    def on_bar(self, bar: Bar) -> None:
        self._data(bar.instrument_id, acts=True)

    def on_order_event(self, event: OrderEvent) -> None:
        try:
            if isinstance(event, OrderFilled):
                self.reference.add(event)
                order = self.cache.order(event.order_id)
                assert order.type != OrderType.MARKET or event.liquidity == "taker", event
                if self.scenario.venue.position_mode == PositionMode.HEDGING:
                    # one position per opening order: every fill of the order goes there
                    first = self.position_of.setdefault(event.order_id, event.position_id)
                    assert event.position_id and event.position_id == first, event
            self.check(settled=False)
        except AssertionError as exc:
            self.failures.append(exc)
            raise

    def _data(self, instrument_id: object, *, acts: bool) -> None:
        try:
            self.check(settled=True)
            k = self.ids.index(instrument_id)  # type: ignore[arg-type]
            if acts:
                while self.pending[k] and self.pending[k][0].at <= self.seen[k]:
                    self.act(self.pending[k].pop(0))
                self.seen[k] += 1
            self.check(settled=True)
        except AssertionError as exc:
            self.failures.append(exc)
            raise

    # -- actions ------------------------------------------------------------------------

    def act(self, action: Action) -> None:
        try:
            self._act(action)
        except OrderError:
            self.refused += 1

    def _act(self, a: Action) -> None:
        k = a.target
        instrument = self.instrument(self.ids[k])
        market = self.venue.market
        bid, ask = int(market.bid[k]), int(market.ask[k])
        buy = a.side == Side.BUY
        near, far = (bid, ask) if buy else (ask, bid)  # own side, other side
        sign = 1 if buy else -1
        qty = a.lots * instrument.size_increment
        options: dict[str, object] = {"reduce_only": a.flags % 8 == 3}
        position_id = self._position_id(k, a)
        if position_id is not None:
            options["position_id"] = position_id

        def px(ticks: int) -> Decimal:
            return max(ticks, 1) * instrument.price_increment

        f = self.orders
        iid = instrument.id
        if a.op == "market":
            order = f.market(iid, a.side, qty, time_in_force=MARKET_TIFS[a.extra % 3],
                             **options)  # type: ignore[arg-type]
        elif a.op == "limit":
            tif = TIFS[a.extra % 5]
            expire = self.now() + (a.extra + 1) * NS if tif == TimeInForce.GTD else None
            order = f.limit(iid, a.side, qty, px(near - sign * a.offset), time_in_force=tif,
                            expire_ns=expire, post_only=bool(a.flags & 1),
                            **options)  # type: ignore[arg-type]
        elif a.op in ("stop_market", "stop_limit"):
            trigger = far + sign * a.offset
            if a.op == "stop_market":
                order = f.stop_market(iid, a.side, qty, px(trigger), **options)
            else:
                order = f.stop_limit(iid, a.side, qty, px(trigger + sign * (a.extra - 3)),
                                     px(trigger), **options)
        elif a.op in ("mit", "lit"):
            trigger = far - sign * a.offset
            if a.op == "mit":
                order = f.market_if_touched(iid, a.side, qty, px(trigger), **options)
            else:
                order = f.limit_if_touched(iid, a.side, qty, px(trigger + sign * (a.extra - 3)),
                                           px(trigger), **options)
        elif a.op == "trail":
            order = f.trailing_stop_market(iid, a.side, qty, px(abs(a.offset) + 1), **options)
        elif a.op == "trail_limit":
            order = f.trailing_stop_limit(iid, a.side, qty, px(abs(a.offset) + 1),
                                          a.extra * instrument.price_increment, **options)
        elif a.op == "bracket":
            entry = f.limit(iid, a.side, qty, px(near - sign * a.offset))
            self.submit(f.bracket(entry, stop_loss=px(near - sign * (abs(a.offset) + 1)),
                                  take_profit=px(far + sign * (a.extra + 1))))
            return
        elif a.op == "close":
            self.close_position(iid)
            return
        else:
            self._change(a)
            return
        self.submit(order)

    def _position_id(self, k: int, a: Action) -> str | None:
        if not a.flags & 4 or self.scenario.venue.position_mode != PositionMode.HEDGING:
            return None
        mine = [p.position_id for p in self.portfolio.positions()
                if p.instrument_id == self.ids[k]]
        return mine[a.extra % len(mine)] if mine else None

    def _change(self, a: Action) -> None:
        """Cancel or modify one of the open orders (of any instrument)."""
        # in flight or with a request pending too: requests then cross under latency
        open_orders = self.cache.open_orders(strategy_id=self.strategy_id)
        if not open_orders:
            return
        order = open_orders[a.extra % len(open_orders)]
        if a.op == "cancel":
            self.cancel(order)
            return
        instrument = self.instrument(order.instrument_id)
        step = a.offset * instrument.price_increment
        price = None if order.price is None or order.type.is_trailing \
            else max(order.price * instrument.price_increment + step, instrument.price_increment)
        trigger = None
        if order.trigger_price is not None and not order.triggered \
                and not order.type.is_trailing:
            trigger = max(order.trigger_price * instrument.price_increment + step,
                          instrument.price_increment)
        self.modify(order, quantity=(order.filled + a.lots) * instrument.size_increment,
                    price=price, trigger_price=trigger)

    # -- invariants ---------------------------------------------------------------------

    def marks(self) -> dict[str, float]:
        market = self.venue.market
        return {str(i): (int(market.bid[k]) + int(market.ask[k])) / 2.0
                for k, i in enumerate(self.ids) if market.has_market[k]}

    def check(self, *, settled: bool) -> None:
        """Every invariant; ``settled`` when no venue call is in progress (data events)."""
        self.checks += 1
        ref = self.reference
        kernel_account, venue_account = self.account, self.venue.account
        for instrument_id in self.ids:
            held = ref.lots[str(instrument_id)]
            for name, account in (("kernel", kernel_account), ("venue", venue_account)):
                assert account.net_quantity(instrument_id) == held, (name, instrument_id)
                positions = [p for p in account.positions.values()
                             if p.instrument_id == instrument_id]
                assert sum(p.quantity for p in positions) == held, (name, positions)
        for name, account in (("kernel", kernel_account), ("venue", venue_account)):
            self._check_account(name, account)
        self._check_agree(kernel_account, venue_account)
        marks = self.marks()
        if all(str(i) in marks for i in self.ids if ref.lots[str(i)]):
            expected = ref.equity({k: marks.get(k, 1.0) for k in ref.flows})
            close(self.portfolio.equity(), expected, ref.moved, "portfolio equity")
            unrealized = sum(p.unrealized_pnl(marks[str(p.instrument_id)])
                             for p in kernel_account.positions.values())
            close(kernel_account.equity, kernel_account.balance + unrealized, ref.moved,
                  "equity == balance + unrealized")
        self._check_orders(settled=settled)

    def _check_account(self, name: str, account: Account) -> None:
        ref = self.reference
        every = [*account.positions.values(), *account.closed_positions]
        for p in every:
            assert p.quantity == p.bought - p.sold, (name, p)
        assert all(not p.is_flat for p in account.positions.values()), name
        assert all(p.is_flat for p in account.closed_positions), name
        close(account.fees, ref.fees, ref.moved, f"{name} fees (never lost)")
        close(sum(p.fees for p in every), ref.fees, ref.moved, f"{name} position fees")
        close(sum(p.realized_pnl for p in every), account.realized_pnl, ref.moved,
              f"{name} realized")
        close(account.balance, ref.starting + account.realized_pnl - ref.fees, ref.moved,
              f"{name} balance == starting + realized - fees")
        assert sum(p.fill_count for p in every) == ref.count, name

    def _check_agree(self, kernel: Account, venue: Account) -> None:
        scale = self.reference.moved
        close(kernel.balance, venue.balance, scale, "kernel vs venue balance")
        close(kernel.realized_pnl, venue.realized_pnl, scale, "kernel vs venue realized")
        assert kernel.positions.keys() == venue.positions.keys()
        for key, mine in kernel.positions.items():
            theirs = venue.positions[key]
            assert mine.quantity == theirs.quantity, (mine, theirs)
            close(mine.avg_price, theirs.avg_price, 1.0, f"avg price of {key}")
        assert len(kernel.closed_positions) == len(venue.closed_positions)

    def _check_orders(self, *, settled: bool) -> None:
        by_order = self.reference.by_order
        for order in self.cache.orders.values():
            assert 0 <= order.filled <= order.quantity, order
            assert order.filled == by_order.get(order.order_id, 0), order
            status = order.status
            assert (status == S.FILLED) == (order.filled == order.quantity), order
            if status in NO_FILLS:
                assert order.filled == 0, order
            if status == S.PARTIALLY_FILLED:
                assert 0 < order.filled < order.quantity, order
            if settled and status in AT_VENUE:
                assert order in self.venue.working_orders(order.instrument_id), order
        if settled:
            for order in self.venue.working_orders():
                assert not order.is_closed and self.cache.orders[order.order_id] is order, order
