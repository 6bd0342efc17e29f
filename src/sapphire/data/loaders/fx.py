"""FX quote files: HistData tick CSV and TrueFX tick CSV.

Neither gives sizes, so both sizes are 0 lots (unknown); ``ts_init`` equals ``ts_event``.
"""

from __future__ import annotations

from typing import ClassVar

from sapphire.core.enums import DataType
from sapphire.data.loaders.csv_io import CsvFormat
from sapphire.data.loaders.generic import _CsvTable
from sapphire.data.loaders.mapping import ColumnMap

_QUOTES = {"ts_event": "timestamp", "bid_price": "bid", "ask_price": "ask"}


class HistDataQuotesLoader(_CsvTable):
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


class TrueFxQuotesLoader(_CsvTable):
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

    def __repr__(self) -> str:
        return f"TrueFxQuotesLoader(tz={self.mapping.tz!r})"
