"""Bad deltas: a typed error naming the problem (RAISE) or a logged resync (RESYNC)."""

from __future__ import annotations

import logging

import msgspec
import numpy as np
import pytest

from sapphire.book import Fault, L2Book, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.core.enums import BookAction as A
from sapphire.core.enums import RecordFlag, Side
from sapphire.core.errors import BookIntegrityError, ConfigError, DataValidationError, SchemaError

SNAP, LAST = RecordFlag.SNAPSHOT, RecordFlag.LAST


def _book(**config) -> L2Book:
    book = L2Book(L2BookConfig(**config), name="TEST")
    book.apply_snapshot([(100, 5), (99, 3)], [(101, 2), (102, 4)], sequence=10)
    return book


# (config, delta (side, action, price, size, sequence), fault, words in the message)
CASES = [
    ({}, (Side.BUY, A.ADD, 98, -1, 11), Fault.NEGATIVE_SIZE, "negative size -1"),
    ({}, (Side.BUY, A.UPDATE, 99, 0, 11), Fault.ZERO_SIZE, "size 0 on an ADD or UPDATE"),
    ({}, (Side.BUY, A.UPDATE, 98, 4, 11), Fault.MISSING_LEVEL, "no BUY level at price 98"),
    ({"levels": LevelRule.UPSERT}, (Side.SELL, A.DELETE, 103, 0, 11), Fault.MISSING_LEVEL,
     "no SELL level at price 103 to DELETE"),
    ({}, (Side.BUY, A.ADD, 99, 4, 11), Fault.EXISTING_LEVEL, "level at price 99 exists"),
    ({}, (0, A.ADD, 99, 4, 11), Fault.BAD_SIDE, "side NONE is not BUY"),
    ({}, (Side.BUY, 9, 99, 4, 11), Fault.BAD_ACTION, "action 9 is not ADD"),
    ({}, (Side.BUY, A.UPDATE, 99, 4, 9), Fault.SEQUENCE_BACKWARDS, "went back from 10 to 9"),
    ({}, (Side.BUY, A.UPDATE, 99, 4, 10), Fault.SEQUENCE_DUPLICATE, "sequence 10 repeats"),
    ({"sequence": SequenceCheck.CONTIGUOUS}, (Side.BUY, A.UPDATE, 99, 4, 12),
     Fault.SEQUENCE_GAP, "expected 11, got 12"),
    ({}, (Side.BUY, A.ADD, 101, 4, 11), Fault.CROSSED, "best bid 101 >= best ask 101"),
]


@pytest.mark.parametrize(("config", "delta", "fault", "words"), CASES)
def test_raise_names_sequence_price_and_fault(config, delta, fault, words):
    book = _book(**config)
    with pytest.raises(BookIntegrityError, match=words) as info:
        book.apply_delta(*delta)
    assert info.value.fault is fault
    assert info.value.sequence == delta[4] and info.value.price == delta[2]
    assert f"sequence {delta[4]}" in str(info.value)
    assert not book.synced
    # the book stays out of sync until a snapshot
    with pytest.raises(BookIntegrityError, match="expected a snapshot first"):
        book.apply_delta(Side.BUY, A.UPDATE, 100, 1, 50)
    book.apply_snapshot([(90, 1)], [(91, 1)], sequence=60)
    assert book.synced and book.best_bid_price() == 90


@pytest.mark.parametrize(("config", "delta", "fault", "words"), CASES)
def test_resync_logs_empties_and_waits_for_a_snapshot(caplog, config, delta, fault, words):
    book = _book(on_error=OnError.RESYNC, **config)
    with caplog.at_level(logging.INFO, logger="sapphire.book"):
        book.apply_delta(*delta)
        book.apply_delta(Side.BUY, A.UPDATE, 100, 1, 50)  # dropped
        assert book.level_count(Side.BUY) == 0 and not book.synced
        book.apply_snapshot([(90, 1)], [(91, 1)], sequence=60)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and words in warnings[0].getMessage()
    assert "dropping deltas until the next snapshot" in warnings[0].getMessage()
    assert any("resynchronised by the snapshot at sequence 60" in r.getMessage()
               for r in caplog.records if r.levelno == logging.INFO)
    assert book.synced and book.best_bid_price() == 90
    assert book.counts["dropped"] == 1 and book.counts["resyncs"] == 1


