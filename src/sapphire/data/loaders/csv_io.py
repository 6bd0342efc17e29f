"""Streaming CSV reading with pyarrow: typed columns, pieces parsed on every core.

The file is cut at line ends into pieces of a few MiB, parsed on worker threads (the
parsers release the GIL), one piece per core at a time, never building a Python
object per row. Arrow's own streaming reader parses one block at a time, which leaves
the second core to the rest of the import. When every wanted column is a number or a
UTC timestamp, a numba kernel (:mod:`~sapphire.data.loaders.csv_fast_nb`) parses the
plain pieces into exactly the columns Arrow would give, in 40 % less CPU; Arrow parses
any piece it does not support. When Arrow rejects the file (a row with the wrong
number of fields, text where a number belongs) the file is read again on one thread,
which makes Arrow name the line, so the error can name the 1-based data row and the
column.
"""

from __future__ import annotations

import io
import os
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.data.loaders.progress import ByteProgress

#: Bytes of a piece, and of a block when the file is read again to locate an error.
#: Measured on 2 cores with 10M quotes, 4 MiB pieces parse fastest; 8-16 MiB
#: pieces keep the cores busy less evenly.
PIECE_BYTES = BLOCK_SIZE = 4 << 20
#: Pieces parsed at once: one per core (a few at most, as the rest of an import needs
#: cores too).
PARSERS = max(1, min(os.cpu_count() or 1, 4))
#: Pieces parsed or queued ahead of the reader, which bounds memory. On 2 cores, 4 and 8
#: per parser were no faster than 2 (10M quotes, interleaved runs).
LOOKAHEAD = 2 * PARSERS

_ROW = re.compile(r"Row #(\d+): (.*)", re.DOTALL)
_COLUMN = re.compile(r"column #(\d+)")


@dataclass(frozen=True, slots=True)
class CsvFormat:
    """How a CSV file is laid out.

    Parameters
    ----------
    delimiter
        The field separator, one character.
    has_header
        Whether the first line names the columns.
    column_names
        Names of the columns of a file without a header.
    """

    delimiter: str = ","
    has_header: bool = True
    column_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.delimiter) != 1:
            raise ConfigError(f"delimiter must be one character, was {self.delimiter!r}")
        if not self.has_header and not self.column_names:
            raise ConfigError("a CSV file without a header needs column_names")

    def header(self, path: Path) -> list[str]:
        """Return the names of the file's columns."""
        if not self.has_header:
            return list(self.column_names or ())
        with path.open("rb") as handle:
            line = handle.readline().decode("utf-8-sig").rstrip("\r\n")
        return [name.strip().strip('"') for name in line.split(self.delimiter)] if line else []


def iter_csv(path: Path, layout: CsvFormat, types: Mapping[str, pa.DataType], chunk_rows: int,
             bar: ByteProgress) -> Iterator[tuple[pa.Table, int]]:
    """Yield ``(table, data rows before it)`` holding the columns of ``types``, typed.

    Raises
    ------
    DataValidationError
        A malformed row or a value Arrow cannot convert, naming file, row and column.
    """
    offset = 0
    pending: list[pa.RecordBatch] = []
    held = 0
    schema: pa.Schema | None = None
    try:
        for piece in _parsed_pieces(path, layout, types, bar):
            schema = piece.schema
            pending.extend(piece.to_batches())
            held += piece.num_rows
            while held >= chunk_rows:
                table = pa.Table.from_batches(pending, schema=schema)
                yield table.slice(0, chunk_rows), offset
                offset += chunk_rows
                held -= chunk_rows
                pending = table.slice(chunk_rows).to_batches() if held else []
    except pa.ArrowInvalid as exc:
        raise _diagnose(path, layout, types, exc) from None
    if held:
        yield pa.Table.from_batches(pending, schema=schema), offset


