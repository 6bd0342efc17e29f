"""Integrity of an order book: what is checked, and what happens when a check fails.

A delta is checked before it changes the book (the crossed-book check runs when a
message ends, since a message may pass through crossed states). When a check fails
the caller's :class:`OnError` decides:

* ``RAISE``: raise :class:`~sapphire.core.errors.BookIntegrityError` naming the
  sequence, the side, the price and what was wrong. The book keeps its levels for
  inspection but is out of sync: every later delta raises until a snapshot.
* ``RESYNC``: log a warning with the same text, empty the book and drop deltas until
  the next snapshot has been applied (logged too). A delta before the first snapshot
  is handled the same way.

Vendors differ in what their sequence numbers and level updates mean, so both rules
are settings (:class:`SequenceCheck`, :class:`LevelRule`) of :class:`L2BookConfig`.
"""

from __future__ import annotations

import logging
from enum import IntEnum, StrEnum

import msgspec
import numpy as np

from sapphire.book import layout as nb
from sapphire.core.enums import BookAction, Side
from sapphire.core.errors import BookIntegrityError, ConfigError

log = logging.getLogger("sapphire.book")


class OnError(StrEnum):
    """What a book does when a delta fails a check."""

    RAISE = "raise"
    RESYNC = "resync"


class SequenceCheck(StrEnum):
    """How the ``sequence`` of consecutive deltas must relate (snapshots restart it).

    ``NONE``: not checked (Tardis, whose files carry no venue sequence).
    ``INCREASING``: never goes back; a new message has a larger sequence than the last
    (Binance ``u``, Bybit ``seq``: numbered, not contiguous).
    ``CONTIGUOUS``: as ``INCREASING`` and each message (or row) is the last plus one.
    """

    NONE = "none"
    INCREASING = "increasing"
    CONTIGUOUS = "contiguous"


class LevelRule(StrEnum):
    """What ADD, UPDATE and DELETE require of the level they name.

    ``STRICT``: ADD needs an absent level, UPDATE and DELETE a present one.
    ``UPSERT``: UPDATE sets a level, adding it when absent (vendors that send "this
    level now has size s": Bybit, Tardis); DELETE still needs a present level.
    ``SET``: as ``UPSERT``, and a DELETE of an absent level is ignored and counted
    (Binance: its snapshot is shallower than the levels its diffs touch).
    """

    STRICT = "strict"
    UPSERT = "upsert"
    SET = "set"


