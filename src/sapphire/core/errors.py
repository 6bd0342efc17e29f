"""Typed errors raised by Sapphire.

The whole tree::

    SapphireError
    ├── ConfigError              a setting or constructor argument is invalid
    ├── TimestampError           a timestamp cannot be parsed or is out of range
    ├── InstrumentError          an instrument is badly specified
    │   ├── UnknownInstrumentError   no instrument is registered under that id
    │   └── IncrementError           a price or size is off its increment (a DataValidationError)
    ├── DataError                market data cannot be accepted
    │   ├── DataValidationError      a row breaks a rule (names source, row, column)
    │   │   └── IncrementError
    │   ├── SchemaError              columns are missing or have the wrong type
    │   ├── CatalogError             the catalog cannot do what was asked
    │   └── BookIntegrityError       an order book delta breaks the book (names sequence, price)
    │       └── OrderIntegrityError      an L3 order event breaks the book (names the order id too)
    ├── BenchmarkHistoryError    a benchmark history file is corrupt (names file and line)
    ├── ResultsError             a backtest run cannot be saved or loaded (names the folder)
    ├── BackendUnavailableError  a requested array backend cannot run here (a ConfigError)
    └── RiskError                risk analytics cannot use its input (names row, column, value)
        └── NotPositiveDefiniteError   a covariance matrix is not positive definite

Every message names the bad value and what was expected.
"""

from __future__ import annotations


class SapphireError(Exception):
    """Base class of every error Sapphire raises on purpose."""


class ConfigError(SapphireError, ValueError):
    """A setting or constructor argument is invalid."""


class TimestampError(SapphireError, ValueError):
    """A timestamp cannot be parsed, or lies outside the supported range."""


class InstrumentError(SapphireError, ValueError):
    """An instrument definition is invalid."""


class UnknownInstrumentError(InstrumentError, KeyError):
    """No instrument is registered under the requested id or symbol."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class DataError(SapphireError, ValueError):
    """Market data cannot be accepted."""


class DataValidationError(DataError):
    """A row of market data breaks a rule.

    Parameters
    ----------
    reason
        What is wrong, for example ``"price is NaN"``.
    source
        The file (or other origin) the data came from, when known.
    row
        1-based number of the data row in ``source`` (a header line is not counted).
    column
        The offending column.
    value
        The offending value, shown in the message.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.source is not None:
            where.append(str(self.source))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = self.reason if not where else f"{', '.join(where)}: {self.reason}"
        if self.value is not None:
            text += f" (was {self.value!r})"
        return text

    def located(self, *, source: str | None = None, row_offset: int = 0) -> DataValidationError:
        """Return a copy of the same class, placed in ``source``, row shifted by ``row_offset``."""
        return type(self)(
            self.reason,
            source=source if source is not None else self.source,
            row=None if self.row is None else self.row + row_offset,
            column=self.column,
            value=self.value,
        )


class IncrementError(InstrumentError, DataValidationError):
    """A price or size is not a whole multiple of the instrument's increment.

    Like any :class:`DataValidationError` it names the row and column when it comes
    from an array, and :meth:`located` re-places it in a file.
    """


class SchemaError(DataError):
    """Columns are missing, unexpected, or of the wrong type."""


class CatalogError(DataError):
    """The catalog cannot do what was asked (bad path, conflicting write, corrupt file)."""


class BookIntegrityError(DataError):
    """An order book delta would make the book wrong (crossed, negative size, missing level,
    sequence gap, a delta before the first snapshot).

    Attributes
    ----------
    fault
        What was wrong (a :class:`sapphire.book.integrity.Fault`).
    sequence, side, price
        The offending delta's sequence, side and price (ticks).
    """

    def __init__(self, message: str, *, fault: object = None, sequence: int | None = None,
                 side: int | None = None, price: int | None = None) -> None:
        super().__init__(message)
        self.fault = fault
        self.sequence = sequence
        self.side = side
        self.price = price


class OrderIntegrityError(BookIntegrityError):
    """An order-by-order (L3) event would make the book wrong (unknown or duplicate order id,
    negative size, crossed book, sequence gap).

    Attributes
    ----------
    order_id
        The offending event's order id (besides the fault, sequence, side and price).
    """

    def __init__(self, message: str, *, order_id: int | None = None, fault: object = None,
                 sequence: int | None = None, side: int | None = None,
                 price: int | None = None) -> None:
        super().__init__(message, fault=fault, sequence=sequence, side=side, price=price)
        self.order_id = order_id


class BenchmarkHistoryError(SapphireError, ValueError):
    """A benchmark history file cannot be read (the message names the file and line)."""


class ResultsError(SapphireError, ValueError):
    """A backtest run cannot be saved, listed or loaded (the message names the folder or file)."""


class BackendUnavailableError(ConfigError):
    """An array backend was asked for by name but cannot run here (the message says why)."""


class RiskError(SapphireError, ValueError):
    """Risk analytics input is unusable: NaN returns, wrong shapes, zero positions, bad levels."""


class NotPositiveDefiniteError(RiskError):
    """A covariance matrix is not positive definite (the message gives its smallest eigenvalue)."""
