"""Error tree and located DataValidationError messages."""

import pytest

from sapphire.core.errors import (
    DataError,
    DataValidationError,
    IncrementError,
    InstrumentError,
    SapphireError,
    UnknownInstrumentError,
)


def test_message_names_source_row_column_and_value():
    error = DataValidationError(
        "price must be positive", source="a.csv", row=3, column="price", value=-1
    )
    assert str(error) == "a.csv, row 3, column 'price': price must be positive (was -1)"


def test_message_without_location():
    assert str(DataValidationError("empty file")) == "empty file"


def test_located_shifts_row_and_sets_source():
    error = DataValidationError("bad", row=2, column="size").located(source="b.csv", row_offset=100)
    assert (error.source, error.row, error.column) == ("b.csv", 102, "size")
    assert str(error) == "b.csv, row 102, column 'size': bad"


def test_located_keeps_class_and_source():
    error = IncrementError("off tick", source="c.csv", row=1, column="price").located(row_offset=9)
    assert isinstance(error, IncrementError)
    assert str(error) == "c.csv, row 10, column 'price': off tick"


def test_tree():
    assert issubclass(IncrementError, InstrumentError)
    assert issubclass(IncrementError, DataValidationError)
    assert issubclass(DataValidationError, DataError)
    assert issubclass(UnknownInstrumentError, KeyError)
    assert issubclass(SapphireError, Exception)


def test_unknown_instrument_message_is_not_quoted():
    with pytest.raises(KeyError) as info:
        raise UnknownInstrumentError("no instrument X.Y")
    assert str(info.value) == "no instrument X.Y"
