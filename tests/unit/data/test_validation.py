"""validate(): value rules, ordering, duplicates and repairs, with exact rows."""

import pyarrow as pa
import pytest

from sapphire.core.enums import DataType
from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.data.validation import (
    REPAIR,
    STRICT,
    OnDisorder,
    OnDuplicate,
    OrderPolicy,
    order_key,
    validate,
)

T0 = 1_704_067_200_000_000_000


def trades(ts, price=None, size=None, ids=None):
    n = len(ts)
    return pa.table(
        {
            "ts_event": ts,
            "ts_init": ts,
            "price": price or [100] * n,
            "size": size or [1] * n,
            "aggressor_side": [1] * n,
            "trade_id": ids or [""] * n,
        }
    )


def l2(ts, seq, price=None, size=None, ts_init=None):
    n = len(ts)
    return pa.table(
        {
            "ts_event": ts,
            "ts_init": ts_init or ts,
            "sequence": seq,
            "side": [1] * n,
            "action": [1] * n,
            "price": price or [100] * n,
            "size": size or [1] * n,
            "flags": [0] * n,
        }
    )


def bars(open_, high, low, close):
    n = len(open_)
    return pa.table(
        {
            "ts_event": list(range(n)),
            "ts_init": list(range(n)),
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": [0] * n,
        }
    )


def test_valid_table_passes_unchanged():
    table = trades([1, 2, 2, 3], price=[1, 2, 3, 4])
    assert validate(table, "trades").column("price").to_pylist() == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("price", "size", "row", "column", "reason"),
    [
        ([1, 0, 1], [1, 1, 1], 2, "price", "price must be positive"),
        ([1, 1, -5], [1, 1, 1], 3, "price", "price must be positive"),
        ([1, 1, 1], [1, 1, 0], 3, "size", "size must be positive"),
        ([1, 1, 1], [-1, 1, 1], 1, "size", "size must be positive"),
    ],
)
def test_trade_values(price, size, row, column, reason):
    with pytest.raises(DataValidationError, match=reason) as info:
        validate(trades([1, 2, 3], price, size), DataType.TRADES)
    assert (info.value.row, info.value.column) == (row, column)


def test_quotes_allow_zero_size_not_zero_price():
    quotes = pa.table(
        {
            "ts_event": [1, 2],
            "ts_init": [1, 2],
            "bid_price": [10, 10],
            "ask_price": [11, 0],
            "bid_size": [0, 1],
            "ask_size": [1, 1],
        }
    )
    with pytest.raises(DataValidationError, match=r"row 2, column 'ask_price'.*\(was 0\)"):
        validate(quotes, "quotes")


def test_zero_price_allowed_for_book_types_only():
    assert validate(l2([1, 2], [1, 2], price=[0, 100], size=[0, 1]), "l2_deltas").num_rows == 2
    with pytest.raises(DataValidationError, match=r"row 2, column 'price': negative price"):
        validate(l2([1, 2], [1, 2], price=[0, -1]), "l2_deltas")
    with pytest.raises(DataValidationError, match=r"row 1, column 'size': negative size"):
        validate(l2([1, 2], [1, 2], size=[-1, 1]), "l2_deltas")


def test_bar_shape():
    assert validate(bars([5], [6], [4], [6]), "bars").num_rows == 1
    with pytest.raises(DataValidationError, match=r"row 2, column 'open': bar open lies outside"):
        validate(bars([5, 7], [6, 6], [4, 4], [5, 5]), "bars")
    with pytest.raises(DataValidationError, match=r"row 1, column 'close': bar close lies outside"):
        validate(bars([5], [6], [4], [3]), "bars")
    with pytest.raises(
        DataValidationError, match=r"row 1, column 'high': bar high is below its low"
    ):
        validate(bars([5], [4], [6], [5]), "bars")


def test_disorder_rejected_with_row_and_value():
    with pytest.raises(
        DataValidationError, match=r"row 3, column 'ts_event': timestamp goes backwards.*\(was 1\)"
    ):
        validate(trades([1, 2, 1, 3]), "trades")


def test_source_and_row_offset_locate_errors():
    with pytest.raises(DataValidationError, match=r"^t.csv, row 1002, column 'price'") as info:
        validate(trades([1, 2], price=[1, 0]), "trades", source="t.csv", row_offset=1000)
    assert (info.value.source, info.value.row) == ("t.csv", 1002)


def test_schema_error_names_source():
    with pytest.raises(SchemaError, match=r"^t.csv: trades data is missing columns \['trade_id'\]"):
        validate(trades([1]).drop_columns(["trade_id"]), "trades", source="t.csv")


