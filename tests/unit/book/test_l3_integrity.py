"""L3 integrity: each fault raises a typed error naming sequence, order id and problem, or
(RESYNC) is logged and the book waits for a snapshot or CLEAR; bad input is rejected."""

from __future__ import annotations

import logging

import msgspec
import numpy as np
import pytest

from sapphire.book.integrity import OnError
from sapphire.book.l3 import L3Book, RestingOrder
from sapphire.book.l3_integrity import FillMode, L3BookConfig, L3Fault, L3SequenceCheck
from sapphire.core.enums import OrderAction, RecordFlag, Side
from sapphire.core.errors import (
    BookIntegrityError,
    ConfigError,
    DataValidationError,
    OrderIntegrityError,
    SchemaError,
)

BUY, SELL = Side.BUY, Side.SELL
A, M, C, F, T, R = (int(a) for a in OrderAction)
SNAP, LAST = int(RecordFlag.SNAPSHOT), int(RecordFlag.LAST)


def seeded(**settings) -> L3Book:
    book = L3Book(L3BookConfig(**settings), name="ES")
    book.add(7, BUY, 100, 5, sequence=1)
    book.add(8, SELL, 102, 4, sequence=2)
    return book


CASES = [  # (event as apply() arguments, fault, words the message must hold)
    ((9, BUY, A, 99, -3, 3), L3Fault.NEGATIVE_SIZE, "negative size -3"),
    ((9, BUY, A, 99, 0, 3), L3Fault.ZERO_SIZE, "size 0 on this ADD"),
    ((9, 3, A, 99, 1, 3), L3Fault.BAD_SIDE, "side 3 is not BUY"),
    ((9, BUY, 8, 99, 1, 3), L3Fault.BAD_ACTION, "action 8 is not one of"),
    ((7, BUY, A, 99, 1, 3), L3Fault.DUPLICATE_ORDER, "order id 7 is on the book already"),
    ((55, BUY, M, 100, 1, 3), L3Fault.UNKNOWN_ORDER, "order id 55 is not on the book"),
    ((55, BUY, C, 100, 1, 3), L3Fault.UNKNOWN_ORDER, "order id 55 is not on the book"),
    ((55, BUY, F, 100, 1, 3), L3Fault.UNKNOWN_ORDER, "order id 55 is not on the book"),
    ((7, SELL, C, 100, 1, 3), L3Fault.SIDE_MISMATCH, "rests on the BUY side, the CANCEL says SELL"),
    ((7, BUY, C, 101, 1, 3), L3Fault.PRICE_MISMATCH, "rests at price 100, the CANCEL says 101"),
    ((7, BUY, C, 100, 6, 3), L3Fault.OVERSIZED, "taking 6 lots off an order of 5 lots"),
    ((7, BUY, F, 100, 6, 3), L3Fault.OVERSIZED, "use fills='report'"),
    ((7, BUY, M, 100, -1, 3), L3Fault.NEGATIVE_SIZE, "negative size -1"),
    ((7, BUY, M, 100, 1, 1), L3Fault.SEQUENCE_BACKWARDS, "sequence went back from 2 to 1"),
    ((9, BUY, A, 102, 1, 3), L3Fault.CROSSED, "best bid 102 >= best ask 102"),
]


