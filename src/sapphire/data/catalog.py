"""The Parquet tick catalog: write, append, query and list market data.

Data is partitioned by data type, series (instrument or bar type) and UTC day,
so one instrument-day reads without touching anything else. Each file carries
the schema version and the instrument spec. Writes are transactions
(:mod:`sapphire.data.catalog_txn`): all of a write lands, or none of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sapphire.core.enums import DataType
from sapphire.core.errors import CatalogError, UnknownInstrumentError
from sapphire.core.identifiers import InstrumentId
from sapphire.core.time import MAX_NS, NS_PER_DAY
from sapphire.data.bar_type import BarType
from sapphire.data.catalog_layout import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Series,
    day_dir,
    day_of,
    instrument_path,
    list_days,
    list_parts,
    list_series,
    write_atomically,
)
from sapphire.data.catalog_txn import Transaction, recover
from sapphire.data.schemas import SCHEMA_VERSION, empty_table, schema_for
from sapphire.data.validation import STRICT, OrderPolicy
from sapphire.model.instruments import Instrument, instrument_from_json

#: Parquet compression of new files. After delta and dictionary encoding (see
#: :func:`~sapphire.data.catalog_txn.parquet_options`) 10M quotes take 98 MB with lz4
#: or zstd-1 and 104 MB with none; lz4 writes in 20 % less CPU than zstd-1 and reads
#: back in half of it (benchmarks/results/README.md).
DEFAULT_COMPRESSION = "lz4"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """What is stored for one series."""

    data_type: DataType
    name: str
    first_ns: int
    last_ns: int
    rows: int
    days: int
    bytes: int


class Catalog:
    """A folder of Parquet files with instrument specs, written atomically.

    Parameters
    ----------
    root
        The catalog folder; created (with parents) if missing.
    compression
        Parquet codec for new files (``lz4``, ``zstd``, ``snappy`` or ``none``).
    """

    def __init__(self, root: str | Path, *, compression: str = DEFAULT_COMPRESSION) -> None:
        self.root = Path(root).resolve()
        self.compression = compression
        self._open_or_create()
        recover(self.root)

    def _open_or_create(self) -> None:
        marker = self.root / "catalog.json"
        if marker.exists():
            try:
                info = json.loads(marker.read_text())
            except json.JSONDecodeError as exc:
                raise CatalogError(f"{marker} is corrupt: {exc}") from None
            if info.get("format") != FORMAT_NAME or info.get("version") != FORMAT_VERSION:
                raise CatalogError(
                    f"{self.root} holds catalog format {info.get('format')!r} version "
                    f"{info.get('version')!r}; expected {FORMAT_NAME!r} version {FORMAT_VERSION}"
                )
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise CatalogError(f"{self.root} is not empty and is not a Sapphire catalog")
        write_atomically(marker, json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION,
                                             "schema_version": SCHEMA_VERSION}).encode())

    # -- instruments -----------------------------------------------------------------------

    def find_instrument(self, instrument_id: InstrumentId | str) -> Instrument | None:
        """Return the stored instrument, or ``None``."""
        if isinstance(instrument_id, str):
            instrument_id = InstrumentId.parse(instrument_id)
        path = instrument_path(self.root, instrument_id)
        return instrument_from_json(path.read_bytes()) if path.exists() else None

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """Return the stored instrument; raise :class:`UnknownInstrumentError` if absent."""
        found = self.find_instrument(instrument_id)
        if found is None:
            known = ", ".join(str(i.id) for i in self.instruments()) or "none"
            raise UnknownInstrumentError(
                f"unknown instrument {instrument_id} in catalog {self.root} (known: {known})"
            )
        return found

    def instruments(self) -> list[Instrument]:
        """Return every stored instrument, sorted by id."""
        directory = self.root / "instruments"
        if not directory.is_dir():
            return []
        found = [instrument_from_json(p.read_bytes()) for p in directory.glob("*.json")]
        return sorted(found, key=lambda i: i.id)

    def add_instrument(self, instrument: Instrument) -> None:
        """Store ``instrument``; storing the same spec again does nothing."""
        with self.transaction() as txn:
            txn.add_instrument(instrument)

    # -- writing ---------------------------------------------------------------------------

    def transaction(self) -> Transaction:
        """Start a transaction (only one may write at a time)."""
        return Transaction(self)

    def write(self, data_type: DataType | str, key: InstrumentId | BarType | str,
              table: pa.Table, *, policy: OrderPolicy = STRICT) -> int:
        """Write one table atomically; return the number of rows written."""
        with self.transaction() as txn:
            return txn.write(data_type, key, table, policy=policy)

    # -- reading ---------------------------------------------------------------------------

    def query(
        self,
        data_type: DataType | str,
        key: InstrumentId | BarType | str,
        start: int | None = None,
        end: int | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Return the rows of one series with ``start <= ts_event < end`` (ns), in order.

        Only the days overlapping the range are read.
        """
        series = Series.of(data_type, key)
        lo = 0 if start is None else int(start)
        hi = MAX_NS if end is None else int(end)
        if columns is not None:
            unknown = set(columns) - set(schema_for(series.data_type).names)
            if unknown:
                raise CatalogError(f"unknown columns {sorted(unknown)} for {series.data_type}")
        read_columns = (columns if columns is None or "ts_event" in columns
                        else [*columns, "ts_event"])
        tables = []
        for day in list_days(self.root, series):
            day_start = (day - date(1970, 1, 1)).days * NS_PER_DAY
            if day_start + NS_PER_DAY <= lo or day_start >= hi:
                continue
            for part in list_parts(day_dir(self.root, series, day)):
                table = pq.read_table(part, columns=read_columns, use_threads=True)
                tables.append(_clip(table, lo, hi))
        if not tables:
            table = empty_table(series.data_type)
            return table.select(columns) if columns else table
        table = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
        return table.select(columns) if columns else table

    def read_day(self, data_type: DataType | str, key: InstrumentId | BarType | str,
                 day: date | str) -> pa.Table:
        """Return every row of one series on one UTC day."""
        if isinstance(day, str):
            day = date.fromisoformat(day)
        start = (day - date(1970, 1, 1)).days * NS_PER_DAY
        return self.query(data_type, key, start, start + NS_PER_DAY)

    def series(self) -> list[Series]:
        """Return every stored series."""
        return list_series(self.root)

    def entries(self) -> list[CatalogEntry]:
        """List what is stored: per series its time range, rows, days and bytes on disk."""
        entries = []
        for series in self.series():
            days = list_days(self.root, series)
            parts = [p for d in days for p in list_parts(day_dir(self.root, series, d))]
            if not parts:
                continue
            metadata = [pq.ParquetFile(p).metadata for p in parts]
            entries.append(CatalogEntry(
                data_type=series.data_type,
                name=series.name,
                first_ns=_ts_bound(metadata[0], first=True),
                last_ns=_ts_bound(metadata[-1], first=False),
                rows=sum(m.num_rows for m in metadata),
                days=len(days),
                bytes=sum(p.stat().st_size for p in parts),
            ))
        return entries

    def files(self, data_type: DataType | str, key: InstrumentId | BarType | str) -> list[Path]:
        """Return the Parquet files of one series, in order."""
        series = Series.of(data_type, key)
        return [p for d in list_days(self.root, series)
                for p in list_parts(day_dir(self.root, series, d))]

    def sql(self, query: str) -> pa.Table:
        """Run DuckDB SQL over the catalog (see :mod:`sapphire.data.catalog_sql` for the views)."""
        from sapphire.data.catalog_sql import run_sql

        return run_sql(self, query)

    def __repr__(self) -> str:
        return f"Catalog({str(self.root)!r})"


def _clip(table: pa.Table, lo: int, hi: int) -> pa.Table:
    ts = table.column("ts_event").to_numpy()
    if len(ts) == 0 or (ts[0] >= lo and ts[-1] < hi):
        return table
    begin = int(np.searchsorted(ts, lo, side="left"))
    end = int(np.searchsorted(ts, hi, side="left"))
    return table.slice(begin, end - begin)


def _ts_bound(metadata: pq.FileMetaData, *, first: bool) -> int:
    column = metadata.schema.names.index("ts_event")
    group = metadata.row_group(0 if first else metadata.num_row_groups - 1)
    stats = group.column(column).statistics
    if stats is None or not stats.has_min_max:
        raise CatalogError("a catalog file lacks ts_event statistics")
    return int(stats.min if first else stats.max)


__all__ = ["DEFAULT_COMPRESSION", "Catalog", "CatalogEntry", "day_of"]
