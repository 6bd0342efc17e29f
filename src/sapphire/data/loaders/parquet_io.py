"""Streaming Parquet reading: record batches of the needed columns only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sapphire.core.errors import DataValidationError
from sapphire.data.loaders.convert import require_columns
from sapphire.data.loaders.progress import ByteProgress


def iter_parquet(path: Path, columns: list[str], chunk_rows: int,
                 bar: ByteProgress) -> Iterator[tuple[pa.Table, int]]:
    """Yield ``(table of columns, rows before it)``; a missing column is a SchemaError."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataValidationError(f"not a readable Parquet file: {exc}", source=str(path)) from None
    require_columns(parquet.schema_arrow.names, columns, str(path))
    total = max(parquet.metadata.num_rows, 1)
    offset = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=columns):
        yield pa.Table.from_batches([batch]), offset
        offset += batch.num_rows
        bar.fraction(offset / total)