@pytest.mark.parametrize(("event", "fault", "words"), CASES,
                         ids=[f"{c[1].name}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_event_raises_naming_sequence_order_and_problem(event, fault, words):
    book = seeded()
    with pytest.raises(OrderIntegrityError) as info:
        book.apply(*event)
    error = info.value
    assert isinstance(error, BookIntegrityError)
    assert error.fault is fault
    assert error.order_id == event[0]
    assert error.sequence == event[5]
    assert f"ES: sequence {event[5]}: " in str(error)
    assert f"order {event[0]}" in str(error)
    assert words in str(error)
    assert not book.synced
    with pytest.raises(OrderIntegrityError, match="not synchronised") as later:
        book.add(100, BUY, 90, 1, sequence=9)
    assert later.value.fault is L3Fault.NOT_SYNCED
    book.clear(sequence=10)  # a CLEAR resynchronises: the book is empty and right
    assert book.synced and book.order_count == 0
    book.add(100, BUY, 90, 1, sequence=11)


def test_raise_keeps_the_orders_for_inspection():
    book = seeded()
    with pytest.raises(OrderIntegrityError):
        book.cancel(7, 6)
    assert book.order(7).size == 5 and book.order(8).size == 4


def test_contiguous_sequences_report_gaps_and_duplicates():
    book = seeded(sequence=L3SequenceCheck.CONTIGUOUS)
    book.add(9, BUY, 99, 1, sequence=3, flags=0)  # a message of two rows sharing 3
    book.add(10, BUY, 99, 1, sequence=3)
    with pytest.raises(OrderIntegrityError, match="sequence gap: expected 4, got 6") as info:
        book.add(11, BUY, 99, 1, sequence=6)
    assert info.value.fault is L3Fault.SEQUENCE_GAP
    book = seeded(sequence=L3SequenceCheck.CONTIGUOUS)
    with pytest.raises(OrderIntegrityError, match="sequence 2 repeats the previous message"):
        book.add(11, BUY, 99, 1, sequence=2)


def test_non_decreasing_sequences_allow_repeats_and_none_checks_nothing():
    book = seeded()
    book.add(9, BUY, 99, 1, sequence=2)
    book.add(10, BUY, 99, 1, sequence=4000)  # CME packet numbers jump
    book = seeded(sequence=L3SequenceCheck.NONE)
    book.add(9, BUY, 99, 1, sequence=0)
    assert book.order_count == 3


def test_resync_logs_empties_drops_and_recovers_at_a_snapshot(caplog):
    book = seeded(on_error=OnError.RESYNC)
    with caplog.at_level(logging.WARNING, logger="sapphire.book"):
        book.cancel(7, 9, sequence=3)
    assert "ES: sequence 3: CANCEL order 7 BUY" in caplog.text
    assert "dropping events until the next snapshot or CLEAR" in caplog.text
    assert not book.synced and book.order_count == 0
    book.add(20, BUY, 100, 1, sequence=4)  # dropped
    book.cancel(20, sequence=5)  # dropped too (the order is not there: side looked up as 0)
    assert book.counts["dropped"] == 2 and book.order_count == 0
    with caplog.at_level(logging.INFO, logger="sapphire.book"):
        book.apply(30, BUY, A, 99, 2, 6, SNAP)
        book.apply(31, SELL, A, 101, 2, 6, SNAP | LAST)
    assert "ES: resynchronised at sequence 6 after dropping 2 events" in caplog.text
    assert book.synced and book.order_count == 2
    assert book.counts["resyncs"] == 1


def test_a_snapshot_without_a_last_row_ends_at_the_next_row():
    """Databento's CME snapshots flag no row LAST: the first row after them ends them."""
    book = L3Book(L3BookConfig(needs_snapshot=True))
    with pytest.raises(OrderIntegrityError, match="expected a snapshot or a CLEAR first"):
        book.add(1, BUY, 99, 1)
    book = L3Book(L3BookConfig(needs_snapshot=True))
    book.apply(1, BUY, A, 99, 1, 5, SNAP)
    book.apply(2, SELL, A, 101, 1, 5, SNAP)
    assert not book.synced
    book.apply(3, BUY, A, 98, 1, 6, LAST)
    assert book.synced and book.order_count == 3


def test_a_new_snapshot_replaces_the_book():
    book = seeded()
    book.apply(50, BUY, A, 90, 1, 3, SNAP | LAST)
    assert book.orders()["order_id"].tolist() == [50]


@pytest.mark.parametrize("bad", [1.5, "7", None, True, np.float64(2.0)])
def test_apply_rejects_non_integers(bad):
    book = seeded()
    with pytest.raises(DataValidationError, match="price must be an integer"):
        book.apply(9, BUY, A, bad, 1)


@pytest.mark.parametrize("order_id", [-1, 2**64])
def test_order_ids_outside_64_bits_are_rejected(order_id):
    with pytest.raises(DataValidationError, match=r"order_id must be in 0..2\*\*64-1"):
        seeded().add(order_id, BUY, 99, 1)


@pytest.mark.parametrize("bad", [1.0, "7", None, True, False, np.float64(2.0)])
def test_apply_rejects_order_ids_that_are_not_integers(bad):
    book = seeded()
    with pytest.raises(DataValidationError, match="order_id must be an integer"):
        book.apply(bad, BUY, A, 90, 1)
    assert book.order_count == 2  # nothing applied


@pytest.mark.parametrize("name", ["side", "action", "size", "sequence", "flags", "ts_event"])
def test_apply_names_each_argument_that_is_not_an_integer(name):
    values = {"order_id": 9, "side": BUY, "action": A, "price": 90, "size": 1, "sequence": 0,
              "flags": LAST, "ts_event": 0} | {name: 2.5}
    with pytest.raises(DataValidationError, match=f"{name} must be an integer"):
        seeded().apply(**values)


@pytest.mark.parametrize("name", ["price", "size", "ts_event"])
def test_apply_rejects_values_outside_int64(name):
    values = {"order_id": 9, "side": BUY, "action": A, "price": 90, "size": 1, "sequence": 0,
              "flags": LAST, "ts_event": 0} | {name: 2**63}
    with pytest.raises(DataValidationError, match=rf"{name} must be in -2\*\*63..2\*\*63-1"):
        seeded().apply(**values)


def test_apply_takes_numpy_integers_and_int_enums():
    book = seeded()
    book.apply(np.uint64(2**64 - 1), Side.BUY, OrderAction.ADD, np.int64(90), np.int32(4),
               np.int64(3), np.uint8(LAST), np.int64(5))
    assert book.order(2**64 - 1) == RestingOrder(2**64 - 1, Side.BUY, 90, 4)
    assert book.ts_last == 5


def _columns(n: int = 2) -> dict[str, np.ndarray]:
    return {"order_id": np.arange(1, n + 1, dtype=np.uint64), "side": np.ones(n, np.int8),
            "action": np.ones(n, np.int8), "price": np.full(n, 99), "size": np.ones(n, np.int64),
            "sequence": np.zeros(n, np.int64), "flags": np.full(n, LAST, np.uint8),
            "ts_event": np.zeros(n, np.int64)}


def test_batch_rejects_missing_float_short_and_out_of_range_columns():
    book = L3Book()
    with pytest.raises(SchemaError, match=r"missing columns \['order_id'\]"):
        book.apply_batch({k: v for k, v in _columns().items() if k != "order_id"})
    with pytest.raises(SchemaError, match="'price' must be a column of integers, was float64"):
        book.apply_batch({**_columns(), "price": np.array([99.0, 99.5])})
    with pytest.raises(SchemaError, match="'size' has 3 rows, 'side' has 2"):
        book.apply_batch({**_columns(), "size": np.ones(3, np.int64)})
    with pytest.raises(SchemaError, match="'side' holds 300, outside int8"):
        book.apply_batch({**_columns(), "side": np.array([1, 300], np.int16)})
    with pytest.raises(SchemaError, match="'order_id' holds -1, outside uint64"):
        book.apply_batch({**_columns(), "order_id": np.array([1, -1])})
    with pytest.raises(SchemaError, match="must be an Arrow table"):
        book.apply_batch([1, 2, 3])
    assert book.order_count == 0


def test_batch_errors_name_the_row():
    book = L3Book(name="ES")
    columns = _columns(3)
    columns["size"][2] = -4
    with pytest.raises(OrderIntegrityError, match=r"ES, row 2: sequence 0: ADD order 3 BUY "
                                                  r"at price 99 .* negative size -4"):
        book.apply_batch(columns)
    assert book.order_count == 2


def test_config_and_query_arguments_are_checked():
    with pytest.raises(ConfigError, match="on_error must be one of"):
        L3BookConfig(on_error="ignore")
    with pytest.raises(ConfigError, match="fills must be one of"):
        L3BookConfig(fills="sometimes")
    with pytest.raises(ConfigError, match="capacity must be a positive integer, was 0"):
        L3BookConfig(capacity=0)
    with pytest.raises(ConfigError, match="check_crossed must be True or False, was 1"):
        L3BookConfig(check_crossed=1)
    with pytest.raises(msgspec.ValidationError, match="unknown field `depth`"):
        msgspec.convert({"depth": 3}, L3BookConfig)
    with pytest.raises(ConfigError, match="config must be an L3BookConfig"):
        L3Book({"fills": "report"})
    book = seeded(fills=FillMode.REPORT)
    with pytest.raises(ConfigError, match=r"side must be Side\.BUY"):
        book.depth(0)
    with pytest.raises(ConfigError, match="levels must be a non-negative integer, was -1"):
        book.depth(BUY, -1)
    with pytest.raises(ConfigError, match="size must be a non-negative integer"):
        book.estimate_fill(BUY, 2.5)
    with pytest.raises(ConfigError, match=r"price must be an integer, was 99\.5"):
        book.size_at(BUY, 99.5)