class L2BookConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of an :class:`~sapphire.book.l2.L2Book`.

    Parameters
    ----------
    on_error
        Raise, or resynchronise from the next snapshot (see :class:`OnError`).
    sequence
        The sequence rule (see :class:`SequenceCheck`).
    levels
        The level rule (see :class:`LevelRule`).
    capacity
        Levels per side to allocate at first (the book grows when it needs more).
    window
        Ticks per side of the price ladder that follows the touch: a level within it is
        found by index, one below it by search (see :mod:`sapphire.book.l2_nb`).
        8 KiB per side at the default; any width gives the same book.
    """

    on_error: OnError = OnError.RAISE
    sequence: SequenceCheck = SequenceCheck.INCREASING
    levels: LevelRule = LevelRule.STRICT
    capacity: int = 64
    window: int = 1024

    def __post_init__(self) -> None:
        for name, kind in (("on_error", OnError), ("sequence", SequenceCheck),
                           ("levels", LevelRule)):
            value = getattr(self, name)
            if value not in set(kind):
                raise ConfigError(f"{name} must be one of {[k.value for k in kind]}, "
                                  f"was {value!r}")
        for name in ("capacity", "window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, was {value!r}")

    def codes(self) -> tuple[int, int, int]:
        """Return the kernel codes (sequence mode, level rule, error policy)."""
        seq = {SequenceCheck.NONE: nb.SEQ_NONE, SequenceCheck.INCREASING: nb.SEQ_INCREASING,
               SequenceCheck.CONTIGUOUS: nb.SEQ_CONTIGUOUS}[SequenceCheck(self.sequence)]
        rule = {LevelRule.STRICT: nb.RULE_STRICT, LevelRule.UPSERT: nb.RULE_UPSERT,
                LevelRule.SET: nb.RULE_SET}[LevelRule(self.levels)]
        policy = nb.ON_ERROR_RESYNC if self.on_error == OnError.RESYNC else nb.ON_ERROR_RAISE
        return seq, rule, policy


class Fault(IntEnum):
    """What was wrong with a delta (values are the kernel's error codes)."""

    NOT_SYNCED = nb.NOT_SYNCED
    BAD_SIDE = nb.BAD_SIDE
    BAD_ACTION = nb.BAD_ACTION
    NEGATIVE_SIZE = nb.NEGATIVE_SIZE
    ZERO_SIZE = nb.ZERO_SIZE
    MISSING_LEVEL = nb.MISSING_LEVEL
    EXISTING_LEVEL = nb.EXISTING_LEVEL
    SEQUENCE_BACKWARDS = nb.SEQ_BACKWARDS
    SEQUENCE_DUPLICATE = nb.SEQ_DUPLICATE
    SEQUENCE_GAP = nb.SEQ_GAP
    CROSSED = nb.CROSSED


def _name(enum: type[IntEnum], value: int) -> str:
    try:
        return enum(value).name
    except ValueError:
        return str(value)


def describe(meta: np.ndarray) -> str:
    """Return the message of the error recorded in a book's META row."""
    fault = Fault(int(meta[nb.M_ERR_CODE]))
    seq, price, size = (int(meta[i]) for i in (nb.M_ERR_SEQ, nb.M_ERR_PRICE, nb.M_ERR_SIZE))
    expected = int(meta[nb.M_ERR_EXPECTED])
    side = _name(Side, int(meta[nb.M_ERR_SIDE]))
    action = _name(BookAction, int(meta[nb.M_ERR_ACTION]))
    where = f"sequence {seq}: {action} {side} at price {price} (ticks), size {size} (lots)"
    what = {
        Fault.NOT_SYNCED: "the book is not synchronised (no snapshot yet, or an error since); "
                          "expected a snapshot first",
        Fault.BAD_SIDE: f"side {side} is not BUY (1) or SELL (2)",
        Fault.BAD_ACTION: f"action {action} is not ADD, UPDATE, DELETE or CLEAR (1-4)",
        Fault.NEGATIVE_SIZE: f"negative size {size}; expected >= 0",
        Fault.ZERO_SIZE: "size 0 on an ADD or UPDATE; a removed level must be a DELETE",
        Fault.MISSING_LEVEL: f"no {side} level at price {price} to {action}",
        Fault.EXISTING_LEVEL: f"a {side} level at price {price} exists already; ADD "
                              "expects a new level (the STRICT level rule)",
        Fault.SEQUENCE_BACKWARDS: f"sequence went back from {expected} to {seq}",
        Fault.SEQUENCE_DUPLICATE: f"sequence {seq} repeats the previous message's",
        Fault.SEQUENCE_GAP: f"sequence gap: expected {expected}, got {seq}",
        Fault.CROSSED: f"crossed book after the message: best bid {price} >= best ask "
                       f"{expected} (ticks)",
    }[fault]
    return f"{where}: {what}"


def fault_error(meta: np.ndarray) -> BookIntegrityError:
    """Return the typed error of the fault recorded in META."""
    return BookIntegrityError(
        describe(meta), fault=Fault(int(meta[nb.M_ERR_CODE])), sequence=int(meta[nb.M_ERR_SEQ]),
        side=int(meta[nb.M_ERR_SIDE]), price=int(meta[nb.M_ERR_PRICE]))


def report(meta: np.ndarray, name: str) -> None:
    """Raise or log the fault recorded in META, as the book's policy says."""
    if int(meta[nb.M_ON_ERROR]) == nb.ON_ERROR_RAISE:
        raise fault_error(meta)
    log.warning("%s: %s; dropping deltas until the next snapshot", name, describe(meta))


def report_resynced(meta: np.ndarray, name: str) -> None:
    """Log that a snapshot ended a resynchronisation."""
    log.info("%s: resynchronised by the snapshot at sequence %d after dropping %d deltas",
             name, int(meta[nb.M_LAST_SEQ]), int(meta[nb.M_DROPPED]))
