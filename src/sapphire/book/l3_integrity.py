"""Settings and faults of the L3 (market-by-order) book.

Each event is checked before it changes the book; the crossed-book check runs when a
message ends (a row flagged LAST), since a message may pass through crossed states.
When a check fails the :class:`~sapphire.book.integrity.OnError` policy (shared with
the L2 book) decides:

* ``RAISE``: raise :class:`~sapphire.core.errors.OrderIntegrityError` naming the
  sequence, the order id, side, price and what was wrong. The book keeps its orders for
  inspection but is out of sync: every later event raises until a snapshot or a CLEAR.
* ``RESYNC``: log a warning with the same text, empty the book and drop events until
  the next snapshot or CLEAR (logged too).

What a venue's sequence numbers and fill records mean differs, so both are settings
(:class:`L3SequenceCheck`, :class:`FillMode`); :data:`DATABENTO_MBO` holds the ones of
Databento's CME Globex MBO data.
"""

from __future__ import annotations

import logging
from enum import IntEnum, StrEnum

import msgspec
import numpy as np

from sapphire.book import l3_layout as L  # noqa: N812  (as the L2 book)
from sapphire.book.integrity import OnError
from sapphire.core.enums import OrderAction, Side
from sapphire.core.errors import ConfigError, OrderIntegrityError

log = logging.getLogger("sapphire.book")


class L3SequenceCheck(StrEnum):
    """How the ``sequence`` of consecutive events must relate (a snapshot or CLEAR restarts it).

    ``NONE``: not checked.
    ``NON_DECREASING``: never goes back; equal values are fine (CME MDP3 via Databento:
    the sequence is the channel's packet number, shared by the several messages of a
    packet and jumping over other instruments' packets, so a gap cannot be seen).
    ``CONTIGUOUS``: each message is the last plus one (rows within a message may repeat
    the sequence or add one): anything else is a gap, a duplicate or a step back.
    """

    NONE = "none"
    NON_DECREASING = "non-decreasing"
    CONTIGUOUS = "contiguous"


class FillMode(StrEnum):
    """What a FILL event does to the book.

    ``REDUCE``: the fill takes its size off the resting order (removed at zero); more
    than the order holds is an error.
    ``REPORT``: the fill only reports; the book changes with the CANCEL or MODIFY the
    venue sends after it (Databento MBO: "Trade and Fill actions do not affect the book
    because all fills will be accompanied by cancel actions"). A reported fill must name
    an order on the book on its side; its size and price are not checked, because CME
    reports iceberg fills above the displayed size and fills away from the displayed
    price. A fill with side NONE (CME's opening auction) is counted, not checked.
    """

    REDUCE = "reduce"
    REPORT = "report"


class L3BookConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of an :class:`~sapphire.book.l3.L3Book`.

    Parameters
    ----------
    on_error
        Raise, or resynchronise from the next snapshot or CLEAR (see :class:`OnError`).
    sequence
        The sequence rule (see :class:`L3SequenceCheck`).
    fills
        What a FILL does (see :class:`FillMode`).
    check_crossed
        Whether a book crossed (or locked) after a message is an error. Off for venues
        whose pre-open book may cross, such as CME Globex before its opening auction.
    needs_snapshot
        Whether a new book waits for a snapshot or a CLEAR; when False it starts as an
        empty synchronised book (a stream that begins with its session).
    capacity
        Orders to allocate room for at first (the book grows when it needs more).
    """

    on_error: OnError = OnError.RAISE
    sequence: L3SequenceCheck = L3SequenceCheck.NON_DECREASING
    fills: FillMode = FillMode.REDUCE
    check_crossed: bool = True
    needs_snapshot: bool = False
    capacity: int = 1024

    def __post_init__(self) -> None:
        for name, kind in (("on_error", OnError), ("sequence", L3SequenceCheck),
                           ("fills", FillMode)):
            value = getattr(self, name)
            if value not in set(kind):
                raise ConfigError(f"{name} must be one of {[k.value for k in kind]}, "
                                  f"was {value!r}")
        for name in ("check_crossed", "needs_snapshot"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, was {getattr(self, name)!r}")
        if (isinstance(self.capacity, bool) or not isinstance(self.capacity, int)
                or self.capacity < 1):
            raise ConfigError(f"capacity must be a positive integer, was {self.capacity!r}")

    def new_state(self) -> np.ndarray:
        """Return an empty book's state array with these settings."""
        seq = {L3SequenceCheck.NONE: L.SEQ_NONE,
               L3SequenceCheck.NON_DECREASING: L.SEQ_NON_DECREASING,
               L3SequenceCheck.CONTIGUOUS: L.SEQ_CONTIGUOUS}[L3SequenceCheck(self.sequence)]
        on_error = L.ON_ERROR_RESYNC if self.on_error == OnError.RESYNC else L.ON_ERROR_RAISE
        fills = L.FILLS_REPORT if self.fills == FillMode.REPORT else L.FILLS_REDUCE
        return L.new_state(self.capacity, seq, on_error, fills, self.check_crossed,
                           not self.needs_snapshot)


#: Databento MBO of CME Globex (MDP3): packet sequence numbers, fills that only report,
#: and a book that may cross before the opening auction.
DATABENTO_MBO = L3BookConfig(sequence=L3SequenceCheck.NON_DECREASING, fills=FillMode.REPORT,
                             check_crossed=False)


