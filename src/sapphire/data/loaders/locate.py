"""Placing an error in the file: its name, the 1-based data row, the file's column.

Loaders convert and validate a chunk at a time, so the errors they catch name a row
of the chunk and, after validation, a schema column. :class:`Rows` knows which file
row each chunk row came from and which file column feeds each schema column.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sapphire.core.errors import DataValidationError


@dataclass(frozen=True, slots=True)
class Rows:
    """Where the rows of one chunk come from.

    Parameters
    ----------
    source
        The file, as named in messages.
    offset
        Data rows of the file before the chunk, when chunk rows map one to one onto
        file rows.
    index
        Otherwise the 1-based file row of every chunk row (a file row may give several).
    columns
        Schema column -> file column, so that validation errors name the file's column.
    """

    source: str
    offset: int = 0
    index: np.ndarray | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    def file_row(self, row: int) -> int:
        """Return the 1-based file row of the 1-based chunk ``row``."""
        if self.index is None:
            return self.offset + row
        return int(self.index[min(row, len(self.index)) - 1])

    def locate(self, exc: DataValidationError) -> DataValidationError:
        """Return ``exc`` (of the same class) placed in the file, naming the file's column."""
        row = None if exc.row is None else self.file_row(exc.row)
        return type(exc)(exc.reason, source=self.source, row=row,
                         column=self.columns.get(exc.column or "", exc.column), value=exc.value)

    def rename(self, exc: DataValidationError) -> DataValidationError:
        """Return ``exc`` (already placed in the file) naming the file's column."""
        return type(exc)(exc.reason, source=exc.source, row=exc.row,
                         column=self.columns.get(exc.column or "", exc.column), value=exc.value)

    @contextmanager
    def locating(self) -> Iterator[None]:
        """Re-raise data errors of the block placed in the file."""
        try:
            yield
        except DataValidationError as exc:  # IncrementError included
            raise self.locate(exc) from None

    def with_columns(self, columns: Mapping[str, str]) -> Rows:
        """Return a copy that maps schema columns onto ``columns``."""
        return Rows(self.source, self.offset, self.index, columns)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows in schema columns (not yet validated) and where they come from."""

    table: pa.Table
    rows: Rows
