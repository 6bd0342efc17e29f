"""Where the catalog keeps things on disk.

::

    <root>/catalog.json                          format marker and version
    <root>/instruments/<INSTRUMENT>.json         instrument specs (ticks mean nothing without them)
    <root>/data/<data_type>/<SERIES>/<YYYY-MM-DD>/part-<n>.parquet
    <root>/.txn/<id>/...                         files staged by an uncommitted transaction
    <root>/.txn/<id>.commit                      the manifest of a transaction being committed

A series is one instrument for ticks and books, or one bar type for bars. Names
are percent-encoded so that any symbol (``EUR/USD``) is a safe directory name.
Rows of a day are split into parts whose order keys never overlap: reading the
parts of a day in order gives the day's rows in order.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, unquote

from sapphire.core.enums import DataType
from sapphire.core.identifiers import InstrumentId
from sapphire.core.time import NS_PER_DAY
from sapphire.data.bar_type import BarType

FORMAT_NAME = "sapphire-catalog"
FORMAT_VERSION = 1
_PART = re.compile(r"^part-(\d{6})\.parquet$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True, order=True)
class Series:
    """One stored stream: a data type and the instrument (or bar type) it belongs to."""

    data_type: DataType
    name: str

    @classmethod
    def of(cls, data_type: DataType | str, key: InstrumentId | BarType | str) -> Series:
        data_type = DataType(data_type)
        if isinstance(key, str):
            key = BarType.parse(key) if data_type == DataType.BARS else InstrumentId.parse(key)
        if (data_type == DataType.BARS) != isinstance(key, BarType):
            expected = "a bar type" if data_type == DataType.BARS else "an instrument id"
            raise TypeError(f"{data_type} are stored per {expected}, got {key!r}")
        return cls(data_type, str(key))

    @property
    def instrument_id(self) -> InstrumentId:
        if self.data_type == DataType.BARS:
            return BarType.parse(self.name).instrument_id
        return InstrumentId.parse(self.name)

    def __str__(self) -> str:
        return f"{self.data_type}/{self.name}"


def day_of(ns: int) -> date:
    """Return the UTC calendar day of ``ns``."""
    return datetime.fromtimestamp(ns // NS_PER_DAY * 86_400, tz=UTC).date()


def series_dir(root: Path, series: Series) -> Path:
    return root / "data" / series.data_type.value / quote(series.name, safe="")


def day_dir(root: Path, series: Series, day: date) -> Path:
    return series_dir(root, series) / day.isoformat()


def part_name(number: int) -> str:
    return f"part-{number:06d}.parquet"


def part_number(path: Path) -> int:
    match = _PART.match(path.name)
    return int(match.group(1)) if match else -1


def list_parts(directory: Path) -> list[Path]:
    """Parts of one day, in order."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if _PART.match(p.name)), key=part_number)


def list_days(root: Path, series: Series) -> list[date]:
    directory = series_dir(root, series)
    if not directory.is_dir():
        return []
    return sorted(date.fromisoformat(p.name) for p in directory.iterdir() if _DAY.match(p.name))


def list_series(root: Path) -> list[Series]:
    found = []
    for data_type in DataType:
        directory = root / "data" / data_type.value
        if directory.is_dir():
            found += [Series(data_type, unquote(p.name)) for p in directory.iterdir() if p.is_dir()]
    return sorted(found)


def instrument_path(root: Path, instrument_id: InstrumentId) -> Path:
    return root / "instruments" / f"{quote(str(instrument_id), safe='')}.json"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
