"""FX quote files: HistData tick CSV and TrueFX tick CSV.

Neither gives sizes, so both sizes are 0 lots (unknown); ``ts_init`` equals ``ts_event``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from sapphire.core.enums import DataType
from sapphire.data.loaders.convert import require_columns
from sapphire.data.loaders.csv_io import CsvFormat, iter_csv
from sapphire.data.loaders.generic import _TabularLoader
from sapphire.data.loaders.locate import Chunk
from sapphire.data.loaders.mapping import ColumnMap
from sapphire.data.loaders.progress import ByteProgress
from sapphire.model.instruments import Instrument

_QUOTES = {"ts_event": "timestamp", "bid_price": "bid", "ask_price": "ask"}


class _FxCsv(_TabularLoader):
    layout: CsvFormat

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        require_columns(self.layout.header(path), self.mapping.file_columns, str(path))
        raw = iter_csv(path, self.layout, self.mapping.csv_types(), chunk_rows, bar)
        yield from self._convert(raw, path, instrument)


class HistDataQuotesLoader(_FxCsv):
    """HistData tick CSV without a header: ``YYYYMMDD HHMMSSmmm,bid,ask,volume``.

    Parameters
    ----------
    tz
        Zone of the times: HistData states EST without daylight saving, ``-05:00``.
    """

    name: ClassVar[str] = "histdata-quotes"
    data_type: ClassVar[DataType] = DataType.QUOTES

    def __init__(self, tz: str = "-05:00") -> None:
        self.mapping = ColumnMap(DataType.QUOTES, _QUOTES, timestamp="compact", tz=tz)
        self.layout = CsvFormat(has_header=False,
                                column_names=("timestamp", "bid", "ask", "volume"))

    def __repr__(self) -> str:
        return f"HistDataQuotesLoader(tz={self.mapping.tz!r})"


class TrueFxQuotesLoader(_FxCsv):
    """TrueFX tick CSV with a header ``timestamp,bid,ask``; ISO times with an offset.

    Parameters
    ----------
    tz
        Zone of times written without an offset (none by default: they are an error).
    """

    name: ClassVar[str] = "truefx-quotes"
    data_type: ClassVar[DataType] = DataType.QUOTES

    def __init__(self, tz: str | None = None) -> None:
        self.mapping = ColumnMap(DataType.QUOTES, _QUOTES, timestamp="iso", tz=tz)
        self.layout = CsvFormat()

    def __repr__(self) -> str:
        return f"TrueFxQuotesLoader(tz={self.mapping.tz!r})"
