"""Build orders from strategy-facing values, converting prices and sizes exactly.

A price off the tick, a quantity that is zero, negative or off the lot, or a field that
makes no sense for the order type is an :class:`~sapphire.model.orders.OrderError` at the
call that builds the order: the mistake is in the caller's code, so it fails there.
Anything that depends on the market or the clock (an expired GTD time, margin, risk) is
decided later and answered with an event.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from numbers import Integral
from typing import TYPE_CHECKING, Any

from sapphire.core.enums import Side
from sapphire.core.errors import IncrementError
from sapphire.model.orders import ContingencyType, Order, OrderError, OrderType, TimeInForce

if TYPE_CHECKING:
    from sapphire.core.identifiers import InstrumentId
    from sapphire.model.instruments import Instrument

Number = Decimal | str | float | int


class Lots(int):
    """A quantity already in lots of the instrument (``Lots(3)``), as opposed to a size in
    instrument units: strategies that keep positions in lots skip the decimal conversion."""

    __slots__ = ()


class OrderFactory:
    """Create orders for one strategy with ids ``<prefix>-1``, ``<prefix>-2``, ...

    Parameters
    ----------
    strategy_id
        Owner written on every order.
    instrument
        Looks an instrument up by id (raises for an unknown one).
    clock
        Returns the current time in ns, stamped as ``ts_init``.
    """

    def __init__(self, strategy_id: str, instrument: Callable[[InstrumentId], Instrument],
                 clock: Callable[[], int]) -> None:
        self.strategy_id = strategy_id
        self._instrument = instrument
        self._clock = clock
        self._count = 0

    def market(self, instrument_id: InstrumentId, side: Side, quantity: Number, *,
               time_in_force: TimeInForce = TimeInForce.IOC, reduce_only: bool = False,
               position_id: str | None = None) -> Order:
        """A market order: fills at the best available prices."""
        if time_in_force in (TimeInForce.GTD, TimeInForce.DAY):
            raise OrderError(f"a market order cannot be {time_in_force.value.upper()}")
        return self._build(instrument_id, side, OrderType.MARKET, quantity,
                           time_in_force=time_in_force, reduce_only=reduce_only,
                           position_id=position_id)

    def limit(self, instrument_id: InstrumentId, side: Side, quantity: Number, price: Number, *,
              time_in_force: TimeInForce = TimeInForce.GTC, expire_ns: int | None = None,
              post_only: bool = False, reduce_only: bool = False,
              position_id: str | None = None) -> Order:
        """A limit order at ``price``; ``post_only`` rejects it if it would take liquidity."""
        return self._build(instrument_id, side, OrderType.LIMIT, quantity, price=price,
                           time_in_force=time_in_force, expire_ns=expire_ns,
                           post_only=post_only, reduce_only=reduce_only,
                           position_id=position_id)

    def stop_market(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                    trigger_price: Number, **options: Any) -> Order:
        """Becomes a market order once the market trades through ``trigger_price``."""
        return self._build(instrument_id, side, OrderType.STOP_MARKET, quantity,
                           trigger_price=trigger_price, **options)

    def stop_limit(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                   price: Number, trigger_price: Number, **options: Any) -> Order:
        """Becomes a limit order at ``price`` once the market reaches ``trigger_price``."""
        return self._build(instrument_id, side, OrderType.STOP_LIMIT, quantity, price=price,
                           trigger_price=trigger_price, **options)

    def market_if_touched(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                          trigger_price: Number, **options: Any) -> Order:
        """Becomes a market order once the market comes to ``trigger_price`` (buy below)."""
        return self._build(instrument_id, side, OrderType.MARKET_IF_TOUCHED, quantity,
                           trigger_price=trigger_price, **options)

    def limit_if_touched(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                         price: Number, trigger_price: Number, **options: Any) -> Order:
        """Becomes a limit order at ``price`` once the market comes to ``trigger_price``."""
        return self._build(instrument_id, side, OrderType.LIMIT_IF_TOUCHED, quantity,
                           price=price, trigger_price=trigger_price, **options)

    def trailing_stop_market(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                             trailing_offset: Number, trigger_price: Number | None = None,
                             **options: Any) -> Order:
        """A stop whose trigger trails the best price by ``trailing_offset`` (a price)."""
        return self._build(instrument_id, side, OrderType.TRAILING_STOP_MARKET, quantity,
                           trigger_price=trigger_price, trailing_offset=trailing_offset,
                           **options)

    def trailing_stop_limit(self, instrument_id: InstrumentId, side: Side, quantity: Number,
                            trailing_offset: Number, limit_offset: Number,
                            trigger_price: Number | None = None, **options: Any) -> Order:
        """A trailing stop that works as a limit ``limit_offset`` beyond its trigger."""
        return self._build(instrument_id, side, OrderType.TRAILING_STOP_LIMIT, quantity,
                           trigger_price=trigger_price, trailing_offset=trailing_offset,
                           limit_offset=limit_offset, **options)

    # -- linked orders ----------------------------------------------------------------------

    @staticmethod
    def link_oco(*orders: Order) -> None:
        """Make ``orders`` one-cancels-the-others."""
        if len(orders) < 2:
            raise OrderError("an OCO group needs at least two orders")
        for order in orders:
            order.contingency = ContingencyType.OCO
            order.linked_ids = tuple(o.order_id for o in orders if o is not order)

    @staticmethod
    def link_oto(parent: Order, *children: Order) -> None:
        """Release ``children`` when ``parent`` fills."""
        if not children:
            raise OrderError("an OTO parent needs at least one child order")
        parent.contingency = ContingencyType.OTO
        parent.linked_ids = tuple(child.order_id for child in children)
        for child in children:
            child.parent_id = parent.order_id

    def bracket(self, entry: Order, *, stop_loss: Number | None = None,
                take_profit: Number | None = None) -> list[Order]:
        """An entry order with a protective stop-market and/or a take-profit limit.

        The exits are on the other side for the entry's quantity, released when the entry
        fills (OTO), and cancel each other (OCO). Returns ``[entry, *exits]``.
        """
        if stop_loss is None and take_profit is None:
            raise OrderError("a bracket needs a stop_loss, a take_profit or both")
        instrument = self._instrument(entry.instrument_id)
        exit_side = Side.SELL if entry.side == Side.BUY else Side.BUY
        quantity = instrument.size_step.value * entry.quantity
        exits = []
        if stop_loss is not None:
            exits.append(self.stop_market(entry.instrument_id, exit_side, quantity, stop_loss,
                                          reduce_only=True))
        if take_profit is not None:
            exits.append(self.limit(entry.instrument_id, exit_side, quantity, take_profit,
                                    reduce_only=True))
        if len(exits) == 2:
            self.link_oco(*exits)
        self.link_oto(entry, *exits)
        return [entry, *exits]

    # -- building ---------------------------------------------------------------------------

    def _build(self, instrument_id: InstrumentId, side: Side, type: OrderType,
               quantity: Number, *, price: Number | None = None,
               trigger_price: Number | None = None, trailing_offset: Number | None = None,
               limit_offset: Number | None = None,
               time_in_force: TimeInForce | str = TimeInForce.GTC, expire_ns: int | None = None,
               post_only: bool = False, reduce_only: bool = False,
               position_id: str | None = None) -> Order:
        instrument = self._instrument(instrument_id)
        if side not in (Side.BUY, Side.SELL):
            raise OrderError(f"order side must be BUY or SELL, was {side!r}")
        try:
            tif = (time_in_force if isinstance(time_in_force, TimeInForce)
                   else TimeInForce(time_in_force))
        except ValueError:
            raise OrderError(f"unknown time in force {time_in_force!r}, expected one of "
                             f"{', '.join(t.value for t in TimeInForce)}") from None
        expire = _expiry(tif, expire_ns)
        lots = _lots(instrument, quantity)
        self._count += 1
        order = Order(
            f"{self.strategy_id or 'O'}-{self._count}", instrument.id,
            side if isinstance(side, Side) else Side(side), type, lots,
            ts_init=self._clock(), strategy_id=self.strategy_id,
            price=_ticks(instrument, price, "price"),
            trigger_price=_ticks(instrument, trigger_price, "trigger_price"),
            time_in_force=tif, expire_ns=expire, post_only=bool(post_only),
            reduce_only=bool(reduce_only),
            trailing_offset=_ticks(instrument, trailing_offset, "trailing_offset", positive=True),
            limit_offset=_ticks(instrument, limit_offset, "limit_offset", allow_zero=True),
            position_id=None if position_id is None else str(position_id),
        )
        _check_fields(order)
        return order


def _expiry(tif: TimeInForce, expire_ns: object) -> int | None:
    if tif == TimeInForce.GTD:
        # numpy integers count: timestamps are often read from arrays
        if not isinstance(expire_ns, Integral) or isinstance(expire_ns, bool) \
                or expire_ns <= 0:
            raise OrderError(f"a GTD order needs expire_ns (ns UTC), was {expire_ns!r}")
        return int(expire_ns)
    if expire_ns is not None:
        raise OrderError(f"expire_ns is only for GTD orders, not {tif.value.upper()}")
    return None


def _lots(instrument: Instrument, quantity: Number) -> int:
    if isinstance(quantity, Lots):
        lots = int(quantity)
    else:
        try:
            lots = instrument.size_to_lot(quantity)
        except IncrementError as exc:
            raise OrderError(f"{instrument.id}: quantity {quantity!r}: {exc}") from None
    if lots <= 0:
        raise OrderError(f"{instrument.id}: quantity must be positive, was {quantity!r}")
    limits = (instrument.min_quantity, instrument.max_quantity)
    if limits[0] is not None and lots < instrument.size_to_lot(limits[0]):
        raise OrderError(f"{instrument.id}: quantity {quantity} is below the minimum {limits[0]}")
    if limits[1] is not None and lots > instrument.size_to_lot(limits[1]):
        raise OrderError(f"{instrument.id}: quantity {quantity} is above the maximum {limits[1]}")
    return lots


def _ticks(instrument: Instrument, value: Number | None, name: str, *,
           positive: bool = False, allow_zero: bool = False) -> int | None:
    if value is None:
        return None
    try:
        ticks = instrument.price_to_tick(value)
    except IncrementError as exc:
        raise OrderError(f"{instrument.id}: {name} {value!r}: {exc}") from None
    if ticks < 0 or (ticks == 0 and not allow_zero) or (positive and ticks <= 0):
        raise OrderError(f"{instrument.id}: {name} must be positive, was {value!r}")
    return ticks


_NEEDS = {
    "price": lambda t: t.has_price and not t.is_trailing,
    "trigger_price": lambda t: t.has_trigger and not t.is_trailing,
    "trailing_offset": lambda t: t.is_trailing,
    "limit_offset": lambda t: t == OrderType.TRAILING_STOP_LIMIT,
}
_MAY = {"trigger_price": lambda t: t.is_trailing}
#: per order type: the optional fields it needs, and those it accepts (worked out once)
_REQUIRED = {t: tuple(name for name, needed in _NEEDS.items() if needed(t)) for t in OrderType}
_ACCEPTED = {t: frozenset(name for name, needed in _NEEDS.items()
                          if needed(t) or _MAY.get(name, lambda _: False)(t)) for t in OrderType}


def _check_fields(order: Order) -> None:
    for name in _REQUIRED[order.type]:
        if getattr(order, name) is None:
            raise OrderError(f"a {order.type.value} order needs {name}")
    accepted = _ACCEPTED[order.type]
    for name in _NEEDS:
        if name not in accepted and getattr(order, name) is not None:
            raise OrderError(f"a {order.type.value} order takes no {name}")
    if order.post_only and order.type not in (OrderType.LIMIT, OrderType.STOP_LIMIT,
                                              OrderType.LIMIT_IF_TOUCHED):
        raise OrderError(f"post_only applies to limit orders, not {order.type.value}")
    if order.post_only and order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
        raise OrderError("a post-only order cannot be IOC or FOK: it must rest")