class L3Fault(IntEnum):
    """What was wrong with an event (values are the kernel's error codes)."""

    NOT_SYNCED = L.NOT_SYNCED
    BAD_SIDE = L.BAD_SIDE
    BAD_ACTION = L.BAD_ACTION
    NEGATIVE_SIZE = L.NEGATIVE_SIZE
    ZERO_SIZE = L.ZERO_SIZE
    UNKNOWN_ORDER = L.UNKNOWN_ORDER
    DUPLICATE_ORDER = L.DUPLICATE_ORDER
    SIDE_MISMATCH = L.SIDE_MISMATCH
    PRICE_MISMATCH = L.PRICE_MISMATCH
    OVERSIZED = L.OVERSIZED
    SEQUENCE_BACKWARDS = L.SEQ_BACKWARDS
    SEQUENCE_DUPLICATE = L.SEQ_DUPLICATE
    SEQUENCE_GAP = L.SEQ_GAP
    CROSSED = L.CROSSED


def _name(enum: type[IntEnum], value: int) -> str:
    try:
        return enum(value).name
    except ValueError:
        return str(value)


def order_id_of(value: int) -> int:
    """Return the unsigned order id stored as the int64 ``value``."""
    return value + (1 << 64) if value < 0 else value


def describe(st: np.ndarray) -> str:
    """Return the message of the error recorded in a book's state."""
    fault = L3Fault(int(st[L.META, L.M_ERR_CODE]))
    seq, oid, price, size, expected, ask = (int(st[L.META, i]) for i in (
        L.M_ERR_SEQ, L.M_ERR_OID, L.M_ERR_PRICE, L.M_ERR_SIZE, L.M_ERR_EXPECTED, L.M_ERR_ASK))
    oid = order_id_of(oid)
    side = _name(Side, int(st[L.META, L.M_ERR_SIDE]))
    action = _name(OrderAction, int(st[L.META, L.M_ERR_ACTION]))
    where = (f"sequence {seq}: {action} order {oid} {side} at price {price} (ticks), "
             f"size {size} (lots)")
    what = {
        L3Fault.NOT_SYNCED: "the book is not synchronised (an earlier error, or no snapshot "
                            "yet); expected a snapshot or a CLEAR first",
        L3Fault.BAD_SIDE: f"side {side} is not BUY (1) or SELL (2)",
        L3Fault.BAD_ACTION: f"action {action} is not one of ADD, MODIFY, CANCEL, FILL, TRADE, "
                            "CLEAR (1-6)",
        L3Fault.NEGATIVE_SIZE: f"negative size {size}; expected > 0",
        L3Fault.ZERO_SIZE: f"size 0 on this {action}; expected > 0 (an order leaves the book by "
                           "a CANCEL of its size)",
        L3Fault.UNKNOWN_ORDER: f"order id {oid} is not on the book",
        L3Fault.DUPLICATE_ORDER: f"order id {oid} is on the book already; an ADD needs a new id",
        L3Fault.SIDE_MISMATCH: f"the order rests on the {_name(Side, expected)} side, the "
                               f"{action} says {side}",
        L3Fault.PRICE_MISMATCH: f"the order rests at price {expected}, the {action} says {price}",
        L3Fault.OVERSIZED: f"taking {size} lots off an order of {expected} lots would leave a "
                           "negative size" + (
                               "; if the venue applies fills by a later CANCEL or MODIFY (as "
                               "in Databento MBO), use fills='report'"
                               if action == "FILL" else ""),
        L3Fault.SEQUENCE_BACKWARDS: f"sequence went back from {expected} to {seq}",
        L3Fault.SEQUENCE_DUPLICATE: f"sequence {seq} repeats the previous message's",
        L3Fault.SEQUENCE_GAP: f"sequence gap: expected {expected}, got {seq}",
        L3Fault.CROSSED: f"crossed book after the message: best bid {expected} >= best ask "
                         f"{ask} (ticks)",
    }[fault]
    return f"{where}: {what}"


def fault_error(st: np.ndarray, where: str) -> OrderIntegrityError:
    """Return the typed error of the fault recorded in the state, placed at ``where``."""
    return OrderIntegrityError(
        f"{where}: {describe(st)}", fault=L3Fault(int(st[L.META, L.M_ERR_CODE])),
        sequence=int(st[L.META, L.M_ERR_SEQ]), order_id=order_id_of(int(st[L.META, L.M_ERR_OID])),
        side=int(st[L.META, L.M_ERR_SIDE]), price=int(st[L.META, L.M_ERR_PRICE]))


def report(st: np.ndarray, where: str) -> None:
    """Raise or log the fault recorded in the state, as the book's policy says."""
    if int(st[L.META, L.M_ON_ERROR]) == L.ON_ERROR_RAISE:
        raise fault_error(st, where)
    log.warning("%s: %s; dropping events until the next snapshot or CLEAR", where,
                describe(st))


def report_resynced(st: np.ndarray, where: str) -> None:
    """Log that a snapshot or CLEAR ended a resynchronisation."""
    log.info("%s: resynchronised at sequence %d after dropping %d events", where,
             int(st[L.META, L.M_LAST_SEQ]), int(st[L.META, L.M_DROPPED]))