def test_delta_before_the_first_snapshot():
    book = L2Book()
    with pytest.raises(BookIntegrityError, match=r"sequence 3: UPDATE BUY at price 100 .*"
                                                 "expected a snapshot first") as info:
        book.apply_delta(Side.BUY, A.UPDATE, 100, 1, 3)
    assert info.value.fault is Fault.NOT_SYNCED


def test_delta_before_the_first_snapshot_resync_is_logged_once(caplog):
    book = L2Book(L2BookConfig(on_error=OnError.RESYNC))
    with caplog.at_level(logging.WARNING, logger="sapphire.book"):
        for seq in range(1, 4):
            book.apply_delta(Side.BUY, A.UPDATE, 100, 1, seq)
    assert len(caplog.records) == 1 and "no snapshot yet" in caplog.records[0].getMessage()
    assert book.counts["dropped"] == 2 and book.level_count(Side.BUY) == 0


def test_set_rule_ignores_and_counts_deletes_of_absent_levels():
    book = _book(levels=LevelRule.SET)
    book.apply_delta(Side.SELL, A.DELETE, 150, 0, 11)
    book.apply_delta(Side.BUY, A.UPDATE, 95, 7, 12)  # set adds the level
    assert book.counts["ignored_deletes"] == 1 and book.size_at(Side.BUY, 95) == 7


def test_batch_error_names_the_row():
    book = _book()
    deltas = {"side": [1, 1, 2], "action": [2, 2, 2], "price": [100, 98, 101],
              "size": [1, 1, 1], "sequence": [11, 12, 13], "flags": [2, 2, 2],
              "ts_event": [0, 0, 0]}
    with pytest.raises(BookIntegrityError, match=r"TEST, row 1: sequence 12: UPDATE BUY at "
                                                 r"price 98.*no BUY level at price 98"):
        book.apply_batch(deltas)
    assert book.size_at(Side.BUY, 100) == 1  # row 0 was applied, row 2 was not
    assert book.size_at(Side.SELL, 101) == 2


@pytest.mark.parametrize(("field", "value"), [
    ("price", 100.5), ("size", 2.0), ("sequence", "12"), ("side", 1.5), ("action", None),
    ("size", True), ("price", False), ("flags", 2.0), ("ts_event", np.float64(3.0)),
])
def test_apply_delta_rejects_non_integers(field, value):
    book = _book()
    args = {"side": 1, "action": 2, "price": 100, "size": 2, "sequence": 11, "flags": 2,
            "ts_event": 0}
    args[field] = value
    with pytest.raises(DataValidationError, match=f"column '{field}': {field} must be an "
                                                  "integer"):
        book.apply_delta(**args)
    assert book.size_at(Side.BUY, 100) == 5


def test_apply_delta_accepts_numpy_integers_and_enums():
    book = _book()
    book.apply_delta(np.int8(1), A.UPDATE, np.int64(100), np.int32(9), np.int64(11))
    assert book.best_bid_size() == 9


def _columns(**change):
    columns = {"side": np.array([1], np.int8), "action": np.array([2], np.int8),
               "price": np.array([100]), "size": np.array([3]), "sequence": np.array([11]),
               "flags": np.array([2], np.uint8), "ts_event": np.array([0])}
    columns.update(change)
    return columns


@pytest.mark.parametrize(("deltas", "match"), [
    ({k: v for k, v in _columns().items() if k != "flags"}, r"missing columns \['flags'\]"),
    (_columns(price=np.array([100.5])), "column 'price' must be a column of integers, was float64"),
    (_columns(side=np.array([257])), "column 'side' holds 257, outside int8"),
    (_columns(size=np.array([1, 2])), "column 'size' has 2 rows, 'side' has 1"),
    ([1, 2, 3], "deltas must be an Arrow table"),
])
def test_malformed_batches(deltas, match):
    book = _book()
    with pytest.raises(SchemaError, match=match):
        book.apply_batch(deltas)
    assert book.best_bid_size() == 5


def test_config_is_validated():
    with pytest.raises(ConfigError, match="on_error must be one of"):
        L2BookConfig(on_error="explode")
    with pytest.raises(ConfigError, match="capacity must be a positive integer, was 0"):
        L2BookConfig(capacity=0)
    with pytest.raises(ConfigError, match="window must be a positive integer, was -4"):
        L2BookConfig(window=-4)
    with pytest.raises(ConfigError, match=r"window must be a positive integer, was 2\.0"):
        L2BookConfig(window=2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        L2BookConfig(colour="red")  # type: ignore[call-arg]
    with pytest.raises(msgspec.ValidationError, match="colour"):
        msgspec.convert({"colour": "red"}, L2BookConfig)
