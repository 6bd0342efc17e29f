"""Price rules of the simulated venue: triggers, trailing, when a limit is crossed, bar paths.

Every rule works on a *point*: a best bid and ask in ticks (a trade or a point on a bar's
path has bid == ask == its price). The venue feeds quotes, trades and bars through these
rules, so the order types behave the same on every kind of data.

Bars: the path through a bar is assumed to be open, then the extreme nearer the open,
then the other extreme, then close (a tie goes high first). The open is a jump from the
previous price (a gap fills at the open); between points the price moves through every
tick, so a stop or limit level inside a segment is reached exactly at that level.
"""

from __future__ import annotations

from sapphire.core.enums import Side
from sapphire.model.orders import Order, OrderType

_BUY = Side.BUY


def is_triggered(order: Order, bid: int, ask: int) -> bool:
    """Whether an untriggered stop or if-touched order fires at this point.

    Stops fire when the market moves against the position they protect (a buy stop when
    the ask rises to the trigger); if-touched orders when it moves in favour (a buy MIT when
    the ask falls to the trigger).
    """
    trigger = order.trigger_price
    if trigger is None:
        return False
    rising = order.type in (OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED)
    if order.side == _BUY:
        return ask <= trigger if rising else ask >= trigger
    return bid >= trigger if rising else bid <= trigger


def trailed_trigger(order: Order, bid: int, ask: int) -> int | None:
    """The trailing stop's new trigger at this point, or None if it does not move.

    A sell trailing stop sits ``trailing_offset`` ticks under the best bid seen and only
    ever rises; a buy one sits above the best ask seen and only ever falls. With no
    trigger yet, it starts from this point.
    """
    offset = order.trailing_offset or 0
    if order.side == _BUY:
        candidate = ask + offset
        if order.trigger_price is None or candidate < order.trigger_price:
            return candidate
        return None
    candidate = bid - offset
    if order.trigger_price is None or candidate > order.trigger_price:
        return candidate
    return None


def limit_after_trigger(order: Order) -> int | None:
    """The limit price a triggered order works at (None: it works as a market order)."""
    if order.type == OrderType.TRAILING_STOP_LIMIT:
        offset = order.limit_offset or 0
        trigger = order.trigger_price or 0
        return trigger + offset if order.side == _BUY else trigger - offset
    if order.type in (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        return order.price
    return None


def works_as_market(order: Order) -> bool:
    """The order takes liquidity at any price now (a market order or a triggered stop)."""
    if order.type == OrderType.MARKET:
        return True
    return order.triggered and limit_after_trigger(order) is None


def crossing(order: Order, bid: int, ask: int) -> int:
    """How a working limit order stands against this point: 0 apart, 1 touched, 2 through."""
    price = order.price
    if price is None:
        return 0
    if order.side == _BUY:
        return 2 if ask < price else (1 if ask == price else 0)
    return 2 if bid > price else (1 if bid == price else 0)


def bar_path(open_: int, high: int, low: int, close: int) -> tuple[int, int, int, int]:
    """Open, the extreme nearer the open, the other extreme, close (ties: high first)."""
    if high - open_ <= open_ - low:
        return open_, high, low, close
    return open_, low, high, close


def order_levels(order: Order) -> tuple[int, ...]:
    """Prices at which an order can change state (its trigger and its limit)."""
    levels = []
    if order.trigger_price is not None and not order.triggered:
        levels.append(order.trigger_price)
    if order.price is not None:
        levels.append(order.price)
    return tuple(levels)


def segment_points(start: int, end: int, orders: list[Order]) -> list[int]:
    """Prices to visit moving continuously from ``start`` to ``end``: order levels strictly
    inside the move, in the order they are reached, then ``end``."""
    low, high = (start, end) if start < end else (end, start)
    levels = {level for order in orders for level in order_levels(order)
              if low < level < high}
    inside = sorted(levels, reverse=start > end)
    return [*inside, end]