def _parsed_pieces(path: Path, layout: CsvFormat, types: Mapping[str, pa.DataType],
                   bar: ByteProgress) -> Iterator[pa.Table]:
    """Parse the file's pieces on :data:`PARSERS` threads; yield their tables in file order."""
    with path.open("rb") as handle:
        names = _column_names(handle, layout)
        parse = pcsv.ParseOptions(delimiter=layout.delimiter)
        convert = pcsv.ConvertOptions(column_types=dict(types), include_columns=list(types),
                                      include_missing_columns=False)

        plan = _FastPlan.of(names, types, layout.delimiter)

        def parse_piece(piece: memoryview) -> pa.Table:
            table = plan.parse(piece) if plan is not None else None
            if table is not None:
                return table
            read = pcsv.ReadOptions(use_threads=False, block_size=len(piece) + 1,
                                    column_names=names)
            return pcsv.read_csv(pa.py_buffer(piece), read_options=read, parse_options=parse,
                                 convert_options=convert)

        pool = ThreadPoolExecutor(PARSERS, thread_name_prefix="sapphire-csv")
        queued: deque[tuple[Future[pa.Table], int]] = deque()
        try:
            for piece, end in _pieces(handle):
                queued.append((pool.submit(parse_piece, piece), end))
                if len(queued) > LOOKAHEAD:
                    yield _next_parsed(queued, bar)
            while queued:
                yield _next_parsed(queued, bar)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _FastPlan:
    """How :mod:`~sapphire.data.loaders.csv_fast_nb` reads a file whose wanted columns are
    all float64, int64 or UTC nanosecond timestamps (measured on 10M quotes: 40 % less CPU
    than Arrow's parser). A piece it does not support is left to Arrow."""

    kinds: np.ndarray
    slots: np.ndarray
    delimiter: int
    outputs: tuple[tuple[str, pa.DataType, bool, int], ...]  # name, type, is float, slot
    #: Fewest bytes a supported line takes (delimiters, a digit per number, a whole
    #: timestamp, a line end), so a piece has at most ``len // shortest_line + 1`` rows.
    shortest_line: int

    @classmethod
    def of(cls, names: Sequence[str], types: Mapping[str, pa.DataType],
           delimiter: str) -> _FastPlan | None:
        from sapphire.data.loaders import csv_fast_nb as nb

        kind_of = {pa.float64(): nb.FLOAT, pa.int64(): nb.INT,
                   pa.timestamp("ns", "UTC"): nb.UTC_TIME}
        if (len(set(names)) != len(names) or not types or any(n not in names for n in types)
                or any(t not in kind_of for t in types.values()) or ord(delimiter) > 127):
            return None
        kinds = np.array([kind_of[types[n]] if n in types else nb.SKIP for n in names], np.int8)
        slots = np.zeros(len(names), dtype=np.int64)
        counts = {True: 0, False: 0}
        by_name: dict[str, tuple[bool, int]] = {}
        for column, name in enumerate(names):
            if name in types:
                is_float = types[name] == pa.float64()
                slots[column] = by_name.setdefault(name, (is_float, counts[is_float]))[1]
                counts[is_float] += 1
        outputs = tuple((n, types[n], *by_name[n]) for n in types)
        widths = {nb.SKIP: 0, nb.FLOAT: 1, nb.INT: 1, nb.UTC_TIME: len("2024-01-01T00:00:00Z")}
        shortest = len(names) + sum(widths[int(kind)] for kind in kinds)
        return cls(kinds, slots, ord(delimiter), outputs, shortest)

    def parse(self, piece: bytes | memoryview) -> pa.Table | None:
        """Return the piece's wanted columns as Arrow would, or None if Arrow must parse it."""
        from sapphire.data.loaders.csv_fast_nb import OK, parse_numeric_csv_nb

        # Counting the lines would cost a pass over the bytes; untouched rows of np.empty
        # cost no memory.
        capacity = len(piece) // self.shortest_line + 1
        floats = sum(1 for _, _, is_float, _ in self.outputs if is_float)
        out_float = np.empty((floats, capacity))
        out_int = np.empty((len(self.outputs) - floats, capacity), dtype=np.int64)
        status, rows = parse_numeric_csv_nb(np.frombuffer(piece, np.uint8), self.delimiter,
                                            self.kinds, self.slots, out_float, out_int)
        if status != OK:
            return None
        columns = {}
        for name, type_, is_float, slot in self.outputs:
            values = (out_float if is_float else out_int)[slot, :rows]
            columns[name] = pa.array(values) if is_float else pa.array(values).view(type_)
        return pa.table(columns)


