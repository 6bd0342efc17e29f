"""The pre-trade risk engine: every submit and modify passes its rules before a venue sees it.

Rules, in the order they are checked (the first that breaks names the denial):

1. trading state (``trading_state``, or the loss rule that just tripped): HALTED denies
   every submit and modify, REDUCING lets through only orders that bring a position
   closer to flat (opposite to the net position, and with the working orders on that
   side, no larger than it);
2. rate limits (``max_order_rate``, ``max_modify_rate``): a sliding window over kernel time;
3. open orders (``max_open_orders`` over everything, ``max_open_orders_instrument``);
4. price band (``price_band``): a limit or trigger price further than the band from the
   reference price. The reference is the last trade in the cache, else the mid (the
   kernel's marks); with no reference yet, an order that needs the band check is denied
   (the rule fails closed);
5. order notional (``max_order_notional``), valued at the order's limit price, else its
   trigger price, else the reference (a market order with no reference is denied by
   ``no_reference_price`` when a notional limit is set);
6. position (``max_position`` in lots, ``max_position_notional``): the net position plus
   every working order on the order's side plus the order, all assumed filled (the
   worst case on that side), valued at the order's price. An order that takes the
   position toward flat is never denied by these;
7. portfolio exposure (``max_gross_exposure``, ``max_net_exposure``): positions over
   every instrument and strategy at the reference prices, with the order's instrument
   at its price after the order fills in full (working orders are not counted here).
   An order that lowers the exposure is always allowed.

Notionals are compared with a relative slack of 1e-9 so that one exactly at its limit is
not lost to float rounding (one tick over is far above it).

Loss limits (``max_daily_loss``, ``max_drawdown``) are evaluated on every fill, on every
check, at every UTC midnight (which also starts the next day's loss count from the equity
at that moment) and every ``equity_check_interval`` if set. Equity is the portfolio's, with
positions at the kernel's marks. A breach sets HALTED at once; the kill switch (cancel every
open order, then close every position with market reduce-only orders if
``flatten_on_breach``) is scheduled at that same kernel time and runs before the next
market event, after the event that caused the breach has been handled. A backtest ends at
its last market event, so a breach on that event halts but cancels nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sapphire.core.errors import ConfigError
from sapphire.engine.risk import Denial
from sapphire.model.order_events import OrderFilled
from sapphire.model.orders import OrderStatus
from sapphire.risk.pretrade.config import RiskConfig, parse_interval
from sapphire.risk.pretrade.format import over, price, size
from sapphire.risk.pretrade.loss import NS_PER_DAY, TOLERANCE, LossMonitor
from sapphire.risk.pretrade.open_orders import OpenOrders
from sapphire.risk.pretrade.rate import SlidingWindow
from sapphire.risk.pretrade.resolved import ResolvedLimits
from sapphire.risk.pretrade.state import StateChange, TradingState

if TYPE_CHECKING:
    from sapphire.core.identifiers import InstrumentId
    from sapphire.core.settings import RiskSettings
    from sapphire.engine.kernel import Kernel
    from sapphire.model.order_events import OrderEvent
    from sapphire.model.orders import Order, OrderType

log = logging.getLogger(__name__)

#: The strategy id of the orders the kill switch sends to close positions.
RISK_STRATEGY_ID = "RiskEngine"


class PreTradeRiskEngine:
    """Pre-trade checks and the kill switch; give it to the kernel (``BacktestEngine(risk=...)``).

    The kernel calls :meth:`bind` when it is built; the engine then reads the kernel's
    clock, cache, portfolio and marks, listens to order events on the bus, and cancels
    and closes through the execution engine.

    Parameters
    ----------
    config
        The rules (default: no limits but the default rate limits of the mode).
    settings
        Where default rate limits come from (default: the built-in settings).
    """

    def __init__(self, config: RiskConfig | None = None, *,
                 settings: RiskSettings | None = None) -> None:
        self.config = config if config is not None else RiskConfig()
        (order_count, order_ns), (modify_count, modify_ns) = self.config.rates(settings)
        self._submits = SlidingWindow(order_count, order_ns)
        self._modifies = SlidingWindow(modify_count, modify_ns)
        self.state = TradingState.ACTIVE
        #: every trading-state change, oldest first
        self.state_changes: list[StateChange] = []
        #: denials counted by rule
        self.denials: dict[str, int] = {}
        self._kernel: Kernel | None = None
        self._open = OpenOrders()
        self._own: set[str] = set()
        self._limits: dict[InstrumentId, ResolvedLimits] = {}
        self._loss: LossMonitor | None = None
        self._started = False

    # -- wiring -----------------------------------------------------------------------------

    def bind(self, kernel: Kernel) -> None:
        """Attach to ``kernel`` (called by the kernel; an engine serves one kernel)."""
        if self._kernel is not None:
            raise ConfigError("this PreTradeRiskEngine is bound to a kernel already; "
                              "build one per kernel")
        self._kernel = kernel
        kernel.bus.subscribe("orders.*", self._on_order_event)
        clock = kernel.clock
        # accounts and instruments are added after the kernel is built: start once they are
        clock.schedule(clock.now(), self._ensure_started)
        if self.config.equity_check_interval is not None:
            clock.set_timer(parse_interval(self.config.equity_check_interval,
                                           "equity_check_interval"), self._on_timer)

    @property
    def kernel(self) -> Kernel:
        if self._kernel is None:
            raise ConfigError("the PreTradeRiskEngine is not bound to a kernel yet")
        return self._kernel

    def _ensure_started(self) -> None:
        if self._started:
            return
        self._started = True
        kernel = self.kernel
        self.config.check_instruments([str(i.id) for i in kernel.cache.instruments])
        currencies = sorted({a.currency for a in kernel.portfolio.accounts.values()})
        cfg = self.config
        caps = (cfg.max_gross_exposure, cfg.max_net_exposure, cfg.max_daily_loss)
        if len(currencies) > 1 and any(c is not None for c in caps):
            raise ConfigError(f"portfolio exposure and loss limits need one account currency, "
                              f"the accounts are in {currencies}")
        if cfg.max_daily_loss is not None or cfg.max_drawdown is not None:
            self._loss = LossMonitor(cfg.max_daily_loss, cfg.max_drawdown,
                                     currencies[0] if currencies else "")
            now = kernel.clock.now()
            self._loss.start(now, kernel.portfolio.equity())
            if cfg.max_daily_loss is not None:
                kernel.clock.schedule((now // NS_PER_DAY + 1) * NS_PER_DAY, self._midnight)

    # -- the hook ---------------------------------------------------------------------------

    def check_submit(self, order: Order) -> Denial | None:
        """Return a :class:`Denial` if ``order`` breaks a rule, else None (it is counted
        against the submit rate)."""
        if order.order_id in self._own:
            return None
        self._ensure_started()
        now = self._kernel.clock.now()  # type: ignore[union-attr]
        leaves = order.quantity - order.filled
        denial = (self._state_denial(order.instrument_id, order.sign, leaves, None)
                  or self._rate_denial(self._submits, "max_order_rate", now)
                  or self._open_orders_denial(order.instrument_id)
                  or self._order_denial(order.instrument_id, order.sign, order.type, leaves,
                                        order.price, order.trigger_price, None))
        if denial is not None:
            return self._deny(order, denial)
        self._submits.record(now)
        return None

    def check_modify(self, order: Order, quantity: int, price: int | None,
                     trigger_price: int | None) -> Denial | None:
        """Return a :class:`Denial` if the modified order breaks a rule, else None (it is
        counted against the modify rate)."""
        self._ensure_started()
        now = self._kernel.clock.now()  # type: ignore[union-attr]
        leaves = quantity - order.filled
        denial = (self._state_denial(order.instrument_id, order.sign, leaves, order.order_id)
                  or self._rate_denial(self._modifies, "max_modify_rate", now)
                  or self._order_denial(order.instrument_id, order.sign, order.type, leaves,
                                        price, trigger_price, order.order_id))
        if denial is not None:
            return self._deny(order, denial)
        self._modifies.record(now)
        return None

    def _deny(self, order: Order, denial: Denial) -> Denial:
        self.denials[denial.rule] = self.denials.get(denial.rule, 0) + 1
        log.warning("risk denied order %s (%s): %s: %s", order.order_id, order.strategy_id,
                    denial.rule, denial.reason)
        return denial

    # -- rules ------------------------------------------------------------------------------

    def _state_denial(self, instrument_id: InstrumentId, sign: int, leaves: int,
                      exclude: str | None) -> Denial | None:
        if self._loss is not None and self.state != TradingState.HALTED:
            breach = self._evaluate_loss()
            if breach is not None:
                return breach
        if self.state == TradingState.ACTIVE:
            return None
        if self.state == TradingState.HALTED:
            last = self.state_changes[-1] if self.state_changes else None
            why = f" ({last.rule}: {last.reason})" if last is not None else ""
            return Denial("trading_state", f"trading is HALTED{why}")
        net = self.kernel.portfolio.net_position(instrument_id)
        limits = self._resolved(instrument_id)
        if net == 0 or (net > 0) == (sign > 0):
            return Denial("trading_state", (
                f"REDUCING lets only position-reducing orders through; net position "
                f"{size(net, limits.size_increment)}, order {'buys' if sign > 0 else 'sells'} "
                f"{size(leaves, limits.size_increment)}"))
        working = self._open.working(instrument_id, sign, exclude)
        if working + leaves > abs(net):
            return Denial("trading_state", (
                f"REDUCING: order {size(leaves, limits.size_increment)} + working "
                f"{size(working, limits.size_increment)} would take the position "
                f"{size(net, limits.size_increment)} past flat"))
        return None

    @staticmethod
    def _rate_denial(window: SlidingWindow, rule: str, now: int) -> Denial | None:
        if not window.full(now):
            return None
        return Denial(rule, f"{window.in_window(now)} in the last window >= limit "
                            f"{window.describe()}")

    def _open_orders_denial(self, instrument_id: InstrumentId) -> Denial | None:
        total_limit = self.config.max_open_orders
        if total_limit is not None and self._open.total >= total_limit:
            return Denial("max_open_orders",
                          f"{self._open.total} orders open >= limit {total_limit}")
        limit = self._resolved(instrument_id).max_open_orders
        if limit is not None and self._open.count(instrument_id) >= limit:
            return Denial("max_open_orders_instrument",
                          f"{self._open.count(instrument_id)} orders open in {instrument_id} "
                          f">= limit {limit}")
        return None

    def _order_denial(self, instrument_id: InstrumentId, sign: int, type_: OrderType,
                      leaves: int, limit_price: int | None, trigger: int | None,
                      exclude: str | None) -> Denial | None:
        limits = self._resolved(instrument_id)
        reference = self._reference(instrument_id)
        if limits.band is not None:
            denial = self._band_denial(limits, instrument_id, limit_price, trigger, reference)
            if denial is not None:
                return denial
        cfg = self.config
        at = limit_price if limit_price is not None else trigger
        at_price: float | None = at if at is not None else reference
        if at_price is None:
            if limits.needs_price or cfg.max_gross_exposure or cfg.max_net_exposure:
                return Denial("no_reference_price",
                              f"cannot value a {type_.value} order in {instrument_id}: "
                              "no trade or quote seen yet")
            return self._position_denial(limits, instrument_id, sign, leaves, None, exclude)
        if limits.max_order_notional is not None:
            notional = limits.math.notional(leaves, at_price)
            if notional > limits.max_order_notional * (1 + TOLERANCE):
                return Denial("max_order_notional", "order notional " + over(
                    notional, limits.max_order_notional, limits.currency))
        return (self._position_denial(limits, instrument_id, sign, leaves, at_price, exclude)
                or self._exposure_denial(limits, instrument_id, sign * leaves, at_price))

    @staticmethod
    def _band_denial(limits: ResolvedLimits, instrument_id: InstrumentId,
                     limit_price: int | None, trigger: int | None,
                     reference: float | None) -> Denial | None:
        assert limits.band is not None
        for name, value in (("limit", limit_price), ("trigger", trigger)):
            if value is None:
                continue
            if reference is None:
                return Denial("price_band", f"{name} price {price(value, limits.price_increment)}"
                                            f" cannot be checked: no trade or quote seen yet in "
                                            f"{instrument_id}")
            if limits.outside_band(value, reference):
                distance = abs(value - reference) / reference
                return Denial("price_band", (
                    f"{name} price {price(value, limits.price_increment)} is {distance:.2%} "
                    f"from the reference {price(reference, limits.price_increment)} > band "
                    f"{float(limits.band):.2%}"))
        return None

    def _position_denial(self, limits: ResolvedLimits, instrument_id: InstrumentId, sign: int,
                         leaves: int, at_price: float | None,
                         exclude: str | None) -> Denial | None:
        if limits.max_lots is None and limits.max_position_notional is None:
            return None
        net = self.kernel.portfolio.net_position(instrument_id)
        working = self._open.working(instrument_id, sign, exclude)
        projected = net + sign * (working + leaves)
        worst = sign * projected  # how far the order's side reaches (<= 0: toward flat)
        if worst <= 0:
            return None
        unit = limits.size_increment
        if limits.max_lots is not None and worst > limits.max_lots:
            return Denial("max_position", (
                f"position {size(net, unit)} + working {size(sign * working, unit)} + order "
                f"{size(sign * leaves, unit)} = {size(projected, unit)} > limit "
                f"{size(limits.max_lots, unit)}"))
        if limits.max_position_notional is not None and at_price is not None:
            notional = limits.math.notional(projected, at_price)
            if notional > limits.max_position_notional * (1 + TOLERANCE):
                return Denial("max_position_notional", (
                    "position notional with working orders and the order "
                    + over(notional, limits.max_position_notional, limits.currency)))
        return None

    def _exposure_denial(self, limits: ResolvedLimits, instrument_id: InstrumentId,
                         signed_lots: int, at_price: float) -> Denial | None:
        cfg = self.config
        if cfg.max_gross_exposure is None and cfg.max_net_exposure is None:
            return None
        gross = net = 0.0
        for other, lots in self.kernel.portfolio.net_lots.items():
            if lots == 0 or other == instrument_id:
                continue
            mark = self._reference(other)  # type: ignore[arg-type]
            if mark is None:
                continue
            value = self._resolved(other).math.notional(lots, mark)  # type: ignore[arg-type]
            gross += value
            net += value if lots > 0 else -value
        held = self.kernel.portfolio.net_position(instrument_id)
        before = limits.math.notional(held, at_price) * (1 if held >= 0 else -1)
        after_lots = held + signed_lots
        after = limits.math.notional(after_lots, at_price) * (1 if after_lots >= 0 else -1)
        cur = limits.currency
        gross_after, gross_before = gross + abs(after), gross + abs(before)
        if cfg.max_gross_exposure is not None and gross_after > gross_before \
                and gross_after > cfg.max_gross_exposure * (1 + TOLERANCE):
            return Denial("max_gross_exposure", "gross exposure after the order "
                          + over(gross_after, cfg.max_gross_exposure, cur))
        net_after, net_before = abs(net + after), abs(net + before)
        if cfg.max_net_exposure is not None and net_after > net_before \
                and net_after > cfg.max_net_exposure * (1 + TOLERANCE):
            return Denial("max_net_exposure", "net exposure after the order (absolute) "
                          + over(net_after, cfg.max_net_exposure, cur))
        return None

    # -- what the rules read ----------------------------------------------------------------

    def _resolved(self, instrument_id: InstrumentId) -> ResolvedLimits:
        limits = self._limits.get(instrument_id)
        if limits is None:
            kernel = self.kernel
            account = kernel.portfolio.account(instrument_id.venue)
            limits = ResolvedLimits(self.config.limits(str(instrument_id)),
                                    kernel.cache.instrument(instrument_id),
                                    account.math(instrument_id), account.currency)
            self._limits[instrument_id] = limits
        return limits

    def _reference(self, instrument_id: InstrumentId) -> float | None:
        """The last trade's price in the cache, else the mid (ticks); None if neither."""
        kernel = self.kernel
        trade = kernel.cache.trades.get(instrument_id)
        if trade is not None:
            return float(trade.price_ticks)
        mark: float | None = kernel.marks(instrument_id)
        return mark

    # -- events, loss and the kill switch ---------------------------------------------------

    def _on_order_event(self, event: OrderEvent) -> None:
        order = self.kernel.cache.orders.get(event.order_id)
        if order is not None:
            self._open.update(order)
        if isinstance(event, OrderFilled) and self._loss is not None:
            self._evaluate_loss()

    def _evaluate_loss(self) -> Denial | None:
        """Check the loss limits now; on a breach trip the kill switch and return why."""
        if self._loss is None or self.state == TradingState.HALTED:
            return None
        kernel = self.kernel
        breach = self._loss.evaluate(kernel.clock.now(), kernel.portfolio.equity())
        if breach is None:
            return None
        rule, reason = breach
        self.kill_switch(reason, rule=rule)
        return Denial(rule, reason)

    def _on_timer(self) -> None:
        self._evaluate_loss()

    def _midnight(self) -> None:
        if self._loss is None:
            return
        kernel = self.kernel
        now = kernel.clock.now()
        self._evaluate_loss()  # the day that just ended, at its last prices
        self._loss.new_day(now, kernel.portfolio.equity())
        kernel.clock.schedule(now + NS_PER_DAY, self._midnight)

    def kill_switch(self, reason: str, *, rule: str = "user", flatten: bool | None = None) -> None:
        """Set HALTED now; cancel every open order (and close every position if ``flatten``,
        default ``flatten_on_breach``) at this kernel time, before the next market event."""
        self._change(TradingState.HALTED, rule, reason)
        close = self.config.flatten_on_breach if flatten is None else flatten
        kernel = self.kernel
        kernel.clock.schedule(kernel.clock.now(), lambda: self._cancel_and_close(rule, close))

    def _cancel_and_close(self, rule: str, close: bool) -> None:
        execution = self.kernel.execution
        orders = self.kernel.cache.orders
        for order_id in self._open.ids():
            order = orders[order_id]
            if order.order_id not in self._own and order.status != OrderStatus.PENDING_CANCEL \
                    and not order.is_closed:
                execution.cancel(order, reason=f"kill switch: {rule}")
        if close:
            self._close_positions()

    def _close_positions(self) -> None:
        from sapphire.core.enums import Side
        from sapphire.model.order_factory import Lots

        kernel = self.kernel
        factory = kernel.order_factory(RISK_STRATEGY_ID)
        for instrument_id, lots in list(kernel.portfolio.net_lots.items()):
            if lots == 0:
                continue
            order = factory.market(instrument_id,  # type: ignore[arg-type]
                                   Side.SELL if lots > 0 else Side.BUY, Lots(abs(lots)),
                                   reduce_only=True)
            self._own.add(order.order_id)
            log.warning("kill switch: closing %s lots of %s", lots, instrument_id)
            kernel.execution.submit(order)

    # -- trading state ----------------------------------------------------------------------

    def set_trading_state(self, state: TradingState | str, reason: str) -> None:
        """Change the trading state (ACTIVE, REDUCING or HALTED), logged and recorded.

        Leaving HALTED measures the loss limits from the equity at that moment (the day's
        start and the peak), so the loss that halted trading does not halt it again.
        Setting HALTED here cancels nothing; :meth:`kill_switch` does.

        Raises
        ------
        ConfigError
            ``state`` is not a trading state, or ``reason`` is empty.
        """
        try:
            new = TradingState(state)
        except ValueError:
            raise ConfigError(f"trading state {state!r}: expected one of "
                              f"{[s.value for s in TradingState]}") from None
        if not reason:
            raise ConfigError("say why the trading state changes (reason is empty)")
        previous = self.state
        self._change(new, "user", reason)
        if previous == TradingState.HALTED and new != TradingState.HALTED \
                and self._loss is not None:
            self._loss.rebase(self.kernel.portfolio.equity())

    def _change(self, state: TradingState, rule: str, reason: str) -> None:
        if state == self.state:
            return
        now = self._kernel.clock.now() if self._kernel is not None else 0
        change = StateChange(ts=now, previous=self.state, state=state, rule=rule, reason=reason)
        self.state = state
        self.state_changes.append(change)
        log.warning("trading state %s -> %s at ts=%d (%s: %s)", change.previous.value,
                    state.value, now, rule, reason)
