"""Generic loaders: any CSV or Parquet file, given which column is which.

This is the fast path for bulk imports: Arrow parses the CSV on every core straight
into typed columns (timestamps included), prices and sizes become ticks and lots in
one compiled pass, and nothing is built per row in Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from sapphire.core.enums import DataType
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import require_columns
from sapphire.data.loaders.csv_io import CsvFormat, iter_csv
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.mapping import BUY_LABELS, SELL_LABELS, ColumnMap
from sapphire.data.loaders.options import as_bool, as_labels
from sapphire.data.loaders.parquet_io import iter_parquet
from sapphire.data.loaders.progress import ByteProgress
from sapphire.model.instruments import Instrument


class _TabularLoader(Loader):
    """A loader whose file is a table, converted through a :class:`ColumnMap`."""

    mapping: ColumnMap
    #: Whether the caller picks the data type (the generic loaders) rather than the format.
    data_type_chosen: ClassVar[bool] = False

    @classmethod
    def data_type_text(cls) -> str:
        if not cls.data_type_chosen:
            return super().data_type_text()
        return f"chosen with --data-type ({', '.join(t.value for t in DataType)})"

    def _map(self, data_type: DataType | str, columns: Mapping[str, str], timestamp: str,
             tz: str | None, symbol_column: str | None, buy: Collection[str] | str,
             sell: Collection[str] | str) -> None:
        """Set :attr:`data_type` and :attr:`mapping` from a loader's options."""
        self.data_type = DataType(data_type)  # type: ignore[misc]
        self.mapping = ColumnMap(self.data_type, columns, timestamp, tz, symbol=symbol_column,
                                 buy=as_labels(buy), sell=as_labels(sell))

    def _convert(self, raw_chunks: Iterator[tuple[pa.Table, int]], path: Path,
                 instrument: Instrument, mapping: ColumnMap | None = None) -> Iterator[Chunk]:
        mapping = mapping or self.mapping
        names = mapping.error_columns
        for raw, offset in raw_chunks:
            rows = Rows(str(path), offset, columns=names)
            yield Chunk(mapping.convert(raw, instrument, rows), rows)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.mapping.data_type}, {dict(self.mapping.columns)})"


class _CsvTable(_TabularLoader):
    """A table loader whose file is a CSV laid out as :attr:`layout`."""

    layout: CsvFormat = CsvFormat()

    def _mapping_for(self, header: list[str]) -> ColumnMap:
        """Return the column map for a file with columns ``header``."""
        return self.mapping

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        header = self.layout.header(path)
        mapping = self._mapping_for(header)
        require_columns(header, mapping.file_columns, str(path))
        raw = iter_csv(path, self.layout, mapping.csv_types(), chunk_rows, bar)
        yield from self._convert(raw, path, instrument, mapping)


class _ParquetTable(_TabularLoader):
    """A table loader whose file is Parquet."""

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        raw = iter_parquet(path, self.mapping.file_columns, chunk_rows, bar)
        yield from self._convert(raw, path, instrument)


class CsvLoader(_CsvTable):
    """Any CSV file, given a map from schema columns to the file's columns.

    Parameters
    ----------
    data_type
        What the rows are (``trades``, ``quotes``, ``bars``, ``l2_deltas``, ``l3_orders``).
    columns
        Schema column -> file column, e.g. ``{"ts_event": "time", "bid_price": "bid", ...}``.
        ``ts_init`` may be left out (it is then ``ts_event``); see :class:`ColumnMap`
        for the other columns a file may lack.
    timestamp
        ``iso`` (ISO 8601 text), ``s``/``ms``/``us``/``ns`` since the epoch, ``auto``
        (guess text or the epoch unit) or a strptime format such as ``%Y%m%d %H%M%S``.
    tz
        Zone of timestamps without an offset (required by them and by strptime formats).
    delimiter, has_header, column_names
        The file's layout; a file without a header needs ``column_names``.
    aggressor_buy_values, aggressor_sell_values
        Labels of an aggressor (or side) column meaning buy and sell.
    symbol_column
        A column naming each row's instrument, checked against the import.
    """

    name: ClassVar[str] = "csv"
    data_type: ClassVar[DataType] = DataType.QUOTES
    data_type_chosen: ClassVar[bool] = True

    def __init__(self, data_type: DataType | str, columns: Mapping[str, str], *,
                 timestamp: str = "iso", tz: str | None = None, delimiter: str = ",",
                 has_header: bool | str = True, column_names: Sequence[str] | str | None = None,
                 aggressor_buy_values: Collection[str] | str = BUY_LABELS,
                 aggressor_sell_values: Collection[str] | str = SELL_LABELS,
                 symbol_column: str | None = None) -> None:
        self._map(data_type, columns, timestamp, tz, symbol_column, aggressor_buy_values,
                  aggressor_sell_values)
        names = as_labels(column_names) if column_names is not None else None
        self.layout = CsvFormat(delimiter, as_bool(has_header, "has_header"),
                                tuple(names) if names else None)


class ParquetLoader(_ParquetTable):
    """Any Parquet file, given a map from schema columns to the file's columns.

    Parameters are those of :class:`CsvLoader` without the CSV layout. Arrow timestamp
    columns are used as they are (a zone-less one is read in ``tz``); integer columns
    count ``timestamp`` units since the epoch (``auto`` guesses the unit).
    """

    name: ClassVar[str] = "parquet"
    data_type: ClassVar[DataType] = DataType.QUOTES
    data_type_chosen: ClassVar[bool] = True

    def __init__(self, data_type: DataType | str, columns: Mapping[str, str], *,
                 timestamp: str = "auto", tz: str | None = None,
                 aggressor_buy_values: Collection[str] | str = BUY_LABELS,
                 aggressor_sell_values: Collection[str] | str = SELL_LABELS,
                 symbol_column: str | None = None) -> None:
        self._map(data_type, columns, timestamp, tz, symbol_column, aggressor_buy_values,
                  aggressor_sell_values)
