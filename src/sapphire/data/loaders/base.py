"""The loader interface and the streaming pipeline every loader shares.

A loader turns one vendor file into validated Arrow tables of one
:class:`~sapphire.core.enums.DataType`, a chunk at a time. Subclasses only say how
to cut the file into chunks of schema columns (:meth:`Loader._chunks`); the base
class validates each chunk, keeps the rows in order across chunks, and places every
error in the file (its name, the 1-based data row, the file's column).
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError, DataError, DataValidationError
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.progress import ByteProgress, byte_progress
from sapphire.data.validation import STRICT, OrderPolicy, Validated, order_key, validate
from sapphire.model.instruments import Instrument

log = logging.getLogger(__name__)


class Loader(abc.ABC):
    """Read one vendor file as validated tables of :attr:`data_type`.

    Attributes
    ----------
    name
        Registry name, e.g. ``"binance-trades"`` (see :data:`sapphire.data.loaders.LOADERS`).
    data_type
        What the loader produces.
    """

    name: ClassVar[str]
    data_type: ClassVar[DataType]

    @classmethod
    def data_type_text(cls) -> str:
        """Say what the loader produces, or how that is chosen (for ``sapphire data formats``)."""
        return str(cls.data_type)

    def read(self, path: str | Path, instrument: Instrument, *, policy: OrderPolicy = STRICT,
             chunk_rows: int = 1_000_000, progress: bool = False) -> Iterator[pa.Table]:
        """Stream ``path`` as tables with exactly ``schema_for(self.data_type)``.

        Parameters
        ----------
        path
            The vendor file.
        instrument
            The instrument the file holds; prices become its ticks, sizes its lots.
        policy
            What to do with out-of-order and duplicate rows (reject by default).
        chunk_rows
            About how many rows each table holds (memory stays bounded by it).
        progress
            Show a progress bar over the bytes read.

        Yields
        ------
        pyarrow.Table
            Validated rows, in order across tables.

        Raises
        ------
        DataValidationError, IncrementError, UnknownInstrumentError
            A bad row; the message names the file, the 1-based data row and the column.
        SchemaError
            A column is missing; the message names it and the columns found.
        """
        for checked in self.read_validated(path, instrument, policy=policy,
                                           chunk_rows=chunk_rows, progress=progress):
            yield checked.table

    def read_validated(self, path: str | Path, instrument: Instrument, *,
                       policy: OrderPolicy = STRICT, chunk_rows: int = 1_000_000,
                       progress: bool = False) -> Iterator[Validated]:
        """Stream ``path`` like :meth:`read`, each table marked as validated under ``policy``.

        A :class:`~sapphire.data.catalog_txn.Transaction` stores these without checking
        their rows a second time.
        """
        path = Path(path)
        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a positive integer, was {chunk_rows!r}")
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        source = str(path)
        previous_key: tuple[int, ...] | None = None
        with byte_progress(path, enabled=progress) as bar:
            for chunk in self._chunks(path, instrument, chunk_rows, bar):
                table = _validated(chunk, self.data_type, policy, previous_key, source)
                if len(table):
                    previous_key = order_key(table, self.data_type, len(table) - 1)
                    yield Validated(table, self.data_type, policy)

    @abc.abstractmethod
    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        """Yield the file as chunks of schema columns with the file row of each table row."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _validated(chunk: Chunk, data_type: DataType, policy: OrderPolicy,
               previous_key: tuple[int, ...] | None, source: str) -> pa.Table:
    rows = chunk.rows
    if rows.index is None:
        try:
            return validate(chunk.table, data_type, policy=policy, source=source,
                            row_offset=rows.offset, previous_key=previous_key)
        except DataValidationError as exc:
            raise rows.rename(exc) from None
    try:
        return validate(chunk.table, data_type, policy=policy, previous_key=previous_key)
    except DataValidationError as exc:
        raise rows.locate(exc) from None


__all__ = ["Chunk", "Loader", "Rows"]