def _next_parsed(queued: deque[tuple[Future[pa.Table], int]], bar: ByteProgress) -> pa.Table:
    future, end = queued.popleft()
    table = future.result()
    bar.at(end)
    return table


def _column_names(handle: BinaryIO, layout: CsvFormat) -> list[str]:
    """Return the column names, reading past the header line if the file has one."""
    if not layout.has_header:
        return list(layout.column_names or ())
    line = handle.readline()
    read = pcsv.ReadOptions(use_threads=False, block_size=len(line) + 1)
    header = pcsv.read_csv(pa.py_buffer(line), read_options=read,
                           parse_options=pcsv.ParseOptions(delimiter=layout.delimiter))
    return header.column_names


def _pieces(handle: io.BufferedIOBase) -> Iterator[tuple[memoryview, int]]:
    """Yield the rest of the file in pieces of about PIECE_BYTES that end at a line end.

    Each comes with the file offset where it ends. A piece is read straight into its own
    buffer after the partial line the previous piece left (no copies of whole pieces:
    at 600 MB a file, copying showed in profiles). A value with a line end inside quotes
    may be cut, as with Arrow's own reader (``newlines_in_values`` is off).
    """
    tail = b""
    while True:
        buffer = bytearray(len(tail) + PIECE_BYTES)
        buffer[:len(tail)] = tail
        view = memoryview(buffer)
        size = len(tail) + handle.readinto(view[len(tail):])
        if size == len(tail):  # end of file
            if tail.strip():
                yield view[:size], handle.tell()
            return
        cut = buffer.rfind(b"\n", 0, size) + 1
        if cut == 0:  # one line longer than a piece: read on until it ends
            tail = bytes(view[:size])
            continue
        tail = bytes(view[cut:size])
        yield view[:cut], handle.tell() - len(tail)


def _open(handle: BinaryIO, layout: CsvFormat, types: Mapping[str, pa.DataType], *,
          threads: bool) -> pcsv.CSVStreamingReader:
    read = pcsv.ReadOptions(use_threads=threads, block_size=BLOCK_SIZE,
                            column_names=None if layout.has_header
                            else list(layout.column_names or ()))
    parse = pcsv.ParseOptions(delimiter=layout.delimiter)
    convert = pcsv.ConvertOptions(column_types=dict(types), include_columns=list(types),
                                  include_missing_columns=False)
    return pcsv.open_csv(handle, read_options=read, parse_options=parse, convert_options=convert)


def _diagnose(path: Path, layout: CsvFormat, types: Mapping[str, pa.DataType],
              first: pa.ArrowInvalid) -> DataValidationError:
    """Read ``path`` again on one thread so that Arrow names the bad line."""
    try:
        with path.open("rb") as handle:
            for _ in _open(handle, layout, types, threads=False):
                pass
    except pa.ArrowInvalid as exc:
        return _located(str(exc), path, layout)
    return DataValidationError(f"cannot read CSV: {first}", source=str(path))


def _located(message: str, path: Path, layout: CsvFormat) -> DataValidationError:
    names: Sequence[str] = layout.header(path)
    row_match = _ROW.search(message)
    column_match = _COLUMN.search(message)
    column = None
    if column_match is not None and int(column_match.group(1)) < len(names):
        column = names[int(column_match.group(1))]
    if row_match is None:
        return DataValidationError(f"cannot read CSV: {message}", source=str(path), column=column)
    row = int(row_match.group(1)) - (1 if layout.has_header else 0)
    return DataValidationError(f"malformed row: {row_match.group(2).strip()}", source=str(path),
                               row=row, column=column)