def test_previous_key_across_chunks():
    assert validate(trades([5, 6]), "trades", previous_key=(5,)).num_rows == 2
    with pytest.raises(DataValidationError, match=r"row 11, column 'ts_event'"):
        validate(trades([4, 6]), "trades", previous_key=(5,), row_offset=10)
    with pytest.raises(DataValidationError, match="row 1"):
        validate(l2([5], [3]), "l2_deltas", previous_key=(5, 4))


def test_l2_orders_by_timestamp_then_sequence():
    assert validate(l2([1, 1, 2], [1, 2, 0]), "l2_deltas").num_rows == 3
    with pytest.raises(
        DataValidationError,
        match=r"row 2, column 'sequence': sequence goes backwards within one timestamp.*\(was 1\)"
    ):
        validate(l2([1, 1, 2], [2, 1, 3]), "l2_deltas")
    with pytest.raises(
        DataValidationError, match=r"row 3, column 'ts_event': timestamp goes backwards.*\(was 0\)"
    ):
        validate(l2([1, 1, 0], [1, 2, 3]), "l2_deltas")


def test_sequence_going_back_across_chunks_names_the_sequence():
    with pytest.raises(DataValidationError,
                       match=r"row 11, column 'sequence': sequence goes backwards.*\(was 3\)"):
        validate(l2([5], [3]), "l2_deltas", previous_key=(5, 4), row_offset=10)
    with pytest.raises(DataValidationError,
                       match=r"row 1, column 'ts_event': timestamp goes backwards.*\(was 4\)"):
        validate(l2([4], [9]), "l2_deltas", previous_key=(5, 4))
    repaired = validate(l2([2, 1, 1], [0, 2, 1], price=[30, 20, 10]), "l2_deltas", policy=REPAIR)
    assert repaired.column("price").to_pylist() == [10, 20, 30]


def test_duplicates_adjacent_and_not():
    table = trades([1, 2, 2, 2, 3], price=[1, 5, 6, 5, 7])
    with pytest.raises(DataValidationError, match=r"row 4, column 'ts_event': duplicate row"):
        validate(table, "trades")
    assert validate(table, "trades", policy=REPAIR).column("price").to_pylist() == [1, 5, 6, 7]


def test_rows_differing_in_one_column_are_not_duplicates():
    table = trades([2, 2], ids=["a", "b"])
    assert validate(table, "trades").num_rows == 2


def test_l3_rows_differing_by_one_nanosecond_are_not_duplicates():
    # ts_init near 1.7e18 and a uint64 order_id: a float64 comparison would merge them.
    table = pa.table(
        {
            "ts_event": [T0, T0],
            "ts_init": [T0 + 1, T0 + 2],
            "sequence": [7, 7],
            "order_id": pa.array([2**63 + 1, 2**63 + 1], pa.uint64()),
            "side": [1, 1],
            "action": [1, 1],
            "price": [100, 100],
            "size": [1, 1],
            "flags": [0, 0],
        }
    )
    assert validate(table, "l3_orders").num_rows == 2


def test_repair_sort_is_stable_and_keeps_first_copy():
    table = trades([3, 1, 2, 1, 1], price=[30, 10, 20, 11, 10], ids=["c", "a", "b", "d", "a"])
    out = validate(table, "trades", policy=REPAIR)
    assert out.column("price").to_pylist() == [10, 11, 20, 30]
    assert out.column("trade_id").to_pylist() == ["a", "d", "b", "c"]


def test_sort_but_reject_duplicates_names_original_row():
    policy = OrderPolicy(OnDisorder.SORT, OnDuplicate.REJECT)
    table = trades([3, 1, 2, 3], price=[9, 1, 2, 9])
    with pytest.raises(DataValidationError, match=r"row 4.*duplicate row"):
        validate(table, "trades", policy=policy)


def test_drop_duplicates_but_reject_disorder():
    policy = OrderPolicy(OnDisorder.REJECT, OnDuplicate.DROP)
    assert validate(trades([1, 1]), "trades", policy=policy).num_rows == 1
    with pytest.raises(DataValidationError, match="timestamp goes backwards"):
        validate(trades([2, 1]), "trades", policy=policy)


def test_policies():
    assert not STRICT.repairs
    assert REPAIR.repairs
    assert OrderPolicy(on_duplicate=OnDuplicate.DROP).repairs


def test_order_key():
    table = l2([1, 5], [3, 9])
    assert order_key(table, DataType.L2_DELTAS, 1) == (5, 9)


def test_empty_table():
    assert validate(trades([]), "trades").num_rows == 0
